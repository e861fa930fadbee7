"""`cordon debug denials`: each kind of denial the probe causes inside a
snap comes back from the kernel's records with its label, the operation in
words, the mechanism and the interface that would allow it; with audit off
(seccomp's records, from the kernel log) and on (`--follow` turns it on for
its duration and restores it, and reads the audit netlink stream). Every
denial has its control: the same operation outside the sandbox."""
import os
import signal
import socket
import struct
import time

from cordonlib import CordonTestCase, probe_yaml, wait_until
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

    def stop(self, p):
        time.sleep(3.0)  # the records reach the netlink stream asynchronously
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        return out.splitlines(), err

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
        self.assertEqual(self.probe("dn", "syscall", "settimeofday"), "EPERM")
        self.assertEqual(self.probe("dn", "socket", "inet", "stream"), "EACCES")
        self.assertEqual(self.probe("tc", "syscall", "settimeofday"), "EPERM")
        # controls: outside the sandbox neither is refused by a policy
        self.assertNotIn(self.probe_host("syscall", "settimeofday"), ("EPERM", "EACCES"))
        self.assertEqual(self.probe_host("socket", "inet", "stream"), "OK")
        lines, err = self.denials()
        self.assertIn("kernel audit is off", err)
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
        lines, err = self.stop(p)
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
