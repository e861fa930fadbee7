"""Services (issue 10): a snap's daemons as systemd units, under a real
systemd (systemdlib: a container booted over the host's /usr), with the
units cordon writes under its system root bound as the container's
/etc/systemd/{system,user}.

The seed's foo snap first: `baz` (daemon: simple, plugs: [network]) runs as
snap.foo.baz.service in label snap.foo.baz and may open an inet socket;
`bar`, run by hand, may not. Each service here is a shell script that runs
the probe and writes what it saw to $SNAP_DATA, so the test reads the
service's own view of its sandbox."""
import os
import subprocess
import unittest

import cordonlib
from cordonlib import SystemScratch, bpf_device_progs, installed_cordon, wait_until
from systemdlib import BootError, SystemdContainer

PARENT = "cordon-test-check"  # the test build's compiled cgroup parent

FOO = """
name: foo
version: '1.0'
summary: the seed's example
apps:
  bar:
    command: bin/probe
  baz:
    command: bin/baz
    daemon: simple
    plugs: [network]
"""

BAZ = """#!/bin/sh
"$SNAP/bin/probe" cgroup > "$SNAP_DATA/cgroup.new" && mv "$SNAP_DATA/cgroup.new" "$SNAP_DATA/cgroup"
"$SNAP/bin/probe" socket inet stream > "$SNAP_DATA/inet.new" && mv "$SNAP_DATA/inet.new" "$SNAP_DATA/inet"
echo "baz is up"
exec sleep 100000
"""


