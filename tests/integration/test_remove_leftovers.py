"""Issue 15: what `cordon remove` leaves and what it must not touch. No
cgroup of a removed snap stays in any hierarchy, and under a CORDON_ROOT
(a test prefix) the real users' ~/snap/<name> is not the prefix's to
delete."""
import os
import shutil
import uuid

from cordonlib import CordonTestCase, cgroup_roots, probe_yaml, stop_process, wait_until

YAML = probe_yaml("hello") + """  other:
    command: bin/probe
"""


class RemoveLeftoversTest(CordonTestCase):
    def snap_cgroups(self, name="hello"):
        """Every cgroup of the snap, in every hierarchy, at any depth."""
        found = []
        for root in cgroup_roots():
            base = os.path.join(root, self.s.cgroup_parent)
            for dirpath, dirnames, _ in os.walk(base):
                found += [os.path.join(dirpath, d) for d in dirnames
                          if d.startswith(f"snap.{name}.")]
        return found

    def test_no_cgroup_left_after_remove(self):
        for mode in ("v1", "v2"):
            with self.subTest(mode=mode):
                self.install("hello", YAML)
                env = {"CORDON_DEVICE_CGROUP": mode}
                self.probe("hello", "cwd", env=env)
                self.probe("hello.other", "cwd", env=env)
                self.assertNotEqual(self.snap_cgroups(), [])  # the control
                # a cgroup below a label's (a process of the label made one)
                os.mkdir(os.path.join(self.snap_cgroups()[0], "nested"))
                self.cordon("remove", "hello")
                self.assertEqual(self.snap_cgroups(), [])

    def test_no_cgroup_left_after_remove_beside_a_process(self):
        """An app still running at the remove keeps its label cgroup; the
        next state change after it ended removes it (nothing else would)."""
        self.install("hello", YAML)
        sleeper = self.spawn_probe("hello", "sleep", "2")
        wait_until(lambda: self.snap_cgroups() and any(
            open(os.path.join(c, "cgroup.procs")).read() for c in self.snap_cgroups()),
            what="the app in its cgroup")
        self.cordon("remove", "hello")
        # the control: rmdir cannot take a cgroup a process runs in
        self.assertNotEqual(self.snap_cgroups(), [])
        stop_process(sleeper)
        # the next state change takes what was still in use
        self.install("world", probe_yaml("world"))
        self.assertEqual(self.snap_cgroups(), [])

    def test_remove_under_a_prefix_keeps_real_homes(self):
        name = "t" + uuid.uuid4().hex[:10]
        real = os.path.join("/root/snap", name)
        if not os.path.exists("/root/snap"):
            os.mkdir("/root/snap", 0o700)
            self.addCleanup(os.rmdir, "/root/snap")
        os.makedirs(os.path.join(real, "x1"))
        self.addCleanup(shutil.rmtree, real, ignore_errors=True)
        with open(os.path.join(real, "marker"), "w") as f:
            f.write("mine")
        with open(os.path.join(real, "x1", "marker"), "w") as f:
            f.write("mine")
        inside = os.path.join(self.s.home, "snap", name)
        self.install(name, probe_yaml(name))
        self.probe(name, "cwd")  # makes the prefix's own ~/snap/<name>
        self.assertTrue(os.path.isdir(inside))  # the control
        self.install(name, probe_yaml(name))  # x2: x1 is kept
        self.cordon("remove", name)
        # the prefix's own is gone, the host's stays as it was
        self.assertFalse(os.path.exists(inside))
        with open(os.path.join(real, "marker")) as f:
            self.assertEqual(f.read(), "mine")
        with open(os.path.join(real, "x1", "marker")) as f:
            self.assertEqual(f.read(), "mine")

    def test_hook_under_a_prefix_keeps_real_homes(self):
        """A hook runs as root; under a prefix its home is the prefix's
        (this command's $HOME, as `cordon run` uses it), not the host's
        /root: the launcher makes ~/snap/<snap>/<rev> there, and the
        prefix's remove rightly leaves the host's homes alone, so a hook
        that wrote /root/snap would leave it there for good."""
        name = "t" + uuid.uuid4().hex[:10]
        real = os.path.join("/root/snap", name)
        self.addCleanup(shutil.rmtree, real, ignore_errors=True)
        inside = os.path.join(self.s.home, "snap", name)
        hook = "#!/bin/sh\necho \"home=$HOME\" >\"$SNAP_COMMON/hook-home\"\n"
        d = self.s.make_snap(name, probe_yaml(name), files={"meta/hooks/configure": hook})
        self.cordon("install", "--dangerous", d)
        # the control: the hook did run, with a home of the prefix
        with open(self.path("var/snap", name, "common", "hook-home")) as f:
            self.assertEqual(f.read(), f"home={inside}/x1\n")
        self.assertTrue(os.path.isdir(os.path.join(inside, "x1")))
        self.assertFalse(os.path.exists(real))
        self.cordon("remove", name)
        self.assertFalse(os.path.exists(inside))
        self.assertFalse(os.path.exists(real))


if __name__ == "__main__":
    import unittest
    unittest.main()
