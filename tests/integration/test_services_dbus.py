"""D-Bus (issue 10's `daemon: dbus`, the `dbus` interface, D-Bus activation)
under a real systemd and dbus-daemon booted in a container (ServicesCase).

A confined command never reaches the system bus itself: a label that needs it
(a system-bus dbus slot, a connected system-bus dbus plug, `daemon: dbus`)
has a filtering proxy of its own (xdg-dbus-proxy, unit
snap.<snap>.<app>.dbus-proxy.service) whose socket the command's view shows
at /run/dbus/system_bus_socket. What each test checks is exact (an error's
D-Bus name, an errno), each with its control outside any snap.

The snaps' client is bin/bus.py (python3-gi, which `make check` installs):
`call NAME [PATH IFACE METHOD]`, `own NAME [--stay]`, `names`; each prints
OK, or the D-Bus error's name, or `connect <GLib error>`.

The container's bus reads cordon's configuration (make install puts it in
/etc/dbus-1/system.d; the test build under its prefix): setUpClass copies it
into the container's own /etc (a tmpfs: --volatile) before anything is
installed, so that the bus policy of the snaps' slots and their activation
files are read."""
import os

import cordonlib
from cordonlib import wait_until
from test_services_daemons import DaemonsCase, SYSTEM, script

NAME = "io.cordon.SvcTest"
OTHER = "io.cordon.SvcOther"
ACT = "io.cordon.SvcAct"
SYSTEMD1 = ("org.freedesktop.systemd1", "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager", "GetDefaultTarget")
HIDDEN = "org.freedesktop.DBus.Error.ServiceUnknown"
DENIED = "org.freedesktop.DBus.Error.AccessDenied"
# no proxy: the bus socket is not in the view (a placeholder directory): EACCES
NO_BUS = "connect g-io-error-quark:14"

BUS_PY = '''#!/usr/bin/python3
"""One operation on the system bus; its result on stdout."""
import sys
from gi.repository import Gio, GLib

DBUS = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")


def why(e):
    remote = Gio.DBusError.get_remote_error(e)
    return remote or f"{e.domain}:{e.code}"


def call(bus, dest, path, iface, method, args=None, reply=None):
    return bus.call_sync(dest, path, iface, method, args,
                         GLib.VariantType(reply) if reply else None,
                         Gio.DBusCallFlags.NONE, 20000, None)


def main():
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    except GLib.Error as e:
        print("connect", why(e))
        return 1
    op, args = sys.argv[1], sys.argv[2:]
    try:
        if op == "call":
            where = args[1:4] if len(args) > 1 else ["/", "org.freedesktop.DBus.Peer", "Ping"]
            call(bus, args[0], *where)
        elif op == "own":
            got = call(bus, *DBUS, "RequestName", GLib.Variant("(su)", (args[0], 4)), "(u)")
            if got.unpack()[0] != 1:
                print("not the primary owner:", got.unpack()[0])
                return 1
        elif op == "names":
            got = call(bus, *DBUS, "ListNames", None, "(as)")
            print("\\n".join(sorted(n for n in got.unpack()[0] if not n.startswith(":"))))
            return 0
    except GLib.Error as e:
        print(why(e))
        return 1
    print("OK", flush=True)
    if "--stay" in args:  # keep the name, answering calls (Peer.Ping: GDBus)
        GLib.MainLoop().run()
    return 0


sys.exit(main())
'''

DB = f"""
name: db
version: '1.0'
summary: a dbus daemon, and apps beside it
apps:
  db:
    command: bin/db
    daemon: dbus
    bus-name: {NAME}
    slots: [svc]
  other:
    command: bin/bus
    slots: [other]
  plain:
    command: bin/probe
slots:
  svc: {{interface: dbus, bus: system, name: {NAME}}}
  other: {{interface: dbus, bus: system, name: {OTHER}}}
"""
DB_FILES = {
    "bin/bus.py": BUS_PY,
    "bin/bus": script('exec python3 "$SNAP/bin/bus.py" "$@"\n'),
    # what the service sees of the bus, then it takes its name (which is
    # what makes systemd call it started) and keeps it
    "bin/db": script(f"""
cd "$SNAP_DATA"
B="$SNAP/bin/bus"
"$B" call {' '.join(SYSTEMD1)} > systemd1.new
"$B" own {OTHER} > other.new
"$B" names > names.new
for f in systemd1 other names; do mv $f.new $f; done
exec "$B" own {NAME} --stay
"""),
}

CLIENT = f"""
name: dbc
version: '1.0'
summary: a client of db's name
apps:
  client:
    command: bin/bus
    plugs: [svc]
plugs:
  svc: {{interface: dbus, bus: system, name: {NAME}}}
  wrong: {{interface: dbus, bus: system, name: {OTHER}x}}
"""

ACTIVATED = f"""
name: da
version: '1.0'
summary: a service the bus starts
apps:
  act:
    command: bin/act
    daemon: simple
    activates-on: [act]
slots:
  act: {{interface: dbus, bus: system, name: {ACT}}}
"""
ACT_FILES = {
    "bin/bus.py": BUS_PY,
    "bin/act": script(f'echo started >> "$SNAP_DATA/started"\n'
                      f'exec python3 "$SNAP/bin/bus.py" own {ACT} --stay\n'),
}


