"""Issue 3, steps 3 and 5 of the runner: the snap's shared, preserved mount
namespace (slave of the host), and each command's own namespace with its own
devpts instance.

How a command's snap namespace is recognised: every command runs in a
namespace of its own (for its devpts), a copy of its view (view.h), whose
granted places are bind mounts made from the snap's shared namespace as its
slaves. In /proc/<pid>/mountinfo the mount of the snap's $SNAP_COMMON in a
command therefore carries "master:N", where N is the peer group of the snap
namespace's root mount ("shared:N" seen from inside the snap namespace
itself, entered with nsenter through the preserved file). Equal N: the same
snap namespace, when both exist at the same time (peer group numbers, like
nsfs inode numbers, are reused once freed). Across time, a namespace is
recognised by its 64-bit id (NS_GET_MNTNS_ID, never reused) or by a marker
mount made in it, in a place the command's policy grants (what the policy
does not grant is not in the command's view)."""
import os
import shutil
import subprocess
import tempfile

from cordonlib import (CordonTestCase, build_path, mntns_id, mountinfo, parse_mountinfo,
                       peer_tag, probe_yaml, proc_comm, stop_process, top_mount, wait_until)

YAML = probe_yaml("hello") + """  other:
    command: bin/probe
"""
NSFS_MAGIC = 0x6E736673


