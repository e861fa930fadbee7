"""The launcher's scratch space (issue 8, item 8): each snap's private /tmp
and /dev/shm are tmpfs mounts of their own with a size limit (on /run, small
and shared by the whole system, any user of any snap could fill it), and the
preserved namespaces are root's alone (whoever opens one keeps it, and a
removed snap's mounts and loop device, alive)."""
import os

from cordonlib import probe_yaml
from strictlib import ROOT, USER, WHO, StrictCase


def mem_total_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    raise AssertionError("no MemTotal")


class ScratchTest(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("scratchy", probe_yaml("scratchy"))

    def size_kib(self, super_opts):
        for opt in super_opts.split(","):
            if opt.startswith("size="):
                v = opt[5:]
                units = {"k": 1, "m": 1024, "g": 1024 * 1024}
                return int(v[:-1]) * units[v[-1]] if v[-1] in units else int(v) // 1024
        return None

    def test_private_tmp_and_shm_are_limited_tmpfs(self):
        limit = mem_total_kib() // 4
        for who in WHO:
            lines = self.run_as(who, "scratchy", "mountinfo").stdout.splitlines()
            self.assertEqual(lines[0], "OK")
            mounts = {}
            for line in lines[1:]:
                parts = line.split()
                sep = parts.index("-")
                mounts[parts[4]] = (parts[sep + 1], parts[sep + 3], parts[2])
            for mp in ("/tmp", "/dev/shm"):
                with self.subTest(who=who, mount=mp):
                    fstype, opts, dev = mounts[mp]
                    self.assertEqual(fstype, "tmpfs")
                    size = self.size_kib(opts)
                    self.assertIsNotNone(size, opts)
                    self.assertLessEqual(size, limit + 4)
                    # not the host's /run (nor anything else of the host's
                    # but its own root-only mount point)
                    st = os.stat("/run")
                    self.assertNotEqual(dev, f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}")

    def test_namespaces_are_roots_alone(self):
        self.probe_as(USER, "scratchy", "cwd")
        ns = os.path.join(self.s.root, "run/cordon/ns")
        self.assertEqual(os.stat(ns).st_mode & 0o7777, 0o700)
        for name in ("scratchy.mnt", "scratchy.ipc", f"snap.scratchy.scratchy.{self.user.pw_uid}.view"):
            path = os.path.join(ns, name)
            with self.subTest(name=name):
                self.assertEqual(self.host_as(ROOT, "stat", path).split()[0], "OK")  # control
                self.assertEqual(self.host_as(USER, "stat", path), "EACCES")
