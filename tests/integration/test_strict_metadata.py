"""Strict confinement, file metadata (issue 8, item 1): Landlock has no right
for chmod, chown, extended attributes, ACLs, times or inode flags. Outside the
places its policy lets it write, a confined command must not change any of
them, through a path or through an fd of a file it may read: the command's
view (view.h) shows such files only as read-only binds (EROFS) or as
placeholders owned by nobody (EPERM/EACCES, the real file is not there).

Each attack first works unconfined, on a control file made like the victim
(the call changes the control's ctime), then is refused inside, for a
plug-less snap run by root and by a user, and the victim's mode, owner,
xattrs and ctime (which every successful metadata call moves) are unchanged.
Inside the writable places every call still works."""
import os
import re
import shutil

from cordonlib import probe_yaml
from strictlib import ROOT, USER, StrictCase

OTHER_UID = "4242"  # the user an attacker's ACL would let in

# (probe operation, arguments after the path); {uid} {gid}: the caller's own
OPS = [
    ("chmod", ["0666"]), ("fchmod", ["0666"]), ("fchmodat", ["0666"]),
    ("fchmodat2", ["0666"]),
    ("chown", ["{uid}", "{gid}"]), ("lchown", ["{uid}", "{gid}"]),
    ("fchown", ["{uid}", "{gid}"]), ("fchownat", ["{uid}", "{gid}"]),
    ("setxattr", ["user.cordon", "planted"]), ("lsetxattr", ["user.cordon", "planted"]),
    ("fsetxattr", ["user.cordon", "planted"]),
    ("removexattr", ["user.keep"]), ("lremovexattr", ["user.keep"]),
    ("fremovexattr", ["user.keep"]),
    ("set-acl", [OTHER_UID]),
    ("utime", []), ("utimes", []), ("futimesat", []), ("utimensat", []),
    ("utimensat-now", []), ("futimens", []),
    ("setflags", []),
]

# A file beside the granted places is a placeholder owned by nobody, 0444:
# not the owner (EPERM: mode, owner, ACL, explicit times), no write
# permission (EACCES: xattrs, "touch"), and the fd forms cannot even open it
# (Landlock: EACCES).
PLACEHOLDER = {op: "EACCES" for op, _ in OPS}
PLACEHOLDER.update({op: "EPERM" for op in ("chmod", "fchmodat", "fchmodat2", "chown", "lchown",
                                           "fchownat", "set-acl", "utime", "utimes",
                                           "futimesat", "utimensat")})
# Inside a directory the policy does not reach (a placeholder, mode 0000):
# the path does not resolve.
HIDDEN = {op: "EACCES" for op, _ in OPS}
# A file the policy lets the command read: a read-only bind.
READ_ONLY = {op: "EROFS" for op, _ in OPS}
WRITABLE = {op: "OK" for op, _ in OPS}
# The seccomp template (like snapd's) lets an app chown only to root: for a
# user the calls fail there, anywhere, before the kernel looks at the path.
CHOWNS = ("chown", "lchown", "fchown", "fchownat")


def without_dir_size(line):
    """The probe's stat line, without the size of a directory (its
    entries' count, which the host decides)."""
    return re.sub(r"^(OK type=dir .*) size=[0-9]+$", r"\1", line)


def expected(who, op, table):
    # (fchown opens the file first: where that fails, it fails first)
    if who != ROOT and op in CHOWNS and not (op == "fchown" and table[op] == "EACCES"):
        return "EPERM"
    return table[op]

SYSF_YAML = """
name: sysf
version: '1.0'
summary: reads one system file
plugs:
  sysfiles:
    interface: system-files
    read: [{path}]
apps:
  sysf:
    command: bin/probe
"""

KEYS_YAML = probe_yaml("keys") + """    plugs: [ssh-keys]
"""


