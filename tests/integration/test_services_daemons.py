"""Services (issue 10), the daemons' behaviour under a real systemd: what each
field of an app's `daemon:` stanza does once cordon has written, enabled and
started its units (test_services.py boots the container: ServicesCase; the
`cordon services/start/stop/logs` commands are tested in
test_services_cli.py, so this file drives systemd itself with systemctl).

Every service here is a shell script that runs the probe (bin/probe) and
writes what it saw under $SNAP_DATA (var/snap/<snap>/x1/... under the test's
system root, which the host reads: the container binds it at the same path).
States are asserted exactly from `systemctl show` properties, and waited for
with generous limits, never slept for.

One container per class, several snaps per container:
* DaemonTypesTest: simple, forking, oneshot (with and without a stop
  command), notify (activating until READY=1); dbus daemons, with the
  system bus they reach, are test_services_dbus.py's.
* RestartStopTest: restart-condition on-failure with restart-delay,
  stop-timeout against a service that ignores SIGTERM, stop-mode sighup and
  sighup-all.
* LifecycleTest: install-mode: disable, refresh-mode: endure, before/after,
  socket activation (unix and TCP), a timer that fires, a service's
  confinement against `cordon run`'s, remove, and `systemd-analyze verify`
  of every unit the class installed. The timer snap is installed first and
  its test runs late (tests run in name order), so the wait for the next
  minute (plus systemd's default AccuracySec=1min) overlaps the others.

Two adaptations to the container, each explained where it
is made: systemdlib lets the Landlock calls through nspawn's filter (a host's
services have no such filter), and notify_shim points the test build's
notify check at the container's socket."""
import os
import re
import socket
import stat
import subprocess
import time
import unittest

import cordonlib
from cordonlib import installed_cordon, wait_until
from systemdlib import PATH
from test_services import ServicesCase

SYSTEM = "etc/systemd/system"


def script(body):
    return "#!/bin/sh\n" + body.lstrip("\n")


STRING = r'"((?:[^"\\]|\\.)*)"'
EXECVE = re.compile(r'execve\("(?:[^"\\]|\\.)*", \[((?:"(?:[^"\\]|\\.)*"(?:, )?)*)\]')


def execs_of(strace_text):
    """The argv of each successful execve in `strace -f -e trace=execve`
    output (an unfinished call carries its arguments on its first line)."""
    out = []
    for line in strace_text.splitlines():
        m = EXECVE.search(line)
        if m:
            out.append([bytes(a, "ascii").decode("unicode_escape")
                        for a in re.findall(STRING, m.group(1))])
    return out


class DaemonsCase(ServicesCase):
    """ServicesCase with the helpers these tests share."""

    @classmethod
    def install(cls, name, yaml, files=None, ok_stderr=False):
        d = cls.s.make_snap(name, yaml, files=files)
        p = cls.cordon_in("install", "--dangerous", d)
        if not ok_stderr and p.stderr != "":
            raise AssertionError(f"cordon install {name}: stderr {p.stderr!r}")
        return d

    @classmethod
    def spawn_in(cls, *args):
        """The installed CLI inside the container, in the background."""
        e = cls.s.env()
        e.pop("CORDON_CONFINE", None)
        e.setdefault("PATH", PATH)
        cmd = cls.container.command([installed_cordon()] + [str(a) for a in args])
        return subprocess.Popen(cmd, env=e, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                preexec_fn=cls.container._join_harness, cwd="/")

    @classmethod
    def traced_install(cls, snapdir):
        """`cordon install --dangerous snapdir` under strace -f: the process
        and every program it ran, as argv lists in the order they ran."""
        out = "/tmp/cordon-install.strace"
        e = cls.s.env()
        e.pop("CORDON_CONFINE", None)
        p = cls.container.run(["strace", "-f", "-qq", "-s", "4096", "-e", "trace=execve",
                               "-e", "status=successful", "-e", "signal=none", "-o", out,
                               installed_cordon(), "install", "--dangerous", snapdir],
                              env=e, timeout=180)
        text = cls.container.run(["cat", out]).stdout
        cls.container.run(["rm", "-f", out])
        return p, execs_of(text)

    def props(self, unit, *names):
        out = self.systemctl("show", unit, *[f"--property={n}" for n in names]).stdout
        got = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
        return {n: got.get(n) for n in names}

    def prop(self, unit, name):
        return self.props(unit, name)[name]

    def wait_state(self, unit, state, timeout=60):
        wait_until(lambda: self.active_state(unit) == state, timeout=timeout,
                   what=f"{unit} {state} (now {self.active_state(unit)})")

    def unit_text(self, unit):
        with open(os.path.join(self.s.root, SYSTEM, unit)) as f:
            return f.read()

    def unit_lines(self, unit, key):
        return [l.split("=", 1)[1] for l in self.unit_text(unit).splitlines()
                if l.startswith(key + "=")]

    def read(self, snap, rel, rev="x1"):
        with open(self.data(snap, rel, rev)) as f:
            return f.read()

    def pid_alive(self, pid):
        """Whether pid (as the container numbers it) still runs there."""
        return self.container.run(["kill", "-0", str(pid)]).returncode == 0

    def environ_of(self, pid):
        p = self.container.run(["cat", f"/proc/{pid}/environ"])
        return dict(v.split("=", 1) for v in p.stdout.split("\0") if "=" in v)

    def control_probe(self, snap, *args):
        """The snap's probe run in the container outside any snap: the control
        of every denial."""
        probe = os.path.join(self.s.work, snap, "bin/probe")
        return self.container.run([probe] + [str(a) for a in args]).stdout.strip()

    def verify_units(self):
        """`systemd-analyze verify` inside the container over every unit file
        cordon wrote there: exit 0 and an empty stderr for each."""
        d = os.path.join(self.s.root, SYSTEM)
        units = sorted(n for n in os.listdir(d) if n.startswith("snap.") and
                       os.path.isfile(os.path.join(d, n)))
        self.assertTrue(units)
        for u in units:
            with self.subTest(unit=u):
                p = self.container.run(["systemd-analyze", "--man=no", "verify",
                                        f"/etc/systemd/system/{u}"])
                self.assertEqual((p.returncode, p.stderr), (0, ""), u)
        return units