class MountNamespaceTest(CordonTestCase):
    def preserved(self, snap="hello"):
        return self.path("run/cordon/ns", f"{snap}.mnt")

    def preserved_mounts(self, snap="hello"):
        return [m for m in mountinfo() if m["mnt"] == self.preserved(snap)]

    def in_snap_ns(self, snap, *cmd, check=True):
        return subprocess.run(["nsenter", f"--mount={self.preserved(snap)}", *cmd],
                              capture_output=True, text=True, check=check)

    def snap_ns_mounts(self, snap="hello"):
        return parse_mountinfo(self.in_snap_ns(snap, "cat", "/proc/self/mountinfo").stdout)

    def common(self, snap):
        return self.path("var/snap", snap, "common")

    def group_in(self, text, snap):
        """The peer group of the snap namespace behind a command's mounts."""
        mounts = parse_mountinfo(text)
        root = top_mount(mounts, "/")
        self.assertIsNone(peer_tag(root, "shared"), "a command's root must not be shared")
        common = top_mount(mounts, self.common(snap))
        self.assertIsNone(peer_tag(common, "shared"), "nothing of a command is shared")
        return peer_tag(common, "master")

    def command_group(self, app, **kw):
        """The peer group of the snap namespace a command runs under."""
        lines = self.probe_lines(app, "mountinfo", **kw)
        self.assertEqual(lines[0], "OK")
        return self.group_in("\n".join(lines[1:]), app.split(".")[0])

    def snap_group(self, snap="hello"):
        return peer_tag(top_mount(self.snap_ns_mounts(snap), "/"), "shared")

    def test_commands_of_a_snap_share_its_namespace(self):
        self.install("hello", YAML)
        self.install("world", probe_yaml("world"))
        g1 = self.command_group("hello")
        g2 = self.command_group("hello.other")
        g3 = self.command_group("world")
        self.assertIsNotNone(g1)
        self.assertEqual(g1, g2)
        self.assertNotEqual(g1, g3)
        self.assertEqual(self.snap_group("hello"), g1)
        self.assertEqual(self.snap_group("world"), g3)
        # preserved: one nsfs bind each, under a private directory
        for snap in ("hello", "world"):
            self.assertEqual(len(self.preserved_mounts(snap)), 1)
        ns_dir = top_mount(mountinfo(), self.path("run/cordon/ns"))
        self.assertIsNotNone(ns_dir, "the namespace directory is not a mount point")
        self.assertEqual([o for o in ns_dir["optional"] if o.startswith("shared")], [])
        self.assertNotEqual(os.stat(self.preserved("hello")).st_ino,
                            os.stat(self.preserved("world")).st_ino)
        # each command has its own namespace, a child of the snap's: two
        # running at once are in two namespaces, neither the snap's
        snap_ino = os.stat(self.preserved("hello")).st_ino
        sleeper = self.spawn_probe("hello", "sleep", "120")
        wait_until(lambda: proc_comm(sleeper.pid) == "probe", what="the sleeping command")
        n1 = "OK " + os.readlink(f"/proc/{sleeper.pid}/ns/mnt")
        n2 = self.probe("hello", "nsid", "mnt")
        self.assertNotEqual(n1, n2)
        self.assertNotIn(f"OK mnt:[{snap_ino}]", (n1, n2))
        self.assertEqual(peer_tag(top_mount(mountinfo(sleeper.pid), self.common("hello")),
                                  "master"), g1)
        # control: outside, the host's namespace, which is none of these
        host = self.probe_host("nsid", "mnt")
        self.assertNotIn(host, (n1, n2, f"OK mnt:[{snap_ino}]"))
        self.assertNotEqual(peer_tag(top_mount(mountinfo(), "/"), "master"), g1)

    def test_mounts_reach_commands_of_the_snap_only(self):
        self.install("hello", YAML)
        self.install("world", probe_yaml("world"))
        mp = os.path.join(self.common("hello"), "mp")
        os.makedirs(mp)
        self.probe("hello", "cwd")
        self.probe("world", "cwd")
        sleeper = self.spawn_probe("hello.other", "sleep", "120")
        wait_until(lambda: proc_comm(sleeper.pid) == "probe", what="the sleeping command")
        # a snap-wide change, made in the preserved namespace
        self.in_snap_ns("hello", "mount", "-t", "tmpfs", "-o", "size=64k", "cordon-marker", mp)
        # reaches the running command and later ones
        self.assertIsNotNone(top_mount(mountinfo(sleeper.pid), mp))
        self.assertIn(" cordon-marker ", self.probe("hello", "mountinfo"))
        # not another snap, not the host
        self.assertNotIn(" cordon-marker ", self.probe("world", "mountinfo"))
        self.assertIsNone(top_mount(mountinfo(), mp))
        # the per-command devpts never reaches the snap's namespace
        for m in self.snap_ns_mounts("hello"):
            if m["fstype"] == "devpts":
                self.assertNotIn("ptmxmode=666", m["super"])

    def test_slave_of_the_host(self):
        """Mounts propagate from the host into the snap's namespace, never
        back. The host's own / is private here (no systemd), so the test makes
        a shared mount of its own to have something that propagates."""
        self.install("hello", YAML)
        shared = os.path.join(self.common("hello"), "shared")
        os.makedirs(os.path.join(shared, "in"))
        os.makedirs(os.path.join(shared, "out"))
        subprocess.run(["mount", "--bind", shared, shared], check=True)
        self.addCleanup(subprocess.run, ["umount", "-R", "-l", shared], capture_output=True)
        subprocess.run(["mount", "--make-shared", shared], check=True)
        self.probe("hello", "cwd")  # the namespace is made now
        # inside -> host: nothing
        self.in_snap_ns("hello", "mount", "-t", "tmpfs", "-o", "size=64k", "cordon-in",
                        os.path.join(shared, "in"))
        self.assertIsNone(top_mount(mountinfo(), os.path.join(shared, "in")))
        self.assertIn(" cordon-in ", self.probe("hello", "mountinfo"))
        # host -> inside: arrives (and in running commands, their namespaces
        # being slaves of the snap's)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "cordon-out",
                        os.path.join(shared, "out")], check=True)
        self.assertIn(" cordon-out ", self.probe("hello", "mountinfo"))
        # control: without the slave relation, a peer would have sent it back
        peer = os.path.join(self.s.work, "peer")
        os.makedirs(peer)
        subprocess.run(["mount", "--bind", shared, peer], check=True)  # a peer of shared
        self.addCleanup(subprocess.run, ["umount", "-R", "-l", peer], capture_output=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "cordon-peer",
                        os.path.join(peer, "in")], check=True)
        self.assertIsNotNone(top_mount(mountinfo(), os.path.join(shared, "in")))

    def test_private_mounts_stay_inside(self):
        self.install("hello", YAML)
        self.probe("hello", "cwd")
        host = {m["mnt"] for m in mountinfo()}
        inside = self.snap_ns_mounts("hello")
        tmp = top_mount(inside, "/tmp")
        # the snap's own tmpfs, mounted on the host only where nobody but
        # root can reach (run/cordon/tmp is 0700)
        backing = top_mount(mountinfo(), self.path("run/cordon/tmp/hello/tmp"))
        self.assertEqual((tmp["fstype"], tmp["dev"]), ("tmpfs", backing["dev"]))
        self.assertIn("size=", backing["super"])
        shm = top_mount(inside, "/dev/shm")
        self.assertEqual(shm["fstype"], "tmpfs")
        self.assertIn("size=", shm["super"])
        # none of the host's /tmp, /dev/shm mounts is the snap's
        for m in mountinfo():
            if m["mnt"] in ("/tmp", "/dev/shm"):
                self.assertNotIn(m["dev"], (tmp["dev"], shm["dev"]))
        self.assertIn(self.preserved(), host)

    def test_first_launches_at_once_end_in_one_namespace(self):
        self.install("hello", YAML)
        procs = [self.s.spawn("run", "hello" if i % 2 else "hello.other", "mountinfo")
                 for i in range(20)]
        groups = set()
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
            lines = out.splitlines()
            self.assertEqual(lines[0], "OK")
            groups.add(self.group_in("\n".join(lines[1:]), "hello"))
        self.assertEqual(len(groups), 1, groups)
        self.assertEqual(len(self.preserved_mounts()), 1)
        self.assertEqual(groups, {self.snap_group()})

    def mark_snap_ns(self, snap="hello"):
        """A tmpfs mounted in the snap's namespace only: a command whose
        mountinfo shows it runs under that very namespace."""
        mp = os.path.join(self.common(snap), "marker")
        os.makedirs(mp, exist_ok=True)
        self.in_snap_ns(snap, "mount", "-t", "tmpfs", "-o", "size=64k", "cordon-marker", mp)
        self.assertIsNone(top_mount(mountinfo(), mp))

    def sees_marker(self, app):
        return " cordon-marker " in self.probe(app, "mountinfo")

    def test_refresh_rebuilds_unused_namespace(self):
        d = self.install("hello", YAML, packed=False)
        self.probe("hello", "cwd")
        old = mntns_id(self.preserved())
        self.mark_snap_ns()
        self.assertTrue(self.sees_marker("hello"))  # control
        self.cordon("install", "--dangerous", d)  # x2
        self.assertEqual(self.probe("hello", "env", "SNAP_REVISION"), "OK x2")
        new = mntns_id(self.preserved())
        self.assertNotEqual(new, old)
        self.assertFalse(self.sees_marker("hello"))
        self.assertEqual(len(self.preserved_mounts()), 1)
        # and it stays: the next command joins the new one
        self.probe("hello.other", "cwd")
        self.assertEqual(mntns_id(self.preserved()), new)

    def test_refresh_keeps_namespace_in_use(self):
        d = self.install("hello", YAML, packed=False)
        self.probe("hello", "cwd")
        old = mntns_id(self.preserved())
        self.mark_snap_ns()
        sleeper = self.spawn_probe("hello.other", "sleep", "300")
        wait_until(lambda: proc_comm(sleeper.pid) == "probe", what="the sleeping command")
        self.cordon("install", "--dangerous", d)  # x2
        # a command of the new revision joins the namespace still in use
        # (the new revision's mount reached it from the host)
        self.assertEqual(self.probe("hello", "env", "SNAP_REVISION"), "OK x2")
        self.assertEqual(self.probe("hello", "read", self.path("snap/hello/x2/meta/snap.yaml")),
                         "OK")
        self.assertEqual(mntns_id(self.preserved()), old)
        self.assertTrue(self.sees_marker("hello"))
        # once its last process is gone, the next launch rebuilds it
        stop_process(sleeper)
        self.assertEqual(self.probe("hello", "env", "SNAP_REVISION"), "OK x2")
        self.assertNotEqual(mntns_id(self.preserved()), old)
        self.assertFalse(self.sees_marker("hello"))
        self.assertEqual(len(self.preserved_mounts()), 1)

    def test_preserve_many_times_on_each_cpu(self):
        """Linux 6.18 hands out mount namespace ids from per-CPU batches: a
        namespace made on one CPU may get a smaller id than one made earlier
        on another, and the kernel then refuses to bind the newer one's nsfs
        file from the older one (EINVAL). Here the launcher runs (a) in the
        host's namespace, pinned to each CPU, 40 fresh namespaces per CPU,
        and (b) from inside a namespace made just before on the other CPU
        (`unshare -m`; nsfs binds are not copied into it, so the launcher
        makes and preserves a fresh snap namespace there), which reproduces
        the refusal every time in one of the two directions without the
        launcher's workaround (checked with util-linux alone on this host)."""
        ncpu = len(os.sched_getaffinity(0))
        if ncpu < 2:
            self.skipTest("needs two CPUs")
        self.install("hello", YAML)
        self.probe("hello", "cwd")
        ids = set()
        for cpu in (0, 1):
            for i in range(40):
                subprocess.run(["umount", self.preserved()], check=True)
                p = self.run_app("hello", "nsid", "mnt", check=False,
                                 wrap=["taskset", "-c", str(cpu)])
                self.assertEqual((p.returncode, p.stderr), (0, ""), f"cpu {cpu}, run {i}")
                self.assertEqual(len(self.preserved_mounts()), 1)
                ids.add(mntns_id(self.preserved()))
        self.assertEqual(len(ids), 80)  # 80 fresh namespaces
        cordon = self.s.env()
        script = 'exec taskset -c "$1" "$2" run hello nsid mnt'
        for i in range(20):
            for outer, inner in ((0, 1), (1, 0)):
                p = subprocess.run(["taskset", "-c", str(outer), "unshare", "-m",
                                    "--propagation", "unchanged", "sh", "-c", script, "sh",
                                    str(inner), build_path("cordon")],
                                   env=cordon, capture_output=True, text=True, timeout=60,
                                   cwd=self.s.work)
                self.assertEqual((p.returncode, p.stderr), (0, ""),
                                 f"outer namespace on cpu {outer}, launcher on cpu {inner}")
                self.assertTrue(p.stdout.startswith("OK mnt:["), p.stdout)


