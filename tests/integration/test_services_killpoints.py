"""Issue 10's claim about services, tested: "Every step is part of the
store's journaled transaction: a kill -9 at any point of installing,
refreshing or removing a snap with services leaves no unit file, enabled
link or running service that does not match the recorded state after the
next command."

Under a real systemd (test_services.ServicesCase: a container booted over
the host's /usr whose /etc/systemd/{system,user} are the scratch root's), a
snap `svc` with one daemon of each kind that matters here:

  simple   daemon: simple                         enabled, runs
  off      daemon: simple, install-mode: disable  installed, not enabled, not run
  sock     daemon: simple, sockets: {listen}      its socket enabled, listening
  tick     daemon: oneshot, timer: 23:00          its timer enabled, waiting
  endure   daemon: simple, refresh-mode: endure   enabled, runs, not stopped by
                                                  a refresh or a revert
  old/new  daemon: simple                         revision 1 has `old`, 2 has
                                                  `new` instead: a refresh
                                                  drops one unit, adds one

Each service is `sleep <its mark>` (the mark tells its processes apart from
any other), started by the launcher as the unit's ExecStart.

The sweeps (test_install_first, test_refresh, test_revert, test_remove):
the command is killed (SIGKILL) at each of its fault points (CORDON_FAULT,
a -Dfault_injection build; a point that does not kill is reported) and at
the N-th call of each system call S (strace `inject=S:signal=KILL:when=N`,
as test_killpoints): its MUTATING calls, and its fork (clone) of each
systemctl and its wait4 for it.

strace traces the command alone when it kills (no -f): killed while its
systemctl runs (a wait4 point), the command leaves that systemctl running,
an orphan that goes on stopping or starting units while the next command
runs: that is what a kill -9 of the command does. Killing the systemctl
itself (which cordon sees as systemctl failing, not as its own death) is
not a kill of the command and is not swept. The untouched run that counts
the points traces with -f, only to learn which systemctl each wait4 waits
for (its verb: show, stop, daemon-reload, start).

After each kill: the next command (`cordon list` as root, inside: it runs
the recovery); then, once the killed command's orphaned systemctl (if any)
has exited (within ORPHAN_WAIT), the checks, against the files and against
systemd itself (check()):

* invariants.py's checks of files, journal and mounts, but the launches
  (the mounts and cgroups as the container sees them); reported with an
  "invariants.py: " prefix, apart from the claim's;
* the state: `before` or `after` of the command (invariants.outcome); the
  snap's rows in `services` are exactly the daemons of its current
  revision, enabled unless install-mode: disable;
* unit files and enable links of the snap under <root>/etc/systemd/system
  (and user: none here): exactly those the recorded state implies, by name
  (from the revision's apps: APPS, expected_units) and byte for byte (what
  a clean install of that revision writes: REF, made once per class); no
  stray temporary file (.snap.*.tmp, .snap.*.lnk, which no command removes);
* systemd: every enabled unit of the installed snap active (services
  running, the socket listening, the timer waiting); the disabled one not
  active; no unit of the snap that state does not list (a removed snap's,
  a dropped app's) active, or loaded; no unit of the snap needing a
  daemon-reload (what systemd runs is what the files say); `systemctl
  list-jobs` empty;
* processes: each service's mark runs at most once in the container, and
  once for each enabled service, in its unit's cgroup;
* endure, what holds: across a refresh or a revert killed anywhere (rolled
  back or finished), the endure service is the same process as before the
  command (it is never stopped, and nothing restarts it). A remove killed
  before its commit has stopped it: the next command starts it again (a new
  process, as every enabled service); after the remove's commit it is gone.

test_orphaned_stop_of_a_refresh, _of_a_remove: the wait4 point of the
command's `systemctl stop`, with that systemctl slowed down before it
reaches systemd (its connect() delayed ORPHAN_DELAY by strace, standing for
a busy machine): the next command's recovery starts the units, then the
orphan stops them. The sweeps' wait4 points are the same kill at full speed,
where the orphan mostly wins the race. test_checks_see_a_broken_root is the
control: each thing check() looks for, made by hand, is reported.

Cost: CORDON_SWEEP=full (make check-full) runs every point. Otherwise (make
check): every fault point, the wait4 points of a `systemctl stop` or
`start`, and CORDON_SVC_SWEEP_POINTS (default 2) of the other points per
command: the first and the last call of the most frequent system call, then
of the next, then spread. CORDON_SWEEP_LOG=FILE appends one JSON line per
point, as test_killpoints (with the orphans alive when the next command
started, and whether the state is that of before or after).

What they found at 267acbd (CORDON_SWEEP=full): the orphaned `systemctl stop` racing the recovery
(the two orphan tests); temporary unit files (.snap.svc.*.tmp) left for good
by a kill between their write and their rename; remove-services and
revert-services never reached; a first install killed while it creates
the state database leaves one that `cordon list` refuses; and, not of the
claim but of invariants.py, while the snap's services run: a `links` entry
that never drains, a rolled-back refresh's revision left mounted, the
views of dropped apps left mounted. Since fixed: no systemctl outlives its
cordon (PR_SET_PDEATHSIG), temporary names are cleaned, the fault points
fire, root's read-only command finishes a half-created database, a snap
whose services run leaves no `links` entry when nothing is stale; and
while services run, what invariants.py wants gone once no command runs is
kept by design (see check()).
"""
import contextlib
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import time

