"""Violations are logged. Landlock's denials reach the kernel's audit
subsystem once audit is on (ABI 7, LOG_NEW_EXEC_ON: denials of the exec'd
command are logged): this test turns audit on for itself by becoming the audit
daemon on the netlink socket (and restores the previous state), then reads
the records straight from that socket rather than through dmesg's rate
limits."""
import errno
import os
import select
import socket
import struct
import time

from cordonlib import CordonTestCase, probe_yaml

NETLINK_AUDIT = 9
AUDIT_GET, AUDIT_SET = 1000, 1001
AUDIT_STATUS_ENABLED, AUDIT_STATUS_PID = 1, 4
AUDIT_LANDLOCK_ACCESS, AUDIT_LANDLOCK_DOMAIN = 1423, 1424
NLM_F_REQUEST, NLM_F_ACK = 1, 4
STATUS = "IIIIIIII"  # mask enabled failure pid rate_limit backlog_limit lost backlog


def nlmsg(type_, payload, seq):
    return struct.pack("IHHII", 16 + len(payload), type_, NLM_F_REQUEST | NLM_F_ACK, seq,
                       0) + payload


def messages(data):
    while len(data) >= 16:
        length, type_, _, _, _ = struct.unpack("IHHII", data[:16])
        yield type_, data[16:length]
        data = data[(length + 3) & ~3:]


class AuditTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
        self.addCleanup(self.sock.close)
        self.sock.bind((0, 0))
        self.sock.send(nlmsg(AUDIT_GET, b"", 1))
        status = None
        for _ in range(4):
            for type_, payload in messages(self.sock.recv(65536)):
                if type_ == AUDIT_GET:
                    status = struct.unpack(STATUS, payload[:32])
            if status:
                break
        self.assertIsNotNone(status, "no audit status")
        old_enabled, old_pid = status[1], status[3]
        if old_pid not in (0, os.getpid()):
            self.skipTest(f"an audit daemon (pid {old_pid}) owns audit here")
        self.set_status(enabled=1, pid=os.getpid())
        self.addCleanup(self.set_status, enabled=old_enabled, pid=0)

    def set_status(self, enabled, pid):
        payload = struct.pack(STATUS, AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID, enabled, 0, pid,
                              0, 0, 0, 0)
        self.sock.send(nlmsg(AUDIT_SET, payload, 2))

    def records(self, wait=3.0):
        out = []
        end = time.time() + wait
        while time.time() < end:
            r, _, _ = select.select([self.sock], [], [], 0.2)
            if not r:
                continue
            try:
                data = self.sock.recv(1 << 20)
            except OSError as e:  # ENOBUFS: the kernel dropped records; go on
                if e.errno != errno.ENOBUFS:
                    raise
                continue
            for type_, payload in messages(data):
                out.append((type_, payload.decode(errors="replace")))
        return out

    def test_landlock_denial_logged_with_the_command(self):
        self.install("audited", probe_yaml("audited"))
        self.records(0.5)  # drain
        self.assertEqual(self.probe("audited", "read", "/etc/shadow"), "EACCES")
        recs = self.records()
        access = [p for t, p in recs if t == AUDIT_LANDLOCK_ACCESS]
        domains = [p for t, p in recs if t == AUDIT_LANDLOCK_DOMAIN]
        self.assertTrue(any("fs.read_file" in p and "/etc/shadow" in p for p in access),
                        recs)
        self.assertTrue(any("mode=enforcing" in p for p in domains), domains)
        # the syscall record of the same event: the confined command's
        # openat, refused with EACCES (-13)
        self.assertTrue(any('comm="probe"' in p and "exit=-13" in p
                            for t, p in recs if t == 1300), recs)
        # control: the same read unconfined is allowed and logs nothing
        self.records(0.5)
        self.assertNotEqual(self.probe_host("read", "/etc/shadow"), "EACCES")
        self.assertEqual([p for t, p in self.records(1.0) if t == AUDIT_LANDLOCK_ACCESS], [])
