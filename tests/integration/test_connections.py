"""Issue 4: the connection machinery - `cordon connections`, `interfaces`,
`interface`, `connect`, `disconnect` with snapd's output, resolution of
omitted parts and messages; the binding of plugs to apps and hooks; the
admin's disconnections remembered across refreshes; bad input refused with
nothing changed; privileged interfaces; recompilation of only the affected
labels; atomicity (running commands keep their policy, an interrupted
connect or disconnect leaves the old connection set with the policy to
match); content sharing with live namespace updates, auto-connected only
within one snap (a stranger's plug of the same content tag waits for the
admin); AppArmor profiles with interface snippets that apparmor_parser
accepts.

Expected tables are rendered here the way snap renders them (Go's
text/tabwriter as cmd/snap's tabWriter(): minimum width 5, padding 2, the
last column not padded), rows in snap's order (interface, then plug, then
slot, plain byte order, so "-" comes first). The per-interface grants are
test_interfaces.py's subject; here network, network-bind, network-observe,
camera, serial-port, system-files and content serve as examples.

Every denial is paired with its control (the same probe allowed once the
plug is connected, or in the app the plug is bound to)."""
import glob
import os
import shutil
import sqlite3
import subprocess
import textwrap
import unittest

from cordonlib import SRC, CordonTestCase, mountinfo, probe_yaml, top_mount, wait_until

HDR = ("Interface", "Plug", "Slot", "Notes")


def tab(*rows):
    """Rows as snap prints them through Go's tabwriter (minwidth 5, padding 2)."""
    n = len(rows[0])
    widths = [max(max(len(r[c]) for r in rows) + 2, 5) for c in range(n - 1)]
    return "".join("".join(r[c].ljust(widths[c]) for c in range(n - 1)) + r[-1] + "\n"
                   for r in rows)


def conns(*rows):
    """The expected output of `cordon connections`: nothing when no rows."""
    return tab(HDR, *rows) if rows else ""


def catalogue():
    """{name: (summary, implicit slot)} of the shipped definitions."""
    out = {}
    for p in sorted(glob.glob(os.path.join(SRC, "data", "interfaces", "*.yaml"))):
        name, summary, implicit = None, None, False
        with open(p) as f:
            for line in f:
                if line.startswith("name: "):
                    name = line[6:].strip()
                elif line.startswith("summary: "):
                    summary = line[9:].strip()
                elif line.strip() == "implicit-slot: true":
                    implicit = True
        out[name] = (summary, implicit)
    return out


def snap(name, body, apps=None):
    """snap.yaml text: apps (name -> extra app lines) running the probe, and
    `body` (plugs:, slots:, hooks:...) at the top level."""
    text = f"name: {name}\nversion: '1.0'\nsummary: {name}\napps:\n"
    for app, extra in (apps or {name: ""}).items():
        text += f"  {app}:\n    command: bin/probe\n" + textwrap.indent(
            textwrap.dedent(extra), "    ")
    return text + textwrap.dedent(body)


PORTS = snap("ports", """
    slots:
      ser1:
        interface: serial-port
        path: /dev/ttyUSB70
      ser2:
        interface: serial-port
        path: /dev/ttyUSB71
    """)

PROV = snap("prov", """
    slots:
      data:
        interface: content
        content: cdata
        read: [$SNAP/shared]
        write: [$SNAP_DATA/rw]
    """)
PROV_FILES = {"shared/f.txt": ("shared\n", 0o644)}

CONS = snap("cons", """
    plugs:
      data:
        interface: content
        content: cdata
        target: $SNAP_DATA/target
      other:
        interface: content
        content: nomatch
        target: $SNAP_DATA/other
    """)

FOO = snap("foo", """
    plugs:
      network:
      home:
      camera:
      cam2:
        interface: camera
      ser:
        interface: serial-port
    """)


def sandboxed_shell(pid):
    """Has the command started with `probe exec /bin/sh` (cordon -> launcher
    -> probe -> sh, one pid) reached the shell, i.e. past the launcher?"""
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() in ("sh", "dash")
    except OSError:
        return False


class ConnTestCase(CordonTestCase):
    def install_dir(self, name, yaml, *flags, files=None):
        """Install a snap directory (no squashfs: faster, same metadata)."""
        d = self.s.make_snap(name, yaml, files=files)
        self.cordon("install", "--dangerous", *flags, d)
        return d

    def conn_out(self, *args):
        p = self.cordon("connections", *args)
        self.assertEqual(p.stderr, "")
        return p.stdout

    def slot_of(self, snap, plug):
        """The slot column of `cordon connections SNAP` for SNAP:PLUG."""
        for line in self.conn_out(snap).splitlines()[1:]:
            cols = line.split()
            if cols[1] == f"{snap}:{plug}":
                return cols[2]
        self.fail(f"{snap}:{plug} not listed")

    def fails(self, *args, **kw):
        """A refused command: exit status != 0, nothing on stdout, one line
        `error: ...` on stderr; the line is returned."""
        p = self.cordon(*args, check=False, **kw)
        self.assertNotEqual(p.returncode, 0, f"cordon {args} succeeded: {p.stdout}")
        self.assertEqual(p.stdout, "")
        self.assertTrue(p.stderr.startswith("error: ") and p.stderr.endswith("\n")
                        and p.stderr.count("\n") == 1, f"not one error line: {p.stderr!r}")
        return p.stderr.rstrip("\n")

    def state(self):
        """The tables a connect/disconnect/install may change."""
        db = sqlite3.connect(f"file:{self.path('var/lib/cordon/state.db')}?mode=ro", uri=True)
        try:
            return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall())
                    for t in ("snaps", "revisions", "connections", "ports")}
        finally:
            db.close()

    def pending(self):
        db = sqlite3.connect(f"file:{self.path('var/lib/cordon/state.db')}?mode=ro", uri=True)
        try:
            return db.execute("SELECT op, snap FROM pending").fetchall()
        finally:
            db.close()

    def policy(self):
        """Every compiled policy and AppArmor profile: {dir/label: (inode,
        ctime, bytes)}. Files are replaced by rename: a rewritten file has
        another inode (both exist at the rename) and a new ctime."""
        out = {}
        for d in ("policy", "apparmor"):
            base = self.path("var/lib/cordon", d)
            for f in sorted(os.listdir(base)):
                p = os.path.join(base, f)
                st = os.lstat(p)
                with open(p, "rb") as fh:
                    out[f"{d}/{f}"] = (st.st_ino, st.st_ctime_ns, fh.read())
        return out

    def rewritten(self, before, after):
        self.assertEqual(sorted(before), sorted(after), "set of compiled files changed")
        return sorted(k for k in before if before[k][:2] != after[k][:2])

    def profile(self, label):
        with open(self.path("var/lib/cordon/apparmor", label)) as f:
            return f.read()

    def assert_unchanged(self, state, policy):
        """State as before; every compiled file as before, not even
        rewritten (same inode, ctime and bytes)."""
        self.assertEqual(self.state(), state, "state changed")
        now = self.policy()
        self.assertEqual({k: v[2] for k, v in now.items()}, {k: v[2] for k, v in policy.items()},
                         "compiled policy changed")
        self.assertEqual(self.rewritten(policy, now), [])


