"""What a change leaves for later, and who finishes it (issue 15, item 5): a
running command keeps its revision until it exits (snapd keeps the old
revision mounted), the next command prunes it then; a package a killed
install was unpacking is cleaned by the next command, read-only ones
included, whatever pid its leftovers name."""
import os
import subprocess

from cordonlib import (CordonTestCase, loops_backed_by, mountinfo, probe_yaml, stop_process,
                       top_mount, wait_until)
from test_connections import sandboxed_shell


class KeepRevisionTest(CordonTestCase):
    def revisions(self):
        return sorted(e for e in os.listdir(self.path("snap/hello")) if e.startswith("x"))

    def test_running_command_keeps_its_revision(self):
        d = self.s.make_snap("hello", probe_yaml("hello"))
        self.cordon("install", "--dangerous", self.s.pack(d))
        # x1 runs through three refreshes, which would prune it
        script = ('while [ ! -e "$SNAP_COMMON/go" ]; do sleep 0.05; done; '
                  'cat "$SNAP/meta/snap.yaml" >/dev/null && ls -d "$SNAP_DATA" && '
                  'echo "$SNAP_REVISION"')
        p = self.spawn_probe("hello", "exec", "/bin/sh", "-c", script)
        wait_until(lambda: sandboxed_shell(p.pid), what="the shell inside the sandbox")
        for _ in range(3):
            self.cordon("install", "--dangerous", self.s.pack(d))
        self.assertEqual(self.probe("hello", "env", "SNAP_REVISION"), "OK x4")
        self.assertEqual(self.revisions(), ["x1", "x2", "x3", "x4"])
        self.assertIsNotNone(top_mount(mountinfo(), self.path("snap/hello/x1")))
        open(self.path("var/snap/hello/common/go"), "w").close()
        out, _ = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(out, self.path("var/snap/hello/x1") + "\nx1\n")
        stop_process(p)
        # gone with it: the next command (any, as root) prunes
        self.cordon("list")
        self.assertEqual(self.revisions(), ["x3", "x4"])
        self.assertEqual(sorted(os.listdir(self.path("var/snap/hello"))),
                         ["common", "current", "x3", "x4"])
        for rev in ("x1", "x2"):
            self.assertIsNone(top_mount(mountinfo(), self.path("snap/hello", rev)))

    def test_killed_unpack_is_cleaned(self):
        d = self.s.make_snap("hello", probe_yaml("hello"))
        snap = self.s.pack(d)
        r = self.cordon("install", "--dangerous", snap, check=False,
                        env={"CORDON_FAULT": "install-staged"})
        self.assertEqual(r.returncode, -9)
        scratch = self.path("var/lib/cordon/tmp")
        left = sorted(os.listdir(scratch))
        self.assertEqual(len(left), 2, left)
        stage = [e for e in left if e.startswith("stage.")][0]
        self.assertIsNotNone(top_mount(mountinfo(), os.path.join(scratch, stage)))
        self.assertEqual(len(loops_backed_by(scratch)), 1)
        # the copy under a live pid's name (pid 1): a reused pid is no
        # reason to keep it
        incoming = [e for e in left if e.startswith("incoming.")][0]
        os.rename(os.path.join(scratch, incoming), os.path.join(scratch, "incoming.1.snap"))
        # a read-only command by root finishes it
        self.assertEqual(self.cordon("list").stderr, "No snaps are installed yet.\n")
        self.assertEqual(os.listdir(scratch), [])
        self.assertEqual(loops_backed_by(scratch), [])
        self.assertEqual(self.installed(), [])
        self.cordon("install", "--dangerous", snap)
        self.assertEqual(self.probe("hello", "env", "SNAP_REVISION"), "OK x1")

    def installed(self):
        return self.s.installed()
