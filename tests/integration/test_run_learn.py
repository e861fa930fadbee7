"""Issue 14, learn mode: `cordon run --learn SNAP.APP` runs the app with its
strict sandbox's structure but records instead of denying (seccomp user
notification, every call let go on), then says what the app touched
outside its policy and the snap.yaml plugs that would allow it, as a diff.

The probe app reads a file under /media, opens a TCP connection to a
listener on 127.0.0.1 and reads a file under ~/Documents. Controls: the same
three confined without --learn are refused, before and after the learn run
(a learn run leaves the policy as it was), and with the proposed plugs
added (the printed diff applied by patch(1)) and connected, the same
strict run passes."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading

import cordonlib
from strictlib import ROOT, USER, StrictCase

SCRIPT = """#!/bin/sh
"$SNAP/bin/probe" read "$1"
"$SNAP/bin/probe" tcp-connect 127.0.0.1 "$2"
"$SNAP/bin/probe" read "$3"
"""

YAML = """
name: lrn
version: '1.0'
summary: learn probe
apps:
  lrn:
    command: bin/touch3
"""


class Listener:
    """A TCP listener on loopback that accepts and closes, for the probe."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()


class LearnTest(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("lrn", YAML, files={"bin/touch3": SCRIPT})
        self.listener = Listener()
        self.addCleanup(self.listener.close)
        # /media/<scratch>/file (the directory made here, removed after)
        self.assertTrue(os.path.isdir("/media"))
        self.media_dir = tempfile.mkdtemp(prefix="cordon-learn-", dir="/media")
        self.addCleanup(shutil.rmtree, self.media_dir, True)
        os.chmod(self.media_dir, 0o755)
        self.media = self.make_file(os.path.join(self.media_dir, "f"), USER, 0o644)
        docs = os.path.join(self.home(USER), "Documents")
        self.doc = self.make_file(os.path.join(docs, "f"), USER, 0o644)
        os.chown(docs, self.user.pw_uid, self.user.pw_gid)
        for path in (self.media, self.doc):  # the controls: readable unconfined
            self.assertEqual(self.host_as(USER, "read", path), "OK")

    def args(self):
        return (self.media, self.listener.port, self.doc)

    def strict(self):
        """The three results of the app run confined, by the user."""
        p = self.run_as(USER, "lrn", *self.args(), check=False)
        return [line for line in p.stdout.splitlines() if not line.startswith(" ")]

    def learn(self):
        return self.s.cordon("run", "--learn", "lrn", *self.args(), user=USER, check=False)

    def test_learn_proposes_plugs_that_then_allow_the_run(self):
        before = self.strict()
        self.assertEqual(len(before), 3, before)
        for line in before:  # each refused (the view hides, Landlock denies)
            self.assertRegex(line, r"^(EACCES|ENOENT|EPERM)")
        p = self.learn()
        self.assertEqual(p.returncode, 0, p.stderr)
        # the whole run went on: nothing was refused
        self.assertEqual(p.stdout.splitlines(), ["OK", "OK", "OK"], p.stderr)
        err = p.stderr
        self.assertIn("== cordon run --learn snap.lrn.lrn:", err)
        self.assertRegex(err, re.escape(f"read {self.media}") + r" +removable-media")
        self.assertRegex(err, rf"connect TCP port {self.listener.port} \(AF_INET\) +network")
        self.assertRegex(err, r"socket AF_INET +network")
        self.assertRegex(err, re.escape(f"read {self.doc}") + r" +home")
        self.assertIn("+    plugs: [home, network, removable-media]\n", err)
        self.assertIn("then: cordon connect lrn:removable-media", err)
        # what is inside the policy is not reported (the probe, libc)
        self.assertNotIn("/bin/probe", err)
        self.assertNotIn("libc.so", err)

        # a learn run leaves the app's policy as it was
        self.assertEqual(self.strict(), before)

        # the diff is ready to paste: patch(1) applies it to the snap.yaml
        d = self.s.make_snap("lrn", YAML, files={"bin/touch3": SCRIPT}, dirname="lrn2")
        diff = err[err.index("--- a/meta/snap.yaml"):]
        diff = diff[:diff.index("then: ")]
        subprocess.run(["patch", "-p1", "-s"], input=diff, text=True, cwd=d, check=True)
        with open(os.path.join(d, "meta", "snap.yaml")) as f:
            self.assertIn("    plugs: [home, network, removable-media]\n", f.read())
        self.s.cordon("install", "--dangerous", self.s.pack(d))
        self.s.cordon("connect", "lrn:removable-media")
        self.assertEqual(self.strict(), ["OK", "OK", "OK"])
        # and learning again finds nothing left outside
        p = self.learn()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("nothing outside its policy", p.stderr)
        self.assertNotIn("+++", p.stderr)

    def test_learn_as_root(self):
        # root's run learns the same (root's home: the test root's)
        doc = self.make_file(os.path.join(self.home(ROOT), "Documents", "f"), ROOT, 0o644)
        before = self.run_as(ROOT, "lrn", self.media, self.listener.port, doc,
                             check=False).stdout.splitlines()
        self.assertNotIn("OK", before)
        p = self.s.cordon("run", "--learn", "lrn", self.media, self.listener.port, doc,
                          check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines(), ["OK", "OK", "OK"], p.stderr)
        self.assertRegex(p.stderr, re.escape(f"read {doc}") + r" +home")
        self.assertIn("+    plugs: [home, network, removable-media]\n", p.stderr)
        after = self.run_as(ROOT, "lrn", self.media, self.listener.port, doc,
                            check=False).stdout.splitlines()
        self.assertEqual(after, before)

    def test_learn_run_is_the_users_and_sandboxed(self):
        # ids, no capability, no_new_privs, the snap's environment; the
        # seccomp mode is the learn filter's (2), and the run is in a
        # mount namespace of its own, not the snap's
        script = ("#!/bin/sh\n"
                  "grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status\n"
                  "echo SNAP_NAME=$SNAP_NAME\n"
                  "readlink /proc/self/ns/mnt\n")
        yaml = YAML.replace("name: lrn", "name: lrs").replace("  lrn:", "  lrs:")
        self.install("lrs", yaml.replace("bin/touch3", "bin/st"), files={"bin/st": script})
        p = self.s.cordon("run", "--learn", "lrs", user=USER, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = dict(line.split(":", 1) for line in p.stdout.splitlines() if ":" in line)
        uid = str(self.user.pw_uid)
        self.assertEqual(out["Uid"].split(), [uid] * 4)
        self.assertEqual(out["CapEff"].strip(), "0000000000000000")
        self.assertEqual(out["CapBnd"].strip(), "0000000000000000")
        self.assertEqual(out["NoNewPrivs"].strip(), "1")
        self.assertEqual(out["Seccomp"].strip(), "2")
        self.assertIn("SNAP_NAME=lrs", p.stdout)
        learn_ns = p.stdout.strip().splitlines()[-1]
        normal = self.run_as(USER, "lrs").stdout.strip().splitlines()[-1]
        self.assertTrue(learn_ns.startswith("mnt:["), learn_ns)
        self.assertNotEqual(learn_ns, normal)
        self.assertNotEqual(learn_ns, os.readlink("/proc/self/ns/mnt"))

    def test_refusals(self):
        # the launcher's --learn needs the caller's socket on fd 3
        confine = os.path.join(cordonlib.PREFIX, "libexec", "cordon", "cordon-confine")
        with open("/dev/null") as f:
            p = subprocess.run([confine, "--learn", "snap.lrn.lrn"], capture_output=True,
                               text=True, user=self.user.pw_uid, group=self.user.pw_gid,
                               extra_groups=[], env=self.s.env(), cwd="/", stdin=f)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--learn: fd 3", p.stderr)
        for args in (["--learn", "--strace", "lrn"], ["--learn", "--shell", "lrn"],
                     ["--learn", "--pty", "lrn"]):
            with self.subTest(args=args):
                p = self.s.cordon("run", *args, user=USER, check=False)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("usage: cordon run", p.stderr)
        p = self.s.cordon("run", "--learn", "nosuch.app", user=USER, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no compiled policy for snap.nosuch.app", p.stderr)
