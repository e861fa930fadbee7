"""Hooks (issue 11): the executables of meta/hooks run confined under
snap.<snap>.hook.<hook>, as root, at snapd's points of the snap's life, and a
failure has snapd's effect: install (undone, nothing left), pre-refresh
(refresh refused, old revision untouched), post-refresh (back to the old
revision), remove (reported, removal goes on), configure (with install,
refresh and revert). A time limit kills a hook that never ends.

Each hook here writes what it saw (its label's cgroup, its seccomp state, a
denial and its control) to its output, which the command shows."""
import os
import subprocess

from cordonlib import CordonTestCase, mounts_under
from invariants import outcome, policy_snapshot

YAML = """
name: hk
version: '{version}'
summary: hooks
apps:
  hk:
    command: bin/probe
"""

# the probe inside the hook: under its label, confined
SEEN = """#!/bin/sh
echo "hook {name} of $SNAP_REVISION"
"$SNAP/bin/probe" cgroup | grep snap || true
"$SNAP/bin/probe" status Seccomp NoNewPrivs
"$SNAP/bin/probe" read /etc/shadow
echo "{name}" >> "$SNAP_COMMON/hooks.log"
"""


def hook(name, extra="", fail=False):
    text = SEEN.format(name=name) + extra
    if fail:
        text += f'echo "{name} fails" >&2\nexit 3\n'
    return text


