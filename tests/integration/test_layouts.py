"""Issue 12, layouts: every `layout:` entry is in the snap's namespace before
any command runs (layout.c): bind, bind-file, type: tmpfs and symlink, under
read-only or host-owned parents (a writable mimic: a tmpfs with the parent's
entries bound back), on the host's root and on a base. The host itself is
never changed, the paths beside a layout still show their content, and the
policy grants the layout's path what its source has and nothing more."""
import os
import shutil

from cordonlib import SRC, CordonTestCase, probe_binary, probe_yaml, wait_until
from test_bases import BaseTestCase, on_base

# the corpus of snapd's test snaps kept in the tree (tests/corpus/README.md)
CORPUS = os.path.join(SRC, "tests", "corpus", "snapd-test-snaps")

LAYOUT = """
layout:
  /usr/share/cordon-demo:
    bind: $SNAP/usr/share/demo
  /etc/cordon-demo.conf:
    bind-file: $SNAP_COMMON/etc/demo.conf
  /etc/cordon-demo.cfg:
    symlink: $SNAP_COMMON/etc/demo.conf
  /opt/cordon-demo:
    type: tmpfs
  /var/lib/cordon-demo:
    bind: $SNAP_DATA/var/lib/demo
"""
FILES = {"usr/share/demo/marker": "from the snap\n"}


def first(lines):
    return lines[0].split()[0]


class LayoutTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        self.install("lay", probe_yaml("lay", extra=LAYOUT), files=FILES)
        self.common = self.path("var/snap/lay/common")
        self.data = self.path("var/snap/lay/x1")

    def cat(self, path):
        lines = self.probe_lines("lay", "cat", path)
        return lines[0], "\n".join(lines[1:])

    def test_each_kind_under_a_read_only_or_host_parent(self):
        os.makedirs(os.path.join(self.common, "etc"), exist_ok=True)
        with open(os.path.join(self.common, "etc/demo.conf"), "w") as f:
            f.write("conf from common")
        # bind under /usr/share
        self.assertEqual(self.cat("/usr/share/cordon-demo/marker"), ("OK", "from the snap"))
        # bind-file under /etc
        self.assertEqual(self.cat("/etc/cordon-demo.conf"), ("OK", "conf from common"))
        # symlink under /etc: the link, and the file through it
        self.assertEqual(self.probe_lines("lay", "readlink", "/etc/cordon-demo.cfg"),
                         ["OK " + os.path.join(self.common, "etc/demo.conf")])
        self.assertEqual(self.cat("/etc/cordon-demo.cfg"), ("OK", "conf from common"))
        # tmpfs under /opt: writable, the snap's alone
        self.assertEqual(self.probe("lay", "create", "/opt/cordon-demo/x"), "OK")
        self.assertEqual(first(self.probe_lines("lay", "stat", "/opt/cordon-demo/x")), "OK")
        # bind of $SNAP_DATA under /var/lib: written inside, seen in SNAP_DATA
        self.assertEqual(self.probe("lay", "create", "/var/lib/cordon-demo/y"), "OK")
        self.assertTrue(os.path.exists(os.path.join(self.data, "var/lib/demo/y")))
        # the host is untouched: none of these exist outside
        for path in ("/usr/share/cordon-demo", "/etc/cordon-demo.conf", "/etc/cordon-demo.cfg",
                     "/opt/cordon-demo", "/var/lib/cordon-demo"):
            with self.subTest(path=path):
                self.assertFalse(os.path.lexists(path))
                self.assertEqual(first(self.probe_lines("lay", "stat", path)), "OK")

    def test_paths_beside_show_the_original(self):
        with open("/etc/passwd") as f:
            passwd = f.read().strip()
        self.assertEqual(self.cat("/etc/passwd"), ("OK", passwd))
        share = sorted(n for n in os.listdir("/usr/share") if n != "cordon-demo")
        inside = self.probe_lines("lay", "ls", "/usr/share")
        self.assertEqual(inside[0], "OK")
        self.assertEqual(sorted(n for n in inside[1:] if n != "cordon-demo"), share)
        self.assertIn("cordon-demo", inside[1:])
        licence = "/usr/share/common-licenses/GPL-3"
        with open(licence) as f:
            status, text = self.cat(licence)
            self.assertEqual((status, text.strip()), ("OK", f.read().strip()))
        # what was not granted beside a layout stays denied
        self.assertEqual(self.probe_lines("lay", "read", "/etc/shadow")[0], "EACCES")
        self.assertEqual(self.probe_host("read", "/etc/shadow").splitlines()[0], "OK")

    def test_policy_grants_the_layout_and_no_more(self):
        # $SNAP's layout is read and execute only, as $SNAP itself
        self.assertIn(self.probe_lines("lay", "create", "/usr/share/cordon-demo/new")[0],
                      ("EACCES", "EROFS"))
        # the mimic itself takes no new entry
        self.assertIn(self.probe_lines("lay", "create", "/usr/share/cordon-other")[0],
                      ("EACCES", "EROFS"))
        self.assertIn(self.probe_lines("lay", "create", "/etc/cordon-other")[0],
                      ("EACCES", "EROFS"))
        # a snap without the layout has none of it
        self.install("plain", probe_yaml("plain"))
        self.assertEqual(first(self.probe_lines("plain", "stat", "/usr/share/cordon-demo")),
                         "ENOENT")

    def test_refresh_with_a_changed_layout(self):
        self.assertEqual(first(self.probe_lines("lay", "stat", "/opt/cordon-demo")), "OK")
        changed = LAYOUT.replace("/opt/cordon-demo:", "/opt/cordon-changed:")
        self.install("lay", probe_yaml("lay", extra=changed), files=FILES)
        self.assertEqual(first(self.probe_lines("lay", "stat", "/opt/cordon-changed")), "OK")
        self.assertEqual(first(self.probe_lines("lay", "stat", "/opt/cordon-demo")), "ENOENT")

    def test_refresh_with_a_changed_layout_while_a_command_runs(self):
        p = self.spawn_probe("lay", "sleep", "30")
        wait_until(lambda: first(self.probe_lines("lay", "stat", "/opt/cordon-demo")) == "OK")
        changed = LAYOUT.replace("/opt/cordon-demo:", "/opt/cordon-changed:")
        self.install("lay", probe_yaml("lay", extra=changed), files=FILES)
        # the next launch gets the new layout in a new namespace; the
        # running command keeps its own
        self.assertEqual(first(self.probe_lines("lay", "stat", "/opt/cordon-changed")), "OK")
        self.assertEqual(first(self.probe_lines("lay", "stat", "/opt/cordon-demo")), "ENOENT")
        self.assertIsNone(p.poll())