# ---------------------------------------------------------------- daemon types

TYPES = """
name: types
version: '1.0'
summary: every daemon type but notify and dbus
apps:
  simple:
    command: bin/simple
    daemon: simple
  forking:
    command: bin/forking
    daemon: forking
  oneshot:
    command: bin/oneshot
    daemon: oneshot
  oneshot-stop:
    command: bin/oneshot-stop
    daemon: oneshot
    stop-command: bin/stopped
"""
TYPES_FILES = {
    "bin/simple": script("""
echo $$ > "$SNAP_DATA/simple.pid"
exec sleep 100000
"""),
    # the parent exits once its child runs; snapd writes no PIDFile= for
    # forking, so systemd guesses the main pid: the only process left
    "bin/forking": script("""
sleep 100000 &
echo $! > "$SNAP_DATA/forking.child.new"
mv "$SNAP_DATA/forking.child.new" "$SNAP_DATA/forking.child"
exit 0
"""),
    "bin/oneshot": script("""
echo "$SNAP_INSTANCE_NAME ran" >> "$SNAP_DATA/oneshot.ran"
exit 0
"""),
    "bin/oneshot-stop": script("""
echo "$SNAP_INSTANCE_NAME ran" >> "$SNAP_DATA/oneshot-stop.ran"
exit 0
"""),
    "bin/stopped": script("""
echo "stop-command ran" > "$SNAP_DATA/stop-command"
"""),
}

NOTIFY = """
name: nt
version: '1.0'
summary: a notify daemon
apps:
  nt:
    command: bin/nt
    daemon: notify
"""
# Type=notify accepts READY=1 from the main pid only (systemd's default
# NotifyAccess=main; snapd writes none): the script becomes the probe, whose
# message hands the main pid over to the sleeping child at the same time.
NOTIFY_FILES = {
    "bin/nt": script("""
while [ ! -e "$SNAP_DATA/go" ]; do sleep 0.1; done
sleep 100000 &
echo $! > "$SNAP_DATA/child.new" && mv "$SNAP_DATA/child.new" "$SNAP_DATA/child"
exec "$SNAP/bin/probe" sd-notify "READY=1
MAINPID=$!" > "$SNAP_DATA/notify.out"
"""),
}

