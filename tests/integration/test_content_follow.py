"""Content follows the slot snap (issue 15, items 3 and 4): refreshing or
reverting a content slot snap recompiles the connected plug snaps in the same
transaction and brings their namespace to the slot's new revision, while the
plug snap runs and while it does not, after the namespace is rebuilt (a
reboot), and on a host whose / is private (this one, no systemd) as well as
on one where it is shared (systemd's default, made here by making the
scratch root a shared mount). A change killed after its commit leaves the
namespace work to the next command or launch, and its exit status is the
truth either way."""
import os
import subprocess

from cordonlib import CordonTestCase, mountinfo, stop_process, top_mount, wait_until
from test_connections import CONS, sandboxed_shell, snap

PROV = snap("prov", """
    slots:
      data:
        interface: content
        content: cdata
        read: [$SNAP/shared]
    """)


class ContentFollowsSlot(CordonTestCase):
    shared_root = False

    def setUp(self):
        super().setUp()
        if self.shared_root:
            # systemd makes / shared: a mount made on the host (a new
            # revision) then reaches every snap namespace by itself
            subprocess.run(["mount", "--bind", self.s.root, self.s.root], check=True)
            subprocess.run(["mount", "--make-rshared", self.s.root], check=True)
        self.target = self.path("var/snap/cons/x1/target")
        self.versions = 0
        self.refresh_prov("one")
        d = self.s.make_snap("cons", CONS)
        self.cordon("install", "--dangerous", d)
        self.cordon("connect", "cons:data", "prov:data")

    def refresh_prov(self, text):
        """Install the next revision of prov (a squashfs of its own, so each
        revision's content differs) whose shared/f.txt holds text."""
        self.versions += 1
        d = self.s.make_snap("prov", PROV, files={"shared/f.txt": (text + "\n", 0o644)},
                             dirname=f"prov{self.versions}")
        out = os.path.join(self.s.work, f"out{self.versions}")
        os.makedirs(out)
        p = self.cordon("install", "--dangerous", self.s.pack(d, out))
        self.assertEqual(p.stderr, "")

    def seen_by_new_command(self):
        lines = self.probe_lines("cons", "cat", f"{self.target}/f.txt")
        self.assertEqual(lines[0], "OK", lines)
        return lines[1]

    def rebuild_namespace(self):
        """What a reboot does to the preserved namespace: gone (when a change
        has not discarded it already)."""
        ns = self.path("run/cordon/ns", "cons.mnt")
        if top_mount(mountinfo(), ns) is not None:
            subprocess.run(["umount", "-l", ns], check=True)

    def assert_pruned(self, rev):
        self.assertIsNone(top_mount(mountinfo(), self.path("snap/prov", rev)))
        self.assertFalse(os.path.exists(self.path("snap/prov", rev)))

    def test_not_running(self):
        self.assertEqual(self.seen_by_new_command(), "one")
        self.refresh_prov("two")
        self.assertEqual(self.seen_by_new_command(), "two")
        self.refresh_prov("three")  # x3: x1 pruned
        self.assert_pruned("x1")
        self.assertEqual(self.seen_by_new_command(), "three")
        p = self.cordon("revert", "prov")
        self.assertEqual(p.stderr, "")
        self.assertEqual(self.seen_by_new_command(), "two")
        self.rebuild_namespace()
        self.assertEqual(self.seen_by_new_command(), "two")
        self.refresh_prov("four")  # x4: x3 pruned (x2 is current)
        self.rebuild_namespace()
        self.assertEqual(self.seen_by_new_command(), "four")

    def test_running(self):
        # a command of the plug snap prints the file each time it is told to
        script = ('i=0; while [ $i -lt 4 ]; do '
                  'while [ ! -e "$SNAP_COMMON/go$i" ]; do sleep 0.05; done; '
                  'cat "$SNAP_DATA/target/f.txt"; i=$((i+1)); done')
        p = self.spawn_probe("cons", "exec", "/bin/sh", "-c", script)
        wait_until(lambda: sandboxed_shell(p.pid), what="the shell inside the sandbox")
        step = [0]

        def seen_by_running():
            open(self.path(f"var/snap/cons/common/go{step[0]}"), "w").close()
            step[0] += 1
            return p.stdout.readline().strip()

        self.assertEqual(seen_by_running(), "one")
        self.refresh_prov("two")
        self.assertEqual(seen_by_running(), "two")
        self.assertEqual(self.seen_by_new_command(), "two")
        self.refresh_prov("three")
        self.assert_pruned("x1")
        self.assertEqual(seen_by_running(), "three")
        p2 = self.cordon("revert", "prov")
        self.assertEqual(p2.stderr, "")
        self.assertEqual(seen_by_running(), "two")
        self.assertEqual(self.seen_by_new_command(), "two")
        self.assertEqual(p.wait(timeout=60), 0)
        stop_process(p)
        self.rebuild_namespace()
        self.assertEqual(self.seen_by_new_command(), "two")

    def test_killed_after_commit(self):
        """The namespace work of a committed change is journaled: killed
        before it, the next launch finds the right view, and the next command
        finishes it for the running commands."""
        script = ('while [ ! -e "$SNAP_COMMON/go" ]; do sleep 0.05; done; '
                  'exec cat "$SNAP_DATA/target/f.txt"')
        p = self.spawn_probe("cons", "exec", "/bin/sh", "-c", script)
        wait_until(lambda: sandboxed_shell(p.pid), what="the shell inside the sandbox")
        # disconnect killed after its commit: the running command still
        # has the mount, a new command does not
        r = self.cordon("disconnect", "cons:data", check=False,
                        env={"CORDON_FAULT": "disconnect-settle"})
        self.assertEqual(r.returncode, -9)
        self.assertIsNotNone(top_mount(mountinfo(p.pid), self.target))
        self.assertEqual(self.probe("cons", "read", f"{self.target}/f.txt"), "ENOENT")
        # the launch brought the running namespace up to date too
        wait_until(lambda: top_mount(mountinfo(p.pid), self.target) is None,
                   what="the mount gone from the running command")
        # and the next command finds nothing left to do
        r = self.cordon("connect", "cons:data", "prov:data", check=False,
                        env={"CORDON_FAULT": "connect-settle"})
        self.assertEqual(r.returncode, -9)
        self.assertEqual(self.cordon("list").stderr, "")
        wait_until(lambda: top_mount(mountinfo(p.pid), self.target) is not None,
                   what="the mount back in the running command")
        open(self.path("var/snap/cons/common/go"), "w").close()
        self.assertEqual(p.communicate(timeout=60)[0], "one\n")


