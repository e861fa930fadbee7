"""Issue 3: confinement modes (devmode, classic), the generated AppArmor
profiles, and the launcher's checks of the compiled policy file."""
import glob
import os
import stat
import subprocess
import time

from cordonlib import (CordonTestCase, cgroup_mount, dmesg_lines, mountinfo, probe_yaml,
                       wait_until)

ZERO = "0000000000000000"
AUDIT_SECCOMP = 1326


def with_confinement(yaml, mode):
    return yaml.replace("summary: probe snap\n", f"summary: probe snap\nconfinement: {mode}\n")


class DevmodeTest(CordonTestCase):
    """devmode: the strict policy, but nothing denied; seccomp logs what it
    would have refused (SCMP_ACT_LOG)."""

    def test_denies_nothing_strict_denies(self):
        self.install("strict", probe_yaml("strict"))
        self.install("dev", with_confinement(probe_yaml("dev"), "devmode"), "--devmode")
        secret = os.path.join(self.s.home, "secret")
        with open(secret, "w") as f:
            f.write("x")
        victim = subprocess.Popen(["sleep", "60"])
        self.addCleanup(victim.wait)
        self.addCleanup(victim.kill)
        data = self.path("var/snap/dev/x1")
        os.mknod(os.path.join(data, "kmsg"), 0o600 | stat.S_IFCHR, os.makedev(1, 11))
        sdata = self.path("var/snap/strict/x1")
        os.mknod(os.path.join(sdata, "kmsg"), 0o600 | stat.S_IFCHR, os.makedev(1, 11))
        # (probe arguments, what outside the sandbox answers); {d} is the
        # snap's SNAP_DATA, {h} the real home, both writable to root outside
        cases = [
            (["read", "/etc/shadow"], "OK"),
            (["read", secret], "OK"),
            (["create", "{h}/new"], "OK"),
            (["open-dev", "/dev/kmsg"], "OK"),
            (["open-dev", "{d}/kmsg"], "OK"),
            (["kill", str(victim.pid), "0"], "OK"),
            (["syscall", "keyctl"], self.probe_host("syscall", "keyctl")),
            (["syscall", "io_uring_setup"], self.probe_host("syscall", "io_uring_setup")),
            (["syscall", "clone3"], self.probe_host("syscall", "clone3")),
            (["tiocsti"], self.probe_host("tiocsti")),
            (["tioclinux"], self.probe_host("tioclinux")),
            (["socket", "inet", "stream"], "OK"),
            (["clone", "newns"], "OK"),
            (["mknod", "{d}/chr", "chr", "600"], "OK"),
            (["chmod", "{d}/suid", "4755"], "OK"),
        ]
        open(os.path.join(data, "suid"), "w").close()
        open(os.path.join(sdata, "suid"), "w").close()
        for args, host in cases:
            with self.subTest(args=args):
                strict = self.probe("strict", *[a.format(d=sdata, h=self.s.home)
                                                 for a in args])
                self.assertIn(strict, ("EACCES", "EPERM", "ENOSYS"), "strict must deny it")
                got = self.probe("dev", *[a.format(d=data, h=self.s.home) for a in args])
                self.assertEqual(got, host)
        self.assertEqual(self.probe_lines("dev", "status", "Seccomp"), ["OK", "Seccomp: 2"])
        # the root caller keeps its capabilities: devmode denies nothing
        host_caps = self.probe_host("status", "CapEff", "CapBnd").splitlines()
        self.assertEqual(self.probe_lines("dev", "status", "CapEff", "CapBnd"), host_caps)
        # the label's cgroup and the snap's namespace are still there
        self.assertIn(f":devices:/{self.s.cgroup_parent}/snap.dev.dev", self.probe("dev", "cgroup"))
        self.assertEqual(self.probe_lines("dev", "ls", "/dev/pts"), ["OK", "ptmx"])

    def test_violations_logged(self):
        self.install("dev", with_confinement(probe_yaml("dev"), "devmode"), "--devmode")
        found = []
        for attempt in range(4):  # printk rate limiting: see test_run_seccomp
            if attempt:
                time.sleep(6)
            p = self.s.spawn("run", "dev", "syscall", "keyctl")
            out, _ = p.communicate(timeout=60)
            self.assertEqual(out.strip(), self.probe_host("syscall", "keyctl"))
            pat = (rf"type={AUDIT_SECCOMP} .* pid={p.pid} comm=\"probe\" .*syscall=250 "
                   r".*code=0x7ffc0000")
            try:
                found = wait_until(lambda: dmesg_lines(pat), timeout=3, what="the record")
                break
            except AssertionError:
                continue
        self.assertTrue(found, "no SECCOMP_RET_LOG record for keyctl in devmode")


