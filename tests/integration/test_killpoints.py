"""Issue 15, "Nothing half-done": every state-changing command, and the
launcher's first launch, killed (SIGKILL, as a power cut) at each of its
mutating system calls in turn; after the kill one `cordon list` as root must
leave a root where every invariant of invariants.py holds, and the change
either happened or did not (the state and the compiled files are those of
before or those of after); where it did not, the same command run again must
work and give the state of after.

How a kill point is made: `strace -f -e inject=S:signal=KILL:when=N` stops the
command on entering the N-th call of system call S (the call is not made).
strace counts each system call of the set separately and each traced process
separately (checked: `inject=mkdir,rmdir:when=2` kills at the second mkdir,
and a forked child starts counting from zero), so a set of several calls
would only give the earliest of several points; the sweep injects one system
call at a time. The points of a command are (S, N) for each mutating S and
N = 1..the number of S calls it makes (counted by a first, untouched run of
the same command from the same starting state, `strace -f -o`): each is a
distinct point of the command. None of the commands swept forks, so counting
per process is counting per command (the launcher forks to start the snapctl
broker only when it is not traced: runtime/snapctl_spawn.h).

The mutating system calls (MUTATING): what changes the file system, the
mount table, loop devices, namespaces, or SQLite's files (which it writes
with write/pwrite64 and makes durable with fsync/fdatasync). openat(O_CREAT)
is left out (strace cannot filter on flags; a file created empty is written
next, or renamed, or unlinked, which are points). ioctl is there for loop
devices (LOOP_CTL_GET_FREE, LOOP_CONFIGURE) and the namespace ioctls.

The world each command starts from: `prov` (a content slot `data` sharing
$SNAP/shared, installed from a directory) and `cons` (two apps and a hook,
a content plug `data`): see the SETUPS and SWEEPS tables. Every app is the
probe; a test user runs them through the installed setuid launcher, so the
root is the test build's system root (SystemScratch).

Cost: CORDON_SWEEP=full (make check-full) runs every point. Otherwise (make
check) a deterministic sample: for each system call, every N if it makes at
most SMALL calls, else the first, the last and every k-th, k chosen
so that a command has at most CORDON_SWEEP_POINTS (default 30) points.
CORDON_SWEEP_LOG=FILE appends one JSON line per point (command, call, N,
exit status, violations).
"""
import ctypes
import json
import math
import os
import re
import shutil
import subprocess
import time

import cordonlib
from cordonlib import (CordonTestCase, SystemScratch, cgroup_roots, loops_backed_by,
                       mounts_under, rmdir_cgroup_tree)
from invariants import World, check, outcome, policy_snapshot

MUTATING = [
    "mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir",
    "chmod", "fchmod", "fchmodat", "chown", "fchown", "fchownat", "lchown",
    "mount", "umount2", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
    "mount_setattr", "write", "pwrite64", "writev", "pwritev", "pwritev2", "fsync",
    "fdatasync", "sync_file_range", "ftruncate", "truncate", "fallocate", "symlink",
    "symlinkat", "link", "linkat", "ioctl", "setns", "unshare",
]

# the calls a full disk fails (ENOSPC)
# (not write: it also writes the command's output to its pipe, which no full
# disk fails; the files cordon writes are fsync'ed, and fsync is here)
ENOSPC_CALLS = ["mkdir", "mkdirat", "pwrite64", "writev", "pwritev", "fsync",
                "fdatasync", "fallocate", "symlink", "symlinkat", "link", "linkat", "rename",
                "renameat", "renameat2"]

FULL = os.environ.get("CORDON_SWEEP", "") == "full"
BUDGET = int(os.environ.get("CORDON_SWEEP_POINTS", "30"))
SMALL = 3
LOG = os.environ.get("CORDON_SWEEP_LOG")
USER = "cordontestk"
TIMEOUT = 120

