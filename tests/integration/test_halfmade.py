"""Issue 15: a directory the launcher or the store makes is never left
half-made. A user may SIGKILL their own setuid launch at any point; the
launch after it (root's or a user's) must work, not refuse a directory of
mode 0000 until `cordon remove`. And none of this reopens the pre-created
directory attacks (CVE-2021-44731, CVE-2022-3328): a directory someone else
made, a symlink, or a wrong mode is still refused."""
import os
import shutil
import stat
import subprocess
import unittest

from cordonlib import SystemScratch, installed_cordon, probe_yaml
from test_users import U1, UsersTestCase

STRACE = shutil.which("strace")


class HalfMadeTest(UsersTestCase):
    def backing(self, *p):
        return os.path.join(self.s.root, "run/cordon/tmp", *p)

    def killed_at(self, syscall, when):
        """Run the app as root under strace, SIGKILLed at the when-th call of
        syscall (the launcher is setuid: root may trace it)."""
        cmd = [STRACE, "-f", "-o", "/dev/null", "-e",
               f"inject={syscall}:signal=KILL:when={when}",
               installed_cordon(), "run", "hello", "cwd"]
        return subprocess.run(cmd, env=self.s.env(), capture_output=True, text=True,
                              timeout=120, cwd="/")

    def assert_backing_right(self):
        for path, mode in ((self.backing(), 0o700), (self.backing("hello"), 0o700),
                           (self.backing("hello", "tmp"), 0o1777)):
            st = os.lstat(path)
            self.assertTrue(stat.S_ISDIR(st.st_mode), path)
            self.assertEqual((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)), (0, 0, mode),
                             path)
        # no temporary of a dead maker is left where a directory was made
        for d in (self.backing(), self.backing("hello"), os.path.dirname(self.backing())):
            self.assertEqual([n for n in os.listdir(d) if n.startswith(".cordon-mkdir.")], [],
                             d)

    @unittest.skipIf(STRACE is None, "strace is not installed")
    def test_killed_first_launch(self):
        # Killed at each of the first three directories a first launch
        # makes (its cgroup, the namespace directory, the private /tmp, as
        # they come) and at each of the first three runtime files it
        # writes (fchmod of the temporary: the binds record, the stamps).
        # Root's own directories are made whole by one mkdir, and the
        # view's entries as nobody (view_tree.c): no fchown is left on
        # this path to kill.
        killed = 0
        for syscall in ("mkdirat", "fchmod"):
            for when in (1, 2, 3):
                with self.subTest(syscall=syscall, when=when):
                    p = self.killed_at(syscall, when)
                    if p.returncode != 0:
                        killed += 1
                    # root, then a user, launch as if nothing happened
                    self.assertEqual(self.s.cordon("run", "hello", "cwd").stdout.strip(), "OK /")
                    self.assertEqual(self.uprobe(U1, "hello", "create", "/tmp/f"), "OK")
                    self.assert_backing_right()
                # back to nothing made: the next kill hits a first launch
                self.s.cordon("remove", "hello")
                self.assertFalse(os.path.exists(self.backing("hello")))
                self.install("hello", probe_yaml("hello"))
        # the control: the kills did stop launches half-way
        self.assertGreaterEqual(killed, 4)

    def test_legacy_half_made_finished(self):
        """What an older cordon left: the directory itself, mode 0000."""
        os.makedirs(self.backing(), mode=0o700, exist_ok=True)
        os.chmod(self.backing(), 0o700)
        os.mkdir(self.backing("hello"), 0o000)
        os.chmod(self.backing("hello"), 0o000)
        self.assertEqual(self.uprobe(U1, "hello", "create", "/tmp/f"), "OK")
        self.assert_backing_right()

    def refused(self, want):
        for user in (None, U1):
            p = self.s.cordon("run", "hello", "cwd", check=False, user=user)
            self.assertNotEqual(p.returncode, 0, p.stdout)
            self.assertEqual(p.stdout, "")
            self.assertEqual(p.stderr.strip(), want)

    def test_not_ours_still_refused(self):
        os.makedirs(self.backing(), mode=0o700, exist_ok=True)
        os.chmod(self.backing(), 0o700)
        where = f"error: private /tmp of hello: in {self.backing()}: "
        # made by a user (mode 0000 too: only root's own 0000 is finished)
        uid = self.u1.pw_uid
        gid = self.u1.pw_gid
        os.mkdir(self.backing("hello"), 0o000)
        os.chown(self.backing("hello"), uid, gid)
        self.refused(where + f"hello exists with owner {uid}:{gid} mode 0000, expected 0:0 "
                     "0700; refusing to use it")
        self.assertEqual(stat.S_IMODE(os.lstat(self.backing("hello")).st_mode), 0)
        os.rmdir(self.backing("hello"))
        # root's, with a wrong mode that is not 0000
        os.mkdir(self.backing("hello"), 0o755)
        os.chmod(self.backing("hello"), 0o755)
        self.refused(where + "hello exists with owner 0:0 mode 0755, expected 0:0 0700; "
                     "refusing to use it")
        os.rmdir(self.backing("hello"))
        # root's 0000, holding something: not a half-made one
        os.mkdir(self.backing("hello"), 0o000)
        os.mkdir(self.backing("hello", "x"), 0o700)
        self.refused(where + "hello exists with owner 0:0 mode 0000, expected 0:0 0700; "
                     "refusing to use it")
        os.rmdir(self.backing("hello", "x"))
        os.rmdir(self.backing("hello"))
        # a symlink to a directory that would pass every check
        elsewhere = os.path.join(self.s.root, "elsewhere")
        os.makedirs(os.path.join(elsewhere, "tmp"), mode=0o700)
        os.chmod(elsewhere, 0o700)
        os.chmod(os.path.join(elsewhere, "tmp"), 0o1777)
        os.symlink(elsewhere, self.backing("hello"))
        self.refused(f"error: private /tmp of hello: {self.backing('hello')} is a symlink; "
                     "refusing to use it")
        self.assertEqual(os.listdir(os.path.join(elsewhere, "tmp")), [])
        os.unlink(self.backing("hello"))
        # the control: the same launch works once nothing is in the way
        self.assertEqual(self.uprobe(U1, "hello", "create", "/tmp/f"), "OK")
        self.assert_backing_right()


if __name__ == "__main__":
    unittest.main()
