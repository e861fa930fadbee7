"""Issue 3, step 6 of the runner: the seccomp filter loaded by the launcher
(not a test harness): explicit denials (EACCES), left-out syscalls (EPERM),
clone3 (ENOSYS), foreign ABIs, no_new_privs, and the kernel's log of a
violation.

Files the probe changes live in SNAP_DATA (the default policy lets the app
write there, so Landlock is not what refuses) and are checked from the host
afterwards; each control runs the same probe on the same kind of file
outside the sandbox."""
import os
import stat
import subprocess
import time

from cordonlib import (CordonTestCase, build_path, dmesg_lines, probe_yaml, wait_until)

LEFT_OUT = ["mount", "umount2", "pivot_root", "fsopen", "move_mount", "open_tree", "unshare",
            "setns", "bpf", "perf_event_open", "ptrace", "io_uring_setup", "io_uring_enter",
            "keyctl", "add_key", "request_key", "userfaultfd", "kexec_load",
            "open_by_handle_at", "name_to_handle_at", "openat2", "init_module"]

AUDIT_SECCOMP = 1326  # AUDIT_SECCOMP record type


class SeccompTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        self.install("hello", probe_yaml("hello"))
        self.data = self.path("var/snap/hello/x1")
        self.host_dir = os.path.join(self.s.work, "host")
        os.makedirs(self.host_dir)
        self.n = 0

    def fresh(self, where, exists=True):
        self.n += 1
        p = os.path.join(where, f"f{self.n}")
        if exists:
            with open(p, "w") as f:
                f.write("x")
            os.chmod(p, 0o644)
        return p

    def test_status(self):
        self.assertEqual(self.probe_lines("hello", "status", "Seccomp", "NoNewPrivs"),
                         ["OK", "Seccomp: 2", "NoNewPrivs: 1"])
        self.assertEqual(self.probe_host("status", "Seccomp", "NoNewPrivs").splitlines(),
                         ["OK", "Seccomp: 0", "NoNewPrivs: 0"])

    def test_tiocsti_tioclinux(self):
        self.assertEqual(self.probe("hello", "tiocsti"), "EACCES")
        self.assertEqual(self.probe("hello", "tiocsti", "highbit"), "EACCES")  # CVE-2019-7303
        self.assertEqual(self.probe("hello", "tioclinux"), "EACCES")
        self.assertEqual(self.probe_host("tiocsti"), "OK")
        self.assertEqual(self.probe_host("tiocsti", "highbit"), "OK")
        self.assertEqual(self.probe_host("tioclinux"), "ENOTTY")  # reached the tty driver
        # the pty itself works inside: the denial is the ioctl's
        self.assertEqual(self.probe("hello", "openpty"), "OK /dev/pts/0")

    def test_setuid_chmod(self):
        for op in ("chmod", "fchmod", "fchmodat", "fchmodat2"):
            for mode in ("4755", "2755", "6755"):
                with self.subTest(op=op, mode=mode):
                    inside = self.fresh(self.data)
                    self.assertEqual(self.probe("hello", op, inside, mode), "EACCES")
                    self.assertEqual(stat.S_IMODE(os.stat(inside).st_mode), 0o644)
                    outside = self.fresh(self.host_dir)
                    self.assertEqual(self.probe_host(op, outside, mode), "OK")
                    self.assertEqual(stat.S_IMODE(os.stat(outside).st_mode), int(mode, 8))
            with self.subTest(op=op, mode="755"):  # other modes are fine
                inside = self.fresh(self.data)
                self.assertEqual(self.probe("hello", op, inside, "1755"), "OK")
                self.assertEqual(stat.S_IMODE(os.stat(inside).st_mode), 0o1755)

    def test_setuid_create(self):
        for op in ("creat", "open-creat", "openat-creat"):
            for mode in ("4755", "2755"):
                with self.subTest(op=op, mode=mode):
                    inside = self.fresh(self.data, exists=False)
                    self.assertEqual(self.probe("hello", op, inside, mode), "EACCES")
                    self.assertFalse(os.path.exists(inside))
                    outside = self.fresh(self.host_dir, exists=False)
                    self.assertEqual(self.probe_host(op, outside, mode), "OK")
                    self.assertTrue(os.stat(outside).st_mode & 0o6000)
            inside = self.fresh(self.data, exists=False)
            self.assertEqual(self.probe("hello", op, inside, "644"), "OK")
            self.assertTrue(os.path.isfile(inside))
        self.assertEqual(self.probe("hello", "open-tmpfile", self.data, "4755"), "EACCES")
        self.assertEqual(self.probe_host("open-tmpfile", self.host_dir, "4755"), "OK")

    def test_mknod(self):
        for op in ("mknod", "mknodat"):
            for kind in ("chr", "blk"):
                with self.subTest(op=op, kind=kind):
                    inside = self.fresh(self.data, exists=False)
                    self.assertEqual(self.probe("hello", op, inside, kind, "600"), "EPERM")
                    self.assertFalse(os.path.exists(inside))
                    outside = self.fresh(self.host_dir, exists=False)
                    self.assertEqual(self.probe_host(op, outside, kind, "600"), "OK")
            with self.subTest(op=op, kind="setuid reg"):
                inside = self.fresh(self.data, exists=False)
                self.assertEqual(self.probe("hello", op, inside, "reg", "4755"), "EACCES")
                self.assertEqual(self.probe_host(op, self.fresh(self.host_dir, False), "reg",
                                                 "4755"), "OK")
            for kind in ("reg", "fifo", "sock"):
                with self.subTest(op=op, kind=kind):
                    self.assertEqual(self.probe("hello", op, self.fresh(self.data, False), kind,
                                                "644"), "OK")

    def test_left_out_syscalls(self):
        for name in LEFT_OUT:
            with self.subTest(syscall=name):
                self.assertEqual(self.probe("hello", "syscall", name), "EPERM")
                # control: outside, the kernel's own answer to the harmless
                # invalid arguments (EFAULT, EINVAL, ESRCH, ENOSYS...)
                self.assertNotIn(self.probe_host("syscall", name), ("EPERM", "EACCES"))

    def test_namespaces_clone3_abis(self):
        self.assertEqual(self.probe("hello", "clone", "none"), "OK")
        for flag in ("newns", "newuser", "newpid", "newnet"):
            with self.subTest(flag=flag):
                self.assertEqual(self.probe("hello", "clone", flag), "EPERM")
                self.assertEqual(self.probe("hello", "unshare", flag), "EPERM")
                self.assertEqual(self.probe_host("clone", flag), "OK")
        # glibc falls back to clone() on ENOSYS; EPERM would be fatal to it
        self.assertEqual(self.probe("hello", "syscall", "clone3"), "ENOSYS")
        self.assertNotIn(self.probe_host("syscall", "clone3"), ("ENOSYS", "EPERM"))
        # x32: the same numbers would mean other syscalls
        self.assertEqual(self.probe("hello", "x32-getpid"), "EPERM")
        self.assertNotEqual(self.probe_host("x32-getpid"), "EPERM")
        host = self.probe_host("i386-getpid")
        if host.startswith("OK"):
            self.assertEqual(self.probe("hello", "i386-getpid"), "EPERM")

    def test_violation_logged(self):
        """SECCOMP_FILTER_FLAG_LOG: the kernel writes an audit record (type
        1326) for the denied call, which reaches dmesg without auditd. The
        record is found by the probe's pid (the launcher execs it: the pid
        of `cordon run`) and the syscall number. Without auditd the kernel
        prints audit records through printk_ratelimit() (10 per 5 s) and
        drops the rest: one denial per try, and after a dropped one a pause
        longer than the window before trying again."""
        found = []
        for attempt in range(4):
            if attempt:
                time.sleep(6)
            p = self.s.spawn("run", "hello", "syscall", "kexec_load")
            out, _ = p.communicate(timeout=60)
            self.assertEqual(out.strip(), "EPERM")
            pat = (rf"type={AUDIT_SECCOMP} .* pid={p.pid} comm=\"probe\" .*syscall=246 "
                   r".*code=0x50000")
            try:
                found = wait_until(lambda: dmesg_lines(pat), timeout=3, what="the record")
                break
            except AssertionError:
                continue
        self.assertTrue(found, "no seccomp audit record for the denied kexec_load")
        # control: an allowed call is not logged
        q = self.s.spawn("run", "hello", "syscall", "getpid")
        out, _ = q.communicate(timeout=60)
        self.assertTrue(out.startswith("OK"), out)
        time.sleep(0.5)
        self.assertEqual(dmesg_lines(rf"type={AUDIT_SECCOMP} .* pid={q.pid} "), [])

    def test_self_is_the_launched_pid(self):
        """SELF in the template (setpriority PRIO_PROCESS SELF...) is the pid
        of the process the launcher execs: the loader writes it into the
        filter. It stays that pid across further execs; a child of the
        launched process has another pid, which is refused like any other
        (it must pass 0). Controls: the same chains unconfined."""
        # the launched probe execs sh, which execs the probe: one pid all along
        same = ["exec", "/bin/sh", "-c", 'exec "$SNAP/bin/probe" setpriority process self 5']
        self.assertEqual(self.probe("hello", *same), "OK 5")
        # here the probe is sh's child (a command follows it, so sh forks):
        # its own pid is not SELF
        child = ["exec", "/bin/sh", "-c", '"$SNAP/bin/probe" setpriority process self 5; true']
        self.assertEqual(self.probe("hello", *child), "EPERM")
        zero = ["exec", "/bin/sh", "-c", '"$SNAP/bin/probe" setpriority process 0 5; true']
        self.assertEqual(self.probe("hello", *zero), "OK 5")
        p = subprocess.run(["/bin/sh", "-c", '"$0" setpriority process self 5; true',
                            build_path("tests", "seccomp", "probe")],
                           capture_output=True, text=True, check=True)
        self.assertEqual(p.stdout.strip(), "OK 5")