PROV = """\
name: prov
version: '1.0'
summary: provider
apps:
  prov:
    command: bin/probe
slots:
  data:
    interface: content
    content: cdata
    read: [$SNAP/shared]
"""

CONS = """\
name: cons
version: '{v}'
summary: consumer
apps:
  cons:
    command: bin/probe
  other:
    command: bin/probe
hooks:
  configure:
plugs:
  data:
    interface: content
    content: cdata
    target: $SNAP_DATA/target
"""

_libc = ctypes.CDLL(None, use_errno=True)
MNT_DETACH = 2


def select_points(counts):
    """The (call, N) points to run: all of them in full mode, else the sample
    described at the top."""
    every = [(s, n) for s in sorted(counts) for n in range(1, counts[s] + 1)]
    if FULL or len(every) <= BUDGET:
        return every
    must = []
    rest = []
    for s in sorted(counts):
        c = counts[s]
        for n in range(1, c + 1):
            if c <= SMALL or n in (1, c):
                must.append((s, n))
            else:
                rest.append((s, n))
    room = max(BUDGET - len(must), 0)
    if room and rest:
        k = math.ceil(len(rest) / room)
        must += rest[k // 2::k]
    return sorted(must, key=every.index)


def count_calls(trace):
    """{call: the most calls of it one process made} from `strace -f -o`."""
    per = {}
    rx = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z0-9_]+)\(")
    with open(trace) as f:
        for line in f:
            m = rx.match(line)
            if not m or "resumed>" in line or m.group(2) not in MUTATING:
                continue
            key = (m.group(1), m.group(2))
            per[key] = per.get(key, 0) + 1
    out = {}
    for (_, call), n in per.items():
        out[call] = max(out.get(call, 0), n)
    return out


class KillPointTest(CordonTestCase):
    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        self.pw = self.s.add_user(USER)
        self.addCleanup(subprocess.run, ["userdel", USER], capture_output=True)
        self.w = World(self.s.root, self.run_cli, self.s.cgroup_parent, users=[USER],
                       content=[("cons", "data", "cons.cons", "target/f.txt"),
                                ("cons", "data", "cons.other", "target/f.txt")])
        self.prov = self.s.make_snap("prov", PROV, files={"shared/f.txt": ("shared\n", 0o644)})
        self.cons1 = self.s.make_snap("cons", CONS.format(v="1.0"), dirname="cons1",
                                      files={"meta/hooks/configure": "#!/bin/sh\n"})
        self.cons2 = self.s.make_snap("cons", CONS.format(v="2.0"), dirname="cons2",
                                      files={"meta/hooks/configure": "#!/bin/sh\n"})
        self.cons1_snap = self.s.pack(self.cons1)
        self.cons2_snap = self.s.pack(self.cons2)

    # ---- the root ----

    def run_cli(self, *args, user=None, check=False):
        return self.s.cordon(*args, user=user, check=check, timeout=TIMEOUT)

    def wipe(self):
        """Back to an empty root, quickly (no `cordon remove`: the root may
        be broken), keeping work/ (the snaps) and the user's home."""
        root = self.s.root
        # the snapctl broker an untraced launch (the invariants') started:
        # it would outlive its root and hold its cgroup (a traced launch
        # starts none, runtime/snapctl_spawn.h)
        cordonlib.stop_brokers(root)
        for mp in sorted(mounts_under(root), key=len, reverse=True):
            if _libc.umount2(mp.encode(), MNT_DETACH) != 0:
                subprocess.run(["umount", "-l", mp], capture_output=True)
        for loop in loops_backed_by(root):
            subprocess.run(["losetup", "-d", "/dev/" + loop], capture_output=True)
        for croot in cgroup_roots():
            rmdir_cgroup_tree(os.path.join(croot, self.s.cgroup_parent))
        for e in os.listdir(root):
            if e != "work":
                shutil.rmtree(os.path.join(root, e))
        os.makedirs(self.s.home, mode=0o700)
        home = self.pw.pw_dir
        os.makedirs(home, mode=0o700)
        os.chown(home, self.pw.pw_uid, self.pw.pw_gid)
        deadline = time.monotonic() + 20
        while loops_backed_by(root) and time.monotonic() < deadline:
            time.sleep(0.02)

    # the starting states
    def base(self):
        self.run_cli("install", "--dangerous", self.prov, check=True)

    def one(self, connected=False):
        self.base()
        self.run_cli("install", "--dangerous", self.cons1, check=True)
        if connected:
            self.run_cli("connect", "cons:data", "prov:data", check=True)
        with open(self.w.path("var/snap/cons/x1/state.txt"), "w") as f:
            f.write("x1 data\n")
        # the user's data of x1, which a refresh copies (store/userdata.h)
        snapdir = os.path.join(self.pw.pw_dir, "snap")
        ud = os.path.join(snapdir, "cons", "x1")
        os.makedirs(os.path.join(ud, "sub"))
        with open(os.path.join(ud, "sub", "f"), "w") as f:
            f.write("user data\n")
        os.symlink("sub/f", os.path.join(ud, "link"))
        os.chmod(snapdir, 0o700)
        for p in (snapdir, os.path.dirname(ud), ud, os.path.join(ud, "sub"),
                  os.path.join(ud, "sub", "f"), os.path.join(ud, "link")):
            os.lchown(p, self.pw.pw_uid, self.pw.pw_gid)

    def two(self):
        self.one(connected=True)
        self.run_cli("install", "--dangerous", self.cons2_snap, check=True)

    # ---- one kill point ----

    def strace_cmd(self, args, user, *opts):
        cmd = ["strace", "-f", "-qq", *opts]
        env = self.s.env()
        if user:
            cmd += ["-u", user]
            env["HOME"] = self.pw.pw_dir
        return cmd + [cordonlib.installed_cordon()] + list(args), env

    def run_traced(self, args, user, *opts):
        cmd, env = self.strace_cmd(args, user, *opts)
        try:
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                                  cwd="/")
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(cmd, "timeout", e.stdout or "", e.stderr or "")

    def after(self, label, killed, pre, post, pre_pol, post_pol, retry):
        """The checks after one run: `cordon list` as root, then every
        invariant, then before-or-after; if before, the command again
        (`retry`) must work."""
        bad = []
        p = self.run_cli("list")
        if p.returncode != 0 and not p.stderr.startswith("No snaps"):
            bad.append(f"cordon list after the kill failed ({p.returncode}): {p.stderr.strip()}")
        bad += check(self.w)
        got = outcome(self.s.root)
        if got not in (pre, post):
            bad.append(f"state neither before nor after: {got} (before {pre}, after {post})")
        else:
            want = pre_pol if got == pre else post_pol
            if want is not None:
                have = policy_snapshot(self.s.root)
                # (a stray temporary file is reported above already)
                diff = sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k)
                              and not os.path.basename(k).startswith("."))
                if diff:
                    bad.append(f"state as {'before' if got == pre else 'after'} but compiled "
                               f"files differ from it: {diff}")
        if retry and got == pre and pre != post:
            # rolled back: from there the command works as from the start
            p = self.run_cli(*retry)
            if p.returncode != 0:
                bad.append(f"rolled back, but the command then fails: {p.stderr.strip()[:300]}")
            elif outcome(self.s.root) != post:
                bad.append(f"rolled back, the command run again gives {outcome(self.s.root)}, "
                           f"not {post}")
            bad += [f"after running it again: {b}" for b in check(self.w, launch=False)
                    if b not in bad]
        if LOG:
            with open(LOG, "a") as f:
                f.write(json.dumps({"test": self.id(), "point": label, "killed": killed,
                                    "violations": bad}) + "\n")
        return bad

    def sweep(self, setup, args, user=None, disk_full=False):
        """disk_full: instead of a kill, from the N-th call of S on every call
        of S fails with ENOSPC (`inject=S:error=ENOSPC:when=N+`), for the
        calls that can fail so; the exit status must then tell the truth:
        0 with the state of after, anything else with the state of before
        (once the next command has run)."""
        # the untouched run: counts the points, and gives "after"
        self.wipe()
        setup()
        pre = outcome(self.s.root)
        pre_pol = policy_snapshot(self.s.root)
        trace = os.path.join(cordonlib.CHECK_DIR, "sweep.trace")
        p = self.run_traced(args, user, "-o", trace, "-e", "trace=" + ",".join(MUTATING))
        self.assertEqual(p.returncode, 0, f"cordon {args}: {p.stderr}")
        counts = count_calls(trace)
        os.unlink(trace)
        post = outcome(self.s.root)
        post_pol = policy_snapshot(self.s.root)
        violations = {}
        base = check(self.w)
        if base:
            violations["(not killed)"] = base
        # are the compiled files the same from the same start (so that the
        # after state can be compared byte for byte)?
        self.wipe()
        setup()
        if policy_snapshot(self.s.root) != pre_pol:
            pre_pol = post_pol = None
        if disk_full:
            counts = {c: n for c, n in counts.items() if c in ENOSPC_CALLS}
        points = select_points(counts)
        started = time.monotonic()
        for i, (call, n) in enumerate(points):
            if i:
                self.wipe()
                setup()
            inject = (f"inject={call}:error=ENOSPC:when={n}+" if disk_full
                      else f"inject={call}:signal=KILL:when={n}")
            p = self.run_traced(args, user, "-o", "/dev/null", "-e", f"trace={call}",
                                "-e", inject)
            # strace -f counts the calls of every process, the hooks' too:
            # a kill landing in a hook's launcher (cons has a configure
            # hook) fails the hook, and the change is undone as for any
            # failing hook; the state must then be as for a kill
            killed = p.returncode in (-9, 137) or (
                'run hook "' in p.stderr and "killed by signal 9" in p.stderr)
            label = f"{call} when={n}" + ("+ ENOSPC" if disk_full else "")
            bad = []
            if p.returncode == "timeout":
                bad.append("hung (timeout)")
            elif not killed and p.returncode != 0 and not disk_full:
                bad.append(f"exit {p.returncode}: {p.stderr.strip()[:300]}")
            if disk_full and p.returncode != "timeout" and pre != post:
                # the truth of the exit status, once the next command ran
                # (after() may run the command again)
                self.run_cli("list")
                got = outcome(self.s.root)
                if p.returncode == 0 and got != post:
                    bad.append(f"exit 0, but the change did not happen: {got}")
                elif p.returncode != 0 and got != pre:
                    bad.append(f"exit {p.returncode} ({p.stderr.strip()[:200]}), but the "
                               f"change happened")
            bad += self.after(label, killed, pre, post, pre_pol, post_pol,
                              None if args[0] == "run" else args)
            if bad:
                violations[label] = bad
        took = time.monotonic() - started
        total = sum(counts.values())
        print(f"\n  {' '.join(args)}: {len(points)} of {total} points in {took:.0f} s "
              f"({counts})", flush=True)
        if violations:
            self.fail(f"cordon {' '.join(args)}" + (f" as {user}" if user else "") +
                      f": {len(violations)} kill points break invariants:\n" +
                      "\n".join(f"  {k}:\n    " + "\n    ".join(v)
                                for k, v in violations.items()))

    # ---- the commands ----

    def test_install_first_packed(self):
        self.sweep(self.base, ["install", "--dangerous", self.cons1_snap])

    def test_install_first_directory(self):
        self.sweep(self.base, ["install", "--dangerous", self.cons1])

    def test_refresh(self):
        self.sweep(lambda: self.one(connected=True),
                   ["install", "--dangerous", self.cons2_snap])

    def test_revert(self):
        self.sweep(self.two, ["revert", "cons"])

    def test_revert_disk_full(self):
        self.sweep(self.two, ["revert", "cons"], disk_full=True)

    def test_refresh_disk_full(self):
        self.sweep(lambda: self.one(connected=True),
                   ["install", "--dangerous", self.cons2_snap], disk_full=True)

    def test_remove(self):
        self.sweep(self.two, ["remove", "cons"])

    def test_remove_slot_snap(self):
        self.sweep(lambda: self.one(connected=True), ["remove", "prov"])

    def test_connect(self):
        self.sweep(self.one, ["connect", "cons:data", "prov:data"])

    def test_disconnect(self):
        self.sweep(lambda: self.one(connected=True), ["disconnect", "cons:data"])

    def test_alias(self):
        self.sweep(self.one, ["alias", "cons.other", "co"])

    def test_remove_with_alias(self):
        def setup():
            self.two()
            self.run_cli("alias", "cons.other", "co", check=True)
        self.sweep(setup, ["remove", "cons"])

    def test_prune_killed_in_user_data(self):
        """A refresh beyond the retained revisions prunes the oldest: prov
        at x1 and x2, the refresh makes x3 and removes x1, with the user's
        ~/snap/prov/x1. Killed at its first removal there (a point the
        sampled sweep may not hit), the next command must finish the prune:
        nothing of x1 left, in the user's home either. (The users' data was
        removed last, after the directories by which a later prune finds the
        revision: a kill in between left it behind for good, as
        test_concurrency found.) prov has no hook: every unlinkat counted is
        the command's own (strace counts each process's apart)."""
        args = ["install", "--dangerous", self.prov]
        ud = os.path.join(self.pw.pw_dir, "snap", "prov", "x1")

        def setup():
            self.base()
            self.run_cli("install", "--dangerous", self.prov, check=True)
            os.makedirs(os.path.join(ud, "sub"))
            with open(os.path.join(ud, "sub", "f"), "w") as f:
                f.write("user data\n")
            for d, _, files in os.walk(os.path.join(self.pw.pw_dir, "snap")):
                for q in [d] + [os.path.join(d, n) for n in files]:
                    os.lchown(q, self.pw.pw_uid, self.pw.pw_gid)

        self.wipe()
        setup()
        # the untouched run: which unlinkat is the first in the user's data
        # (-y: each fd with its path)
        trace = os.path.join(cordonlib.CHECK_DIR, "prune.trace")
        p = self.run_traced(args, None, "-y", "-o", trace, "-e", "trace=unlinkat")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(trace) as f:
            lines = [line for line in f if " unlinkat(" in line]
        os.unlink(trace)
        self.assertFalse(os.path.exists(ud), "the untouched refresh left ~/snap/prov/x1")
        self.assertEqual(len({line.split()[0] for line in lines}), 1, "".join(lines))
        when = next((i + 1 for i, line in enumerate(lines) if f"<{ud}" in line), None)
        self.assertIsNotNone(when, f"no unlinkat in {ud}: {lines}")
        self.wipe()
        setup()
        p = self.run_traced(args, None, "-o", "/dev/null", "-e", "trace=unlinkat",
                            "-e", f"inject=unlinkat:signal=KILL:when={when}")
        self.assertIn(p.returncode, (-9, 137), p.stderr)
        # the control: killed after the commit, the user's data of x1 whole
        self.assertEqual(dict(outcome(self.s.root)[1])["prov"], ("x2", "x3"))
        self.assertTrue(os.path.exists(os.path.join(ud, "sub", "f")))
        p = self.run_cli("list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(check(self.w), [])
        self.assertFalse(os.path.exists(ud), "~/snap/prov/x1 left behind")

    def test_first_launch(self):
        self.sweep(lambda: self.one(connected=True),
                   ["run", "cons.cons", "env", "SNAP_REVISION"])

    def test_first_launch_as_user(self):
        self.sweep(lambda: self.one(connected=True),
                   ["run", "cons.cons", "env", "SNAP_REVISION"], user=USER)
