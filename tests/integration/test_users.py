"""Issue 5: every user runs apps through the installed setuid launcher, which
holds against the attacks that broke snap-confine. Each attack test first sets
up the attack's precondition (and shows it is real), then shows it fails."""
import glob
import grp
import os
import pwd
import shutil
import signal
import stat
import subprocess
import threading
import time
import unittest

import cordonlib
from cordonlib import CordonTestCase, SystemScratch, mounts_under, probe_yaml

U1, U2, G = "cordontest1", "cordontest2", "cordontestg"


class UsersTestCase(CordonTestCase):
    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        subprocess.run(["groupadd", G], check=True, capture_output=True)
        self.addCleanup(subprocess.run, ["groupdel", G], capture_output=True)
        self.u1 = self.s.add_user(U1, groups=[G])
        self.addCleanup(subprocess.run, ["userdel", U1], capture_output=True)
        self.u2 = self.s.add_user(U2)
        self.addCleanup(subprocess.run, ["userdel", U2], capture_output=True)
        self.install("hello", """
            name: hello
            version: '1.0'
            apps:
              hello:
                command: bin/probe
              other:
                command: bin/probe
            """)
        self.launcher = os.path.join(cordonlib.PREFIX, "libexec", "cordon", "cordon-confine")

    def as_user(self, user, *args, env=None, check=False, **kw):
        return self.s.cordon(*args, user=user, env=env, check=check, **kw)

    def uprobe(self, user, app, *args, env=None, **kw):
        p = self.as_user(user, "run", app, *args, env=env, **kw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def host_probe_as(self, user, *args):
        """The control: the same probe, unconfined, as that user."""
        pw = pwd.getpwnam(user)
        p = subprocess.run([cordonlib.probe_binary()] + [str(a) for a in args],
                           capture_output=True, text=True, user=pw.pw_uid, group=pw.pw_gid,
                           extra_groups=[], env={"PATH": "/usr/bin:/bin"}, cwd="/")
        return p.stdout.strip()


class LauncherInstallTest(UsersTestCase):
    def test_installed_setuid_root_and_cli_unprivileged(self):
        st = os.stat(self.launcher)
        self.assertEqual((st.st_uid, st.st_gid), (0, 0))
        self.assertTrue(st.st_mode & stat.S_ISUID)
        cli = os.stat(cordonlib.installed_cordon())
        self.assertFalse(cli.st_mode & (stat.S_ISUID | stat.S_ISGID))

    def test_state_changes_require_root(self):
        d = self.s.make_snap("other", probe_yaml("other"))
        for args in (["install", "--dangerous", d], ["remove", "hello"], ["revert", "hello"],
                     ["connect", "hello:network"], ["disconnect", "hello:network"]):
            p = self.as_user(U1, *args)
            self.assertNotEqual(p.returncode, 0)
            self.assertEqual(p.stderr.strip(),
                             f"error: cordon {args[0]} requires root (try with sudo)")
        self.assertEqual(sorted(os.listdir(os.path.join(self.s.root, "snap"))), ["bin", "hello"])
        # what an ordinary user may do
        self.assertIn("hello  1.0      x1", self.as_user(U1, "list", check=True).stdout)
        self.assertIn("name:      hello", self.as_user(U1, "info", "hello", check=True).stdout)
        self.as_user(U1, "connections", check=True)
        self.as_user(U1, "interface", "--all", check=True)
        out = self.as_user(U1, "debug", "confinement", check=True).stdout
        self.assertEqual(out.splitlines()[0], "strict")
        self.assertEqual(out, self.s.cordon("debug", "confinement").stdout)


class RunAsUserTest(UsersTestCase):
    def test_identity_capabilities_and_data(self):
        gid_g = grp.getgrnam(G).gr_gid
        out = self.uprobe(U1, "hello", "id", extra_groups=[gid_g])
        u = self.u1
        self.assertEqual(out, f"OK ruid={u.pw_uid} euid={u.pw_uid} suid={u.pw_uid} "
                              f"rgid={u.pw_gid} egid={u.pw_gid} sgid={u.pw_gid} groups={gid_g}")
        status = self.uprobe(U1, "hello", "status", "CapInh", "CapPrm", "CapEff", "CapBnd",
                             "CapAmb", "NoNewPrivs", "Seccomp")
        self.assertEqual(status.splitlines()[1:], [
            "CapInh: 0000000000000000", "CapPrm: 0000000000000000",
            "CapEff: 0000000000000000", "CapBnd: 0000000000000000",
            "CapAmb: 0000000000000000", "NoNewPrivs: 1", "Seccomp: 2"])
        home = u.pw_dir
        self.assertEqual(self.uprobe(U1, "hello", "env", "HOME"), f"OK {home}/snap/hello/x1")
        st = os.stat(os.path.join(home, "snap"))
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (u.pw_uid, 0o700))
        self.assertEqual(self.uprobe(U1, "hello", "create", f"{home}/snap/hello/x1/made"), "OK")
        st = os.stat(f"{home}/snap/hello/x1/made")
        self.assertEqual((st.st_uid, st.st_gid), (u.pw_uid, u.pw_gid))
        self.assertEqual(os.readlink(f"{home}/snap/hello/current"), "x1")

    def test_denials_as_user_with_controls(self):
        home = self.u1.pw_dir
        secret = os.path.join(home, "secret")
        with open(secret, "w") as f:
            f.write("s")
        os.chown(secret, self.u1.pw_uid, self.u1.pw_gid)
        self.assertEqual(self.host_probe_as(U1, "read", secret), "OK")
        self.assertEqual(self.uprobe(U1, "hello", "read", secret), "EACCES")
        # setuid bits: allowed on the user's own file outside, denied inside
        self.uprobe(U1, "hello", "cwd")  # makes the user data dirs
        f = os.path.join(home, "snap/hello/x1/f")
        self.assertEqual(self.uprobe(U1, "hello", "create", f), "OK")
        self.assertEqual(self.uprobe(U1, "hello", "chmod", f, "4755"), "EACCES")
        self.assertEqual(self.host_probe_as(U1, "chmod", f, "4755"), "OK")
        # user namespaces: the host lets this user make one, the sandbox not
        self.assertEqual(self.host_probe_as(U1, "unshare", "newuser"), "OK")
        self.assertEqual(self.uprobe(U1, "hello", "unshare", "newuser"), "EPERM")
        # TCP: a listener outside, refused inside
        lst = subprocess.Popen([cordonlib.probe_binary(), "tcp-bind", "127.0.0.1", "0", "20"],
                               stdout=subprocess.PIPE, text=True)
        self.addCleanup(lst.kill)
        port = lst.stdout.readline().split()[1]
        self.assertEqual(self.host_probe_as(U1, "tcp-connect", "127.0.0.1", port), "OK")
        self.assertEqual(self.uprobe(U1, "hello", "tcp-connect", "127.0.0.1", port), "EACCES")

    def test_environment_scrubbed_and_overrides_ignored(self):
        evil = {"LD_PRELOAD": "/nonexistent/evil.so", "LD_LIBRARY_PATH": "/tmp/evil",
                "GCONV_PATH": "/tmp/evil", "LOCPATH": "/tmp/evil", "MALLOC_CHECK_": "3",
                "PYTHONPATH": "/tmp/evil", "CORDON_ROOT": "/tmp/evil-root",
                "CORDON_CGROUP_PARENT": "evil", "CORDON_DEVICE_CGROUP": "v2",
                "HOME": "/tmp/evil-home", "TERM": "xterm-test"}
        out = self.uprobe(U1, "hello", "env", env=evil)
        names = [l.split("=")[0] for l in out.splitlines()[1:]]
        for n in evil:
            if n not in ("HOME", "TERM"):
                self.assertNotIn(n, names)
        self.assertIn("TERM=xterm-test", out)
        self.assertIn(f"HOME={self.u1.pw_dir}/snap/hello/x1", out)
        # the label cgroup is the build's, not the one the caller named
        cg = self.uprobe(U1, "hello", "cgroup", env=evil)
        self.assertIn("/cordon-test-check/snap.hello.hello", cg)
        self.assertNotIn("evil", cg)

    def test_inherited_fds_closed(self):
        fd = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
        self.addCleanup(os.close, fd)
        out = self.uprobe(U1, "hello", "fds", pass_fds=(fd,))
        fds = [int(l.split()[0]) for l in out.splitlines()[1:]]
        self.assertNotIn(fd, fds)
        self.assertTrue(set(fds) <= {0, 1, 2, 3}, out)  # 3: the probe's own listing


