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

    @classmethod
    def setUpClass(cls):
        why = SystemdContainer.available()
        if why:
            raise unittest.SkipTest(why)
        cls.s = SystemScratch()
        cls.addClassCleanup(cls.s.cleanup)
        cls.s.datadir_copy()
        cls.container = SystemdContainer(binds=[cordonlib.CHECK_DIR], unit_root=cls.s.root)
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