import cordonlib
import invariants
import systemdlib
import test_killpoints as kp
from cordonlib import installed_cordon, rmdir_cgroup_tree
from test_services import PARENT, ServicesCase

FULL = kp.FULL
BUDGET = int(os.environ.get("CORDON_SVC_SWEEP_POINTS", "2"))
LOG = kp.LOG
TIMEOUT = 180
ORPHAN_WAIT = 60
ORPHAN_DELAY = 2000000  # µs
SNAP = "svc"

# the system calls of a kill point: what test_killpoints sweeps, and the
# command's fork of a systemctl and its wait for it
FORKS = ["clone", "clone3", "fork", "vfork"]
WAITS = ["wait4"]
SAMPLED_VERBS = ("stop", "start")
CALLS = kp.MUTATING + FORKS + WAITS

# each command's fault points (src/store: cordon_fault)
FAULTS = {
    "install": ["install-stopped", "install-compile", "install-commit", "install-finish",
                "install-services"],
    "remove": ["remove-stopped", "remove-compile", "remove-commit", "remove-services"],
    "revert": ["revert-stopped", "revert-compile", "revert-commit", "revert-services"],
}

SVC = """\
name: svc
version: '{v}'
summary: services under kill points
apps:
  simple:
    command: bin/run 9101
    daemon: simple
  off:
    command: bin/run 9102
    daemon: simple
    install-mode: disable
  sock:
    command: bin/run 9103
    daemon: simple
    plugs: [network-bind]
    sockets:
      listen:
        listen-stream: $SNAP_DATA/listen.sock
        socket-mode: 0600
  tick:
    command: bin/run 0
    daemon: oneshot
    timer: '23:00'
  endure:
    command: bin/run 9105
    daemon: simple
    refresh-mode: endure
  {extra}:
    command: bin/run {mark}
    daemon: simple
"""

RUN = """#!/bin/sh
[ "$1" = 0 ] && exit 0
exec sleep "$1"
"""

# app: (its mark, what activates it); install-mode: disable in DISABLED
APPS = {"simple": ("9101", None), "off": ("9102", None), "sock": ("9103", "socket"),
        "tick": (None, "timer"), "endure": ("9105", None), "old": ("9106", None),
        "new": ("9107", None)}
DISABLED = {"off"}
REV_APPS = {"1.0": ["simple", "off", "sock", "tick", "endure", "old"],
            "2.0": ["simple", "off", "sock", "tick", "endure", "new"]}
UNIT_DIR = "etc/systemd/system"
SCOPES = ("etc/systemd/system", "etc/systemd/user")


def unit_names(app):
    """The units of app, and those enabled when the app is: (files, enabled)."""
    service = f"snap.{SNAP}.{app}.service"
    act = APPS[app][1]
    if act == "socket":
        sock = f"snap.{SNAP}.{app}.listen.socket"
        return [service, sock], [sock]
    if act == "timer":
        timer = f"snap.{SNAP}.{app}.timer"
        return [service, timer], [timer]
    return [service], [service]


TARGET = {".service": "multi-user.target", ".socket": "sockets.target", ".timer": "timers.target"}


def expected_units(apps, enabled):
    """{relpath under the root: None (a file) or a link target} of the
    snap's revision with these apps, these of them enabled."""
    out = {}
    for app in apps:
        files, on = unit_names(app)
        for f in files:
            out[f"{UNIT_DIR}/{f}"] = None
        if app in enabled:
            for u in on:
                target = TARGET[os.path.splitext(u)[1]]
                out[f"{UNIT_DIR}/{target}.wants/{u}"] = f"/etc/systemd/system/{u}"
    return out


