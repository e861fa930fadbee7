"""The service commands (issue 10): `cordon services`, `start`, `stop`,
`restart`, `logs` and `info`'s services, with snap's output, under a real
systemd (test_services.ServicesCase: a container booted over the host's
/usr, the test system root's units bound in); and on this host, where
systemd is not PID 1, what they say instead (nothing hangs, start and stop
fail, install and the listing work)."""
import os
import re
import shutil
import signal
import subprocess
import threading
import unittest

import systemdlib
import test_services
from cordonlib import Scratch, build_path, installed_cordon, wait_until

SVC = """
name: svcli
version: '1.0'
summary: services driven by the CLI
apps:
  bar:
    command: bin/probe
  baz:
    command: bin/baz
    daemon: simple
  idle:
    command: bin/baz
    daemon: simple
    install-mode: disable
  tick:
    command: bin/tick
    daemon: oneshot
    timer: 00:00-24:00/24
"""

# five numbered lines, then the line the tests look for, then it stays up
BAZ = """#!/bin/sh
for i in 1 2 3 4 5; do echo "line $i of $SNAP_NAME"; done
echo "baz is up"
exec sleep 100000
"""
TICK = """#!/bin/sh
echo tick
"""
FILES = {"bin/baz": BAZ, "bin/tick": TICK}

HEADER = ["Service", "Startup", "Current", "Notes"]
# snap logs' line: an RFC 3339 time (Go's: Z or +hh:mm), SID[PID]: message
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) (\S+)\[(\d+|-)\]: (.*)$")


def table(out):
    """`cordon services` output as rows of cells (the header first)."""
    return [line.split() for line in out.splitlines()]


FAIL = """
name: svfail
version: '1.0'
summary: a service that fails
apps:
  oops:
    command: bin/oops
    daemon: oneshot
    install-mode: disable
"""


