"""snapctl (issue 11): a snap's apps ask the root broker (`cordon
snapctl-daemon`, started by the launcher) about their own snap only. The snap
is what the request's cookie names (SNAP_COOKIE, from a root-only file the
sandbox cannot read), the uid what the kernel says of the connection; a name
the client sends is never believed.

Each refusal has its control: the same request with the right cookie, the
same file read outside the sandbox, the same socket reached unconfined."""
import ctypes
import os
import resource
import shutil
import signal
import socket
import stat
import struct
import subprocess
import time
import unittest

import cordonlib
from cordonlib import CordonTestCase, build_path, stop_brokers, wait_until
from strictlib import ROOT, USER, StrictCase

SNAPA = """
name: snapa
version: '{version}'
summary: snapctl test
apps:
  ctl:
    command: bin/snapctl
  sh:
    command: bin/shc
  probe:
    command: bin/probe
  svc:
    command: bin/probe
    daemon: simple
  web:
    command: bin/probe
    daemon: simple
    install-mode: disable
    timer: 00:00-24:00/24
plugs:
  net:
    interface: network
  cam:
    interface: camera
slots:
  shared:
    interface: content
    content: stuff
    read: [$SNAP/share]
"""

SNAPB = """
name: snapb
version: '1.0'
summary: snapctl test
apps:
  ctl:
    command: bin/snapctl
  svc:
    command: bin/probe
    daemon: simple
plugs:
  stuff:
    interface: content
    content: stuff
    target: $SNAP_DATA/stuff
"""

SHC = '#!/bin/sh\nexec /bin/sh -c "$1"\n'
A_TABLE = ("Service    Startup   Current  Notes\n"
           "snapa.svc  enabled   -        -\n"
           "snapa.web  disabled  -        timer-activated\n")
NO_CONTEXT = ('error: snapctl: cannot invoke snapctl operation commands (here "{}") from '
              'outside of a snap\n')
SYSTEMD = "error: snapctl: systemd is not running on this system: cannot {} services\n"


def make(scratch, name, yaml, version="1.0"):
    d = scratch.make_snap(name, yaml.format(version=version), files=None,
                          dirname=f"{name}-{version}")
    with open(build_path("snapctl"), "rb") as src, open(f"{d}/bin/snapctl", "wb") as dst:
        dst.write(src.read())
    os.chmod(f"{d}/bin/snapctl", 0o755)
    with open(f"{d}/bin/shc", "w") as f:
        f.write(SHC)
    os.chmod(f"{d}/bin/shc", 0o755)
    os.makedirs(f"{d}/share", exist_ok=True)
    return d


# ---- the protocol, spoken from outside (src/base/snapctl_wire.h) ----

def wstr(x):
    x = x.encode() if isinstance(x, str) else x
    return struct.pack("<I", len(x)) + x


def request(cookie, args, version=1):
    payload = struct.pack("<I", version) + wstr(cookie) + struct.pack("<I", len(args))
    payload += b"".join(wstr(a) for a in args)
    return struct.pack("<I", len(payload)) + payload


