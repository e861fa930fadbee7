"""Issue 3, step 2 of the runner: the label's cgroup and its device control,
with both mechanisms (cgroup v1 devices controller, cgroup2 BPF program).

How the device cgroup's own effect is isolated: two layers guard devices.
The device cgroup is asked first (at inode permission time: EPERM), Landlock
after it (when the file is opened: EACCES). /dev/kmsg gives EPERM, but that
alone does not show that Landlock would not have refused it anyway. So the
tests also create device nodes inside the snap's SNAP_DATA, a directory the
default policy lets the app read and write: there Landlock allows every
open, and only the device cgroup stands between the app and the device. A
node for 1:11 (kmsg), 10:237 (loop-control) or block 7:0 (loop0) must then
fail with EPERM while nodes for the default devices (1:3 null...) in the
same directory open. The control is the very same node opened outside the
sandbox, which succeeds. This is also the threat the device cgroup exists
for: a device node that reaches a writable place of the app (made by root,
or brought in by a bind mount)."""
import os
import stat

from cordonlib import (CordonTestCase, bpf_device_progs, cgroup_mount, probe_yaml)

YAML = probe_yaml("hello") + """  other:
    command: bin/probe
"""

# the default device set of the issue, as the kernel lists it in devices.list
DEFAULT_V1 = sorted(["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                     "c 5:0 rwm", "c 5:2 rwm"] + [f"c {m}:* rwm" for m in range(136, 144)])

NODES = {  # name: (type, major, minor, allowed by the default policy)
    "null": (stat.S_IFCHR, 1, 3, True),
    "zero": (stat.S_IFCHR, 1, 5, True),
    "full": (stat.S_IFCHR, 1, 7, True),
    "random": (stat.S_IFCHR, 1, 8, True),
    "urandom": (stat.S_IFCHR, 1, 9, True),
    "tty": (stat.S_IFCHR, 5, 0, False),  # allowed, but ENXIO without a terminal
    "kmsg": (stat.S_IFCHR, 1, 11, False),
    "loop-control": (stat.S_IFCHR, 10, 237, False),
    "loop0": (stat.S_IFBLK, 7, 0, False),
}


class DeviceCgroupTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        self.v1 = cgroup_mount("v1")
        self.v2 = cgroup_mount("v2")
        if self.v1 is None or self.v2 is None:
            self.skipTest("this test needs the v1 devices controller and cgroup2 (DESIGN.md §5)")

    def label_dir(self, kind, label="snap.hello.hello"):
        return os.path.join(self.v1 if kind == "v1" else self.v2, self.s.cgroup_parent, label)

    def make_nodes(self):
        data = self.path("var/snap/hello/x1/dev")
        os.makedirs(data)
        for name, (typ, major, minor, _) in NODES.items():
            os.mknod(os.path.join(data, name), 0o666 | typ, os.makedev(major, minor))
        return data

    def check_devices(self, env):
        data = self.make_nodes()
        # the default devices, through /dev (Landlock allows them too)
        for dev in ("/dev/null", "/dev/zero", "/dev/full", "/dev/urandom"):
            self.assertEqual(self.probe("hello", "open-dev", dev, env=env), "OK", dev)
        # nodes Landlock allows: only the device cgroup decides
        for name, (typ, major, minor, allowed) in NODES.items():
            if name == "tty":
                continue
            node = os.path.join(data, name)
            with self.subTest(node=name):
                self.assertEqual(self.probe("hello", "open-dev", node, env=env),
                                 "OK" if allowed else "EPERM")
                self.assertEqual(self.probe_host("open-dev", node), "OK")
        # an outside device through /dev: the device cgroup refuses it
        # before Landlock is asked
        self.assertEqual(self.probe("hello", "open-dev", "/dev/kmsg", env=env), "EPERM")
        self.assertEqual(self.probe_host("open-dev", "/dev/kmsg"), "OK")

    def test_label_cgroup_default_mechanism_is_v1_here(self):
        """On this hybrid host the v1 devices controller is the mechanism:
        the process joins the label's v1 devices cgroup (its line in
        /proc/self/cgroup names the app) and no cgroup2 one (a second move
        would only cost time: the launcher joins one hierarchy per mode)."""
        self.install("hello", YAML)
        lines = self.probe_lines("hello", "cgroup")
        self.assertEqual(lines[0], "OK")
        want = f"/{self.s.cgroup_parent}/snap.hello.hello"
        devices = [l for l in lines[1:] if l.split(":")[1] == "devices"]
        self.assertEqual(devices, [devices[0].split(":")[0] + ":devices:" + want])
        self.assertNotIn("0::" + want, lines)
        # the other app has its own label
        self.assertIn(f":devices:/{self.s.cgroup_parent}/snap.hello.other",
                      self.probe("hello.other", "cgroup"))
        # control: outside, no such cgroup
        self.assertNotIn("snap.hello", self.probe_host("cgroup"))
        with open(os.path.join(self.label_dir("v1"), "devices.list")) as f:
            self.assertEqual(sorted(f.read().split("\n")[:-1]), DEFAULT_V1)
        with open(os.path.join(self.label_dir("v1"), "cgroup.procs")) as f:
            self.assertEqual(f.read(), "")  # the command is gone

    def test_devices_v1(self):
        self.install("hello", YAML)
        env = {"CORDON_DEVICE_CGROUP": "v1"}
        self.check_devices(env)
        with open(os.path.join(self.label_dir("v1"), "devices.list")) as f:
            self.assertEqual(sorted(f.read().split("\n")[:-1]), DEFAULT_V1)
        # control: the parent cgroup (where the launcher came from) allows all
        with open(os.path.join(self.v1, self.s.cgroup_parent, "devices.list")) as f:
            self.assertEqual(f.read(), "a *:* rwm\n")

    def test_devices_v2(self):
        self.install("hello", YAML)
        env = {"CORDON_DEVICE_CGROUP": "v2"}
        lines = self.probe_lines("hello", "cgroup", env=env)
        want = f"/{self.s.cgroup_parent}/snap.hello.hello"
        self.assertIn("0::" + want, lines)
        # the v1 devices controller is not used in v2 mode
        self.assertNotIn(":devices:" + want, lines)
        self.check_devices(env)
        self.assertEqual(bpf_device_progs(self.label_dir("v2")), 1)
        # later v2 launches replace the program: one, not one per launch
        self.probe("hello", "open-dev", "/dev/null", env=env)
        self.probe("hello", "open-dev", "/dev/null", env=env)
        self.assertEqual(bpf_device_progs(self.label_dir("v2")), 1)
        # control: the parent cgroup has no program
        self.assertEqual(bpf_device_progs(os.path.join(self.v2, self.s.cgroup_parent)), 0)

    def test_devices_denied_in_both_at_once(self):
        # v1 then v2 launches of one label: the v2 launch's process is still
        # denied outside devices
        self.install("hello", YAML)
        data = self.make_nodes()
        for mode in ("v1", "v2", "v1"):
            with self.subTest(mode=mode):
                self.assertEqual(self.probe("hello", "open-dev", os.path.join(data, "kmsg"),
                                            env={"CORDON_DEVICE_CGROUP": mode}), "EPERM")

    def test_cgroups_reused_not_piled_up(self):
        self.install("hello", YAML)
        for mode in ("v1", "v2"):
            for _ in range(3):
                self.probe("hello", "cwd", env={"CORDON_DEVICE_CGROUP": mode})
                self.probe("hello.other", "cwd", env={"CORDON_DEVICE_CGROUP": mode})
        for root in (self.v1, self.v2):
            parent = os.path.join(root, self.s.cgroup_parent)
            subdirs = sorted(e for e in os.listdir(parent)
                             if os.path.isdir(os.path.join(parent, e)))
            # beside the labels' cgroups, at most the snapctl broker's own
            # (one per parent, started by the first launch, still running:
            # README, "snapctl")
            if "snapctl" in subdirs:
                subdirs.remove("snapctl")
            self.assertEqual(subdirs, ["snap.hello.hello", "snap.hello.other"], root)
            for label in subdirs:  # the commands are gone: empty cgroups
                with open(os.path.join(parent, label, "cgroup.procs")) as f:
                    self.assertEqual(f.read(), "")
        # remove takes the label cgroups away
        self.cordon("remove", "hello")
        for root in (self.v1, self.v2):
            parent = os.path.join(root, self.s.cgroup_parent)
            left = [e for e in os.listdir(parent)
                    if os.path.isdir(os.path.join(parent, e)) and e != "snapctl"]
            self.assertEqual(left, [], root)

    def test_command_chain_runs_confined(self):
        yaml = probe_yaml("hello").replace("    command: bin/probe\n", """    command: bin/probe
    command-chain: [bin/chain]
""")
        # the chain itself runs inside: its own cgroup file shows the label
        files = {"bin/chain": '#!/bin/sh\n'
                              'export CHAIN_CG="$(grep ":devices:" /proc/self/cgroup | cut -d: -f3)"\n'
                              'exec "$@"\n'}
        self.install("hello", yaml, files=files)
        self.assertEqual(self.probe("hello", "env", "CHAIN_CG"),
                         f"OK /{self.s.cgroup_parent}/snap.hello.hello")
        self.assertEqual(self.probe("hello", "read", "/etc/shadow"), "EACCES")
        self.assertEqual(self.probe_host("read", "/etc/shadow"), "OK")
