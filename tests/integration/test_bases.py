"""Issue 12, bases: a `type: base` snap installs without apps; a snap with
`base: X` runs with X as `/` of its mount namespace, with the host
directories snapd binds over it (baseroot.c) and nothing else of the host's
/usr. The base here is made from Debian's busybox-static (a static binary,
so it needs no libraries) and marker files; every claim about the inside has
its control on the host."""
import os
import shutil
import socket
import subprocess
import uuid

import cordonlib

from cordonlib import CordonTestCase, probe_yaml, wait_until

BUSYBOX = "/bin/busybox"
BASE_YAML = """
name: testbase
version: '1'
summary: a test base
type: base
"""
OS_RELEASE = 'NAME="cordon test base"\nID=cordon-testbase\n'
NSSWITCH = "# the test base's nsswitch.conf\npasswd: files\ngroup: files\n"
# the places snapd binds the host's directories on, as a core base has them
MOUNT_POINTS = ["dev", "etc", "home", "root", "proc", "sys", "tmp", "run", "media", "mnt",
                "snap", "var/snap", "var/tmp", "var/log", "var/lib/snapd", "usr/src",
                "usr/lib/snapd"]


def on_base(name, base="testbase", extra=""):
    return probe_yaml(name, extra=f"base: {base}\n" + extra)


class BaseTestCase(CordonTestCase):
    def make_base(self, name="testbase", marker="one"):
        files = {
            "usr/lib/os-release": OS_RELEASE,
            "usr/share/testbase/marker": f"{marker}\n",
            "etc/nsswitch.conf": NSSWITCH,
            "etc/testbase-only": "hidden by the host's /etc\n",
        }
        for d in MOUNT_POINTS:
            files[d] = None
        d = self.s.make_snap(name, BASE_YAML.replace("testbase", name), files=files, probe=False,
                             dirname=f"{name}-{marker}")
        os.makedirs(os.path.join(d, "usr/bin"), exist_ok=True)
        shutil.copy(BUSYBOX, os.path.join(d, "usr/bin/busybox"))
        os.symlink("busybox", os.path.join(d, "usr/bin/sh"))
        # as in a core base: snapctl links to where snapd's tools are shown
        os.symlink("../lib/snapd/snapctl", os.path.join(d, "usr/bin/snapctl"))
        for link, target in (("bin", "usr/bin"), ("lib", "usr/lib")):
            os.symlink(target, os.path.join(d, link))
        os.symlink("../usr/lib/os-release", os.path.join(d, "etc/os-release"))
        return d

    def install_base(self, name="testbase", marker="one"):
        self.cordon("install", "--dangerous", self.s.pack(self.make_base(name, marker)))

    def cat(self, app, path):
        lines = self.probe_lines(app, "cat", path)
        return lines[0], "\n".join(lines[1:])


class BaseInstallTest(BaseTestCase):
    def test_base_installs_without_apps(self):
        self.install_base()
        self.assertIn("testbase", self.s.installed())
        out = self.cordon("list").stdout
        self.assertIn("testbase", out)

    def test_missing_base_is_an_error_and_nothing_is_installed(self):
        d = self.s.make_snap("onbase", on_base("onbase", base="nosuchbase"))
        err = self.cordon_fails("install", "--dangerous", self.s.pack(d))
        self.assertIn('base "nosuchbase" is not installed', err)
        self.assertIn("onbase", err)
        self.assertNotIn("onbase", self.s.installed())
        self.assertFalse(os.path.exists(self.path("snap/onbase")) and
                         os.listdir(self.path("snap/onbase")))
        self.assertFalse(os.path.exists(self.path("var/lib/cordon/policy/snap.onbase.onbase")))

    def test_a_snap_that_is_not_a_base_is_refused_as_one(self):
        self.install("notabase", probe_yaml("notabase"))
        d = self.s.make_snap("onbase", on_base("onbase", base="notabase"))
        err = self.cordon_fails("install", "--dangerous", self.s.pack(d))
        self.assertIn("not a base", err)
        self.assertNotIn("onbase", self.s.installed())

    def test_removing_a_base_in_use_is_refused(self):
        self.install_base()
        self.install("onbase", on_base("onbase"))
        self.install("other", on_base("other"))
        err = self.cordon_fails("remove", "testbase")
        self.assertIn('cannot remove "testbase"', err)
        self.assertIn("onbase", err)
        self.assertIn("other", err)
        self.assertIn("testbase", self.s.installed())
        self.assertEqual(self.probe("onbase", "cat", "/usr/share/testbase/marker"),
                         "OK\none")
        self.cordon("remove", "onbase")
        self.cordon("remove", "other")
        self.cordon("remove", "testbase")
        self.assertNotIn("testbase", self.s.installed())


