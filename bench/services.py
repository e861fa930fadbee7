#!/usr/bin/env python3
"""bench/services.py: what installing a snap with 10 daemons costs under a
real systemd (issue 10: "installing a snap with 10 daemons takes one
daemon-reload; record the time beside snapd's known cost").

    sudo bench/services.py --build build-test [--runs 10] [--out bench/services-results.md]
    (or `sudo make bench-services`)

Where: the systemd of tests/integration/systemdlib.py, a container booted over
this machine's /usr (this machine's PID 1 is not systemd), with the test
build installed as the integration tests install it (under /run/cordon-check;
its launcher reads the policies of its compiled system root, which is what
systemd's ExecStart= runs, so the services really start). The runs are
serialized with the integration tests by the same lock on /run, and leave
nothing behind (the same check as tests/integration/run.py).

What it measures, inside the container:
1. The programs one `cordon install --dangerous` of a 10-daemon snap runs
   (strace -f -e trace=execve): how many `systemctl daemon-reload`, and every
   other systemctl call; the same for a refresh and a remove.
2. Wall time of install, refresh and remove (each timed in the container with
   the monotonic clock, --runs times, the snap removed between runs), with
   every daemon active after the install; the same snap with its 10 apps not
   daemons as the baseline (what services add).
3. snapd's systemctl sequence for the same install, replayed on the units
   cordon wrote (not snapd itself, which is not here: see the results file
   for what snapd does and where that comes from), and one daemon-reload
   alone.
"""
import argparse
import fcntl
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))

import cordonlib  # noqa: E402
from cordonlib import SystemScratch, installed_cordon  # noqa: E402
from systemdlib import SystemdContainer  # noqa: E402

N = 10
SERVICE = "#!/bin/sh\nexec sleep 100000\n"


def snap_yaml(name, daemons):
    lines = [f"name: {name}", "version: '1.0'", "summary: services benchmark", "apps:"]
    for i in range(N):
        lines += [f"  d{i:02d}:", "    command: bin/svc"]
        if daemons:
            lines.append("    daemon: simple")
    return "\n".join(lines) + "\n"


STRING = r'"((?:[^"\\]|\\.)*)"'
EXECVE = re.compile(r'execve\("(?:[^"\\]|\\.)*", \[((?:"(?:[^"\\]|\\.)*"(?:, )?)*)\]')


def execs_of(text):
    out = []
    for line in text.splitlines():
        m = EXECVE.search(line)
        if m:
            out.append([bytes(a, "ascii").decode("unicode_escape")
                        for a in re.findall(STRING, m.group(1))])
    return out


