"""Calls that change another process given its pid, process group or uid
(prlimit64, setpriority, sched_setscheduler, sched_setparam, sched_setattr,
sched_setaffinity, ioprio_set) reach only the caller from a sandbox: pid 0 or
its own pid (SELF in data/seccomp/default.txt). Landlock scopes signals, but
the kernel has no such scope for these: it only asks that the uids match.

Each attack is first made unconfined on a victim the test starts (`sleep`,
owned by the attacker's user), with its real effect read from /proc (the
control); then from a root-run and from a user-run plug-less snap, where it
fails with EPERM and the victim is unchanged; then from a snap with
process-control connected, where it works again. The caller changing itself
(pid 0 and its own pid) works inside all along. Root-run and user-run apps
go through the installed setuid launcher (SystemScratch, as test_users.py)."""
import os
import pwd
import re
import signal
import subprocess
import time

import cordonlib
from cordonlib import CordonTestCase, SystemScratch, probe_yaml, wait_until

USER = "cordontestpid"
ROOT = "root"

PLUGLESS = probe_yaml("pids")
PROCESS_CONTROL = probe_yaml("pidsctl", extra="""
    plugs:
      process-control:
        interface: process-control
    """)


def stat_field(pid, n):
    """Field n (1-based, proc(5)) of /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()[n - 3]


def nice(pid):
    return int(stat_field(pid, 19))


def policy(pid):
    return int(stat_field(pid, 41))  # 0 SCHED_OTHER, 3 BATCH, 5 IDLE


def rt_priority(pid):
    return int(stat_field(pid, 40))


def limit(name):
    def read(pid):
        with open(f"/proc/{pid}/limits") as f:
            for line in f:
                if line.startswith(name):
                    return tuple(re.split(r"\s{2,}", line.strip())[1:3])
        raise AssertionError(f"no {name} in /proc/{pid}/limits")
    return read


def cpus(pid):
    with open(f"/proc/{pid}/status") as f:
        return re.search(r"^Cpus_allowed_list:\s*(\S+)", f.read(), re.M).group(1)


def cpu_seconds(pid):
    return (int(stat_field(pid, 14)) + int(stat_field(pid, 15))) / os.sysconf("SC_CLK_TCK")


def kill_orphan(pid):
    """Kill a process the test does not parent and wait until it is gone
    (init reaps it): userdel refuses a user who still has a process."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_until(lambda: not os.path.exists(f"/proc/{pid}"), what=f"pid {pid} to go")


def ioprio(pid):
    p = subprocess.run([cordonlib.probe_binary(), "ioprio-get", "process", str(pid)],
                       capture_output=True, text=True, check=True)
    return p.stdout.strip()


# (probe arguments with {pid}, how the victim is read, what the attack makes
# of it, what the victim needs: "session" (its own process group, pgid ==
# pid) or "rt" (SCHED_FIFO 10, which only root can set up))
ATTACKS = {
    "prlimit-fsize": (["prlimit", "{pid}", "fsize", "0", "0"], limit("Max file size"),
                      ("0", "0"), None),
    "prlimit-cpu": (["prlimit", "{pid}", "cpu", "1", "1"], limit("Max cpu time"),
                    ("1", "1"), None),
    "setpriority": (["setpriority", "process", "{pid}", "19"], nice, 19, None),
    "setpriority-pgrp": (["setpriority", "pgrp", "{pid}", "19"], nice, 19, "session"),
    "sched-setscheduler": (["sched-setscheduler", "{pid}", "idle"], policy, 5, None),
    "sched-setattr": (["sched-setattr", "{pid}", "batch"], policy, 3, None),
    "sched-setparam": (["sched-setparam", "{pid}", "1"], rt_priority, 1, "rt"),
    "sched-setaffinity": (["sched-setaffinity", "{pid}", "0"], cpus, "0", None),
    "ioprio-set": (["ioprio-set", "process", "{pid}", "idle"], ioprio, "OK 3 0", None),
    "ioprio-set-pgrp": (["ioprio-set", "pgrp", "{pid}", "idle"], ioprio, "OK 3 0", "session"),
}