class ServicesCase(unittest.TestCase):
    """A booted container whose systemd reads the test system root's units."""

    container = None
    # Test users, made before the boot (/etc/passwd is bound into the
    # container), whose systemd user managers a test may start
    # (user@UID.service: PAM's configuration and the shadow file are bound
    # in too, read-only, for its PAM session).
    users = ()

    @classmethod
    def setUpClass(cls):
        why = SystemdContainer.available()
        if why:
            raise unittest.SkipTest(why)
        cls.s = SystemScratch()
        cls.addClassCleanup(cls.s.cleanup)
        cls.s.datadir_copy()
        cls.pw = {}
        for name in cls.users:
            cls.pw[name] = cls.s.add_user(name)
            cls.addClassCleanup(subprocess.run, ["userdel", name], capture_output=True)
        ro = ["/etc/pam.d", "/etc/security", "/etc/shadow"] if cls.users else []
        cls.container = SystemdContainer(binds=[cordonlib.CHECK_DIR], binds_ro=ro,
                                         unit_root=cls.s.root)
        try:
            cls.container.start()
        except BootError as e:
            raise unittest.SkipTest("systemd-nspawn cannot boot a container here: " +
                                    str(e).splitlines()[0])
        cls.addClassCleanup(cls.container.stop)
        cls.addClassCleanup(cls.remove_all)

    @classmethod
    def remove_all(cls):
        p = cls.cordon_in("list", check=False)
        for line in p.stdout.splitlines()[1:]:
            cls.cordon_in("remove", line.split()[0], check=False)

    @classmethod
    def cordon_in(cls, *args, check=True, timeout=180):
        e = cls.s.env()
        e.pop("CORDON_CONFINE", None)
        p = cls.container.run([installed_cordon()] + [str(a) for a in args], env=e,
                              timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"cordon {' '.join(map(str, args))} in the container failed "
                                 f"({p.returncode}):\nstdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def systemctl(self, *args):
        return self.container.systemctl(*args)

    def active_state(self, unit):
        return self.systemctl("show", "-p", "ActiveState", "--value", unit).stdout.strip()

    def data(self, snap, rel, rev="x1"):
        return os.path.join(self.s.root, "var/snap", snap, rev, rel)

    def wait_file(self, path, what=None):
        def read():
            try:
                with open(path) as f:
                    return f.read()
            except FileNotFoundError:
                return None
        return wait_until(read, timeout=60, what=what or path)


class FooSnapTest(ServicesCase):
    def test_foo_baz_is_a_confined_service(self):
        d = self.s.make_snap("foo", FOO, files={"bin/baz": BAZ})
        out = self.cordon_in("install", "--dangerous", d)
        self.assertEqual(out.stderr, "")
        unit = "snap.foo.baz.service"
        wait_until(lambda: self.active_state(unit) == "active", what=f"{unit} active")
        self.assertEqual(self.systemctl("is-enabled", unit).stdout.strip(), "enabled")
        # on cgroup v2 the service stays in its unit's cgroup, the label's
        # tracking cgroup (as snapd does), with the device program there
        cgroup = self.wait_file(self.data("foo", "cgroup")).splitlines()
        self.assertEqual(cgroup[0], "OK")
        self.assertIn(f"0::/system.slice/{unit}", cgroup)
        host_dir = self.container.host_cgroup(f"/system.slice/{unit}")
        self.assertEqual(bpf_device_progs(host_dir), 1)
        # bar, by hand, in the label's cgroup (the control)
        bar_cg = self.cordon_in("run", "foo.bar", "cgroup").stdout.splitlines()
        self.assertIn(f"0::/{PARENT}/snap.foo.bar", bar_cg)
        self.assertEqual(self.wait_file(self.data("foo", "inet")).strip(), "OK")
        # bar, by hand, has no network plug: the same socket is refused
        bar = self.cordon_in("run", "foo.bar", "socket", "inet", "stream", check=False)
        self.assertEqual(bar.stdout.strip(), "EACCES")
        # the control: the same call outside any snap
        probe = os.path.join(self.s.root, "work/foo/bin/probe")
        self.assertEqual(self.container.run([probe, "socket", "inet", "stream"]).stdout.strip(),
                         "OK")
        wait_until(lambda: "baz is up" in self.container.journal(unit),
                   what="baz's output in the journal")
        # remove: stopped, files gone, nothing left loaded
        self.cordon_in("remove", "foo")
        self.assertEqual(self.active_state(unit), "inactive")
        self.assertFalse(os.path.exists(os.path.join(self.s.root, "etc/systemd/system", unit)))
        self.assertFalse(os.path.exists(os.path.join(
            self.s.root, "etc/systemd/system/multi-user.target.wants", unit)))


UFOO = """
name: ufoo
version: '1.0'
summary: a user daemon
apps:
  agent:
    command: bin/agent
    daemon: simple
    daemon-scope: user
"""

AGENT = """#!/bin/sh
"$SNAP/bin/probe" id > "$SNAP_USER_DATA/id.new" && mv "$SNAP_USER_DATA/id.new" "$SNAP_USER_DATA/id"
"$SNAP/bin/probe" cgroup > "$SNAP_USER_DATA/cgroup.new" && mv "$SNAP_USER_DATA/cgroup.new" "$SNAP_USER_DATA/cgroup"
exec sleep 100000
"""


class UserDaemonTest(ServicesCase):
    """daemon-scope: user: the unit goes to <root>/etc/systemd/user, enabled
    for every user (default.target.wants, as `systemctl --global enable`),
    and is started in each running user manager."""

    users = ("cordontestsvc",)

    def user_systemctl(self, *args):
        pw = self.pw["cordontestsvc"]
        return self.container.run(["systemctl", "--user", "--no-pager"] + list(args),
                                  user=pw.pw_uid,
                                  env={"XDG_RUNTIME_DIR": f"/run/user/{pw.pw_uid}"})

    def test_user_daemon_runs_in_the_users_manager(self):
        pw = self.pw["cordontestsvc"]
        self.container.systemctl("start", f"user@{pw.pw_uid}.service", check=True)
        self.addCleanup(self.container.systemctl, "stop", f"user@{pw.pw_uid}.service")
        d = self.s.make_snap("ufoo", UFOO, files={"bin/agent": AGENT})
        self.cordon_in("install", "--dangerous", d)
        unit = "snap.ufoo.agent.service"
        self.assertTrue(os.path.exists(os.path.join(self.s.root, "etc/systemd/user", unit)))
        self.assertTrue(os.path.islink(os.path.join(
            self.s.root, "etc/systemd/user/default.target.wants", unit)))
        self.assertFalse(os.path.exists(os.path.join(self.s.root, "etc/systemd/system", unit)))
        wait_until(lambda: self.user_systemctl("is-active", unit).stdout.strip() == "active",
                   what=f"{unit} active in the user's manager")
        base = os.path.join(pw.pw_dir, "snap/ufoo/x1")
        ids = self.wait_file(os.path.join(base, "id")).split()
        self.assertEqual(ids[:4], ["OK", f"ruid={pw.pw_uid}", f"euid={pw.pw_uid}",
                                   f"suid={pw.pw_uid}"])
        # the user's unit cgroup is the user's to manage (delegated): the
        # command is in the label's cgroup, out of the user's reach
        cgroup = self.wait_file(os.path.join(base, "cgroup")).splitlines()
        self.assertIn(f"0::/{PARENT}/snap.ufoo.agent", cgroup)
        self.cordon_in("remove", "ufoo")
        self.assertEqual(self.user_systemctl("is-active", unit).stdout.strip(), "inactive")
        self.assertFalse(os.path.exists(os.path.join(self.s.root, "etc/systemd/user", unit)))