class DevptsTest(CordonTestCase):
    def test_new_instance_per_command(self):
        files = {"bin/withpty": '#!/bin/sh\nexec 3<>/dev/ptmx\nexec "$SNAP/bin/probe" "$@"\n'}
        yaml = probe_yaml("hello") + """  withpty:
    command: bin/withpty
"""
        self.install("hello", yaml, files=files)
        # a pty of the host, so that the host's /dev/pts is not empty
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        host_pty = os.path.basename(os.ttyname(slave))
        host = self.probe_host("ls", "/dev/pts").splitlines()
        self.assertEqual(host[0], "OK")
        self.assertIn(host_pty, host)
        # inside: none of the host's terminals, only the command's own
        self.assertEqual(self.probe_lines("hello", "ls", "/dev/pts"), ["OK", "ptmx"])
        self.assertEqual(self.probe_lines("hello.withpty", "ls", "/dev/pts"), ["OK", "0", "ptmx"])
        self.assertEqual(self.probe("hello", "openpty"), "OK /dev/pts/0")
        # the instance's options, and /dev/ptmx is that instance's ptmx
        lines = self.probe_lines("hello", "mountinfo")
        mounts = parse_mountinfo("\n".join(lines[1:]))
        pts = top_mount(mounts, "/dev/pts")
        ptmx = top_mount(mounts, "/dev/ptmx")
        self.assertEqual(pts["fstype"], "devpts")
        self.assertEqual(set(pts["super"].split(",")) >= {"gid=5", "mode=620", "ptmxmode=666"},
                         True, pts["super"])
        self.assertEqual((ptmx["fstype"], ptmx["dev"], ptmx["root"]), ("devpts", pts["dev"], "/ptmx"))
        self.assertNotEqual(pts["dev"], top_mount(mountinfo(), "/dev/pts")["dev"])
        st = self.probe("hello", "stat", "/dev/ptmx").split()
        self.assertIn("type=chr", st)
        self.assertIn("rdev=5:2", st)
        self.assertIn("mode=0666", st)