class ConnectionsOutputTests(ConnTestCase):
    """`cordon connections`, `interfaces`, `interface` against expected text."""

    def world(self):
        self.install_dir("ports", PORTS)
        self.install_dir("prov", PROV, files=PROV_FILES)
        self.install_dir("cons", CONS)
        self.install_dir("foo", FOO)
        self.install_dir("noplugs", probe_yaml("noplugs"))
        # content between two snaps is never auto-connected (content.yaml)
        self.cordon("connect", "cons:data", "prov:data")
        self.cordon("connect", "foo:camera")
        self.cordon("connect", "foo:ser", "ports:ser1")
        self.assertEqual(self.cordon("disconnect", "foo:home").stdout, "")

    def test_nothing_installed_prints_nothing(self):
        for args in (["connections"], ["connections", "--all"]):
            p = self.cordon(*args)
            self.assertEqual((p.stdout, p.stderr), ("", ""), args)
        # a snap without plugs or slots adds nothing either
        self.install_dir("noplugs", probe_yaml("noplugs"))
        for args in (["connections"], ["connections", "--all"], ["connections", "noplugs"]):
            p = self.cordon(*args)
            self.assertEqual((p.stdout, p.stderr), ("", ""), args)

    def test_connections(self):
        self.world()
        # connected plugs only: auto (network), manual (camera, content,
        # serial-port); the disconnected home and the unconnected plugs and
        # slots are left out
        self.assertEqual(self.conn_out(), conns(
            ("camera", "foo:camera", ":camera", "manual"),
            ("content[cdata]", "cons:data", "prov:data", "manual"),
            ("network", "foo:network", ":network", "-"),
            ("serial-port", "foo:ser", "ports:ser1", "manual"),
        ))
        # one snap: its unconnected and disconnected plugs too, slot "-"
        self.assertEqual(self.conn_out("foo"), conns(
            ("camera", "foo:cam2", "-", "-"),
            ("camera", "foo:camera", ":camera", "manual"),
            ("home", "foo:home", "-", "-"),
            ("network", "foo:network", ":network", "-"),
            ("serial-port", "foo:ser", "ports:ser1", "manual"),
        ))
        # a slot snap: unconnected slots with plug "-", sorted first
        self.assertEqual(self.conn_out("ports"), conns(
            ("serial-port", "-", "ports:ser2", "-"),
            ("serial-port", "foo:ser", "ports:ser1", "manual"),
        ))
        self.assertEqual(self.conn_out("cons"), conns(
            ("content[cdata]", "cons:data", "prov:data", "manual"),
            ("content[nomatch]", "cons:other", "-", "-"),
        ))
        self.assertEqual(self.conn_out("prov"), conns(
            ("content[cdata]", "cons:data", "prov:data", "manual"),
        ))
        self.assertEqual(self.conn_out("noplugs"), "")
        # --all: every unconnected plug and slot of the snaps, but not the
        # system's unconnected slots
        self.assertEqual(self.conn_out("--all"), conns(
            ("camera", "foo:cam2", "-", "-"),
            ("camera", "foo:camera", ":camera", "manual"),
            ("content[cdata]", "cons:data", "prov:data", "manual"),
            ("content[nomatch]", "cons:other", "-", "-"),
            ("home", "foo:home", "-", "-"),
            ("network", "foo:network", ":network", "-"),
            ("serial-port", "-", "ports:ser2", "-"),
            ("serial-port", "foo:ser", "ports:ser1", "manual"),
        ))
        # the system by name: its slots, connected or not
        rows = []
        for name, (_, implicit) in sorted(catalogue().items()):
            if not implicit:
                continue
            if name == "camera":
                rows.append((name, "foo:camera", ":camera", "manual"))
            elif name == "network":
                rows.append((name, "foo:network", ":network", "-"))
            else:
                rows.append((name, "-", f":{name}", "-"))
        self.assertGreaterEqual(len(rows), 30)
        self.assertEqual(self.conn_out("system"), conns(*rows))
        self.assertEqual(self.fails("connections", "nosuch"), 'error: snap "nosuch" not found')
        self.assertEqual(self.fails("connections", "foo", "--all"),
                         "error: cannot use --all with snap name")

    def test_interfaces_view(self):
        self.world()
        cat = catalogue()
        rows = [("Slot", "Plug")]
        for name, (_, implicit) in sorted(cat.items()):
            if implicit:
                # the plug's name is left out where it equals the slot's
                rows.append((f":{name}", "foo" if name in ("camera", "network") else "-"))
        rows += [("ports:ser1", "foo:ser"), ("ports:ser2", "-"), ("prov:data", "cons"),
                 ("-", "cons:other"), ("-", "foo:cam2"), ("-", "foo:home")]
        self.assertEqual(self.cordon("interfaces").stdout, tab(*rows))
        self.assertEqual(self.cordon("interfaces", "foo").stdout, tab(
            ("Slot", "Plug"), (":camera", "foo"), (":network", "foo"),
            ("ports:ser1", "foo:ser"), ("-", "foo:cam2"), ("-", "foo:home")))
        self.assertEqual(self.cordon("interfaces", "ports").stdout, tab(
            ("Slot", "Plug"), ("ports:ser1", "foo:ser"), ("ports:ser2", "-")))

    def test_interface(self):
        self.world()
        cat = catalogue()
        # without a name: the interfaces with a connection; --all: every one
        self.assertEqual(self.cordon("interface").stdout, tab(
            ("Name", "Summary"),
            *[(n, cat[n][0]) for n in ("camera", "content", "network", "serial-port")]))
        self.assertEqual(self.cordon("interface", "--all").stdout, tab(
            ("Name", "Summary"), *[(n, s) for n, (s, _) in sorted(cat.items())]))
        self.assertEqual(self.cordon("interface", "camera").stdout,
                         "name:    camera\n"
                         f"summary: {cat['camera'][0]}\n"
                         "plugs:\n"
                         "  - foo\n"
                         "  - foo:cam2\n"
                         "slots:\n"
                         "  - system\n")
        self.assertEqual(self.cordon("interface", "serial-port").stdout,
                         "name:    serial-port\n"
                         f"summary: {cat['serial-port'][0]}\n"
                         "plugs:\n"
                         "  - foo:ser\n"
                         "slots:\n"
                         "  - ports:ser1\n"
                         "  - ports:ser2\n")
        self.assertEqual(self.cordon("interface", "content").stdout,
                         "name:    content\n"
                         f"summary: {cat['content'][0]}\n"
                         "plugs:\n"
                         "  - cons:data\n"
                         "  - cons:other\n"
                         "slots:\n"
                         "  - prov:data\n")
        self.assertEqual(self.cordon("interface", "x11").stdout,
                         f"name:    x11\nsummary: {cat['x11'][0]}\nslots:\n  - system\n")
        self.assertEqual(self.fails("interface", "nope"), "error: no such interface")

    def test_interface_nothing_connected(self):
        self.install_dir("noplugs", probe_yaml("noplugs"))
        self.assertEqual(self.fails("interface"), "error: no interfaces currently connected")
        self.assertIn("network", self.cordon("interface", "--all").stdout)


BIND = snap("bind", """
    plugs:
      network:
      nb:
        interface: network-bind
    hooks:
      configure:
    """, apps={"one": "plugs: [nb]\n", "two": "", "three": "plugs: [network-observe]\n"})
BIND_FILES = {"meta/hooks/configure": "#!/bin/sh\n"}