class ClassicTest(CordonTestCase):
    def test_environment_only(self):
        self.install("classy", with_confinement(probe_yaml("classy"), "classic"), "--classic")
        env = dict(l.split("=", 1) for l in self.probe_lines("classy", "env")[1:])
        self.assertEqual(env["SNAP"], self.path("snap/classy/x1"))
        self.assertEqual(env["SNAP_REVISION"], "x1")
        # snapd's snapenv: classic keeps the user's HOME (and
        # XDG_RUNTIME_DIR); SNAP_USER_DATA is still the snap's
        self.assertEqual(env["HOME"], self.s.home)
        self.assertEqual(env["SNAP_USER_DATA"], f"{self.s.home}/snap/classy/x1")
        self.assertNotIn("XDG_RUNTIME_DIR", env)
        self.assertEqual(self.probe("classy", "env", "XDG_RUNTIME_DIR",
                                    env={"XDG_RUNTIME_DIR": "/run/user/0"}), "OK /run/user/0")
        # control: a strict snap's are moved whatever the caller's
        self.install("stricty", probe_yaml("stricty"))
        self.assertEqual(self.probe("stricty", "env", "HOME"),
                         f"OK {self.s.home}/snap/stricty/x1")
        self.assertEqual(self.probe("stricty", "env", "XDG_RUNTIME_DIR",
                                    env={"XDG_RUNTIME_DIR": "/run/user/0"}),
                         "OK /run/user/0/snap.stricty")
        self.assertEqual(self.probe_lines("classy", "status", "Seccomp", "NoNewPrivs"),
                         ["OK", "Seccomp: 0", "NoNewPrivs: 0"])
        # no namespace, no cgroup, no Landlock, the caller's capabilities
        self.assertEqual(self.probe("classy", "nsid", "mnt"), self.probe_host("nsid", "mnt"))
        self.assertNotIn("snap.classy", self.probe("classy", "cgroup"))
        self.assertEqual(self.probe("classy", "read", "/etc/shadow"), "OK")
        self.assertEqual(self.probe_lines("classy", "status", "CapEff"),
                         self.probe_host("status", "CapEff").splitlines())
        self.assertNotIn(self.path("run/cordon/ns/classy.mnt"), [m["mnt"] for m in mountinfo()])
        self.assertFalse(os.path.exists(self.path("run/cordon/tmp/classy")))


class AppArmorTest(CordonTestCase):
    """The kernel here has no AppArmor: every generated profile is checked by
    the parser alone (-Q: no kernel load, -T -K: no cache)."""

    def check_profiles(self, labels):
        d = self.path("var/lib/cordon/apparmor")
        self.assertEqual(sorted(os.listdir(d)), sorted(labels))
        for label in labels:
            with self.subTest(label=label):
                path = os.path.join(d, label)
                p = subprocess.run(["apparmor_parser", "-QTK", path], capture_output=True,
                                   text=True)
                self.assertEqual(p.returncode, 0, p.stderr)
                with open(path) as f:
                    text = f.read()
                self.assertIn(f'profile "{label}" ', text)
                st = os.stat(path)
                self.assertEqual((st.st_uid, st.st_mode & 0o022), (0, 0))
        # control: the parser does refuse a broken profile
        bad = os.path.join(self.s.work, "bad-profile")
        with open(bad, "w") as f:
            f.write('profile "x" {\n  /foo rwz,\n}\n')
        self.assertNotEqual(subprocess.run(["apparmor_parser", "-QTK", bad],
                                           capture_output=True).returncode, 0)

    def test_profiles_parse(self):
        yaml = probe_yaml("hello") + """  other:
    command: bin/probe
hooks:
  install:
  configure:
"""
        files = {"meta/hooks/install": "#!/bin/sh\n", "meta/hooks/configure": "#!/bin/sh\n"}
        self.install("hello", yaml, files=files)
        self.install("hello", yaml, "--name", "hello_key", files=files)
        self.install("dev", with_confinement(probe_yaml("dev"), "devmode"), "--devmode")
        self.install("classy", with_confinement(probe_yaml("classy"), "classic"), "--classic")
        labels = [f"snap.{i}.{a}" for i in ("hello", "hello_key")
                  for a in ("hello", "other", "hook.install", "hook.configure")]
        labels.append("snap.dev.dev")  # classic: no profile
        self.check_profiles(labels)
        with open(self.path("var/lib/cordon/apparmor/snap.dev.dev")) as f:
            self.assertIn("complain", f.read())
        with open(self.path("var/lib/cordon/apparmor/snap.hello_key.hello")) as f:
            text = f.read()
        self.assertIn('@{SNAP_INSTANCE_NAME}="hello_key"', text)
        self.assertIn('@{SNAP_NAME}="hello"', text)


