"""Issue 15, "Nothing half-done": changes and launches in parallel. WORKERS
threads, for SECONDS, each repeatedly picking one of: install / refresh /
revert / remove / connect / disconnect (as root; some of them SIGKILLed after
a random delay), run (as root and as the test user), list and connections
(as the test user and as root).

What must hold:
* no error ever reaches a reader: `list`, `connections` never fail, as root
  or as a user (e.g. never "attempt to write a readonly database");
* `prov` is never removed, so its app always starts (as root and as the
  user) and sees one of its revisions;
* a changing command fails only for a reason of the moment (the snap is not
  installed, nothing to revert to, ...: ALLOWED), never for an internal one;
* nothing hangs: every command has a timeout (TIMEOUT s);
* at the end, after one `cordon list` as root, every invariant of
  invariants.py holds.

CORDON_CONCURRENCY_SECONDS sets the duration (default 30; `make check-full`
runs longer), CORDON_CONCURRENCY_SEED the random seed (printed)."""
import os
import random
import re
import subprocess
import threading
import time

import cordonlib
from cordonlib import CordonTestCase, SystemScratch
from invariants import World, check
from test_killpoints import CONS, PROV

USER = "cordontestc"
WORKERS = 6
SECONDS = float(os.environ.get("CORDON_CONCURRENCY_SECONDS", "30"))
SEED = int(os.environ.get("CORDON_CONCURRENCY_SEED", str(int(time.time()))))
TIMEOUT = 60
KILL_P = 0.3

# why a changing command may fail, given what the others are doing
ALLOWED = [
    r'snap "[a-z]+" is not installed',
    r"no revision to revert to",
    r"not connected",
    r"already connected",
    r"has no plug",
    r"has no slot",
    r"no (matching|such) slot",
]


class ConcurrencyTest(CordonTestCase):
    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        self.s.add_user(USER)
        self.addCleanup(subprocess.run, ["userdel", USER], capture_output=True)
        self.prov = self.s.make_snap("prov", PROV, files={"shared/f.txt": ("shared\n", 0o644)})
        hook = {"meta/hooks/configure": "#!/bin/sh\n"}
        self.cons1 = self.s.make_snap("cons", CONS.format(v="1.0"), dirname="cons1", files=hook)
        self.cons2 = self.s.pack(self.s.make_snap("cons", CONS.format(v="2.0"),
                                                  dirname="cons2", files=hook))
        self.w = World(self.s.root, self.cli, self.s.cgroup_parent, users=[USER],
                       content=[("cons", "data", "cons.cons", "target/f.txt")])
        self.cli("install", "--dangerous", self.prov, check=True)
        self.cli("install", "--dangerous", self.cons1, check=True)
        self.lock = threading.Lock()
        self.problems = []
        self.stats = {}

    def cli(self, *args, user=None, check=False):
        return self.s.cordon(*args, user=user, check=check, timeout=TIMEOUT)

    def note(self, what, p=None):
        with self.lock:
            self.problems.append(what + (f": exit {p.returncode}, {p.stderr.strip()[:300]!r}"
                                         if p is not None else ""))

    def count(self, key):
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + 1

    # ---- the operations ----

    def change(self, rnd, *args):
        """A changing command, maybe SIGKILLed after a random delay."""
        cmd = [cordonlib.installed_cordon()] + [str(a) for a in args]
        p = subprocess.Popen(cmd, env=self.s.env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd="/")
        kill_after = rnd.uniform(0, 0.15) if rnd.random() < KILL_P else None
        try:
            if kill_after is not None:
                try:
                    p.wait(timeout=kill_after)
                except subprocess.TimeoutExpired:
                    p.kill()
                    self.count("killed")
            out, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            self.note(f"hung: cordon {' '.join(args)}")
            return
        self.count(args[0])
        if p.returncode in (0, -9):
            return
        if not any(re.search(rx, err) for rx in ALLOWED):
            self.note(f"cordon {' '.join(map(str, args))}",
                      subprocess.CompletedProcess(cmd, p.returncode, out, err))

    def read(self, rnd, user):
        for args in (["list"], ["connections"], ["connections", "--all"]):
            try:
                p = self.cli(*args, user=user)
            except subprocess.TimeoutExpired:
                self.note(f"hung: cordon {' '.join(args)} as {user or 'root'}")
                continue
            self.count("read")
            if p.returncode != 0:
                self.note(f"reader cordon {' '.join(args)} as {user or 'root'} failed", p)

    def run_app(self, rnd, user):
        app = rnd.choice(["prov.prov", "prov.prov", "cons.cons", "cons.other"])
        try:
            p = self.cli("run", app, "env", "SNAP_REVISION", user=user)
        except subprocess.TimeoutExpired:
            self.note(f"hung: cordon run {app} as {user or 'root'}")
            return
        self.count("run")
        ok = p.returncode == 0 and re.fullmatch(r"OK x\d+", p.stdout.strip())
        if app.startswith("prov.") and not ok:
            self.note(f"cordon run {app} as {user or 'root'} (never removed) failed", p)
        elif not ok and not re.search(r'snap "cons" is not installed|'
                                      r"unknown app: no compiled policy for snap\.cons\.",
                                      p.stderr):
            self.note(f"cordon run {app} as {user or 'root'} failed", p)

    def worker(self, seed, deadline):
        rnd = random.Random(seed)
        ops = [
            (3, lambda: self.change(rnd, "install", "--dangerous",
                                    rnd.choice([self.cons1, self.cons2]))),
            (1, lambda: self.change(rnd, "install", "--dangerous", self.prov)),
            (2, lambda: self.change(rnd, "revert", rnd.choice(["cons", "prov"]))),
            (1, lambda: self.change(rnd, "remove", "cons")),
            (2, lambda: self.change(rnd, "connect", "cons:data", "prov:data")),
            (2, lambda: self.change(rnd, "disconnect", "cons:data")),
            (3, lambda: self.run_app(rnd, rnd.choice([None, USER]))),
            (3, lambda: self.read(rnd, rnd.choice([None, USER, USER]))),
        ]
        table = [f for w, f in ops for _ in range(w)]
        while time.monotonic() < deadline:
            try:
                rnd.choice(table)()
            except Exception as e:  # a bug here must not pass silently
                self.note(f"worker error: {e!r}")

    maxDiff = None

    def test_changes_and_launches_in_parallel(self):
        print(f"\n  seed {SEED}, {WORKERS} workers, {SECONDS:.0f} s", flush=True)
        deadline = time.monotonic() + SECONDS
        threads = [threading.Thread(target=self.worker, args=(SEED + i, deadline))
                   for i in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(SECONDS + 10 * TIMEOUT)
        self.assertFalse(any(t.is_alive() for t in threads), "a worker hangs")
        print(f"  {self.stats}", flush=True)
        p = self.cli("list")
        if p.returncode != 0:
            self.note("cordon list as root at the end failed", p)
        self.problems += [f"at the end: {b}" for b in check(self.w)]
        if self.problems:
            self.fail(f"seed {SEED}: {len(self.problems)} problems:\n  " +
                      "\n  ".join(self.problems))