def units_snapshot(root):
    """{relpath: ("file", bytes) | ("link", target) | ("other", mode)} of
    every entry under the unit directories whose name holds "snap." (a
    snap's units and links, and the temporary files of their writing)."""
    out = {}
    for scope in SCOPES:
        base = os.path.join(root, scope)
        for dirpath, dirnames, files in os.walk(base):
            for f in files + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                if "snap." not in f:
                    continue
                p = os.path.join(dirpath, f)
                rel = os.path.relpath(p, root)
                try:
                    if os.path.islink(p):
                        out[rel] = ("link", os.readlink(p))
                    elif os.path.isfile(p):
                        with open(p, "rb") as fh:
                            out[rel] = ("file", fh.read())
                    else:
                        out[rel] = ("other", os.lstat(p).st_mode)
                except OSError as e:
                    out[rel] = ("other", str(e))
    return out


def read_services(root):
    """{app: enabled} of the snap's rows in `services`, or None without a
    database."""
    db_path = os.path.join(root, "var/lib/cordon/state.db")
    if not os.path.exists(db_path):
        return None
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return {a: bool(e) for a, e in db.execute(
            "SELECT app, enabled FROM services WHERE snap = ?", (SNAP,))}
    except sqlite3.OperationalError as e:
        if "no such table" not in str(e):
            raise
        return None
    finally:
        db.close()


EMPTY = ((), (), ())


def read_state(root):
    """invariants.read_state, with no database and a database without its
    tables (a first command killed before it made them) both the empty
    state."""
    try:
        st = invariants.read_state(root)
    except sqlite3.OperationalError as e:
        if "no such table" not in str(e):
            raise
        st = None
    return st or {"snaps": {}, "revisions": {}, "connections": [], "pending": []}


def outcome(root):
    """invariants.outcome, the empty state whether or not the database
    exists; a database that cannot be read without a write (a hot
    journal) is no state at all: ("unreadable", why)."""
    try:
        return invariants.outcome(root) or EMPTY
    except sqlite3.Error as e:
        if "no such table" in str(e):
            return EMPTY
        return ("unreadable", str(e))