class PolicyFileTest(CordonTestCase):
    """The launcher reads only the compiled policy and refuses one it cannot
    trust, before it sets anything up."""

    def setUp(self):
        super().setUp()
        self.install("hello", probe_yaml("hello"))
        self.policy = self.path("var/lib/cordon/policy/snap.hello.hello")
        with open(self.policy, "rb") as f:
            self.good = f.read()

    def restore(self):
        with open(self.policy, "wb") as f:
            f.write(self.good)
        os.chown(self.policy, 0, 0)
        os.chmod(self.policy, 0o644)
        os.chmod(os.path.dirname(self.policy), 0o755)

    def refused(self, what, expect):
        p = self.run_app("hello", "cwd", check=False)
        self.assertNotEqual(p.returncode, 0, f"{what}: launched")
        self.assertEqual(p.stdout, "", what)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("error: "), p.stderr)
        self.assertIn(expect, lines[0], what)
        # nothing set up: no user directories, no cgroup, no namespace
        self.assertFalse(os.path.exists(os.path.join(self.s.home, "snap")), what)
        for kind in ("v1", "v2"):
            root = cgroup_mount(kind)
            if root:
                self.assertFalse(os.path.exists(os.path.join(root, self.s.cgroup_parent)), what)
        self.assertEqual([m for m in mountinfo() if m["mnt"].startswith(self.path("run"))], [],
                         what)

    def test_untrusted_policy_refused(self):
        os.chown(self.policy, 1234, 0)
        self.refused("owner 1234", "is not a root-owned file writable only by root")
        self.restore()
        for mode in (0o664, 0o646, 0o666):
            os.chmod(self.policy, mode)
            self.refused(f"mode {mode:o}", "is not a root-owned file writable only by root")
            self.restore()
        os.chmod(os.path.dirname(self.policy), 0o777)
        self.refused("directory 0777", "cannot trust compiled policy")
        self.restore()
        os.chown(os.path.dirname(os.path.dirname(self.policy)), 1234, 0)
        self.refused("parent owned by 1234", "cannot trust compiled policy")
        os.chown(os.path.dirname(os.path.dirname(self.policy)), 0, 0)
        # a symlink in place of the file
        os.rename(self.policy, self.policy + ".real")
        os.symlink(self.policy + ".real", self.policy)
        self.refused("symlink", "compiled policy")
        os.unlink(self.policy)
        os.rename(self.policy + ".real", self.policy)
        # control: the restored file launches
        self.assertEqual(self.probe("hello", "cwd"), f"OK {self.s.work}")

    def test_damaged_policy_refused(self):
        for cut in (0, 7, 16, len(self.good) // 2, len(self.good) - 1):
            with open(self.policy, "wb") as f:
                f.write(self.good[:cut])
            self.refused(f"truncated at {cut}", "compiled policy")
        for pos in (20, len(self.good) // 3, len(self.good) // 2, len(self.good) - 3):
            data = bytearray(self.good)
            data[pos] ^= 0x01
            with open(self.policy, "wb") as f:
                f.write(bytes(data))
            self.refused(f"bit flipped at {pos}", "compiled policy")
        # trailing garbage
        with open(self.policy, "wb") as f:
            f.write(self.good + b"\0")
        self.refused("trailing byte", "compiled policy")
        # another label's policy under this name
        self.install("world", probe_yaml("world"))
        with open(self.path("var/lib/cordon/policy/snap.world.world"), "rb") as f:
            other = f.read()
        with open(self.policy, "wb") as f:
            f.write(other)
        self.refused("another label's policy", "is for another label")
        self.restore()
        self.assertEqual(self.probe("hello", "cwd"), f"OK {self.s.work}")
