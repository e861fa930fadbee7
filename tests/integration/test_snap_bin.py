"""Issue 13, /snap/bin: the store keeps one entry per app (a symlink to the
installed launcher), exact across install, refresh, revert and remove; the
launcher invoked by an entry's name runs that app in the sandbox `cordon run`
builds, for root and for a non-root user; any other name is refused."""
import os
import pwd
import shutil
import subprocess
import tempfile

import cordonlib
from cordonlib import CordonTestCase, SystemScratch, probe_yaml

U1 = "cordontest1"

TWO_APPS = """
name: hello
version: '{version}'
apps:
  hello:
    command: bin/probe
  {app}:
    command: bin/probe
"""


def launcher():
    return os.path.join(cordonlib.PREFIX, "libexec", "cordon", "cordon-confine")


def bad_name(name):
    return (f"error: invalid command name \"{name}\": expected SNAP.APP or SNAP "
            f"(a /snap/bin entry)")


def unknown(label):
    return f"error: unknown app: no compiled policy for {label}"


class SnapBinMixin:
    def bin_dir(self):
        return os.path.join(self.s.root, "snap", "bin")

    def entries(self):
        d = self.bin_dir()
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def entry(self, name, *args, argv0=None, user=None, env=None, cwd=None):
        """Run /snap/bin/<name> (argv[0] as a shell gives it: the path)."""
        path = name if os.path.isabs(name) else os.path.join(self.bin_dir(), name)
        kw = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        return subprocess.run([argv0 or path] + [str(a) for a in args], executable=path,
                              capture_output=True, text=True, env=self.s.env(env),
                              cwd=cwd or "/", timeout=60, **kw)

    def entry_ok(self, name, *args, **kw):
        p = self.entry(name, *args, **kw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def refused(self, name, want, **kw):
        p = self.entry(name, "id", **kw)
        self.assertEqual((p.returncode, p.stdout, p.stderr.strip()), (1, "", want))

    def same_sandbox(self, run, entry, secret):
        """What `cordon run` and the entry give, check by check."""
        st = ["status", "Seccomp", "NoNewPrivs", "CapEff"]
        self.assertEqual(entry(*st), run(*st))
        self.assertEqual(entry(*st).splitlines()[1:],
                         ["Seccomp: 2", "NoNewPrivs: 1", "CapEff: 0000000000000000"])
        self.assertEqual(entry("cgroup"), run("cgroup"))
        self.assertIn("/snap.hello.hello", entry("cgroup"))
        self.assertEqual(entry("env", "SNAP_NAME"), "OK hello")
        self.assertEqual(entry("env", "SNAP_NAME"), run("env", "SNAP_NAME"))
        self.assertEqual(entry("read", secret), "EACCES")
        self.assertEqual(run("read", secret), "EACCES")
        self.assertEqual(entry("id"), run("id"))


class SnapBinEntriesTest(SnapBinMixin, CordonTestCase):
    """As root, in a scratch root."""

    def test_entries_follow_install_refresh_revert_remove(self):
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))
        self.assertEqual(self.entries(), ["hello", "hello.old"])
        for e in self.entries():
            self.assertEqual(os.readlink(os.path.join(self.bin_dir(), e)), launcher())
        # another snap's entries and a file not cordon's are left alone
        self.install("other", probe_yaml("other", app="tool"))
        foreign = os.path.join(self.bin_dir(), "hello.notmine")
        with open(foreign, "w") as f:
            f.write("not a link\n")
        # a temporary link a killed write left
        os.symlink(launcher(), os.path.join(self.bin_dir(), ".hello.old.lnk"))
        self.install("hello", TWO_APPS.format(version="2.0", app="new"))
        self.assertEqual(self.entries(), ["hello", "hello.new", "hello.notmine", "other.tool"])
        self.assertEqual(self.entry_ok("hello.new", "env", "SNAP_VERSION"), "OK 2.0")
        self.cordon("revert", "hello")
        self.assertEqual(self.entries(), ["hello", "hello.notmine", "hello.old", "other.tool"])
        self.assertEqual(self.entry_ok("hello.old", "env", "SNAP_VERSION"), "OK 1.0")
        self.assertEqual(self.entry_ok("hello", "env", "SNAP_VERSION"), "OK 1.0")
        self.cordon("remove", "hello")
        self.assertEqual(self.entries(), ["hello.notmine", "other.tool"])
        os.unlink(foreign)
        self.cordon("remove", "other")
        self.assertEqual(self.entries(), [])

    def test_parallel_instance(self):
        d = self.s.make_snap("hello", TWO_APPS.format(version="1.0", app="old"))
        self.cordon("install", "--dangerous", d)
        self.cordon("install", "--dangerous", "--name", "hello_x1", d)
        self.assertEqual(self.entries(), ["hello", "hello.old", "hello_x1", "hello_x1.old"])
        self.assertEqual(self.entry_ok("hello_x1", "env", "SNAP_INSTANCE_NAME"), "OK hello_x1")
        self.assertEqual(self.entry_ok("hello_x1.old", "env", "SNAP_INSTANCE_KEY"), "OK x1")
        self.cordon("remove", "hello")
        self.assertEqual(self.entries(), ["hello_x1", "hello_x1.old"])

    def test_same_sandbox_as_run(self):
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))
        secret = os.path.join(self.s.root, "secret")
        with open(secret, "w") as f:
            f.write("s")
        self.assertEqual(self.probe_host("read", secret), "OK")  # the control
        self.same_sandbox(lambda *a: self.probe("hello", *a),
                          lambda *a: self.entry_ok("hello", *a), secret)
        # every argument is the app's, an option of the launcher's too
        self.assertEqual(self.entry_ok("hello.old", "env", "--command=stop"),
                         self.probe("hello.old", "env", "--command=stop"))

    def test_refused_names(self):
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))
        d = tempfile.mkdtemp(dir=self.s.root)
        os.makedirs(os.path.join(d, "a", "sub"))
        for n in ("x", "evil.app", "a/b", "hello.hello"):
            os.symlink(launcher(), os.path.join(d, n))
        self.refused(os.path.join(d, "evil.app"), unknown("snap.evil.app"))
        self.refused(os.path.join(d, "x"), bad_name("x"), argv0="../x",
                     cwd=os.path.join(d, "a"))
        self.refused(os.path.join(d, "a", "b"), bad_name("b"), argv0="a/b", cwd=d)
        self.refused(os.path.join(d, "x"), bad_name(".."), argv0="hello.hello/..")
        self.refused(os.path.join(d, "x"), bad_name(""), argv0="hello.hello/")
        self.refused(os.path.join(d, "x"), bad_name("hello..old"), argv0="hello..old")
        self.refused(os.path.join(d, "x"), "error: invalid command name: longer than 256 bytes",
                     argv0="a" * 257)
        # a link of one's own with an entry's name runs that app (argv[0]
        # is the caller's: the name is no more than `cordon run`'s label)
        self.assertEqual(self.entry_ok(os.path.join(d, "hello.hello"), "env", "SNAP_NAME"),
                         "OK hello")
        self.cordon("remove", "hello")
        self.assertEqual(self.entries(), [])
        self.refused(os.path.join(d, "hello.hello"), unknown("snap.hello.hello"))