def select_points(counts, verbs):
    """All points in full mode. Else: the wait4 points where the
    systemctl that runs changes what systemd runs (SAMPLED_VERBS: stop,
    start), and BUDGET of the other points: the first and the last
    call of each system call in turn, most frequent first, then spread."""
    every = [(s, n) for s in sorted(counts) for n in range(1, counts[s] + 1)]
    if FULL:
        return every
    must = [(s, n) for s, n in every if s in WAITS and verbs.get(n) in SAMPLED_VERBS]
    rest = [(s, n) for s, n in every if s not in WAITS]
    pick = []
    for s in sorted((s for s in counts if s not in WAITS), key=lambda s: (-counts[s], s)):
        for n in (1, counts[s]):
            if len(pick) < BUDGET and (s, n) not in pick:
                pick.append((s, n))
    left = [p for p in rest if p not in pick]
    room = BUDGET - len(pick)
    if room > 0 and left:
        k = math.ceil(len(left) / room)
        pick += left[k // 2::k]
    return sorted(must + pick, key=every.index)


def count_calls(trace):
    """From `strace -f -o` of the command: ({call: how many the command
    made}, {N: the verb of the systemctl its N-th wait4 waits for}). The
    command is the first process of the trace; it runs one systemctl at a
    time (fork, exec, wait), so the N-th systemctl executed is the one its
    N-th wait4 waits for."""
    counts = {}
    verbs = []
    rx = re.compile(r"^(\d+)\s+([a-z0-9_]+)\(")
    cmd = None
    with open(trace) as f:
        for line in f:
            m = rx.match(line)
            if not m:
                continue
            pid, call = m.groups()
            cmd = cmd or pid
            if pid == cmd and call in CALLS:
                counts[call] = counts.get(call, 0) + 1
            elif pid != cmd and call == "execve" and '"/usr/bin/systemctl"' in line:
                args = re.findall(r'"([^"]*)"', line.split("[", 1)[1].split("]", 1)[0])
                verbs.append(next((a for a in args[1:] if not a.startswith("-")), "?"))
    return counts, {n + 1: v for n, v in enumerate(verbs)}


def marked_processes(mark):
    """[(pid, cgroup v2 path)] of the host's processes running `sleep MARK`."""
    out = []
    want = [b"sleep", mark.encode()]
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")[:-1]
            if argv != want:
                continue
            with open(f"/proc/{pid}/cgroup") as f:
                cg = [l[3:] for l in f.read().splitlines() if l.startswith("0::")]
        except OSError:
            continue
        out.append((int(pid), cg[0] if cg else "?"))
    return out


class ServicesKillPointTest(ServicesCase):
    """One container for the class; each point starts from a wiped root."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.s
        cls.v1 = s.make_snap(SNAP, SVC.format(v="1.0", extra="old", mark="9106"), probe=False,
                             dirname="svc1", files={"bin/run": RUN})
        cls.v2 = s.make_snap(SNAP, SVC.format(v="2.0", extra="new", mark="9107"), probe=False,
                             dirname="svc2", files={"bin/run": RUN})
        # the container's cgroup parent of cordon, as the host names it
        # under its cgroup2 root (for invariants.check_mounts)
        v2 = cordonlib.cgroup_mount("v2")
        cls.cgroup_parent = os.path.relpath(cls.container.host_cgroup("/" + PARENT), v2)
        cls.ref = {}

    @classmethod
    def tearDownClass(cls):
        # the class cleanups (remove_all, stop) follow; a wipe first so
        # that a broken root does not stop them
        try:
            cls.wipe_root(cls)
        finally:
            super().tearDownClass()

    # ---- running things inside ----

    def env(self, extra=None):
        e = self.s.env()
        e.pop("CORDON_CONFINE", None)
        e.update(extra or {})
        return e

    def run_in(self, argv, extra_env=None, timeout=TIMEOUT):
        try:
            return self.container.run([str(a) for a in argv], env=self.env(extra_env),
                                      timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(argv, "timeout", e.stdout or "", e.stderr or "")

    def cordon(self, *args, check=True, extra_env=None):
        p = self.run_in([installed_cordon()] + list(args), extra_env=extra_env)
        if check and p.returncode != 0:
            raise AssertionError(f"cordon {' '.join(map(str, args))} failed ({p.returncode}):\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def show(self, units, props=("Id", "LoadState", "ActiveState", "SubState", "MainPID",
                                 "NeedDaemonReload")):
        """{unit: {prop: value}} from systemctl show (names or globs)."""
        if not units:
            return {}
        p = self.systemctl("show", "--property=" + ",".join(props), *units)
        out = {}
        for block in p.stdout.split("\n\n"):
            d = dict(l.split("=", 1) for l in block.splitlines() if "=" in l)
            if d.get("Id"):
                out[d["Id"]] = d
        return out

    def loaded(self):
        """{unit: props} of every unit of the snap systemd has loaded or
        runs (list-units --all: whatever its load state)."""
        p = self.systemctl("list-units", "--all", "--plain", "--no-legend", f"snap.{SNAP}.*")
        names = [l.split()[0] for l in p.stdout.splitlines() if l.strip()]
        return self.show(names)

    def orphans(self):
        """systemctl processes left in the harness cgroup (a killed
        command's children)."""
        out = []
        try:
            with open(os.path.join(self.container.harness, "cgroup.procs")) as f:
                pids = [int(x) for x in f.read().split()]
        except OSError:
            return out
        for pid in pids:
            if cordonlib.proc_comm(pid) == "systemctl":
                out.append(pid)
        return out

    # ---- the root ----

    def wipe_root(self):
        """Back to an empty root and a systemd that has forgotten the snap,
        without cordon (the root may be broken): the snap's units stopped,
        their files removed, systemd reloaded, the mounts inside the
        container detached, the root's files but work/, data/, home/ and
        the bound unit directories removed, the container's cgroups of
        cordon removed."""
        c = self.container
        c.systemctl("stop", f"snap.{SNAP}.*")
        for scope in SCOPES:
            base = os.path.join(self.s.root, scope)
            for dirpath, dirnames, files in os.walk(base, topdown=False):
                for f in files + dirnames:
                    p = os.path.join(dirpath, f)
                    if "snap." in f and (os.path.islink(p) or not os.path.isdir(p)):
                        os.unlink(p)
                    elif f.endswith(".wants"):
                        with contextlib.suppress(OSError):
                            os.rmdir(p)  # when empty
        c.systemctl("daemon-reload")
        c.systemctl("reset-failed")
        for mark, _ in APPS.values():
            for pid, _ in marked_processes(mark) if mark else []:
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)
        root = self.s.root
        mps = [m["mnt"] for m in cordonlib.mountinfo(c.leader)
               if m["mnt"].startswith(root + "/") and not m["mnt"].startswith(root + "/etc/")]
        if mps:
            c.run(["umount", "-l"] + sorted(set(mps), key=len, reverse=True))
        for e in os.listdir(root):
            if e not in ("work", "data", "etc", "home"):
                p = os.path.join(root, e)
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.unlink(p)
        shutil.rmtree(os.path.join(self.s.home, "snap"), ignore_errors=True)
        rmdir_cgroup_tree(c.host_cgroup("/" + PARENT))

    # the starting states
    def none(self):
        pass

    def one(self):
        self.cordon("install", "--dangerous", self.v1)

    def two(self):
        self.one()
        self.cordon("install", "--dangerous", self.v2)

    def reference(self):
        """REF: {revision: units_snapshot} of a clean install of each
        revision (x1: 1.0, x2: 2.0 refreshed from x1), and of nothing."""
        if self.ref:
            return self.ref
        self.wipe_root()
        self.ref[None] = units_snapshot(self.s.root)
        self.one()
        self.ref["x1"] = units_snapshot(self.s.root)
        self.cordon("install", "--dangerous", self.v2)
        self.ref["x2"] = units_snapshot(self.s.root)
        self.cordon("remove", SNAP)
        if units_snapshot(self.s.root) != self.ref[None]:
            self.fail(f"a clean remove leaves units: {sorted(units_snapshot(self.s.root))}")
        self.wipe_root()
        return self.ref

    # ---- what holds ----

    def wait_running(self, units, timeout=20):
        """The enabled units of an installed snap may still be coming up
        when the next command returns (a simple service is active at its
        fork, its command runs later): polled until all are up."""
        deadline = time.monotonic() + timeout
        while True:
            props = self.show(units)
            if all(props.get(u, {}).get("ActiveState") == "active" for u in units) and \
                    all(marked_processes(APPS[a][0]) for a in self.running_apps(units)):
                return
            if time.monotonic() > deadline:
                return
            time.sleep(0.1)

    @staticmethod
    def running_apps(units):
        return [u.split(".")[2] for u in units
                if u.endswith(".service") and APPS[u.split(".")[2]][0]]

    def check(self, what, pre_info=None):
        """Every violation of the claim on the root and systemd as they
        are now; pre_info: what was true before the command (the endure
        service's pid)."""
        root = self.s.root
        try:
            st = read_state(root)
        except sqlite3.Error as e:
            return [f"state database unreadable: {e}"]
        # invariants.py's, but the launches (as the container sees the
        # mounts and cgroups)
        inv = []
        w = invariants.World(root, None, self.cgroup_parent)
        if st["pending"]:
            inv.append(f"journal not drained: {st['pending']}")
        invariants.check_files(w, st, inv)
        skip = {w.path("snap", n, r) for n, rs in st["revisions"].items() for r in rs}
        skip.add(w.path("work"))
        invariants.check_modes(w, inv, skip)
        saved = invariants.mountinfo
        invariants.mountinfo = lambda: cordonlib.mountinfo(self.container.leader)
        try:
            invariants.check_mounts(w, st, inv)
        finally:
            invariants.mountinfo = saved
        # The snap's services are commands of the snap that run: what
        # invariants.py wants gone once no command runs (a revision state no
        # longer lists, its `links` entry, the views of dropped apps) stays
        # while they do, by design (README: kept while a command of the snap
        # runs), and goes at the first command after they stop.
        if any(marked_processes(m) for m, _ in APPS.values() if m):
            stale_ok = (f"/snap/{SNAP}/", f"/ns/snap.{SNAP}.", "'links'",
                        f"snap/{SNAP}/ holds", f"var/snap/{SNAP}/ holds")
            inv = [b for b in inv if not any(k in b for k in stale_ok)]
        bad = [f"invariants.py: {b}" for b in inv]

        # the recorded state: the snap, its current revision's apps, the
        # services rows
        cur = st["snaps"].get(SNAP)
        apps, enabled = [], set()
        if cur is not None:
            row = st["revisions"].get(SNAP, {}).get(cur)
            version = row["version"] if row else None
            apps = REV_APPS.get(version)
            if apps is None:
                bad.append(f"state: {SNAP} current {cur} has version {version}, not one of "
                           f"{sorted(REV_APPS)}")
                apps = []
            rows = read_services(root) or {}
            want_rows = {a: a not in DISABLED for a in apps}
            if rows != want_rows:
                bad.append(f"state: services rows {rows}, the daemons of {cur} are {want_rows}")
            enabled = {a for a in apps if rows.get(a, a not in DISABLED)}
        elif read_services(root):
            bad.append(f"state: services rows {read_services(root)} of a snap not installed")

        # the files: by name, from the apps; byte for byte, from REF
        have = units_snapshot(root)
        want = expected_units(apps, enabled)
        for rel in sorted(set(have) | set(want)):
            h = have.get(rel)
            if os.path.basename(rel).startswith("."):
                bad.append(f"stray temporary file {rel}")
            elif rel not in want:
                bad.append(f"{rel}: {h[0]} of nothing state lists "
                           f"({SNAP} {'current ' + cur if cur else 'not installed'})")
            elif h is None:
                bad.append(f"{rel}: missing ({SNAP} current {cur})")
            elif want[rel] is None and h[0] != "file":
                bad.append(f"{rel}: a {h[0]}, not a unit file")
            elif want[rel] is not None and h != ("link", want[rel]):
                bad.append(f"{rel}: {h}, not the link to {want[rel]}")
        ref = self.ref.get(cur) if cur else self.ref.get(None)
        if ref is not None:
            diff = sorted(k for k in set(ref) | set(have)
                          if ref.get(k) != have.get(k) and k in want)
            if diff:
                bad.append(f"unit files differ from a clean install of {cur}: {diff}")
        elif cur:
            bad.append(f"no reference units for revision {cur}")

        # systemd
        expected_on = sorted(u for a in sorted(enabled) for u in unit_names(a)[1])
        if expected_on:
            self.wait_running(expected_on)
        names = sorted({os.path.basename(r) for r, t in want.items() if t is None})
        props = self.show(names)
        loaded = self.loaded()
        for u in expected_on:
            p = props.get(u, {})
            sub = {"service": "running", "socket": "listening", "timer": "waiting"}[
                u.rsplit(".", 1)[1]]
            if p.get("ActiveState") != "active" or p.get("SubState") != sub:
                bad.append(f"{u}: enabled, but {p.get('LoadState')} {p.get('ActiveState')} "
                           f"{p.get('SubState')} (want active {sub})")
        for a in apps:
            if a in enabled:
                continue
            for u in unit_names(a)[0]:
                if props.get(u, {}).get("ActiveState", "inactive") != "inactive":
                    bad.append(f"{u}: disabled, but {props[u].get('ActiveState')} "
                               f"{props[u].get('SubState')}")
        for u, p in sorted({**loaded, **props}.items()):
            if p.get("NeedDaemonReload") == "yes":
                bad.append(f"{u}: systemd runs an old version of it (NeedDaemonReload=yes)")
            if u not in names and p.get("ActiveState") not in ("inactive", None):
                bad.append(f"{u}: {p.get('LoadState')} {p.get('ActiveState')} "
                           f"{p.get('SubState')}, a unit of nothing state lists")
            if u not in names and p.get("LoadState") == "loaded":
                bad.append(f"{u}: still loaded, its file gone (no daemon-reload?)")
        jobs = self.systemctl("list-jobs", "--no-legend", "--plain").stdout.strip()
        if jobs:
            bad.append(f"systemctl list-jobs not empty: {jobs}")

        # processes
        for a, (mark, _) in sorted(APPS.items()):
            if not mark:
                continue
            procs = marked_processes(mark)
            unit = f"snap.{SNAP}.{a}.service"
            if len(procs) > 1:
                bad.append(f"{a} runs {len(procs)} times: {procs}")
            if a in enabled and APPS[a][1] is None and len(procs) != 1:
                bad.append(f"{a}: enabled, {len(procs)} processes")
            if a not in apps and procs:
                bad.append(f"{a}: runs {procs}, an app state does not list")
            for pid, cg in procs:
                if not cg.endswith(f"/system.slice/{unit}"):
                    bad.append(f"{a}: process {pid} in cgroup {cg}, not in its unit's")
        # endure: the same process across a refresh or revert
        if pre_info and pre_info.get("endure") and cur and what in ("install", "revert") \
                and pre_info.get("installed"):
            pids = [pid for pid, _ in marked_processes(APPS["endure"][0])]
            if pids != [pre_info["endure"]]:
                bad.append(f"endure: processes {pids}, before the {what} {pre_info['endure']} "
                           f"(it should have endured)")
        return bad

    def pre_info(self):
        pids = [pid for pid, _ in marked_processes(APPS["endure"][0])]
        return {"installed": SNAP in read_state(self.s.root)["snaps"],
                "endure": pids[0] if len(pids) == 1 else None}

    # ---- one point ----

    def after(self, label, p, what, pre, post, pre_info, expect_kill=True):
        """The checks after one killed run: the next command, the killed
        command's orphans gone, then check()."""
        bad = []
        killed = p.returncode in (-9, 137)
        if p.returncode == "timeout":
            bad.append("hung (timeout)")
        elif expect_kill and not killed:
            bad.append(f"not killed: exit {p.returncode} ({p.stderr.strip()[:300]})")
        elif not killed and p.returncode != 0:
            bad.append(f"exit {p.returncode}: {p.stderr.strip()[:300]}")
        left = self.orphans()
        nxt = self.cordon("list", check=False)
        if nxt.returncode == "timeout":
            bad.append("cordon list after the kill hung")
        elif nxt.returncode != 0 and "No snaps" not in nxt.stderr:
            bad.append(f"cordon list after the kill failed ({nxt.returncode}): "
                       f"{nxt.stderr.strip()}")
        deadline = time.monotonic() + ORPHAN_WAIT
        still = self.orphans()
        while still and time.monotonic() < deadline:
            time.sleep(0.05)
            still = self.orphans()
        if still:
            bad.append(f"the killed command's systemctl {still} still runs after "
                       f"{ORPHAN_WAIT} s")
        got = outcome(self.s.root)
        if got not in (pre, post):
            bad.append(f"state neither before nor after: {got} (before {pre}, after {post})")
        bad += self.check(what, pre_info)
        if LOG:
            with open(LOG, "a") as f:
                f.write(json.dumps({"test": self.id(), "point": label, "killed": killed,
                                    "orphans": left, "outcome": "before" if got == pre else
                                    "after" if got == post else "neither",
                                    "violations": bad}) + "\n")
        return bad

    def sweep(self, setup, args):
        """Every fault point of the command and the sampled system-call
        points, each from setup() on a wiped root."""
        self.reference()
        what = args[0]
        started = time.monotonic()
        # the untouched run: counts the points, gives "after"
        self.wipe_root()
        setup()
        pre = outcome(self.s.root)
        info = self.pre_info()
        trace = os.path.join(cordonlib.CHECK_DIR, "svcsweep.trace")
        p = self.run_in(["strace", "-f", "-qq", "-o", trace, "-e",
                         "trace=execve," + ",".join(CALLS), installed_cordon()] + args)
        self.assertEqual(p.returncode, 0, f"cordon {args}: {p.stderr}")
        counts, verbs = count_calls(trace)
        os.unlink(trace)
        self.assertEqual(len(verbs), counts.get("wait4", 0), f"systemctl runs {verbs}, "
                         f"wait4 calls {counts.get('wait4')}: not one wait per systemctl")
        post = outcome(self.s.root)
        self.assertNotEqual(pre, post, f"cordon {args} changed nothing")
        violations = {}
        base = self.after("(not killed)", p, what, pre, post, info, expect_kill=False)
        if base:
            violations["(not killed)"] = base
        points = [("fault", f) for f in FAULTS[what]] + \
                 [("call", c) for c in select_points(counts, verbs)]
        for kind, pt in points:
            self.wipe_root()
            setup()
            info = self.pre_info()
            if kind == "fault":
                label = f"CORDON_FAULT={pt}"
                p = self.cordon(*args, check=False, extra_env={"CORDON_FAULT": pt})
            else:
                call, n = pt
                label = f"{call} when={n}" + (f" (systemctl {verbs.get(n)})"
                                              if call in WAITS else "")
                p = self.run_in(["strace", "-qq", "-o", "/dev/null", "-e", f"trace={call}",
                                 "-e", f"inject={call}:signal=KILL:when={n}",
                                 installed_cordon()] + args)
            bad = self.after(label, p, what, pre, post, info)
            if bad:
                violations[label] = bad
        self.wipe_root()
        took = time.monotonic() - started
        total = sum(counts.values())
        print(f"\n  {' '.join(args)}: {len(FAULTS[what])} fault points, "
              f"{len(points) - len(FAULTS[what])} of {total} system-call points in {took:.0f} s "
              f"({counts}; systemctl {list(verbs.values())})", flush=True)
        if violations:
            self.fail(f"cordon {' '.join(args)}: {len(violations)} kill points break the "
                      f"claim:\n" + "\n".join(f"  {k}:\n    " + "\n    ".join(v)
                                             for k, v in violations.items()))

    # ---- the commands ----

    def test_install_first(self):
        self.sweep(self.none, ["install", "--dangerous", self.v1])

    def test_refresh(self):
        self.sweep(self.one, ["install", "--dangerous", self.v2])

    def test_revert(self):
        self.sweep(self.two, ["revert", SNAP])

    def test_remove(self):
        self.sweep(self.two, ["remove", SNAP])

    # ---- a killed command's systemctl, slower than the next command ----

    def spawn_in(self, argv):
        e = {"PATH": systemdlib.PATH, "LANG": "C.UTF-8"}
        e.update(self.env())
        return subprocess.Popen(self.container.command([str(a) for a in argv]), env=e,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd="/",
                                preexec_fn=self.container._join_harness)

    def orphan_race(self, setup, args, verb):
        """The command killed while its `systemctl VERB` runs (at the
        entry of its wait4 for it), that systemctl (the orphan) slowed
        down before it reaches systemd (its connect() delayed ORPHAN_DELAY
        µs: a busy machine, a slow D-Bus, a descheduled process), the next
        command run as soon as the command is dead. The sweep's wait4
        points are the same kill with the orphan at full speed, which
        mostly reaches systemd before the next command does."""
        self.reference()
        self.wipe_root()
        setup()
        pre = outcome(self.s.root)
        info = self.pre_info()
        # which wait4: count the command's systemctl runs up to VERB
        trace = os.path.join(cordonlib.CHECK_DIR, "svcorphan.trace")
        p = self.run_in(["strace", "-f", "-qq", "-o", trace, "-e", "trace=execve,wait4",
                         installed_cordon()] + args)
        self.assertEqual(p.returncode, 0, p.stderr)
        _, verbs = count_calls(trace)
        n = next((k for k, v in sorted(verbs.items()) if v == verb), None)
        self.assertIsNotNone(n, f"cordon {args} runs no systemctl {verb}: {verbs}")
        self.wipe_root()
        setup()
        info = self.pre_info()
        strace = self.spawn_in(["strace", "-f", "-qq", "-o", trace,
                                "-e", "trace=execve,wait4,connect",
                                "-e", f"inject=wait4:signal=KILL:when={n}",
                                "-e", f"inject=connect:delay_enter={ORPHAN_DELAY}",
                                installed_cordon()] + args)
        try:
            def dead():
                with open(trace) as f:
                    return "+++ killed by SIGKILL +++" in f.read()
            cordonlib.wait_until(dead, timeout=120, what=f"cordon {args[0]} killed")
            nxt = self.cordon("list", check=False)
            alive = self.orphans()
            strace.communicate(timeout=120)
        finally:
            cordonlib.stop_process(strace)
        with open(trace) as f:
            text = f.read()
        os.unlink(trace)
        # No systemctl outlives its cordon (PR_SET_PDEATHSIG, systemd.c):
        # the stop it was waiting for cannot land after the next command's
        # recovery has started the units again. The killed one was the
        # systemctl VERB (killed with it, it may not even have run).
        self.assertEqual(alive, [], "a systemctl outlived the cordon that ran it")
        self.assertIn("+++ killed by SIGKILL +++", text)
        self.assertEqual(nxt.returncode, 0, nxt.stderr)
        got = outcome(self.s.root)
        self.assertEqual(got, pre, "killed before its commit, the command is rolled back")
        bad = self.check(args[0], info)
        if bad:
            self.fail(f"cordon {' '.join(args)} killed while its systemctl {verb} runs, "
                      f"that systemctl reaching systemd {ORPHAN_DELAY / 1e6:.0f} s late, after "
                      f"the next command (cordon list): the state is as before the "
                      f"command, but:\n  " + "\n  ".join(bad))

    def test_orphaned_stop_of_a_refresh(self):
        self.orphan_race(self.one, ["install", "--dangerous", self.v2], "stop")

    def test_orphaned_stop_of_a_remove(self):
        self.orphan_race(self.two, ["remove", SNAP], "stop")

    # ---- the control: the checks see what they look for ----

    def test_checks_see_a_broken_root(self):
        self.reference()
        self.wipe_root()
        self.one()
        self.assertEqual([b for b in self.check("install") if not b.startswith("invariants.py")],
                         [])
        unit_dir = os.path.join(self.s.root, UNIT_DIR)
        # a unit of no app (running), a stray temporary file, a link gone, a
        # unit changed on disk, the disabled one started, an enabled one
        # stopped, a service twice
        with open(os.path.join(unit_dir, f"snap.{SNAP}.ghost.service"), "w") as f:
            f.write("[Service]\nExecStart=/bin/sleep 1000\n")
        self.systemctl("daemon-reload")
        self.systemctl("start", f"snap.{SNAP}.ghost.service")
        with open(os.path.join(unit_dir, f".snap.{SNAP}.simple.service.tmp"), "w") as f:
            f.write("")
        os.unlink(os.path.join(unit_dir, f"timers.target.wants/snap.{SNAP}.tick.timer"))
        with open(os.path.join(unit_dir, f"snap.{SNAP}.endure.service"), "a") as f:
            f.write("# changed\n")
        self.systemctl("start", f"snap.{SNAP}.off.service")
        self.systemctl("stop", f"snap.{SNAP}.simple.service")
        # endure twice, the second outside any unit
        self.container.run(["sh", "-c", f"setsid -f sleep {APPS['endure'][0]} "
                                        f"</dev/null >/dev/null 2>&1"], check=True)
        bad = "\n".join(self.check("install"))
        for want in (f"{UNIT_DIR}/snap.{SNAP}.ghost.service: file of nothing state lists",
                     f"stray temporary file {UNIT_DIR}/.snap.{SNAP}.simple.service.tmp",
                     f"{UNIT_DIR}/timers.target.wants/snap.{SNAP}.tick.timer: missing",
                     f"unit files differ from a clean install of x1: "
                     f"['{UNIT_DIR}/snap.{SNAP}.endure.service'",
                     f"snap.{SNAP}.endure.service: systemd runs an old version of it",
                     f"snap.{SNAP}.off.service: disabled, but active running",
                     f"snap.{SNAP}.simple.service: enabled, but loaded inactive dead",
                     "simple: enabled, 0 processes",
                     "endure runs 2 times",
                     f"snap.{SNAP}.ghost.service: loaded active running, a unit of nothing "
                     f"state lists",
                     "/cordon-harness, not in its unit's"):
            self.assertIn(want, bad)
        self.wipe_root()
