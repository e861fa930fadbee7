"""Issue 10 (services), the launcher's part: what systemd hands a service.

* `--command=stop|reload|post-stop` runs the app's stop-, reload- or
  post-stop-command under its label, after its command-chain (snap-exec);
  an unknown name or a command the app does not have runs nothing.
* Socket activation: fds 3.. and LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES reach
  the app only when LISTEN_PID is the launcher's pid and the count is sane;
  every other inherited fd is closed, as always.
* sd_notify: NOTIFY_SOCKET (and WATCHDOG_*) stays, and exactly that socket
  becomes reachable, only for a `daemon: notify` app or one whose
  daemon-notify plug is connected, and only when it names the service
  manager's root-owned socket (<root>/run/systemd/notify; the test build's
  system root stands for /). Any other socket a caller names is dropped.

Run through the installed setuid launcher, by root and by a user."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

from cordonlib import installed_cordon, probe_yaml, stop_process, wait_until
from strictlib import REFUSED, ROOT, USER, WHO, StrictCase

SVC_YAML = """
name: svc
version: '1.0'
summary: service probe snap
apps:
  svc:
    command: bin/probe
    daemon: simple
    command-chain: [bin/chain]
    stop-command: bin/probe cgroup
    post-stop-command: bin/probe env CHAINED
  notifier:
    command: bin/probe
    daemon: notify
  plugged:
    command: bin/probe
    daemon: simple
    plugs: [daemon-notify]
  plain:
    command: bin/probe
