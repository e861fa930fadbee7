#!/usr/bin/env python3
"""Root test of the seccomp filter on the real kernel.

The default template (data/seccomp/default.txt) is compiled, loaded by the
launcher's loader in a child (seccomp_exec) and the probe exec'd under it.
Every denial is asserted with its exact errno inside and, as the control, with
the opposite outside (the same probe without the filter), so that a test
cannot pass because the operation fails anyway.

usage: test_seccomp_root.py SECCOMP_EXEC PROBE   (as root; CORDON_SRCDIR set)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SECCOMP_EXEC = PROBE = None

# Left out of the template: EPERM inside; outside the kernel's own answer to
# the probe's harmless invalid arguments (EFAULT, EINVAL, EBADF, ESRCH...,
# ENOSYS where the kernel lacks the feature: kexec, modules here).
# ioprio_set and sched_setaffinity are allowed on the caller only, and the
# probe's arguments name no caller (ioprio_set "which" 0, sched_setaffinity
# pid 1): class Pids tests what they allow.
LEFT_OUT = """ptrace mount umount2 pivot_root fsopen fsconfig fsmount fspick move_mount
open_tree mount_setattr unshare setns bpf perf_event_open io_uring_setup
io_uring_enter io_uring_register keyctl add_key request_key userfaultfd
kexec_load kexec_file_load init_module finit_module delete_module
open_by_handle_at name_to_handle_at openat2 acct swapon swapoff reboot
settimeofday clock_settime clock_adjtime adjtimex quotactl process_vm_readv
process_vm_writev iopl ioperm fanotify_init ioprio_set sethostname
setdomainname mq_open sched_setaffinity""".split()

NS_FLAGS = "newns newuser newpid newnet newuts newipc newcgroup".split()


def run(args, inside=True, devmode=False, rules=(), exe=None):
    """The probe's result line (and the rest of its output)."""
    probe = exe or PROBE
    cmd = [probe, *args]
    if inside:
        pre = [SECCOMP_EXEC] + (["--devmode"] if devmode else [])
        for r in rules:
            pre += ["--rules", r]
        cmd = pre + ["--", *cmd]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=30)
    if p.returncode != 0:
        raise AssertionError(f"{cmd}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout.split("\n", 1)[0]


def inside(*args, **kw):
    return run(args, inside=True, **kw)


def outside(*args):
    return run(args, inside=False)


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cordon-seccomp-")
        self.n = 0

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, exists=False):
        self.n += 1
        p = os.path.join(self.dir, f"f{self.n}")
        if exists:
            with open(p, "w") as f:
                f.write("x")
            os.chmod(p, 0o644)
        return p

    def denied(self, want, args, control_ok=True, **kw):
        """`want` inside; outside, OK (control_ok) or anything but EPERM/EACCES."""
        got = inside(*args, **kw)
        self.assertEqual(got, want, f"inside: {args}")
        ctl = outside(*args)
        if control_ok:
            self.assertTrue(ctl.startswith("OK"), f"outside: {args}: {ctl}")
        else:
            self.assertNotIn(ctl, ("EPERM", "EACCES"), f"outside: {args}")
            self.assertNotEqual(ctl, want, f"outside: {args}")


