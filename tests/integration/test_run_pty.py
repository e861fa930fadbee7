"""`cordon run --pty`: the app on a pseudo-terminal of its own.

Without it a confined app inherits the caller's terminal, and a child that
calls setsid() keeps reading it after the app exited: what the user types
into their shell next (snapd and flatpak share this). With --pty the app's
session holds only the slave of a new pty, whose master the CLI closes when
the app exits. Every test runs cordon on a terminal of its own (a pty the
test holds both ends of), as the controlling terminal of a new session, as a
login shell's job would."""
import fcntl
import os
import resource
import select
import signal
import struct
import subprocess
import termios
import time

from cordonlib import (CordonTestCase, SystemScratch, build_path, installed_cordon,
                       probe_yaml, wait_until)

SECRET = b"secret\n"
USER = "cordontestpty"


def _take_terminal():
    # runs in the child after setsid(): fd 0 (the slave) becomes the
    # controlling terminal of the new session; no core file from the
    # signals the tests send (SIGQUIT)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


class Terminal:
    """A pty the test controls: cordon gets the slave as 0/1/2 and
    controlling terminal; the test types into and reads from the master."""

    def __init__(self, rows=24, cols=80):
        self.master, self.slave = os.openpty()
        self.set_size(rows, cols)
        self.output = b""

    def set_size(self, rows, cols):
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def mode(self):
        return termios.tcgetattr(self.slave)

    def spawn(self, cmd, ignore=(), **kw):
        """Start cmd on this terminal; `ignore`: signals it starts with
        ignored."""
        def child():
            _take_terminal()
            for sig in ignore:
                signal.signal(sig, signal.SIG_IGN)
        # no threads in the test process: preexec_fn is safe
        return subprocess.Popen(cmd, stdin=self.slave, stdout=self.slave, stderr=self.slave,
                                start_new_session=True, preexec_fn=child, **kw)

    def read_available(self, timeout=0.0):
        r, _, _ = select.select([self.master], [], [], timeout)
        if r:
            try:
                self.output += os.read(self.master, 65536)
            except OSError:
                pass
        return self.output

    def wait_output(self, needle, timeout=30):
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not in the terminal's output {self.output!r}")
            self.read_available(0.1)
        return self.output

    def finish(self, p, timeout=60):
        """Wait for cordon, reading the terminal meanwhile; its exit status."""
        deadline = time.monotonic() + timeout
        while p.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"cordon did not exit; output {self.output!r}")
            self.read_available(0.05)
        # what cordon wrote before it exited, to the end
        while len(self.output) != len(self.read_available(0.2)):
            pass
        return p.returncode

    def close(self):
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


