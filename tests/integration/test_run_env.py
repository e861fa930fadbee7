"""Issue 3, step 1 of the runner: the environment of a confined command, its
user data directories, its working directory, and the command chain."""
import os
import shutil
import stat
import subprocess
import tempfile

from cordonlib import CordonTestCase, probe_binary, probe_yaml

SNAP_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games"


class EnvironmentTest(CordonTestCase):
    def env_of(self, app, **kw):
        lines = self.probe_lines(app, "env", **kw)
        self.assertEqual(lines[0], "OK")
        return dict(l.split("=", 1) for l in lines[1:])

    def test_exact_environment(self):
        self.install("hello", probe_yaml("hello"))
        home = self.s.home
        env = self.env_of("hello")
        with open(self.path("var/lib/cordon/cookie/snap.hello")) as f:
            cookie = f.read()
        # CORDON_ROOT moves /snap and /var/snap (not /run/user: never moved)
        self.assertEqual(env, {
            # the root prefix root chose, passed on for snapctl (never set
            # for other callers, nor in production)
            "CORDON_ROOT": self.s.root,
            "HOME": f"{home}/snap/hello/x1",
            "LANG": "C.UTF-8",  # passed through from the caller
            "PATH": SNAP_PATH,
            "SNAP": self.path("snap/hello/x1"),
            "SNAP_ARCH": "amd64",
            "SNAP_COMMON": self.path("var/snap/hello/common"),
            "SNAP_CONTEXT": cookie,
            "SNAP_COOKIE": cookie,
            "SNAP_DATA": self.path("var/snap/hello/x1"),
            "SNAP_EUID": "0",
            "SNAP_INSTANCE_KEY": "",
            "SNAP_INSTANCE_NAME": "hello",
            "SNAP_LIBRARY_PATH": "/var/lib/snapd/lib/gl:/var/lib/snapd/lib/gl32:/var/lib/snapd/void",
            "SNAP_NAME": "hello",
            "SNAP_REAL_HOME": home,
            "SNAP_REVISION": "x1",
            "SNAP_UID": "0",
            "SNAP_USER_COMMON": f"{home}/snap/hello/common",
            "SNAP_USER_DATA": f"{home}/snap/hello/x1",
            "SNAP_VERSION": "1.0",
            "TMPDIR": "/tmp",
            "XDG_RUNTIME_DIR": "/run/user/0/snap.hello",
        })
        # control: the caller's environment is not what the command sees
        self.assertNotEqual(self.probe_host("env", "HOME"), env["HOME"])

    def test_refresh_changes_revision_variables(self):
        d = self.install("hello", probe_yaml("hello"), packed=False)
        self.cordon("install", "--dangerous", d)
        env = self.env_of("hello")
        self.assertEqual(env["SNAP_REVISION"], "x2")
        self.assertEqual(env["SNAP"], self.path("snap/hello/x2"))
        self.assertEqual(env["SNAP_DATA"], self.path("var/snap/hello/x2"))
        self.assertEqual(env["SNAP_USER_DATA"], f"{self.s.home}/snap/hello/x2")
        self.assertEqual(env["HOME"], env["SNAP_USER_DATA"])
        self.assertEqual(os.readlink(f"{self.s.home}/snap/hello/current"), "x2")

    def test_instance_key(self):
        self.install("hello", probe_yaml("hello"), "--name", "hello_foo")
        env = self.env_of("hello_foo.hello")
        self.assertEqual(env["SNAP_NAME"], "hello")
        self.assertEqual(env["SNAP_INSTANCE_NAME"], "hello_foo")
        self.assertEqual(env["SNAP_INSTANCE_KEY"], "foo")
        # snapd's remapping: the instance's own revision at /snap/hello
        # (test_instances.py), its user data under its instance name
        self.assertEqual(env["SNAP"], self.path("snap/hello/x1"))
        self.assertEqual(env["SNAP_USER_DATA"], f"{self.s.home}/snap/hello_foo/x1")
        self.assertEqual(env["XDG_RUNTIME_DIR"], "/run/user/0/snap.hello_foo")
        # `cordon run hello_foo`: the app named like the snap
        self.assertEqual(self.probe("hello_foo", "env", "SNAP_INSTANCE_KEY"), "OK foo")

    def test_snap_yaml_environment_expanded_in_order(self):
        yaml = probe_yaml("hello", extra="""
            environment:
              EARLY: "[$LATER]"
              TOP: top
              BOTH: top-value
              REF: "${SNAP}/lib:$TOP"
              LATER: later
            """)
        yaml = yaml.replace("    command: bin/probe\n", """    command: bin/probe
    environment:
      BOTH: "app-$BOTH"
      MIXED: "${TOP}x$TOP-${UNSET}$UNSET."
      HOMEVAR: $HOME/sub
      PATH: $SNAP/bin:$PATH
""")
        self.install("hello", yaml)
        env = self.env_of("hello")
        snap = self.path("snap/hello/x1")
        self.assertEqual(env["EARLY"], "[]")  # LATER was not set yet
        self.assertEqual(env["TOP"], "top")
        self.assertEqual(env["LATER"], "later")
        self.assertEqual(env["REF"], f"{snap}/lib:top")
        self.assertEqual(env["BOTH"], "app-top-value")  # the app's map comes second
        self.assertEqual(env["MIXED"], "topxtop-.")
        self.assertEqual(env["HOMEVAR"], f"{self.s.home}/snap/hello/x1/sub")
        self.assertEqual(env["PATH"], f"{snap}/bin:{SNAP_PATH}")

    def test_caller_environment_filtered(self):
        self.install("hello", probe_yaml("hello"))
        caller = {
            "LD_PRELOAD": "", "LD_LIBRARY_PATH": "/nonexistent", "LD_AUDIT": "",
            "GCONV_PATH": "/nonexistent", "LOCPATH": "/nonexistent", "MALLOC_CHECK_": "0",
            "MALLOC_ARENA_MAX": "2", "PYTHONPATH": "/nonexistent", "IFS": "x",
            "SNAP": "/fake", "SNAP_DATA": "/fake", "TMPDIR": "/var/tmp",
            "XDG_RUNTIME_DIR": "/fake",
            "TERM": "xterm-test", "LC_ALL": "C", "LANGUAGE": "en", "TZ": "UTC",
        }
        env = self.env_of("hello", env=caller)
        for name in ("LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "LOCPATH",
                     "MALLOC_CHECK_", "MALLOC_ARENA_MAX", "PYTHONPATH", "IFS"):
            self.assertNotIn(name, env)
        self.assertEqual(env["SNAP"], self.path("snap/hello/x1"))
        self.assertEqual(env["SNAP_DATA"], self.path("var/snap/hello/x1"))
        self.assertEqual(env["TMPDIR"], "/tmp")
        self.assertEqual(env["XDG_RUNTIME_DIR"], "/run/user/0/snap.hello")
        for name in ("TERM", "LC_ALL", "LANGUAGE", "TZ", "LANG"):
            self.assertEqual(env[name], (caller | {"LANG": "C.UTF-8"})[name])
        # control: the probe does see such variables when they are passed on
        self.assertEqual(self.probe_host("env", "LD_LIBRARY_PATH",
                                         env={"LD_LIBRARY_PATH": "/nonexistent"}),
                         "OK /nonexistent")

    def test_user_directories_created_on_first_run(self):
        self.install("hello", probe_yaml("hello"))
        home = self.s.home
        self.assertFalse(os.path.exists(os.path.join(home, "snap")))
        self.assertEqual(self.probe("hello", "cwd").split()[0], "OK")
        st = os.lstat(os.path.join(home, "snap"))
        self.assertTrue(stat.S_ISDIR(st.st_mode))
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid), (0o700, 0, 0))
        for sub in ("hello", "hello/x1", "hello/common"):
            st = os.lstat(os.path.join(home, "snap", sub))
            self.assertTrue(stat.S_ISDIR(st.st_mode), sub)
            self.assertEqual((st.st_uid, st.st_gid), (0, 0), sub)
        self.assertEqual(os.readlink(os.path.join(home, "snap/hello/current")), "x1")
        # both writable from inside
        self.assertEqual(self.probe("hello", "create", f"{home}/snap/hello/x1/f"), "OK")
        self.assertEqual(self.probe("hello", "create", f"{home}/snap/hello/common/f"), "OK")
        # a second run keeps them (and what is in them)
        self.assertEqual(self.probe("hello", "read", f"{home}/snap/hello/x1/f"), "OK")
        self.assertEqual(os.readlink(os.path.join(home, "snap/hello/current")), "x1")

    def test_user_directories_symlink_refused(self):
        # ~/snap/<instance> planted as a symlink: the launcher (acting on the
        # user's behalf) never follows it
        self.install("hello", probe_yaml("hello"))
        elsewhere = os.path.join(self.s.root, "elsewhere")
        os.makedirs(elsewhere)
        os.makedirs(os.path.join(self.s.home, "snap"), mode=0o700)
        os.symlink(elsewhere, os.path.join(self.s.home, "snap/hello"))
        p = self.run_app("hello", "cwd", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(p.stderr.startswith("error: "), p.stderr)
        self.assertIn("snap/hello", p.stderr)
        self.assertEqual(os.listdir(elsewhere), [])

    def test_working_directory(self):
        self.install("hello", probe_yaml("hello"))
        # reachable in the snap's mount namespace: kept
        self.assertEqual(self.probe("hello", "cwd"), f"OK {self.s.work}")
        sub = os.path.join(self.s.work, "sub dir")
        os.makedirs(sub)
        self.assertEqual(self.run_app("hello", "cwd", cwd=sub).stdout.strip(), f"OK {sub}")
        # a directory in the host's /tmp does not exist behind the private
        # /tmp: the command starts in its HOME instead
        hosttmp = tempfile.mkdtemp(prefix="cordon-test-cwd-", dir="/tmp")
        self.addCleanup(shutil.rmtree, hosttmp)
        self.assertEqual(self.run_app("hello", "cwd", cwd=hosttmp).stdout.strip(),
                         f"OK {self.s.home}/snap/hello/x1")
        # control: outside, that directory is a fine working directory
        p = subprocess.run([probe_binary(), "cwd"], cwd=hosttmp, capture_output=True, text=True)
        self.assertEqual(p.stdout.strip(), f"OK {hosttmp}")

    def test_command_chain_and_arguments(self):
        yaml = probe_yaml("hello").replace("    command: bin/probe\n", """    command: bin/probe env
    command-chain: [bin/chain1, bin/chain2]
""")
        files = {
            "bin/chain1": '#!/bin/sh\nexport CHAIN="${CHAIN}1"\nexec "$@"\n',
            "bin/chain2": '#!/bin/sh\nexport CHAIN="${CHAIN}2:$1"\nexec "$@"\n',
        }
        self.install("hello", yaml, files=files)
        # chain1 runs chain2 runs the command, with the user's arguments last
        self.assertEqual(self.probe("hello", "CHAIN"),
                         f"OK 12:{self.path('snap/hello/x1/bin/probe')}")
        self.assertEqual(self.probe("hello", "SNAP_NAME"), "OK hello")
