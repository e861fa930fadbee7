"""The snap's namespace lock (issue 8, item 6): every launch of a snap takes
it while it joins or builds the snap's namespaces, so a launch stopped while
holding it would hang every other launch of the snap, root's included. A
setuid process can be signalled, reniced and rescheduled by the user who
started it; the launcher's privileged phase takes real uid 0 and the default
scheduling, ignores the terminal's stop signals (shield.h), and gives the
caller's niceness and policy back to the command. A wait for the lock is
bounded (30 s; a root caller may shorten it for tests) and ends with a clear
error.

Each attack works against an ordinary process of the user (the control) and
is refused against the user's own waiting launcher."""
import fcntl
import os
import pwd
import signal
import subprocess
import time

import cordonlib
from cordonlib import probe_yaml, stop_process, wait_until
from strictlib import ROOT, USER, StrictCase

SCHED_OTHER, SCHED_IDLE = 0, 5


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return text[text.rindex(")") + 2:].split()  # fields from 3 (state) on


def state(pid):
    return stat_fields(pid)[0]


def nice_and_policy(pid):
    f = stat_fields(pid)
    return int(f[16]), int(f[38])  # fields 19 (nice) and 41 (policy)


class LaunchLockTest(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("locky", probe_yaml("locky"))
        self.probe_as(ROOT, "locky", "cwd")  # the namespaces and the lock file exist
        self.lockfile = os.path.join(self.s.root, "run/cordon/ns/locky.lock")

    def hold_lock(self):
        fd = os.open(self.lockfile, os.O_RDWR | os.O_CLOEXEC)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def spawn_as(self, who, *args, env=None, wrap=()):
        kw = {}
        if who != ROOT:
            pw = pwd.getpwnam(who)
            kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        p = subprocess.Popen(list(wrap) + [cordonlib.installed_cordon()] + list(args),
                             env=self.s.env(env), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd="/", **kw)
        self.addCleanup(stop_process, p)
        return p

    def as_user(self, *cmd):
        pw = self.user
        return subprocess.run(list(cmd), capture_output=True, text=True, user=pw.pw_uid,
                              group=pw.pw_gid, extra_groups=[])

    def waiting_launcher(self, p):
        wait_until(lambda: cordonlib.proc_comm(p.pid) == "cordon-confine",
                   what="the launcher waiting for the lock")
        time.sleep(0.2)
        self.assertIsNone(p.poll())
        return p.pid

    def test_user_cannot_stop_or_slow_the_privileged_phase(self):
        lock = self.hold_lock()
        p = self.spawn_as(USER, "run", "locky", "cat", "/proc/self/stat",
                          wrap=["nice", "-n", "19", "chrt", "-i", "0"])
        pid = self.waiting_launcher(p)
        # the launcher runs with real uid 0 and default scheduling meanwhile
        with open(f"/proc/{pid}/status") as f:
            uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
        self.assertEqual(uids[:3], ["0", "0", "0"])
        self.assertEqual(nice_and_policy(pid), (0, SCHED_OTHER))
        control = subprocess.Popen(["sleep", "60"], user=self.user.pw_uid,
                                   group=self.user.pw_gid, extra_groups=[])
        self.addCleanup(stop_process, control)
        attacks = (["kill", "-STOP"], ["kill", "-KILL"], ["renice", "-n", "19", "-p"],
                   ["chrt", "-i", "-p", "0"], ["prlimit", "--cpu=1", "--pid"])
        for cmd in attacks:
            with self.subTest(attack=cmd):
                # control: the user's own ordinary process
                self.assertEqual(self.as_user(*cmd, str(control.pid)).returncode, 0)
                p_att = self.as_user(*cmd, str(pid))
                self.assertNotEqual(p_att.returncode, 0)
                self.assertIn("Operation not permitted", p_att.stderr)
            if cmd[1] == "-STOP":
                os.kill(control.pid, signal.SIGCONT)
            if cmd[0] == "kill" and cmd[1] == "-KILL":
                control = subprocess.Popen(["sleep", "60"], user=self.user.pw_uid,
                                           group=self.user.pw_gid, extra_groups=[])
                self.addCleanup(stop_process, control)
        # the terminal's stop signals are ignored (root may send them: here
        # a stand-in for a terminal's ^Z)
        for sig in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
            os.kill(pid, sig)
        time.sleep(0.2)
        self.assertNotIn(state(pid), ("T", "t"))
        self.assertIsNone(p.poll())
        os.close(lock)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        # the command has the caller's niceness and policy back
        fields = out.splitlines()[1]
        nice, policy = int(fields[fields.rindex(")") + 2:].split()[16]), \
            int(fields[fields.rindex(")") + 2:].split()[38])
        self.assertEqual((nice, policy), (19, SCHED_IDLE))

    def test_wait_for_the_lock_is_bounded(self):
        lock = self.hold_lock()
        start = time.monotonic()
        p = self.s.cordon("run", "locky", "cwd", env={"CORDON_LOCK_TIMEOUT": "1000"},
                          check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.stderr.strip(),
                         "error: snap locky is busy: another launch or change has held its "
                         "namespace lock for 1.000 s; try again later")
        self.assertLess(time.monotonic() - start, 30)
        # a user cannot shorten (or lengthen) the wait: the override is
        # ignored for callers who are not root
        u = self.spawn_as(USER, "run", "locky", "cwd", env={"CORDON_LOCK_TIMEOUT": "1"})
        self.waiting_launcher(u)
        time.sleep(1)
        self.assertIsNone(u.poll())
        os.close(lock)
        out, err = u.communicate(timeout=60)
        self.assertEqual(u.returncode, 0, err)
        # control: without the holder, the launch goes through at once
        self.assertEqual(self.probe_as(ROOT, "locky", "cwd", env={"CORDON_LOCK_TIMEOUT": "1000"})
                         .split()[0], "OK")