class HooksTest(CordonTestCase):
    def path(self, *p):
        return os.path.join(self.s.root, *p)

    def make(self, version="1.0", hooks=None, yaml_extra="", dirname=None):
        files = {f"meta/hooks/{n}": text for n, text in (hooks or {}).items()}
        return self.s.make_snap("hk", YAML.format(version=version) + yaml_extra, files=files,
                                dirname=dirname or f"hk-{version}")

    def snapshot(self):
        """What an undone change must leave exactly as it was."""
        def tree(base):
            out = {}
            for dirpath, dirs, files in os.walk(base):
                for f in files + [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]:
                    p = os.path.join(dirpath, f)
                    rel = os.path.relpath(p, self.s.root)
                    if rel.endswith("/common/hooks.log"):
                        continue  # what the hooks write, the test's record
                    if os.path.islink(p):
                        out[rel] = "-> " + os.readlink(p)
                    else:
                        with open(p, "rb") as fh:
                            out[rel] = fh.read()
            return out
        snap = {}
        for top in ("var/snap", "snap"):
            p = self.path(top)
            if os.path.isdir(p):
                for name in os.listdir(p):
                    # the mounted revisions are read-only images: their
                    # presence is what matters, not their contents
                    snap[f"{top}/{name}"] = sorted(os.listdir(os.path.join(p, name)))
        # no database yet and an empty one are the same state
        return (outcome(self.s.root) or ((), (), ()), policy_snapshot(self.s.root), snap,
                tree(self.path("var/snap")), sorted(mounts_under(self.path("snap"))))

    def log(self):
        try:
            with open(self.path("var/snap/hk/common/hooks.log")) as f:
                return f.read().split()
        except FileNotFoundError:
            return None

    def test_first_install_runs_install_then_configure_confined(self):
        d = self.make(hooks={"install": hook("install"), "configure": hook("configure"),
                             "default-configure": hook("default-configure")})
        out = self.cordon("install", "--dangerous", d).stdout
        self.assertEqual(self.log(), ["install", "default-configure", "configure"])
        # each under its own label, confined like an app (shadow: EACCES,
        # readable by root outside)
        for name in ("install", "default-configure", "configure"):
            i = out.index(f"hook {name} of x1")
            seen = out[i:].splitlines()[1:5]
            self.assertIn(f"/snap.hk.hook.{name}", seen[0])
            self.assertEqual(seen[1:4], ["OK", "Seccomp: 2", "NoNewPrivs: 1"])
        self.assertIn("EACCES", out)
        self.assertTrue(out.rstrip().endswith("hk 1.0 installed"))
        probe = os.path.join(self.s.work, "hk-1.0", "bin/probe")
        control = subprocess.run([probe, "read", "/etc/shadow"], capture_output=True, text=True)
        self.assertEqual(control.stdout.strip(), "OK")

    def test_failing_install_hook_undoes_everything(self):
        before = self.snapshot()
        d = self.make(hooks={"install": hook("install", fail=True)})
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertIn('run hook "install" of snap "hk": exit status 3', err)
        self.assertIn("install fails", err)  # the hook's output in the error
        self.assertEqual(self.snapshot(), before)
        self.assertFalse(os.path.exists(self.path("snap/hk")))
        self.assertFalse(os.path.exists(self.path("var/snap/hk")))

    def test_pre_refresh_failure_refuses_the_refresh(self):
        ok = {"configure": hook("configure"),
              "pre-refresh": hook("pre-refresh", fail=True)}
        self.cordon("install", "--dangerous", self.make("1.0", ok))
        before = self.snapshot()
        err = self.cordon_fails("install", "--dangerous", self.make("2.0"))
        self.assertIn('run hook "pre-refresh" of snap "hk": exit status 3', err)
        after = self.snapshot()
        self.assertEqual(after[:4], before[:4])
        self.assertEqual(self.log(), ["configure", "pre-refresh"])

    def test_post_refresh_failure_goes_back_to_the_old_revision(self):
        self.cordon("install", "--dangerous", self.make("1.0", {"configure": hook("configure")}))
        before = self.snapshot()
        d2 = self.make("2.0", {"post-refresh": hook("post-refresh", fail=True),
                               "configure": hook("configure")})
        err = self.cordon_fails("install", "--dangerous", d2)
        self.assertIn('run hook "post-refresh" of snap "hk": exit status 3', err)
        self.assertIn("hook post-refresh of x2", err)
        after = self.snapshot()
        self.assertEqual(after[0], before[0])  # state: x1 current, x1 alone
        self.assertEqual(after[1], before[1])  # policy byte for byte
        self.assertEqual(os.readlink(self.path("snap/hk/current")), "x1")
        self.assertFalse(os.path.exists(self.path("snap/hk/x2")))
        self.assertFalse(os.path.exists(self.path("var/snap/hk/x2")))
        # the log in $SNAP_COMMON is the snap's: the failed hook wrote to it
        self.assertEqual(self.log(), ["configure", "post-refresh"])

    def test_refresh_and_revert_hooks(self):
        self.cordon("install", "--dangerous", self.make("1.0", {
            "pre-refresh": hook("pre-refresh"), "configure": hook("configure")}))
        self.cordon("install", "--dangerous", self.make("2.0", {
            "post-refresh": hook("post-refresh"), "configure": hook("configure"),
            "install": hook("install")}))
        # pre-refresh of the old revision, post-refresh and configure of the
        # new; no install hook on a refresh
        self.assertEqual(self.log(), ["configure", "pre-refresh", "post-refresh", "configure"])
        self.cordon("revert", "hk")
        # a revert runs configure (of the revision it goes back to) only
        self.assertEqual(self.log()[4:], ["configure"])

    def test_remove_hook_failure_is_reported_and_removal_goes_on(self):
        self.cordon("install", "--dangerous", self.make("1.0", {
            "remove": hook("remove", fail=True)}))
        p = self.cordon("remove", "hk")
        self.assertIn('Warning: run hook "remove" of snap "hk": exit status 3', p.stderr)
        self.assertIn("remove fails", p.stderr)
        self.assertIn("hk removed", p.stdout)
        self.assertFalse(os.path.exists(self.path("var/snap/hk")))

    def test_time_limit_kills_the_hook_and_all_it_started(self):
        forever = hook("install", 'sleep 1000 &\necho "$!" > "$SNAP_COMMON/child"\nexec sleep 1000\n')
        d = self.make(hooks={"install": forever})
        before = self.snapshot()
        err = self.cordon_fails("install", "--dangerous", d, env={"CORDON_HOOK_TIMEOUT": "2"})
        self.assertIn('run hook "install" of snap "hk": killed after the time limit (2 s)', err)
        self.assertEqual(self.snapshot(), before)
        # nothing of the hook runs on: no process in its label's cgroup
        for dirpath, _, files in os.walk(f"/sys/fs/cgroup"):
            if dirpath.endswith("/snap.hk.hook.install") and "cgroup.procs" in files:
                with open(os.path.join(dirpath, "cgroup.procs")) as f:
                    self.assertEqual(f.read(), "")

    def test_a_hook_that_is_not_executable_fails_clearly(self):
        d = self.make(hooks={"install": hook("install")})
        os.chmod(os.path.join(d, "meta/hooks/install"), 0o644)
        before = self.snapshot()
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertIn('run hook "install" of snap "hk"', err)
        self.assertIn("Permission denied", err)
        self.assertEqual(self.snapshot(), before)

    def test_declared_hook_gets_its_plugs_an_implicit_one_the_default(self):
        net = '"$SNAP/bin/probe" socket inet stream\n'
        d = self.make(hooks={"install": hook("install", net), "configure": hook("configure", net)},
                      yaml_extra="hooks:\n  install:\n    plugs: [network]\n")
        lines = self.cordon("install", "--dangerous", d).stdout.splitlines()
        i, c = lines.index("hook install of x1"), lines.index("hook configure of x1")
        self.assertEqual(lines[c - 1], "OK")  # install: network plugged
        self.assertEqual(lines[-2], "EACCES")  # configure: the default policy
        self.assertEqual(lines[-1], "hk 1.0 installed")
        # the implicit hook has a label and a policy file of its own
        self.assertTrue(os.path.exists(self.path("var/lib/cordon/policy/snap.hk.hook.configure")))


SLOT_SNAP = """
name: prov
version: '1.0'
summary: slot side
apps:
  prov:
    command: bin/probe
slots:
  data:
    interface: content
    content: cdata
    read: [$SNAP/shared]
"""