"""
CHAIN = "#!/bin/sh\nexport CHAINED=yes\nexec \"$@\"\n"


class ServiceCase(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("svc", SVC_YAML, files={"bin/chain": CHAIN})

    def fd_numbers(self, lines):
        self.assertEqual(lines[0], "OK", lines)
        return {int(l.split()[0]): l.split(" ", 1)[1] for l in lines[1:]}


class CommandTest(ServiceCase):
    def test_stop_command_under_the_label(self):
        for who in WHO:
            with self.subTest(who=who):
                p = self.run_as(who, "--command=stop", "svc.svc")
                lines = p.stdout.splitlines()
                self.assertEqual(lines[0], "OK")
                self.assertTrue(any(l.endswith("/snap.svc.svc") or "snap.svc.svc" in l
                                    for l in lines[1:]), p.stdout)
                # the command-chain ran first, as for the main command
                self.assertEqual(self.probe_as(who, "--command=post-stop", "svc.svc"),
                                 "OK yes")
                self.assertEqual(self.probe_as(who, "svc.svc", "env", "CHAINED"), "OK yes")

    def test_missing_or_unknown_command_runs_nothing(self):
        cases = [
            ("--command=reload", "svc.svc", "snap.svc.svc has no reload-command"),
            ("--command=stop", "svc.plain", "snap.svc.plain has no stop-command"),
            ("--command=bogus", "svc.svc", 'unknown command "bogus"'),
            ("--command=", "svc.svc", 'unknown command ""'),
        ]
        for flag, app, msg in cases:
            for who in WHO:
                with self.subTest(flag=flag, app=app, who=who):
                    p = self.run_as(who, flag, app, "env", check=False)
                    self.assertNotEqual(p.returncode, 0)
                    self.assertEqual(p.stdout, "")
                    self.assertIn(msg, p.stderr)


class SocketActivationTest(ServiceCase):
    def setUp(self):
        super().setUp()
        self.sockdir = tempfile.mkdtemp(dir=self.s.root, prefix="sockets.")
        os.chmod(self.sockdir, 0o1777)

    def activate(self, who, *args, wrap=(), extra=(), env=None):
        """`systemd-socket-activate -l SOCK [wrap...] cordon run ARGS` as
        `who`; the launch starts at the first connection, which this makes
        and returns with the process."""
        sock = os.path.join(self.sockdir, f"{who}.{len(os.listdir(self.sockdir))}.sock")
        cmd = (["systemd-socket-activate", "-l", sock] + list(extra) + list(wrap) +
               [installed_cordon(), "run"] + [str(a) for a in args])
        kw = {}
        if who != ROOT:
            kw = {"user": who, "group": self.gid(who), "extra_groups": []}
        p = subprocess.Popen(cmd, env=self.s.env(env), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd="/", **kw)
        self.addCleanup(stop_process, p)
        wait_until(lambda: os.path.exists(sock), what=sock)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.settimeout(30)
        c.connect(sock)
        return p, c

    def finish(self, p):
        out, err = p.communicate(timeout=60)
        return p.returncode, out, err

    def test_the_app_gets_its_socket(self):
        for who in WHO:
            with self.subTest(who=who):
                p, c = self.activate(who, "svc.svc", "accept", "3", "hello")
                self.assertEqual(c.recv(16), b"hello")
                rc, out, err = self.finish(p)
                self.assertEqual((rc, out.strip()), (0, "OK"), err)

                # and nothing else the caller had open (fd 7 here)
                p, _ = self.activate(who, "svc.svc", "fds",
                                     wrap=["sh", "-c", 'exec 7</etc/hostname; exec "$@"', "sh"])
                rc, out, err = self.finish(p)
                fds = self.fd_numbers(out.splitlines())
                self.assertEqual(sorted(fds), [0, 1, 2, 3], out)
                self.assertTrue(fds[3].startswith("socket:"), out)

        p, _ = self.activate(ROOT, "svc.svc", "listening", "3")
        self.assertEqual(self.finish(p)[1].strip(), "OK yes")
        p, _ = self.activate(ROOT, "svc.svc", "env", extra=["--fdname=web"])
        rc, out, err = self.finish(p)
        env = dict(l.split("=", 1) for l in out.splitlines()[1:])
        self.assertEqual(env["LISTEN_FDS"], "1")
        self.assertEqual(env["LISTEN_PID"], str(p.pid))  # one pid, exec after exec
        self.assertEqual(env["LISTEN_FDNAMES"], "web")

    def test_not_for_this_process(self):
        """Variables meant for another process, or a count out of range:
        fd 3 is closed like any inherited fd and the variables are gone."""
        for wrap in (["env", "LISTEN_PID=1"], ["env", "LISTEN_FDS=65"],
                     ["env", "LISTEN_FDS=0"], ["env", "LISTEN_FDS=1x"]):
            with self.subTest(wrap=wrap):
                p, _ = self.activate(ROOT, "svc.svc", "fds", wrap=wrap)
                rc, out, err = self.finish(p)
                self.assertEqual(sorted(self.fd_numbers(out.splitlines())), [0, 1, 2], out)
                p, _ = self.activate(ROOT, "svc.svc", "env", wrap=wrap)
                out = self.finish(p)[1]
                self.assertNotIn("LISTEN_", out)

    def test_only_sockets(self):
        """fd 3 named a socket of this process but is a file: refused."""
        for who in WHO:
            with self.subTest(who=who):
                p = subprocess.run(
                    ["sh", "-c", 'exec 3</etc/hostname; LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"',
                     "sh", installed_cordon(), "run", "svc.svc", "fds"],
                    env=self.s.env(), capture_output=True, text=True, timeout=60,
                    user=None if who == ROOT else who)
                self.assertNotEqual(p.returncode, 0)
                self.assertEqual(p.stdout, "")
                self.assertIn("fd 3 is not a socket", p.stderr)


class NotifyTest(ServiceCase):
    def setUp(self):
        super().setUp()
        self.rundir = os.path.join(self.s.root, "run", "systemd")
        os.makedirs(self.rundir, mode=0o755, exist_ok=True)
        self.notify = self.dgram(os.path.join(self.rundir, "notify"))
        self.other = self.dgram(os.path.join(self.rundir, "other"))

    def dgram(self, path, owner=ROOT):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(10)
        self.addCleanup(s.close)
        self.remove_later(path)
        os.chown(path, self.uid(owner), self.gid(owner))
        os.chmod(path, 0o777)  # as systemd makes it
        return s

    def env_for(self, path):
        return {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"}

    def test_notify_daemon_reaches_the_socket(self):
        path = self.notify.getsockname()
        for who in WHO:
            with self.subTest(who=who):
                self.assertEqual(self.probe_as(who, "svc.notifier", "sd-notify", "READY=1",
                                               env=self.env_for(path)), "OK")
                self.assertEqual(self.notify.recv(64), b"READY=1")
                env = self.run_as(who, "svc.notifier", "env", env=self.env_for(path)).stdout
                self.assertIn(f"NOTIFY_SOCKET={path}\n", env)
                self.assertIn("WATCHDOG_USEC=30000000\n", env)
                self.assertIn("WATCHDOG_PID=42\n", env)
                # that socket alone: its neighbour stays out of reach
                self.assertIn(self.probe_as(who, "svc.notifier", "unix-dgram-send",
                                            self.other.getsockname(), env=self.env_for(path)),
                              REFUSED + ("ENOENT",))

    def test_plain_app_gets_nothing(self):
        path = self.notify.getsockname()
        for who in WHO:
            with self.subTest(who=who):
                # control: reachable unconfined
                self.assertEqual(self.host_as(who, "unix-dgram-send", path), "OK")
                self.notify.recv(64)
                env = self.run_as(who, "svc.plain", "env", env=self.env_for(path)).stdout
                self.assertNotIn("NOTIFY_SOCKET", env)
                self.assertNotIn("WATCHDOG_", env)
                got = self.probe_as(who, "svc.plain", "unix-dgram-send", path,
                                    env=self.env_for(path))
                # exactly what any other socket there gives
                self.assertEqual(got, self.probe_as(who, "svc.plain", "unix-dgram-send",
                                                    self.other.getsockname()))
                self.assertIn(got, ("EACCES", "ENOENT"))

    def test_daemon_notify_plug(self):
        path = self.notify.getsockname()
        self.assertEqual(self.probe_as(ROOT, "svc.plugged", "sd-notify", "READY=1",
                                       env=self.env_for(path)), "ENOENT")
        self.cordon("connect", "svc:daemon-notify")
        for who in WHO:
            with self.subTest(who=who):
                self.assertEqual(self.probe_as(who, "svc.plugged", "sd-notify", "READY=1",
                                               env=self.env_for(path)), "OK")
                self.assertEqual(self.notify.recv(64), b"READY=1")

    def test_other_sockets_are_refused(self):
        """Whatever else a caller names in NOTIFY_SOCKET is dropped and stays
        unreachable: another root socket beside it, a socket of the user's
        own, the right name owned by the user, an abstract name."""
        home = self.home(USER)
        own = self.dgram(os.path.join(home, "notify"), owner=USER)
        named = [self.other.getsockname(), own.getsockname(),
                 self.notify.getsockname() + "/", self.rundir + "/../systemd/notify",
                 "@cordon-test-notify"]
        for who in WHO:
            for path in named:
                with self.subTest(who=who, socket=path):
                    env = self.run_as(who, "svc.notifier", "env",
                                      env=self.env_for(path)).stdout
                    self.assertNotIn("NOTIFY_SOCKET", env)
                    self.assertNotIn("WATCHDOG_", env)
                    if not path.startswith("@"):
                        self.assertIn(self.probe_as(who, "svc.notifier", "unix-dgram-send",
                                                    path.rstrip("/")),
                                      REFUSED + ("ENOENT", "ENOTDIR"))
        # the right name, but the socket is not root's
        os.chown(self.notify.getsockname(), self.uid(USER), self.gid(USER))
        for who in WHO:
            with self.subTest(who=who, owner=USER):
                self.assertEqual(self.probe_as(who, "svc.notifier", "sd-notify", "READY=1",
                                               env=self.env_for(self.notify.getsockname())),
                                 "ENOENT")