# The caller changing itself: allowed everywhere (pid 0, or its own pid).
SELF_OPS = [
    (["prlimit", "{pid}", "nofile", "512", "512"], "OK 512 512"),
    (["prlimit", "{pid}", "fsize", "4096", "inf"], "OK 4096 inf"),
    (["setpriority", "process", "{pid}", "5"], "OK 5"),
    (["sched-setscheduler", "{pid}", "batch"], "OK batch"),
    (["sched-setparam", "{pid}", "0"], "OK 0"),
    (["sched-setattr", "{pid}", "idle"], "OK idle"),
    (["sched-setaffinity", "{pid}", "0"], "OK 0"),
    (["ioprio-set", "process", "{pid}", "be", "4"], "OK 2 4"),
]


class PidsTestCase(CordonTestCase):
    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        self.user = self.s.add_user(USER)
        self.addCleanup(subprocess.run, ["userdel", USER], capture_output=True)
        self.install("pids", PLUGLESS)
        self.install("pidsctl", PROCESS_CONTROL)
        self.cordon("connect", "pidsctl:process-control")

    # -- processes of a caller: ROOT or USER --

    def ids(self, who):
        pw = pwd.getpwnam(who)
        return pw.pw_uid, pw.pw_gid

    def victim(self, who, need=None, cmd=("sleep", "120")):
        """An unconfined process of that caller's user, killed at cleanup."""
        uid, gid = self.ids(who)
        p = subprocess.Popen(list(cmd), user=uid, group=gid, extra_groups=[],
                             start_new_session=need == "session", cwd="/")
        self.addCleanup(cordonlib.stop_process, p)
        if need == "rt":
            # root sets it up; the attacker may then lower it (same uid)
            self.assertEqual(self.probe_host("sched-setscheduler", p.pid, "fifo", "10"),
                             "OK fifo")
        return p

    def outside(self, who, *args):
        """The probe unconfined, as that caller's user: the control."""
        uid, gid = self.ids(who)
        p = subprocess.run([cordonlib.probe_binary()] + [str(a) for a in args],
                           capture_output=True, text=True, user=uid, group=gid,
                           extra_groups=[], env={"PATH": "/usr/bin:/bin"}, cwd="/",
                           timeout=60)
        return p.stdout.strip()

    def inside(self, who, snap, *args):
        """The probe through `snap`'s app, run by that caller."""
        p = self.s.cordon("run", snap, *args, check=False, user=None if who == ROOT else who)
        self.assertEqual(p.returncode, 0, f"{snap} {args} as {who}: {p.stdout}{p.stderr}")
        return p.stdout.strip()

    def attack(self, who, name, where):
        """One attack on a fresh victim: `where` is "outside", "pids" or
        "pidsctl". Returns (result, state before, state after)."""
        args, read, _, need = ATTACKS[name]
        v = self.victim(who, need)
        before = read(v.pid)
        args = [a.format(pid=v.pid) for a in args]
        if where == "outside":
            got = self.outside(who, *args)
        else:
            got = self.inside(who, where, *args)
        after = read(v.pid)
        self.assertIsNone(v.poll(), f"{name}: the victim died")
        return got, before, after