class Bench:
    def __init__(self, runs):
        self.runs = runs
        self.s = SystemScratch()
        self.s.datadir_copy()
        self.c = SystemdContainer(binds=[cordonlib.CHECK_DIR], unit_root=self.s.root)

    def env(self):
        e = self.s.env()
        e.pop("CORDON_CONFINE", None)
        return e

    def run(self, argv, check=True, timeout=300):
        p = self.c.run(argv, env=self.env(), timeout=timeout)
        if check and p.returncode != 0:
            raise SystemExit(f"{argv} failed ({p.returncode}): {p.stdout}{p.stderr}")
        return p

    def timed_ms(self, argv):
        script = ('import subprocess, sys, time\n'
                  't = time.monotonic()\n'
                  'p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n'
                  'print(p.returncode, (time.monotonic() - t) * 1000)\n')
        p = self.run(["python3", "-c", script] + list(argv))
        rc, ms = p.stdout.split()
        if rc != "0":
            raise SystemExit(f"{argv} failed ({rc})")
        return float(ms)

    def traced(self, argv):
        out = "/tmp/cordon-bench.strace"
        self.run(["strace", "-f", "-qq", "-s", "4096", "-e", "trace=execve", "-e",
                  "status=successful", "-e", "signal=none", "-o", out] + list(argv))
        text = self.run(["cat", out]).stdout
        self.run(["rm", "-f", out])
        return [a for a in execs_of(text) if os.path.basename(a[0]) == "systemctl"]

    def all_active(self, name):
        units = [f"snap.{name}.d{i:02d}.service" for i in range(N)]
        deadline = time.monotonic() + 60
        while True:
            out = self.run(["systemctl", "show", "-p", "ActiveState", "--value"] + units).stdout
            states = [l for l in out.splitlines() if l]
            if states == ["active"] * N:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"{name}: services not all active: {states}")
            time.sleep(0.05)

    def cordon(self, *args):
        return [installed_cordon()] + list(args)

    def measure(self):
        r = {}
        d10 = self.s.make_snap("svc10", snap_yaml("svc10", True), files={"bin/svc": SERVICE})
        d0 = self.s.make_snap("app10", snap_yaml("app10", False), files={"bin/svc": SERVICE})
        # 1. what one install, refresh and remove run
        r["install_calls"] = self.traced(self.cordon("install", "--dangerous", d10))
        self.all_active("svc10")
        r["refresh_calls"] = self.traced(self.cordon("install", "--dangerous", d10))
        self.all_active("svc10")
        r["remove_calls"] = self.traced(self.cordon("remove", "svc10"))
        # 2. times
        for key, d, name in (("svc", d10, "svc10"), ("app", d0, "app10")):
            inst, refr, rem = [], [], []
            for _ in range(self.runs):
                inst.append(self.timed_ms(self.cordon("install", "--dangerous", d)))
                if key == "svc":
                    self.all_active(name)
                refr.append(self.timed_ms(self.cordon("install", "--dangerous", d)))
                if key == "svc":
                    self.all_active(name)
                rem.append(self.timed_ms(self.cordon("remove", name)))
            r[key] = {"install": inst, "refresh": refr, "remove": rem}
        # 3. snapd's sequence on the same units, and one daemon-reload
        self.run(self.cordon("install", "--dangerous", d10))
        self.all_active("svc10")
        units = [f"snap.svc10.d{i:02d}.service" for i in range(N)]
        reload_ms, snapd_ms, one_start_ms = [], [], []
        for _ in range(self.runs):
            reload_ms.append(self.timed_ms(["systemctl", "daemon-reload"]))
            self.run(["systemctl", "stop"] + units)
            seq = ("systemctl daemon-reload && systemctl enable --no-reload " + " ".join(units) +
                   " && systemctl daemon-reload" +
                   "".join(f" && systemctl start {u}" for u in units))
            snapd_ms.append(self.timed_ms(["sh", "-c", seq]))
            self.all_active("svc10")
            self.run(["systemctl", "stop"] + units)
            seq = "systemctl daemon-reload && systemctl start " + " ".join(units)
            one_start_ms.append(self.timed_ms(["sh", "-c", seq]))
            self.all_active("svc10")
        self.run(self.cordon("remove", "svc10"))
        r["reload"], r["snapd_seq"], r["cordon_seq"] = reload_ms, snapd_ms, one_start_ms
        r["systemd"] = self.run(["systemctl", "--version"]).stdout.splitlines()[0]
        return r

    def close(self):
        try:
            if self.c.leader is not None:
                p = self.c.run([installed_cordon(), "list"], env=self.env())
                for line in p.stdout.splitlines()[1:]:
                    self.c.run([installed_cordon(), "remove", line.split()[0]], env=self.env(),
                               timeout=300)
        finally:
            try:
                self.c.stop()
            finally:
                self.s.cleanup()


def stats(v):
    return (f"{statistics.mean(v):.1f} ± {statistics.stdev(v) if len(v) > 1 else 0:.1f} | "
            f"{statistics.median(v):.1f} | {min(v):.1f} | {max(v):.1f}")


def calls(argvs):
    out = []
    for a in argvs:
        words = [w for w in a[1:] if not w.startswith("--")]
        out.append("`systemctl " + " ".join(words[:1] + ([f"<{len(words) - 1} units>"]
                                                         if len(words) > 2 else words[1:]))
                   + "`")
    return out


def reloads(argvs):
    return sum(1 for a in argvs if "daemon-reload" in a)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return [f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            f"- kernel: {platform.release()} ({platform.machine()})",
            f"- CPU: {cpu}, {os.cpu_count()} online"]


