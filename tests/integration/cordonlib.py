"""Helpers for cordon's integration tests: a scratch root per test, test snaps
with the probe inside, and a check that nothing is left behind."""
import ctypes
import glob
import grp
import os
import pwd
import re
import shutil
import stat
import struct
import subprocess
import tempfile
import textwrap
import time
import unittest

BUILD = None
PREFIX = None
SYSTEM_ROOT = None
CHECK_DIR = "/run/cordon-check"
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRATCH_PREFIX = "/var/lib/cordon-test."
CGROUP_PREFIX = "cordon-test-"
USER_PREFIX = "cordontest"
# The users and groups an install makes for system-usernames (snapd's names,
# and the pair at the base of their id range). The host may have them from
# snapd: only those that appeared during the run are left behind.
SYSTEM_USERNAMES = ("snap_daemon", "snap_microk8s", "snap_aziotedge", "snap_aziotdu",
                    "_daemon_", "snapd-range-524288-root")
SYSTEM_USERS_AT_START = set()


def system_user_entries():
    """Which of SYSTEM_USERNAMES exist now, as {"user NAME", "group NAME"}."""
    users = {u.pw_name for u in pwd.getpwall()}
    groups = {g.gr_name for g in grp.getgrall()}
    return ({"user " + n for n in SYSTEM_USERNAMES if n in users} |
            {"group " + n for n in SYSTEM_USERNAMES if n in groups})


def configure(build, prefix, system_root):
    global BUILD, PREFIX, SYSTEM_ROOT, SYSTEM_USERS_AT_START
    BUILD = build
    PREFIX = prefix
    SYSTEM_ROOT = system_root
    SYSTEM_USERS_AT_START = system_user_entries()


def install_test_build():
    """Install the test build (setuid launcher included) under the prefix it
    was configured with: the launcher refuses to run from anywhere else."""
    for d in (PREFIX, SYSTEM_ROOT):
        if not d.startswith(CHECK_DIR + "/"):
            raise SystemExit(f"test prefix and system root must be under {CHECK_DIR}")
    uninstall_test_build()
    os.makedirs(CHECK_DIR, mode=0o755)
    subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--quiet"], check=True,
                   capture_output=True)


def uninstall_test_build():
    for mp in sorted(mounts_under(CHECK_DIR), key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], capture_output=True)
    for loop in loops_backed_by(CHECK_DIR):
        subprocess.run(["losetup", "-d", "/dev/" + loop], capture_output=True)
    shutil.rmtree(CHECK_DIR, ignore_errors=True)


def installed_cordon():
    return os.path.join(PREFIX, "bin", "cordon")


def build_path(*parts):
    return os.path.join(BUILD, *parts)


def probe_binary():
    return build_path("tests", "seccomp", "probe")


def cgroup_roots():
    """Mount points of the cgroup hierarchies (v1 and v2)."""
    roots = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            if parts[sep + 1] in ("cgroup", "cgroup2"):
                roots.append(parts[4])
    return roots


def mounts_under(path):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path or mp.startswith(path.rstrip("/") + "/"):
                out.append(mp)
    return out


def loops_backed_by(prefix):
    out = []
    for bf in glob.glob("/sys/block/loop*/loop/backing_file"):
        try:
            with open(bf) as f:
                if f.read().strip().startswith(prefix):
                    out.append(bf.split("/")[3])
        except OSError:
            pass
    return out


def snapctl_brokers():
    """The snapctl brokers running (`cordon snapctl-daemon`, root processes
    the launcher starts, runtime/snapctl_spawn.h), as {pid: root}: the root
    prefix each serves (its CORDON_ROOT; "" for the real system)."""
    out = {}
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(os.path.join(d, "cmdline"), "rb") as f:
                argv = f.read().split(b"\0")
            if len(argv) < 2 or argv[1] != b"snapctl-daemon":
                continue
            with open(os.path.join(d, "environ"), "rb") as f:
                env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
        except OSError:
            continue  # gone meanwhile
        out[int(os.path.basename(d))] = env.get(b"CORDON_ROOT", b"").decode()
    return out


def stop_brokers(root):
    """Stop the brokers serving `root` (and each request they still serve,
    in their cgroup) and wait until they are gone."""
    pids = [pid for pid, r in snapctl_brokers().items() if r == root]
    for pid in pids:
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 30
    while any(os.path.exists(f"/proc/{pid}") for pid in pids):
        if time.monotonic() > deadline:
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 30
        time.sleep(0.02)
    return pids