class AttackTest(PidsTestCase):
    def check_attack(self, name):
        _, _, changed, _ = ATTACKS[name]
        for who in (ROOT, USER):
            with self.subTest(who=who, where="outside"):
                got, before, after = self.attack(who, name, "outside")
                self.assertTrue(got.startswith("OK"), got)
                self.assertNotEqual(before, changed)
                self.assertEqual(after, changed)
            with self.subTest(who=who, where="plug-less snap"):
                got, before, after = self.attack(who, name, "pids")
                self.assertEqual(got, "EPERM")
                self.assertEqual(after, before)
            with self.subTest(who=who, where="process-control"):
                got, before, after = self.attack(who, name, "pidsctl")
                self.assertTrue(got.startswith("OK"), got)
                self.assertEqual(after, changed)

    def test_prlimit_fsize(self):
        # RLIMIT_FSIZE=0: the victim's next write kills it (SIGXFSZ)
        self.check_attack("prlimit-fsize")

    def test_prlimit_cpu(self):
        self.check_attack("prlimit-cpu")

    def test_setpriority(self):
        self.check_attack("setpriority")

    def test_setpriority_pgrp(self):
        self.check_attack("setpriority-pgrp")

    def test_sched_setscheduler(self):
        self.check_attack("sched-setscheduler")

    def test_sched_setattr(self):
        self.check_attack("sched-setattr")

    def test_sched_setparam(self):
        self.check_attack("sched-setparam")

    def test_sched_setaffinity(self):
        if os.cpu_count() < 2:
            self.skipTest("one CPU: an affinity change cannot be seen")
        self.check_attack("sched-setaffinity")

    def test_ioprio_set(self):
        self.check_attack("ioprio-set")

    def test_ioprio_set_pgrp(self):
        self.check_attack("ioprio-set-pgrp")

    def test_prlimit_query_any_pid(self):
        # reading another process's limits stays allowed (as
        # /proc/<pid>/limits, readable by everyone)
        for who in (ROOT, USER):
            v = self.victim(who)
            want = "OK %s %s" % tuple(x.replace("unlimited", "inf")
                                      for x in limit("Max file size")(v.pid))
            self.assertEqual(self.inside(who, "pids", "prlimit", v.pid, "fsize"), want)


class KillTest(PidsTestCase):
    def busy(self, who):
        return self.victim(who, cmd=("sh", "-c", "while :; do :; done"))

    def test_rlimit_cpu_kills_unconfined_not_from_the_sandbox(self):
        for who in (ROOT, USER):
            with self.subTest(who=who, where="outside"):
                v = self.busy(who)
                self.assertEqual(self.outside(who, "prlimit", v.pid, "cpu", "1", "1"),
                                 "OK 1 1")
                # SIGKILL at the hard limit (SIGXCPU first if soft < hard)
                self.assertIn(v.wait(timeout=60), (-signal.SIGKILL, -signal.SIGXCPU))
            for snap, killed in (("pids", False), ("pidsctl", True)):
                with self.subTest(who=who, where=snap):
                    v = self.busy(who)
                    got = self.inside(who, snap, "prlimit", v.pid, "cpu", "1", "1")
                    if killed:
                        self.assertEqual(got, "OK 1 1")
                        self.assertIn(v.wait(timeout=60),
                                      (-signal.SIGKILL, -signal.SIGXCPU))
                        continue
                    self.assertEqual(got, "EPERM")
                    # past the second of CPU time the limit would have allowed
                    wait_until(lambda: cpu_seconds(v.pid) > 1.5, timeout=60,
                               what="1.5 s of CPU time")
                    self.assertIsNone(v.poll())
                    self.assertEqual(limit("Max cpu time")(v.pid),
                                     ("unlimited", "unlimited"))
                    v.kill()
                    v.wait()