class AttackTest(UsersTestCase):
    def test_hardlink_or_copy_of_launcher_refused(self):
        # CVE-2021-44730: a hard link of the setuid launcher somewhere the
        # attacker controls, next to planted helpers.
        evil = os.path.join(self.s.root, "evil")
        os.makedirs(evil)
        link = os.path.join(evil, "cordon-confine")
        os.link(self.launcher, link)
        st = os.stat(link)
        self.assertTrue(st.st_mode & stat.S_ISUID and st.st_uid == 0)  # precondition
        self.assertEqual(st.st_ino, os.stat(self.launcher).st_ino)
        p = subprocess.run([link, "snap.hello.hello", "id"], capture_output=True, text=True,
                           user=self.u1.pw_uid, group=self.u1.pw_gid, extra_groups=[],
                           env={"PATH": "/usr/bin:/bin"}, cwd="/")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("must run from", p.stderr)
        self.assertNotIn("OK", p.stdout)
        os.unlink(link)
        shutil.copy2(self.launcher, link)
        os.chmod(link, 0o4755)
        p = subprocess.run([link, "snap.hello.hello", "id"], capture_output=True, text=True,
                           user=self.u1.pw_uid, group=self.u1.pw_gid, extra_groups=[],
                           env={"PATH": "/usr/bin:/bin"}, cwd="/")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("must run from", p.stderr)
        # and the installed one works (control)
        self.assertTrue(self.uprobe(U1, "hello", "id").startswith("OK"))

    def test_precreated_private_tmp_refused(self):
        # CVE-2021-44731 / CVE-2022-3328: the attacker owns (or links) the
        # directory the launcher would mount over /tmp.
        base = os.path.join(self.s.root, "run/cordon/tmp")
        os.makedirs(base, mode=0o700, exist_ok=True)
        mine = os.path.join(self.s.root, "home", U1, "mytmp")
        os.makedirs(mine)
        os.chown(mine, self.u1.pw_uid, self.u1.pw_gid)
        with open(os.path.join(mine, "planted"), "w") as f:
            f.write("x")
        for kind in ("owned", "symlink"):
            with self.subTest(kind=kind):
                target = os.path.join(base, "hello")
                if kind == "owned":
                    os.makedirs(target)
                    os.chown(target, self.u1.pw_uid, self.u1.pw_gid)
                else:
                    os.symlink(mine, target)
                p = self.as_user(U1, "run", "hello", "ls", "/tmp")
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("error:", p.stderr)
                self.assertNotIn("planted", p.stdout)
                self.assertEqual([m for m in mounts_under(self.s.root) if "/run/cordon/tmp" in m],
                                 [])
                if kind == "owned":
                    os.rmdir(target)
                else:
                    os.unlink(target)
        # control: with the directory gone, the launch works
        self.assertEqual(self.uprobe(U1, "hello", "ls", "/tmp"), "OK")

    def test_state_dir_not_root_owned_refused(self):
        policy = os.path.join(self.s.root, "var/lib/cordon/policy")
        os.chown(policy, self.u1.pw_uid, self.u1.pw_gid)
        p = self.as_user(U1, "run", "hello", "id")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("not owned by root", p.stderr)
        os.chown(policy, 0, 0)
        self.assertTrue(self.uprobe(U1, "hello", "id").startswith("OK"))

    def test_tmp_swapped_for_symlink_during_launches(self):
        # Race the launcher: keep replacing the backing directory with a
        # symlink to the attacker's directory while launches run.
        self.uprobe(U1, "hello", "cwd")  # backing made
        backing = os.path.join(self.s.root, "run/cordon/tmp/hello/tmp")
        mine = os.path.join(self.s.root, "home", U1, "mytmp")
        os.makedirs(mine)
        with open(os.path.join(mine, "planted"), "w") as f:
            f.write("x")
        # a fresh namespace for every launch, so the backing is looked up
        # each time
        ns = os.path.join(self.s.root, "run/cordon/ns/hello.mnt")
        stop = threading.Event()

        def swapper():
            while not stop.is_set():
                try:
                    os.rename(backing, backing + ".real")
                    os.symlink(mine, backing)
                    os.unlink(backing)
                    os.rename(backing + ".real", backing)
                except OSError:
                    pass
        t = threading.Thread(target=swapper)
        t.start()
        outs = []
        try:
            for _ in range(30):
                subprocess.run(["umount", "-l", ns], capture_output=True)
                outs.append(self.as_user(U1, "run", "hello", "ls", "/tmp"))
        finally:
            stop.set()
            t.join()
        if not os.path.isdir(backing) and os.path.exists(backing + ".real"):
            os.rename(backing + ".real", backing)
        for p in outs:
            self.assertNotIn("planted", p.stdout)
            if p.returncode != 0:
                self.assertIn("error:", p.stderr)

    def test_no_privileged_scratch_writable_from_inside(self):
        # CVE-2026-3888: nothing the launcher mounts as root comes from a
        # place a sandboxed process can write.
        self.uprobe(U1, "hello", "cwd")
        for d in ("run/cordon/tmp", "run/cordon/ns", "var/lib/cordon/tmp",
                  "var/lib/cordon/policy", "run/cordon"):
            path = os.path.join(self.s.root, d, "planted")
            self.assertEqual(self.uprobe(U1, "hello", "create", path), "EACCES", d)
        # where /tmp really comes from inside: the snap's own tmpfs, whose
        # only mount on the host is in the root-only run/cordon/tmp
        mi = self.uprobe(U1, "hello", "mountinfo")
        tmp = [l for l in mi.splitlines() if l.split()[4:5] == ["/tmp"]]
        self.assertEqual(len(tmp), 1, mi)
        dev = tmp[0].split()[2]
        on_host = [m["mnt"] for m in cordonlib.mountinfo() if m["dev"] == dev]
        self.assertEqual(on_host, [os.path.join(self.s.root, "run/cordon/tmp/hello/tmp")])

    def test_caller_umask_shapes_nothing_privileged(self):
        """A user's umask 077 at the first launch (which builds the view,
        preserved for the later ones): the view's directories are not
        theirs to narrow, so the app runs, then and after, and keeps that
        umask. (The view once took its modes from the caller's umask and
        every launch of the label by that user failed with EACCES.)"""
        for mask in (0o077, 0o022):
            with self.subTest(umask=oct(mask)):
                p = subprocess.run([cordonlib.installed_cordon(), "run", "hello", "status",
                                    "Umask"], env=self.s.env(), capture_output=True, text=True,
                                   cwd="/", user=self.u1.pw_uid, group=self.u1.pw_gid,
                                   extra_groups=[], umask=mask, timeout=120)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout.splitlines()[1], f"Umask: {mask:04o}")

    def test_privileged_phase_creates_root_files(self):
        # A setuid exec keeps the caller's group: without taking root's
        # group first, what the launcher makes for a user would belong to
        # that user's group.
        self.uprobe(U1, "hello", "cwd")
        made = [os.path.join(self.s.root, p) for p in (
            "run/cordon/ns/hello.lock", "run/cordon/ns/hello.stamp", "run/cordon/tmp",
            "run/cordon/tmp/hello", "run/cordon/tmp/hello/tmp")]
        made += glob.glob(f"/sys/fs/cgroup/*/cordon-test-check/snap.hello.hello")
        made += glob.glob(f"/sys/fs/cgroup/*/cordon-test-check")
        self.assertGreater(len(made), 5)
        for path in made:
            st = os.stat(path)
            self.assertEqual((st.st_uid, st.st_gid), (0, 0), path)

    def test_two_users_tmp_and_home_apart(self):
        self.assertEqual(self.uprobe(U1, "hello", "create", "/tmp/u1file"), "OK")
        self.assertEqual(self.uprobe(U1, "hello", "chmod", "/tmp/u1file", "600"), "OK")
        self.assertEqual(self.uprobe(U1, "hello", "read", "/tmp/u1file"), "OK")
        self.assertEqual(self.uprobe(U2, "hello", "read", "/tmp/u1file"), "EACCES")
        self.assertEqual(self.uprobe(U2, "hello", "unlink", "/tmp/u1file"), "EPERM")
        d1 = f"{self.u1.pw_dir}/snap/hello/x1/data"
        self.assertEqual(self.uprobe(U1, "hello", "create", d1), "OK")
        self.assertEqual(self.uprobe(U1, "hello", "read", d1), "OK")
        self.assertEqual(self.uprobe(U2, "hello", "read", d1), "EACCES")
        self.assertEqual(self.uprobe(U2, "hello", "ls", f"{self.u1.pw_dir}/snap"), "EACCES")

    def test_launcher_exe_not_writable_from_inside(self):
        # runc CVE-2019-5736: a process inside opens the launcher's
        # /proc/<pid>/exe while the launcher runs, to overwrite it. The
        # inside process waits for the pid in the snap's /tmp, then tries.
        script = ("while [ ! -f /tmp/pid ]; do sleep 0.1; done; p=$(cat /tmp/pid); "
                  "$SNAP/bin/probe write /proc/$p/exe x; $SNAP/bin/probe read /proc/$p/exe")
        inside = subprocess.Popen([cordonlib.installed_cordon(), "run", "hello", "exec",
                                   "/bin/sh", "-c", script],
                                  env=self.s.env(), user=self.u1.pw_uid, group=self.u1.pw_gid,
                                  extra_groups=[], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd="/", text=True)
        self.addCleanup(inside.kill)
        tmpdir = os.path.join(self.s.root, "run/cordon/tmp/hello/tmp")
        lockf = os.path.join(self.s.root, "run/cordon/ns/hello.lock")
        for _ in range(200):
            if os.path.exists(lockf) and os.path.isdir(tmpdir):
                break
            time.sleep(0.05)
        time.sleep(0.5)  # the inside process is past the launcher's lock
        import fcntl
        lock = open(lockf, "r+")
        self.addCleanup(lock.close)
        # hold the snap's namespace lock: the next launch waits inside the
        # launcher (privileged, before exec)
        fcntl.flock(lock, fcntl.LOCK_EX)
        waiting = subprocess.Popen([cordonlib.installed_cordon(), "run", "hello", "id"],
                                   env=self.s.env(), user=self.u1.pw_uid, group=self.u1.pw_gid,
                                   extra_groups=[], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, cwd="/", text=True)
        self.addCleanup(waiting.kill)
        pid = None
        for _ in range(200):
            try:
                if os.readlink(f"/proc/{waiting.pid}/exe") == self.launcher:
                    pid = waiting.pid
                    break
            except OSError:
                pass
            time.sleep(0.05)
        self.assertIsNotNone(pid, "the launcher did not start")
        # precondition: the launcher process is there, its exe reachable
        with open(f"/proc/{pid}/exe", "rb") as f:
            self.assertEqual(f.read(4), b"\x7fELF")
        with open(os.path.join(tmpdir, "pid"), "w") as f:
            f.write(str(pid))
        out, err = inside.communicate(timeout=60)
        self.assertEqual(out.split(), ["EACCES", "EACCES"], err)
        fcntl.flock(lock, fcntl.LOCK_UN)
        out, err = waiting.communicate(timeout=60)
        self.assertTrue(out.startswith("OK"), err)
        # nor the installed launcher itself
        self.assertEqual(self.uprobe(U1, "hello.other", "write", self.launcher, "x"), "EACCES")

    def test_fifty_simultaneous_first_launches_two_users(self):
        procs = []
        for i in range(50):
            user = self.u1 if i % 2 else self.u2
            procs.append(subprocess.Popen(
                [cordonlib.installed_cordon(), "run", "hello", "create", f"/tmp/f{i}"],
                env=self.s.env(), user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/"))
        results = [p.communicate(timeout=120) for p in procs]
        self.assertEqual([p.returncode for p in procs], [0] * 50, [r[1] for r in results])
        self.assertEqual([r[0].strip() for r in results], ["OK"] * 50)
        nsdir = os.path.join(self.s.root, "run/cordon/ns")
        self.assertEqual(sorted(f for f in os.listdir(nsdir) if f.endswith(".mnt")),
                         ["hello.mnt"])
        ls = self.uprobe(U1, "hello", "ls", "/tmp").splitlines()[1:]
        self.assertEqual(sorted(ls), sorted(f"f{i}" for i in range(50)))

    def test_bad_policy_file_stops_launch(self):
        policy = os.path.join(self.s.root, "var/lib/cordon/policy/snap.hello.hello")
        with open(policy, "rb") as f:
            good = f.read()
        nsdir = os.path.join(self.s.root, "run/cordon/ns")
        cases = {
            "truncated": lambda: open(policy, "wb").write(good[: len(good) // 2]),
            "flipped": lambda: open(policy, "wb").write(
                good[:100] + bytes([good[100] ^ 0x01]) + good[101:]),
            "not root-owned": lambda: os.chown(policy, self.u1.pw_uid, 0),
            "group-writable": lambda: os.chmod(policy, 0o664),
            "empty": lambda: open(policy, "wb").close(),
        }
        for name, damage in cases.items():
            with self.subTest(name=name):
                damage()
                p = self.as_user(U1, "run", "hello", "id")
                self.assertEqual(p.returncode, 1)
                self.assertEqual(p.stdout, "")
                self.assertTrue(p.stderr.startswith("error: "), p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                # no partial sandbox: nothing set up before the policy check
                self.assertFalse(os.path.exists(nsdir) and os.listdir(nsdir) and
                                 any(f.endswith(".mnt") for f in os.listdir(nsdir)))
                self.assertFalse(os.path.exists(f"{self.u1.pw_dir}/snap"))
                with open(policy, "wb") as f:
                    f.write(good)
                os.chown(policy, 0, 0)
                os.chmod(policy, 0o644)
        self.assertTrue(self.uprobe(U1, "hello", "id").startswith("OK"))