class LeftOut(Base):
    def test_left_out_syscalls_eperm(self):
        for name in LEFT_OUT:
            with self.subTest(syscall=name):
                self.denied("EPERM", ["syscall", name], control_ok=False)

    def test_ptrace_attach(self):
        sleeper = subprocess.Popen(["sleep", "30"])
        try:
            self.denied("EPERM", ["ptrace", str(sleeper.pid)])
        finally:
            sleeper.kill()
            sleeper.wait()

    def test_clone_namespaces(self):
        self.assertEqual(inside("clone", "none"), "OK")
        for flag in NS_FLAGS:
            with self.subTest(flag=flag):
                self.denied("EPERM", ["clone", flag])
                self.denied("EPERM", ["unshare", flag])

    def test_clone3_enosys(self):
        # glibc falls back to clone on ENOSYS; EPERM would be fatal to it
        self.denied("ENOSYS", ["syscall", "clone3"], control_ok=False)

    def test_x32_abi(self):
        self.denied("EPERM", ["x32-getpid"], control_ok=False)

    def test_i386_abi(self):
        ctl = outside("i386-getpid")
        if not ctl.startswith("OK"):
            # e.g. "IA-32 emulation off" (pvm hosts, ia32_emulation=0): the kernel
            # refuses int 0x80 before seccomp sees it. The filter's answer for
            # AUDIT_ARCH_I386 is checked by the unit test's BPF interpreter.
            self.skipTest(f"int 0x80 unavailable outside the filter: {ctl}")
        self.assertEqual(inside("i386-getpid"), "EPERM")


class Denials(Base):
    def test_tiocsti_tioclinux(self):
        self.denied("EACCES", ["tiocsti"])
        self.denied("EACCES", ["tiocsti", "highbit"])  # CVE-2019-7303
        self.denied("EACCES", ["tioclinux"], control_ok=False)  # ENOTTY outside
        self.assertTrue(inside("openpty").startswith("OK /dev/pts/"))

    def test_setuid_chmod(self):
        for op in ("chmod", "fchmod", "fchmodat", "fchmodat2"):
            for mode in ("4755", "2755", "6755"):
                with self.subTest(op=op, mode=mode):
                    p = self.path(exists=True)
                    self.assertEqual(inside(op, p, mode), "EACCES")
                    self.assertEqual(outside("stat", p).split()[2], "mode=0644")
                    self.assertEqual(outside(op, p, mode), "OK")
                    self.assertEqual(outside("stat", p).split()[2], f"mode={int(mode, 8):04o}")
            p = self.path(exists=True)
            self.assertEqual(inside(op, p, "755"), "OK")
            self.assertEqual(inside(op, p, "1777"), "OK")

    def test_setuid_create(self):
        for op in ("creat", "open-creat", "openat-creat"):
            for mode in ("4755", "2755"):
                with self.subTest(op=op, mode=mode):
                    p = self.path()
                    self.assertEqual(inside(op, p, mode), "EACCES")
                    self.assertFalse(os.path.exists(p))
                    self.assertEqual(outside(op, p, mode), "OK")
                    self.assertTrue(os.stat(p).st_mode & 0o6000)
            self.assertEqual(inside(op, self.path(), "644"), "OK")
        # O_TMPFILE: an unnamed file that linkat() could publish later
        self.denied("EACCES", ["open-tmpfile", self.dir, "4755"])
        self.assertEqual(inside("open-tmpfile", self.dir, "600"), "OK")

    def test_mknod(self):
        for op in ("mknod", "mknodat"):
            for kind in ("chr", "blk"):
                with self.subTest(op=op, kind=kind):
                    self.denied("EPERM", [op, self.path(), kind, "644"])
            for kind in ("reg", "fifo", "sock"):
                with self.subTest(op=op, kind=kind):
                    self.assertEqual(inside(op, self.path(), kind, "644"), "OK")
            with self.subTest(op=op, kind="setuid reg"):
                self.denied("EACCES", [op, self.path(), "reg", "4755"])

    def test_inet_sockets(self):
        for fam in ("inet", "inet6"):
            for typ in ("stream", "dgram"):
                with self.subTest(family=fam, type=typ):
                    self.denied("EACCES", ["socket", fam, typ])
        self.denied("EACCES", ["udp-send", "127.0.0.1", "9"])
        self.denied("EACCES", ["tcp-bind", "127.0.0.1", "0"])
        # the network interfaces' rules lift the denials
        net = "socket AF_INET\nsocket AF_INET6\n"
        for fam in ("inet", "inet6"):
            for typ in ("stream", "dgram"):
                self.assertEqual(inside("socket", fam, typ, rules=[net]), "OK")
        self.assertTrue(inside("tcp-bind", "127.0.0.1", "0", rules=[net]).startswith("OK "))
        # not identical: the denial stays
        self.assertEqual(inside("socket", "inet", "stream", rules=["socket AF_INET 1\n"]),
                         "EACCES")

    def test_other_families(self):
        self.assertEqual(inside("socket", "unix", "stream"), "OK")
        self.assertEqual(inside("socket", "unix", "dgram"), "OK")
        self.assertEqual(inside("abstract-bind", f"cordon-seccomp-{os.getpid()}"), "OK")
        # AF_NETLINK: left out as in snapd (EPERM); interfaces allow protocols
        self.denied("EPERM", ["socket", "netlink", "raw", "route"])
        self.assertEqual(
            inside("socket", "netlink", "raw", "route",
                   rules=["socket AF_NETLINK - NETLINK_ROUTE\n"]), "OK")
        # families snapd allows and AppArmor denies: EACCES
        self.denied("EACCES", ["socket", "packet", "raw"])
        self.denied("EACCES", ["socket", "alg", "seqpacket"], control_ok=False)
        self.denied("EACCES", ["socket", "vsock", "stream"], control_ok=False)


