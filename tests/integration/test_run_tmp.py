"""Issue 3, step 4 of the runner: a private /tmp per snap, its backing
directories, and the refusal of a backing that is not exactly as cordon
makes it (owner, mode, symlink)."""
import os
import stat
import uuid

from cordonlib import CordonTestCase, mountinfo, probe_yaml

YAML = probe_yaml("hello") + """  other:
    command: bin/probe
"""


class PrivateTmpTest(CordonTestCase):
    def backing(self, *p):
        return self.path("run/cordon/tmp", *p)

    def test_shared_within_the_snap_only(self):
        self.install("hello", YAML)
        self.install("world", probe_yaml("world"))
        name = f"cordon-test-{uuid.uuid4().hex}"
        inside = f"/tmp/{name}"
        self.assertEqual(self.probe("hello", "create", inside), "OK")
        # the other app of the same snap sees it
        self.assertEqual(self.probe("hello.other", "read", inside), "OK")
        # another snap and the host do not
        self.assertEqual(self.probe("world", "read", inside), "ENOENT")
        self.assertFalse(os.path.exists(inside))
        self.assertEqual(self.probe_host("read", inside), "ENOENT")
        # it lives in the snap's backing directory
        self.assertTrue(os.path.isfile(self.backing("hello", "tmp", name)))
        # the other way: the host's and another snap's files are invisible
        host_file = f"/tmp/{name}-host"
        with open(host_file, "w") as f:
            f.write("host")
        self.addCleanup(os.unlink, host_file)
        self.assertEqual(self.probe_host("read", host_file), "OK")  # control
        self.assertEqual(self.probe("hello", "read", host_file), "ENOENT")
        self.assertEqual(self.probe("world", "create", inside + "-world"), "OK")
        self.assertEqual(self.probe("hello", "read", inside + "-world"), "ENOENT")
        self.assertEqual(self.probe("world", "read", inside + "-world"), "OK")  # control
        # /tmp is sticky and writable, as a /tmp should be
        st = self.probe("hello", "stat", "/tmp").split()
        self.assertIn("mode=1777", st)
        self.assertIn("uid=0", st)

    def test_backing_directories(self):
        self.install("hello", YAML)
        self.probe("hello", "cwd")
        for path, mode in ((self.backing(), 0o700), (self.backing("hello"), 0o700),
                           (self.backing("hello", "tmp"), 0o1777)):
            st = os.lstat(path)
            self.assertTrue(stat.S_ISDIR(st.st_mode), path)
            self.assertEqual((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)), (0, 0, mode), path)
        # not in a place a user or a sandboxed process can write
        for d in (self.path("run/cordon"), self.path("run")):
            st = os.stat(d)
            self.assertEqual(st.st_uid, 0)
            self.assertEqual(st.st_mode & 0o022, 0, d)
        # remove takes it away
        self.cordon("remove", "hello")
        self.assertFalse(os.path.exists(self.backing("hello")))

    def refused(self, what):
        """The launch stops with a clear error, and nothing of the snap's
        namespace is made."""
        p = self.run_app("hello", "cwd", check=False)
        self.assertNotEqual(p.returncode, 0, f"{what}: launch succeeded")
        self.assertTrue(p.stderr.startswith("error: "), p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("private /tmp", p.stderr)
        self.assertIn("refusing", p.stderr)
        self.assertEqual(p.stdout, "")
        ns = self.path("run/cordon/ns/hello.mnt")
        self.assertNotIn(ns, [m["mnt"] for m in mountinfo()], what)
        return p.stderr

    def test_precreated_backing_refused(self):
        self.install("hello", YAML)
        os.makedirs(self.path("run/cordon"), mode=0o755, exist_ok=True)
        base = self.backing()
        # base with a wrong mode
        os.mkdir(base, 0o755)
        os.chmod(base, 0o755)
        err = self.refused("base 0755")
        self.assertEqual(err.strip(), f"error: private /tmp of hello: in {self.path('run/cordon')}: "
                                      "tmp exists with owner 0:0 mode 0755, expected 0:0 0700; "
                                      "refusing to use it")
        os.chmod(base, 0o700)
        # per-snap dir owned by someone else
        os.mkdir(self.backing("hello"), 0o700)
        os.chown(self.backing("hello"), 1234, 1234)
        err = self.refused("owner 1234")
        self.assertIn(f"in {self.backing()}: hello exists with owner 1234:1234", err)
        os.chown(self.backing("hello"), 0, 0)
        # per-snap dir group-writable
        os.chmod(self.backing("hello"), 0o770)
        self.refused("mode 0770")
        os.chmod(self.backing("hello"), 0o700)
        # tmp without the sticky bit
        os.mkdir(self.backing("hello", "tmp"))
        os.chmod(self.backing("hello", "tmp"), 0o777)
        err = self.refused("tmp 0777")
        self.assertIn(f"in {self.backing('hello')}: tmp exists with owner 0:0 mode 0777, "
                      "expected 0:0 1777", err)
        os.rmdir(self.backing("hello", "tmp"))
        os.rmdir(self.backing("hello"))
        # a symlink in place of the per-snap dir, to a directory that would
        # pass every check
        elsewhere = self.path("elsewhere")
        os.makedirs(os.path.join(elsewhere, "tmp"), mode=0o700)
        os.chmod(elsewhere, 0o700)
        os.chmod(os.path.join(elsewhere, "tmp"), 0o1777)
        os.symlink(elsewhere, self.backing("hello"))
        err = self.refused("symlink")
        self.assertEqual(err.strip(), f"error: private /tmp of hello: {self.backing('hello')} is a "
                                      "symlink; refusing to use it")
        self.assertEqual(os.listdir(os.path.join(elsewhere, "tmp")), [])
        # control: once the backing is right, the launch works
        os.unlink(self.backing("hello"))
        self.assertEqual(self.probe("hello", "create", "/tmp/f"), "OK")
        self.assertTrue(os.path.isfile(self.backing("hello", "tmp", "f")))
