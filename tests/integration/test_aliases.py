"""Issue 13, aliases: `cordon alias SNAP.APP ALIAS`, `cordon unalias
ALIAS|SNAP` and `cordon aliases [SNAP]` as snap's (messages, table, errors);
an alias is /snap/bin/ALIAS -> SNAP.APP, which the launcher follows once to
run that app in its own sandbox; aliases follow install, refresh, revert and
remove exactly, and a change killed before its commit leaves none of it."""
import os
import subprocess

from cordonlib import CordonTestCase, SystemScratch, probe_yaml
from test_snap_bin import TWO_APPS, U1, SnapBinMixin, bad_name, launcher, unknown


def table(*rows):
    """snap's tabwriter: columns two apart, the last unpadded."""
    rows = [("Command", "Alias", "Notes")] + list(rows)
    w = [max(len(r[i]) for r in rows) for i in range(2)]
    return "".join(f"{r[0]:<{w[0] + 2}}{r[1]:<{w[1] + 2}}{r[2]}\n" for r in rows)


class AliasesTest(SnapBinMixin, CordonTestCase):
    """As root, in a scratch root."""

    def alias(self, target, name):
        return self.cordon("alias", target, name).stdout

    def link(self, name):
        return os.readlink(os.path.join(self.bin_dir(), name))

    def aliases(self, *snap):
        p = self.cordon("aliases", *snap)
        return p.stdout or p.stderr

    def test_follow_install_refresh_revert_remove(self):
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))
        self.assertEqual(self.alias("hello.old", "ho"), "Added:\n  - hello.old as ho\n")
        self.assertEqual(self.alias("hello", "hh"), "Added:\n  - hello as hh\n")
        self.assertEqual(self.entries(), ["hello", "hello.old", "hh", "ho"])
        # relative, to the app's own entry, as snapd's
        self.assertEqual((self.link("ho"), self.link("hh")), ("hello.old", "hello"))
        self.assertEqual(self.aliases(), table(("hello", "hh", "manual"),
                                               ("hello.old", "ho", "manual")))
        self.assertEqual(self.aliases("hello"), self.aliases())
        self.assertEqual(self.entry_ok("ho", "env", "SNAP_VERSION"), "OK 1.0")
        self.assertIn("/snap.hello.old", self.entry_ok("ho", "cgroup"))
        self.assertIn("/snap.hello.hello", self.entry_ok("hh", "cgroup"))
        # the same alias again: nothing to do, nothing said
        self.assertEqual(self.alias("hello.old", "ho"), "")
        # refresh: the app "old" is gone, so is its alias
        self.install("hello", TWO_APPS.format(version="2.0", app="new"))
        self.assertEqual(self.entries(), ["hello", "hello.new", "hh"])
        self.assertEqual(self.aliases(), table(("hello", "hh", "manual")))
        self.assertEqual(self.entry_ok("hh", "env", "SNAP_VERSION"), "OK 2.0")
        # revert: "old" is back, its alias stays removed (snapd's)
        self.alias("hello.new", "hn")
        self.cordon("revert", "hello")
        self.assertEqual(self.entries(), ["hello", "hello.old", "hh"])
        self.assertEqual(self.aliases(), table(("hello", "hh", "manual")))
        self.assertEqual(self.entry_ok("hh", "env", "SNAP_VERSION"), "OK 1.0")
        # the name of an alias removed with its app runs nothing
        self.refused(os.path.join(self.bin_dir(), "hello"), unknown("snap.hn.hn"),
                     argv0="hn")
        self.cordon("remove", "hello")
        self.assertEqual(self.entries(), [])
        self.assertEqual(self.aliases(), "No aliases are currently defined.\n\n"
                         "Use 'cordon help alias' to learn how to create aliases manually.\n")
        self.assertEqual(self.cordon("aliases", "hello").stderr,
                         "No aliases are currently defined for snap \"hello\".\n\n"
                         "Use 'cordon help alias' to learn how to create aliases manually.\n")

    def test_conflicts_and_errors(self):
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))
        self.install("other", probe_yaml("other", app="tool"))
        self.alias("hello.old", "x")

        def fails(want, *args):
            self.assertEqual(self.cordon_fails(*args), "error: " + want)

        fails('cannot enable alias "x" for "other", already enabled for "hello"',
              "alias", "other.tool", "x")
        for a, ns in (("other", "other"), ("other.tool", "other"), ("hello.y", "hello"),
                      ("hello", "hello")):
            fails(f'cannot enable alias "{a}" for "hello", it conflicts with the command '
                  f'namespace of installed snap "{ns}"', "alias", "hello.old", a)
        fails('cannot enable alias "y" for "hello", target application "nope" does not exist',
              "alias", "hello.nope", "y")
        for bad in ("a/b", ".x", "_x", "x y", "../x", ""):
            fails(f'invalid alias name: "{bad}"', "alias", "hello.old", bad)
        fails('snap "nosnap" is not installed', "alias", "nosnap.app", "z")
        fails('cannot find manual alias "nope" in any snap', "unalias", "nope")
        # nothing of the refused ones was made
        self.assertEqual(self.entries(), ["hello", "hello.old", "other.tool", "x"])
        # an install whose command namespace is another snap's alias
        self.alias("hello.old", "newsnap.run")
        p = self.cordon("install", "--dangerous",
                        self.s.make_snap("newsnap", probe_yaml("newsnap", app="run")),
                        check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn('snap "newsnap" command namespace conflicts with alias "newsnap.run" '
                      'for "hello" snap', p.stderr)
        self.assertNotIn("newsnap", self.s.installed())
        # retargeted within the snap: one added, one removed
        self.assertEqual(self.alias("hello", "x"),
                         "Added:\n  - hello as x\nRemoved:\n  - hello.old as x\n")
        self.assertEqual(self.link("x"), "hello")
        # unalias ALIAS, then SNAP (all of its aliases)
        self.alias("other.tool", "t")
        self.assertEqual(self.cordon("unalias", "t").stdout, "Removed:\n  - other.tool as t\n")
        self.assertEqual(self.cordon("unalias", "hello").stdout,
                         "Removed:\n  - hello as x\n  - hello.old as newsnap.run\n")
        self.assertEqual(self.entries(), ["hello", "hello.old", "other.tool"])
        # the namespace is free again
        self.cordon("install", "--dangerous", os.path.join(self.s.work, "newsnap"))

    def test_parallel_instance(self):
        d = self.s.make_snap("hello", TWO_APPS.format(version="1.0", app="old"))
        self.cordon("install", "--dangerous", d)
        self.cordon("install", "--dangerous", "--name", "hello_k", d)
        self.assertEqual(self.alias("hello_k", "hk"), "Added:\n  - hello_k.hello as hk\n")
        self.assertEqual(self.link("hk"), "hello_k")
        self.assertEqual(self.entry_ok("hk", "env", "SNAP_INSTANCE_NAME"), "OK hello_k")
        # hello's remove leaves hello_k's alias
        self.alias("hello.old", "h")
        self.cordon("remove", "hello")
        self.assertEqual(self.entries(), ["hello_k", "hello_k.old", "hk"])

    def test_killed_alias_leaves_nothing(self):
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))
        p = self.cordon("alias", "hello.old", "ho", check=False,
                        env={"CORDON_FAULT": "alias-compile"})
        self.assertEqual(p.returncode, -9, p.stderr)
        # the next command (a read-only one, as root) finishes the undo
        self.assertEqual(self.aliases(), "No aliases are currently defined.\n\n"
                         "Use 'cordon help alias' to learn how to create aliases manually.\n")
        self.assertEqual(self.entries(), ["hello", "hello.old"])
        self.alias("hello.old", "ho")
        p = self.cordon("unalias", "ho", check=False, env={"CORDON_FAULT": "unalias-compile"})
        self.assertEqual(p.returncode, -9, p.stderr)
        self.assertEqual(self.aliases(), table(("hello.old", "ho", "manual")))
        self.assertEqual(self.entries(), ["hello", "hello.old", "ho"])
        self.assertEqual(self.entry_ok("ho", "env", "SNAP_NAME"), "OK hello")

    def test_planted_links_are_no_alias(self):
        """What the launcher reads is one root-owned link: a target that is
        no entry's name is refused as argv[0] would be, and a link of one's
        own elsewhere named as an alias is no alias."""
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))
        self.alias("hello.old", "ho")
        for name, target in (("p1", "snap.hello.old"), ("p2", "hello.old/../x"),
                             ("p3", "../bin/hello.old")):
            os.symlink(target, os.path.join(self.bin_dir(), name))
        self.refused(launcher(), bad_name("snap.hello.old"), argv0="p1")
        # a target with a '/' is no alias: the name itself is looked up
        self.refused(launcher(), unknown("snap.p2.p2"), argv0="p2")
        self.refused(launcher(), unknown("snap.p3.p3"), argv0="p3")
        for n in ("p1", "p2", "p3"):
            os.unlink(os.path.join(self.bin_dir(), n))
        # an alias's name given to the launcher anywhere is the alias
        # (argv[0] is the caller's: no more than `cordon run hello.old`)
        self.assertEqual(self.entry_ok(launcher(), "env", "SNAP_NAME", argv0="/x/ho"),
                         "OK hello")
        self.cordon("unalias", "ho")
        self.refused(launcher(), unknown("snap.ho.ho"), argv0="ho")