def read_response(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break  # the broker closed with what we sent unread: its answer came first
        if not chunk:
            break
        data += chunk
    if len(data) < 4:
        return None
    n = struct.unpack_from("<I", data)[0]
    body = data[4:4 + n]
    version, status = struct.unpack_from("<II", body)
    olen = struct.unpack_from("<I", body, 8)[0]
    out = body[12:12 + olen].decode()
    elen = struct.unpack_from("<I", body, 12 + olen)[0]
    err = body[16 + olen:16 + olen + elen].decode()
    return status, out, err


def socket_path(root):
    return os.path.join(root, "run/cordon/snapctl/snapctl.socket")


def connect(root):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(socket_path(root))
    return s


def ask(root, raw):
    with connect(root) as s:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (and closed) before all of it was read
        return read_response(s)


def broker_pid(root):
    """The broker of this root: the pid in its lock file, checked."""
    def pid():
        try:
            with open(os.path.join(root, "run/cordon/snapctl.lock")) as f:
                p = int(f.read().strip() or 0)
        except (OSError, ValueError):
            return None
        return p if cordonlib.snapctl_brokers().get(p) == root else None
    return wait_until(pid, what="the snapctl broker")


def status_field(pid, name):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    return None


class SnapctlTest(CordonTestCase):
    """As root, in a scratch root."""

    def setUp(self):
        super().setUp()
        self.cordon("install", "--dangerous", make(self.s, "snapa", SNAPA))
        self.cordon("install", "--dangerous", make(self.s, "snapb", SNAPB))

    def cookie(self, snap):
        with open(self.path("var/lib/cordon/cookie", f"snap.{snap}")) as f:
            return f.read()

    def ctl(self, snap, *args, env=None):
        p = self.cordon("run", f"{snap}.ctl", *args, check=False, env=env)
        return p.returncode, p.stdout, p.stderr

    def sh(self, snap, script):
        p = self.cordon("run", f"{snap}.sh", script, check=False)
        return p.returncode, p.stdout, p.stderr

    def test_cookies_on_disk(self):
        d = self.path("var/lib/cordon/cookie")
        st = os.stat(d)
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid), (0o700, 0, 0))
        self.assertEqual(sorted(os.listdir(d)), ["snap.snapa", "snap.snapb"])
        for snap in ("snapa", "snapb"):
            st = os.stat(os.path.join(d, f"snap.{snap}"))
            self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid), (0o600, 0))
            self.assertRegex(self.cookie(snap), r"^[0-9a-f]{64}$")
        self.assertNotEqual(self.cookie("snapa"), self.cookie("snapb"))
        # the app gets it under both of snapd's names
        a = self.cookie("snapa")
        out = self.sh("snapa", 'echo "$SNAP_COOKIE $SNAP_CONTEXT"')[1].split()
        self.assertEqual(out, [a, a])
        # kept across a refresh and a revert (running commands hold it)
        self.cordon("install", "--dangerous", make(self.s, "snapa", SNAPA, version="2.0"))
        self.assertEqual(self.cookie("snapa"), a)
        self.cordon("revert", "snapa")
        self.assertEqual(self.cookie("snapa"), a)
        # gone with the snap; a new install is a new snap with a new cookie
        self.cordon("remove", "snapa")
        self.assertEqual(os.listdir(d), ["snap.snapb"])
        self.cordon("install", "--dangerous", make(self.s, "snapa", SNAPA))
        self.assertNotEqual(self.cookie("snapa"), a)

    def test_is_connected_as_state_says(self):
        self.assertEqual(self.ctl("snapa", "is-connected", "net"), (0, "", ""))  # auto
        self.assertEqual(self.ctl("snapa", "is-connected", "cam"), (1, "", ""))
        self.assertEqual(self.ctl("snapa", "is-connected", "shared"), (1, "", ""))
        self.cordon("connect", "snapa:cam")
        self.cordon("connect", "snapb:stuff", "snapa:shared")
        self.assertEqual(self.ctl("snapa", "is-connected", "cam"), (0, "", ""))
        self.assertEqual(self.ctl("snapa", "is-connected", "shared"), (0, "", ""))  # a slot
        self.assertEqual(self.ctl("snapb", "is-connected", "stuff"), (0, "", ""))
        self.assertEqual(self.ctl("snapa", "is-connected", "--list"), (0, "cam\nnet\nshared\n", ""))
        self.cordon("disconnect", "snapa:cam")
        self.assertEqual(self.ctl("snapa", "is-connected", "cam"), (1, "", ""))
        # only its own plugs and slots: B's plug is no name of A's
        self.assertEqual(self.ctl("snapa", "is-connected", "stuff"),
                         (1, "", 'error: snapctl: snap "snapa" has no plug or slot named '
                             '"stuff"\n'))

    def test_services_of_its_own_snap_only(self):
        self.assertEqual(self.ctl("snapa", "services"), (0, A_TABLE, ""))
        self.assertEqual(self.ctl("snapa", "services", "snapa.web"),
                         (0, "Service    Startup   Current  Notes\n"
                             "snapa.web  disabled  -        timer-activated\n", ""))
        self.assertEqual(self.ctl("snapb", "services"),
                         (0, "Service    Startup  Current  Notes\n"
                             "snapb.svc  enabled  -        -\n", ""))
        # another snap's service is nothing A knows of, whatever the verb
        for verb in ("services", "start", "stop", "restart"):
            with self.subTest(verb=verb):
                self.assertEqual(self.ctl("snapa", verb, "snapb.svc"),
                                 (1, "", 'error: snapctl: unknown service: "snapb.svc"\n'))
        # its own: where systemd does not run (this machine), a plain error
        for verb in ("start", "stop", "restart"):
            with self.subTest(verb=verb, own=True):
                self.assertEqual(self.ctl("snapa", verb, "snapa.svc"),
                                 (1, "", SYSTEMD.format(verb)))
        self.assertEqual(self.ctl("snapa", "start", "--enable", "snapa.web"),
                         (1, "", SYSTEMD.format("start")))
        self.assertEqual(self.ctl("snapa", "services"), (0, A_TABLE, ""))  # nothing changed

    def state_files(self):
        out = {}
        for name in ("state.db", "state.db-wal"):
            p = self.path("var/lib/cordon", name)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out[name] = f.read()
        return out

    def test_forged_cookies_refused(self):
        b = self.cookie("snapb")
        before = self.state_files()
        forged = {
            "random": os.urandom(32).hex(),
            "b's name": "snapb",
            "b's cookie file name": "snap.snapb",
            "a cookie, upper case": b.upper(),
            "one character off": b[:-1] + ("0" if b[-1] != "0" else "1"),
            "a prefix": b[:32],
            "65 characters": b + "0",
        }
        for what, cookie in forged.items():
            for args in (["is-connected", "stuff"], ["services"], ["stop", "snapb.svc"],
                         ["set", "a=b"]):
                with self.subTest(cookie=what, args=args):
                    rc, out, err = self.sh(
                        "snapa", f'SNAP_COOKIE={cookie} exec "$SNAP/bin/snapctl" {" ".join(args)}')
                    self.assertEqual((rc, out, err), (1, "", NO_CONTEXT.format(args[0])))
        # empty: the client says so itself
        rc, _, err = self.sh("snapa", 'SNAP_COOKIE= SNAP_CONTEXT= exec "$SNAP/bin/snapctl" '
                                      'services')
        self.assertEqual(rc, 1)
        self.assertIn("no SNAP_COOKIE", err)
        # sent raw from outside: empty, overlong (over the protocol's limit)
        root = self.s.root
        self.assertEqual(ask(root, request("", ["services"])),
                         (1, "", NO_CONTEXT.format("services")))
        self.assertEqual(ask(root, request("0" * 257, ["services"])),
                         (1, "", "error: snapctl: malformed request\n"))
        self.assertEqual(ask(root, request("0" * 64 * 1000, ["services"])),
                         (1, "", "error: snapctl: malformed request\n"))
        self.assertEqual(self.state_files(), before)
        # control: B's own cookie is B
        self.assertEqual(ask(root, request(b, ["is-connected", "stuff"]))[0], 1)
        self.assertEqual(ask(root, request(b, ["services"]))[1].splitlines()[1].split()[0],
                         "snapb.svc")

    def test_cookie_files_unreadable_inside(self):
        path = self.path("var/lib/cordon/cookie/snap.snapb")
        for target in (path, os.path.dirname(path)):
            with self.subTest(target=target):
                # even as root: no capability, and the view has a
                # placeholder nobody may enter where the state is
                self.assertEqual(self.probe("snapa.probe", "read", target), "EACCES")
                self.assertEqual(self.probe_host("read", target).split()[0],
                                 "OK" if target == path else "EISDIR")  # control

    def test_replay_from_outside_acts_as_the_cookies_snap_only(self):
        """A's cookie, taken from outside the sandbox (root reads the file)
        and replayed, acts as A and nothing else: with A's own plugs and
        services, and the sender's uid."""
        a = self.cookie("snapa")
        root = self.s.root
        self.run_app("snapa.probe", "cwd")  # the broker
        self.assertEqual(ask(root, request(a, ["services"])), (0, A_TABLE, ""))
        self.assertEqual(ask(root, request(a, ["is-connected", "--list"])), (0, "net\n", ""))
        self.assertEqual(ask(root, request(a, ["services", "snapb.svc"])),
                         (1, "", 'error: snapctl: unknown service: "snapb.svc"\n'))
        self.assertEqual(ask(root, request(a, ["is-connected", "stuff"])),
                         (1, "", 'error: snapctl: snap "snapa" has no plug or slot named '
                                 '"stuff"\n'))

    def test_protocol_version_and_limits(self):
        a = self.cookie("snapa")
        root = self.s.root
        self.run_app("snapa.probe", "cwd")  # the broker
        self.assertEqual(ask(root, request(a, ["services"], version=2)),
                         (1, "", "error: snapctl: protocol version 2 is not supported (the "
                                 "broker speaks 1)\n"))
        self.assertEqual(ask(root, request(a, [])),
                         (1, "", "error: snapctl cannot run without args\n"))
        # more arguments than the protocol carries: the client says so (an
        # argument beyond 128 KiB cannot even reach it: execve refuses it)
        rc, _, err = self.sh("snapa", 'ulimit -s unlimited; x=$(head -c 130000 /dev/zero | '
                                      'tr "\\0" x); set --; for i in $(seq 36); do '
                                      'set -- "$@" "$x"; done; exec "$SNAP/bin/snapctl" get "$@"')
        self.assertEqual((rc, err), (1, "error: snapctl: arguments too long\n"))

    def test_broker_survives_garbage_huge_and_stalled_clients(self):
        self.run_app("snapa.probe", "cwd")
        root = self.s.root
        pid = broker_pid(root)
        a = self.cookie("snapa")
        # garbage in a well-formed frame; a frame cut short; nothing at all
        self.assertEqual(ask(root, struct.pack("<II", 12, 1) + b"\xff" * 8),
                         (1, "", "error: snapctl: malformed request\n"))
        for _ in range(20):
            status, out, err = ask(root, struct.pack("<I", 64) + os.urandom(64))
            self.assertEqual((status, out), (1, ""))
            self.assertRegex(err, r"^error: snapctl: (malformed request|protocol version "
                                  r"\d+ is not supported .*)\n$")
        with connect(root) as s:
            s.sendall(request(a, ["services"])[:-3])
            s.shutdown(socket.SHUT_WR)
            self.assertIsNone(read_response(s))
        with connect(root):
            pass
        # a length beyond the limit is refused before a byte of it is read
        self.assertEqual(ask(root, struct.pack("<I", 0xFFFFFFFF)),
                         (1, "", "error: snapctl: request too large\n"))
        with connect(root) as s:
            try:
                s.sendall(struct.pack("<I", 5 << 20) + b"\0" * (5 << 20))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the broker stopped reading at once
            self.assertEqual(read_response(s), (1, "", "error: snapctl: request too large\n"))
        # stalled clients (half a request, then nothing) hold up no one
        stalled = []
        for _ in range(4):
            s = connect(root)
            s.sendall(request(a, ["services"])[:6])
            stalled.append(s)
        t0 = time.monotonic()
        self.assertEqual(self.ctl("snapa", "services"), (0, A_TABLE, ""))
        self.assertEqual(ask(root, request(a, ["services"])), (0, A_TABLE, ""))
        # a stall would cost the 5 s the broker gives a request
        self.assertLess(time.monotonic() - t0, 4.5)
        for s in stalled:  # and each is dropped once its time is up
            self.assertIsNone(read_response(s))
            s.close()
        self.assertLess(time.monotonic() - t0, 30)
        self.assertEqual(broker_pid(root), pid)
        self.assertEqual(ask(root, request(a, ["services"])), (0, A_TABLE, ""))

    def test_another_socket_stays_unreachable(self):
        """The view holds the broker's directory and nothing beside it: a
        socket next to it in <run>/cordon is not there to connect to."""
        self.run_app("snapa.probe", "cwd")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        other = self.path("run/cordon/other.sock")
        sock.bind(other)
        sock.listen(4)
        self.addCleanup(sock.close)
        os.chmod(other, 0o666)
        self.assertEqual(self.probe_host("unix-connect", other), "OK")  # control
        self.assertIn(self.probe("snapa.probe", "unix-connect", other), ("EACCES", "ENOENT"))
        # the broker's own is reachable, and a mode change of it refused
        mine = socket_path(self.s.root)
        st = os.stat(mine)
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid), (0o666, 0))
        self.assertEqual(self.probe("snapa.probe", "unix-connect", mine), "OK")
        self.assertIn(self.probe("snapa.probe", "chmod", mine, "0600"), ("EPERM", "EROFS"))
        self.assertIn(self.probe("snapa.probe", "create", mine + ".x"),
                      ("EACCES", "EROFS", "EPERM"))
        self.assertEqual(stat.S_IMODE(os.stat(mine).st_mode), 0o666)

    def test_launches_start_one_broker(self):
        stop_brokers(self.s.root)
        self.assertFalse([p for p, r in cordonlib.snapctl_brokers().items() if r == self.s.root])
        procs = [self.s.spawn("run", "snapa.probe", "cwd") for _ in range(6)]
        for p in procs:
            p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0)
        pid = broker_pid(self.s.root)
        time.sleep(0.3)  # a second one, if any, would be up by now
        self.assertEqual([p for p, r in cordonlib.snapctl_brokers().items()
                          if r == self.s.root], [pid])
        # its cgroup is cordon's, and it is the child of neither launch
        with open(f"/proc/{pid}/cgroup") as f:
            self.assertIn(f"0::/{self.s.cgroup_parent}/snapctl\n", f.read())
        self.assertEqual(self.ctl("snapa", "is-connected", "net"), (0, "", ""))

    def test_running_commands_reach_a_new_broker(self):
        """A broker started anew binds a new socket; the view holds the
        directory, so a command that was already running reaches it."""
        self.run_app("snapa.probe", "cwd")
        old = broker_pid(self.s.root)
        p = self.s.spawn("run", "snapa.sh", 'sleep 4; "$SNAP/bin/snapctl" is-connected net; '
                                            'echo "rc=$?"')
        self.addCleanup(cordonlib.stop_process, p)
        time.sleep(1)
        stop_brokers(self.s.root)
        self.assertFalse(os.path.exists(socket_path(self.s.root)))  # it took its socket
        self.run_app("snapa.probe", "cwd")  # starts the next one
        self.assertNotEqual(broker_pid(self.s.root), old)
        out, _ = p.communicate(timeout=60)
        self.assertEqual(out.strip(), "rc=0")

    def test_killed_broker_replaced(self):
        """A broker killed outright leaves its socket and lock file: the
        next launch starts another, which serves."""
        self.run_app("snapa.probe", "cwd")
        old = broker_pid(self.s.root)
        os.kill(old, signal.SIGKILL)
        wait_until(lambda: not os.path.exists(f"/proc/{old}"), what="the broker's end")
        self.assertTrue(stat.S_ISSOCK(os.lstat(socket_path(self.s.root)).st_mode))  # stale
        self.assertEqual(self.ctl("snapa", "is-connected", "net"), (0, "", ""))
        self.assertNotEqual(broker_pid(self.s.root), old)

    @unittest.skipIf(shutil.which("strace") is None, "strace is not installed")
    def test_traced_launch_starts_none(self):
        """A tracer that follows forks would hold the broker (and strace -f
        would not end while it lives): a traced launch starts none."""
        stop_brokers(self.s.root)
        p = subprocess.run(["strace", "-f", "-o", "/dev/null", build_path("cordon"), "run",
                            "snapa.probe", "cwd"], env=self.s.env(), capture_output=True,
                           text=True, timeout=120, cwd=self.s.work)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse([q for q, r in cordonlib.snapctl_brokers().items()
                          if r == self.s.root])
        self.run_app("snapa.probe", "cwd")  # control: untraced, one starts
        broker_pid(self.s.root)

    def test_missing_cookie(self):
        """A snap installed before snapctl existed has no cookie: it runs,
        without SNAP_COOKIE, and snapctl says why; its next change makes
        one."""
        os.unlink(self.path("var/lib/cordon/cookie/snap.snapa"))
        rc, out, err = self.sh("snapa", 'echo "[$SNAP_COOKIE]"; exec "$SNAP/bin/snapctl" '
                                        'services')
        self.assertEqual((rc, out), (1, "[]\n"))
        self.assertIn("no SNAP_COOKIE", err)
        self.cordon("install", "--dangerous", make(self.s, "snapa", SNAPA, version="2.0"))
        self.assertEqual(self.ctl("snapa", "services"), (0, A_TABLE, ""))

    def test_devmode_and_classic(self):
        for mode in ("devmode", "classic"):
            with self.subTest(mode=mode):
                yaml = SNAPB.replace("name: snapb", f"name: snap{mode}") + \
                    f"confinement: {mode}\n"
                self.cordon("install", "--dangerous", f"--{mode}",
                            make(self.s, f"snap{mode}", yaml))
                self.assertEqual(self.ctl(f"snap{mode}", "is-connected", "stuff"), (1, "", ""))
                self.assertEqual(self.ctl(f"snap{mode}", "services")[1].splitlines()[1].split(),
                                 [f"snap{mode}.svc", "enabled", "-", "-"])

    def test_host_snapctl_runs_inside(self):
        """snapctl as installed on the host: in production /usr/local/bin,
        which the default policy's `rx /usr` covers; the test prefix is
        granted the same way here."""
        data = self.s.datadir_copy()
        prefix_bin = os.path.join(cordonlib.PREFIX, "bin")
        with open(os.path.join(data, "policy", "default.yaml")) as f:
            text = f.read()
        text = text.replace("    - rx /usr\n", f"    - rx /usr\n    - rx {prefix_bin}\n")
        with open(os.path.join(data, "policy", "default.yaml"), "w") as f:
            f.write(text)
        self.cordon("install", "--dangerous", make(self.s, "snapa", SNAPA, version="2.0"))
        rc, out, err = self.sh("snapa", f"exec {prefix_bin}/snapctl is-connected --list")
        self.assertEqual((rc, out, err), (0, "net\n", ""))