class MetadataTest(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("plain", probe_yaml("plain"))

    def args(self, who, extra):
        return [a.format(uid=self.uid(who), gid=self.gid(who)) for a in extra]

    def snapshot(self, path):
        st = os.lstat(path)
        return (st.st_mode, st.st_uid, st.st_gid, st.st_ctime_ns, sorted(os.listxattr(path)))

    def control(self, who, victim):
        """A file made like the victim, where the attack works unconfined."""
        st = os.stat(victim)
        path = self.remove_later(victim + ".control")
        self.make_file(path, who, st.st_mode & 0o7777)
        return path

    def attack(self, who, app, victim, want):
        os.setxattr(victim, "user.keep", b"1")
        control = self.control(who, victim)
        for op, extra in OPS:
            args = self.args(who, extra)
            with self.subTest(who=who, op=op, victim=victim):
                os.setxattr(control, "user.keep", b"1")
                if "user.cordon" in os.listxattr(control):
                    os.removexattr(control, "user.cordon")  # so that setting it changes
                before = os.stat(control).st_ctime_ns
                self.assertEqual(self.host_as(who, op, control, *args), "OK", "control")
                self.assertNotEqual(os.stat(control).st_ctime_ns, before, "control: no change")
                snap = self.snapshot(victim)
                self.assertEqual(self.probe_as(who, app, op, victim, *args),
                                 expected(who, op, want))
                self.assertEqual(self.snapshot(victim), snap, "the victim changed")

    def test_root_cannot_change_a_root_file_in_etc(self):
        """A root-only file in /etc made 0666 would let any user become
        root (think /etc/shadow); an ACL would let one user in."""
        victim = self.remove_later(self.make_file(
            os.path.join("/etc", self.scratch_name("cordon-test-")), ROOT, 0o600))
        self.attack(ROOT, "plain", victim, PLACEHOLDER)

    def test_root_cannot_change_a_file_it_may_read(self):
        victim = self.remove_later(self.make_file(
            os.path.join("/etc", self.scratch_name("cordon-test-")), ROOT, 0o644))
        self.install("sysf", SYSF_YAML.format(path=victim))
        self.cordon("connect", "sysf:sysfiles")
        self.assertEqual(self.probe_as(ROOT, "sysf", "read", victim), "OK")
        self.attack(ROOT, "sysf", victim, READ_ONLY)

    def test_user_cannot_change_dotfiles_or_keys(self):
        home = self.home(USER)
        key = self.make_file(f"{home}/.ssh/id_ed25519", USER, 0o600)
        os.chown(f"{home}/.ssh", self.uid(USER), self.gid(USER))
        os.chmod(f"{home}/.ssh", 0o700)
        bashrc = self.make_file(f"{home}/.bashrc", USER, 0o644)
        self.attack(USER, "plain", bashrc, PLACEHOLDER)
        self.attack(USER, "plain", key, HIDDEN)
        # with ssh-keys connected the key is readable, and still unchanged
        self.install("keys", KEYS_YAML)
        self.cordon("connect", "keys:ssh-keys")
        self.assertEqual(self.probe_as(USER, "keys", "read", key), "OK")
        self.attack(USER, "keys", key, READ_ONLY)

    def inside(self, who, app, path):
        """Every call works where the policy lets the command write."""
        self.assertEqual(self.probe_as(who, app, "create", path), "OK")
        self.assertEqual(self.probe_as(who, app, "setxattr", path, "user.keep", "1"), "OK")
        for op, extra in OPS:
            with self.subTest(who=who, op=op, path=path):
                if op.endswith("removexattr"):
                    self.probe_as(who, app, "setxattr", path, "user.keep", "1")
                self.assertEqual(self.probe_as(who, app, op, path, *self.args(who, extra)),
                                 expected(who, op, WRITABLE))

    def test_writable_places_keep_every_call(self):
        for who in (ROOT, USER):
            home = self.home(who)
            self.probe_as(who, "plain", "cwd")  # the user's data directories
            places = [f"{home}/snap/plain/x1", f"{home}/snap/plain/common", "/tmp"]
            if who == ROOT:
                places += [os.path.join(self.s.root, "var/snap/plain/x1"),
                           os.path.join(self.s.root, "var/snap/plain/common")]
            for d in places:
                self.inside(who, "plain", os.path.join(d, f"meta-{who}"))

    def test_made_up_entries_are_nobodys(self):
        """What the view makes up (its root, the directories on the way to
        granted places, placeholders; a stand-in's levels for a working
        directory outside the view) is made as nobody, never changed after:
        owner nobody:nobody and the modes the attacks above rely on, for
        root and for a user. Controls: the real objects are root's, with
        other modes."""
        hidden = self.remove_later(self.make_file(
            os.path.join("/etc", self.scratch_name("cordon-test-")), ROOT, 0o600))
        outside = os.path.join("/var/tmp", self.scratch_name("cordon-test-"))
        os.mkdir(outside, 0o777)
        self.addCleanup(shutil.rmtree, outside, True)
        os.chmod(outside, 0o777)
        self.make_file(os.path.join(outside, "entry"), ROOT, 0o600)
        nobody = "uid=65534 gid=65534"
        for who in (ROOT, USER):
            with self.subTest(who=who):
                for path, want, control in [
                        ("/", f"type=dir mode=0555 {nobody}", "uid=0 gid=0"),
                        ("/etc", f"type=dir mode=0555 {nobody}", "uid=0 gid=0"),
                        (hidden, f"type=reg mode=0444 {nobody} size=0", "mode=0600 uid=0"),
                        ("/root", f"type=dir mode=0000 {nobody}", "uid=0 gid=0")]:
                    self.assertIn(control, self.host_as(who, "stat", path), path)
                    self.assertEqual(without_dir_size(self.probe_as(who, "plain", "stat", path)),
                                     f"OK {want}", path)
                # started in a directory the view does not hold: a
                # stand-in (the levels below the first placeholder)
                p = self.s.cordon("run", "plain", "stat", ".", cwd=outside,
                                  user=None if who == ROOT else who)
                self.assertEqual(without_dir_size(p.stdout.strip()),
                                 f"OK type=dir mode=0555 {nobody}", p.stderr)
                p = self.s.cordon("run", "plain", "stat", "entry", cwd=outside,
                                  user=None if who == ROOT else who)
                self.assertEqual(p.stdout.strip(), f"OK type=reg mode=0444 {nobody} size=0",
                                 p.stderr)
