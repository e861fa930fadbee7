"""Issue 3, step 7 of the runner: the file, network and IPC policy
(Landlock), capabilities, niceness. Every denial has its control: the same
probe outside the sandbox (or with the policy widened) succeeds."""
import os
import shutil
import socket
import subprocess
import uuid

from cordonlib import CordonTestCase, probe_binary, probe_yaml, proc_comm, wait_until

ZERO = "0000000000000000"


class FilesTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        self.install("hello", probe_yaml("hello"))
        self.install("world", probe_yaml("world"))
        self.probe("world", "cwd")

    def test_reads_outside_the_policy_denied(self):
        secret = os.path.join(self.s.home, "secret")
        with open(secret, "w") as f:
            f.write("secret")
        other = self.path("var/snap/world/x1/private")
        with open(other, "w") as f:
            f.write("world's")
        other_user = os.path.join(self.s.home, "snap/world/x1/private")
        with open(other_user, "w") as f:
            f.write("world's")
        for op, path in (("read", secret), ("read", other), ("read", other_user),
                         ("ls", self.s.home), ("ls", "/root"), ("ls", "/var/log"),
                         ("read", "/etc/shadow"), ("read", "/etc/sudoers"),
                         ("ls", self.path("var/snap/world/x1")), ("read", "/boot/../etc/shadow"),
                         ("ls", self.s.work)):
            if not os.path.exists(path):
                continue
            with self.subTest(op=op, path=path):
                self.assertEqual(self.probe("hello", op, path).splitlines()[0], "EACCES")
                self.assertEqual(self.probe_host(op, path).splitlines()[0], "OK")
        # the other snap reads its own
        self.assertEqual(self.probe("world", "read", other), "OK")

    def test_reads_inside_the_policy(self):
        for op, path in (("read", "/etc/passwd"), ("read", "/etc/ld.so.cache"),
                         ("ls", "/usr/bin"), ("read", "/proc/self/status"),
                         ("read", "/proc/cpuinfo"), ("read", self.path("snap/hello/x1/meta/snap.yaml")),
                         ("read", "/dev/urandom"), ("read", "/dev/null")):
            with self.subTest(path=path):
                self.assertEqual(self.probe("hello", op, path).splitlines()[0], "OK")

    def test_proc_self_of_child_processes(self):
        """A rule on /proc/self is an inode: the launcher's /proc/<pid>. The
        processes the command forks have other /proc/<pid> directories and
        must still read their own (and /dev/stdin and friends resolve
        through /proc/self/fd)."""
        files = {"bin/children": "#!/bin/sh\n"
                                 "grep -q '^Name:' /proc/self/status || exit 11\n"
                                 "ls /proc/self/fd >/dev/null || exit 12\n"
                                 "cat /proc/self/cgroup >/dev/null || exit 13\n"
                                 "echo hi | cat /dev/stdin >/dev/null || exit 14\n"
                                 "exec \"$SNAP/bin/probe\" \"$@\"\n"}
        yaml = probe_yaml("kids").replace("command: bin/probe", "command: bin/children")
        self.install("kids", yaml, files=files)
        p = self.run_app("kids", "cwd", check=False)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        # another process's private entries stay closed (ptrace access,
        # which Landlock refuses across its domains)
        sleeper = subprocess.Popen(["sleep", "60"])
        self.addCleanup(sleeper.wait)
        self.addCleanup(sleeper.kill)
        for entry in ("environ", "maps", "mem"):
            with self.subTest(entry=entry):
                self.assertEqual(self.probe("hello", "read", f"/proc/{sleeper.pid}/{entry}"),
                                 "EACCES")
                self.assertEqual(self.probe_host("read", f"/proc/{sleeper.pid}/{entry}")
                                 .split()[0], "OK" if entry != "mem" else "EIO")
        for link in ("fd/0", "cwd", "exe"):
            with self.subTest(link=link):
                self.assertEqual(self.probe("hello", "readlink", f"/proc/{sleeper.pid}/{link}"),
                                 "EACCES")
                self.assertTrue(self.probe_host("readlink", f"/proc/{sleeper.pid}/{link}")
                                .startswith("OK "))
        # and /proc stays read-only, even for a uid-0 command (root-owned
        # 0644 sysctl files would otherwise be writable to it)
        self.assertEqual(self.probe("hello", "write", "/proc/sys/kernel/core_pattern", "x"),
                         "EACCES")
        # (/proc is read-only in the command's view but for /proc/sys, whose
        # files refuse mode and owner changes themselves: EROFS before
        # Landlock is asked; a chmod of another /proc entry would otherwise
        # be open to a uid-0 command)
        self.assertEqual(self.probe("hello", "write", "/proc/self/oom_score_adj", "0"), "EROFS")
        self.assertEqual(self.probe_host("write", "/proc/self/oom_score_adj", "0"), "OK")

    def test_exec_outside_the_policy_denied(self):
        prog = os.path.join(self.s.home, "prog")
        shutil.copy(probe_binary(), prog)
        self.assertEqual(self.probe("hello", "exec", prog, "cwd"), "EACCES")
        self.assertTrue(self.probe_host("exec", prog, "cwd").startswith("OK"))
        # control: a program of the host's /usr runs
        self.assertEqual(self.probe("hello", "exec", "/bin/true"), "")

    def test_snap_is_read_only(self):
        """$SNAP is a read-only mount (squashfs here; a read-only bind for a
        directory install): the VFS checks the mount before any LSM hook, so
        writes fail with EROFS, not with Landlock's EACCES. (Landlock grants
        only rx there too, so a writable mount would still give EACCES.)"""
        snap = self.path("snap/hello/x1")
        self.assertEqual(self.probe("hello", "write", f"{snap}/meta/snap.yaml", "x"), "EROFS")
        self.assertEqual(self.probe("hello", "create", f"{snap}/new"), "EROFS")
        self.assertEqual(self.probe("hello", "mkdir", f"{snap}/newdir"), "EROFS")
        # the same outside: the mount, not the sandbox
        self.assertEqual(self.probe_host("create", f"{snap}/new"), "EROFS")

    def test_writable_areas(self):
        home = self.s.home
        for d in (self.path("var/snap/hello/x1"), self.path("var/snap/hello/common"),
                  f"{home}/snap/hello/x1", f"{home}/snap/hello/common", "/tmp"):
            with self.subTest(dir=d):
                self.assertEqual(self.probe("hello", "create", f"{d}/new"), "OK")
                self.assertEqual(self.probe("hello", "write", f"{d}/new", "data"), "OK")
                self.assertEqual(self.probe("hello", "mkdir", f"{d}/sub"), "OK")
                self.assertEqual(self.probe("hello", "rename", f"{d}/new", f"{d}/sub/new"), "OK")
                self.assertEqual(self.probe("hello", "unlink", f"{d}/sub/new"), "OK")
        self.assertEqual(self.probe("hello", "shm-create", "snap.hello.x"), "OK")
        # not writable: the real home, another snap's data, the other revision
        for path in (f"{home}/new", self.path("var/snap/world/x1/new"),
                     self.path("var/snap/world/common/new"), self.s.work + "/new"):
            with self.subTest(path=path):
                self.assertEqual(self.probe("hello", "create", path), "EACCES")
                self.assertEqual(self.probe_host("create", path), "OK")


