"""system-usernames (issue 10): installing a snap that names snap_daemon makes
the user and group snapd makes (uid = gid = 584788, no home, no login shell),
and the snap's app run by root may drop to them, and to nothing else: it keeps
CAP_SETUID, CAP_SETGID and CAP_CHOWN, and seccomp compares every id. A snap
without system-usernames keeps no capability (the kernel refuses any id
change but between the process's own ids). Unsupported names and conflicting
users are refused before anything is made.

The users are the host's (/etc/passwd, /etc/group): each test records which
of them existed before and deletes what appeared (cordonlib.leftovers()
checks it too)."""
import grp
import os
import pwd
import subprocess
import unittest

import cordonlib
from cordonlib import CordonTestCase

DAEMON = 584788
RANGE = ("snapd-range-524288-root", 524288)
IDS = f"ruid={DAEMON} euid={DAEMON} suid={DAEMON} rgid={DAEMON} egid={DAEMON} sgid={DAEMON}"
# CAP_CHOWN (0), CAP_SETGID (6), CAP_SETUID (7)
KEPT = "0000000000000" + "0c1"
NONE = "0" * 16


def user(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def group(name):
    try:
        return grp.getgrnam(name)
    except KeyError:
        return None


def read(path):
    with open(path) as f:
        return f.read()


def snap_yaml(name, users=""):
    extra = f"system-usernames:\n{users}" if users else ""
    return f"""
name: {name}
version: '1.0'
apps:
  {name}:
    command: bin/probe
{extra}"""


class SysusersTestCase(CordonTestCase):
    scratch = cordonlib.Scratch

    def setUp(self):
        self.s = self.scratch()
        self.addCleanup(self.s.cleanup)
        self.users_before = {n for n in cordonlib.SYSTEM_USERNAMES if user(n)}
        self.groups_before = {n for n in cordonlib.SYSTEM_USERNAMES if group(n)}
        self.addCleanup(self.remove_made)

    def remove_made(self):
        """Delete the users and groups this test made (cordon never does)."""
        for n in cordonlib.SYSTEM_USERNAMES:
            if n not in self.users_before and user(n):
                subprocess.run(["userdel", n], capture_output=True)
            if n not in self.groups_before and group(n):
                subprocess.run(["groupdel", n], capture_output=True)

    def absent(self, *names):
        """Skip unless none of these users or groups exist (a snapd host)."""
        for n in names:
            if user(n) or group(n):
                self.skipTest(f"{n} exists on this host already")

    def run_probe(self, app, *args):
        """(first line of stdout, stderr) of the probe through app."""
        p = self.cordon("run", app, *args, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip(), p.stderr

    def assert_pair(self, name, id_):
        u, g = user(name), group(name)
        self.assertIsNotNone(u, f"no user {name}")
        self.assertIsNotNone(g, f"no group {name}")
        self.assertEqual((u.pw_uid, u.pw_gid, g.gr_gid), (id_, id_, id_))
        return u


class InstallTest(SysusersTestCase):
    def test_users_made_as_snapd_and_kept(self):
        made = "snap_daemon" not in self.users_before
        self.install("svc", snap_yaml("svc", "  snap_daemon: shared\n"))
        u = self.assert_pair("snap_daemon", DAEMON)
        self.assert_pair(*RANGE)
        if made:
            # useradd --system, no home, no login, as snapd runs it
            self.assertEqual((u.pw_dir, u.pw_shell), ("/nonexistent", "/bin/false"))
            self.assertFalse(os.path.exists("/nonexistent"))
            out = subprocess.run(["getent", "passwd", "snap_daemon"], capture_output=True,
                                 text=True, check=True).stdout
            self.assertEqual(out.split(":")[2:4], [str(DAEMON), str(DAEMON)])
        # a refresh finds them; a remove leaves them (snapd never removes them)
        passwd = read("/etc/passwd")
        self.install("svc", snap_yaml("svc", "  snap_daemon: {scope: shared}\n"))
        self.assertEqual(read("/etc/passwd"), passwd)
        self.cordon("remove", "svc")
        self.assert_pair("snap_daemon", DAEMON)

    def test_unsupported_name_refused_nothing_made(self):
        passwd, groups = read("/etc/passwd"), read("/etc/group")
        for users, msg in (
                ("  daemon: shared\n", 'requires unsupported system username "daemon"'),
                ("  snap_daemon: shared\n  root: shared\n",
                 'requires unsupported system username "root"'),
                ("  snap_daemon: private\n",
                 'requires unsupported user scope "private" for this version of cordon')):
            with self.subTest(users=users):
                d = self.s.make_snap("bad", snap_yaml("bad", users))
                err = self.cordon_fails("install", "--dangerous", d)
                self.assertEqual(err, f'error: cannot install "{d}": snap "bad" {msg}')
                self.assertEqual(read("/etc/passwd"), passwd)
                self.assertEqual(read("/etc/group"), groups)
                self.assertEqual(self.s.installed(), [])
                self.assertFalse(os.path.exists(self.path("snap", "bad")))

    def test_user_with_another_id_refused(self):
        self.absent("snap_microk8s", RANGE[0])
        subprocess.run(["groupadd", "--system", "--gid", "584700", "snap_microk8s"],
                       check=True, capture_output=True)
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--uid", "584700", "--gid", "584700", "snap_microk8s"],
                       check=True, capture_output=True)
        d = self.s.make_snap("micro", snap_yaml("micro", "  snap_microk8s: shared\n"))
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertEqual(err, f'error: cannot install "{d}": cannot ensure users for snap '
                              '"micro" required system username "snap_microk8s": found unexpected uid for user '
                              '"snap_microk8s": 584700')
        self.assertEqual(self.s.installed(), [])
        # checked before anything is made: not even the range pair
        self.assertIsNone(user(RANGE[0]))
        self.assertIsNone(group(RANGE[0]))

    def test_id_held_by_another_name_refused(self):
        self.absent("_daemon_", RANGE[0])
        other = cordonlib.USER_PREFIX + "sys"
        self.assertIsNone(user(other))
        self.addCleanup(subprocess.run, ["groupdel", other], capture_output=True)
        self.addCleanup(subprocess.run, ["userdel", other], capture_output=True)
        subprocess.run(["useradd", "--system", "--no-create-home", "--uid", "584792", other],
                       check=True, capture_output=True)
        passwd = read("/etc/passwd")
        d = self.s.make_snap("dd", snap_yaml("dd", "  _daemon_: shared\n"))
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertEqual(err, f'error: cannot install "{d}": cannot ensure users for snap '
                              '"dd" required system username "_daemon_": cannot add user "_daemon_": uid 584792 '
                              f'belongs to user "{other}"')
        self.assertEqual(read("/etc/passwd"), passwd)
        self.assertIsNone(group("_daemon_"))


class PrivilegeDropTest(SysusersTestCase):
    def setUp(self):
        super().setUp()
        self.install("svc", snap_yaml("svc", "  snap_daemon: shared\n"))
        self.install("plain", snap_yaml("plain"))

    def test_root_drops_to_its_user_only(self):
        out, _ = self.run_probe("svc", "status", "CapEff", "CapPrm")
        self.assertEqual(out.splitlines()[1:], [f"CapEff: {KEPT}", f"CapPrm: {KEPT}"])
        # what a daemon does to drop privileges
        out, err = self.run_probe("svc", "setids", "groups=none", f"gid={DAEMON}", f"uid={DAEMON}")
        self.assertEqual(out, f"OK {IDS} groups=", err)
        out, _ = self.run_probe("svc", "setids", "groups=none", f"resgid={DAEMON},{DAEMON},{DAEMON}",
                                f"resuid={DAEMON},{DAEMON},{DAEMON}")
        self.assertEqual(out, f"OK {IDS} groups=")
        # dropped for good: no way back to root (the kernel's answer; seccomp
        # allows setuid(0) to a process that kept root as its saved id)
        out, err = self.run_probe("svc", "setids", "groups=none", f"gid={DAEMON}", f"uid={DAEMON}",
                                  "uid=0")
        self.assertEqual(out, "EPERM")
        self.assertIn("uid=0", err)
        out, _ = self.run_probe("svc", "setids", "groups=none", f"gid={DAEMON}",
                                f"resuid={DAEMON},{DAEMON},0", "uid=0")
        self.assertEqual(out, f"OK ruid={DAEMON} euid=0 suid=0 rgid={DAEMON} egid={DAEMON} "
                              f"sgid={DAEMON} groups=")
        # any other identity: refused, though the capabilities would allow it
        for steps in (["uid=1000"], ["gid=1000"], ["resuid=12345,12345,12345"],
                      ["resgid=0,0,27"], ["reuid=-1,12345"], ["groups=none", f"gid={DAEMON}",
                                                              "resuid=-1,65534,-1"]):
            with self.subTest(steps=steps):
                out, err = self.run_probe("svc", "setids", *steps)
                self.assertEqual(out, "EPERM", err)
                self.assertIn(steps[-1], err)
        # setgroups with a list, even of its own group: refused
        out, _ = self.run_probe("svc", "setids", f"groups={DAEMON}")
        self.assertEqual(out, "EPERM")
        # controls: the same calls outside, as root, succeed
        for steps in (["uid=1000"], ["resuid=12345,12345,12345"], ["groups=27"]):
            self.assertTrue(self.probe_host("setids", *steps).startswith("OK"))

    def test_chown_to_its_user_only(self):
        f = "/tmp/owned"
        self.assertEqual(self.probe("svc", "create", f), "OK")
        self.assertEqual(self.probe("svc", "chown", f, DAEMON, DAEMON), "OK")
        self.assertEqual(self.probe("svc", "stat", f).split()[3:5],
                         [f"uid={DAEMON}", f"gid={DAEMON}"])
        self.assertEqual(self.probe("svc", "chown", f, 0, DAEMON), "OK")
        self.assertEqual(self.probe("svc", "chown", f, 1000, 1000), "EPERM")
        self.assertEqual(self.probe("svc", "chown", f, -1, 1000), "EPERM")

    def test_without_system_usernames_unchanged(self):
        out, _ = self.run_probe("plain", "status", "CapEff", "CapPrm")
        self.assertEqual(out.splitlines()[1:], [f"CapEff: {NONE}", f"CapPrm: {NONE}"])
        for steps in ([f"uid={DAEMON}"], [f"gid={DAEMON}"], ["groups=none"],
                      [f"resuid={DAEMON},{DAEMON},{DAEMON}"]):
            with self.subTest(steps=steps):
                out, err = self.run_probe("plain", "setids", *steps)
                self.assertEqual(out, "EPERM", err)
        # the unconditional rules are still there: moving between its own
        # ids works as outside
        out, _ = self.run_probe("plain", "setids", "resuid=0,0,0", "gid=0")
        self.assertTrue(out.startswith("OK ruid=0 euid=0 suid=0"), out)
        f = "/tmp/owned"
        self.assertEqual(self.probe("plain", "create", f), "OK")
        self.assertEqual(self.probe("plain", "chown", f, DAEMON, DAEMON), "EPERM")
        # control: the kernel would let root do all of it
        self.assertTrue(self.probe_host("setids", f"uid={DAEMON}").startswith("OK"))


class UserCallerTest(SysusersTestCase):
    """A caller who is not root has no capability to keep (the installed
    setuid launcher becomes the caller): the snap's rules let the calls
    through, and the kernel refuses them."""
    scratch = cordonlib.SystemScratch
    USER = cordonlib.USER_PREFIX + "su"

    def test_user_keeps_nothing(self):
        self.u = self.s.add_user(self.USER)
        self.addCleanup(subprocess.run, ["userdel", self.USER], capture_output=True)
        self.install("svc", snap_yaml("svc", "  snap_daemon: shared\n"))
        p = self.s.cordon("run", "svc", "status", "CapEff", "CapPrm", "CapBnd", user=self.USER)
        self.assertEqual(p.stdout.splitlines()[1:],
                         [f"CapEff: {NONE}", f"CapPrm: {NONE}", f"CapBnd: {NONE}"])
        for steps in ([f"uid={DAEMON}"], [f"gid={DAEMON}"], ["groups=none"], ["uid=0"]):
            with self.subTest(steps=steps):
                p = self.s.cordon("run", "svc", "setids", *steps, user=self.USER)
                self.assertEqual(p.stdout.strip(), "EPERM", p.stderr)


if __name__ == "__main__":
    unittest.main()