class ServicesCliTest(test_services.ServicesCase):
    def install_svcli(self, name="svcli"):
        d = self.s.make_snap(name, SVC.replace("name: svcli", f"name: {name}"), files=FILES)
        self.cordon_in("install", "--dangerous", d)
        self.addCleanup(self.cordon_in, "remove", name, check=False)
        wait_until(lambda: self.active_state(f"snap.{name}.baz.service") == "active",
                   what=f"{name}.baz active")
        return d

    def services(self, *names):
        p = self.cordon_in("services", *names)
        self.assertEqual(p.stderr, "")
        return table(p.stdout)

    def link(self, unit="snap.svcli.baz.service", target="multi-user.target"):
        return os.path.join(self.s.root, "etc/systemd/system", target + ".wants", unit)

    def main_pid(self, unit="snap.svcli.baz.service"):
        return int(self.systemctl("show", "-p", "MainPID", "--value", unit).stdout.strip())

    def test_table_stop_disable_survives_a_refresh_start_enable(self):
        d = self.install_svcli()
        self.assertEqual(self.services(), [
            HEADER,
            ["svcli.baz", "enabled", "active", "-"],
            ["svcli.idle", "disabled", "inactive", "-"],
            # its service runs when the timer fires: not asserted
            ["svcli.tick", "enabled", self.services("svcli.tick")[1][2], "timer-activated"],
        ])
        self.assertTrue(os.path.islink(self.link()))
        self.assertTrue(os.path.islink(self.link("snap.svcli.tick.timer", "timers.target")))
        # names: a snap is all its services, SNAP.APP one
        self.assertEqual(self.services("svcli.baz"),
                         [HEADER, ["svcli.baz", "enabled", "active", "-"]])
        self.assertEqual([r[0] for r in self.services("svcli.idle", "svcli")[1:]],
                         ["svcli.baz", "svcli.idle", "svcli.tick"])

        p = self.cordon_in("stop", "--disable", "svcli.baz")
        self.assertEqual(p.stdout, "Stopped.\n")
        self.assertEqual(p.stderr, "")
        self.assertEqual(self.services("svcli.baz"),
                         [HEADER, ["svcli.baz", "disabled", "inactive", "-"]])
        self.assertEqual(self.active_state("snap.svcli.baz.service"), "inactive")
        self.assertFalse(os.path.lexists(self.link()))
        # the others are untouched (no settle starting what was stopped)
        self.assertTrue(os.path.islink(self.link("snap.svcli.tick.timer", "timers.target")))
        self.assertEqual(self.active_state("snap.svcli.tick.timer"), "active")

        # a refresh keeps the admin's choice: disabled, not started
        self.cordon_in("install", "--dangerous", d)
        self.assertEqual(self.services("svcli.baz"),
                         [HEADER, ["svcli.baz", "disabled", "inactive", "-"]])
        self.assertEqual(self.active_state("snap.svcli.baz.service"), "inactive")
        self.assertFalse(os.path.lexists(self.link()))

        p = self.cordon_in("start", "--enable", "svcli.baz")
        self.assertEqual(p.stdout, "Started.\n")
        self.assertEqual(self.services("svcli.baz"),
                         [HEADER, ["svcli.baz", "enabled", "active", "-"]])
        self.assertTrue(os.path.islink(self.link()))
        self.assertEqual(os.readlink(self.link()), "/etc/systemd/system/snap.svcli.baz.service")
        self.assertEqual(self.systemctl("is-enabled", "snap.svcli.baz.service").stdout.strip(),
                         "enabled")

        # start without --enable: runs, still disabled (nothing journaled)
        self.assertEqual(self.cordon_in("start", "svcli.idle").stdout, "Started.\n")
        self.assertEqual(self.services("svcli.idle"),
                         [HEADER, ["svcli.idle", "disabled", "active", "-"]])
        self.assertFalse(os.path.lexists(self.link("snap.svcli.idle.service")))

        # stop SNAP: every service and activator of it; startup unchanged
        self.assertEqual(self.cordon_in("stop", "svcli").stdout, "Stopped.\n")
        rows = self.services()
        self.assertEqual([r[:3] for r in rows[1:]], [["svcli.baz", "enabled", "inactive"],
                                                     ["svcli.idle", "disabled", "inactive"],
                                                     ["svcli.tick", "enabled", "inactive"]])
        self.assertEqual(self.active_state("snap.svcli.tick.timer"), "inactive")
        # start SNAP: the timer (not its service) and baz; idle too (named
        # through its snap, as snapd starts every service of the snap)
        self.cordon_in("start", "svcli")
        self.assertEqual(self.active_state("snap.svcli.tick.timer"), "active")
        self.assertEqual(self.active_state("snap.svcli.baz.service"), "active")

    def test_snapctl_drives_its_own_services(self):
        """snapctl start/stop/restart from the snap's own app (through the
        broker, as root) act as `cordon start/stop/restart` do, on its own
        services only."""
        yaml = SVC.replace("name: svcli", "name: svctl") + "  ctl:\n    command: bin/snapctl\n"
        d = self.s.make_snap("svctl", yaml, files=FILES)
        shutil.copy(build_path("snapctl"), os.path.join(d, "bin", "snapctl"))
        self.cordon_in("install", "--dangerous", d)
        self.addCleanup(self.cordon_in, "remove", "svctl", check=False)
        unit = "snap.svctl.baz.service"
        wait_until(lambda: self.active_state(unit) == "active", what="svctl.baz active")
        link = self.link(unit)

        def ctl(*args):
            p = self.cordon_in("run", "svctl.ctl", *args, check=False)
            return p.returncode, p.stdout, p.stderr

        self.assertEqual(ctl("stop", "--disable", "svctl.baz"), (0, "", ""))
        self.assertEqual(self.active_state(unit), "inactive")
        self.assertFalse(os.path.lexists(link))
        self.assertEqual(ctl("services", "svctl.baz"),
                         (0, "Service    Startup   Current   Notes\n"
                             "svctl.baz  disabled  inactive  -\n", ""))
        self.assertEqual(ctl("start", "--enable", "svctl.baz"), (0, "", ""))
        self.assertEqual(self.active_state(unit), "active")
        self.assertTrue(os.path.islink(link))
        before = self.main_pid(unit)
        self.assertEqual(ctl("restart", "svctl.baz"), (0, "", ""))
        wait_until(lambda: self.main_pid(unit) not in (0, before), what="a new main pid")
        # another snap's service is none of its own (control: the CLI's)
        self.install_svcli()
        self.assertEqual(ctl("stop", "svcli.baz"),
                         (1, "", 'error: snapctl: unknown service: "svcli.baz"\n'))
        self.assertEqual(self.active_state("snap.svcli.baz.service"), "active")

    def cordon_killed_at(self, fault, *args):
        """Run the command with the test build's fault point: SIGKILL there."""
        env = self.s.env({"CORDON_FAULT": fault})
        env.pop("CORDON_CONFINE", None)
        p = self.container.run([installed_cordon()] + list(args), env=env, timeout=180)
        self.assertNotEqual(p.returncode, 0, f"not killed at {fault}: {p.stdout}{p.stderr}")

    def test_killed_after_the_commit_the_next_command_finishes(self):
        self.install_svcli()
        # --disable killed before it stops anything: recorded and unlinked,
        # the service still runs (as after `start` of a disabled one); the
        # next command's recovery changes nothing of that
        self.cordon_killed_at("disable-services", "stop", "--disable", "svcli.baz")
        self.assertEqual(self.services("svcli.baz"),
                         [HEADER, ["svcli.baz", "disabled", "active", "-"]])
        self.assertFalse(os.path.lexists(self.link()))
        self.cordon_in("stop", "svcli.baz")
        # --enable killed before the start: the journaled entry makes the
        # next command (here a read by root) start what state says runs
        self.cordon_killed_at("enable-services", "start", "--enable", "svcli.baz")
        self.assertTrue(os.path.islink(self.link()))
        self.assertEqual(self.active_state("snap.svcli.baz.service"), "inactive")
        self.assertEqual(self.services("svcli.baz"),
                         [HEADER, ["svcli.baz", "enabled", "active", "-"]])

    def test_restart_changes_the_main_pid(self):
        self.install_svcli()
        before = self.main_pid()
        self.assertNotEqual(before, 0)
        p = self.cordon_in("restart", "svcli.baz")
        self.assertEqual(p.stdout, "Restarted.\n")
        after = wait_until(lambda: self.main_pid() or None, what="a new MainPID")
        self.assertNotEqual(after, before)
        self.assertEqual(self.active_state("snap.svcli.baz.service"), "active")
        # --reload without a reload-command: reload-or-restart restarts
        self.assertEqual(self.cordon_in("restart", "--reload", "svcli.baz").stdout,
                         "Restarted.\n")
        self.assertNotEqual(wait_until(lambda: self.main_pid() or None), after)
        # restart SNAP leaves a disabled, inactive service alone (snapd)
        self.cordon_in("restart", "svcli")
        self.assertEqual(self.active_state("snap.svcli.idle.service"), "inactive")
        # ... but restarts it when named
        self.cordon_in("restart", "svcli.idle")
        self.assertEqual(self.active_state("snap.svcli.idle.service"), "active")

    def logs(self, *args):
        self.container.run(["journalctl", "--sync"], timeout=30)
        p = self.cordon_in("logs", *args)
        return p.stdout.splitlines()

    def test_logs(self):
        # a snap of its own: the container's journal keeps what the other
        # tests' services printed
        self.install_svcli("svlog")
        lines = wait_until(lambda: (lambda ls: ls if any(l.endswith(": baz is up") for l in ls)
                                    else None)(self.logs("-n", "all", "svlog.baz")),
                           what="baz's line in cordon logs")
        for line in lines:
            self.assertRegex(line, LOG_LINE)
        ours = [LOG_LINE.match(l) for l in lines if LOG_LINE.match(l).group(2) == "svlog.baz"]
        self.assertEqual([m.group(4) for m in ours],
                         [f"line {i} of svlog" for i in range(1, 6)] + ["baz is up"])
        # the pid is the service's
        self.assertEqual(int(ours[-1].group(3)), self.main_pid("snap.svlog.baz.service"))
        # -n: the last lines; default 10
        self.assertEqual(self.logs("-n", "2", "svlog.baz"), lines[-2:])
        self.assertEqual(self.logs("-n=1", "svlog.baz"), lines[-1:])
        self.assertEqual(self.logs("svlog.baz"), lines[-10:])
        # --abs-time: UTC
        self.assertRegex(self.logs("--abs-time", "-n", "1", "svlog.baz")[0],
                         r"^\S+Z svlog\.baz\[\d+\]: baz is up$")
        # the snap: every service's lines (tick's too, if its timer fired)
        everything = self.logs("-n", "all", "svlog")
        self.assertEqual([l for l in everything if l in lines], lines)
        # -f follows until stopped: the next line arrives
        cmd = self.container.command([installed_cordon(), "logs", "-f", "-n", "0", "svlog.baz"])
        env = self.s.env()
        env.pop("CORDON_CONFINE", None)
        with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True,
                              preexec_fn=self.container._join_harness) as f:
            # nsenter forks the command: cordon is its child (journalctl
            # goes with cordon); a hung read fails the test, not the run
            def stop():
                for c in systemdlib._children(f.pid):
                    os.kill(c, signal.SIGTERM)
            timer = threading.Timer(60, stop)
            timer.start()
            try:
                self.cordon_in("restart", "svlog.baz")
                seen = []
                while not seen or not seen[-1].endswith(": baz is up"):
                    line = f.stdout.readline()
                    self.assertNotEqual(line, "", f"cordon logs -f ended: {seen}")
                    seen.append(line.rstrip("\n"))
                for line in seen:
                    self.assertRegex(line, LOG_LINE)
            finally:
                timer.cancel()
                stop()
            f.wait(timeout=30)  # ended with cordon
        bad = self.cordon_in("logs", "-n", "-1", "svlog", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("expected a non-negative integer argument", bad.stderr)

    def test_info_shows_the_state(self):
        self.install_svcli()
        out = self.cordon_in("info", "svcli").stdout
        self.assertIn("services:\n  svcli.baz: simple, enabled, active\n"
                      "  svcli.idle: simple, disabled, inactive\n  svcli.tick: oneshot, enabled, ",
                      out)
        self.cordon_in("stop", "--disable", "svcli.baz")
        self.assertIn("  svcli.baz: simple, disabled, inactive\n",
                      self.cordon_in("info", "svcli").stdout)

    def test_errors(self):
        self.install_svcli()
        for args, msg in [(["services", "nosuch"], 'snap "nosuch" not found'),
                          (["services", "svcli.bar"], 'snap "svcli" has no service "bar"'),
                          (["services", "svcli.nope"], 'snap "svcli" has no service "nope"'),
                          (["start", "svcli.bar"], 'snap "svcli" has no service "bar"'),
                          (["stop", "--disable", "nosuch"], 'snap "nosuch" not found'),
                          (["logs", "svcli.bar"], 'snap "svcli" has no service "bar"'),
                          (["start"], "usage: cordon start [--enable] SNAP[.APP]...")]:
            p = self.cordon_in(*args, check=False)
            self.assertEqual((p.returncode, p.stderr), (1, f"error: {msg}\n"), args)
        # a unit that fails to start: systemctl's message
        d = self.s.make_snap("svfail", FAIL, files={"bin/oops": "#!/bin/sh\nexit 3\n"})
        self.cordon_in("install", "--dangerous", d)
        self.addCleanup(self.cordon_in, "remove", "svfail", check=False)
        p = self.cordon_in("start", "svfail", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, r"^error: systemctl start: Job for snap\.svfail\.oops\.service "
                                   r"failed")
        self.assertEqual(p.stdout, "")
        # state changes are root's; the listing is anyone's, with the
        # system's services as they are
        nobody = 65534
        p = self.container.run([installed_cordon(), "start", "svcli.baz"],
                               user=nobody, env={"LANG": "C.UTF-8"})
        self.assertEqual((p.returncode, p.stderr),
                         (1, "error: cordon start requires root (try with sudo)\n"))
        p = self.container.run([installed_cordon(), "services", "svcli.baz"],
                               user=nobody, env={"LANG": "C.UTF-8"})
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        self.assertEqual(table(p.stdout), [HEADER, ["svcli.baz", "enabled", "active", "-"]])


UDAEMON = """
name: usvc
version: '1.0'
summary: a user daemon
apps:
  agent:
    command: bin/agent
    daemon: simple
    daemon-scope: user
"""

AGENT = """#!/bin/sh
echo "agent is up"
exec sleep 100000
"""


class UserServicesCliTest(test_services.ServicesCase):
    """daemon-scope: user: root sees it globally (Current "-", snapd's
    view), a user its own manager's; start/stop act in every running user
    manager, --disable removes the global link."""

    users = ("cordontestsvcli",)

    def user_active(self, unit):
        pw = self.pw["cordontestsvcli"]
        return self.container.run(
            ["systemctl", "--user", "--no-pager", "show", "-p", "ActiveState", "--value", unit],
            user=pw.pw_uid, env={"XDG_RUNTIME_DIR": f"/run/user/{pw.pw_uid}"}).stdout.strip()

    def test_user_daemon(self):
        pw = self.pw["cordontestsvcli"]
        self.container.systemctl("start", f"user@{pw.pw_uid}.service", check=True)
        self.addCleanup(self.container.systemctl, "stop", f"user@{pw.pw_uid}.service")
        d = self.s.make_snap("usvc", UDAEMON, files={"bin/agent": AGENT})
        self.cordon_in("install", "--dangerous", d)
        self.addCleanup(self.cordon_in, "remove", "usvc", check=False)
        unit = "snap.usvc.agent.service"
        link = os.path.join(self.s.root, "etc/systemd/user/default.target.wants", unit)
        wait_until(lambda: self.user_active(unit) == "active", what=f"{unit} active")
        self.assertEqual(table(self.cordon_in("services").stdout),
                         [HEADER, ["usvc.agent", "enabled", "-", "user"]])
        self.assertIn("  usvc.agent: simple, enabled, -\n",
                      self.cordon_in("info", "usvc").stdout)
        # the user sees its own manager's
        mine = self.container.run([installed_cordon(), "services"],
                                  user=pw.pw_uid, env={"LANG": "C.UTF-8"})
        self.assertEqual((mine.returncode, mine.stderr), (0, ""))
        self.assertEqual(table(mine.stdout), [HEADER, ["usvc.agent", "enabled", "active", "user"]])

        self.assertEqual(self.cordon_in("stop", "--disable", "usvc").stdout, "Stopped.\n")
        self.assertEqual(self.user_active(unit), "inactive")
        self.assertFalse(os.path.lexists(link))
        self.assertEqual(table(self.cordon_in("services").stdout),
                         [HEADER, ["usvc.agent", "disabled", "-", "user"]])
        self.assertEqual(self.cordon_in("start", "--enable", "usvc.agent").stdout, "Started.\n")
        self.assertEqual(self.user_active(unit), "active")
        self.assertTrue(os.path.islink(link))
        # its lines (the process is in the label's cgroup, not the unit's)
        # and its user manager's about it
        def logs():
            self.container.run(["journalctl", "--sync"], timeout=30)
            out = self.cordon_in("logs", "-n", "all", "usvc").stdout.splitlines()
            up = [l for l in out if re.search(r" usvc\.agent\[\d+\]: agent is up$", l)]
            return out if len(up) == 2 else None  # started twice
        out = wait_until(logs, what="the agent's line in cordon logs")
        for line in out:
            self.assertRegex(line, LOG_LINE)
        self.assertTrue(any(re.search(r" systemd\[\d+\]: Started snap\.usvc\.agent\.service", l)
                            for l in out), out)


class NoSystemdTest(unittest.TestCase):
    """This host: PID 1 is not systemd. The units are written, the listing
    says what state says and that nothing runs, start/stop/restart/logs
    fail plainly and change nothing."""

    def setUp(self):
        if os.path.isdir("/run/systemd/system"):
            self.skipTest("systemd runs on this host")
        self.s = Scratch()
        self.addCleanup(self.s.cleanup)

    def test_install_list_and_refuse(self):
        p = self.s.cordon("services")
        self.assertEqual((p.stdout, p.stderr),
                         ("", "There are no services provided by installed snaps.\n"))
        d = self.s.make_snap("svcli", SVC, files=FILES)
        p = self.s.cordon("install", "--dangerous", d)
        self.assertEqual(p.stdout, "svcli 1.0 installed\n")
        units = os.path.join(self.s.root, "etc/systemd/system")
        for f in ("snap.svcli.baz.service", "snap.svcli.idle.service", "snap.svcli.tick.timer",
                  "snap.svcli.tick.service"):
            self.assertTrue(os.path.isfile(os.path.join(units, f)), f)
        link = os.path.join(units, "multi-user.target.wants/snap.svcli.baz.service")
        self.assertTrue(os.path.islink(link))

        p = self.s.cordon("services")
        self.assertEqual(table(p.stdout), [HEADER,
                                           ["svcli.baz", "enabled", "-", "-"],
                                           ["svcli.idle", "disabled", "-", "-"],
                                           ["svcli.tick", "enabled", "-", "timer-activated"]])
        self.assertEqual(p.stderr, "systemd is not running on this system: no service runs\n")
        self.assertIn("  svcli.baz: simple, enabled, -\n", self.s.cordon("info", "svcli").stdout)

        for verb, args in [("start", ["svcli"]), ("start", ["--enable", "svcli.idle"]),
                           ("stop", ["--disable", "svcli.baz"]), ("restart", ["svcli.baz"])]:
            p = self.s.cordon(verb, *args, check=False, timeout=30)
            self.assertEqual((p.returncode, p.stdout, p.stderr),
                             (1, "", f"error: systemd is not running on this system: "
                                     f"cannot {verb} services\n"), args)
        p = self.s.cordon("logs", "svcli", check=False, timeout=30)
        self.assertEqual((p.returncode, p.stderr),
                         (1, "error: systemd is not running on this system: services have no "
                             "journal to show\n"))
        # nothing changed: --enable/--disable refused before the state
        self.assertEqual([r[:2] for r in table(self.s.cordon("services").stdout)[1:]],
                         [["svcli.baz", "enabled"], ["svcli.idle", "disabled"],
                          ["svcli.tick", "enabled"]])
        self.assertTrue(os.path.islink(link))
        self.assertFalse(os.path.lexists(
            os.path.join(units, "multi-user.target.wants/snap.svcli.idle.service")))
        # unknown names: snap's errors, before systemd is asked
        p = self.s.cordon("start", "svcli.bar", check=False)
        self.assertEqual(p.stderr, 'error: snap "svcli" has no service "bar"\n')


if __name__ == "__main__":
    unittest.main()