class NetworkIpcTest(CordonTestCase):
    def test_tcp_denied_by_seccomp_and_landlock(self):
        """Default policy: socket(AF_INET) is already refused by seccomp
        (EACCES). To see Landlock's own TCP rules, a test copy of the
        default seccomp template allows inet sockets (as the network
        interface will): then bind and connect get EACCES from Landlock,
        while UDP (which Landlock does not handle) works."""
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        self.addCleanup(srv.close)
        port = str(srv.getsockname()[1])
        self.install("hello", probe_yaml("hello"))
        self.assertEqual(self.probe("hello", "socket", "inet", "stream"), "EACCES")
        self.assertEqual(self.probe("hello", "tcp-connect", "127.0.0.1", port), "EACCES")
        data = self.s.datadir_copy()
        with open(os.path.join(data, "seccomp/default.txt"), "a") as f:
            f.write("\n# test only: what the network interface adds\nsocket AF_INET\n"
                    "socket AF_INET6\n")
        self.install("net", probe_yaml("net"))
        self.assertEqual(self.probe("net", "socket", "inet", "stream"), "OK")
        self.assertEqual(self.probe("net", "tcp-connect", "127.0.0.1", port), "EACCES")
        self.assertEqual(self.probe("net", "tcp-bind", "127.0.0.1", "0"), "EACCES")
        self.assertEqual(self.probe("net", "tcp-connect", "::1", port), "EACCES")
        self.assertEqual(self.probe("net", "udp-send", "127.0.0.1", port), "OK")
        # control: outside, the listener is there
        self.assertEqual(self.probe_host("tcp-connect", "127.0.0.1", port), "OK")
        self.assertTrue(self.probe_host("tcp-bind", "127.0.0.1", "0").startswith("OK "))

    def test_abstract_socket_and_signal_scoped(self):
        self.install("hello", probe_yaml("hello"))
        name = f"cordon-test-{uuid.uuid4().hex}"
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind("\0" + name)
        srv.listen(8)
        self.addCleanup(srv.close)
        self.assertEqual(self.probe("hello", "abstract-connect", name), "EPERM")
        self.assertEqual(self.probe_host("abstract-connect", name), "OK")
        # binding its own is fine; pathname sockets are files (policy applies)
        self.assertEqual(self.probe("hello", "abstract-bind", name + "-own"), "OK")
        self.assertEqual(self.probe("hello", "unix-bind", "/tmp/sock"), "OK")
        # signals: nothing outside the sandbox
        victim = subprocess.Popen(["sleep", "60"])
        self.addCleanup(victim.wait)
        self.addCleanup(victim.kill)
        for sig in ("TERM", "KILL", "0"):
            with self.subTest(sig=sig):
                self.assertEqual(self.probe("hello", "kill", str(victim.pid), sig), "EPERM")
        self.assertIsNone(victim.poll())
        self.assertEqual(self.probe("hello", "signal-self"), "OK")
        self.assertEqual(self.probe_host("kill", str(victim.pid), "TERM"), "OK")
        self.assertEqual(victim.wait(timeout=30), -15)