def proc_state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def kill_pid(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class PtyTest(CordonTestCase):
    """As root, with the test build's launcher (CORDON_CONFINE)."""

    def setUp(self):
        super().setUp()
        self.install("spy", probe_yaml("spy"))
        self.log = os.path.join(self.home(), "snap/spy/x1/reader.log")

    def home(self):
        return self.s.home

    def cordon_cmd(self, *args):
        return [build_path("cordon")] + [str(a) for a in args]

    def run_kw(self, env=None):
        """How cordon is started: environment, working directory, user."""
        return {"env": self.s.env(env), "cwd": self.s.work}

    def run_cordon(self, *args, env=None, **kw):
        """cordon with pipes (no terminal): bytes out."""
        return subprocess.run(self.cordon_cmd(*args), capture_output=True, timeout=60,
                              **self.run_kw(env), **kw)

    def terminal(self, rows=24, cols=80):
        t = Terminal(rows, cols)
        self.addCleanup(t.close)
        return t

    def spawn(self, t, *args, env=None, ignore=()):
        p = t.spawn(self.cordon_cmd(*args), ignore=ignore, **self.run_kw(env))

        def stop():
            if p.poll() is None:
                p.kill()
            p.wait(timeout=30)
        self.addCleanup(stop)
        return p

    def log_lines(self):
        try:
            with open(self.log) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def start_reader(self, *run_flags):
        """cordon run [FLAGS] spy setsid-reader: the app leaves a child
        behind, in a session of its own, holding the app's terminal."""
        t = self.terminal()
        p = self.spawn(t, "run", *run_flags, "spy", "setsid-reader", self.log, 60)
        self.assertEqual(t.finish(p), 0, t.output)
        ok = [l for l in t.output.decode().splitlines() if l.startswith("OK ")]
        self.assertEqual(len(ok), 1, t.output)  # the app's output reached the terminal
        pid = int(ok[0].split()[1])
        self.addCleanup(kill_pid, pid)
        self.assertEqual(self.log_lines()[:1], [f"ready {pid}"])
        # the child outlived cordon run
        self.assertTrue(os.path.exists(f"/proc/{pid}"))
        return t, pid

    def stop_reader(self):
        open(self.log + ".stop", "w").close()
        wait_until(lambda: self.log_lines()[-1:] == ["done"], what="the reader to stop")
        return self.log_lines()

    def test_without_pty_the_left_child_reads_what_is_typed_next(self):
        # the control: the attack works on a plain `cordon run`
        t, pid = self.start_reader()
        os.write(t.master, SECRET)  # the user types at their shell's prompt
        wait_until(lambda: len(self.log_lines()) > 1, what="the reader to read")
        self.assertEqual(self.stop_reader(),
                         [f"ready {pid}", "data " + SECRET.hex(), "done"])

    def test_with_pty_the_left_child_is_cut_off(self):
        t, pid = self.start_reader("--pty")
        # the master was closed before cordon exited: the child's terminal
        # is hung up, and nothing it can reach is the caller's
        wait_until(lambda: len(self.log_lines()) > 1, what="the reader to see the hangup")
        os.write(t.master, SECRET)
        lines = self.stop_reader()
        self.assertEqual((lines[0], lines[-1]), (f"ready {pid}", "done"))
        # a read on a hung-up pty slave answers EIO while the master is being
        # closed, 0 once the hangup is complete (what this machine shows):
        # those, and no byte at all
        self.assertGreater(len(lines), 2)
        self.assertLessEqual(set(lines[1:-1]), {"eof", "EIO"}, lines)
        # what the user typed is still there for the shell (the test)
        r, _, _ = select.select([t.slave], [], [], 10)
        self.assertTrue(r)
        self.assertEqual(os.read(t.slave, 100), SECRET)

    def test_exit_status_and_output(self):
        for flags in ((), ("--pty",)):
            # killed: without --pty cordon's own process is the app (it
            # execs), with it cordon reports the signal as a shell does
            killed = 128 + signal.SIGKILL if flags else -signal.SIGKILL
            for script, status in (("echo out; echo err >&2; exit 3", 3),
                                   ("echo out; echo err >&2", 0),
                                   ("echo out; echo err >&2; kill -KILL $$", killed)):
                with self.subTest(flags=flags, script=script):
                    t = self.terminal()
                    before = t.mode()
                    p = self.spawn(t, "run", *flags, "spy", "exec", "/bin/sh", "-c", script)
                    self.assertEqual(t.finish(p), status, t.output)
                    # both streams reach the caller's terminal (one pty: \r\n)
                    self.assertIn(b"out\r\n", t.output)
                    self.assertIn(b"err\r\n", t.output)
                    self.assertEqual(t.mode(), before)

    def test_interactive_shell(self):
        # typed input goes through, line editing is the app's terminal's
        t = self.terminal()
        before = t.mode()
        p = self.spawn(t, "run", "--pty", "spy", "exec", "/bin/sh")
        # typed ahead before the relay is up, the caller's terminal would
        # still echo and edit it itself
        wait_until(lambda: t.mode()[3] & termios.ICANON == 0, what="raw mode")
        os.write(t.master, b"echo $((6 * 7))x\x7f\n")  # DEL erases the x
        # echoed and edited by the app's terminal, then the shell's answer
        t.wait_output(b"echo $((6 * 7))x\x08 \x08\r\n")
        t.wait_output(b"42\r\n")
        os.write(t.master, b"exit 5\n")
        self.assertEqual(t.finish(p), 5, t.output)
        self.assertEqual(t.mode(), before)

    def test_large_output(self):
        # more than every buffer on the way (partial writes, the drain at
        # exit): all of it arrives, in order, and the status after it
        t = self.terminal()
        script = "head -c 1000000 /dev/zero | tr '\\0' x; echo END; exit 7"
        p = self.spawn(t, "run", "--pty", "spy", "exec", "/bin/sh", "-c", script)
        self.assertEqual(t.finish(p), 7)
        self.assertTrue(t.output.endswith(b"x" * 1000 + b"END\r\n"), t.output[-100:])
        self.assertEqual(t.output.count(b"x"), 1000000)

    def test_app_gets_the_callers_signals(self):
        # the relay blocks and takes signals for itself; the launcher and
        # the app get the caller's mask and ignored signals, as without it
        for ignore in ((), (signal.SIGCHLD, signal.SIGINT, signal.SIGHUP)):
            with self.subTest(ignore=ignore):
                t = self.terminal()
                plain = self.spawn(t, "run", "spy", "status", "SigBlk", "SigIgn",
                                   ignore=ignore)
                self.assertEqual(t.finish(plain), 0)
                t2 = self.terminal()
                pty = self.spawn(t2, "run", "--pty", "spy", "status", "SigBlk", "SigIgn",
                                 ignore=ignore)
                self.assertEqual(t2.finish(pty), 0)  # SIGCHLD ignored: still reaped
                self.assertEqual(t2.output.split(b"\r\n")[:3], t.output.split(b"\r\n")[:3])
                self.assertIn(b"SigBlk: 0000000000000000", t2.output)
                # the signals ignored here, and whatever the environment the
                # test runs in ignores already (the plain run is the control)
                mask = sum(1 << (s - 1) for s in ignore)
                ign = [l for l in t2.output.split(b"\r\n") if l.startswith(b"SigIgn: ")]
                self.assertEqual(len(ign), 1, t2.output)
                self.assertEqual(int(ign[0].split()[1], 16) & mask, mask, t2.output)

    def test_app_cannot_reach_the_master(self):
        # the relay (the app's parent, unconfined, the same user) holds the
        # master: through /proc the app could read the user's input after
        # all. Landlock refuses ptrace-class access outside the sandbox.
        t = self.terminal()
        script = ('for n in 0 1 2 3 4 5 6 7 8 9; do "$SNAP/bin/probe" open-dev '
                  '/proc/$PPID/fd/$n 2>/dev/null; done; read x')
        p = self.spawn(t, "run", "--pty", "spy", "exec", "/bin/sh", "-c", script)
        wait_until(lambda: t.read_available(0.1).count(b"\r\n") >= 10, what="the probes")
        results = t.output.decode().split("\r\n")[:10]
        # the master is there (the control: root, outside, sees it), and
        # what is open at all is refused (the rest is ENOENT)
        fds = [int(n) for n in os.listdir(f"/proc/{p.pid}/fd")
               if os.readlink(f"/proc/{p.pid}/fd/{n}") == "/dev/ptmx"]
        self.assertEqual(len(fds), 1)
        self.assertLess(fds[0], 10)
        self.assertEqual(results[fds[0]], "EACCES")
        self.assertLessEqual(set(results), {"EACCES", "ENOENT"})
        os.write(t.master, b"\n")
        self.assertEqual(t.finish(p), 0, t.output)

    def test_new_terminal_and_window_size(self):
        t = self.terminal(33, 111)
        outer = os.fstat(t.slave).st_rdev
        p = self.spawn(t, "run", "--pty", "spy", "ctty")
        self.assertEqual(t.finish(p), 0, t.output)
        line = t.output.decode().strip().splitlines()[-1]
        f = dict(kv.split("=") for kv in line.split()[1:])
        # the app leads a session whose controlling terminal is its fd 0,
        # and that is not the caller's terminal
        self.assertEqual(f["sid"], f["pid"])
        self.assertEqual(f["tty_sid"], f["sid"])
        self.assertNotEqual(f["rdev"], f"{os.major(outer)}:{os.minor(outer)}")
        # control: without --pty the app has the caller's terminal itself
        t2 = self.terminal()
        p = self.spawn(t2, "run", "spy", "ctty")
        self.assertEqual(t2.finish(p), 0, t2.output)
        outer2 = os.fstat(t2.slave).st_rdev
        self.assertIn(f"rdev={os.major(outer2)}:{os.minor(outer2)}", t2.output.decode())

        # the size at start, then a change (SIGWINCH to cordon, passed on)
        before = t.mode()
        p = self.spawn(t, "run", "--pty", "spy", "winch-wait", 30)
        t.wait_output(b"OK rows=33 cols=111\r\n")
        # while the app runs the caller's terminal is raw: no echo, no
        # line editing, no signals from ^C
        lflag = t.mode()[3]
        self.assertEqual(lflag & (termios.ICANON | termios.ECHO | termios.ISIG), 0)
        t.set_size(44, 122)
        t.wait_output(b"rows=44 cols=122\r\n")
        self.assertEqual(t.finish(p), 0, t.output)
        self.assertEqual(t.mode(), before)  # restored

    def test_signals(self):
        def ctrl_c(t, p):
            # a byte in raw mode: the app's own terminal makes it SIGINT
            os.write(t.master, b"\x03")

        cases = [
            (ctrl_c, 128 + signal.SIGINT),
            (lambda t, p: p.send_signal(signal.SIGTERM), 128 + signal.SIGTERM),
            (lambda t, p: p.send_signal(signal.SIGINT), 128 + signal.SIGINT),
            (lambda t, p: p.send_signal(signal.SIGQUIT), 128 + signal.SIGQUIT),
            # the caller's terminal hangs up: so does the app's
            (lambda t, p: p.send_signal(signal.SIGHUP), 128 + signal.SIGHUP),
            # a signal the relay does not pass on: it dies of it, the
            # terminal restored first; the app's terminal hangs up with it
            (lambda t, p: p.send_signal(signal.SIGUSR1), -signal.SIGUSR1),
        ]
        for action, status in cases:
            with self.subTest(status=status):
                t = self.terminal()
                before = t.mode()
                p = self.spawn(t, "run", "--pty", "spy", "winch-wait", 30)
                t.wait_output(b"OK rows=")
                action(t, p)
                self.assertEqual(t.finish(p), status, t.output)
                self.assertEqual(t.mode(), before)

    def test_suspend_and_resume(self):
        # SIGTSTP to cordon: the terminal is given back and cordon stops;
        # SIGCONT: raw mode again (a shell's `fg`)
        t = self.terminal()
        before = t.mode()
        p = self.spawn(t, "run", "--pty", "spy", "winch-wait", 30)
        t.wait_output(b"OK rows=")
        p.send_signal(signal.SIGTSTP)
        wait_until(lambda: proc_state(p.pid) == "T", what="cordon to stop")
        self.assertEqual(t.mode(), before)
        p.send_signal(signal.SIGCONT)
        wait_until(lambda: t.mode()[3] & termios.ICANON == 0, what="raw mode again")
        os.write(t.master, b"\x03")
        self.assertEqual(t.finish(p), 128 + signal.SIGINT, t.output)
        self.assertEqual(t.mode(), before)

    def test_stdin_not_a_terminal(self):
        # no raw mode; stdin is relayed until its end, which the app reads
        # as the end of its input (VEOF: the partial last line, then EOF)
        cordon = ["run", "--pty", "spy", "exec", "/bin/cat"]
        p = self.run_cordon(*cordon, input=b"hello\nworld")
        self.assertEqual(p.returncode, 0, p)
        self.assertEqual(p.stderr, b"")  # both streams are the pty's, on stdout
        # the pty echoes what it is given, then cat writes it
        self.assertEqual(p.stdout.count(b"hello\r\n"), 2, p.stdout)
        self.assertIn(b"world", p.stdout)
        # nothing at all on stdin
        p = self.run_cordon(*cordon[:3], "ctty", stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p)
        self.assertTrue(p.stdout.startswith(b"OK pid="), p.stdout)

    def test_usage_and_launcher_errors(self):
        usage = ("usage: cordon run [--pty] [--shell | --command=NAME] "
                 "[--strace[=OPTIONS] | --learn] SNAP.APP [ARGS...]")
        for args, msg in (
            (["run", "--pty"], f"error: {usage}"),
            (["run", "--tty", "spy"], f"error: unknown option --tty; {usage}"),
        ):
            p = self.run_cordon(*args)
            self.assertEqual((p.returncode, p.stderr.decode().strip()), (1, msg))
        # the launcher refuses: its message is on the app's terminal, so
        # with --pty on stdout (as the app's stderr is), with its status
        plain = self.run_cordon("run", "nosuch", "ctty")
        pty = self.run_cordon("run", "--pty", "nosuch", "ctty")
        self.assertEqual(plain.returncode, 1)
        self.assertTrue(plain.stderr.startswith(b"error: "), plain.stderr)
        self.assertEqual((pty.returncode, pty.stdout.replace(b"\r\n", b"\n"), pty.stderr),
                         (1, plain.stderr, b""))
        # the launcher cannot run: the same error either way, before
        # anything touches the terminal
        for flags in ((), ("--pty",)):
            p = self.run_cordon("run", *flags, "spy", "ctty",
                                env={"CORDON_CONFINE": "/nonexistent"})
            self.assertEqual((p.returncode, p.stderr.decode().strip()),
                             (1, "error: cannot run the launcher /nonexistent: "
                                 "No such file or directory"))


class PtyAsUserTest(PtyTest):
    """The same, as it is used: an ordinary user's CLI (the relay holds no
    privilege) and the installed setuid launcher."""

    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        self.user = self.s.add_user(USER)
        self.addCleanup(subprocess.run, ["userdel", USER], capture_output=True)
        self.install("spy", probe_yaml("spy"))
        self.log = os.path.join(self.home(), "snap/spy/x1/reader.log")

    def home(self):
        return self.user.pw_dir

    def cordon_cmd(self, *args):
        return [installed_cordon()] + [str(a) for a in args]

    def run_kw(self, env=None):
        return {"env": self.s.env({"HOME": self.home(), **(env or {})}), "cwd": "/",
                "user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
