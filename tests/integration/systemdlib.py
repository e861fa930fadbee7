"""A real systemd, booted in a container over the host's own /usr, for tests
that need a service manager and a pure cgroup-v2 host (what most users run)
on a machine whose PID 1 is not systemd.

    with SystemdContainer(binds=[scratch_root]) as c:
        c.run(["cordon", "list"], env=...)          # as root, inside
        c.run(["cordon", "run", "hello"], user="cordontest1")
        c.systemctl("start", "x.service"); c.journal("x.service")

How: `systemd-nspawn -D / --volatile=yes --boot` (the root a tmpfs, /usr the
host's, read-only; no user namespace: root inside is root), its cgroup2
mounted at /sys/fs/cgroup inside (SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1), no
machine registration, --keep-unit. Commands enter with nsenter (mount, uts,
ipc, net, pid, cgroup namespaces) and are first moved into a cgroup of the
container of their own, <payload>/cordon-harness: from outside the cgroup
namespace's root a process could not be moved into the container's cgroups
(the kernel wants the writer's namespace root above both ends).

What is left on the host, and how stop() takes it away:
* cgroups: with --keep-unit nspawn makes `payload` (the container) and
  `supervisor` (itself) under its own cgroup in the cgroup2 hierarchy and in
  a name=systemd v1 one, and removes neither. So nspawn is started in a
  cgroup of ours, cordon-test-nspawn-<id> (what cordonlib.leftovers()
  looks for), in both; stop() removes the trees.
* /run/systemd/nspawn/propagate/<machine>: nspawn fails to remove it where
  /run is not a tmpfs ("Attempted to remove disk file system"); stop()
  removes it, and the directories above it if the boot made them.
* /run/systemd/nspawn-root (where --volatile's tmpfs is put together),
  kept by nspawn: removed if the boot made it.
* mounts: all in the container's mount namespace (nspawn's binds are not
  propagated back), gone with it; stop() checks.

/etc/passwd and /etc/group are bound read-only from the host: add users on
the host before the boot (useradd replaces the file; a bind keeps the old
one). The host's /dev/loop* are not in the container: install snap
directories, not squashfs files.
"""
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

import cordonlib

NSPAWN = shutil.which("systemd-nspawn") or "/usr/bin/systemd-nspawn"
CGROUP_PREFIX = "cordon-test-nspawn-"
HARNESS_CGROUP = "cordon-harness"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class BootError(Exception):
    """The container did not come up (the message holds its console)."""


def _cgroup_hierarchies():
    """The host hierarchies nspawn puts itself in: the cgroup2 one and,
    on a hybrid host, the name=systemd v1 one. {kind: mount point}."""
    found = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            fstype, sup = parts[sep + 1], parts[sep + 3]
            mnt = parts[4].encode().decode("unicode_escape")
            if fstype == "cgroup2":
                found.setdefault("v2", mnt)
            elif fstype == "cgroup" and "name=systemd" in sup.split(","):
                found.setdefault("systemd", mnt)
    return found


def _children(pid):
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(stat.split("/")[2]))
    return out


def _comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def _rmdir_tree(path, timeout=10):
    """Remove a cgroup tree, deepest first; retried while the kernel
    still counts dying processes in it. Returns what is left."""
    deadline = time.monotonic() + timeout
    while True:
        cordonlib.rmdir_cgroup_tree(path)
        if not os.path.exists(path):
            return []
        if time.monotonic() > deadline:
            return [dp for dp, _, _ in os.walk(path)]
        time.sleep(0.1)


def mountinfo_lines():
    with open("/proc/self/mountinfo") as f:
        return f.read().splitlines()


