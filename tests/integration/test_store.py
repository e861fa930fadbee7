"""Issue 2: the store of installed snaps, state, pack, list/info, and
consistency after an interruption at any step."""
import os
import sqlite3
import stat
import subprocess
import threading

from cordonlib import CordonTestCase, mounts_under, loops_backed_by, probe_yaml

YAML = """
name: hello
version: '1.0'
summary: Hello snap
description: |
  Says hello.
  Twice.
license: MIT
apps:
  hello:
    command: bin/probe
  svc:
    command: bin/probe sleep 1000
    daemon: simple
"""


class StoreTest(CordonTestCase):
    def path(self, *p):
        return os.path.join(self.s.root, *p)

    def state(self, sql, *args):
        db = sqlite3.connect(self.path("var/lib/cordon/state.db"))
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def assert_revision(self, name, rev, current=True):
        mnt = self.path("snap", name, rev)
        self.assertIn(mnt, mounts_under(mnt), f"{mnt} not mounted")
        st = os.statvfs(mnt)
        self.assertTrue(st.f_flag & os.ST_RDONLY, "revision not read-only")
        self.assertTrue(st.f_flag & os.ST_NOSUID and st.f_flag & os.ST_NODEV)
        self.assertTrue(os.path.isdir(self.path("var/snap", name, rev)))
        self.assertTrue(os.path.isdir(self.path("var/snap", name, "common")))
        if current:
            self.assertEqual(os.readlink(self.path("snap", name, "current")), rev)
            self.assertEqual(os.readlink(self.path("var/snap", name, "current")), rev)

    def assert_nothing_of(self, name):
        self.assertFalse(os.path.exists(self.path("snap", name)))
        self.assertFalse(os.path.exists(self.path("var/snap", name)))
        self.assertEqual(mounts_under(self.path("snap")), [])
        self.assertEqual(loops_backed_by(self.s.root), [])
        self.assertEqual(self.state("SELECT name FROM snaps WHERE name=?", name), [])
        self.assertEqual([f for f in os.listdir(self.path("var/lib/cordon/policy"))
                          if f.startswith(f"snap.{name}.")], [])

    def test_pack_install_list_info_refresh_revert_remove(self):
        d = self.s.make_snap("hello", YAML)
        snapfile = self.s.pack(d)
        self.assertEqual(os.path.basename(snapfile), "hello_1.0_amd64.snap")
        out = self.cordon("install", "--dangerous", snapfile).stdout
        self.assertEqual(out, "hello 1.0 installed\n")
        self.assert_revision("hello", "x1")
        self.assertEqual(self.state("SELECT current, confinement FROM snaps"), [("x1", "strict")])
        self.assertEqual(self.cordon("list").stdout,
                         "Name   Version  Rev  Tracking  Publisher  Notes\n"
                         "hello  1.0      x1   -         -          -\n")
        current = "inactive" if os.path.isdir("/run/systemd/system") else "-"
        self.assertEqual(self.cordon("info", "hello").stdout,
                         "name:      hello\n"
                         "summary:   Hello snap\n"
                         "publisher: -\n"
                         "license:   MIT\n"
                         "description: |\n"
                         "  Says hello.\n"
                         "  Twice.\n"
                         "commands:\n"
                         "  - hello\n"
                         "services:\n"
                         # enabled as recorded; whether it runs: "-" where
                         # systemd does not (test_services_cli), else inactive
                         # (systemd never reads the scratch root's units)
                         f"  hello.svc: simple, enabled, {current}\n"
                         "tracking:  -\n"
                         f"installed: 1.0 (x1) {self.size_str(snapfile)} -\n")
        # data written in x1 is carried to x2, owners/modes/times kept
        data = self.path("var/snap/hello/x1")
        with open(os.path.join(data, "state.txt"), "w") as f:
            f.write("v1")
        os.chown(os.path.join(data, "state.txt"), 1234, 4321)
        os.chmod(os.path.join(data, "state.txt"), 0o640)
        os.utime(os.path.join(data, "state.txt"), (1000000000, 1000000000))
        os.symlink("state.txt", os.path.join(data, "link"))
        with open(self.path("var/snap/hello/common/c.txt"), "w") as f:
            f.write("common")
        # refresh to x2 (version 2.0)
        with open(os.path.join(d, "meta/snap.yaml")) as f:
            y = f.read().replace("'1.0'", "'2.0'")
        with open(os.path.join(d, "meta/snap.yaml"), "w") as f:
            f.write(y)
        out = self.cordon("install", "--dangerous", self.s.pack(d)).stdout
        self.assertEqual(out, "hello 2.0 refreshed\n")
        self.assert_revision("hello", "x2")
        self.assert_revision("hello", "x1", current=False)
        st = os.lstat(self.path("var/snap/hello/x2/state.txt"))
        self.assertEqual((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), int(st.st_mtime)),
                         (1234, 4321, 0o640, 1000000000))
        self.assertEqual(os.readlink(self.path("var/snap/hello/x2/link")), "state.txt")
        self.assertFalse(os.path.exists(self.path("var/snap/hello/x2/c.txt")))
        with open(self.path("var/snap/hello/common/c.txt")) as f:
            self.assertEqual(f.read(), "common")
        self.assertIn("hello  2.0      x2", self.cordon("list").stdout)
        self.assertEqual(self.cordon("list", "--all").stdout,
                         "Name   Version  Rev  Tracking  Publisher  Notes\n"
                         "hello  1.0      x1   -         -          disabled\n"
                         "hello  2.0      x2   -         -          -\n")
        # data changed in x2 does not flow back on revert
        with open(self.path("var/snap/hello/x2/state.txt"), "w") as f:
            f.write("v2")
        self.assertEqual(self.cordon("revert", "hello").stdout, "hello reverted to 1.0\n")
        self.assertEqual(os.readlink(self.path("snap/hello/current")), "x1")
        with open(self.path("var/snap/hello/x1/state.txt")) as f:
            self.assertEqual(f.read(), "v1")
        self.assertIn("hello  1.0      x1", self.cordon("list").stdout)
        self.assertIn("nothing older", "nothing older" if "no revision to revert to" in
                      self.cordon_fails("revert", "hello") else "")
        # remove: nothing left, the user's ~/snap/hello included (snapd)
        self.assertTrue(self.probe("hello", "cwd").startswith("OK"))
        self.assertTrue(os.path.isdir(os.path.join(self.s.home, "snap/hello/x1")))
        self.assertEqual(self.cordon("remove", "hello").stdout, "hello removed\n")
        self.assert_nothing_of("hello")
        self.assertFalse(os.path.exists(os.path.join(self.s.home, "snap/hello")))
        self.assertTrue(os.path.isdir(os.path.join(self.s.home, "snap")))
        self.assertEqual(self.cordon("list").stderr, "No snaps are installed yet.\n")

    @staticmethod
    def size_str(path):
        size = os.stat(path).st_size
        for suf in ("B", "kB", "MB", "GB"):
            if size < 1000:
                return f"{size}{suf}"
            size //= 1000

    def test_keeps_two_newest_revisions(self):
        d = self.s.make_snap("hello", YAML)
        for _ in range(4):
            self.cordon("install", "--dangerous", d)
            self.probe("hello", "cwd")  # makes ~/snap/hello/<rev>
        self.assertEqual(sorted(os.listdir(self.path("snap/hello"))), ["current", "x3", "x4"])
        self.assertEqual(sorted(os.listdir(self.path("var/snap/hello"))),
                         ["common", "current", "x3", "x4"])
        self.assertEqual(self.state("SELECT revision FROM revisions ORDER BY seq"),
                         [("x3",), ("x4",)])
        self.assertEqual(len(mounts_under(self.path("snap/hello"))), 2)
        # the user data of dropped revisions goes with them
        self.assertEqual(sorted(os.listdir(os.path.join(self.s.home, "snap/hello"))),
                         ["common", "current", "x3", "x4"])

    def test_install_directory_is_read_only_bind(self):
        d = self.s.make_snap("hello", YAML)
        self.cordon("install", "--dangerous", d)
        self.assert_revision("hello", "x1")
        with self.assertRaises(OSError) as cm:
            open(self.path("snap/hello/x1/new"), "w")
        self.assertEqual(cm.exception.errno, 30)  # EROFS
        self.assertEqual(self.state("SELECT source_kind, source_path FROM revisions"),
                         [(2, d)])

    def test_devmode_and_classic_flags(self):
        y = YAML.replace("license: MIT", "confinement: devmode")
        d = self.s.make_snap("hello", y)
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertEqual(err, f'error: cannot install "{d}": snap "hello" requires devmode or '
                              'confinement override; use --devmode')
        self.cordon("install", "--dangerous", "--devmode", d)
        self.assertIn("devmode", self.cordon("list").stdout.splitlines()[1])
        y = YAML.replace("license: MIT", "confinement: classic")
        d = self.s.make_snap("classy", y.replace("name: hello", "name: classy"))
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertIn("requires classic confinement", err)
        self.cordon("install", "--dangerous", "--classic", d)
        self.assertTrue(self.cordon("list").stdout.splitlines()[1].endswith("classic"))

    def test_symlinked_snap_yaml_refused(self):
        d = self.s.make_snap("evil", probe_yaml("evil"))
        os.unlink(os.path.join(d, "meta/snap.yaml"))
        os.symlink("/etc/shadow", os.path.join(d, "meta/snap.yaml"))
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertEqual(err, f'error: cannot install "{d}": meta/snap.yaml is a symlink; '
                              'refusing to follow it')
        self.assert_nothing_of("evil")
        # the same inside a squashfs
        snapfile = os.path.join(self.s.work, "evil.snap")
        subprocess.run(["mksquashfs", d, snapfile, "-quiet", "-noappend", "-all-root"],
                       check=True, capture_output=True)
        err = self.cordon_fails("install", "--dangerous", snapfile)
        self.assertIn("meta/snap.yaml is a symlink", err)
        self.assert_nothing_of("evil")

    def test_missing_or_escaping_command_refused(self):
        y = probe_yaml("nocmd").replace("bin/probe", "bin/nothere")
        d = self.s.make_snap("nocmd", y)
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertEqual(err, f'error: cannot install "{d}": app "nocmd" command "bin/nothere" '
                              'not found in the snap')
        self.assert_nothing_of("nocmd")
        # a symlink inside the package that climbs out of it
        d = self.s.make_snap("climb", probe_yaml("climb").replace("bin/probe", "bin/out"))
        os.symlink("../../../../../../bin/sh", os.path.join(d, "bin/out"))
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertIn("leaves the snap", err)
        # a relative symlink that stays inside is fine
        d = self.s.make_snap("inside", probe_yaml("inside").replace("bin/probe", "bin/alias"))
        os.symlink("probe", os.path.join(d, "bin/alias"))
        self.cordon("install", "--dangerous", d)

    def test_bad_yaml_nothing_installed(self):
        d = self.s.make_snap("bad", "name: bad\nversion: 1.0\napps:\n  foo_bar:\n    command: bin/probe\n")
        err = self.cordon_fails("install", "--dangerous", d)
        self.assertTrue(err.startswith(f'error: cannot install "{d}": meta/snap.yaml:4:3: '
                                       'invalid app name'), err)
        self.assert_nothing_of("bad")
        big = self.s.make_snap("big", "name: big\nversion: 1.0\n" + "#" * (1 << 20) + "\n")
        err = self.cordon_fails("install", "--dangerous", big)
        self.assertEqual(err, f'error: cannot install "{big}": meta/snap.yaml is larger than 1 MiB')
        self.assertFalse(os.path.exists(self.path("snap/big")))

    def test_not_squashfs(self):
        junk = os.path.join(self.s.work, "junk.snap")
        with open(junk, "wb") as f:
            f.write(os.urandom(8192))
        err = self.cordon_fails("install", "--dangerous", junk)
        self.assertEqual(err, f'error: cannot install "{junk}": {junk} is not a valid squashfs image')
        self.assertEqual(loops_backed_by(self.s.root), [])
        self.assertEqual(os.listdir(self.path("var/lib/cordon/tmp")), [])

    def test_validate(self):
        d = self.s.make_snap("hello", YAML)
        self.assertEqual(self.cordon("validate", d).stdout,
                         "valid: hello 1.0 (2 apps, 0 hooks, 0 plugs, 0 slots)\n")
        self.assertEqual(self.cordon("validate", self.s.pack(d)).stdout,
                         "valid: hello 1.0 (2 apps, 0 hooks, 0 plugs, 0 slots)\n")
        self.assertEqual(self.cordon("validate", os.path.join(d, "meta/snap.yaml")).stdout,
                         "valid: hello 1.0 (2 apps, 0 hooks, 0 plugs, 0 slots)\n")
        self.assertEqual(loops_backed_by(self.s.root), [])

    def test_pack_architectures(self):
        d = self.s.make_snap("arch", probe_yaml("arch", extra="architectures: [all]\n"))
        self.assertTrue(self.s.pack(d).endswith("/arch_1.0_all.snap"))
        d = self.s.make_snap("multi", probe_yaml("multi", extra="architectures: [amd64, arm64]\n"))
        self.assertTrue(self.s.pack(d).endswith("/multi_1.0_multi.snap"))
        bad = self.s.make_snap("bad", "name: Bad\nversion: 1\n")
        self.assertIn("cannot pack", self.cordon_fails("pack", bad))

    def test_remove_unknown_and_root_only(self):
        # snap: a snap not installed is said so on stderr, and is no failure
        p = self.cordon("remove", "nope")
        self.assertEqual((p.stdout, p.stderr), ("", 'snap "nope" is not installed\n'))

    def test_concurrent_commands_serialise(self):
        d = self.s.make_snap("hello", YAML)
        results = []

        def install():
            results.append(self.s.cordon("install", "--dangerous", d, check=False))
        threads = [threading.Thread(target=install) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([r.returncode for r in results], [0, 0, 0, 0], [r.stderr for r in results])
        self.assertEqual(self.state("SELECT revision FROM revisions ORDER BY seq"),
                         [("x3",), ("x4",)])
        self.assert_revision("hello", "x4")

    def test_remount_after_reboot(self):
        self.install("hello", probe_yaml("hello"))
        mnt = self.path("snap/hello/x1")
        subprocess.run(["umount", mnt], check=True)  # as a reboot would leave it
        self.assertEqual(mounts_under(mnt), [])
        self.assertEqual(self.probe("hello", "cwd").startswith("OK"), True)
        self.assertEqual(mounts_under(mnt), [mnt])


FAULT_STEPS = ["install-journal", "install-blob", "install-mount", "install-data",
               "install-compile", "install-commit", "install-finish"]


class FaultTest(CordonTestCase):
    """Kill `cordon install` (SIGKILL, as a power cut) at each step; the next
    command must leave either the old or the new installation, usable."""

    def path(self, *p):
        return os.path.join(self.s.root, *p)

    def check_consistent(self, name, expect_revs, current):
        out = self.cordon("list", "--all").stdout
        revs = [l.split()[2] for l in out.splitlines()[1:] if l.split()[0] == name]
        self.assertEqual(revs, expect_revs, out)
        self.assertEqual(os.readlink(self.path("snap", name, "current")), current)
        on_disk = sorted(e for e in os.listdir(self.path("snap", name)) if e != "current")
        self.assertEqual(on_disk, expect_revs)
        self.assertEqual(sorted(mounts_under(self.path("snap", name))),
                         [self.path("snap", name, r) for r in expect_revs])
        self.assertEqual(self.probe(f"{name}", "env", "SNAP_REVISION"), f"OK {current}")
        self.assertEqual(os.listdir(self.path("var/lib/cordon/tmp")), [])

    def test_kill_at_each_step_of_first_install(self):
        d = self.s.make_snap("hello", probe_yaml("hello"))
        snapfile = self.s.pack(d)
        for step in FAULT_STEPS:
            with self.subTest(step=step):
                p = self.s.cordon("install", "--dangerous", snapfile, check=False,
                                  env={"CORDON_FAULT": step})
                self.assertEqual(p.returncode, -9, p.stderr)
                # the next command (any) completes or rolls back
                out = self.cordon("list", check=False)
                committed = step in ("install-commit", "install-finish")
                if committed:
                    self.check_consistent("hello", ["x1"], "x1")
                    self.cordon("remove", "hello")
                else:
                    self.assertNotIn("hello", out.stdout)
                    self.assertFalse(os.path.exists(self.path("snap/hello")))
                    self.assertFalse(os.path.exists(self.path("var/snap/hello")))
                    self.assertEqual(loops_backed_by(self.s.root), [])
                    self.assertEqual(os.listdir(self.path("var/lib/cordon/snaps")), [])
                    self.assertEqual(os.listdir(self.path("var/lib/cordon/policy")), [])

    def test_kill_at_each_step_of_refresh(self):
        d = self.s.make_snap("hello", probe_yaml("hello"))
        self.cordon("install", "--dangerous", d)
        for step in FAULT_STEPS:
            with self.subTest(step=step):
                before = self.cordon("list").stdout.splitlines()[1].split()[2]
                p = self.s.cordon("install", "--dangerous", d, check=False,
                                  env={"CORDON_FAULT": step})
                self.assertEqual(p.returncode, -9, p.stderr)
                self.cordon("list")
                n = int(before[1:])
                if step in ("install-commit", "install-finish"):
                    self.check_consistent("hello", [before, f"x{n + 1}"], f"x{n + 1}")
                else:
                    revs = [f"x{n - 1}", before] if n > 1 else [before]
                    self.check_consistent("hello", revs, before)