class LayoutOnBaseTest(BaseTestCase):
    def test_layouts_on_a_base(self):
        self.install_base()
        extra = LAYOUT + """  /usr/lib/cordon-demo:
    symlink: $SNAP/usr/share/demo
"""
        self.install("onbase", on_base("onbase", extra=extra), files=FILES)
        self.assertEqual(self.cat("onbase", "/usr/share/cordon-demo/marker"),
                         ("OK", "from the snap"))
        self.assertEqual(self.cat("onbase", "/usr/lib/cordon-demo/marker"),
                         ("OK", "from the snap"))
        self.assertEqual(self.probe("onbase", "create", "/opt/cordon-demo/x"), "OK")
        # beside: the base's files
        self.assertEqual(self.cat("onbase", "/usr/share/testbase/marker"), ("OK", "one"))
        self.assertEqual(self.cat("onbase", "/usr/lib/os-release")[0], "OK")
        self.assertFalse(os.path.lexists("/usr/share/cordon-demo"))


class CorpusLayoutTest(CordonTestCase):
    def test_corpus_layout_snaps(self):
        names = sorted(n for n in os.listdir(CORPUS) if "layout" in n)
        self.assertTrue(names)
        for name in names:
            with open(os.path.join(CORPUS, name)) as f:
                yaml = f.read()
            snap = name[:-len(".yaml")]
            with self.subTest(snap=snap):
                d = self.s.make_snap(snap, yaml, probe=False)
                # every app's command is the probe
                os.makedirs(os.path.join(d, "bin"), exist_ok=True)
                for line in yaml.splitlines():
                    if line.strip().startswith("command:"):
                        cmd = os.path.join(d, line.split(":", 1)[1].strip().split()[0])
                        os.makedirs(os.path.dirname(cmd), exist_ok=True)
                        shutil.copy(probe_binary(), cmd)
                paths = [line.strip()[:-1] for line in yaml.split("layout:")[1].splitlines()
                         if line.startswith("  /") and line.strip().endswith(":")]
                self.assertTrue(paths)
                before = {p: os.path.lexists(p) for p in paths}
                self.cordon("install", "--dangerous", self.s.pack(d))
                app = [line.strip()[:-1] for line in yaml.split("apps:")[1].splitlines()
                       if line.startswith("    ") and not line.startswith("      ")
                       and line.strip().endswith(":")][0]
                for path in paths:
                    r = self.probe_lines(f"{snap}.{app}", "stat", path)
                    self.assertEqual(first(r), "OK", f"{path}: {r}")
                # the host has what it had, and nothing more
                self.assertEqual({p: os.path.lexists(p) for p in paths}, before)