def leftovers():
    """What tests left on the machine (must be nothing)."""
    found = []
    found += [f"snapctl broker {pid} serving {root}" for pid, root in snapctl_brokers().items()
              if root.startswith(SCRATCH_PREFIX) or root.startswith(CHECK_DIR + "/")]
    found += ["mount " + m for m in mounts_under("/var/lib") if SCRATCH_PREFIX in m]
    found += ["mount " + m for m in mounts_under(CHECK_DIR)]
    found += ["loop device " + l for l in loops_backed_by(CHECK_DIR)]
    if os.path.exists(CHECK_DIR):
        found.append("directory " + CHECK_DIR)
    found += ["loop device " + l for l in loops_backed_by(SCRATCH_PREFIX)]
    for root in cgroup_roots():
        found += ["cgroup " + c for c in glob.glob(os.path.join(root, CGROUP_PREFIX + "*"))]
    found += ["directory " + d for d in glob.glob(SCRATCH_PREFIX + "*")]
    found += ["user " + u.pw_name for u in pwd.getpwall() if u.pw_name.startswith(USER_PREFIX)]
    found += ["group " + g.gr_name for g in grp.getgrall() if g.gr_name.startswith(USER_PREFIX)]
    found += sorted(system_user_entries() - SYSTEM_USERS_AT_START)
    return found


def rmdir_cgroup_tree(path):
    for dirpath, dirnames, _ in os.walk(path, topdown=False):
        for d in dirnames:
            try:
                os.rmdir(os.path.join(dirpath, d))
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