class SystemdContainer:
    """One booted container; see the module's docstring."""

    def __init__(self, binds=(), binds_ro=(), boot_timeout=30, unit_root=None):
        """unit_root: a cordon system root whose etc/systemd/{system,user}
        become the container's /etc/systemd/{system,user}, so that the
        units cordon writes there are the ones its systemd reads."""
        self.binds = list(binds)
        if unit_root is not None:
            for scope in ("system", "user"):
                d = os.path.join(unit_root, "etc", "systemd", scope)
                os.makedirs(d, mode=0o755, exist_ok=True)
                self.binds.append(f"{d}:/etc/systemd/{scope}")
        self.binds_ro = list(binds_ro)
        self.boot_timeout = boot_timeout
        self.name = CGROUP_PREFIX + secrets.token_hex(4)  # also the machine name
        self.proc = None
        self.leader = None  # the container's PID 1, as the host sees it
        self.payload = self.harness = None  # host paths of the container's cgroups
        self.console = None
        self.cgroups = {}  # kind: host path of our cgroup for nspawn
        self.boot_seconds = None
        self._made = []  # directories the boot made and stop() removes

    # -- life cycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @staticmethod
    def available():
        """None if containers can be booted here, else why not."""
        if not os.path.exists(NSPAWN):
            return "systemd-nspawn is not installed (Debian: systemd-container)"
        if not os.path.exists("/usr/lib/systemd/systemd"):
            return "no /usr/lib/systemd/systemd to boot"
        if "v2" not in _cgroup_hierarchies():
            return "no cgroup2 hierarchy mounted on the host"
        return None

    def start(self):
        t0 = time.monotonic()
        for d in ("/run/systemd", "/run/systemd/nspawn", "/run/systemd/nspawn/propagate",
                  "/run/systemd/nspawn-root", "/var/lib/machines"):
            if not os.path.exists(d):
                self._made.append(d)
        cmd = [NSPAWN, "--quiet", "-D", "/", "--volatile=yes", "--register=no", "--keep-unit",
               f"--machine={self.name}", "--bind-ro=/etc/passwd", "--bind-ro=/etc/group",
               # nspawn's own seccomp filter, which every process the
               # container's systemd starts inherits, refuses bpf() and
               # the Landlock calls with EPERM; a host's services have no
               # such filter, and cordon's device program needs bpf(), its
               # file and network policy Landlock (refused, a service
               # would silently run without it: test_services_daemons)
               "--system-call-filter=bpf landlock_create_ruleset landlock_add_rule "
               "landlock_restrict_self"]
        cmd += [f"--bind={b}" for b in self.binds]
        cmd += [f"--bind-ro={b}" for b in self.binds_ro]
        cmd += ["--boot", "--", "systemd.firstboot=off"]
        env = {"PATH": PATH, "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY": "1", "LANG": "C.UTF-8"}
        try:
            for kind, root in _cgroup_hierarchies().items():
                path = os.path.join(root, self.name)
                os.mkdir(path)
                self.cgroups[kind] = path
            procs = [os.path.join(p, "cgroup.procs") for p in self.cgroups.values()]

            def join_cgroups():
                for p in procs:
                    with open(p, "w") as f:
                        f.write(str(os.getpid()))

            self.console = tempfile.TemporaryFile()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.console,
                                         stderr=subprocess.STDOUT, env=env,
                                         preexec_fn=join_cgroups, start_new_session=True)
            self._wait_running(t0)
        except BaseException:
            self.stop()
            raise
        self.boot_seconds = time.monotonic() - t0

    def output(self):
        """The container's console so far."""
        if self.console is None:
            return ""
        self.console.seek(0)
        return self.console.read().decode(errors="replace")

    def _fail(self, why):
        raise BootError(f"{why}\n--- container console ---\n{self.output()[-6000:]}")

    def _wait_running(self, t0):
        deadline = t0 + self.boot_timeout
        # the container's PID 1: nspawn's child once it has exec'd systemd
        while self.leader is None:
            if self.proc.poll() is not None:
                self._fail(f"systemd-nspawn exited {self.proc.returncode} during the boot")
            for c in _children(self.proc.pid):
                if _comm(c) == "systemd":
                    self.leader = c
            if self.leader is None:
                if time.monotonic() > deadline:
                    self._fail("timed out waiting for the container's systemd")
                time.sleep(0.05)
        # the container's cgroup: /<ours>/payload, once nspawn has moved its
        # child there (systemd then moves itself to init.scope below it)
        v2 = _cgroup_hierarchies()["v2"]
        ours = "/" + os.path.relpath(self.cgroups["v2"], v2)
        while True:
            try:
                with open(f"/proc/{self.leader}/cgroup") as f:
                    cg = [l.split(":", 2)[2] for l in f.read().splitlines()
                          if l.startswith("0::")][0]
            except OSError:
                self._fail("the container's systemd is gone")
            if cg.startswith(ours + "/"):
                break
            if time.monotonic() > deadline:
                self._fail(f"the container's systemd stays in cgroup {cg}, not under {ours}")
            time.sleep(0.02)
        payload = ours + "/" + cg[len(ours) + 1:].split("/")[0]
        self.payload = os.path.join(v2, payload.lstrip("/"))
        # <payload>/cordon-harness, for the commands we run inside
        harness = os.path.join(self.payload, HARNESS_CGROUP)
        os.makedirs(harness, exist_ok=True)
        self.harness = harness
        state = ""
        while True:
            if self.proc.poll() is not None:
                self._fail(f"systemd-nspawn exited {self.proc.returncode} during the boot")
            p = self.run(["systemctl", "is-system-running"], timeout=10)
            state = p.stdout.strip()
            if state in ("running", "degraded"):
                return
            if time.monotonic() > deadline:
                self._fail(f"systemctl is-system-running still says {state!r} after "
                           f"{self.boot_timeout} s: {p.stderr.strip()}")
            time.sleep(0.1)

    def stop(self, timeout=30):
        """Power off, wait for nspawn (kill everything in the container's
        cgroups after `timeout`) and remove what the boot left on the host.
        Returns nothing; raises AssertionError naming what could not be
        removed."""
        left = []
        if self.proc is not None and self.proc.poll() is None:
            if self.harness is not None:
                try:
                    self.run(["systemctl", "poweroff", "--no-block"], timeout=10)
                except (OSError, subprocess.SubprocessError):
                    pass  # waited for, then killed, below
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill_all()
                self.proc.wait(timeout=10)
        self._kill_all()  # anything started in the harness cgroup that outlived poweroff
        for path in self.cgroups.values():
            left += ["cgroup " + p for p in _rmdir_tree(path)]
        self.cgroups = {}
        shutil.rmtree(f"/run/systemd/nspawn/propagate/{self.name}", ignore_errors=True)
        for d in reversed(self._made):
            try:
                os.rmdir(d)
            except OSError:
                pass
        self._made = []
        left += ["mount " + l for l in mountinfo_lines() if self.name in l]
        if os.path.exists(f"/run/systemd/nspawn/propagate/{self.name}"):
            left.append(f"directory /run/systemd/nspawn/propagate/{self.name}")
        if self.console is not None:
            self.console.close()
            self.console = None
        self.leader = self.payload = self.harness = None
        if left:
            raise AssertionError("the container left behind:\n  " + "\n  ".join(left))

    def _kill_all(self):
        for kind, path in self.cgroups.items():
            kill = os.path.join(path, "cgroup.kill")
            if kind == "v2" and os.path.exists(kill):
                try:
                    with open(kill, "w") as f:
                        f.write("1")
                except OSError:
                    pass
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # -- inside

    def command(self, argv, user=None):
        """The host argv that runs argv inside (as user: setpriv, with the
        user's groups)."""
        if self.leader is None:
            raise RuntimeError("the container is not running")
        cmd = ["nsenter", "-t", str(self.leader), "-m", "-u", "-i", "-n", "-p", "-C", "-r", "-w",
               "--"]
        if user is not None:
            pw = pwd.getpwnam(user) if isinstance(user, str) else pwd.getpwuid(user)
            cmd += ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups",
                    "--"]
        return cmd + [str(a) for a in argv]

    def _join_harness(self):
        with open(os.path.join(self.harness, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def run(self, argv, user=None, env=None, timeout=60, check=False, input=None):
        """Run argv inside, as root or as `user` (name or uid; its primary group
        and supplementary groups from the password and group files). env: the whole environment (PATH is
        added if missing). Returns the CompletedProcess (text)."""
        e = {"PATH": PATH, "LANG": "C.UTF-8"}
        e.update(env or {})
        cmd = self.command(argv, user=user)
        p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=timeout,
                           input=input, stdin=None if input is not None else subprocess.DEVNULL,
                           preexec_fn=self._join_harness, cwd="/")
        if check and p.returncode != 0:
            raise AssertionError(f"{argv} in the container failed ({p.returncode}):\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def systemctl(self, *args, check=False, timeout=60):
        return self.run(["systemctl", "--no-pager"] + list(args), check=check, timeout=timeout)

    def journal(self, unit):
        """The unit's messages (journalctl -u, message text only)."""
        self.run(["journalctl", "--sync"], timeout=30)
        return self.run(["journalctl", "--no-pager", "-q", "-o", "cat", "-u", unit],
                        timeout=30).stdout

    def host_cgroup(self, path):
        """The host path of a cgroup the container names `path`
        (/proc/PID/cgroup inside: its cgroup namespace root is the payload)."""
        return os.path.join(self.payload, path.lstrip("/"))
