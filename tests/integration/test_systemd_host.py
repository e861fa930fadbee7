"""cordon under a real systemd on a pure cgroup-v2 host (issue 10, services:
what a services implementation builds on). The host of `make check` does
not run systemd and has a hybrid cgroup layout; systemdlib boots systemd in
a container over the host's /usr, with cgroup2 alone at /sys/fs/cgroup.
One container per class (a boot costs ~1.5 s).

Inside: the test build's installed CLI and setuid launcher (/run/cordon-check,
bound at the same path), the test build's system root as the root (what a
user's launch uses; root's launches may name another, shown with a scratch
root under /var/lib). Snaps are installed as directories: the container has
no loop devices.

What a pure v2 systemd host means for the launcher: no v1 devices
controller, so the label's cgroup2 directory (<parent>/snap.<snap>.<app>
under the container's cgroup root) gets the BPF device program, and
/proc/self/cgroup has the single line 0::/<parent>/snap.<snap>.<app>."""
import os
import shutil
import stat
import subprocess
import unittest

import cordonlib
from cordonlib import (Scratch, SystemScratch, bpf_device_progs, installed_cordon,
                       probe_yaml)
from systemdlib import BootError, SystemdContainer

USER = "cordontestsd"
PARENT = "cordon-test-check"  # the test build's compiled cgroup parent (run.py)
YAML = probe_yaml("hello") + """  other:
    command: bin/probe
"""