class Scratch:
    """A scratch CORDON_ROOT with its own home for root and cgroup parent."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix=os.path.basename(SCRATCH_PREFIX), dir=os.path.dirname(SCRATCH_PREFIX))
        # mkdtemp makes 0700; the launcher wants root-owned, not writable by others
        os.chmod(self.root, 0o755)
        self.cgroup_parent = CGROUP_PREFIX + os.path.basename(self.root).split(".")[-1]
        self.home = os.path.join(self.root, "home", "root")
        os.makedirs(self.home, mode=0o700)
        self.work = os.path.join(self.root, "work")
        os.makedirs(self.work, mode=0o755)
        # the data directory the CLI compiles policies from (see datadir_copy)
        self.datadir = os.path.join(SRC, "data")

    def datadir_copy(self):
        """A private copy of the data directory (default policy, seccomp
        template, interfaces) that a test may change before installing; the
        scratch root's CLI uses it from then on."""
        copy = os.path.join(self.root, "data")
        if not os.path.isdir(copy):
            shutil.copytree(os.path.join(SRC, "data"), copy)
        self.datadir = copy
        return copy

    def env(self, extra=None):
        e = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "CORDON_ROOT": self.root,
            "CORDON_DATADIR": self.datadir,
            "CORDON_CONFINE": build_path("cordon-confine"),
            "CORDON_CGROUP_PARENT": self.cgroup_parent,
            "HOME": self.home,
            "LANG": "C.UTF-8",
        }
        if extra:
            e.update(extra)
        return e

    def cordon(self, *args, check=True, env=None, timeout=120, cwd=None, user=None, wrap=None):
        """Run the CLI; `wrap` is a command to run it under (nice, taskset...)."""
        cmd = list(wrap or []) + [build_path("cordon")] + [str(a) for a in args]
        p = subprocess.run(cmd, env=self.env(env), capture_output=True, text=True,
                           timeout=timeout, cwd=cwd or self.work, user=user)
        if check and p.returncode != 0:
            raise AssertionError(f"cordon {' '.join(map(str, args))} failed ({p.returncode}):\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def make_snap(self, name, yaml, files=None, probe=True, dirname=None):
        """A snap directory: meta/snap.yaml, bin/probe, and extra files
        {relpath: text or (text, mode)} (a value None makes a directory)."""
        d = os.path.join(self.work, dirname or name)
        os.makedirs(os.path.join(d, "meta"), exist_ok=True)
        with open(os.path.join(d, "meta", "snap.yaml"), "w") as f:
            f.write(textwrap.dedent(yaml).lstrip())
        if probe:
            os.makedirs(os.path.join(d, "bin"), exist_ok=True)
            shutil.copy(probe_binary(), os.path.join(d, "bin", "probe"))
        for rel, content in (files or {}).items():
            p = os.path.join(d, rel)
            if content is None:
                os.makedirs(p, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(p), exist_ok=True)
            mode = 0o755
            if isinstance(content, tuple):
                content, mode = content
            with open(p, "w") as f:
                f.write(content)
            os.chmod(p, mode)
        return d

    def pack(self, snapdir, target=None):
        out = self.cordon("pack", snapdir, target or self.work).stdout.strip()
        assert out.startswith("built: "), out
        return os.path.join(target or self.work, out[len("built: "):])

    def installed(self):
        p = self.cordon("list", check=False)
        names = []
        for line in p.stdout.splitlines()[1:]:
            names.append(line.split()[0])
        return names

    def spawn(self, *args, env=None, wrap=None, cwd=None):
        """Start the CLI in the background (stdout/stderr piped)."""
        cmd = list(wrap or []) + [build_path("cordon")] + [str(a) for a in args]
        return subprocess.Popen(cmd, env=self.env(env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=cwd or self.work)

    def cleanup(self):
        # the snapctl broker a launch started for this root, first: it
        # lives in the test's cgroup parent
        stop_brokers(self.root)
        for name in self.installed():
            self.cordon("remove", name, check=False)
        stop_brokers(self.root)  # a remove hook's launch may start one
        # whatever a failing test left: unmount (deepest first), free loops
        for mp in sorted(mounts_under(self.root), key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True)
        for loop in loops_backed_by(self.root):
            subprocess.run(["losetup", "-d", "/dev/" + loop], capture_output=True)
        for root in cgroup_roots():
            rmdir_cgroup_tree(os.path.join(root, self.cgroup_parent))
        shutil.rmtree(self.root, ignore_errors=True)


class CordonTestCase(unittest.TestCase):
    """One scratch root per test."""

    def setUp(self):
        self.s = Scratch()
        self.addCleanup(self.s.cleanup)

    def cordon(self, *args, **kw):
        return self.s.cordon(*args, **kw)

    def cordon_fails(self, *args, **kw):
        p = self.s.cordon(*args, check=False, **kw)
        self.assertNotEqual(p.returncode, 0, f"cordon {args} succeeded: {p.stdout}")
        return p.stderr.strip()

    def install(self, name, yaml, *flags, files=None, packed=True):
        d = self.s.make_snap(name, yaml, files=files)
        target = self.s.pack(d) if packed else d
        self.cordon("install", "--dangerous", *flags, target)
        return target

    def run_app(self, app, *args, env=None, check=True, user=None, cwd=None, wrap=None):
        return self.cordon("run", app, *args, env=env, check=check, user=user, cwd=cwd,
                           wrap=wrap)

    def probe(self, app, *args, env=None, user=None):
        """Run the probe through app (whose command is bin/probe) and return
        its one line of output."""
        p = self.cordon("run", app, *args, env=env, check=False, user=user)
        if p.returncode != 0:
            raise AssertionError(f"probe {args} via {app} exited {p.returncode}: "
                                 f"{p.stdout}{p.stderr}")
        return p.stdout.strip()

    def path(self, *p):
        """A path under the scratch root (what CORDON_ROOT moves)."""
        return os.path.join(self.s.root, *p)

    def probe_lines(self, app, *args, **kw):
        """The probe's output as lines (the first is the result)."""
        return self.probe(app, *args, **kw).splitlines()

    def spawn_probe(self, app, *args, env=None, wrap=None):
        """Start the probe through app in the background; the caller waits."""
        p = self.s.spawn("run", app, *args, env=env, wrap=wrap)
        self.addCleanup(stop_process, p)
        return p

    def probe_host(self, *args, env=None):
        """The same probe, unconfined: the control of every denial test."""
        p = subprocess.run([probe_binary()] + [str(a) for a in args], capture_output=True,
                           text=True, env=env or {"PATH": "/usr/bin:/bin"}, timeout=60)
        return p.stdout.strip()


PROBE_YAML = """
name: {name}
version: '1.0'
summary: probe snap
apps:
  {app}:
    command: bin/probe
"""


def probe_yaml(name, app=None, extra=""):
    return PROBE_YAML.format(name=name, app=app or name) + textwrap.dedent(extra)


def stop_process(p):
    """Kill a background process started by a test (if still running) and reap it."""
    if p.poll() is None:
        p.kill()
    try:
        p.communicate(timeout=30)
    except (subprocess.TimeoutExpired, ValueError):
        pass


def wait_until(fn, timeout=30, what="condition", interval=0.05):
    """Poll fn() until it returns a true value (returned); no timing
    assertion, only a generous limit for a busy machine."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def proc_comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def mountinfo(pid="self"):
    """Parsed /proc/PID/mountinfo: dicts with id, parent, dev, root, mnt,
    opts, optional (shared:N, master:N...), fstype, source, super."""
    with open(f"/proc/{pid}/mountinfo") as f:
        return parse_mountinfo(f.read())


def parse_mountinfo(text):
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 10 or "-" not in parts:
            continue
        sep = parts.index("-")
        out.append({
            "id": parts[0], "parent": parts[1], "dev": parts[2],
            "root": parts[3].encode().decode("unicode_escape"),
            "mnt": parts[4].encode().decode("unicode_escape"),
            "opts": parts[5], "optional": parts[6:sep], "fstype": parts[sep + 1],
            "source": parts[sep + 2], "super": parts[sep + 3],
        })
    return out


def top_mount(mounts, path):
    """The mount that is visible at `path` (the last one mounted there)."""
    found = [m for m in mounts if m["mnt"] == path]
    return found[-1] if found else None


def peer_tag(m, kind):
    """The N of shared:N or master:N on a parsed mountinfo entry, or None."""
    for o in m["optional"]:
        if o.startswith(kind + ":"):
            return o.split(":", 1)[1]
    return None


def cgroup_mount(kind):
    """The mount point of the cgroup v1 devices hierarchy (kind "v1") or of
    the cgroup2 hierarchy (kind "v2"), or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            fstype, sup = parts[sep + 1], parts[sep + 3]
            if kind == "v2" and fstype == "cgroup2":
                return parts[4]
            if kind == "v1" and fstype == "cgroup" and "devices" in sup.split(","):
                return parts[4]
    return None


_libc = ctypes.CDLL(None, use_errno=True)
_NR_BPF = 321  # x86_64
BPF_PROG_QUERY = 16
BPF_CGROUP_DEVICE = 6


def bpf_device_progs(cgroup_dir):
    """How many BPF_CGROUP_DEVICE programs are attached to a cgroup2 directory
    (BPF_PROG_QUERY; prog_ids NULL asks for the count only)."""
    fd = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # target_fd, attach_type, query_flags, attach_flags, prog_ids, prog_cnt
        attr = ctypes.create_string_buffer(struct.pack("<IIIIQI", fd, BPF_CGROUP_DEVICE, 0, 0,
                                                       0, 0), 128)
        r = _libc.syscall(_NR_BPF, BPF_PROG_QUERY, attr, 128)
        if r < 0:
            e = ctypes.get_errno()
            raise OSError(e, f"BPF_PROG_QUERY {cgroup_dir}: {os.strerror(e)}")
        return struct.unpack_from("<I", attr.raw, 24)[0]
    finally:
        os.close(fd)


NS_GET_MNTNS_ID = 0x8008B705  # _IOR(0xb7, 0x5, __u64), Linux 6.8


def mntns_id(path):
    """The 64-bit id of the mount namespace an nsfs file names: unlike its
    inode number, never reused for another namespace."""
    import fcntl
    fd = os.open(path, os.O_RDONLY)
    try:
        buf = fcntl.ioctl(fd, NS_GET_MNTNS_ID, b"\0" * 8)
        return struct.unpack("<Q", buf)[0]
    finally:
        os.close(fd)


def dmesg_lines(pattern):
    """Kernel log lines matching a regular expression."""
    out = subprocess.run(["dmesg"], capture_output=True, text=True, check=True).stdout
    rx = re.compile(pattern)
    return [l for l in out.splitlines() if rx.search(l)]


class SystemScratch(Scratch):
    """The system root compiled into the test build: what the installed setuid
    launcher uses for callers who are not root (they cannot choose a root)."""

    def __init__(self):
        self.root = SYSTEM_ROOT
        stop_brokers(self.root)
        if os.path.exists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(self.root, mode=0o755)
        os.chmod(self.root, 0o755)
        self.cgroup_parent = "cordon-test-check"
        self.home = os.path.join(self.root, "home", "root")
        os.makedirs(self.home, mode=0o700)
        self.work = os.path.join(self.root, "work")
        os.makedirs(self.work, mode=0o755)
        self.datadir = os.path.join(SRC, "data")

    def env(self, extra=None):
        e = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "CORDON_DATADIR": self.datadir,
            "HOME": self.home,
            "LANG": "C.UTF-8",
        }
        if extra:
            e.update(extra)
        return e

    def cordon(self, *args, check=True, env=None, timeout=120, cwd=None, user=None,
               extra_groups=None, pass_fds=()):
        cmd = [installed_cordon()] + [str(a) for a in args]
        kw = {}
        if user is not None:
            kw["user"] = user
            kw["group"] = pwd.getpwnam(user).pw_gid
            kw["extra_groups"] = extra_groups or []
        p = subprocess.run(cmd, env=self.env(env), capture_output=True, text=True,
                           timeout=timeout, cwd=cwd or "/", pass_fds=pass_fds, **kw)
        if check and p.returncode != 0:
            raise AssertionError(f"cordon {' '.join(map(str, args))} failed ({p.returncode}):\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def add_user(self, name, groups=()):
        home = os.path.join(self.root, "home", name)
        cmd = ["useradd", "-M", "-d", home, "-s", "/bin/sh"]
        if groups:
            cmd += ["-G", ",".join(groups)]
        subprocess.run(cmd + [name], check=True, capture_output=True)
        pw = pwd.getpwnam(name)
        os.makedirs(home, mode=0o700)
        os.chown(home, pw.pw_uid, pw.pw_gid)
        return pw

    def cleanup(self):
        super().cleanup()
        os.makedirs(self.root, exist_ok=True)  # keep the fixed root for the next test
        shutil.rmtree(self.root, ignore_errors=True)