class BindingTests(ConnTestCase):
    """snapd's rule: a top-level plug named by no app goes to every app and
    hook; once an app names it, only the apps naming it get it; a plug
    declared under an app only is that app's."""

    def setUp(self):
        super().setUp()
        self.install_dir("bind", BIND, files=BIND_FILES)
        self.hook = "snap.bind.hook.configure"

    def test_unscoped_plug_reaches_every_app_and_hook(self):
        self.assertEqual(self.slot_of("bind", "network"), ":network")
        for app in ("one", "two", "three"):
            self.assertEqual(self.probe(f"bind.{app}", "socket", "inet", "stream"), "OK", app)
        self.assertIn("# interface network, bind:network to :network", self.profile(self.hook))
        self.cordon("disconnect", "bind:network")
        # (one keeps inet sockets through nb, network-bind)
        for app in ("two", "three"):
            self.assertEqual(self.probe(f"bind.{app}", "socket", "inet", "stream"), "EACCES", app)
        self.assertNotIn("# interface network,", self.profile(self.hook))

    def test_plug_named_by_an_app_is_that_apps_only(self):
        self.assertEqual(self.slot_of("bind", "nb"), ":network-bind")
        self.assertTrue(self.probe("bind.one", "tcp-bind", "127.0.0.1", "0").startswith("OK "))
        # two and three have network (unscoped) but not nb: no listening
        self.assertEqual(self.probe("bind.two", "tcp-bind", "127.0.0.1", "0"), "EACCES")
        self.assertEqual(self.probe("bind.three", "tcp-bind", "127.0.0.1", "0"), "EACCES")
        self.assertNotIn("interface network-bind", self.profile(self.hook))
        self.assertNotIn("interface network-bind", self.profile("snap.bind.two"))
        self.assertIn("# interface network-bind, bind:nb to :network-bind",
                      self.profile("snap.bind.one"))
        self.cordon("disconnect", "bind:nb")
        self.assertEqual(self.probe("bind.one", "tcp-bind", "127.0.0.1", "0"), "EACCES")

    def test_plug_declared_under_an_app(self):
        self.assertEqual(self.slot_of("bind", "network-observe"), "-")
        args = ("socket", "netlink", "raw", "sock_diag")
        self.assertEqual(self.probe("bind.three", *args), "EPERM")
        self.assertEqual(self.cordon("connect", "bind:network-observe").stdout, "")
        self.assertEqual(self.slot_of("bind", "network-observe"), ":network-observe")
        self.assertEqual(self.probe("bind.three", *args), "OK")
        self.assertEqual(self.probe("bind.one", *args), "EPERM")
        self.assertEqual(self.probe("bind.two", *args), "EPERM")
        self.assertNotIn("interface network-observe", self.profile(self.hook))


NET = snap("net", "plugs:\n  network:\n")


class RefreshMemoryTests(ConnTestCase):
    """A plug the admin disconnected stays disconnected after a refresh."""

    def setUp(self):
        super().setUp()
        self.dir = self.install_dir("net", NET)

    def refresh(self):
        self.assertEqual(self.cordon("install", "--dangerous", self.dir).stdout,
                         "net 1.0 refreshed\n")

    def sock(self):
        return self.probe("net", "socket", "inet", "stream")

    def test_disconnect_survives_refresh_until_forgotten(self):
        self.assertEqual(self.conn_out("net"), conns(("network", "net:network", ":network", "-")))
        self.assertEqual(self.sock(), "OK")
        self.assertEqual(self.cordon("disconnect", "net:network").stdout, "")
        self.assertEqual(self.conn_out("net"), conns(("network", "net:network", "-", "-")))
        self.assertEqual(self.sock(), "EACCES")
        self.refresh()
        self.assertEqual(self.probe("net", "env", "SNAP_REVISION"), "OK x2")
        self.assertEqual(self.conn_out("net"), conns(("network", "net:network", "-", "-")))
        self.assertEqual(self.sock(), "EACCES")
        # --forget: nothing connects now, the next refresh auto-connects
        self.assertEqual(self.cordon("disconnect", "--forget", "net:network").stdout, "")
        self.assertEqual(self.conn_out("net"), conns(("network", "net:network", "-", "-")))
        self.assertEqual(self.sock(), "EACCES")
        self.refresh()
        self.assertEqual(self.conn_out("net"), conns(("network", "net:network", ":network", "-")))
        self.assertEqual(self.sock(), "OK")

    def test_manual_connect_clears_the_memory(self):
        self.cordon("disconnect", "net:network")
        self.cordon("connect", "net:network")
        self.refresh()
        self.assertEqual(self.conn_out("net"),
                         conns(("network", "net:network", ":network", "manual")))
        self.assertEqual(self.sock(), "OK")
        # and a later disconnection is remembered again
        self.cordon("disconnect", "net:network")
        self.refresh()
        self.assertEqual(self.slot_of("net", "network"), "-")
        self.assertEqual(self.sock(), "EACCES")

    def test_disconnect_messages(self):
        self.cordon("disconnect", "net:network")
        p = self.cordon("disconnect", "net:network")
        self.assertEqual((p.stdout, p.stderr), ("No connections to disconnect\n", ""))
        state, policy = self.state(), self.policy()
        self.assertEqual(self.fails("disconnect", "net:network", ":network"),
                         "error: cannot disconnect net:network from system:network, "
                         "it is not connected")
        self.assertEqual(self.fails("disconnect", "net:network", "ghost:slot"),
                         'error: snap "ghost" has no slot named "slot"')
        self.assertEqual(self.fails("disconnect", "net:network", ":nope"),
                         'error: snap "system" has no slot named "nope"')
        self.assertEqual(self.fails("disconnect", "net:nope"),
                         'error: snap "net" has no plug or slot named "nope"')
        self.assertEqual(self.fails("disconnect", "ghost:network"),
                         'error: snap "ghost" is not installed')
        self.assert_unchanged(state, policy)
        # the control: the two-argument form on a real connection
        self.cordon("connect", "net:network")
        self.assertEqual(self.cordon("disconnect", "net:network", ":network").stdout, "")
        self.assertEqual(self.slot_of("net", "network"), "-")


class ConnectResolutionTests(ConnTestCase):
    """snapd's resolution of the omitted parts of `connect`."""

    def setUp(self):
        super().setUp()
        self.install_dir("foo", FOO)

    def test_plug_alone_takes_the_system_slot(self):
        self.assertEqual(self.cordon("connect", "foo:camera").stdout, "")
        self.assertEqual(self.slot_of("foo", "camera"), ":camera")

    def test_system_slot_by_name(self):
        self.cordon("connect", "foo:camera", ":camera")
        self.assertEqual(self.slot_of("foo", "camera"), ":camera")
        self.cordon("connect", "foo:cam2", "system:camera")
        self.assertEqual(self.slot_of("foo", "cam2"), ":camera")
        self.cordon("disconnect", "foo:cam2")
        self.cordon("connect", "foo:cam2", "system")
        self.assertEqual(self.slot_of("foo", "cam2"), ":camera")

    def test_snap_alone_takes_its_only_slot_of_the_interface(self):
        self.install_dir("gadget", snap("gadget", """
            slots:
              tty:
                interface: serial-port
                path: /dev/ttyUSB72
              other:
                interface: content
                content: x
                read: [$SNAP/meta]
            """))
        self.cordon("connect", "foo:ser", "gadget")
        self.assertEqual(self.slot_of("foo", "ser"), "gadget:tty")
        # the snap has no network slot
        self.assertEqual(self.fails("connect", "foo:network", "gadget"),
                         'error: snap "gadget" has no "network" interface slots')

    def test_ambiguity(self):
        state, policy = self.state(), self.policy()
        self.assertEqual(self.fails("connect", "foo:ser"),
                         'error: no "serial-port" slot to connect foo:ser to')
        self.install_dir("ports", PORTS)
        state, policy = self.state(), self.policy()
        self.assertEqual(self.fails("connect", "foo:ser", "ports"),
                         'error: snap "ports" has multiple "serial-port" interface slots: '
                         'ser1, ser2')
        self.install_dir("ports2", PORTS.replace("ports", "ports2").replace("USB7", "USB8"))
        state, policy = self.state(), self.policy()
        self.assertEqual(self.fails("connect", "foo:ser"),
                         'error: more than one "serial-port" slot could take foo:ser; name one')
        self.assert_unchanged(state, policy)
        # naming one resolves it
        self.cordon("connect", "foo:ser", "ports2:ser2")
        self.assertEqual(self.slot_of("foo", "ser"), "ports2:ser2")

    def test_content_plug_alone_takes_the_matching_slot(self):
        self.install_dir("prov", PROV, files=PROV_FILES)
        self.install_dir("other", snap("other", """
            slots:
              data:
                interface: content
                content: not-cdata
                read: [$SNAP/meta]
            """))
        self.install_dir("cons", CONS)
        self.cordon("disconnect", "cons:data")
        self.assertEqual(self.slot_of("cons", "data"), "-")
        self.cordon("connect", "cons:data")
        self.assertEqual(self.slot_of("cons", "data"), "prov:data")
        # a slot of other content is refused, by name too (snapd's base
        # declaration: content: $SLOT(content))
        state, policy = self.state(), self.policy()
        self.assertEqual(self.fails("connect", "cons:data", "other:data"),
                         'error: cannot connect cons:data to other:data: content "cdata" '
                         'does not match the slot\'s content "not-cdata"')
        self.assertEqual(self.fails("connect", "cons:other"),
                         'error: no "content" slot to connect cons:other to')
        self.assert_unchanged(state, policy)


