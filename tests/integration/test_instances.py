"""Issue 12: parallel instances. Inside the namespace of instance foo_key,
/snap/foo and /var/snap/foo are the instance's own directories (snapd's
"overname" mounts), so $SNAP, $SNAP_DATA and $SNAP_COMMON are what they are
for a snap without a key; the instance's name stays in SNAP_INSTANCE_NAME,
its user data (~/snap/foo_key, as snapd's userEnv), its labels, cgroups and
namespace. Two instances run side by side, each seeing only its own files."""
import os

from cordonlib import CordonTestCase, mntns_id, probe_yaml
from invariants import World, check as invariants_check


class InstancesTest(CordonTestCase):
    def env_of(self, app, **kw):
        lines = self.probe_lines(app, "env", **kw)
        self.assertEqual(lines[0], "OK")
        return dict(l.split("=", 1) for l in lines[1:])

    def install_instance(self, instance, marker):
        """The snap `hello` installed as `instance`, carrying its own
        bin/marker so that each instance's revision can be told apart."""
        d = self.s.make_snap("hello", probe_yaml("hello"), dirname=f"src-{instance}",
                             files={"marker": (marker, 0o644)})
        self.cordon("install", "--dangerous", "--name", instance, self.s.pack(d))

    def test_every_variable_is_snapds(self):
        self.install_instance("hello_foo", "foo")
        home = self.s.home
        env = self.env_of("hello_foo.hello")
        with open(self.path("var/lib/cordon/cookie/snap.hello_foo")) as f:
            cookie = f.read()
        # snap/snapenv/snapenv.go: basicEnv uses SnapName() for SNAP,
        # SNAP_DATA and SNAP_COMMON ("the mount namespace setup is making
        # the environment of each snap instance appear as if it's the only
        # snap"); userEnv uses the instance's directories for the user's
        # ("the user variables always point to the instance-specific
        # directories"), HOME and XDG_RUNTIME_DIR included
        self.assertEqual(env, {
            "CORDON_ROOT": self.s.root,
            "HOME": f"{home}/snap/hello_foo/x1",
            "LANG": "C.UTF-8",
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games",
            "SNAP": self.path("snap/hello/x1"),
            "SNAP_ARCH": "amd64",
            "SNAP_COMMON": self.path("var/snap/hello/common"),
            "SNAP_CONTEXT": cookie,
            "SNAP_COOKIE": cookie,
            "SNAP_DATA": self.path("var/snap/hello/x1"),
            "SNAP_EUID": "0",
            "SNAP_INSTANCE_KEY": "foo",
            "SNAP_INSTANCE_NAME": "hello_foo",
            "SNAP_LIBRARY_PATH": "/var/lib/snapd/lib/gl:/var/lib/snapd/lib/gl32:/var/lib/snapd/void",
            "SNAP_NAME": "hello",
            "SNAP_REAL_HOME": home,
            "SNAP_REVISION": "x1",
            "SNAP_UID": "0",
            "SNAP_USER_COMMON": f"{home}/snap/hello_foo/common",
            "SNAP_USER_DATA": f"{home}/snap/hello_foo/x1",
            "SNAP_VERSION": "1.0",
            "TMPDIR": "/tmp",
            "XDG_RUNTIME_DIR": "/run/user/0/snap.hello_foo",
        })
        # what the variables name is the instance's: its revision, its data
        self.assertEqual(self.probe_lines("hello_foo.hello", "cat",
                                          self.path("snap/hello/x1/marker")), ["OK", "foo"])
        self.assertEqual(self.probe("hello_foo.hello", "create",
                                    self.path("var/snap/hello/common/f")), "OK")
        self.assertTrue(os.path.exists(self.path("var/snap/hello_foo/common/f")))
        self.assertEqual(self.probe("hello_foo.hello", "create",
                                    self.path("var/snap/hello/x1/f")), "OK")
        self.assertTrue(os.path.exists(self.path("var/snap/hello_foo/x1/f")))
        # the host is untouched: no mount of it at /snap/hello, which is an
        # empty mount point there, gone with the last instance
        self.assertEqual(os.listdir(self.path("snap/hello")), [])
        self.cordon("remove", "hello_foo")
        self.assertFalse(os.path.exists(self.path("snap/hello")))
        self.assertFalse(os.path.exists(self.path("var/snap/hello")))

    def test_two_instances_side_by_side(self):
        self.install_instance("hello", "plain")
        self.install_instance("hello_a", "a")
        self.install_instance("hello_b", "b")
        # each sees its own revision at /snap/hello/x1 ...
        for inst, marker in (("hello", "plain"), ("hello_a", "a"), ("hello_b", "b")):
            self.assertEqual(self.probe_lines(f"{inst}.hello", "cat",
                                              self.path("snap/hello/x1/marker")),
                             ["OK", marker])
        # ... and its own data at /var/snap/hello/x1
        self.assertEqual(self.probe("hello_a.hello", "create",
                                    self.path("var/snap/hello/x1/a-was-here")), "OK")
        self.assertEqual(self.probe("hello_b.hello", "create",
                                    self.path("var/snap/hello/x1/b-was-here")), "OK")
        self.assertEqual(sorted(os.listdir(self.path("var/snap/hello_a/x1"))), ["a-was-here"])
        self.assertEqual(sorted(os.listdir(self.path("var/snap/hello_b/x1"))), ["b-was-here"])
        self.assertEqual(os.listdir(self.path("var/snap/hello/x1")), [])
        self.assertEqual(self.probe("hello_b.hello", "read",
                                    self.path("var/snap/hello/x1/a-was-here")), "ENOENT")
        self.assertEqual(self.probe("hello.hello", "read",
                                    self.path("var/snap/hello/x1/a-was-here")), "ENOENT")
        # the other instance's directories by their real names: not granted
        # (Landlock), though they exist (the control reads them)
        other_data = self.path("var/snap/hello_a/x1/a-was-here")
        other_snap = self.path("snap/hello_a/x1/marker")
        self.assertEqual(self.probe_host("read", other_data), "OK")
        self.assertEqual(self.probe_host("read", other_snap), "OK")
        self.assertEqual(self.probe("hello_b.hello", "read", other_data), "EACCES")
        self.assertEqual(self.probe("hello_b.hello", "read", other_snap), "EACCES")
        self.assertEqual(self.probe("hello_b.hello", "create",
                                    self.path("var/snap/hello_a/x1/b")), "EACCES")
        self.assertEqual(self.probe("hello.hello", "read", other_data), "EACCES")
        # its own by its real name: the remapped place is the one granted
        self.assertEqual(self.probe("hello_b.hello", "read",
                                    self.path("var/snap/hello_b/x1/b-was-here")), "EACCES")
        # the root's invariants hold, each instance's launches included
        w = World(self.s.root, lambda *a, user=None, check=False: self.s.cordon(
            *a, user=user, check=check), self.s.cgroup_parent)
        self.assertEqual(invariants_check(w), [])
        # separate namespaces, labels and cgroups, at the same time
        ns = {mntns_id(self.path(f"run/cordon/ns/{i}.mnt")) for i in ("hello", "hello_a", "hello_b")}
        self.assertEqual(len(ns), 3)
        a = self.spawn_probe("hello_a.hello", "sleep", "30")
        b = self.spawn_probe("hello_b.hello", "sleep", "30")
        cg_a = self.probe_lines("hello_a.hello", "cgroup")
        cg_b = self.probe_lines("hello_b.hello", "cgroup")
        self.assertTrue(any("/snap.hello_a.hello" in l for l in cg_a), cg_a)
        self.assertFalse(any("snap.hello_b." in l for l in cg_a), cg_a)
        self.assertTrue(any("/snap.hello_b.hello" in l for l in cg_b), cg_b)
        self.assertIsNone(a.poll())
        self.assertIsNone(b.poll())
        # removing the plain snap leaves the instances' mount point (its
        # removal would take the mount away in their namespaces)
        for p in (a, b):
            p.kill()
            p.wait()
        self.cordon("remove", "hello")
        self.assertEqual(os.listdir(self.path("snap/hello")), [])
        self.assertEqual(self.probe_lines("hello_a.hello", "cat",
                                          self.path("snap/hello/x1/marker")), ["OK", "a"])
        self.cordon("remove", "hello_a")
        self.assertEqual(self.probe_lines("hello_b.hello", "cat",
                                          self.path("snap/hello/x1/marker")), ["OK", "b"])
        self.cordon("remove", "hello_b")
        self.assertFalse(os.path.exists(self.path("snap/hello")))

    def test_refresh_of_an_instance(self):
        self.install_instance("hello_a", "a1")
        self.assertEqual(self.probe("hello_a.hello", "create",
                                    self.path("var/snap/hello/x1/kept")), "OK")
        self.install_instance("hello_a", "a2")
        env = self.env_of("hello_a.hello")
        self.assertEqual(env["SNAP"], self.path("snap/hello/x2"))
        self.assertEqual(self.probe_lines("hello_a.hello", "cat",
                                          self.path("snap/hello/x2/marker")), ["OK", "a2"])
        # SNAP_DATA carried over into the instance's new revision
        self.assertEqual(self.probe("hello_a.hello", "read",
                                    self.path("var/snap/hello/x2/kept")), "OK")

    def test_content_between_instances(self):
        """Content with instances on both sides: the consumer instance finds
        the content at its plug's target as it names it ($SNAP_DATA/target,
        remapped), and the provider instance's files are what it gets, read
        only, by the provider's real directory (a consumer's namespace does
        not remap the provider)."""
        from test_connections import CONS, PROV
        for inst, text in (("prov", "plain"), ("prov_p", "instance")):
            d = self.s.make_snap("prov", PROV, dirname=f"src-{inst}",
                                 files={"shared/f.txt": (text + "\n", 0o644)})
            self.cordon("install", "--dangerous", "--name", inst, self.s.pack(d))
        d = self.s.make_snap("cons", CONS)
        self.cordon("install", "--dangerous", "--name", "cons_k", self.s.pack(d))
        self.cordon("connect", "cons_k:data", "prov_p:data")
        target = self.path("var/snap/cons/x1/target")
        self.assertEqual(self.probe_lines("cons_k.cons", "cat", f"{target}/f.txt"),
                         ["OK", "instance"])
        self.assertEqual(self.probe("cons_k.cons", "create", f"{target}/new"), "EROFS")
        # on the host, the instance's own directory holds the mount point,
        # and /var/snap/cons is only the empty point of the remapping
        self.assertTrue(os.path.isdir(self.path("var/snap/cons_k/x1/target")))
        self.assertEqual(os.listdir(self.path("var/snap/cons")), [])
        # the other provider's files are not granted by that connection
        other = self.path("snap/prov/x1/shared/f.txt")
        self.assertEqual(self.probe_host("read", other), "OK")
        self.assertEqual(self.probe("cons_k.cons", "read", other), "EACCES")
        # reconnected to the plain provider: its content, at the same place
        self.cordon("disconnect", "cons_k:data")
        self.cordon("connect", "cons_k:data", "prov:data")
        self.assertEqual(self.probe_lines("cons_k.cons", "cat", f"{target}/f.txt"),
                         ["OK", "plain"])
