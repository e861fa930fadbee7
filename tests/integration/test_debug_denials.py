"""`cordon debug denials`: each kind of denial the probe causes inside a
snap comes back from the kernel's records with its label, the operation in
words, the mechanism and the interface that would allow it; with audit off
(seccomp's records, from the kernel log) and on (`--follow` turns it on for
its duration and restores it, and reads the audit netlink stream). Every
denial has its control: the same operation outside the sandbox."""
import os
import select
import signal
import socket
import struct
import subprocess
import time

import cordonlib
from cordonlib import CordonTestCase, probe_yaml, wait_until
from strictlib import ROOT, USER, StrictCase
from test_run_audit import (AUDIT_GET, AUDIT_SET, AUDIT_STATUS_ENABLED, NETLINK_AUDIT, STATUS,
                            messages, nlmsg)


def audit_status():
    """(enabled, pid) of the kernel's audit."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT) as s:
        s.bind((0, 0))
        s.settimeout(5)
        s.send(nlmsg(AUDIT_GET, b"", 1))
        for _ in range(4):
            for type_, payload in messages(s.recv(65536)):
                if type_ == AUDIT_GET:
                    st = struct.unpack(STATUS, payload[:32])
                    return st[1], st[3]
    raise AssertionError("no audit status")


def set_audit(enabled):
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT) as s:
        s.bind((0, 0))
        s.send(nlmsg(AUDIT_SET, struct.pack(STATUS, AUDIT_STATUS_ENABLED, enabled, 0, 0, 0, 0,
                                            0, 0), 2))


def audit_rules():
    """The kernel's audit rules, as AUDIT_LIST_RULES gives them (raw)."""
    AUDIT_LIST_RULES = 1013
    out = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT) as s:
        s.bind((0, 0))
        s.settimeout(5)
        s.send(nlmsg(AUDIT_LIST_RULES, b"", 3))
        while True:
            for type_, payload in messages(s.recv(1 << 16)):
                if type_ == AUDIT_LIST_RULES:
                    out.append(payload)
                elif type_ in (2, 3):  # NLMSG_ERROR (the ack), NLMSG_DONE
                    if type_ == 3:
                        return sorted(out)
                    continue


def delete_rules_but(keep):
    """Delete every audit rule not in keep (what a failed test left)."""
    AUDIT_DEL_RULE = 1012
    extra = [r for r in audit_rules() if r not in keep]
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT) as s:
        s.bind((0, 0))
        s.settimeout(5)
        for r in extra:
            s.send(nlmsg(AUDIT_DEL_RULE, r, 5))
            s.recv(1 << 16)


class DenialsTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        enabled, pid = audit_status()
        if pid != 0:
            self.skipTest(f"an audit daemon (pid {pid}) owns audit here")
        if enabled == 2:
            self.skipTest("audit is locked on")
        # every test starts with audit off, and leaves it as found
        self.addCleanup(set_audit, enabled)
        set_audit(0)

    def denials(self, *args, user=None):
        p = self.cordon("debug", "denials", *args, user=user)
        return p.stdout.splitlines(), p.stderr

    def follow(self, *args):
        """Start `debug denials --follow`; it is listening once audit is on."""
        p = self.s.spawn("debug", "denials", "--follow", *args)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wait_until(lambda: audit_status()[0] == 1 or p.poll() is not None,
                   what="--follow to turn audit on")
        self.assertIsNone(p.poll(), p.stderr.read() if p.poll() is not None else "")
        return p

    def collect(self, p, count, timeout=30):
        """--follow's lines once it has printed `count` (the records reach
        the audit stream asynchronously), then stop it as a user would."""
        fd = p.stdout.fileno()
        data = b""
        deadline = time.monotonic() + timeout
        while data.count(b"\n") < count and time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                data += chunk
        time.sleep(0.5)  # nothing more than expected comes
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        return (data.decode() + out).splitlines(), err

    @staticmethod
    def fresh_printk_window():
        """Audit's records reach the kernel log through printk's rate limit
        (10 lines per 5 s, shared): start a window."""
        time.sleep(5.5)

    def line(self, lines, *parts):
        """The one line holding every part."""
        hits = [l for l in lines if all(x in l for x in parts)]
        if len(hits) != 1:
            try:
                with open(self.path("run", "cordon", "launches")) as f:
                    log = f.read()
            except OSError as e:
                log = str(e)
            self.fail(f"{parts} in:\n" + "\n".join(lines) + "\nlaunch log:\n" + log)
        return hits[0]

    def test_seccomp_denials_with_audit_off(self):
        self.install("dn", probe_yaml("dn"))
        self.install("tc", probe_yaml("tc", extra="plugs:\n  clock:\n    interface: time-control\n"))
        notes = os.path.join(self.s.home, "notes.txt")
        with open(notes, "w") as f:
            f.write("x\n")
        self.fresh_printk_window()
        self.assertEqual(self.probe("dn", "read", notes), "EACCES")
        self.assertEqual(self.probe("dn", "syscall", "settimeofday"), "EPERM")
        self.assertEqual(self.probe("dn", "socket", "inet", "stream"), "EACCES")
        self.assertEqual(self.probe("tc", "syscall", "settimeofday"), "EPERM")
        # controls: outside the sandbox neither is refused by a policy
        self.assertNotIn(self.probe_host("syscall", "settimeofday"), ("EPERM", "EACCES"))
        self.assertEqual(self.probe_host("socket", "inet", "stream"), "OK")
        lines, err = self.denials()
        self.assertIn("kernel audit is off", err)
        # Landlock records nothing while audit is off: said, not shown
        self.assertEqual([l for l in lines if "notes.txt" in l], [])
        l = self.line(lines, "snap.dn.dn", "settimeofday")
        self.assertRegex(l, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d snap\.dn\.dn seccomp: "
                         r"syscall settimeofday; add `plugs: \[time-control\]` to snap\.yaml$")
        l = self.line(lines, "snap.dn.dn", "socket")
        self.assertIn("seccomp: syscall socket; add `plugs: [network]` to snap.yaml", l)
        # the plug is there, not connected (time-control is manual)
        l = self.line(lines, "snap.tc.tc", "settimeofday")
        self.assertTrue(l.endswith("seccomp: syscall settimeofday; cordon connect tc:clock"), l)
        # newest last; one snap's, one app's
        self.assertLess(lines.index(self.line(lines, "snap.dn.dn", "socket")),
                        lines.index(self.line(lines, "snap.tc.tc")))
        only, _ = self.denials("tc")
        self.assertEqual([l for l in only if "snap.dn." in l], [])
        self.line(only, "snap.tc.tc", "settimeofday")
        only, _ = self.denials("tc.other")
        self.assertEqual(only, [])
        # --since: nothing is newer than the future
        later, _ = self.denials("--since", "@" + str(int(time.time()) + 3600))
        self.assertEqual(later, [])
        self.assertEqual(audit_status()[0], 0)

    def test_landlock_and_seccomp_denials_with_follow(self):
        home = self.s.home
        with open(os.path.join(home, "notes.txt"), "w") as f:
            f.write("x\n")
        self.install("ll", probe_yaml("ll", extra="plugs:\n  network-bind: {}\n"))
        self.install("hm", probe_yaml("hm", extra="plugs:\n  home: {}\n"))
        self.cordon("disconnect", "hm:home")
        rules_before = audit_rules()
        self.addCleanup(delete_rules_but, rules_before)
        p = self.follow()
        notes = os.path.join(home, "notes.txt")
        self.assertEqual(self.probe("ll", "read", notes), "EACCES")
        self.assertEqual(self.probe("hm", "read", notes), "EACCES")
        self.assertEqual(self.probe("ll", "create", "/etc/cordon-denials-test"), "EACCES")
        self.assertEqual(self.probe("ll", "create", "/tmp/prog"), "OK")
        self.assertEqual(self.probe("ll", "chmod", "/tmp/prog", "755"), "OK")
        self.assertEqual(self.probe("ll", "exec", "/tmp/prog"), "EACCES")
        self.assertEqual(self.probe("ll", "tcp-connect", "127.0.0.1", "9"), "EACCES")
        self.assertEqual(self.probe("ll", "syscall", "settimeofday"), "EPERM")
        # what the device cgroup and the view refuse, recorded by --follow's
        # audit rules
        self.assertEqual(self.probe("ll", "open-dev", "/dev/kmsg"), "EPERM")
        self.assertEqual(self.probe("ll", "ls", "/media"), "EACCES")
        lines, err = self.collect(p, 8)
        self.assertIn("kernel audit turned on", err)
        self.assertEqual(audit_status()[0], 0, "audit not restored")
        # controls
        self.assertEqual(self.probe_host("read", notes), "OK")
        self.assertEqual(self.probe_host("tcp-connect", "127.0.0.1", "9"), "ECONNREFUSED")
        l = self.line(lines, "snap.ll.ll", "read " + notes)
        self.assertTrue(l.endswith(f"Landlock: read {notes}; add `plugs: [home]` to snap.yaml"), l)
        l = self.line(lines, "snap.hm.hm", "read " + notes)
        self.assertTrue(l.endswith("; cordon connect hm:home"), l)
        l = self.line(lines, "snap.ll.ll", "/etc")
        self.assertTrue(l.endswith("Landlock: create a file in /etc; no interface allows this"), l)
        l = self.line(lines, "snap.ll.ll", "execute")
        self.assertIn("Landlock: execute /tmp/prog; ", l)
        l = self.line(lines, "snap.ll.ll", "TCP connect")
        self.assertTrue(l.endswith("Landlock: TCP connect port 9 (127.0.0.1); "
                                   "add `plugs: [network]` to snap.yaml"), l)
        l = self.line(lines, "snap.ll.ll", "settimeofday")
        self.assertIn("seccomp: syscall settimeofday; add `plugs: [time-control]`", l)
        self.assertEqual(self.probe_host("open-dev", "/dev/kmsg"), "OK")
        self.assertEqual(self.probe_host("ls", "/media").splitlines()[0], "OK")
        l = self.line(lines, "snap.ll.ll", "/dev/kmsg")
        self.assertTrue(l.endswith("device cgroup: open device /dev/kmsg (c 1:11); "
                                   "add `plugs: [log-observe]` to snap.yaml"), l)
        l = self.line(lines, "snap.ll.ll", "/media")
        self.assertTrue(l.endswith("file system view: list /media; "
                                   "add `plugs: [removable-media]` to snap.yaml"), l)
        self.assertEqual(len([l for l in lines if " snap." in l]), 8, lines)
        self.assertEqual(audit_rules(), rules_before, "audit rules not restored")

    def test_follow_killed_still_restores_audit(self):
        """SIGKILL runs no handler: the guard --follow started puts audit
        back, even when the command's whole process group is killed."""
        rules_before = audit_rules()
        self.addCleanup(delete_rules_but, rules_before)
        p = subprocess.Popen([cordonlib.build_path("cordon"), "debug", "denials", "--follow"],
                             env=self.s.env(None), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wait_until(lambda: audit_status()[0] == 1 or p.poll() is not None,
                   what="--follow to turn audit on")
        self.assertIsNone(p.poll())
        self.assertNotEqual(audit_rules(), rules_before, "--follow added no rule")
        os.killpg(p.pid, signal.SIGKILL)
        _, err = p.communicate(timeout=30)  # the guard holds none of its pipes
        self.assertEqual(p.returncode, -signal.SIGKILL, err)
        wait_until(lambda: audit_status()[0] == 0 and audit_rules() == rules_before,
                   what="the guard to restore audit")


class UserDenialsTest(StrictCase):
    """A user reads the denials of their own commands only (through the
    installed setuid reader, src/confine/denials_main.c); root reads all."""

    def setUp(self):
        super().setUp()
        enabled, pid = audit_status()
        if pid != 0 or enabled == 2:
            self.skipTest("an audit daemon owns audit here, or audit is locked")
        self.addCleanup(set_audit, enabled)
        set_audit(0)
        self.install("ud", probe_yaml("ud"))

    def denials_as(self, who, *args):
        kw = {}
        if who != ROOT:
            kw = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        p = subprocess.run([cordonlib.installed_cordon(), "debug", "denials"] + list(args),
                           capture_output=True, text=True, timeout=120, cwd="/",
                           env=self.s.env(), **kw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.splitlines()

    def test_a_user_sees_their_own(self):
        DenialsTest.fresh_printk_window()
        self.assertEqual(self.probe_as(USER, "ud", "syscall", "settimeofday"), "EPERM")
        self.assertEqual(self.probe_as(ROOT, "ud", "socket", "inet", "stream"), "EACCES")
        # controls: the user's own call unconfined is not refused by a policy
        self.assertNotIn(self.host_as(USER, "syscall", "settimeofday"), ("EACCES",))
        self.assertEqual(self.host_as(ROOT, "socket", "inet", "stream"), "OK")
        mine = self.denials_as(USER)
        self.assertEqual(len(mine), 1, mine)
        self.assertRegex(mine[0], r" snap\.ud\.ud seccomp: syscall settimeofday; "
                         r"add `plugs: \[time-control\]` to snap\.yaml$")
        everyone = self.denials_as(ROOT)
        self.assertEqual(len([l for l in everyone if "snap.ud.ud" in l]), 2, everyone)
        self.assertTrue(any("syscall socket" in l for l in everyone), everyone)

    def test_a_user_follows_their_own_file_denials(self):
        secret = self.remove_later(os.path.join(self.user.pw_dir, self.scratch_name("secret")))
        self.make_file(secret, USER, 0o644)
        root_secret = os.path.join(self.s.home, "root-notes")
        with open(root_secret, "w") as f:
            f.write("x\n")
        self.assertEqual(self.host_as(USER, "read", secret), "OK")  # the control
        # root's follower turns audit on; the user's reads the stream
        root_f = self.s.spawn("debug", "denials", "--follow")
        self.addCleanup(lambda: root_f.poll() is None and root_f.kill())
        wait_until(lambda: audit_status()[0] == 1, what="audit on")
        user_f = subprocess.Popen([cordonlib.installed_cordon(), "debug", "denials", "--follow"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  cwd="/", env=self.s.env(), user=self.user.pw_uid,
                                  group=self.user.pw_gid, extra_groups=[])
        self.addCleanup(lambda: user_f.poll() is None and user_f.kill())
        time.sleep(1.0)  # the reader has joined the stream
        self.assertEqual(self.probe_as(USER, "ud", "read", secret), "EACCES")
        self.assertEqual(self.probe_as(ROOT, "ud", "read", root_secret), "EACCES")
        time.sleep(3.0)
        for p in (user_f, root_f):
            p.send_signal(signal.SIGINT)
        user_out, user_err = user_f.communicate(timeout=30)
        root_out, _ = root_f.communicate(timeout=30)
        self.assertEqual(user_f.returncode, 0, user_err)
        self.assertEqual(audit_status()[0], 0, "audit not restored")
        mine = user_out.splitlines()
        self.assertEqual(len(mine), 1, mine)
        self.assertTrue(mine[0].endswith(f"snap.ud.ud Landlock: read {secret}; "
                                         "add `plugs: [home]` to snap.yaml"), mine)
        self.assertNotIn("root-notes", user_out)
        self.assertIn("root-notes", root_out)
        self.assertIn(secret, root_out)