REMOVED = """
name: dbr
version: '1.0'
summary: proxies that go with the snap
apps:
  svc:
    command: bin/sleep
    daemon: simple
    slots: [one]
  tool:
    command: bin/sleep
    slots: [two]
slots:
  one: {interface: dbus, bus: system, name: io.cordon.SvcRm}
  two: {interface: dbus, bus: system, name: io.cordon.SvcRmTwo}
"""


class DBusTest(DaemonsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        conf = os.path.join(cordonlib.PREFIX, "share/dbus-1/system.d",
                            "cordon.system-services.conf")
        cls.container.run(["sh", "-c", "mkdir -p /etc/dbus-1/system.d && cp \"$0\" "
                           "/etc/dbus-1/system.d/", conf], check=True)
        cls.container.run(["busctl", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "ReloadConfig"], check=True)
        cls.install("db", DB, DB_FILES)
        cls.dbdir = os.path.join(cls.s.work, "db")

    def bus_outside(self, *args):
        """bus.py run in the container outside any snap, as root: the control."""
        p = self.container.run(["python3", os.path.join(self.dbdir, "bin/bus.py")] +
                               [str(a) for a in args])
        return p.stdout.strip()

    def run_in(self, app, *args):
        p = self.cordon_in("run", app, *args, check=False)
        return p.stdout.strip()

    def test_dbus_unit(self):
        unit = "snap.db.db.service"
        proxy = "snap.db.db.dbus-proxy.service"
        self.assertEqual(self.unit_lines(unit, "Type"), ["dbus"])
        self.assertEqual(self.unit_lines(unit, "BusName"), [NAME])
        self.assertEqual(self.unit_lines(unit, "Requires"), [proxy])
        self.assertIn(proxy, self.unit_lines(unit, "After")[0].split())
        sock = os.path.join(self.s.root, "run/cordon/dbus/snap.db.db")
        self.assertEqual(self.unit_lines(proxy, "ExecStart"),
                         [f"{cordonlib.PREFIX}/libexec/cordon/cordon-dbus-proxy {sock} "
                          f"--own={NAME}"])
        self.assertEqual(self.unit_lines(proxy, "Type"), ["forking"])
        # the other app's proxy is enabled (`cordon run` finds it running),
        # the daemon's is pulled in by the daemon; the plain app has none
        self.assertEqual(self.systemctl("is-enabled", "snap.db.other.dbus-proxy.service")
                         .stdout.strip(), "enabled")
        self.assertEqual(self.systemctl("is-enabled", proxy).stdout.strip(), "static")
        self.assertFalse(os.path.exists(os.path.join(self.s.root, SYSTEM,
                                                     "snap.db.plain.dbus-proxy.service")))
        with open(os.path.join(self.s.root, "var/lib/cordon/dbus-1/system.d/snap.db.conf")) as f:
            policy = f.read()
        for name in (NAME, OTHER):
            self.assertIn(f'<allow own="{name}"/>', policy)
        self.verify_units()

    def test_dbus_reaches_active(self):
        unit = "snap.db.db.service"
        self.wait_state(unit, "active")
        self.assertEqual(self.props(unit, "Type", "SubState", "NRestarts"),
                         {"Type": "dbus", "SubState": "running", "NRestarts": "0"})
        self.assertEqual(self.active_state("snap.db.db.dbus-proxy.service"), "active")
        # the name is the service's: calls reach it (GDBus answers Ping)
        self.assertEqual(self.bus_outside("call", NAME), "OK")

    def test_service_sees_only_its_proxy(self):
        self.wait_state("snap.db.db.service", "active")
        # systemd's API is not there for it; outside any snap it is
        self.assertEqual(self.read("db", "systemd1").strip(), HIDDEN)
        self.assertEqual(self.bus_outside("call", *SYSTEMD1), "OK")
        # a name of the snap's other slot: the bus lets root own it (the
        # control), the proxy does not let this app (a name it may not
        # even see: xdg-dbus-proxy answers as if there were no bus name)
        self.assertEqual(self.read("db", "other").strip(), HIDDEN)
        self.assertEqual(self.bus_outside("own", OTHER), "OK")
        # of the bus's well-known names it sees the bus alone (its own
        # name is not taken yet when it looks)
        self.assertEqual(self.read("db", "names").split(), ["org.freedesktop.DBus"])

    def test_other_app_owns_its_slot_name(self):
        self.assertEqual(self.run_in("db.other", "own", OTHER), "OK")
        self.assertEqual(self.run_in("db.other", "own", NAME), HIDDEN)
        self.assertEqual(self.run_in("db.other", "call", *SYSTEMD1), HIDDEN)

    def test_plugless_app_has_no_bus(self):
        # no proxy for it, and the bus's socket is not in its view (a
        # placeholder directory nobody may enter); the control outside
        self.assertEqual(self.run_in("db.plain", "unix-connect", "/run/dbus/system_bus_socket"),
                         "EACCES")
        self.assertEqual(self.control_probe("db", "unix-connect", "/run/dbus/system_bus_socket"),
                         "OK")
        # nor its own proxy's socket, nor another label's
        sock = os.path.join(self.s.root, "run/cordon/dbus/snap.db.other")
        self.assertEqual(self.run_in("db.plain", "unix-connect", sock), "EACCES")

    def test_plug_connected_talks_unconnected_does_not(self):
        self.wait_state("snap.db.db.service", "active")
        self.install("dbc", CLIENT, {"bin/bus.py": BUS_PY,
                                     "bin/bus": DB_FILES["bin/bus"]})
        self.addCleanup(self.cordon_in, "remove", "dbc", check=False)
        # unconnected: no proxy, no bus at all
        self.assertFalse(os.path.exists(os.path.join(self.s.root, SYSTEM,
                                                     "snap.dbc.client.dbus-proxy.service")))
        self.assertEqual(self.run_in("dbc.client", "call", NAME), NO_BUS)
        # a plug names another name: refused
        p = self.cordon_in("connect", "dbc:wrong", "db:svc", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn('name "io.cordon.SvcOtherx" does not match the slot\'s name', p.stderr)
        self.cordon_in("connect", "dbc:svc", "db:svc")
        proxy = "snap.dbc.client.dbus-proxy.service"
        self.assertEqual(self.active_state(proxy), "active")
        self.assertEqual(self.run_in("dbc.client", "call", NAME), "OK")
        # talking is not owning (a name it sees: denied), and the rest of
        # the bus stays hidden
        self.assertEqual(self.run_in("dbc.client", "own", NAME), DENIED)
        self.assertEqual(self.run_in("dbc.client", "call", *SYSTEMD1), HIDDEN)
        # disconnected: the proxy goes with its unit, and the bus with it
        pid = self.prop(proxy, "MainPID")
        self.cordon_in("disconnect", "dbc:svc", "db:svc")
        self.assertEqual(self.active_state(proxy), "inactive")
        self.assertFalse(self.pid_alive(pid))
        self.assertEqual(self.run_in("dbc.client", "call", NAME), NO_BUS)

    def test_connect_restarts_a_running_proxy(self):
        """A proxy running with another filter than its unit now says is
        restarted by the change (a disconnect takes effect at once)."""
        self.install("dbc2", CLIENT.replace("name: dbc", "name: dbc2").replace(
            "plugs: [svc]", "plugs: [svc, two]").replace(
            "  wrong:", f"  two: {{interface: dbus, bus: system, name: {OTHER}}}\n  wrong:"),
            {"bin/bus.py": BUS_PY, "bin/bus": DB_FILES["bin/bus"]})
        self.addCleanup(self.cordon_in, "remove", "dbc2", check=False)
        proxy = "snap.dbc2.client.dbus-proxy.service"
        self.cordon_in("connect", "dbc2:svc", "db:svc")
        first = self.prop(proxy, "MainPID")
        self.cordon_in("connect", "dbc2:two", "db:other")
        second = self.prop(proxy, "MainPID")
        self.assertNotEqual(first, second)
        self.assertFalse(self.pid_alive(first))
        self.cordon_in("disconnect", "dbc2:svc", "db:svc")
        third = self.prop(proxy, "MainPID")
        self.assertNotIn(third, (first, second, "0"))
        self.assertEqual(self.run_in("dbc2.client", "call", NAME), HIDDEN)

    def test_activation_starts_the_service(self):
        self.install("da", ACTIVATED, ACT_FILES)
        self.addCleanup(self.cordon_in, "remove", "da", check=False)
        unit = "snap.da.act.service"
        self.assertEqual(self.active_state(unit), "inactive")
        act = os.path.join(self.s.root, "var/lib/cordon/dbus-1/system-services", f"{ACT}.service")
        self.assertTrue(os.path.exists(act))
        # a call to the name: the bus asks systemd for the unit
        self.assertEqual(self.bus_outside("call", ACT), "OK")
        self.assertEqual(self.active_state(unit), "active")
        self.assertEqual(self.read("da", "started"), "started\n")
        self.assertEqual(self.active_state("snap.da.act.dbus-proxy.service"), "active")

    def test_remove_takes_the_proxies(self):
        self.install("dbr", REMOVED, {"bin/sleep": script("exec sleep 100000\n")})
        unit = "snap.dbr.svc.service"
        wait_until(lambda: self.active_state(unit) == "active", timeout=60, what=unit)
        proxies = ("snap.dbr.svc.dbus-proxy.service", "snap.dbr.tool.dbus-proxy.service")
        for u in proxies:
            self.assertEqual(self.active_state(u), "active", u)
        self.cordon_in("remove", "dbr")
        for u in proxies + (unit,):
            self.assertEqual(self.active_state(u), "inactive", u)
        left = [n for n in os.listdir(os.path.join(self.s.root, SYSTEM)) if "dbr" in n]
        self.assertEqual(left, [])
        self.assertFalse(os.path.exists(
            os.path.join(self.s.root, "var/lib/cordon/dbus-1/system.d/snap.dbr.conf")))