class SnapBinUsersTest(SnapBinMixin, CordonTestCase):
    """A non-root user, through the installed setuid launcher."""

    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        self.u1 = self.s.add_user(U1)
        self.addCleanup(subprocess.run, ["userdel", U1], capture_output=True)
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))

    def test_same_sandbox_as_run(self):
        home = self.u1.pw_dir
        secret = os.path.join(home, "secret")
        with open(secret, "w") as f:
            f.write("s")
        os.chown(secret, self.u1.pw_uid, self.u1.pw_gid)

        def run(*a):
            p = self.s.cordon("run", "hello", *a, user=U1, check=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stdout.strip()

        def entry(*a):
            return self.entry_ok("hello", *a, user=U1)

        host = subprocess.run([cordonlib.probe_binary(), "read", secret], capture_output=True,
                              text=True, user=self.u1.pw_uid, group=self.u1.pw_gid,
                              extra_groups=[], cwd="/")
        self.assertEqual(host.stdout.strip(), "OK")  # the control
        self.same_sandbox(run, entry, secret)
        u = self.u1
        self.assertTrue(entry("id").startswith(f"OK ruid={u.pw_uid} euid={u.pw_uid} "
                                               f"suid={u.pw_uid} "), entry("id"))
        self.assertEqual(entry("env", "HOME"), f"OK {home}/snap/hello/x1")

    def test_refused(self):
        d = tempfile.mkdtemp(dir=cordonlib.CHECK_DIR)
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        os.chmod(d, 0o755)
        os.makedirs(os.path.join(d, "a"))
        for n in ("x", "evil.app", "a/b"):
            os.symlink(launcher(), os.path.join(d, n))
        self.refused(os.path.join(d, "evil.app"), unknown("snap.evil.app"), user=U1)
        self.refused(os.path.join(d, "x"), bad_name("x"), argv0="../x", user=U1,
                     cwd=os.path.join(d, "a"))
        self.refused(os.path.join(d, "a", "b"), bad_name("b"), argv0="a/b", user=U1, cwd=d)
        # a hard link of the launcher elsewhere, named like an entry: refused
        # (it could be run beside files its owner planted; CVE-2021-44730)
        hard = os.path.join(d, "hello.hello")
        os.link(launcher(), hard)
        try:
            want = (f"error: cordon-confine must run from {os.path.dirname(launcher())} "
                    f"(a copy or hard link elsewhere is refused)")
            self.refused(hard, want, user=U1)
            # and so is the real entry while the launcher has two links
            self.refused("hello", want, user=U1)
        finally:
            os.unlink(hard)
        self.assertEqual(self.entry_ok("hello", "env", "SNAP_NAME", user=U1), "OK hello")
        # an entry kept from a removed snap
        kept = os.path.join(d, "hello.old")
        os.symlink(launcher(), kept)
        self.cordon("remove", "hello")
        self.assertFalse(os.path.lexists(os.path.join(self.bin_dir(), "hello.old")))
        self.refused(kept, unknown("snap.hello.old"), user=U1)


class ProfileScriptTest(CordonTestCase):
    def test_path_once(self):
        script = os.path.join(cordonlib.PREFIX, "etc", "profile.d", "cordon.sh")
        bindir = os.path.join(cordonlib.SYSTEM_ROOT, "snap", "bin")
        out = subprocess.run(["sh", "-c", f". {script}; . {script}; echo \"$PATH\""],
                             env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                             check=True).stdout.strip()
        self.assertEqual(out, f"/usr/bin:/bin:{bindir}")


if __name__ == "__main__":
    import unittest
    unittest.main()
