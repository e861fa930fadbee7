"""Strict confinement, path-name UNIX sockets (issue 8, item 2): Landlock
below ABI 9 does not mediate connect() or sendmsg() to a path-name socket.
A plug-less command must reach none but its own: not a root-only socket in
/run (docker's, containerd's, systemd's private one, the system bus), not
the user's tmux server in $HOME, not journald or syslog. In the command's
view (view.h) only what the policy grants is there; a socket beside a
granted place is a placeholder nobody may connect to (EACCES), and what was
never granted is absent. On ABI 9 kernels Landlock's own RESOLVE_UNIX right
is handled too (granted where writing is).

Each socket is first reached unconfined (the control), then refused from a
root-run and a user-run plug-less snap; a socket an interface grants works
once the interface is connected."""
import os
import socket
import textwrap

from cordonlib import probe_yaml
from strictlib import ROOT, USER, WHO, StrictCase

LISTENING = 0x00010000  # __SO_ACCEPTCON in /proc/net/unix


def machine_sockets():
    """Every path-name socket bound on the machine (what `ss -xl` lists,
    datagram sockets included): (path, is_stream)."""
    out = []
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            if len(parts) < 8 or not parts[7].startswith("/"):
                continue
            flags, typ = int(parts[3], 16), int(parts[4], 16)
            if typ == socket.SOCK_DGRAM or flags & LISTENING:
                out.append((parts[7], typ != socket.SOCK_DGRAM))
    return sorted(set(out))


class PathSocketTest(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("plain", probe_yaml("plain"))

    def listen(self, path, who, mode, stream=True):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM if stream else socket.SOCK_DGRAM)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s.bind(path)
        if stream:
            s.listen(16)
        self.addCleanup(s.close)
        self.remove_later(path)
        os.chown(path, self.uid(who), self.gid(who))
        os.chmod(path, mode)
        return path

    def connect_op(self, stream):
        return "unix-connect" if stream else "unix-dgram-send"

    def planted(self):
        """Sockets where they are found on real machines (the test's own)."""
        name = self.scratch_name("cordon-test-")
        return [
            (self.listen(f"/run/{name}.sock", ROOT, 0o600), True, ROOT),
            (self.listen(f"/run/{name}-world.sock", ROOT, 0o666), True, None),
            (self.listen(f"/var/run/{name}-var.sock", ROOT, 0o666), True, None),
            (self.listen(f"/run/{name}.dgram", ROOT, 0o666, stream=False), False, None),
            (self.listen(f"/var/lib/{name}.sock", ROOT, 0o666), True, None),
            (self.listen(f"/srv/{name}.sock", ROOT, 0o666), True, None),
            (self.listen(os.path.join(self.home(ROOT), "tmux.sock"), ROOT, 0o600), True, ROOT),
            (self.listen(os.path.join(self.home(USER), "tmux.sock"), USER, 0o600), True, USER),
        ]

    def test_no_socket_but_granted_ones(self):
        planted = self.planted()
        ours = {p for p, _, _ in planted}
        # the snapctl broker's socket (if one runs for this root) is the
        # one every snap is meant to reach (test_snapctl.py)
        snapctl = os.path.join(self.s.root, "run/cordon/snapctl/")
        everything = planted + [(p, stream, ROOT) for p, stream in machine_sockets()
                                if p not in ours and not p.startswith(snapctl)]
        for path, stream, owner in everything:
            op = self.connect_op(stream)
            for who in WHO:
                with self.subTest(socket=path, who=who):
                    # control: reachable unconfined (by its owner, by
                    # anyone for the 0666 ones)
                    if owner in (None, who):
                        self.assertEqual(self.host_as(who, op, path), "OK", "control")
                    self.assertIn(self.probe_as(who, "plain", op, path), ("EACCES", "ENOENT"))

    def test_socket_made_after_a_launch(self):
        """A view is preserved between launches: a socket made in a
        directory beside a granted place after it was built is still
        refused at the next launch (the directory changed: a new view)."""
        self.probe_as(ROOT, "plain", "cwd")
        late = self.listen(os.path.join(self.home(ROOT), "late.sock"), ROOT, 0o666)
        self.assertEqual(self.host_as(ROOT, "unix-connect", late), "OK")
        self.assertEqual(self.probe_as(ROOT, "plain", "unix-connect", late), "EACCES")

    def test_own_sockets_work(self):
        for who in WHO:
            with self.subTest(who=who):
                home = self.home(who)
                d = f"{home}/snap/plain/common"
                self.probe_as(who, "plain", "cwd")
                srv = self.listen(os.path.join(d, "own.sock"), who, 0o600)
                self.assertEqual(self.probe_as(who, "plain", "unix-connect", srv), "OK")

    def test_granted_socket(self):
        """A socket an interface grants (test-only interface): refused, then
        reachable once connected, refused again once disconnected."""
        path = self.listen(f"/run/{self.scratch_name('cordon-test-granted-')}.sock", ROOT,
                           0o666)
        data = self.s.datadir_copy()
        with open(os.path.join(data, "interfaces", "test-socket.yaml"), "w") as f:
            f.write(textwrap.dedent(f"""\
                name: test-socket
                summary: test only, one socket in /run
                auto-connect: false
                privileged: false
                implicit-slot: true
                plug:
                  files:
                    - rw {path}
                """))
        self.install("sock", probe_yaml("sock") + "    plugs: [test-socket]\n")
        for who in WHO:
            with self.subTest(who=who):
                self.assertEqual(self.host_as(who, "unix-connect", path), "OK")
                self.assertEqual(self.probe_as(who, "sock", "unix-connect", path), "EACCES")
        self.cordon("connect", "sock:test-socket")
        for who in WHO:
            with self.subTest(who=who, connected=True):
                self.assertEqual(self.probe_as(who, "sock", "unix-connect", path), "OK")
                # and only that one
                self.assertIn(self.probe_as(who, "sock", "unix-connect", path + "x"),
                              ("EACCES", "ENOENT"))
        self.cordon("disconnect", "sock:test-socket")
        for who in WHO:
            with self.subTest(who=who, disconnected=True):
                self.assertEqual(self.probe_as(who, "sock", "unix-connect", path), "EACCES")

    def test_apparmor_profile_connects_to_nothing_unconfined(self):
        """Where the kernel has AppArmor, the generated profile must not let
        the command connect to unconfined peers (abstract sockets have no
        file rule to stop them)."""
        profile = os.path.join(self.s.root, "var/lib/cordon/apparmor/snap.plain.plain")
        with open(profile) as f:
            text = f.read()
        unix = [l.strip() for l in text.splitlines() if l.strip().startswith("unix")]
        self.assertTrue(unix, text)
        for line in unix:
            if "unconfined" in line:
                self.assertNotIn("connect", line)
