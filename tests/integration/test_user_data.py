"""Issue 12: users' data across a refresh. A refresh copies each user's
~/snap/<snap>/<old rev> to the new revision's directory (owner, mode, times,
symlinks and user extended attributes kept, as snapd's copySnapData), a
revert finds the old revision's copy as it was, and the users' directories
follow the revisions the store keeps. The homes are their users': what they
plant there (links to /etc/shadow, a hard link to a root file, a link where
the new directory goes) never leads the root copy outside the home.
Two real users through the installed setuid launcher (SystemScratch)."""
import os
import stat
import subprocess

from cordonlib import CordonTestCase, SystemScratch, probe_yaml

USERS = ("cordontestud1", "cordontestud2")
TIMES = (1_000_000_000_123_456_789, 1_100_000_000_987_654_321)  # atime, mtime (ns)


def snapshot(top, read=True):
    """{relpath: (type, uid, gid, mode, mtime_ns, content or link text,
    user xattrs)} of a tree, without following any link."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            kind = stat.S_IFMT(st.st_mode)
            data = None
            if stat.S_ISLNK(st.st_mode):
                data = os.readlink(p)
            elif stat.S_ISREG(st.st_mode) and read:
                with open(p, "rb") as f:
                    data = f.read()
            xattrs = {}
            if not stat.S_ISLNK(st.st_mode) and not stat.S_ISFIFO(st.st_mode):
                xattrs = {k: os.getxattr(p, k, follow_symlinks=False)
                          for k in os.listxattr(p, follow_symlinks=False)
                          if k.startswith("user.")}
            out[os.path.relpath(p, top)] = (kind, st.st_uid, st.st_gid,
                                            stat.S_IMODE(st.st_mode), st.st_mtime_ns, data,
                                            xattrs)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    return out


class UserDataTest(CordonTestCase):
    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        self.pw = {}
        for u in USERS:
            subprocess.run(["userdel", u], capture_output=True)
            self.pw[u] = self.s.add_user(u)
            self.addCleanup(subprocess.run, ["userdel", u], capture_output=True)

    def home(self, u, *p):
        return os.path.join(self.pw[u].pw_dir, *p)

    def as_user(self, u, *args):
        p = self.s.cordon("run", "hello", *args, user=u, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def populate(self, u, top):
        """What a user's snap leaves in its SNAP_USER_DATA, made as the user
        would (owned by them), times and xattrs included."""
        pw = self.pw[u]
        os.makedirs(os.path.join(top, "dir", "nested"))
        files = {"file": (f"data of {u}\n", 0o640), "dir/nested/deep.txt": ("deep\n", 0o600),
                 "dir/setgid-ish": ("x", 0o2750)}
        for rel, (text, mode) in files.items():
            p = os.path.join(top, rel)
            with open(p, "w") as f:
                f.write(text)
            os.chown(p, pw.pw_uid, pw.pw_gid)
            os.chmod(p, mode)
        os.setxattr(os.path.join(top, "file"), "user.note", f"note of {u}".encode())
        os.setxattr(os.path.join(top, "dir"), "user.dirnote", b"d")
        os.symlink("file", os.path.join(top, "rel-link"))
        os.symlink("/etc/shadow", os.path.join(top, "shadow-link"))
        os.symlink("/etc", os.path.join(top, "etc-link"))
        os.mkfifo(os.path.join(top, "fifo"), 0o600)
        for p in ("rel-link", "shadow-link", "etc-link", "fifo"):
            os.lchown(os.path.join(top, p), pw.pw_uid, pw.pw_gid)
        os.chmod(os.path.join(top, "fifo"), 0o620)
        for d in ("dir/nested", "dir"):
            os.chown(os.path.join(top, d), pw.pw_uid, pw.pw_gid)
            os.chmod(os.path.join(top, d), 0o750)
        for dirpath, dirnames, filenames in os.walk(top, topdown=False):
            for name in dirnames + filenames:
                os.utime(os.path.join(dirpath, name), ns=TIMES, follow_symlinks=False)
        os.utime(top, ns=TIMES)

    def test_refresh_copies_and_revert_returns(self):
        d = self.s.make_snap("hello", probe_yaml("hello"))
        self.s.cordon("install", "--dangerous", d)
        # each user's first run makes their ~/snap/hello/x1 (as them)
        for u in USERS:
            self.assertEqual(self.as_user(u, "env", "SNAP_USER_DATA"),
                             f"OK {self.home(u, 'snap/hello/x1')}")
            self.populate(u, self.home(u, "snap/hello/x1"))
        # what u2 plants: a hard link to a root-only file, a root-owned
        # file, and the new revision's directory as a link out of the home
        secret = os.path.join(self.s.root, "secret")
        with open(secret, "w") as f:
            f.write("root only\n")
        os.chmod(secret, 0o600)
        os.link(secret, self.home(USERS[1], "snap/hello/x1/hard"))
        with open(self.home(USERS[1], "snap/hello/x1/rootfile"), "w") as f:
            f.write("root's\n")
        outside = os.path.join(self.s.root, "outside")
        os.makedirs(outside)
        os.symlink(outside, self.home(USERS[1], "snap/hello/x2"))
        os.lchown(self.home(USERS[1], "snap/hello/x2"), self.pw[USERS[1]].pw_uid,
                  self.pw[USERS[1]].pw_gid)
        before = {u: snapshot(self.home(u, "snap/hello/x1")) for u in USERS}
        # (reading it for the snapshot moved the source's atime: the copy
        # keeps the one it found)
        top_mtimes = {u: os.lstat(self.home(u, "snap/hello/x1")).st_mtime_ns for u in USERS}
        atimes = {u: os.lstat(self.home(u, "snap/hello/x1/file")).st_atime_ns for u in USERS}

        self.s.cordon("install", "--dangerous", d)  # x2
        for u in USERS:
            pw = self.pw[u]
            new = self.home(u, "snap/hello/x2")
            st = os.lstat(new)
            self.assertTrue(stat.S_ISDIR(st.st_mode))
            self.assertEqual((st.st_uid, st.st_gid), (pw.pw_uid, pw.pw_gid))
            # the copy's times are the original's (atime before any read)
            fst = os.lstat(os.path.join(new, "file"))
            self.assertEqual((fst.st_atime_ns, fst.st_mtime_ns), (atimes[u], TIMES[1]))
            self.assertEqual(os.lstat(os.path.join(new, "dir")).st_mtime_ns, TIMES[1])
            self.assertEqual(st.st_mtime_ns, top_mtimes[u], u)
            want = dict(before[u])
            # what the user does not own is not theirs to get a copy of
            for rel in ("hard", "rootfile"):
                want.pop(rel, None)
            got = snapshot(new)
            self.assertEqual(got, want)
            self.assertEqual(got["shadow-link"][5], "/etc/shadow")  # a link, as it was
            self.assertEqual(got["file"][6], {"user.note": f"note of {u}".encode()})
        # the planted link went, the place it named was not written
        self.assertEqual(os.listdir(outside), [])
        with open(secret) as f:
            self.assertEqual(f.read(), "root only\n")
        # the new revision finds it, as its user, in the sandbox
        for u in USERS:
            self.assertEqual(self.as_user(u, "cat", self.home(u, "snap/hello/x2/file")),
                             f"OK\ndata of {u}")
            with open(self.home(u, "snap/hello/x2/file"), "w") as f:
                f.write("changed by x2\n")

        # revert: x1's copy, as it was left
        self.s.cordon("revert", "hello")
        for u in USERS:
            self.assertEqual(self.as_user(u, "env", "SNAP_USER_DATA"),
                             f"OK {self.home(u, 'snap/hello/x1')}")
            self.assertEqual(self.as_user(u, "cat", self.home(u, "snap/hello/x1/file")),
                             f"OK\ndata of {u}")
            after = snapshot(self.home(u, "snap/hello/x1"))
            self.assertEqual(after, before[u])
            self.assertEqual(os.readlink(self.home(u, "snap/hello/current")), "x1")

        # a refresh from the reverted x1: the users' directories follow the
        # revisions kept on disk, as SNAP_DATA's do
        self.s.cordon("install", "--dangerous", d)
        kept = sorted(e for e in os.listdir(os.path.join(self.s.root, "var/snap/hello"))
                      if e.startswith("x"))
        for u in USERS:
            have = sorted(e for e in os.listdir(self.home(u, "snap/hello")) if e.startswith("x"))
            self.assertEqual(have, kept)
            with open(self.home(u, "snap/hello", kept[-1], "file")) as f:
                self.assertEqual(f.read(), f"data of {u}\n")

    def test_links_in_the_way_are_not_followed(self):
        d = self.s.make_snap("hello", probe_yaml("hello"))
        self.s.cordon("install", "--dangerous", d)
        u1, u2 = USERS
        for u in USERS:
            self.as_user(u, "env", "SNAP_USER_DATA")
        # u1's old revision directory is itself a link to a root directory
        # with a root-only file: nothing is copied from it
        root_dir = os.path.join(self.s.root, "rootdir")
        os.makedirs(root_dir)
        with open(os.path.join(root_dir, "secret"), "w") as f:
            f.write("s")
        os.chmod(os.path.join(root_dir, "secret"), 0o600)
        x1 = self.home(u1, "snap/hello/x1")
        os.rmdir(x1)
        os.symlink(root_dir, x1)
        # u2's ~/snap/hello is a link to another user's snap directory
        with open(self.home(u1, "snap/hello/common-file"), "w") as f:
            f.write("u1's")
        subprocess.run(["rm", "-rf", self.home(u2, "snap/hello")], check=True)
        os.symlink(self.home(u1, "snap/hello"), self.home(u2, "snap/hello"))
        self.s.cordon("install", "--dangerous", d)  # x2
        self.assertFalse(os.path.lexists(self.home(u1, "snap/hello/x2")))
        self.assertEqual(sorted(os.listdir(root_dir)), ["secret"])

    def test_a_deep_tree_does_not_refuse_the_refresh(self):
        """One user's tree deeper than the copy goes (128 directories) must
        not refuse every user the refresh: the copy stops at that depth,
        the rest stays in the old revision, the other user's data is
        copied whole."""
        d = self.s.make_snap("hello", probe_yaml("hello"))
        self.s.cordon("install", "--dangerous", d)
        u1, u2 = USERS
        for u in USERS:
            self.as_user(u, "env", "SNAP_USER_DATA")
        pw = self.pw[u1]
        top = self.home(u1, "snap/hello/x1")
        fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
        try:  # relative steps: the whole path is past PATH_MAX
            for _ in range(140):
                os.mkdir("d", dir_fd=fd)
                os.chown("d", pw.pw_uid, pw.pw_gid, dir_fd=fd)
                nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = nfd
            with open(os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "w") as f:
                f.write("deep")
        finally:
            os.close(fd)
        self.populate(u2, self.home(u2, "snap/hello/x1"))
        before = snapshot(self.home(u2, "snap/hello/x1"))
        self.s.cordon("install", "--dangerous", d)  # x2: succeeds
        self.assertEqual(snapshot(self.home(u2, "snap/hello/x2")), before)
        depth, fd = 0, os.open(self.home(u1, "snap/hello/x2"), os.O_RDONLY | os.O_DIRECTORY)
        try:
            while "d" in os.listdir(fd):
                nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd, depth = nfd, depth + 1
        finally:
            os.close(fd)
        self.assertEqual(depth, 128)
        self.assertTrue(os.path.isdir(self.home(u1, "snap/hello/x1/d")))