class SnapctlUserTest(StrictCase):
    """Through the installed setuid launcher, as root and as a user."""

    def setUp(self):
        super().setUp()
        self.s.cordon("install", "--dangerous", make(self.s, "snapa", SNAPA))

    def ctl(self, who, *args):
        p = self.run_as(who, "snapa.ctl", *args, check=False)
        return p.returncode, p.stdout, p.stderr

    def test_uid_decides_what_may_change(self):
        uid = self.user.pw_uid
        self.assertEqual(self.ctl(USER, "is-connected", "net"), (0, "", ""))
        self.assertEqual(self.ctl(USER, "services"), (0, A_TABLE, ""))
        # any uid reads (the snap has no "a": an empty line)
        self.assertEqual(self.ctl(USER, "get", "a"), (0, "\n", ""))
        for args in (["set", "a=b"], ["unset", "a"], ["start", "snapa.svc"],
                     ["stop", "snapa.svc"], ["restart", "snapa.svc"]):
            with self.subTest(args=args):
                self.assertEqual(self.ctl(USER, *args),
                                 (1, "", f'error: cannot use "{args[0]}" with uid {uid}, try '
                                         f'with sudo\n'))
                # control: root gets past the uid rule
                self.assertNotIn("with uid", self.ctl(ROOT, *args)[2])
        self.assertEqual(self.ctl(USER, "stop", "snapa.svc", "--help")[0], 0)

    def test_hook_channel_passed_by_root_only(self):
        """fd 3 with CORDON_SNAPCTL_FD=3 is how the store hands a hook its
        snapctl channel (store/hooks.c). It reaches the command from a root
        caller only (the control); a user's is closed like any inherited fd
        and the variable dropped, so no user can pose as a hook's server to
        anyone but themselves, nor hand a command a socket it then trusts."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.addCleanup(mine.close)
        self.addCleanup(theirs.close)
        script = 'echo "var=${CORDON_SNAPCTL_FD:-none}"; readlink /proc/self/fd/3 || echo closed'
        seen = {}
        for who in (USER, ROOT):
            kw = {}
            if who != ROOT:
                kw = {"user": who, "group": self.gid(who), "extra_groups": []}
            p = subprocess.run(
                ["sh", "-c", f'exec 3<&{theirs.fileno()}; exec "$0" "$@"',
                 cordonlib.installed_cordon(), "run", "snapa.sh", script],
                env=self.s.env({"CORDON_SNAPCTL_FD": "3"}), capture_output=True, text=True,
                cwd="/", timeout=120,
                pass_fds=(theirs.fileno(),), **kw)
            self.assertEqual(p.returncode, 0, p.stderr)
            seen[who] = p.stdout.split()
        self.assertEqual(seen[USER], ["var=none", "closed"])
        self.assertEqual(seen[ROOT][0], "var=3")
        self.assertRegex(seen[ROOT][1], r"^socket:\[\d+\]$")

    def test_cookie_unreadable_inside_as_user_too(self):
        path = os.path.join(self.s.root, "var/lib/cordon/cookie/snap.snapa")
        self.assertEqual(self.probe_as(USER, "snapa.probe", "read", path), "EACCES")
        self.assertEqual(self.host_as(USER, "read", path), "EACCES")  # root's file
        self.assertEqual(self.host_as(ROOT, "read", path).split()[0], "OK")

    def test_one_users_flood_does_not_shut_out_another(self):
        self.run_as(ROOT, "snapa.probe", "cwd")
        root = self.s.root
        with open(os.path.join(root, "var/lib/cordon/cookie/snap.snapa")) as f:
            a = f.read()
        flood = []
        for _ in range(20):  # root's: more than one uid is served at once
            s = connect(root)
            s.sendall(request(a, ["services"])[:6])
            flood.append(s)
        time.sleep(0.5)
        self.addCleanup(lambda: [s.close() for s in flood])
        self.assertEqual(ask(root, request(a, ["services"])),
                         (1, "", "error: snapctl: the snapctl service is busy, try again\n"))
        t0 = time.monotonic()
        self.assertEqual(self.ctl(USER, "services"), (0, A_TABLE, ""))
        self.assertLess(time.monotonic() - t0, 4.5)

    def test_broker_gets_nothing_of_its_starter(self):
        """Started by a user who lowered their limits, niceness and OOM
        score, pinned to a CPU, changed the signal dispositions and mask,
        the umask and the timer slack: the broker every snap shares has
        none of it."""
        stop_brokers(self.s.root)
        libc = ctypes.CDLL(None, use_errno=True)
        have_resource = bool(int(status_field(os.getpid(), "CapBnd"), 16) & (1 << 24))

        def shape(lower_hard):
            def f():
                # a process that changed its uid is not dumpable, and its
                # /proc files are root's: a user's shell is
                libc.prctl(4, 1)  # PR_SET_DUMPABLE
                for res, soft in ((resource.RLIMIT_NOFILE, 200), (resource.RLIMIT_CPU, 100),
                                  (resource.RLIMIT_FSIZE, 1 << 30),
                                  (resource.RLIMIT_STACK, 4 << 20),
                                  (resource.RLIMIT_MEMLOCK, 64 << 10),
                                  (resource.RLIMIT_NPROC, 4000)):
                    _, hard = resource.getrlimit(res)
                    resource.setrlimit(res, (soft, soft if lower_hard else hard))
                os.nice(19)
                os.sched_setaffinity(0, {0})
                os.umask(0o077)
                signal.signal(signal.SIGUSR1, signal.SIG_IGN)
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGALRM})
                libc.prctl(29, 10 ** 9)  # PR_SET_TIMERSLACK: a second
                with open("/proc/self/oom_score_adj", "w") as adj:
                    adj.write("900")
            return f

        def launch(lower_hard):
            pw = self.user
            return subprocess.run([cordonlib.installed_cordon(), "run", "snapa.probe", "cwd"],
                                  env=self.s.env(), capture_output=True, text=True, cwd="/",
                                  user=pw.pw_uid, group=pw.pw_gid, extra_groups=[],
                                  preexec_fn=shape(lower_hard), timeout=120)

        if not have_resource:
            # a hard limit lowered that root may not raise again (no
            # CAP_SYS_RESOURCE here): no broker from that launch, which
            # itself runs all the same; the next launch starts one
            p = launch(True)
            self.assertEqual(p.returncode, 0, p.stderr)
            time.sleep(0.5)
            self.assertFalse([q for q, r in cordonlib.snapctl_brokers().items()
                              if r == self.s.root])
        p = launch(have_resource)
        self.assertEqual(p.returncode, 0, p.stderr)
        pid = broker_pid(self.s.root)
        with open(f"/proc/{pid}/limits") as f:
            limits = {l[:26].strip(): l[26:].split()[:2] for l in f.read().splitlines()[1:]}
        want = {
            "Max cpu time": ["unlimited", "unlimited"],
            "Max file size": ["unlimited", "unlimited"],
            "Max data size": ["unlimited", "unlimited"],
            "Max stack size": ["8388608", "unlimited"],
            "Max core file size": ["0", "0"],
            "Max resident set": ["unlimited", "unlimited"],
            "Max open files": ["1024", "4096"],
            "Max locked memory": ["8388608", "8388608"],
            "Max address space": ["unlimited", "unlimited"],
            "Max file locks": ["unlimited", "unlimited"],
            "Max msgqueue size": ["819200", "819200"],
            "Max nice priority": ["0", "0"],
            "Max realtime priority": ["0", "0"],
            "Max realtime timeout": ["unlimited", "unlimited"],
        }
        self.assertEqual({k: limits[k] for k in want}, want)
        for k in ("Max processes", "Max pending signals"):  # soft raised to hard
            self.assertEqual(limits[k][0], limits[k][1], k)
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        self.assertEqual(fields[16], "0")  # nice
        self.assertNotEqual(int(fields[3]), os.getsid(0))  # a session of its own
        self.assertEqual(status_field(pid, "Cpus_allowed_list"),
                         status_field(os.getpid(), "Cpus_allowed_list"))
        self.assertEqual(status_field(pid, "Umask"), "0022")
        for ids in ("Uid", "Gid"):
            self.assertEqual(status_field(pid, ids).split(), ["0"] * 4)
        self.assertEqual(status_field(pid, "Groups"), "")
        # its own dispositions only: SIGPIPE ignored, the four it reads
        # through a signalfd blocked
        self.assertEqual(int(status_field(pid, "SigIgn"), 16), 1 << (signal.SIGPIPE - 1))
        self.assertEqual(int(status_field(pid, "SigBlk"), 16),
                         sum(1 << (s - 1) for s in (signal.SIGCHLD, signal.SIGTERM,
                                                    signal.SIGINT, signal.SIGHUP)))
        with open(f"/proc/{pid}/oom_score_adj") as f:
            self.assertEqual(f.read().strip(), "0")
        with open(f"/proc/{pid}/timerslack_ns") as f:
            self.assertEqual(f.read().strip(), "50000")
        with open(f"/proc/{pid}/cgroup") as f:
            self.assertIn(f"0::/{self.s.cgroup_parent}/snapctl\n", f.read())
        # every fd closed but its own
        self.assertEqual(sorted(os.listdir(f"/proc/{pid}/fd")), ["0", "1", "2", "3", "4", "5"])
        self.assertEqual(os.readlink(f"/proc/{pid}/fd/0"), "/dev/null")
        # and it serves the user who started it like anyone
        self.assertEqual(self.ctl(USER, "is-connected", "net"), (0, "", ""))