PLUG_SNAP = """
name: cons
version: '1.0'
summary: plug side
apps:
  cons:
    command: bin/probe
plugs:
  data:
    interface: content
    content: cdata
    target: $SNAP_DATA/target
  network:
"""


def port_hook(name, fail=False):
    text = f'#!/bin/sh\necho "port hook {name} of $SNAP_INSTANCE_NAME"\n'
    if fail:
        text += f'echo "{name} fails" >&2\nexit 4\n'
    return text


class InterfaceHooksTest(CordonTestCase):
    """prepare-/connect-/disconnect- hooks around connect and disconnect (and
    auto-connect at install), in snapd's order; a failing prepare or
    connect hook leaves the connection unmade."""

    def path(self, *p):
        return os.path.join(self.s.root, *p)

    def install(self, name, yaml, hooks, dirname=None):
        files = {f"meta/hooks/{n}": text for n, text in hooks.items()}
        files["shared/f.txt"] = ("shared\n", 0o644)
        d = self.s.make_snap(name, yaml, files=files, dirname=dirname)
        return self.cordon("install", "--dangerous", d)

    def hook_lines(self, out):
        return [l for l in out.splitlines() if l.startswith("port hook ")]

    def connected(self):
        return [l.split()[:3] for l in self.cordon("connections", "cons").stdout.splitlines()[1:]
                if l.split()[1] == "cons:data"]

    def setUp(self):
        super().setUp()
        self.install("prov", SLOT_SNAP, {n: port_hook(n) for n in (
            "prepare-slot-data", "connect-slot-data", "disconnect-slot-data")})

    def test_auto_connect_runs_the_plug_hooks_at_install(self):
        out = self.install("cons", PLUG_SNAP, {n: port_hook(n) for n in (
            "prepare-plug-network", "connect-plug-network")}).stdout
        self.assertEqual(self.hook_lines(out), ["port hook prepare-plug-network of cons",
                                                "port hook connect-plug-network of cons"])

    def test_connect_and_disconnect_hooks_in_order(self):
        self.install("cons", PLUG_SNAP, {n: port_hook(n) for n in (
            "prepare-plug-data", "connect-plug-data", "disconnect-plug-data")})
        out = self.cordon("connect", "cons:data", "prov:data").stdout
        self.assertEqual(self.hook_lines(out), ["port hook prepare-plug-data of cons",
                                                "port hook prepare-slot-data of prov",
                                                "port hook connect-slot-data of prov",
                                                "port hook connect-plug-data of cons"])
        self.assertEqual(self.connected(), [["content[cdata]", "cons:data", "prov:data"]])
        out = self.cordon("disconnect", "cons:data").stdout
        self.assertEqual(self.hook_lines(out), ["port hook disconnect-slot-data of prov",
                                                "port hook disconnect-plug-data of cons"])
        self.assertEqual(self.connected(), [["content[cdata]", "cons:data", "-"]])

    def test_failing_connect_hook_leaves_the_connection_unmade(self):
        for failing in ("prepare-plug-data", "connect-plug-data"):
            with self.subTest(hook=failing):
                hooks = {n: port_hook(n, fail=n == failing) for n in (
                    "prepare-plug-data", "connect-plug-data")}
                self.install("cons", PLUG_SNAP, hooks, dirname=f"cons-{failing}")
                before = policy_snapshot(self.s.root)
                err = self.cordon_fails("connect", "cons:data", "prov:data")
                self.assertIn(f'run hook "{failing}" of snap "cons": exit status 4', err)
                self.assertIn(f"{failing} fails", err)
                self.assertEqual(self.connected(), [["content[cdata]", "cons:data", "-"]])
                self.assertEqual(policy_snapshot(self.s.root), before)
                self.cordon("remove", "cons")

    def test_failing_disconnect_hook_keeps_the_connection(self):
        self.install("cons", PLUG_SNAP, {"disconnect-plug-data":
                                         port_hook("disconnect-plug-data", fail=True)})
        self.cordon("connect", "cons:data", "prov:data")
        before = policy_snapshot(self.s.root)
        err = self.cordon_fails("disconnect", "cons:data")
        self.assertIn('run hook "disconnect-plug-data" of snap "cons": exit status 4', err)
        self.assertEqual(self.connected(), [["content[cdata]", "cons:data", "prov:data"]])
        self.assertEqual(policy_snapshot(self.s.root), before)

    def test_remove_runs_the_disconnect_hooks_of_both_ends(self):
        self.install("cons", PLUG_SNAP, {"disconnect-plug-data": port_hook("disconnect-plug-data")})
        self.cordon("connect", "cons:data", "prov:data")
        out = self.cordon("remove", "cons").stdout
        self.assertEqual(self.hook_lines(out), ["port hook disconnect-slot-data of prov",
                                                "port hook disconnect-plug-data of cons"])