def report(r, args, boot):
    lines = ["# Installing a snap with 10 daemons", "",
             "Produced by `bench/services.py` (`sudo make bench-services`).", ""]
    lines += machine()
    lines += [f"- systemd in the container: {r['systemd']} (booted in {boot:.1f} s: "
              "tests/integration/systemdlib.py)",
              f"- cordon: the test build `{args.build}`, installed under {args.prefix}",
              f"- {args.runs} runs of each measurement, one after the other in one "
              "container; on a shared machine the medians are the steadier figure", "",
              "## systemctl calls (strace -f -e trace=execve)", ""]
    for what in ("install", "refresh", "remove"):
        c = r[f"{what}_calls"]
        lines.append(f"- `cordon {what}` of a 10-daemon snap: **{reloads(c)} daemon-reload**, "
                     f"{len(c)} systemctl calls: " + ", ".join(calls(c)))
    ok = all(reloads(r[f"{w}_calls"]) == 1 for w in ("install", "refresh", "remove"))
    lines += ["", "Goal (issue 10): one daemon-reload per operation, however many apps: " +
              ("met." if ok else "NOT MET.")]
    lines += ["", "## Times inside the container (ms)", "",
              "| | mean ± sd | median | min | max |", "|:---|---:|---:|---:|---:|"]
    for key, label in (("svc", "10 daemons"), ("app", "10 apps, no daemon")):
        for what in ("install", "refresh", "remove"):
            lines.append(f"| `cordon {what}`, {label} | {stats(r[key][what])} |")
    lines.append(f"| `systemctl daemon-reload` alone | {stats(r['reload'])} |")
    lines.append(f"| cordon's daemon-reload and start for the install, replayed (daemon-reload, "
                 f"one start of the 10) | {stats(r['cordon_seq'])} |")
    lines.append(f"| snapd's systemd calls for the install, replayed (daemon-reload, enable "
                 f"--no-reload, daemon-reload, 10 starts one by one) | {stats(r['snapd_seq'])} |")
    extra = statistics.mean(r["svc"]["install"]) - statistics.mean(r["app"]["install"])
    lines += ["",
              f"What the daemons add to an install: {extra:.1f} ms (mean against mean), "
              "writing 10 units and their enable links, one daemon-reload (most of it: "
              "see the row above), one `systemctl start` of the 10 (systemd returns once "
              "each `daemon: simple` has been forked), a `systemctl show`, and the state "
              "rows. The replayed rows run the same systemctl calls on the snap's "
              "installed units, stopped first.", "", SNAPD, ""]
    return "\n".join(lines)


SNAPD = """## snapd's known cost

No published figure for the time snapd takes to install a snap with 10 daemons
was found. What snapd does, from its source (canonical/snapd bee548f7, August
2026, the commit tests/corpus comes from):

- Install: `EnsureSnapServices` writes the units and does **one
  daemon-reload** (`wrappers/services.go`, `reloadModified`), then
  `StartServices` with `Enable: true` (`overlord/snapstate/backend/link.go`)
  runs `systemctl enable --no-reload` of the units and **a second
  daemon-reload**, then starts the services **one `systemctl start` each**,
  in before/after order (`snap.SortServices`), because starting them in one
  call does not make one transaction (systemd issue #8102). So: 2
  daemon-reloads and 10 starts for 10 daemons. The "snapd's systemd calls,
  replayed" row above runs that sequence of systemctl calls on this machine
  (snapd's own overhead not included).
- Remove: one `systemctl stop` per service (`StopServices`), then
  `RemoveSnapServices`: `systemctl disable --no-reload` of all units and one
  daemon-reload.
- snapd has been cutting daemon-reloads for years: "Daemon reload is a very
  expensive operation, that comprises of systemd dumping all of its state and
  performing a cold start" (canonical/snapd#9846, 2021); batching the calls
  "improved snap install/refresh/remove actions by ~30% on reference arm64
  quad core device" (canonical/snapd#10463); `--no-reload` on enable/disable
  (canonical/snapd#11353, 2.55)."""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--prefix", default="/run/cordon-check/prefix")
    ap.add_argument("--system-root", default="/run/cordon-check/root")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--out", default=os.path.join(HERE, "services-results.md"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root (sudo make bench-services)")
    why = SystemdContainer.available()
    if why:
        raise SystemExit(f"cannot boot a container: {why}")
    if subprocess.run(["which", "strace"], capture_output=True).returncode != 0:
        raise SystemExit("strace not found (apt-get install strace)")
    lock = os.open("/run", os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    cordonlib.configure(os.path.abspath(args.build), args.prefix, args.system_root)
    cordonlib.install_test_build()
    try:
        b = Bench(args.runs)
        try:
            b.c.start()
            r = b.measure()
            boot = b.c.boot_seconds
        finally:
            b.close()
    finally:
        cordonlib.uninstall_test_build()
    leaks = cordonlib.leftovers()
    text = report(r, args, boot)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)
    if leaks:
        print("LEFT BEHIND:\n  " + "\n  ".join(leaks), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