class BaseRootTest(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.install_base()
        self.install("onbase", on_base("onbase"))
        self.install("host", probe_yaml("host"))

    def test_the_base_is_the_root(self):
        self.assertEqual(self.cat("onbase", "/usr/share/testbase/marker"), ("OK", "one"))
        # the host's /usr is not there: a control on the host and in a
        # snap without a base
        for path in ("/usr/bin/python3", "/usr/lib/os-release", "/usr/bin/env"):
            with self.subTest(path=path):
                self.assertTrue(os.path.exists(path))
                self.assertEqual(self.probe_lines("host", "stat", path)[0].split()[0], "OK")
        self.assertEqual(self.probe_lines("onbase", "stat", "/usr/bin/python3")[0], "ENOENT")
        self.assertEqual(self.probe_lines("onbase", "stat", "/usr/bin/env")[0], "ENOENT")
        self.assertEqual(self.cat("onbase", "/usr/lib/os-release"), ("OK", OS_RELEASE.strip()))
        self.assertNotEqual(self.cat("host", "/usr/lib/os-release")[1], OS_RELEASE.strip())
        # /bin is the base's link to usr/bin: the base's busybox runs
        self.assertEqual(self.probe_lines("onbase", "stat", "/bin/busybox")[0].split()[0], "OK")
        self.assertEqual(self.probe_lines("host", "stat", "/bin/busybox")[0].split()[0], "OK")
        p = self.run_app("onbase", "exec", "/bin/busybox", "echo", "from the base", check=False)
        self.assertEqual(p.stdout.strip(), "from the base")

    def test_etc_is_the_hosts_with_snapds_exceptions(self):
        # the host's /etc: its passwd, its os-release link (which leads to
        # the base's /usr/lib/os-release, as on Ubuntu with a core base)
        with open("/etc/passwd") as f:
            host_passwd = f.read().strip()
        self.assertEqual(self.cat("onbase", "/etc/passwd"), ("OK", host_passwd))
        self.assertEqual(self.probe_lines("onbase", "stat", "/etc/testbase-only")[0],
                         "ENOENT")
        # nsswitch.conf is taken back from the base (snap-confine's list)
        self.assertEqual(self.cat("onbase", "/etc/nsswitch.conf"), ("OK", NSSWITCH.strip()))
        with open("/etc/nsswitch.conf") as f:
            self.assertNotEqual(f.read().strip(), NSSWITCH.strip())

    def write(self, app, path, text):
        self.assertEqual(self.probe(app, "create", path), "OK")
        self.assertEqual(self.probe(app, "write", path, text), "OK")

    def test_host_places_behave_as_before(self):
        # $SNAP_DATA (under /var/snap) and $HOME: written inside, seen on the host
        self.write("onbase", self.path("var/snap/onbase/x1/f"), "d")
        with open(self.path("var/snap/onbase/x1/f")) as f:
            self.assertEqual(f.read(), "d")
        home = os.path.join(self.s.home, "snap/onbase/x1")
        self.write("onbase", home + "/g", "e")
        with open(home + "/g") as f:
            self.assertEqual(f.read(), "e")
        # /tmp: private to the snap, as without a base
        self.write("onbase", "/tmp/base-private", "x")
        self.assertFalse(os.path.exists("/tmp/base-private"))
        self.assertEqual(self.cat("onbase", "/tmp/base-private"), ("OK", "x"))
        self.assertEqual(self.probe_lines("host", "stat", "/tmp/base-private")[0], "ENOENT")
        # /dev: the host's nodes, the device cgroup deciding
        self.assertEqual(self.probe("onbase", "open-dev", "/dev/null"), "OK")
        self.assertEqual(self.probe("host", "open-dev", "/dev/null"), "OK")
        # $SNAP: the snap's own revision
        snap = self.probe_lines("onbase", "env", "SNAP")[0]
        self.assertEqual(snap, "OK " + self.path("snap/onbase/x1"))
        self.assertEqual(
            self.probe_lines("onbase", "stat", self.path("snap/onbase/x1/bin/probe"))[0].split()[0],
            "OK")

    def test_denials_hold_on_a_base(self):
        secret = os.path.join(self.s.home, "secret")
        with open(secret, "w") as f:
            f.write("secret")
        self.install("world", probe_yaml("world"))
        self.probe("world", "cwd")
        other = self.path("var/snap/world/x1/private")
        with open(other, "w") as f:
            f.write("world's")
        for op, path in (("read", secret), ("read", other), ("read", "/etc/shadow"),
                         ("ls", "/root"), ("ls", self.path("var/snap/world/x1"))):
            with self.subTest(op=op, path=path):
                self.assertEqual(self.probe_lines("onbase", op, path)[0], "EACCES")
                self.assertEqual(self.probe_host(op, path).splitlines()[0], "OK")
        # $SNAP stays read-only; the base's files too
        for path in (self.path("snap/onbase/x1/new"), "/usr/share/testbase/new"):
            with self.subTest(path=path):
                self.assertIn(self.probe_lines("onbase", "create", path)[0], ("EACCES", "EROFS"))
        # no exec outside the policy
        self.assertEqual(self.probe_lines("onbase", "exec", secret)[0], "EACCES")
        # every other mechanism of the runner tests, once each, with its
        # control: seccomp (a denial, a namespace), the device cgroup, the
        # view, Landlock's network and scopes (abstract sockets, signals)
        name = f"cordon-test-{uuid.uuid4().hex}"
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind("\0" + name)
        srv.listen(8)
        self.addCleanup(srv.close)
        victim = subprocess.Popen(["sleep", "60"])
        self.addCleanup(victim.wait)
        self.addCleanup(victim.kill)
        for args, inside, outside in (
                (("socket", "inet", "stream"), "EACCES", "OK"),
                (("clone", "newuser"), "EPERM", "OK"),
                (("open-dev", "/dev/kmsg"), "EPERM", "OK"),
                (("ls", "/media"), "EACCES", "OK"),
                (("abstract-connect", name), "EPERM", "OK"),
                (("kill", str(victim.pid), "0"), "EPERM", "OK")):
            with self.subTest(args=args):
                self.assertEqual(self.probe_lines("onbase", *args)[0], inside)
                self.assertEqual(self.probe_host(*args).splitlines()[0], outside)
        self.assertEqual(self.probe_lines("onbase", "tiocsti")[0], "EACCES")
        self.assertIsNone(victim.poll())

    def test_base_refresh_rebuilds_the_namespace(self):
        self.assertEqual(self.cat("onbase", "/usr/share/testbase/marker"), ("OK", "one"))
        stamp = self.path("run/cordon/ns/onbase.stamp")
        with open(stamp) as f:
            self.assertIn("root=" + self.path("snap/testbase/x1"), f.read())
        self.install_base(marker="two")
        self.assertEqual(self.cat("onbase", "/usr/share/testbase/marker"), ("OK", "two"))
        with open(stamp) as f:
            self.assertIn("root=" + self.path("snap/testbase/x2"), f.read())
        # and back with a revert of the base
        self.cordon("revert", "testbase")
        self.assertEqual(self.cat("onbase", "/usr/share/testbase/marker"), ("OK", "one"))

    def test_base_refresh_while_a_command_runs(self):
        # a running command keeps its root; the next launch gets the new base
        p = self.spawn_probe("onbase", "sleep", "30")
        wait_until(lambda: self.cat("onbase", "/usr/share/testbase/marker") == ("OK", "one"))
        self.install_base(marker="two")
        self.assertEqual(self.cat("onbase", "/usr/share/testbase/marker"), ("OK", "two"))
        self.assertIsNone(p.poll())

    def test_snapctl_on_a_base(self):
        # cordon's snapctl, shown where a core base's /usr/bin/snapctl
        # leads; the host's /usr is still not there
        snapctl = os.path.join(cordonlib.PREFIX, "bin/snapctl")
        size = os.stat(snapctl).st_size
        st = self.probe_lines("onbase", "stat", "/usr/bin/snapctl")[0]
        self.assertEqual(st.split()[0], "OK")
        self.assertIn(f"size={size}", st)
        p = self.run_app("onbase", "exec", "/usr/bin/snapctl", "is-connected", "nosuchplug",
                         check=False)
        out = p.stdout + p.stderr
        self.assertNotIn("ENOENT", out)
        self.assertNotIn("EACCES", out)
        self.assertIn("nosuchplug", out)

    def test_snap_namespace_root_is_the_base(self):
        self.probe("onbase", "cwd")
        ns = self.path("run/cordon/ns/onbase.mnt")
        p = subprocess.run(["nsenter", f"--mount={ns}", "/usr/bin/busybox", "cat",
                            "/usr/share/testbase/marker"], capture_output=True, text=True)
        self.assertEqual(p.stdout.strip(), "one", p.stderr)
        # its root (cordon's tmpfs) takes no new entry, even from root
        p = subprocess.run(["nsenter", f"--mount={ns}", "/usr/bin/busybox", "mkdir", "/cordon-x"],
                           capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Read-only file system", p.stderr)
        # nothing of the base's tmpfs scratch is left in the host's run dir
        self.assertEqual([n for n in os.listdir(self.path("run/cordon")) if n.startswith("base.")],
                         [])