class PrivilegeTest(CordonTestCase):
    def test_capabilities_dropped_for_root(self):
        self.install("hello", probe_yaml("hello"))
        fields = ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]
        self.assertEqual(self.probe_lines("hello", "status", *fields),
                         ["OK"] + [f"{f}: {ZERO}" for f in fields])
        self.assertTrue(self.probe("hello", "id").startswith("OK ruid=0 euid=0 suid=0 "))
        host = dict(l.split(": ") for l in self.probe_host("status", *fields).splitlines()[1:])
        self.assertNotEqual(host["CapEff"], ZERO)  # control: root outside
        # with no capability, root is an ordinary user to the kernel
        self.assertEqual(self.probe("hello", "chown", self.path("var/snap/hello/x1"), "1234",
                                    "-1"), "EPERM")

    def test_niceness_kept_and_not_lowered(self):
        self.install("hello", probe_yaml("hello"))
        nice5 = ["nice", "-n", "5"]
        self.assertEqual(self.run_app("hello", "getpriority", wrap=nice5).stdout.strip(), "OK 5")
        self.assertEqual(self.run_app("hello", "getpriority").stdout.strip(), "OK 0")
        self.assertEqual(self.run_app("hello", "nice", "1", wrap=nice5).stdout.strip(), "OK 6")
        # setpriority(2) says EACCES; glibc's nice(3) reports it as EPERM (POSIX)
        self.assertEqual(self.run_app("hello", "nice", "-1", wrap=nice5).stdout.strip(), "EPERM")
        self.assertEqual(self.run_app("hello", "nice", "-1").stdout.strip(), "EPERM")
        # control: outside, root may lower it
        p = subprocess.run(nice5 + [probe_binary(), "nice", "-1"], capture_output=True, text=True)
        self.assertEqual(p.stdout.strip(), "OK 4")
