"""Issue 14, debugging tools: `cordon run --shell` (a shell in exactly the
app's sandbox), `cordon run --strace` (the app traced by strace from
outside, by root or by the user) and `cordon debug sandbox-features` (snapd's format).

The shell and the traced app are compared with the same app run normally,
by root and by a user through the installed setuid launcher: the same
seccomp mode, no_new_privs, capabilities, cgroup, environment and the same
denials with the same errno. Each denial has its control (the probe
unconfined reads the file)."""
import ctypes
import os
import re
import subprocess

import cordonlib
from cordonlib import CordonTestCase, cgroup_mount, probe_yaml
from strictlib import ROOT, USER, WHO, StrictCase

FIELDS = ("Seccomp", "Seccomp_filters", "NoNewPrivs", "CapInh", "CapPrm", "CapEff", "CapBnd",
          "CapAmb")


def status_fields(text, fields=FIELDS + ("Uid", "TracerPid")):
    """{field: value} of /proc/PID/status text (or the probe's `status`)."""
    out = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name in fields:
            out[name] = " ".join(value.split())
    return out


class DebugRunCase(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("dbg", probe_yaml("dbg"))

    def cordon_as(self, who, *args, input=None, env=None):
        """The installed CLI as `who` (stdin from `input`)."""
        kw = {}
        if who != ROOT:
            kw = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        return subprocess.run([cordonlib.installed_cordon()] + [str(a) for a in args],
                              input=input, capture_output=True, text=True, timeout=120,
                              cwd="/", env=self.s.env(env), **kw)

    def secret(self, who):
        """A file `who` may read outside the sandbox and Landlock denies
        inside (the real home is not in a plug-less snap's policy)."""
        path = self.remove_later(os.path.join(self.home(who), self.scratch_name("secret")))
        self.make_file(path, who, 0o644)
        self.assertEqual(self.host_as(who, "read", path), "OK")  # the control
        return path

    def normal(self, who, *args):
        return self.run_as(who, "dbg", *args).stdout


class ShellTest(DebugRunCase):
    def test_shell_is_the_apps_sandbox(self):
        for who in WHO:
            with self.subTest(who=who):
                secret = self.secret(who)
                want_status = status_fields(self.normal(who, "status", *FIELDS))
                want_cgroup = self.normal(who, "cgroup")
                self.assertEqual(self.normal(who, "read", secret).strip(), "EACCES")
                self.assertEqual(self.normal(who, "syscall", "keyctl").strip(), "EPERM")
                script = (f"echo SNAP_NAME=$SNAP_NAME HOME=$HOME\n"
                          f"cat /proc/self/status\n"
                          f"echo ---\n"
                          f"cat /proc/$$/status\n"
                          f"echo ---\n"
                          f"$SNAP/bin/probe cgroup\n"
                          f"echo ---\n"
                          f"$SNAP/bin/probe read {secret}\n"
                          f"$SNAP/bin/probe syscall keyctl\n"
                          f"cat {secret} || echo cat-failed\n"
                          f"exit 7\n")
                p = self.cordon_as(who, "run", "--shell", "dbg", input=script,
                                   env={"SHELL": "/bin/sh"})
                self.assertEqual(p.returncode, 7, p.stderr)
                first, rest = p.stdout.split("\n", 1)
                home = os.path.join(self.home(who), "snap", "dbg", "x1")
                self.assertEqual(first, f"SNAP_NAME=dbg HOME={home}")
                cat, shell, cgroup, denials = rest.split("---\n")
                # the shell and what it starts: exactly the app's sandbox
                self.assertEqual(status_fields(cat, FIELDS), want_status)
                self.assertEqual(status_fields(shell, FIELDS), want_status)
                self.assertEqual(want_status["NoNewPrivs"], "1")
                self.assertEqual(want_status["Seccomp"], "2")
                if who != ROOT:
                    self.assertEqual(want_status["CapEff"], "0000000000000000")
                self.assertEqual(cgroup, want_cgroup)
                self.assertIn("snap.dbg.dbg", cgroup)
                lines = denials.splitlines()
                self.assertEqual(lines[0], "EACCES")
                self.assertEqual(lines[1], "EPERM")
                self.assertIn("Permission denied", p.stderr)  # cat's
                self.assertEqual(lines[2], "cat-failed")

    def test_shell_arguments_and_fallback(self):
        # arguments go to the shell (snap run --shell passes them on)
        p = self.cordon_as(ROOT, "run", "--shell", "dbg", "-c", "echo $SNAP_INSTANCE_NAME $0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "dbg /bin/sh\n")
        # a $SHELL the sandbox cannot exec (or a name refused by the
        # launcher's check): /bin/sh
        for shell in ("/nonexistent/zsh", "relative/sh", "/bin/$X"):
            with self.subTest(shell=shell):
                p = self.cordon_as(USER, "run", "--shell", "dbg", "-c", "echo $0",
                                   env={"SHELL": shell})
                self.assertEqual((p.returncode, p.stdout), (0, "/bin/sh\n"), p.stderr)
        if os.access("/bin/bash", os.X_OK):
            p = self.cordon_as(USER, "run", "--shell", "dbg", "-c", "echo $BASH_VERSION",
                               env={"SHELL": "/bin/bash"})
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotEqual(p.stdout.strip(), "")

    def test_strict_arguments(self):
        for args in (["--shell", "--shell", "dbg"], ["--shell", "--command=stop", "dbg"],
                     ["--command=stop", "--shell", "dbg"], ["--shell"]):
            with self.subTest(args=args):
                p = self.cordon_as(USER, "run", *args)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("usage: cordon run", p.stderr)
        # the launcher takes "shell" and nothing like it
        confine = os.path.join(cordonlib.PREFIX, "libexec", "cordon", "cordon-confine")
        for bad in ("--command=Shell", "--command=shell2", "--command= shell"):
            with self.subTest(bad=bad):
                p = subprocess.run([confine, bad, "snap.dbg.dbg"], capture_output=True,
                                   text=True, user=self.user.pw_uid, group=self.user.pw_gid,
                                   extra_groups=[], env=self.s.env(), cwd="/")
                self.assertEqual(p.returncode, 1)
                self.assertIn("unknown command", p.stderr)


class StraceTest(DebugRunCase):
    def traced(self, who, *args, options=None, by=None):
        """The app run with --strace (options: strace's): by root (for a
        user through strace's `-u USER`), or by the user themselves
        (by=USER: the launcher's handoff to the user's strace)."""
        flag = "--strace" if options is None else f"--strace={options}"
        return self.cordon_as(by or ROOT, "run", flag, "dbg", *args)

    # (who runs the app, who runs `cordon run --strace`, strace options)
    WAYS = ((ROOT, ROOT, None), (USER, ROOT, f"-u {USER}"), (USER, USER, None))

    def test_trace_shows_the_apps_denials(self):
        for who, by, options in self.WAYS:
            with self.subTest(who=who, by=by):
                secret = self.secret(who)
                p = self.traced(who, "read", secret, options=options, by=by)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout.strip(), "EACCES")
                # the app's exec and its denied open, with the errno
                self.assertRegex(p.stderr, r'execve\("[^"]*/bin/probe"')
                self.assertRegex(p.stderr, re.escape(f'"{secret}"') +
                                 r".*= -1 EACCES \(Permission denied\)")
                p = self.traced(who, "syscall", "keyctl", options=options, by=by)
                self.assertEqual(p.stdout.strip(), "EPERM")
                self.assertRegex(p.stderr, r"keyctl\(.*= -1 EPERM")
                if by == USER:
                    # the user's trace starts at the app: the launcher's
                    # privileged phase is never seen
                    self.assertNotIn("setresuid(", p.stderr)
                    self.assertNotIn("landlock_restrict_self", p.stderr)

    def test_traced_app_is_confined_as_untraced(self):
        for who, by, options in self.WAYS:
            with self.subTest(who=who, by=by):
                want = status_fields(self.normal(who, "status", *FIELDS, "Uid", "TracerPid"))
                p = self.traced(who, "status", *FIELDS, "Uid", "TracerPid", options=options,
                                by=by)
                self.assertEqual(p.returncode, 0, p.stderr)
                got = status_fields(p.stdout)
                self.assertEqual(want["TracerPid"], "0")
                self.assertNotEqual(got.pop("TracerPid"), "0")  # it was traced
                want.pop("TracerPid")
                self.assertEqual(got, want)
                uid = "0" if who == ROOT else str(self.user.pw_uid)
                self.assertEqual(got["Uid"], " ".join([uid] * 4))
                if who != ROOT:
                    self.assertEqual(got["CapEff"], "0000000000000000")
                    self.assertEqual(got["CapBnd"], "0000000000000000")

    def test_handed_over_process_holds_nothing_of_the_launcher(self):
        # traced by the user, the app's fds are stdin, stdout and stderr
        # only: nothing the launcher opened as root was left for the tracer
        p = self.traced(USER, "fds", by=USER)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "OK")
        self.assertEqual([line.split()[0] for line in lines[1:]], ["0", "1", "2"])

    def test_users_exit_status_and_failures(self):
        # the app's exit status comes back through the trace
        p = self.cordon_as(USER, "run", "--strace", "--shell", "dbg", "-c", "exit 3",
                           env={"SHELL": "/bin/sh"})
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertRegex(p.stderr, r'execve\("/bin/sh"')
        # an option strace refuses: no launch left waiting for a tracer
        p = self.cordon_as(USER, "run", "--strace=--no-such-option", "dbg", "id")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("strace", p.stderr)
        # a launcher failure is reported as it is untraced
        p = self.cordon_as(USER, "run", "--strace", "nosuchsnap.app")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no compiled policy for snap.nosuchsnap.app", p.stderr)
        # --traced needs the caller's pipe on fd 3: anything else is refused
        confine = os.path.join(cordonlib.PREFIX, "libexec", "cordon", "cordon-confine")
        with open("/dev/null") as f:
            p = subprocess.run([confine, "--traced", "snap.dbg.dbg"], capture_output=True,
                               text=True, user=self.user.pw_uid, group=self.user.pw_gid,
                               extra_groups=[], env=self.s.env(), cwd="/",
                               pass_fds=(), stdin=f)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--traced: fd 3", p.stderr)

    def test_options_pass(self):
        for by in (ROOT, USER):
            with self.subTest(by=by):
                p = self.traced(by, "syscall", "keyctl", options="-e trace=keyctl", by=by)
                self.assertEqual(p.stdout.strip(), "EPERM")
                self.assertRegex(p.stderr, r"keyctl\(.*= -1 EPERM")
                self.assertNotIn("execve(", p.stderr)


def landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(abi, 0)


class SandboxFeaturesTest(CordonTestCase):
    def features(self):
        out = self.cordon("debug", "sandbox-features").stdout
        lines = out.splitlines()
        got = {}
        for line in lines:
            m = re.fullmatch(r"([a-z-]+):( +)(\S.*)", line)
            self.assertIsNotNone(m, line)
            got[m.group(1)] = m.group(3).split()
        # snapd's layout: sorted, one column
        self.assertEqual(list(got), sorted(got))
        self.assertEqual(len({line.index(line.split(":", 1)[1].strip()) for line in lines}), 1)
        return got

    def test_kernel_facts(self):
        got = self.features()
        abi = landlock_abi()
        if abi > 0:
            self.assertEqual(got["landlock"][0], f"abi:{abi}")
            self.assertIn("fs:read_file", got["landlock"])
            self.assertEqual("net:connect_tcp" in got["landlock"], abi >= 4)
            self.assertEqual("scope:signal" in got["landlock"], abi >= 6)
            self.assertEqual("log:audit" in got["landlock"], abi >= 7)
        else:
            self.assertNotIn("landlock", got)
        with open("/proc/sys/kernel/seccomp/actions_avail") as f:
            actions = f.read().split()
        self.assertEqual([w for w in got["seccomp"] if w.startswith("kernel:")],
                         [f"kernel:{a}" for a in actions])
        self.assertEqual("kernel:user_notif" in got["seccomp"], "user_notif" in actions)
        self.assertEqual("v1-devices" in got["cgroup"], cgroup_mount("v1") is not None)
        self.assertEqual("v2" in got["cgroup"], cgroup_mount("v2") is not None)
        if cgroup_mount("v1"):
            self.assertIn("device-filter:v1", got["cgroup"])
        try:
            with open("/sys/module/apparmor/parameters/enabled") as f:
                apparmor = f.read().startswith("Y")
        except FileNotFoundError:
            apparmor = False
        self.assertEqual("apparmor" in got, apparmor)
        self.assertEqual(got["confinement-options"], ["classic", "devmode", "strict"])
        self.assertEqual(got["namespace"], ["ipc", "mnt"])

    def test_required(self):
        abi = landlock_abi()
        self.assertEqual(self.cordon("debug", "sandbox-features", "--required",
                                     "confinement-options:strict", "--required",
                                     f"landlock:abi:{abi}").stdout, "")
        err = self.cordon_fails("debug", "sandbox-features", "--required",
                                f"landlock:abi:{abi + 1}")
        self.assertEqual(err, f'error: sandbox feature not available: "landlock:abi:{abi + 1}"')
        self.assertIn("usage", self.cordon_fails("debug", "sandbox-features", "--bogus"))