class ContentFollowsSlotSharedRoot(ContentFollowsSlot):
    shared_root = True




CONS_NESTED = snap("cons", """
    plugs:
      data:
        interface: content
        content: cdata
        target: $SNAP_DATA/a/tmp
    """)


class SwappedTargetTest(CordonTestCase):
    def test_symlink_swapped_into_a_target(self):
        """A process of the plug snap (root in it) owns $SNAP_DATA: it can
        rename a directory above a content target and put a symlink in its
        place. Updating the running namespace must neither follow the
        symlink (here to /, so that $SNAP_DATA/a/tmp names /tmp: unmounting
        it would drop the snap's private /tmp) nor leave the bind where the
        directory went: the namespace is replaced, its running command keeps
        the old view, the next command has none of it."""
        d = self.s.make_snap("prov", PROV, files={"shared/f.txt": ("one\n", 0o644)})
        self.cordon("install", "--dangerous", d)
        self.cordon("install", "--dangerous", self.s.make_snap("cons", CONS_NESTED))
        self.cordon("connect", "cons:data", "prov:data")
        data = self.path("var/snap/cons/x1")
        # the control: connected, the content is there
        self.assertEqual(self.probe("cons", "read", os.path.join(data, "a/tmp/f.txt")), "OK")
        script = 'while [ ! -e "$SNAP_COMMON/go" ]; do sleep 0.05; done; exec cat /proc/self/mountinfo'
        p = self.spawn_probe("cons", "exec", "/bin/sh", "-c", script)
        wait_until(lambda: sandboxed_shell(p.pid), what="the shell inside the sandbox")
        tmp_before = top_mount(mountinfo(p.pid), "/tmp")
        self.assertIsNotNone(tmp_before)
        os.rename(os.path.join(data, "a"), os.path.join(data, "a.old"))
        os.symlink("/", os.path.join(data, "a"))
        r = self.cordon("disconnect", "cons:data")
        self.assertIn("keep their old view", r.stderr)
        # the running command: its private /tmp untouched
        self.assertEqual(top_mount(mountinfo(p.pid), "/tmp"), tmp_before)
        # a new command: no bind anywhere
        self.assertEqual(self.probe("cons", "read", os.path.join(data, "a.old/tmp/f.txt")),
                         "ENOENT")
        open(self.path("var/snap/cons/common/go"), "w").close()
        self.assertIn(" /tmp ", p.communicate(timeout=60)[0])