class SystemdHostCase(unittest.TestCase):
    """A booted container, the system root with `hello` installed, a user."""

    container = None

    @classmethod
    def setUpClass(cls):
        why = SystemdContainer.available()
        if why:
            raise unittest.SkipTest(why)
        cls.s = SystemScratch()
        cls.addClassCleanup(cls.s.cleanup)
        # users before the boot: /etc/passwd is bound into the container
        cls.pw = cls.s.add_user(USER)
        cls.addClassCleanup(subprocess.run, ["userdel", USER], capture_output=True)
        # a scratch root of the usual kind, for root's CORDON_ROOT override
        cls.x = Scratch()
        cls.addClassCleanup(cls.x.cleanup)
        cls.s.datadir_copy()
        cls.x.datadir_copy()
        cls.container = SystemdContainer(binds=[cordonlib.CHECK_DIR, cls.x.root])
        try:
            cls.container.start()
        except BootError as e:
            raise unittest.SkipTest("systemd-nspawn cannot boot a container here: " +
                                    str(e).splitlines()[0])
        # stopped first (cleanups run last in, first out): nothing of the
        # container's may hold the scratch roots
        cls.addClassCleanup(cls.container.stop)
        cls.addClassCleanup(cls.remove_all)
        d = cls.s.make_snap("hello", YAML)
        cls.cordon_in(cls.s, "install", "--dangerous", d)

    @classmethod
    def remove_all(cls):
        for s in (cls.s, cls.x):
            p = cls.cordon_in(s, "list", check=False)
            for line in p.stdout.splitlines()[1:]:
                cls.cordon_in(s, "remove", line.split()[0], check=False)

    @classmethod
    def env_for(cls, s, user=None):
        """What the Scratch gives the CLI, less the build tree's launcher
        (the installed, setuid one is used); a user gets no override."""
        if user is not None:
            return {"LANG": "C.UTF-8"}
        e = s.env()
        e.pop("CORDON_CONFINE", None)
        return e

    @classmethod
    def cordon_in(cls, s, *args, user=None, check=True, timeout=120):
        """The installed CLI inside the container."""
        p = cls.container.run([installed_cordon()] + list(args), user=user,
                              env=cls.env_for(s, user), timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"cordon {' '.join(map(str, args))} in the container failed "
                                 f"({p.returncode}):\nstdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def probe(self, app, *args, user=None, s=None):
        p = self.cordon_in(s or self.s, "run", app, *args, user=user, check=False)
        if p.returncode != 0:
            raise AssertionError(f"probe {args} via {app} exited {p.returncode}: "
                                 f"{p.stdout}{p.stderr}")
        return p.stdout.strip()

    def unconfined(self, *args, user=None):
        """The same probe in the container, unconfined: the control."""
        return self.container.run([self.control_probe] + list(args),
                                  user=user).stdout.strip()


class SystemdHostTest(SystemdHostCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the probe, outside any snap but inside the container (the control)
        cls.control_probe = os.path.join(cls.s.root, "probe")
        shutil.copy(cordonlib.probe_binary(), cls.control_probe)
        cls.label = f"/{PARENT}/snap.hello.hello"

    def assert_label(self, out, label):
        """The probe's /proc/self/cgroup: the label on the cgroup2 line. The
        kernel lists every hierarchy it has, and the host's v1 ones are
        still mounted outside the container: in the container's cgroup
        namespace they show as the root, never as the label (the v1
        devices controller is not used)."""
        lines = out.splitlines()
        self.assertEqual(lines[0], "OK")
        self.assertIn("0::" + label, lines)
        self.assertEqual([l for l in lines[1:] if "snap." in l], ["0::" + label])

    def test_the_container_is_a_pure_v2_systemd_host(self):
        c = self.container
        self.assertIn(c.systemctl("is-system-running").stdout.strip(), ("running", "degraded"))
        self.assertEqual(c.run(["cat", "/proc/1/comm"]).stdout.strip(), "systemd")
        self.assertEqual(c.run(["stat", "-f", "-c", "%T", "/sys/fs/cgroup"]).stdout.strip(),
                         "cgroup2fs")
        fstypes = [l.split(" - ")[1].split()[0]
                   for l in c.run(["cat", "/proc/self/mountinfo"]).stdout.splitlines()]
        self.assertIn("cgroup2", fstypes)
        self.assertNotIn("cgroup", fstypes)  # no v1 hierarchy inside
        debug = self.cordon_in(self.s, "debug", "confinement").stdout
        self.assertIn("cgroups: unified (v2) at /sys/fs/cgroup", debug)

    def test_label_cgroup_and_device_program(self):
        for user in (None, USER):
            with self.subTest(user=user):
                self.assert_label(self.probe("hello", "cgroup", user=user), self.label)
        self.assertIn(f"0::/{PARENT}/snap.hello.other", self.probe("hello.other", "cgroup"))
        self.assertNotIn("snap.hello", self.unconfined("cgroup"))
        host_dir = self.container.host_cgroup(self.label)
        self.assertEqual(bpf_device_progs(host_dir), 1)
        self.assertEqual(bpf_device_progs(os.path.dirname(host_dir)), 0)  # control
        with open(os.path.join(host_dir, "cgroup.procs")) as f:
            self.assertEqual(f.read(), "")  # the commands are gone

    def test_devices(self):
        # nodes where Landlock allows every open (SNAP_DATA for root, the
        # user's SNAP_USER_DATA): only the device program stands between
        # the app and the device
        self.probe("hello", "cwd", user=USER)  # makes ~/snap/hello/x1
        nodes = {"null": (1, 3, "OK"), "loop-control": (10, 237, "EPERM")}
        for user, where in ((None, os.path.join(self.s.root, "var/snap/hello/x1")),
                            (USER, os.path.join(self.pw.pw_dir, "snap/hello/x1"))):
            data = os.path.join(where, "dev")
            os.makedirs(data, exist_ok=True)
            self.addCleanup(shutil.rmtree, data, ignore_errors=True)
            for name, (major, minor, want) in nodes.items():
                node = os.path.join(data, name)
                os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
                os.chmod(node, 0o666)  # past the umask: the user opens it too
                with self.subTest(user=user, node=name):
                    self.assertEqual(self.probe("hello", "open-dev", node, user=user), want)
                    self.assertEqual(self.unconfined("open-dev", node, user=user), "OK")
            self.assertEqual(self.probe("hello", "open-dev", "/dev/null", user=user), "OK")

    def test_file_denied(self):
        secret = os.path.join(self.s.root, "secret")
        with open(secret, "w") as f:
            f.write("secret")
        os.chmod(secret, 0o644)
        self.addCleanup(os.unlink, secret)
        for user in (None, USER):
            with self.subTest(user=user):
                self.assertEqual(self.probe("hello", "read", secret, user=user), "EACCES")
                self.assertEqual(self.unconfined("read", secret, user=user), "OK")

    def test_syscall_denied(self):
        for user in (None, USER):
            with self.subTest(user=user):
                self.assertEqual(self.probe("hello", "syscall", "keyctl", user=user), "EPERM")
                self.assertNotIn(self.unconfined("syscall", "keyctl", user=user),
                                 ("EPERM", "EACCES"))
        self.assertEqual(self.probe("hello", "syscall", "kexec_load"), "EPERM")
        self.assertEqual(self.probe("hello", "status", "Seccomp", "NoNewPrivs").splitlines(),
                         ["OK", "Seccomp: 2", "NoNewPrivs: 1"])

    def test_private_tmp(self):
        c = self.container
        c.run(["sh", "-c", "echo host > /tmp/cordon-host-file"], check=True)
        self.addCleanup(c.run, ["rm", "-f", "/tmp/cordon-host-file", "/tmp/app-file"])
        self.assertEqual(self.probe("hello", "read", "/tmp/cordon-host-file"), "ENOENT")
        self.assertEqual(self.unconfined("read", "/tmp/cordon-host-file"), "OK")
        self.assertEqual(self.probe("hello", "create", "/tmp/app-file"), "OK")
        self.assertEqual(self.probe("hello.other", "read", "/tmp/app-file", user=USER), "OK")
        self.assertEqual(c.run(["test", "-e", "/tmp/app-file"]).returncode, 1)
        self.assertEqual(self.probe("hello", "unlink", "/tmp/app-file"), "OK")

    def test_scratch_root_override(self):
        """Root may still name its own root and cgroup parent, as every other
        integration test does; the installed launcher honours both here."""
        d = self.x.make_snap("world", probe_yaml("world"))
        self.cordon_in(self.x, "install", "--dangerous", d)
        label = f"/{self.x.cgroup_parent}/snap.world.world"
        self.assert_label(self.probe("world", "cgroup", s=self.x), label)
        self.assertEqual(bpf_device_progs(self.container.host_cgroup(label)), 1)
        self.cordon_in(self.x, "remove", "world")
        self.assertFalse(os.path.exists(self.container.host_cgroup(label)))

    def test_transient_service(self):
        """`systemd-run` of `cordon run`: a transient service whose app runs in
        the label's cgroup, as root and as a user (User=). The app's output
        is taken with --pipe: in the journal its lines carry the label's
        cgroup and no _SYSTEMD_UNIT (the app has left the unit's cgroup),
        so `journalctl -u` does not find them."""
        for user, unit in ((None, "cordon-test-svc-root"), (USER, "cordon-test-svc-user")):
            with self.subTest(user=user):
                cmd = ["systemd-run", f"--unit={unit}", "--wait", "--collect", "--quiet",
                       "--pipe"]
                if user:
                    cmd += ["-p", f"User={user}"]
                else:
                    cmd += ["-E", f"HOME={self.s.home}"]
                cmd += [installed_cordon(), "run", "hello", "cgroup"]
                p = self.container.run(cmd, timeout=60)
                journal = self.container.journal(unit)
                self.assertEqual(p.returncode, 0, f"{p.stdout}{p.stderr}\njournal:\n{journal}")
                self.assert_label(p.stdout, self.label)
                self.assertIn(f"{unit}.service: Deactivated successfully.", journal)
                # --collect: the unit is gone
                self.assertEqual(self.container.systemctl("is-active", unit).stdout.strip(),
                                 "inactive")

if __name__ == "__main__":
    unittest.main()
