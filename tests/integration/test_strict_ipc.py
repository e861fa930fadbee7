"""Strict confinement, SysV IPC (issue 8, item 7): shared memory, semaphores
and message queues are named by numeric keys in the IPC namespace, which
neither Landlock nor seccomp can tell apart. Each snap has an IPC namespace
of its own, preserved beside its mount namespace, so its commands share
segments with each other and with nothing else, unless an interface grants
the host's (`ipc: host`, data/interfaces/README.md).

A host segment is first read and written unconfined (the control), then is
out of reach of a root-run and a user-run plug-less snap."""
import os
import random
import textwrap

from cordonlib import probe_yaml
from strictlib import ROOT, WHO, StrictCase

YAML = probe_yaml("ipc") + """  second:
    command: bin/probe
"""


class SysvIpcTest(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("ipc", YAML)
        self.install("other", probe_yaml("other"))

    def host_segment(self, who, text):
        key = hex(random.randrange(0x10000000, 0x7fffffff))
        self.assertTrue(self.host_as(who, "sysv-shm-create", key).startswith("OK "))
        self.addCleanup(self.host_as, who, "sysv-shm-remove", key)
        self.assertEqual(self.host_as(who, "sysv-shm-write", key, text), "OK")
        return key

    def test_host_segments_out_of_reach(self):
        for who in WHO:
            with self.subTest(who=who):
                key = self.host_segment(who, f"secret of {who}")
                # control: the owner reads and writes it unconfined
                self.assertEqual(self.host_as(who, "sysv-shm-read", key), f"OK secret of {who}")
                self.assertEqual(self.probe_as(who, "ipc", "sysv-shm-read", key), "ENOENT")
                self.assertEqual(self.probe_as(who, "ipc", "sysv-shm-write", key, "x"),
                                 "ENOENT")
                self.assertEqual(self.host_as(who, "sysv-shm-read", key), f"OK secret of {who}")

    def test_commands_of_a_snap_share_theirs(self):
        key = hex(random.randrange(0x10000000, 0x7fffffff))
        self.assertTrue(self.probe_as(ROOT, "ipc", "sysv-shm-create", key).startswith("OK "))
        self.assertEqual(self.probe_as(ROOT, "ipc", "sysv-shm-write", key, "shared"), "OK")
        # another command of the snap (another app, later) sees it
        self.assertEqual(self.probe_as(ROOT, "ipc.second", "sysv-shm-read", key), "OK shared")
        # another snap and the host do not
        self.assertEqual(self.probe_as(ROOT, "other", "sysv-shm-read", key), "ENOENT")
        self.assertEqual(self.host_as(ROOT, "sysv-shm-read", key), "ENOENT")
        # one namespace per snap, preserved root-only beside its mount namespace
        ns = os.path.join(self.s.root, "run/cordon/ns")
        self.assertTrue(os.path.exists(os.path.join(ns, "ipc.ipc")))
        self.assertEqual(os.stat(ns).st_mode & 0o7777, 0o700)
        self.cordon("remove", "ipc")
        self.assertFalse(os.path.exists(os.path.join(ns, "ipc.ipc")))

    def test_interface_grants_the_hosts(self):
        data = self.s.datadir_copy()
        with open(os.path.join(data, "interfaces", "test-host-ipc.yaml"), "w") as f:
            f.write(textwrap.dedent("""\
                name: test-host-ipc
                summary: test only, the host's SysV IPC
                auto-connect: false
                privileged: false
                implicit-slot: true
                plug:
                  ipc: host
                """))
        self.install("hostipc", probe_yaml("hostipc") + "    plugs: [test-host-ipc]\n")
        key = self.host_segment(ROOT, "host's")
        self.assertEqual(self.probe_as(ROOT, "hostipc", "sysv-shm-read", key), "ENOENT")
        self.cordon("connect", "hostipc:test-host-ipc")
        self.assertEqual(self.probe_as(ROOT, "hostipc", "sysv-shm-read", key), "OK host's")
        self.cordon("disconnect", "hostipc:test-host-ipc")
        self.assertEqual(self.probe_as(ROOT, "hostipc", "sysv-shm-read", key), "ENOENT")