class DaemonTypesTest(DaemonsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.install("types", TYPES, TYPES_FILES)

    def test_simple(self):
        unit = "snap.types.simple.service"
        self.wait_state(unit, "active")
        pid = int(self.wait_file(self.data("types", "simple.pid")))
        self.assertEqual(self.props(unit, "Type", "SubState", "MainPID", "UnitFileState"),
                         {"Type": "simple", "SubState": "running", "MainPID": str(pid),
                          "UnitFileState": "enabled"})

    def test_forking(self):
        unit = "snap.types.forking.service"
        self.assertEqual(self.unit_lines(unit, "Type"), ["forking"])
        self.assertEqual(self.unit_lines(unit, "PIDFile"), [])  # as snapd: none
        # `systemctl start` of a forking unit returns once the parent exited:
        # the install waited for that
        self.assertEqual(self.active_state(unit), "active")
        child = int(self.wait_file(self.data("types", "forking.child")))
        self.assertEqual(self.props(unit, "SubState", "MainPID", "Result"),
                         {"SubState": "running", "MainPID": str(child), "Result": "success"})
        self.assertTrue(self.pid_alive(child))

    def test_oneshot_without_stop_command_ends_inactive(self):
        # snapd writes RemainAfterExit=yes only with a stop-command: a oneshot
        # without one is inactive (dead) after its success; the install's
        # `systemctl start` waited for it to finish
        unit = "snap.types.oneshot.service"
        self.assertEqual(self.unit_lines(unit, "RemainAfterExit"), [])
        self.assertEqual(self.read("types", "oneshot.ran"), "types ran\n")
        self.assertEqual(self.props(unit, "Type", "ActiveState", "SubState", "Result",
                                    "ExecMainStatus", "UnitFileState"),
                         {"Type": "oneshot", "ActiveState": "inactive", "SubState": "dead",
                          "Result": "success", "ExecMainStatus": "0",
                          "UnitFileState": "enabled"})

    def test_oneshot_with_stop_command_stays_active(self):
        unit = "snap.types.oneshot-stop.service"
        self.assertEqual(self.unit_lines(unit, "RemainAfterExit"), ["yes"])
        self.assertEqual(self.read("types", "oneshot-stop.ran"), "types ran\n")
        self.assertEqual(self.props(unit, "ActiveState", "SubState", "Result"),
                         {"ActiveState": "active", "SubState": "exited", "Result": "success"})
        self.assertFalse(os.path.exists(self.data("types", "stop-command")))
        # stopping it runs the stop-command, through the launcher
        self.assertEqual(self.systemctl("stop", unit).returncode, 0)
        self.assertEqual(self.read("types", "stop-command"), "stop-command ran\n")
        self.assertEqual(self.props(unit, "ActiveState", "Result"),
                         {"ActiveState": "inactive", "Result": "success"})

    def notify_shim(self, unit):
        """The test build's launcher keeps NOTIFY_SOCKET only when it names
        <system root>/run/systemd/notify: its system root stands for / (a
        production build compares with the manager's /run/systemd/notify,
        which is what systemd hands every service). So that a test build's
        notify daemon can reach the container's systemd at all: the real
        socket bound at that path inside the container, and a drop-in (in
        the container's /run) naming it. The launcher's checks on the
        socket (root's, in root-owned directories) apply unchanged."""
        sock = os.path.join(self.s.root, "run/systemd/notify")
        os.makedirs(os.path.dirname(sock), mode=0o755, exist_ok=True)
        open(sock, "w").close()
        self.container.run(["mount", "--bind", "/run/systemd/notify", sock], check=True)
        self.addCleanup(self.container.run, ["umount", sock])
        dropin = f"/run/systemd/system/{unit}.d"
        self.container.run(["sh", "-c", f"mkdir -p {dropin} && printf '[Service]\\n"
                            f"Environment=NOTIFY_SOCKET={sock}\\n' > {dropin}/notify.conf"],
                           check=True)
        self.addCleanup(self.container.run, ["rm", "-rf", dropin])

    def test_notify_active_only_after_ready(self):
        unit = "snap.nt.nt.service"
        self.notify_shim(unit)
        d = self.s.make_snap("nt", NOTIFY, files=NOTIFY_FILES)
        # the install waits (`systemctl start`) for READY=1: in the background
        inst = self.spawn_in("install", "--dangerous", d)
        self.addCleanup(cordonlib.stop_process, inst)
        self.wait_state(unit, "activating")
        self.assertEqual(self.props(unit, "Type", "SubState"),
                         {"Type": "notify", "SubState": "start"})
        self.assertFalse(os.path.exists(self.data("nt", "notify.out")))
        self.assertIsNone(inst.poll())  # still waiting for the service
        with open(self.data("nt", "go"), "w"):
            pass
        self.wait_state(unit, "active")
        out, err = inst.communicate(timeout=60)
        self.assertEqual((inst.returncode, err), (0, ""), out)
        self.assertEqual(self.read("nt", "notify.out").strip(), "OK")
        child = int(self.read("nt", "child"))
        self.assertEqual(self.props(unit, "SubState", "MainPID", "Result"),
                         {"SubState": "running", "MainPID": str(child), "Result": "success"})

    def test_units_verify(self):
        self.verify_units()


# ------------------------------------------------------- restarts and stopping

RS = """
name: rs
version: '1.0'
summary: restarts, stop timeouts and stop modes
apps:
  crash:
    command: bin/crash
    daemon: simple
    restart-condition: on-failure
    restart-delay: 2s
  clean:
    command: bin/clean
    daemon: simple
    restart-condition: on-failure
    restart-delay: 2s
  stubborn:
    command: bin/stubborn
    daemon: simple
    stop-timeout: 3s
  hup:
    command: bin/hup
    daemon: simple
    stop-mode: sighup
  hupall:
    command: bin/hupall
    daemon: simple
    stop-mode: sighup-all
"""
RS_FILES = {
    # the service's own clock for each start: the test measures nothing itself
    "bin/crash": script("""
date +%s.%N >> "$SNAP_DATA/crash.starts"
exit 1
"""),
    "bin/clean": script("""
echo ran >> "$SNAP_DATA/clean.starts"
exit 0
"""),
    # SIGTERM ignored, and the ignoring inherited by the exec
    "bin/stubborn": script("""
trap '' TERM
echo $$ > "$SNAP_DATA/stubborn.pid"
exec sleep 100000
"""),
    "bin/hup": script("""
trap 'echo HUP > "$SNAP_DATA/hup.signal"; exit 0' HUP
trap 'echo TERM > "$SNAP_DATA/hup.signal"; exit 0' TERM
echo $$ > "$SNAP_DATA/hup.pid"
while :; do sleep 1 & wait $!; done
"""),
    # -all: every process of the unit gets SIGHUP, a child too
    "bin/hupall": script("""
sh -c 'trap "echo HUP > \\"\\$SNAP_DATA/hupall.child\\"; exit 0" HUP
trap "echo TERM > \\"\\$SNAP_DATA/hupall.child\\"; exit 0" TERM
echo $$ > "$SNAP_DATA/hupall.child.pid"
while :; do sleep 1 & wait $!; done' &
trap 'echo HUP > "$SNAP_DATA/hupall.main"; exit 0' HUP
trap 'echo TERM > "$SNAP_DATA/hupall.main"; exit 0' TERM
echo $$ > "$SNAP_DATA/hupall.pid"
while :; do sleep 1 & wait $!; done
"""),
}


class RestartStopTest(DaemonsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.install("rs", RS, RS_FILES)

    def test_on_failure_restarts_after_delay(self):
        unit = "snap.rs.crash.service"
        self.assertEqual(self.unit_lines(unit, "Restart"), ["on-failure"])
        self.assertEqual(self.unit_lines(unit, "RestartSec"), ["2s"])
        self.assertEqual(self.prop(unit, "RestartUSec"), "2s")

        def starts():
            try:
                return [float(l) for l in self.read("rs", "crash.starts").split()]
            except FileNotFoundError:
                return []
        wait_until(lambda: len(starts()) >= 3 and int(self.prop(unit, "NRestarts")) >= 2,
                   timeout=60, what="three starts of the crashing service")
        got = starts()
        gaps = [b - a for a, b in zip(got, got[1:])]
        self.assertTrue(all(g >= 2.0 for g in gaps), f"starts {got}, gaps {gaps}")
        self.assertIn("Scheduled restart job", self.container.journal(unit))
        # each run failed with the script's status (read between two runs:
        # a start resets both)
        want = {"Result": "exit-code", "ExecMainStatus": "1"}
        wait_until(lambda: self.props(unit, *want) == want, what=f"{unit} {want}")
        # stopped here: it would go on restarting until the class ends
        self.assertEqual(self.systemctl("stop", unit).returncode, 0)

    def test_on_failure_not_after_success(self):
        unit = "snap.rs.clean.service"
        # a restart would be a 2 s `activating (auto-restart)`: inactive
        # means none was scheduled
        self.wait_state(unit, "inactive")
        self.assertEqual(self.read("rs", "clean.starts"), "ran\n")
        self.assertEqual(self.props(unit, "SubState", "Result", "NRestarts", "ExecMainStatus"),
                         {"SubState": "dead", "Result": "success", "NRestarts": "0",
                          "ExecMainStatus": "0"})

    def test_stop_timeout_kills_a_service_ignoring_sigterm(self):
        unit = "snap.rs.stubborn.service"
        self.assertEqual(self.unit_lines(unit, "TimeoutStopSec"), ["3s"])
        self.wait_state(unit, "active")
        pid = int(self.wait_file(self.data("rs", "stubborn.pid")))
        self.assertEqual(self.prop(unit, "MainPID"), str(pid))
        t0 = time.monotonic()
        p = self.systemctl("stop", unit)
        elapsed = time.monotonic() - t0
        self.assertEqual(p.returncode, 0, p.stderr)
        # a lower bound: systemd waited the whole stop timeout; far below the
        # 30 s default
        self.assertGreaterEqual(elapsed, 3.0)
        self.assertLess(elapsed, 3.0 + 15)
        props = self.props(unit, "ActiveState", "Result", "ExecMainCode", "ExecMainStatus",
                           "ActiveExitTimestampMonotonic", "InactiveEnterTimestampMonotonic")
        self.assertEqual((props["ActiveState"], props["Result"]), ("failed", "timeout"))
        # killed by SIGKILL (CLD_KILLED, signal 9)
        self.assertEqual((props["ExecMainCode"], props["ExecMainStatus"]), ("2", "9"))
        # systemd's own clock: from leaving `active` to `failed`
        took = (int(props["InactiveEnterTimestampMonotonic"]) -
                int(props["ActiveExitTimestampMonotonic"])) / 1e6
        self.assertGreaterEqual(took, 3.0)
        self.assertLess(took, 3.0 + 15)
        self.assertFalse(self.pid_alive(pid))

    def test_stop_mode_sighup(self):
        unit = "snap.rs.hup.service"
        self.assertEqual(self.unit_lines(unit, "KillSignal"), ["SIGHUP"])
        self.assertEqual(self.unit_lines(unit, "KillMode"), ["process"])
        self.assertEqual(self.props(unit, "KillSignal", "KillMode"),
                         {"KillSignal": "1", "KillMode": "process"})
        self.wait_state(unit, "active")
        pid = int(self.wait_file(self.data("rs", "hup.pid")))
        self.assertEqual(self.systemctl("stop", unit).returncode, 0)
        self.assertEqual(self.read("rs", "hup.signal"), "HUP\n")
        self.assertEqual(self.props(unit, "ActiveState", "Result"),
                         {"ActiveState": "inactive", "Result": "success"})
        self.assertFalse(self.pid_alive(pid))

    def test_stop_mode_sighup_all(self):
        unit = "snap.rs.hupall.service"
        self.assertEqual(self.unit_lines(unit, "KillSignal"), ["SIGHUP"])
        self.assertEqual(self.unit_lines(unit, "KillMode"), [])  # control-group
        self.wait_state(unit, "active")
        self.wait_file(self.data("rs", "hupall.pid"))
        self.wait_file(self.data("rs", "hupall.child.pid"))
        self.assertEqual(self.systemctl("stop", unit).returncode, 0)
        self.assertEqual(self.read("rs", "hupall.main"), "HUP\n")
        self.assertEqual(self.read("rs", "hupall.child"), "HUP\n")
        self.assertEqual(self.props(unit, "ActiveState", "Result"),
                         {"ActiveState": "inactive", "Result": "success"})

    def test_units_verify(self):
        self.verify_units()


# ------------------------------------------------------------------ lifecycle

TIMER = """
name: tm
version: '1.0'
summary: a timer every minute
apps:
  tick:
    command: bin/tick
    daemon: simple
    timer: 00:00-24:00/1440
"""
TIMER_FILES = {
    "bin/tick": script("""
"$SNAP/bin/probe" cgroup > "$SNAP_DATA/cgroup.new"
"$SNAP/bin/probe" syscall keyctl > "$SNAP_DATA/keyctl.new"
mv "$SNAP_DATA/cgroup.new" "$SNAP_DATA/cgroup"
mv "$SNAP_DATA/keyctl.new" "$SNAP_DATA/keyctl"
echo fired >> "$SNAP_DATA/fired"
"""),
}


def pid_script(app):
    return script(f"""
echo $$ > "$SNAP_DATA/{app}.pid.new"
mv "$SNAP_DATA/{app}.pid.new" "$SNAP_DATA/{app}.pid"
exec sleep 100000
""")


DISABLE = """
name: dis
version: '1.0'
summary: install-mode disable
apps:
  off:
    command: bin/off
    daemon: simple
    install-mode: disable
  on:
    command: bin/on
    daemon: simple
"""
DISABLE_FILES = {"bin/off": pid_script("off"), "bin/on": pid_script("on")}

ENDURE = """
name: en
version: '1.0'
summary: refresh-mode endure
apps:
  endure:
    command: bin/endure
    daemon: simple
    refresh-mode: endure
  plain:
    command: bin/plain
    daemon: simple
"""
ENDURE_FILES = {"bin/endure": pid_script("endure"), "bin/plain": pid_script("plain")}

# Ordering: the names sort against the order (cordon starts the units in one
# `systemctl start`, sorted by name); zeta waits longest, so only systemd's
# ordering puts it first.
ORDER = """
name: ord
version: '1.0'
summary: before and after
apps:
  alpha:
    command: bin/alpha
    daemon: oneshot
    after: [mid]
  mid:
    command: bin/mid
    daemon: oneshot
  zeta:
    command: bin/zeta
    daemon: oneshot
    before: [mid]
"""


def order_script(name, delay):
    return script(f"""
sleep {delay}
echo {name} >> "$SNAP_DATA/order"
""")


ORDER_FILES = {"bin/alpha": order_script("alpha", 0), "bin/mid": order_script("mid", 0.3),
               "bin/zeta": order_script("zeta", 1)}

CONFINED = """
name: cf
version: '1.0'
summary: a service's confinement against cordon run's
apps:
  svc:
    command: bin/svc
    daemon: oneshot
  cmd:
    command: bin/probe
"""


def confined_script(secret):
    return script(f"""
P="$SNAP/bin/probe"
{{
  echo "read $("$P" read {secret} | head -n1)"
  echo "keyctl $("$P" syscall keyctl | head -n1)"
  echo "inet $("$P" socket inet stream | head -n1)"
}} > "$SNAP_DATA/results.new"
mv "$SNAP_DATA/results.new" "$SNAP_DATA/results"
""")


REMOVE = """
name: rm
version: '1.0'
summary: every kind of unit, removed
apps:
  svc:
    command: bin/svc
    daemon: simple
  sock:
    command: bin/other
    daemon: simple
    plugs: [network-bind]
    sockets:
      s:
        listen-stream: $SNAP_DATA/rm.sock
  tick:
    command: bin/other
    daemon: simple
    timer: 00:00-24:00/24
"""
REMOVE_FILES = {"bin/svc": pid_script("svc"), "bin/other": pid_script("other")}

SOCKET_FILES = {
    # names the fds after LISTEN_FDNAMES, then answers one connection on each
    "bin/srv": script("""
d="$SNAP_DATA"
{
  echo "LISTEN_FDS=$LISTEN_FDS"
  echo "LISTEN_FDNAMES=$LISTEN_FDNAMES"
  if [ "$LISTEN_PID" = "$$" ]; then echo LISTEN_PID=self; else echo "LISTEN_PID=$LISTEN_PID"; fi
} > "$d/env.new"
"$SNAP/bin/probe" fds > "$d/fds.new"
i=3
for n in $(echo "$LISTEN_FDNAMES" | tr : ' '); do
  "$SNAP/bin/probe" listening $i > "$d/listening-$n"
  eval "fd_$n=$i"
  i=$((i + 1))
done
mv "$d/env.new" "$d/env"
mv "$d/fds.new" "$d/fds"
"$SNAP/bin/probe" accept "$fd_unix" hello-unix > "$d/accept-unix" &
"$SNAP/bin/probe" accept "$fd_tcp" hello-tcp > "$d/accept-tcp" &
wait
"""),
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def socket_yaml(port):
    return f"""
name: sa
version: '1.0'
summary: socket activation
apps:
  srv:
    command: bin/srv
    daemon: simple
    plugs: [network-bind]
    sockets:
      unix:
        listen-stream: $SNAP_DATA/sock.sock
        socket-mode: 0660
      tcp:
        listen-stream: 127.0.0.1:{port}
"""


def receive(family, address, timeout=30):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(address)
        data = b""
        while True:
            chunk = s.recv(1024)
            if not chunk:
                return data.decode()
            data += chunk


class LifecycleTest(DaemonsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # first: the timer's next minute runs while the other tests do
        cls.install("tm", TIMER, TIMER_FILES)

    def test_install_mode_disable(self):
        self.install("dis", DISABLE, DISABLE_FILES)
        on, off = "snap.dis.on.service", "snap.dis.off.service"
        self.wait_state(on, "active")
        self.assertEqual(self.systemctl("is-enabled", on).stdout.strip(), "enabled")
        p = self.systemctl("is-enabled", off)
        self.assertEqual((p.returncode, p.stdout.strip()), (1, "disabled"))
        self.assertEqual(self.props(off, "ActiveState", "SubState", "UnitFileState"),
                         {"ActiveState": "inactive", "SubState": "dead",
                          "UnitFileState": "disabled"})
        self.assertFalse(os.path.lexists(
            os.path.join(self.s.root, SYSTEM, "multi-user.target.wants", off)))
        self.assertFalse(os.path.exists(self.data("dis", "off.pid")))
        # the unit itself is sound: started by hand, it runs
        self.assertEqual(self.systemctl("start", off).returncode, 0)
        self.wait_state(off, "active")
        self.wait_file(self.data("dis", "off.pid"))

    def test_refresh_mode_endure(self):
        d = self.install("en", ENDURE, ENDURE_FILES)
        endure, plain = "snap.en.endure.service", "snap.en.plain.service"
        self.wait_state(endure, "active")
        self.wait_state(plain, "active")
        e_pid = int(self.wait_file(self.data("en", "endure.pid")))
        p_pid = int(self.wait_file(self.data("en", "plain.pid")))
        self.assertEqual(self.prop(endure, "MainPID"), str(e_pid))
        self.assertEqual(self.prop(plain, "MainPID"), str(p_pid))
        self.assertEqual(self.environ_of(e_pid).get("SNAP_REVISION"), "x1")
        # the refresh: the same directory again, revision x2
        p = self.cordon_in("install", "--dangerous", d)
        self.assertEqual(p.stderr, "")
        self.assertEqual(self.unit_lines(endure, "WorkingDirectory"),
                         [self.data("en", "", "x2").rstrip("/")])
        # endure: the same process, still running revision x1
        self.assertEqual(self.props(endure, "ActiveState", "MainPID"),
                         {"ActiveState": "active", "MainPID": str(e_pid)})
        self.assertTrue(self.pid_alive(e_pid))
        self.assertEqual(self.environ_of(e_pid).get("SNAP_REVISION"), "x1")
        # the control: stopped and started again, in revision x2
        self.wait_state(plain, "active")
        new = int(self.wait_file(self.data("en", "plain.pid", "x2")))
        self.assertNotEqual(new, p_pid)
        self.assertEqual(self.prop(plain, "MainPID"), str(new))
        self.assertFalse(self.pid_alive(p_pid))
        self.assertEqual(self.environ_of(new).get("SNAP_REVISION"), "x2")

    @classmethod
    def ensure_ord(cls):
        """The ordering snap, installed once under strace: the programs the
        install ran (cls.ord_execs)."""
        if getattr(cls, "ord_execs", None) is None:
            d = cls.s.make_snap("ord", ORDER, files=ORDER_FILES)
            cls.ord_install, cls.ord_execs = cls.traced_install(d)
        p = cls.ord_install
        if (p.returncode, p.stderr) != (0, ""):
            raise AssertionError(f"install ord: {p.returncode} {p.stderr}")

    def test_before_after_units(self):
        self.ensure_ord()
        self.assertEqual(self.unit_lines("snap.ord.zeta.service", "Before"),
                         ["snap.ord.mid.service"])
        self.assertEqual(self.unit_lines("snap.ord.alpha.service", "After"),
                         ["network.target snap.ord.mid.service"])
        self.assertEqual(self.unit_lines("snap.ord.mid.service", "After"), ["network.target"])
        self.assertEqual(self.unit_lines("snap.ord.mid.service", "Before"), [])
        # systemd's view of the same
        self.assertIn("snap.ord.mid.service",
                      self.prop("snap.ord.zeta.service", "Before").split())
        self.assertIn("snap.ord.mid.service",
                      self.prop("snap.ord.alpha.service", "After").split())
        self.assertIn("snap.ord.zeta.service",
                      self.prop("snap.ord.mid.service", "After").split())

    # One `systemctl start` of several units makes one job per unit, each
    # enqueued once the one before was (systemd issue #8102), not one
    # transaction: After=/Before= would hold only by luck of timing. cordon
    # starts apps with before/after one after the other in their order, as
    # snapd does (snap.SortServices, wrappers.StartServices).
    def test_before_after_start_order(self):
        self.ensure_ord()
        started = [u for argv in self.ord_execs
                   if os.path.basename(argv[0]) == "systemctl" and "start" in argv
                   for u in argv[argv.index("start") + 1:] if u.startswith("snap.ord.")]
        self.assertEqual(started, ["snap.ord.zeta.service", "snap.ord.mid.service",
                                   "snap.ord.alpha.service"])
        # the oneshots ran one after the other, in that order (the install
        # waited for them)
        self.assertEqual(self.read("ord", "order"), "zeta\nmid\nalpha\n")

    @classmethod
    def ensure_cf(cls):
        """The confinement snap, its service run once at install, and a file
        outside its policy (made before: the service reads it at start)."""
        if getattr(cls, "secret", None) is None:
            cls.secret = os.path.join(cls.s.root, "secret-svc")
            with open(cls.secret, "w") as f:
                f.write("secret")
            os.chmod(cls.secret, 0o644)
            cls.install("cf", CONFINED, {"bin/svc": confined_script(cls.secret)})

    def test_service_confinement_is_the_apps(self):
        self.ensure_cf()
        secret = self.secret
        got = dict(l.split(" ", 1) for l in self.read("cf", "results").splitlines())
        want = {"read": "EACCES", "keyctl": "EPERM", "inet": "EACCES"}
        self.assertEqual(got, want)
        # the same calls through `cordon run` of an app of the same snap
        ran = {
            "read": self.cordon_in("run", "cf.cmd", "read", secret, check=False),
            "keyctl": self.cordon_in("run", "cf.cmd", "syscall", "keyctl", check=False),
            "inet": self.cordon_in("run", "cf.cmd", "socket", "inet", "stream", check=False),
        }
        self.assertEqual({k: p.stdout.splitlines()[0] for k, p in ran.items()}, want)
        # the controls: the same probe in the container, outside any snap
        self.assertEqual(self.control_probe("cf", "read", secret), "OK")
        self.assertNotIn(self.control_probe("cf", "syscall", "keyctl").splitlines()[0],
                         ("EPERM", "EACCES"))
        self.assertEqual(self.control_probe("cf", "socket", "inet", "stream"), "OK")

    # Only ENOSYS/EOPNOTSUPP from landlock_create_ruleset(VERSION) say the
    # kernel has no Landlock. A service manager's seccomp filter makes it
    # fail with EPERM on a kernel that has it (systemd-nspawn's default
    # filter, a unit's SystemCallFilter=): a strict command must then refuse
    # to run rather than run without its file and network policy.
    def test_strict_service_without_landlock_calls(self):
        self.ensure_cf()
        launcher = os.path.join(cordonlib.PREFIX, "libexec/cordon/cordon-confine")
        out = "/tmp/cordon-no-landlock.out"
        self.addCleanup(self.container.run, ["rm", "-f", out])
        p = self.container.run([
            "systemd-run", "--quiet", "--wait", "--collect", "-p", "SystemCallFilter=~"
            "landlock_create_ruleset landlock_add_rule landlock_restrict_self",
            "-p", "SystemCallErrorNumber=EPERM", "-p", f"StandardOutput=file:{out}",
            launcher, "snap.cf.cmd", "read", self.secret])
        got = self.container.run(["cat", out]).stdout.strip()
        # not run at all: the launcher says why (stderr goes to the same file)
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(got.startswith("error: Landlock is refused to this process"), got)
        self.assertNotIn("OK", got.split())

    def test_remove_stops_and_removes_every_unit(self):
        self.install("rm", REMOVE, REMOVE_FILES)
        svc, sock = "snap.rm.svc.service", "snap.rm.sock.s.socket"
        timer = "snap.rm.tick.timer"
        self.wait_state(svc, "active")
        pid = int(self.wait_file(self.data("rm", "svc.pid")))
        self.assertEqual(self.props(sock, "ActiveState", "SubState"),
                         {"ActiveState": "active", "SubState": "listening"})
        self.assertEqual(self.props(timer, "ActiveState", "SubState"),
                         {"ActiveState": "active", "SubState": "waiting"})
        sys_dir = os.path.join(self.s.root, SYSTEM)

        def ours():
            found = []
            for dp, dns, fns in os.walk(sys_dir):
                found += [os.path.relpath(os.path.join(dp, n), sys_dir)
                          for n in dns + fns if n.startswith("snap.rm.")]
            return sorted(found)
        self.assertEqual(ours(), sorted([
            "snap.rm.svc.service", "snap.rm.sock.service", "snap.rm.sock.s.socket",
            "snap.rm.tick.service", "snap.rm.tick.timer",
            "multi-user.target.wants/snap.rm.svc.service",
            "sockets.target.wants/snap.rm.sock.s.socket",
            "timers.target.wants/snap.rm.tick.timer"]))
        self.cordon_in("remove", "rm")
        self.assertEqual(ours(), [])
        self.assertFalse(self.pid_alive(pid))
        self.assertFalse(os.path.exists(self.data("rm", "rm.sock")))
        p = self.systemctl("list-units", "--all", "--plain", "--no-legend", "snap.rm.*")
        self.assertEqual((p.returncode, p.stdout), (0, ""))
        p = self.systemctl("list-unit-files", "--plain", "--no-legend", "snap.rm.*")
        self.assertEqual(p.stdout, "")

    def test_socket_activation(self):
        port = free_port()
        self.install("sa", socket_yaml(port), SOCKET_FILES)
        svc = "snap.sa.srv.service"
        unix_unit, tcp_unit = "snap.sa.srv.unix.socket", "snap.sa.srv.tcp.socket"
        path = self.data("sa", "sock.sock")
        self.assertEqual(self.unit_lines(unix_unit, "ListenStream"), [path])
        self.assertEqual(self.unit_lines(unix_unit, "SocketMode"), ["0660"])
        self.assertEqual(self.unit_lines(tcp_unit, "ListenStream"), [f"127.0.0.1:{port}"])
        # the sockets listen, the service waits for a connection
        for u in (unix_unit, tcp_unit):
            self.assertEqual(self.props(u, "ActiveState", "SubState", "UnitFileState"),
                             {"ActiveState": "active", "SubState": "listening",
                              "UnitFileState": "enabled"}, u)
        self.assertEqual(self.props(svc, "ActiveState", "UnitFileState"),
                         {"ActiveState": "inactive", "UnitFileState": "static"})
        st = os.stat(path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.assertFalse(os.path.exists(self.data("sa", "env")))
        # the first connection starts it, and it answers on both
        self.assertEqual(receive(socket.AF_UNIX, path), "hello-unix")
        self.assertEqual(receive(socket.AF_INET, ("127.0.0.1", port)), "hello-tcp")
        env = dict(l.split("=", 1) for l in self.read("sa", "env").splitlines())
        self.assertEqual(env["LISTEN_FDS"], "2")
        self.assertEqual(env["LISTEN_PID"], "self")
        self.assertEqual(sorted(env["LISTEN_FDNAMES"].split(":")), ["tcp", "unix"])
        # its fds: stdin, stdout (the file), stderr (the journal) and the two
        # sockets: nothing else of systemd's or the launcher's reached it
        fds = self.read("sa", "fds").splitlines()
        self.assertEqual(fds[0], "OK")
        table = {int(l.split()[0]): l.split(" ", 1)[1] for l in fds[1:]}
        self.assertEqual(sorted(table), [0, 1, 2, 3, 4], fds)
        self.assertEqual(table[0], "/dev/null")
        self.assertRegex(table[3], r"^socket:\[\d+\]$")
        self.assertRegex(table[4], r"^socket:\[\d+\]$")
        for name in ("unix", "tcp"):
            self.assertEqual(self.read("sa", f"listening-{name}").strip(), "OK yes")
        self.wait_file(self.data("sa", "accept-tcp"))
        # done: the service exits, the sockets listen on
        self.wait_state(svc, "inactive")
        self.assertEqual(self.read("sa", "accept-unix").strip(), "OK")
        self.assertEqual(self.read("sa", "accept-tcp").strip(), "OK")
        self.assertEqual(self.prop(svc, "Result"), "success")
        for u in (unix_unit, tcp_unit):
            self.assertEqual(self.prop(u, "SubState"), "listening", u)

    def test_timer_fires(self):
        timer, svc = "snap.tm.tick.timer", "snap.tm.tick.service"
        self.assertEqual(self.unit_lines(timer, "Unit"), [svc])
        self.assertEqual(self.unit_lines(timer, "OnCalendar"),
                         [f"*-*-* {h:02d}:{m:02d}" for h in range(24) for m in range(60)])
        self.assertEqual(self.props(timer, "ActiveState", "UnitFileState"),
                         {"ActiveState": "active", "UnitFileState": "enabled"})
        # started by its timer only: no [Install] of its own
        self.assertEqual(self.prop(svc, "UnitFileState"), "static")
        # the next minute, within systemd's default AccuracySec= of one minute
        # (snapd writes none): up to two minutes after the install
        wait_until(lambda: os.path.exists(self.data("tm", "fired")), timeout=180,
                   interval=0.5, what="the timer's service to run")
        self.assertNotEqual(self.prop(timer, "LastTriggerUSecMonotonic"), "0")
        cgroup = self.wait_file(self.data("tm", "cgroup")).splitlines()
        self.assertEqual(cgroup[0], "OK")
        self.assertIn(f"0::/system.slice/{svc}", cgroup)
        self.assertEqual(self.read("tm", "keyctl").splitlines()[0], "EPERM")
        self.assertEqual(self.prop(timer, "ActiveState"), "active")

    def test_units_verify(self):
        units = self.verify_units()
        self.assertIn("snap.tm.tick.timer", units)


if __name__ == "__main__":
    unittest.main()