class BadInputTests(ConnTestCase):
    """Each refused with one `error:` line, exit status != 0, state and every
    compiled policy file as before."""

    def setUp(self):
        super().setUp()
        self.install_dir("ports", PORTS)
        self.install_dir("bad", snap("bad", """
            plugs:
              bogus:
                interface: no-such-iface
              cam:
                interface: camera
              ser:
                interface: serial-port
            """))
        self.before = (self.state(), self.policy())

    def unchanged(self):
        self.assert_unchanged(*self.before)

    def test_connect_refusals(self):
        cases = [
            (["bad:bogus"], 'plug "bogus" of snap "bad" uses unknown interface "no-such-iface"'),
            (["bad:nope"], 'snap "bad" has no plug named "nope"'),
            (["bad:cam", ":nope"], 'snap "system" has no slot named "nope"'),
            (["bad:ser", "ports:nope"], 'snap "ports" has no slot named "nope"'),
            (["bad:cam", "ports:ser1"],
             'cannot connect bad:cam ("camera" interface) to ports:ser1 ("serial-port" '
             'interface)'),
            (["bad:cam", ":network"],
             'cannot connect bad:cam ("camera" interface) to :network ("network" interface)'),
            (["ghost:network"], 'snap "ghost" is not installed'),
            (["bad:ser", "ghost:ser1"], 'snap "ghost" is not installed'),
            (["bad"], 'expected SNAP:NAME, got "bad"'),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                self.assertEqual(self.fails("connect", *args), "error: " + msg)
                self.unchanged()
        # the control: a good connect does change both
        self.cordon("connect", "bad:cam")
        self.assertNotEqual(self.state(), self.before[0])

    def test_attributes_checked_at_install(self):
        cases = {
            "pf-nolist": ("""
                plugs:
                  pf:
                    interface: personal-files
                    read: /not/a/list
                """, 'plug "pf" of snap "pf-nolist": attribute "read" must be a list of paths '
                     'starting with $HOME/, without pattern characters'),
            "pf-outside": ("""
                plugs:
                  pf:
                    interface: personal-files
                    read: [/etc/shadow]
                """, 'plug "pf" of snap "pf-outside": attribute "read" must be a list of paths '
                     'starting with $HOME/, without pattern characters'),
            "ct-abs": ("""
                plugs:
                  c:
                    interface: content
                    target: /etc/evil
                """, 'plug "c" of snap "ct-abs": attribute "target" must be a path inside the '
                     'snap (relative, or under $SNAP, $SNAP_DATA or $SNAP_COMMON)'),
            "ct-dotdot": ("""
                plugs:
                  c:
                    interface: content
                    target: $SNAP_DATA/../../../etc
                """, 'plug "c" of snap "ct-dotdot": attribute "target" must be a path inside '
                     'the snap (relative, or under $SNAP, $SNAP_DATA or $SNAP_COMMON)'),
            "sp-mem": ("""
                slots:
                  s:
                    interface: serial-port
                    path: /dev/mem
                """, 'slot "s" of snap "sp-mem": attribute "path" must be an absolute path '
                     'without pattern characters matching '
                     '^/dev/tty(mxc|USB|ACM|AMA|XRUSB|S|O|MFD|SC)[0-9]+$'),
        }
        for name, (body, msg) in cases.items():
            with self.subTest(snap=name):
                d = self.s.make_snap(name, snap(name, body))
                self.assertEqual(self.fails("install", "--dangerous", d),
                                 f'error: cannot install "{d}": {msg}')
                self.unchanged()
                self.assertFalse(os.path.exists(self.path("snap", name)))
                self.assertEqual(self.pending(), [])
        # the control: well-formed values install
        d = self.s.make_snap("pf-good", snap("pf-good", """
            plugs:
              pf:
                interface: personal-files
                read: [$HOME/.config/pf-good]
            """))
        self.cordon("install", "--dangerous", d)

    def test_site_definition_with_a_syntax_error(self):
        site = self.path("etc/cordon/interfaces")
        os.makedirs(site)
        bad = os.path.join(site, "broken.yaml")
        with open(bad, "w") as f:
            f.write("name: broken\nsummary: [oops\n")
        where = f"error: interface catalogue: {bad}:3:1: invalid YAML"
        for args in (["interfaces"], ["interface"], ["interface", "camera"],
                     ["connections", "system"], ["connect", "bad:cam"],
                     ["disconnect", "bad:cam"]):
            with self.subTest(args=args):
                self.assertTrue(self.fails(*args).startswith(where))
                self.unchanged()
        # install (a refresh) too; its journal waits for a good catalogue
        err = self.fails("install", "--dangerous", self.s.work + "/bad")
        self.assertIn(f"{bad}:3:1: invalid YAML", err)
        self.unchanged()
        os.unlink(bad)
        # the control: the same commands work again, nothing was installed
        self.assertIn(":camera", self.cordon("interfaces").stdout)
        self.cordon("connect", "bad:cam")
        self.assertEqual(self.slot_of("bad", "cam"), ":camera")
        self.assertEqual(self.pending(), [])
        self.assertEqual(os.readlink(self.path("snap/bad/current")), "x1")
        self.assertFalse(os.path.exists(self.path("snap/bad/x2")))

    def test_site_definition_cannot_replace_a_shipped_one(self):
        site = self.path("etc/cordon/interfaces")
        os.makedirs(site)
        with open(os.path.join(SRC, "data/interfaces/camera.yaml")) as f:
            text = f.read()
        with open(os.path.join(site, "camera.yaml"), "w") as f:
            f.write(text.replace("devices:", "devices:\n    - /dev/mem"))
        self.assertEqual(self.fails("connect", "bad:cam"),
                         f"error: interface catalogue: {site}/camera.yaml: interface \"camera\" "
                         "is already defined; a site file may add interfaces, not replace them")
        self.unchanged()
        os.unlink(os.path.join(site, "camera.yaml"))
        # the control: a site file adding an interface is used
        secret = os.path.join(self.s.work, "site-secret")
        with open(secret, "w") as f:
            f.write("x\n")
        with open(os.path.join(site, "site-thing.yaml"), "w") as f:
            f.write("name: site-thing\nsummary: a site interface\nauto-connect: false\n"
                    f"privileged: false\nimplicit-slot: true\nplug:\n  files: [\"r {secret}\"]\n")
        self.install_dir("user", snap("user", "plugs:\n  site-thing:\n"))
        self.assertEqual(self.probe("user", "read", secret), "EACCES")
        self.cordon("connect", "user:site-thing")
        self.assertEqual(self.probe("user", "read", secret), "OK")


class PrivilegedTests(ConnTestCase):
    def test_system_files_needs_dangerous_and_a_manual_connect(self):
        target = os.path.join(self.s.work, "sysfile")
        with open(target, "w") as f:
            f.write("x\n")
        yaml = snap("sf", f"plugs:\n  files:\n    interface: system-files\n    read: [{target}]\n")
        d = self.s.make_snap("sf", yaml)
        self.assertEqual(self.fails("install", d),
                         f'error: cannot install "{d}": plug "files" uses the privileged '
                         '"system-files" interface; installing it needs --dangerous')
        self.assertEqual(self.s.installed(), [])
        # the control: an unprivileged snap installs without --dangerous
        self.cordon("install", self.s.make_snap("plain", NET.replace("net", "plain")))
        self.cordon("install", "--dangerous", d)
        self.assertEqual(self.conn_out("sf"), conns(("system-files", "sf:files", "-", "-")))
        self.assertEqual(self.probe("sf", "read", target), "EACCES")
        # never auto-connected, a refresh included
        self.cordon("install", "--dangerous", d)
        self.assertEqual(self.slot_of("sf", "files"), "-")
        self.cordon("connect", "sf:files")
        self.assertEqual(self.conn_out("sf"),
                         conns(("system-files", "sf:files", ":system-files", "manual")))
        self.assertEqual(self.probe("sf", "read", target), "OK")


class RecompileTests(ConnTestCase):
    """Connecting rewrites only the compiled files of the labels it affects."""

    def test_connect_rewrites_only_the_bound_labels(self):
        self.install_dir("cam", snap("cam", """
            plugs:
              all-cam:
                interface: camera
            hooks:
              configure:
            """, apps={"one": "plugs: [camera]\n", "two": ""}),
            files=BIND_FILES)
        self.install_dir("other", NET.replace("net", "other"))
        labels = ["snap.cam.one"]
        for step in (["connect", "cam:camera"], ["disconnect", "cam:camera"]):
            before = self.policy()
            self.cordon(*step)
            self.assertEqual(self.rewritten(before, self.policy()),
                             [f"{d}/{l}" for d in ("apparmor", "policy") for l in labels], step)
        # a plug named by no app: every app and hook of the snap, no more
        labels = ["snap.cam.hook.configure", "snap.cam.one", "snap.cam.two"]
        before = self.policy()
        self.cordon("connect", "cam:all-cam")
        self.assertEqual(self.rewritten(before, self.policy()),
                         [f"{d}/{l}" for d in ("apparmor", "policy") for l in labels])

    def test_content_connect_rewrites_every_label_of_the_plug_snap(self):
        self.install_dir("prov", PROV, files=PROV_FILES)
        self.install_dir("cons", snap("cons", """
            plugs:
              data:
                interface: content
                content: cdata
                target: $SNAP_DATA/target
            hooks:
              configure:
            """, apps={"one": "plugs: [data]\n", "two": ""}), files=BIND_FILES)
        self.install_dir("other", NET.replace("net", "other"))
        self.cordon("disconnect", "cons:data")
        before = self.policy()
        self.cordon("connect", "cons:data")
        after = self.policy()
        changed = self.rewritten(before, after)
        for label in ("snap.cons.one", "snap.cons.two", "snap.cons.hook.configure"):
            self.assertIn(f"policy/{label}", changed)
            # not only rewritten: another namespace stamp
            self.assertNotEqual(before[f"policy/{label}"][2], after[f"policy/{label}"][2])
        self.assertEqual([c for c in changed if ".other." in c], [])


class AtomicityTests(ConnTestCase):
    def wait_script(self, app, flag, then):
        """Start `app` running sh: wait for $SNAP_COMMON/<flag> (made from
        outside), then run the probe with `then`. Returns the process, once
        the sandboxed shell is running."""
        script = (f'while [ ! -e "$SNAP_COMMON/{flag}" ]; do sleep 0.05; done; '
                  f'exec "$SNAP/bin/probe" {then}')
        p = self.spawn_probe(app, "exec", "/bin/sh", "-c", script)
        wait_until(lambda: sandboxed_shell(p.pid), what="the shell inside the sandbox")
        return p

    def go(self, snap, flag):
        open(self.path("var/snap", snap, "common", flag), "w").close()

    def test_running_command_keeps_its_policy(self):
        self.install_dir("net", NET)
        self.cordon("disconnect", "net:network")
        old = self.wait_script("net", "go1", "socket inet stream")
        self.cordon("connect", "net:network")
        self.go("net", "go1")
        self.assertEqual(old.communicate(timeout=60)[0].strip(), "EACCES")
        self.assertEqual(self.probe("net", "socket", "inet", "stream"), "OK")
        # and the other way
        old = self.wait_script("net", "go2", "socket inet stream")
        self.cordon("disconnect", "net:network")
        self.go("net", "go2")
        self.assertEqual(old.communicate(timeout=60)[0].strip(), "OK")
        self.assertEqual(self.probe("net", "socket", "inet", "stream"), "EACCES")

    def killed(self, *args):
        p = self.cordon(*args, check=False, env={"CORDON_FAULT": args[0] + "-compile"})
        self.assertEqual(p.returncode, -9, p.stderr)

    def test_killed_connect_or_disconnect_leaves_the_old_set(self):
        self.install_dir("net", NET)
        self.cordon("disconnect", "net:network")
        before = self.policy()
        self.killed("connect", "net:network")
        # the next command (even a read-only one) finds the old set, and
        # the policy matches it: launches are still denied
        self.assertEqual(self.conn_out("net"), conns(("network", "net:network", "-", "-")))
        self.assertEqual(self.pending(), [])
        self.assertEqual({k: v[2] for k, v in self.policy().items()},
                         {k: v[2] for k, v in before.items()})
        self.assertEqual(self.probe("net", "socket", "inet", "stream"), "EACCES")
        # the control: not killed, the connect works
        self.cordon("connect", "net:network")
        self.assertEqual(self.probe("net", "socket", "inet", "stream"), "OK")
        before = self.policy()
        self.killed("disconnect", "net:network")
        self.assertEqual(self.conn_out("net"),
                         conns(("network", "net:network", ":network", "manual")))
        self.assertEqual({k: v[2] for k, v in self.policy().items()},
                         {k: v[2] for k, v in before.items()})
        self.assertEqual(self.probe("net", "socket", "inet", "stream"), "OK")
        self.cordon("disconnect", "net:network")
        self.assertEqual(self.probe("net", "socket", "inet", "stream"), "EACCES")

    def test_killed_content_connect(self):
        self.install_dir("prov", PROV, files=PROV_FILES)
        self.install_dir("cons", CONS)
        target = self.path("var/snap/cons/x1/target")
        self.cordon("disconnect", "cons:data")
        self.assertEqual(self.probe("cons", "read", f"{target}/f.txt"), "ENOENT")
        before = self.policy()
        self.killed("connect", "cons:data")
        self.assertEqual(self.slot_of("cons", "data"), "-")
        self.assertEqual({k: v[2] for k, v in self.policy().items()},
                         {k: v[2] for k, v in before.items()})
        self.assertEqual(self.probe("cons", "read", f"{target}/f.txt"), "ENOENT")
        self.cordon("connect", "cons:data")
        self.assertEqual(self.probe("cons", "read", f"{target}/f.txt"), "OK")

    # The install transaction recompiles the other snaps it auto-connects;
    # they are journaled before it (store.c), so a kill inside it is
    # followed by recompiling them from the old state.
    def test_killed_install_of_a_slot_snap(self):
        # install may auto-connect a waiting plug of another snap and
        # recompile it inside the install transaction: killed there, that
        # snap must be left with the policy of the old connection set.
        # (content no longer auto-connects between two snaps, so here the
        # install leaves cons alone; no shipped interface auto-connects to
        # another snap's slot any more)
        self.install_dir("cons", CONS)
        self.assertEqual(self.probe("cons", "ls", "/tmp"), "OK")
        before = self.policy()
        d = self.s.make_snap("prov", PROV, files=PROV_FILES)
        p = self.cordon("install", "--dangerous", d, check=False,
                        env={"CORDON_FAULT": "install-compile"})
        self.assertEqual(p.returncode, -9, p.stderr)
        self.assertEqual(self.conn_out("cons"), conns(
            ("content[cdata]", "cons:data", "-", "-"),
            ("content[nomatch]", "cons:other", "-", "-")))
        self.assertEqual({k: v[2] for k, v in self.policy().items()},
                         {k: v[2] for k, v in before.items()})
        self.assertEqual(self.probe("cons", "ls", "/tmp"), "OK")

    def test_killed_remove_of_a_slot_snap(self):
        # remove recompiles the plug snaps connected to the removed snap's
        # slots inside its transaction: killed there, nothing was removed
        # and the plug snap keeps the policy of its connection
        self.install_dir("cons", CONS)
        d = self.s.make_snap("prov", PROV, files=PROV_FILES)
        self.cordon("install", "--dangerous", d)
        self.cordon("connect", "cons:data")
        target = self.path("var/snap/cons/x1/target")
        self.assertEqual(self.probe("cons", "read", f"{target}/f.txt"), "OK")
        before = self.policy()
        p = self.cordon("remove", "prov", check=False, env={"CORDON_FAULT": "remove-compile"})
        self.assertEqual(p.returncode, -9, p.stderr)
        self.assertIn(["content[cdata]", "cons:data", "prov:data", "manual"],
                      [l.split() for l in self.conn_out("cons").splitlines()])
        self.assertEqual({k: v[2] for k, v in self.policy().items()},
                         {k: v[2] for k, v in before.items()})
        self.assertEqual(self.probe("cons", "read", f"{target}/f.txt"), "OK")
        # and a remove that completes takes the grant away
        self.cordon("remove", "prov")
        self.assertEqual(self.probe("cons", "read", f"{target}/f.txt"), "ENOENT")


    def test_remove_of_a_plug_snap_takes_back_its_slot_side(self):
        # A connection's slot side is part of the slot snap's policy (here
        # audio-playback's: capabilities, devices, the sound server's
        # sockets). When the plug snap goes, so does the connection, and
        # the slot snap is recompiled in the remove transaction: its policy
        # is what it was before the connection, byte for byte.
        srv = snap("srv", """
            slots:
              sound:
                interface: audio-playback
            """)
        self.install_dir("srv", srv)
        self.install_dir("cli", snap("cli", """
            plugs:
              audio-playback:
            """))
        srv_files = lambda p: {k: v[2] for k, v in p.items() if ".srv." in k}
        before = srv_files(self.policy())
        self.cordon("connect", "cli:audio-playback", "srv:sound")
        self.assertIn(["audio-playback", "cli:audio-playback", "srv:sound", "manual"],
                      [l.split() for l in self.conn_out("srv").splitlines()])
        connected = srv_files(self.policy())
        self.assertNotEqual(connected, before, "the connection grants the slot snap nothing?")
        self.assertIn("interface audio-playback, cli:audio-playback to srv:sound",
                      self.profile("snap.srv.srv"))
        self.cordon("remove", "cli")
        self.assertEqual(self.conn_out("srv"), conns(("audio-playback", "-", "srv:sound", "-")))
        self.assertEqual(srv_files(self.policy()), before)
        self.assertNotIn("cli:audio-playback", self.profile("snap.srv.srv"))


class ContentTests(ConnTestCase):
    def setUp(self):
        super().setUp()
        self.target = self.path("var/snap/cons/x1/target")
        self.rw = self.path("var/snap/prov/x1/rw")

    def ns_mounted(self, snap):
        return top_mount(mountinfo(), self.path("run/cordon/ns", f"{snap}.mnt")) is not None

    def assert_connected_view(self):
        self.assertEqual(self.probe_lines("cons", "ls", self.target), ["OK", "f.txt"])
        self.assertEqual(self.probe("cons", "read", f"{self.target}/f.txt"), "OK")
        self.assertEqual(self.probe("cons", "write", f"{self.target}/f.txt", "x"), "EROFS")
        # read and write on one target: the second is TARGET-2, as in snapd
        self.assertEqual(self.probe("cons", "create", f"{self.target}-2/from-plug"), "OK")
        self.assertTrue(os.path.exists(os.path.join(self.rw, "from-plug")))
        os.unlink(os.path.join(self.rw, "from-plug"))

    def assert_disconnected_view(self):
        self.assertEqual(self.probe("cons", "read", f"{self.target}/f.txt"), "ENOENT")
        self.assertEqual(self.probe("cons", "read",
                                    self.path("snap/prov/x1/shared/f.txt")), "EACCES")
        # no mount at the target in a new command's view
        view = self.probe_lines("cons", "mountinfo")
        self.assertEqual(view[0], "OK")
        self.assertEqual([l for l in view if self.target in l], [])

    def test_connect_by_content_value(self):
        self.install_dir("prov", PROV, files=PROV_FILES)
        self.install_dir("cons", CONS)
        self.install_dir("stranger", snap("stranger", """
            plugs:
              data:
                interface: content
                content: something-else
                target: $SNAP_DATA/target
            """))
        # two snaps: the admin connects them (ContentPartyTests)
        self.assertEqual(self.slot_of("cons", "data"), "-")
        self.assertEqual(self.probe("cons", "read", f"{self.target}/f.txt"), "ENOENT")
        self.cordon("connect", "cons:data")
        self.assertEqual(self.slot_of("cons", "data"), "prov:data")
        self.assertEqual(self.slot_of("stranger", "data"), "-")
        self.assert_connected_view()
        self.assertEqual(self.probe("stranger", "read",
                                    self.path("var/snap/stranger/x1/target/f.txt")), "ENOENT")
        self.cordon("disconnect", "cons:data")
        self.assert_disconnected_view()

    def test_connect_when_the_slot_comes_later(self):
        self.install_dir("cons", CONS)
        self.assertEqual(self.slot_of("cons", "data"), "-")
        self.assertEqual(self.probe("cons", "read", f"{self.target}/f.txt"), "ENOENT")
        self.install_dir("prov", PROV, files=PROV_FILES)
        # not auto-connected by the slot's arrival either
        self.assertEqual(self.slot_of("cons", "data"), "-")
        self.assertEqual(self.probe("cons", "read", f"{self.target}/f.txt"), "ENOENT")
        self.cordon("connect", "cons:data")
        self.assertEqual(self.slot_of("cons", "data"), "prov:data")
        self.assert_connected_view()
        # removing the slot snap disconnects it
        self.cordon("remove", "prov")
        self.assertEqual(self.slot_of("cons", "data"), "-")
        self.assertEqual(self.probe("cons", "read", f"{self.target}/f.txt"), "ENOENT")

    def test_live_namespace_update(self):
        self.install_dir("prov", PROV, files=PROV_FILES)
        self.install_dir("cons", CONS)
        self.cordon("disconnect", "cons:data")
        # a command of the plug snap runs through connect and disconnect
        script = ('while [ ! -e "$SNAP_COMMON/go1" ]; do sleep 0.05; done; '
                  '"$SNAP/bin/probe" ls "$SNAP_DATA/target"; echo --; '
                  'while [ ! -e "$SNAP_COMMON/go2" ]; do sleep 0.05; done; '
                  'exec "$SNAP/bin/probe" ls "$SNAP_DATA/target"')
        p = self.spawn_probe("cons", "exec", "/bin/sh", "-c", script)
        wait_until(lambda: sandboxed_shell(p.pid), what="the shell inside the sandbox")
        self.assertTrue(self.ns_mounted("cons"))
        self.assertIsNone(top_mount(mountinfo(p.pid), self.target))
        self.cordon("connect", "cons:data")
        # seen from outside, in the running command's namespace
        m = top_mount(mountinfo(p.pid), self.target)
        self.assertIsNotNone(m)
        self.assertTrue(m["root"].endswith("/prov/shared"), m)
        self.assertIsNotNone(top_mount(mountinfo(p.pid), self.target + "-2"))
        # and by a new command
        self.assertEqual(self.probe_lines("cons", "ls", self.target), ["OK", "f.txt"])
        open(self.path("var/snap/cons/common/go1"), "w").close()
        # the running command itself lists the content
        seen = []
        while not seen or seen[-1] not in ("--\n", ""):
            seen.append(p.stdout.readline())
        self.assertEqual(seen, ["OK\n", "f.txt\n", "--\n"])
        self.cordon("disconnect", "cons:data")
        wait_until(lambda: top_mount(mountinfo(p.pid), self.target) is None,
                   what="the mount gone from the running command")
        self.assertIsNone(top_mount(mountinfo(p.pid), self.target + "-2"))
        self.assertEqual(self.probe_lines("cons", "ls", self.target), ["OK"])
        open(self.path("var/snap/cons/common/go2"), "w").close()
        # and nothing after the disconnect
        self.assertEqual(p.communicate(timeout=60)[0], "OK\n")
        # nothing runs now: a change discards the preserved namespace...
        self.assertTrue(self.ns_mounted("cons"))
        self.cordon("connect", "cons:data")
        self.assertFalse(self.ns_mounted("cons"))
        # ... and the next launch builds it again, with the mount
        self.assertEqual(self.probe_lines("cons", "ls", self.target), ["OK", "f.txt"])
        self.assertTrue(self.ns_mounted("cons"))
        self.cordon("disconnect", "cons:data")
        self.assertFalse(self.ns_mounted("cons"))
        self.assertEqual(self.probe_lines("cons", "ls", self.target), ["OK"])


# Another author's snap plugging cons's content tag and naming prov as its
# default-provider: everything a plug's author can write to ask for prov's
# data (camera: a plug whose connect recompiles its apps, see
# test_legacy_auto_connection_dropped_at_refresh).
STRANGER = snap("stranger", """
    plugs:
      data:
        interface: content
        content: cdata
        target: $SNAP_DATA/target
        default-provider: prov
      camera:
    """)

# A plug and a slot of the same tag in one snap.yaml: the pair cordon knows
# to be one party, auto-connected.
SELFIE = snap("selfie", """
    plugs:
      data:
        interface: content
        content: cdata
        target: $SNAP_DATA/target
    slots:
      shared:
        interface: content
        content: cdata
        read: [$SNAP/shared]
        write: [$SNAP_COMMON/rw]
    """)
SELFIE_FILES = {"shared/f.txt": ("selfie\n", 0o644)}


class ContentPartyTests(ConnTestCase):
    """content auto-connects only a plug and a slot of one snap; a stranger
    plugging another snap's content tag (even naming it as default-provider)
    stays unconnected until the admin connects it, whatever the install
    order, across refreshes of either end (data/interfaces/content.yaml)."""

    SECRET = "prov's credentials\n"

    def install_prov(self):
        d = self.install_dir("prov", PROV, files=PROV_FILES)
        os.makedirs(self.path("var/snap/prov/x1/rw"))
        with open(self.path("var/snap/prov/x1/rw/creds"), "w") as f:
            f.write(self.SECRET)
        return d

    def refresh(self, name, d):
        self.assertEqual(self.cordon("install", "--dangerous", d).stdout,
                         f"{name} 1.0 refreshed\n")

    def creds(self, prov_rev):
        return self.path("var/snap/prov", prov_rev, "rw/creds")

    def assert_stranger_out(self, rev="x1", prov_rev="x1", fresh=True):
        """stranger:data unconnected: nothing of prov's at its target, and
        prov's directories closed by their own paths; prov's credentials
        intact."""
        self.assertEqual(self.conn_out("stranger"), conns(
            ("camera", "stranger:camera", "-", "-"),
            ("content[cdata]", "stranger:data", "-", "-")))
        self.assertEqual(self.conn_out("prov"), conns(("content[cdata]", "-", "prov:data", "-")))
        t = self.path("var/snap/stranger", rev, "target")
        self.assertEqual(self.probe("stranger", "read", f"{t}/f.txt"), "ENOENT")
        self.assertEqual(self.probe("stranger", "read", f"{t}-2/creds"), "ENOENT")
        self.assertEqual(self.probe("stranger", "write", f"{t}-2/creds", "pwned"), "ENOENT")
        if fresh:  # (never mounted: not even the mount point exists)
            self.assertEqual(self.probe("stranger", "create", f"{t}-2/planted"), "ENOENT")
        creds = self.creds(prov_rev)
        self.assertEqual(self.probe("stranger", "read",
                                    self.path("snap/prov", prov_rev, "shared/f.txt")), "EACCES")
        self.assertEqual(self.probe("stranger", "read", creds), "EACCES")
        self.assertEqual(self.probe("stranger", "write", creds, "pwned"), "EACCES")
        with open(creds) as f:
            self.assertEqual(f.read(), self.SECRET)

    def assert_stranger_in(self, rev="x1", prov_rev="x1"):
        """The control: connected (by the admin), the same probes reach
        prov's content and credentials, through the target."""
        self.assertEqual(self.slot_of("stranger", "data"), "prov:data")
        t = self.path("var/snap/stranger", rev, "target")
        self.assertEqual(self.probe_lines("stranger", "cat", f"{t}/f.txt"), ["OK", "shared"])
        self.assertEqual(self.probe_lines("stranger", "cat", f"{t}-2/creds"),
                         ["OK", self.SECRET.rstrip()])
        self.assertEqual(self.probe("stranger", "write", f"{t}-2/creds", "rewritten\n"), "OK")
        creds = self.creds(prov_rev)
        with open(creds) as f:
            self.assertEqual(f.read(), "rewritten\n")
        with open(creds, "w") as f:
            f.write(self.SECRET)

    def test_stranger_not_auto_connected_provider_first(self):
        self.install_prov()
        self.install_dir("stranger", STRANGER)
        self.assert_stranger_out()
        self.cordon("connect", "stranger:data", "prov:data")
        self.assertEqual(self.conn_out("stranger"), conns(
            ("camera", "stranger:camera", "-", "-"),
            ("content[cdata]", "stranger:data", "prov:data", "manual")))
        self.assert_stranger_in()

    def test_stranger_not_auto_connected_consumer_first(self):
        self.install_dir("stranger", STRANGER)
        self.install_prov()
        self.assert_stranger_out()
        # `connect` without a slot: the admin takes the only matching one
        self.cordon("connect", "stranger:data")
        self.assert_stranger_in()

    def test_refresh_connects_no_stranger_and_keeps_the_admins_connection(self):
        prov = self.install_prov()
        stranger = self.install_dir("stranger", STRANGER)
        # a refresh of either end does not connect it either
        self.refresh("prov", prov)
        self.assert_stranger_out(prov_rev="x2")
        self.refresh("stranger", stranger)
        self.assert_stranger_out(rev="x2", prov_rev="x2")
        # the admin's connection survives refreshes of either end
        self.cordon("connect", "stranger:data", "prov:data")
        self.assert_stranger_in(rev="x2", prov_rev="x2")
        self.refresh("prov", prov)
        self.assertEqual(self.probe("prov", "env", "SNAP_REVISION"), "OK x3")
        # (and follows prov's new revision: the write lands in x3's file,
        # not in x2's, kept for revert)
        self.assert_stranger_in(rev="x2", prov_rev="x3")
        self.refresh("stranger", stranger)
        self.assertEqual(self.probe("stranger", "env", "SNAP_REVISION"), "OK x3")
        self.assert_stranger_in(rev="x3", prov_rev="x3")
        self.assertEqual(self.conn_out("prov"), conns(
            ("content[cdata]", "stranger:data", "prov:data", "manual")))
        # and once the admin disconnects it, a refresh leaves it so
        self.cordon("disconnect", "stranger:data")
        self.refresh("prov", prov)
        self.refresh("stranger", stranger)
        self.assert_stranger_out(rev="x4", prov_rev="x4", fresh=False)

    def legacy_auto_connection(self):
        """The row a cordon from before the party rule wrote when it
        auto-connected stranger:data to prov:data."""
        db = sqlite3.connect(self.path("var/lib/cordon/state.db"))
        try:
            with db:
                db.execute("INSERT INTO connections(plug_snap, plug, slot_snap, slot, "
                           "interface, manual, undesired) "
                           "VALUES('stranger', 'data', 'prov', 'data', 'content', 0, 0)")
        finally:
            db.close()
        # its policy, compiled as that cordon compiled it: connecting
        # another plug recompiles every app of the snap from the state
        self.cordon("connect", "stranger:camera")
        self.cordon("disconnect", "--forget", "stranger:camera")

    def test_legacy_auto_connection_dropped_at_refresh(self):
        prov = self.install_prov()
        stranger = self.install_dir("stranger", STRANGER)
        self.legacy_auto_connection()
        # the control: such a row did hand stranger prov's data
        self.assert_stranger_in()
        # the refresh of the slot snap drops it...
        self.refresh("prov", prov)
        self.assert_stranger_out(prov_rev="x2", fresh=False)
        # ... and so does the refresh of the plug snap
        self.legacy_auto_connection()
        self.assert_stranger_in(prov_rev="x2")
        self.refresh("stranger", stranger)
        self.assert_stranger_out(rev="x2", prov_rev="x2", fresh=False)

    def test_own_plug_and_slot_auto_connect(self):
        # prov offers the same tag; stranger plugs it
        self.install_prov()
        self.install_dir("stranger", STRANGER)
        self.install_dir("selfie", SELFIE, files=SELFIE_FILES)
        # selfie's plug takes its own slot: prov's slot is no candidate (it
        # does not make the plug ambiguous), and selfie's slot is no
        # candidate for stranger
        self.assertEqual(self.conn_out("selfie"), conns(
            ("content[cdata]", "selfie:data", "selfie:shared", "-")))
        self.assertEqual(self.slot_of("stranger", "data"), "-")
        self.assertEqual(self.conn_out("prov"), conns(("content[cdata]", "-", "prov:data", "-")))
        t = self.path("var/snap/selfie/x1/target")
        self.assertEqual(self.probe_lines("selfie", "cat", f"{t}/f.txt"), ["OK", "selfie"])
        self.assertEqual(self.probe("selfie", "create", f"{t}-2/own"), "OK")
        self.assertTrue(os.path.exists(self.path("var/snap/selfie/common/rw/own")))
        self.assertEqual(self.probe("stranger", "read",
                                    self.path("var/snap/stranger/x1/target/f.txt")), "ENOENT")
        # a refresh keeps it, and the admin's disconnection is remembered
        selfie = os.path.join(self.s.work, "selfie")
        self.refresh("selfie", selfie)
        t = self.path("var/snap/selfie/x2/target")
        self.assertEqual(self.probe_lines("selfie", "cat", f"{t}/f.txt"), ["OK", "selfie"])
        self.cordon("disconnect", "selfie:data")
        self.assertEqual(self.probe("selfie", "read", f"{t}/f.txt"), "ENOENT")
        self.refresh("selfie", selfie)
        self.assertEqual(self.slot_of("selfie", "data"), "-")
        # the other order: stranger installed first, and selfie's slot the
        # only one of the tag (prov removed): still only selfie's own plug
        self.cordon("remove", "selfie")
        self.cordon("remove", "prov")
        self.install_dir("selfie", SELFIE, files=SELFIE_FILES)
        self.assertEqual(self.slot_of("selfie", "data"), "selfie:shared")
        self.assertEqual(self.slot_of("stranger", "data"), "-")


class ProfileTests(ConnTestCase):
    def test_profiles_with_interface_snippets_parse(self):
        parser = shutil.which("apparmor_parser") or (
            "/sbin/apparmor_parser" if os.path.exists("/sbin/apparmor_parser") else None)
        if parser is None:
            self.skipTest("no apparmor_parser")
        self.install_dir("ports", PORTS)
        self.install_dir("prov", PROV, files=PROV_FILES)
        self.install_dir("multi", snap("multi", """
            plugs:
              network:
              network-bind:
              home:
              camera:
              ser:
                interface: serial-port
              data:
                interface: content
                content: cdata
                target: $SNAP_DATA/target
              pf:
                interface: personal-files
                read: [$HOME/.config/multi]
                write: [$HOME/.local/share/multi]
            """, apps={"multi": "", "other": "plugs: [camera, ser]\n"}))
        self.cordon("connect", "multi:camera")
        self.cordon("connect", "multi:ser", "ports:ser1")
        self.cordon("connect", "multi:pf")
        self.cordon("connect", "multi:data", "prov:data")
        profile = self.profile("snap.multi.other")
        # the AppArmor snippets of the connected interfaces...
        for iface, ref in [("network", "multi:network to :network"),
                           ("network-bind", "multi:network-bind to :network-bind"),
                           ("home", "multi:home to :home"), ("camera", "multi:camera to :camera")]:
            self.assertIn(f"# interface {iface}, {ref}", profile)
        # ... and their file rules with the connection's attributes
        for rule in ["/dev/ttyUSB70{,/,/**} rwk,",
                     self.path("snap/prov/x1/shared") + "{,/,/**} mrix,",
                     self.path("var/snap/prov/x1/rw") + "{,/,/**} mrwklix,",
                     "owner @{HOME}/.config/multi{,/,/**} r,",
                     "owner @{HOME}/.local/share/multi{,/,/**} rwkl,"]:
            self.assertIn(f"  {rule}\n", profile)
        self.assertNotIn("ttyUSB70", self.profile("snap.multi.multi"))
        labels = [os.path.basename(p) for p in
                  glob.glob(self.path("var/lib/cordon/apparmor", "snap.*"))]
        self.assertEqual(len(labels), 4, labels)
        for label in labels:
            p = subprocess.run([parser, "-QTK", self.path("var/lib/cordon/apparmor", label)],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, f"{label}:\n{p.stderr}")
        # the control: the parser does refuse a broken profile
        broken = os.path.join(self.s.work, "broken")
        with open(broken, "w") as f:
            f.write(profile.replace("# interface camera", "/dev/video0 rw\n# "))
        p = subprocess.run([parser, "-QTK", broken], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