class Allowed(Base):
    def test_launcher_and_basics(self):
        self.assertTrue(inside("syscall", "getpid").startswith("OK "))
        # the launcher applies Landlock after loading the filter
        self.assertTrue(inside("syscall", "landlock_create_ruleset").startswith("OK "))
        self.assertEqual(inside("syscall", "landlock_restrict_self"), "EBADF")
        self.assertEqual(inside("signal-self"), "OK")
        self.assertTrue(inside("nice", "5").startswith("OK"))
        self.assertTrue(inside("getpriority").startswith("OK"))
        self.assertEqual(inside("exec", PROBE, "syscall", "getpid")[:3], "OK ")
        out = run(["status", "NoNewPrivs", "Seccomp"], inside=True)
        self.assertEqual(out, "OK")
        p = subprocess.run([SECCOMP_EXEC, "--", PROBE, "status", "NoNewPrivs", "Seccomp"],
                           stdout=subprocess.PIPE, text=True, check=True)
        self.assertEqual(p.stdout, "OK\nNoNewPrivs: 1\nSeccomp: 2\n")

    def test_dynamic_programs_run(self):
        # glibc start-up, threads (clone3 -> clone fallback), posix_spawn
        p = subprocess.run([SECCOMP_EXEC, "--", "/bin/sh", "-c",
                            "ls / >/dev/null && cat /proc/self/status >/dev/null && echo ok"],
                           stdout=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual((p.returncode, p.stdout), (0, "ok\n"))


class Devmode(Base):
    def test_devmode_allows_everything(self):
        # the same filter with every refusal turned into SECCOMP_RET_LOG: each
        # denial of the strict tests gives what the kernel says outside
        cases = [["syscall", n] for n in LEFT_OUT + ["clone3"]]
        cases += [["tiocsti"], ["tiocsti", "highbit"], ["tioclinux"], ["x32-getpid"],
                  ["socket", "netlink", "raw", "route"], ["socket", "packet", "raw"]]
        cases += [["socket", f, t] for f in ("inet", "inet6") for t in ("stream", "dgram")]
        cases += [["clone", f] for f in NS_FLAGS] + [["unshare", f] for f in NS_FLAGS]
        for args in cases:
            with self.subTest(args=args):
                self.assertEqual(inside(*args, devmode=True), outside(*args))
        for op in ("chmod", "fchmod", "fchmodat", "fchmodat2"):
            with self.subTest(op=op):
                p = self.path(exists=True)
                self.assertEqual(inside(op, p, "4755", devmode=True), "OK")
                self.assertEqual(outside("stat", p).split()[2], "mode=4755")
        for op in ("creat", "open-creat", "openat-creat"):
            with self.subTest(op=op):
                self.assertEqual(inside(op, self.path(), "6755", devmode=True), "OK")
        for op in ("mknod", "mknodat"):
            for kind, mode in (("chr", "644"), ("blk", "644"), ("reg", "4755")):
                with self.subTest(op=op, kind=kind):
                    self.assertEqual(inside(op, self.path(), kind, mode, devmode=True), "OK")
        sleeper = subprocess.Popen(["sleep", "30"])
        try:
            self.assertEqual(inside("ptrace", str(sleeper.pid), devmode=True), "OK")
        finally:
            sleeper.kill()
            sleeper.wait()

    def test_violation_in_dmesg(self):
        # The record carries exe=: a copy of the probe under a unique name
        # tells ours apart. printk lets ~10 audit lines through per 5 s: the
        # earlier tests used that up, so wait for the window, cause few.
        exe = os.path.join(self.dir, f"probe-dmesg-{os.getpid()}")
        shutil.copy(PROBE, exe)
        time.sleep(5.5)
        self.assertEqual(inside("syscall", "mount", exe=exe, devmode=True), "EFAULT")
        strict_exe = exe + "-strict"
        shutil.copy(PROBE, strict_exe)
        self.assertEqual(inside("syscall", "mount", exe=strict_exe), "EPERM")
        pat = re.compile(r"(type=1326|audit: seccomp|audit:).*exe=\"(%s(-strict)?)\".*"
                         r"syscall=165 .*code=(0x[0-9a-f]+)" % re.escape(exe))
        found = {}
        for _ in range(30):
            log = subprocess.run(["dmesg"], stdout=subprocess.PIPE, text=True).stdout
            for m in pat.finditer(log):
                found[m.group(2)] = m.group(4)
            if len(found) == 2:
                break
            time.sleep(0.2)
        self.assertEqual(found.get(exe), "0x7ffc0000", "devmode: SECCOMP_RET_LOG record")
        # the record shows the action, not its errno: SECCOMP_RET_ERRNO
        self.assertEqual(found.get(strict_exe), "0x50000", "strict: ERRNO record")


class Pids(Base):
    """SELF (the pid of the process that execs the app): seccomp_exec's
    child, like the launcher, loads the filter and execs the probe, whose
    pid the loader wrote into the filter. Other pids are refused: a victim,
    the probe's own child and thread."""

    CHANGES = [["prlimit", "{}", "nofile", "512", "512"], ["setpriority", "process", "{}", "5"],
               ["sched-setscheduler", "{}", "batch"], ["sched-setparam", "{}", "0"],
               ["sched-setattr", "{}", "idle"], ["sched-setaffinity", "{}", "0"],
               ["ioprio-set", "process", "{}", "be", "4"]]

    def test_self_replaced_other_pids_refused(self):
        for change in self.CHANGES:
            for pid in ("0", "self"):
                with self.subTest(change=change, pid=pid):
                    args = [a.format(pid) for a in change]
                    self.assertTrue(inside(*args).startswith("OK"), args)
            for pid in ("child", "thread"):
                with self.subTest(change=change, pid=pid):
                    self.denied("EPERM", [a.format(pid) for a in change])
            sleeper = subprocess.Popen(["sleep", "30"])
            try:
                with self.subTest(change=change, pid="victim"):
                    self.denied("EPERM", [a.format(sleeper.pid) for a in change])
            finally:
                sleeper.kill()
                sleeper.wait()

    def test_devmode_logs_instead(self):
        sleeper = subprocess.Popen(["sleep", "30"])
        try:
            args = ["setpriority", "process", str(sleeper.pid), "7"]
            self.assertEqual(inside(*args, devmode=True), "OK 7")
        finally:
            sleeper.kill()
            sleeper.wait()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    SECCOMP_EXEC, PROBE = (os.path.abspath(a) for a in sys.argv[1:3])
    del sys.argv[1:3]
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        sys.exit(77)
    unittest.main(verbosity=2)