class UserAndGroupTest(PidsTestCase):
    def test_prio_user(self):
        """PRIO_USER and IOPRIO_WHO_USER: every process of a uid. For the
        user, PRIO_USER 0 means its own uid: every process of the user
        (IOPRIO_WHO_USER 0 means uid 0 on Linux 6.18, so the uid is named).
        For root the test names the test user's uid: uid 0 would, if the
        filter failed, change every root process of the machine. A
        capability-less root is refused by the kernel there too, so the
        root-run refusal is pinned by the unit test, and process-control
        (which keeps CAP_SYS_NICE for root) shows the effect."""
        uid = str(self.user.pw_uid)
        for who, who_prio in ((USER, "0"), (ROOT, uid)):
            for op, read, changed in ((["setpriority", "user", who_prio, "19"], nice, 19),
                                      (["ioprio-set", "user", uid, "idle"], ioprio, "OK 3 0")):
                for where, allowed in (("outside", True), ("pids", False),
                                       ("pidsctl", True)):
                    with self.subTest(who=who, op=op[0], where=where):
                        v = self.victim(USER)
                        before = read(v.pid)
                        if where == "outside":
                            got = self.outside(who, *op)
                        else:
                            got = self.inside(who, where, *op)
                        if allowed:
                            self.assertTrue(got.startswith("OK"), got)
                            self.assertEqual(read(v.pid), changed)
                        else:
                            self.assertEqual(got, "EPERM")
                            self.assertEqual(read(v.pid), before)
                        v.kill()
                        v.wait()

    def pipeline(self, who, *cmd):
        """`sleep & cmd` in a new session, as `who`: the victim shares the
        command's process group, as in a shell pipeline. Returns the
        victim's pid and the command's output."""
        uid, gid = self.ids(who)
        p = subprocess.run(["sh", "-c", 'sleep 120 >/dev/null 2>&1 & echo $! $$; exec "$@"',
                            "sh", *cmd],
                           capture_output=True, text=True, user=uid, group=gid,
                           extra_groups=[], start_new_session=True, env=self.s.env(),
                           cwd="/", timeout=120)
        pids, _, out = p.stdout.partition("\n")
        victim, leader = (int(x) for x in pids.split())
        self.addCleanup(kill_orphan, victim)
        # the command (sh, exec'd into it) leads the group the victim is in
        self.assertEqual(os.getpgid(victim), leader)
        return victim, out.strip()

    def test_prio_pgrp_zero_is_the_pipeline(self):
        cordon = cordonlib.installed_cordon()
        for who in (ROOT, USER):
            with self.subTest(who=who, where="outside"):
                v, got = self.pipeline(who, cordonlib.probe_binary(), "setpriority", "pgrp",
                                       "0", "19")
                self.assertEqual(got, "OK 19")
                self.assertEqual(nice(v), 19)
            with self.subTest(who=who, where="pids"):
                v, got = self.pipeline(who, cordon, "run", "pids", "setpriority", "pgrp", "0",
                                       "19")
                self.assertEqual(got, "EPERM")
                self.assertEqual(nice(v), 0)
            with self.subTest(who=who, where="pidsctl"):
                v, got = self.pipeline(who, cordon, "run", "pidsctl", "setpriority", "pgrp",
                                       "0", "19")
                self.assertEqual(got, "OK 19")
                self.assertEqual(nice(v), 19)


class SelfTest(PidsTestCase):
    def test_caller_itself_allowed(self):
        for who in (ROOT, USER):
            for snap in ("pids", "pidsctl"):
                for pid in ("0", "self"):
                    for args, want in SELF_OPS:
                        args = [a.format(pid=pid) for a in args]
                        with self.subTest(who=who, snap=snap, args=args):
                            self.assertEqual(self.inside(who, snap, *args), want)
                            self.assertEqual(self.outside(who, *args), want)  # control

    def test_children_and_threads_need_pid_0(self):
        """SELF is the launched process's pid: its children's pids and other
        threads' ids are refused even though they are in the sandbox (the
        documented limit; they pass 0 themselves). process-control lifts
        it."""
        for who in (ROOT, USER):
            for args, want in ((["prlimit", "child", "nofile", "512", "512"], "OK 512 512"),
                               (["prlimit", "thread", "nofile", "512", "512"], "OK 512 512"),
                               (["sched-setscheduler", "thread", "batch"], "OK batch"),
                               (["setpriority", "process", "child", "5"], "OK 5")):
                with self.subTest(who=who, args=args):
                    self.assertEqual(self.outside(who, *args), want)
                    self.assertEqual(self.inside(who, "pids", *args), "EPERM")
                    self.assertEqual(self.inside(who, "pidsctl", *args), want)

    def test_disconnect_restores_the_restriction(self):
        v = self.victim(USER)
        self.cordon("disconnect", "pidsctl:process-control")
        self.assertEqual(self.inside(USER, "pidsctl", "setpriority", "process", v.pid, "19"),
                         "EPERM")
        self.assertEqual(nice(v.pid), 0)
        self.cordon("connect", "pidsctl:process-control")
        self.assertEqual(self.inside(USER, "pidsctl", "setpriority", "process", v.pid, "19"),
                         "OK 19")
        self.assertEqual(nice(v.pid), 19)