class AliasesUsersTest(SnapBinMixin, CordonTestCase):
    """A non-root user runs an alias through the installed setuid launcher:
    the app's sandbox, and the caller's identity."""

    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        self.u1 = self.s.add_user(U1)
        self.addCleanup(subprocess.run, ["userdel", U1], capture_output=True)
        self.install("hello", TWO_APPS.format(version="1.0", app="old"))

    def test_alias_runs_the_app_sandboxed(self):
        self.cordon("alias", "hello.old", "ho")
        home = self.u1.pw_dir
        secret = os.path.join(home, "secret")
        with open(secret, "w") as f:
            f.write("s")
        os.chown(secret, self.u1.pw_uid, self.u1.pw_gid)

        def run(*a):
            p = self.s.cordon("run", "hello.old", *a, user=U1, check=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stdout.strip()

        def alias(*a):
            return self.entry_ok("ho", *a, user=U1)

        st = ["status", "Seccomp", "NoNewPrivs", "CapEff"]
        self.assertEqual(alias(*st).splitlines()[1:],
                         ["Seccomp: 2", "NoNewPrivs: 1", "CapEff: 0000000000000000"])
        self.assertEqual(alias("cgroup"), run("cgroup"))
        self.assertIn("/snap.hello.old", alias("cgroup"))
        self.assertEqual(alias("read", secret), "EACCES")
        self.assertEqual(run("read", secret), "EACCES")
        self.assertEqual(alias("id"), run("id"))
        u = self.u1
        self.assertTrue(alias("id").startswith(f"OK ruid={u.pw_uid} euid={u.pw_uid} "),
                        alias("id"))
        # the user cannot make one: the CLI wants root
        p = self.s.cordon("alias", "hello.old", "mine", user=U1, check=False)
        self.assertEqual((p.returncode, p.stderr.strip()),
                         (1, "error: cordon alias requires root (try with sudo)"))
