"""snapctl get/set/unset (issue 11): a snap's apps read and change their own
snap's configuration through the broker; its hooks through their own channel
(fd 3, CORDON_SNAPCTL_FD), served by the change that runs them, so that they
see the change's staged configuration (the configure hook what `cordon set`
is about to commit, and with --previous what was there before) and what they
set is committed only if they and their change succeed. Interface hooks read
the connection's attributes (`get :PORT`, the peer's with --slot/--plug) and
prepare hooks add dynamic ones (`set :PORT`).

Each refusal has its control: the same command where it is allowed."""
import os
import shutil

from cordonlib import CordonTestCase, build_path

APP = """
name: {name}
version: '{version}'
summary: snapctl configuration
apps:
  ctl:
    command: bin/snapctl
"""

# the configure hook: records what it sees, refuses x=bad, derives `seen`
CONFIGURE = """#!/bin/sh
set -e
prev=$("$SNAP/bin/snapctl" get --previous x)
now=$("$SNAP/bin/snapctl" get x)
echo "configure prev=[$prev] now=[$now] installed=[$("$SNAP/bin/snapctl" get installed)]" \
    >> "$SNAP_COMMON/hooks.log"
if [ "$now" = bad ]; then echo "x may not be bad" >&2; exit 1; fi
"$SNAP/bin/snapctl" set seen="$now"
"""

INSTALL = """#!/bin/sh
set -e
"$SNAP/bin/snapctl" set installed=yes nested.a=1
echo "install" >> "$SNAP_COMMON/hooks.log"
"""

PLUG_SNAP = """
name: pl
version: '1.0'
summary: plug side
apps:
  ctl:
    command: bin/snapctl
plugs:
  p:
    interface: content
    content: stuff
    target: $SNAP_DATA/stuff
    extra:
      depth: 2
"""

SLOT_SNAP = """
name: sl
version: '1.0'
summary: slot side
apps:
  ctl:
    command: bin/snapctl
slots:
  s:
    interface: content
    content: stuff
    read: [$SNAP/share]
"""

# each interface hook writes what snapctl answered (and its status), on one
# line (newlines as |, tabs as >)
PORT_HOOK = """#!/bin/sh
ask() {{
    out=$("$SNAP/bin/snapctl" "$@" 2>&1); rc=$?
    out=$(printf %s "$out" | tr '\\n\\t' '|>')
    echo "{name}: $* -> $rc $out" >> "$SNAP_COMMON/hooks.log"
}}
{body}
"""

PLUG_HOOKS = {
    "prepare-plug-p": ["get :p content", "get :p extra.depth", "set :p dyn=42",
                       "set :p content=other", "get :other content", "get :p nope"],
    "connect-plug-p": ["get :p dyn", "get :p --slot read", "get -d :p content dyn",
                       "set :p late=1"],
}
SLOT_HOOKS = {
    "prepare-slot-s": ["get :s read", "get :s --plug dyn", "set :s sdyn=yes"],
    "connect-slot-s": ["get :s sdyn", "get :s --plug target"],
}


def with_snapctl(d):
    os.makedirs(os.path.join(d, "bin"), exist_ok=True)
    shutil.copy(build_path("snapctl"), os.path.join(d, "bin", "snapctl"))
    os.chmod(os.path.join(d, "bin", "snapctl"), 0o755)
    return d


class ConfigFromAppsTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        for name in ("snapa", "snapb"):
            d = self.s.make_snap(name, APP.format(name=name, version="1.0"), probe=False)
            self.cordon("install", "--dangerous", with_snapctl(d))

    def ctl(self, snap, *args):
        p = self.cordon("run", f"{snap}.ctl", *args, check=False)
        return p.returncode, p.stdout, p.stderr

    def test_get_prints_as_snapctl(self):
        self.cordon("set", "snapa", "a=1", "b.c=x", 's="two words"', "n=1.50", "h=<&>")
        self.assertEqual(self.ctl("snapa", "get", "a"), (0, "1\n", ""))
        self.assertEqual(self.ctl("snapa", "get", "b.c"), (0, "x\n", ""))
        self.assertEqual(self.ctl("snapa", "get", "-t", "b.c"), (0, '"x"\n', ""))
        self.assertEqual(self.ctl("snapa", "get", "s"), (0, "two words\n", ""))
        self.assertEqual(self.ctl("snapa", "get", "n"), (0, "1.50\n", ""))
        self.assertEqual(self.ctl("snapa", "get", "b"), (0, '{\n\t"c": "x"\n}\n', ""))
        self.assertEqual(self.ctl("snapa", "get", "-d", "a"), (0, '{\n\t"a": 1\n}\n', ""))
        self.assertEqual(self.ctl("snapa", "get", "a", "h", "missing"),
                         (0, '{\n\t"a": 1,\n\t"h": "\\u003c\\u0026\\u003e"\n}\n', ""))
        # none: an empty line, or null when typed (snapd's printPatch)
        self.assertEqual(self.ctl("snapa", "get", "missing"), (0, "\n", ""))
        self.assertEqual(self.ctl("snapa", "get", "-t", "missing"), (0, "null\n", ""))
        self.assertEqual(self.ctl("snapa", "get"), (1, "", "error: snapctl: get which option?\n"))
        self.assertEqual(self.ctl("snapa", "get", "-d", "-t", "a"),
                         (1, "", "error: snapctl: cannot use -d and -t together\n"))
        # --previous is the configure hook's; :PORT an interface hook's
        self.assertEqual(self.ctl("snapa", "get", "--previous", "a"),
                         (1, "", "error: snapctl: cannot use --previous outside of the "
                                 "configure hook\n"))
        self.assertEqual(self.ctl("snapa", "get", ":p", "a"),
                         (1, "", "error: snapctl: interface attributes can only be read "
                                 "during the execution of interface hooks\n"))

    def test_set_and_unset_commit_at_once(self):
        self.assertEqual(self.ctl("snapa", "set", "k=v", "o.p=[1,2]", "t=true"), (0, "", ""))
        self.assertEqual(self.cordon("get", "-d", "snapa").stdout,
                         '{\n\t"k": "v",\n\t"o": {\n\t\t"p": [\n\t\t\t1,\n\t\t\t2\n\t\t]\n'
                         '\t},\n\t"t": true\n}\n')
        self.assertEqual(self.ctl("snapa", "unset", "o.p"), (0, "", ""))
        self.assertEqual(self.ctl("snapa", "set", "t!"), (0, "", ""))
        self.assertEqual(self.cordon("get", "-d", "snapa").stdout,
                         '{\n\t"k": "v",\n\t"o": {}\n}\n')
        self.assertEqual(self.ctl("snapa", "set", "-s", "j=[1]"), (0, "", ""))
        self.assertEqual(self.ctl("snapa", "get", "-t", "j"), (0, '"[1]"\n', ""))

    def test_each_snap_its_own(self):
        """Whatever B sends names no other snap: its get and set are of its
        own document (the control: A's own get and set)."""
        self.cordon("set", "snapa", "secret=a-only")
        self.assertEqual(self.ctl("snapa", "get", "secret"), (0, "a-only\n", ""))
        self.assertEqual(self.ctl("snapb", "get", "secret"), (0, "\n", ""))
        for args in (["set", "secret=evil"], ["set", "snapa.secret=evil"],
                     ["unset", "secret"]):
            with self.subTest(args=args):
                self.ctl("snapb", *args)
                self.assertEqual(self.cordon("get", "snapa", "secret").stdout, "a-only\n")
        # a key cannot name a snap: `snapa:secret` is no key
        self.assertEqual(self.ctl("snapb", "get", "snapa:secret"),
                         (1, "", 'error: snapctl: "snapctl get snapa:secret" not supported, '
                                 'use "snapctl get :secret" instead\n'))

    def test_bad_input_changes_nothing(self):
        self.cordon("set", "snapa", "keep=1")
        before = self.cordon("get", "-d", "snapa").stdout
        big = "v" * (100 << 10)  # 100 KiB each (one argument is at most 128 KiB)
        cases = {
            ("set", "Bad=1"): 'error: snapctl: invalid option name: "Bad"\n',
            ("set", "a..b=1"): 'error: snapctl: invalid option name: ""\n',
            ("set", "-t", "k={"): "error: snapctl: failed to parse JSON: unexpected EOF\n",
            ("set", "novalue"): 'error: snapctl: invalid configuration: "novalue" (want '
                                'key=value)\n',
            ("set", "-t", "-s", "k=1"): "error: snapctl: cannot use -t and -s together\n",
            ("set",): "error: snapctl: set which option?\n",
            ("unset",): "error: snapctl: unset which option?\n",
            ("set", "keep=2", "Bad=3"): 'error: snapctl: invalid option name: "Bad"\n',
        }
        for args, err in cases.items():
            with self.subTest(args=args):
                self.assertEqual(self.ctl("snapa", *args), (1, "", err))
        # past the limits: a document over 512 KiB, 10,000 keys
        p = self.ctl("snapa", "set", *[f"k{i}={big}" for i in range(6)])
        self.assertEqual(p[0], 1, p)
        self.assertRegex(p[2], r"^error: snapctl: .*(too large|limit)")
        p = self.ctl("snapa", "set", *[f"k{i}=1" for i in range(10000)])
        self.assertEqual(p[0], 1, p)
        self.assertRegex(p[2], r"^error: snapctl: .*(too many|limit)")
        self.assertEqual(self.cordon("get", "-d", "snapa").stdout, before)
        # the control: within the limits it is taken
        self.assertEqual(self.ctl("snapa", "set", f"k0={big}")[0], 0)


class ConfigFromHooksTest(CordonTestCase):
    def make(self, version="1.0", configure=CONFIGURE, install=INSTALL):
        hooks = {"meta/hooks/configure": configure}
        if install:
            hooks["meta/hooks/install"] = install
        d = self.s.make_snap("hk", APP.format(name="hk", version=version), files=hooks,
                             probe=False, dirname=f"hk-{version}")
        return with_snapctl(d)

    def log(self):
        with open(os.path.join(self.s.root, "var/snap/hk/common/hooks.log")) as f:
            return f.read().splitlines()

    def get(self, *keys):
        return self.cordon("get", "hk", *keys, check=False).stdout

    def test_hooks_read_and_stage_the_change(self):
        self.cordon("install", "--dangerous", self.make())
        # install set its keys; configure (after it) saw them
        self.assertEqual(self.log(), ["install", "configure prev=[] now=[] installed=[yes]"])
        self.assertEqual(self.get("installed"), "yes\n")
        self.assertEqual(self.get("nested.a"), "1\n")
        self.cordon("set", "hk", "x=1")
        self.cordon("set", "hk", "x=2")
        self.assertEqual(self.log()[-2:], ["configure prev=[] now=[1] installed=[yes]",
                                           "configure prev=[1] now=[2] installed=[yes]"])
        # what the hook set went in with the change
        self.assertEqual(self.get("seen"), "2\n")
        # a refusal: neither `cordon set`'s value nor the hook's own set
        p = self.cordon("set", "hk", "x=bad", "y=3", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("x may not be bad", p.stderr)
        self.assertEqual((self.get("x"), self.get("seen")), ("2\n", "2\n"))
        self.assertEqual(self.cordon("get", "hk", "y", check=False).returncode, 1)
        # kept across a refresh; configure runs on it and sees the values
        self.cordon("install", "--dangerous", self.make(version="2.0"))
        self.assertEqual(self.log()[-1], "configure prev=[2] now=[2] installed=[yes]")

    def test_a_failed_install_leaves_no_configuration(self):
        failing = CONFIGURE + 'exit 5\n'
        p = self.cordon("install", "--dangerous", self.make(configure=failing), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(self.cordon("list").stdout.strip().splitlines()[1:], [])
        # installed again (the control): the install hook's keys are there
        self.cordon("install", "--dangerous", self.make(version="1.1"))
        self.assertEqual(self.get("installed"), "yes\n")

    def test_hook_reaches_only_its_own_snap(self):
        """Another snap's configuration is not the hook's to read or change:
        its requests are for its own snap, whatever it names."""
        d = self.s.make_snap("other", APP.format(name="other", version="1.0"), probe=False)
        self.cordon("install", "--dangerous", with_snapctl(d))
        self.cordon("set", "other", "x=theirs")
        hook = """#!/bin/sh
"$SNAP/bin/snapctl" get x > "$SNAP_COMMON/got" 2>&1
"$SNAP/bin/snapctl" set x=mine
"$SNAP/bin/snapctl" unset other.x
echo done >> "$SNAP_COMMON/hooks.log"
"""
        self.cordon("install", "--dangerous", self.make(configure=hook, install=None))
        with open(os.path.join(self.s.root, "var/snap/hk/common/got")) as f:
            self.assertEqual(f.read(), "\n")
        self.assertEqual(self.cordon("get", "other", "x").stdout, "theirs\n")
        self.assertEqual(self.get("x"), "mine\n")  # the control: its own


class InterfaceHooksTest(CordonTestCase):
    def install(self, name, yaml, hooks):
        files = {f"meta/hooks/{h}": PORT_HOOK.format(
            name=h, body="\n".join(f"ask {c}" for c in cmds)) for h, cmds in hooks.items()}
        files["share/x"] = "shared\n"
        d = self.s.make_snap(name, yaml, files=files, probe=False)
        self.cordon("install", "--dangerous", with_snapctl(d))

    def log(self, snap):
        p = os.path.join(self.s.root, f"var/snap/{snap}/common/hooks.log")
        with open(p) as f:
            return f.read().splitlines()

    def test_hooks_see_the_connection(self):
        self.install("pl", PLUG_SNAP, PLUG_HOOKS)
        self.install("sl", SLOT_SNAP, SLOT_HOOKS)
        self.cordon("connect", "pl:p", "sl:s")
        self.assertEqual(self.log("pl"), [
            "prepare-plug-p: get :p content -> 0 stuff",
            "prepare-plug-p: get :p extra.depth -> 0 2",
            "prepare-plug-p: set :p dyn=42 -> 0 ",
            'prepare-plug-p: set :p content=other -> 1 error: snapctl: cannot set attribute: '
            'attribute "content" cannot be overwritten',
            'prepare-plug-p: get :other content -> 1 error: snapctl: unknown plug or slot '
            '"other"',
            'prepare-plug-p: get :p nope -> 1 error: snapctl: snap "pl" has no "nope" '
            'attribute',
            "connect-plug-p: get :p dyn -> 0 42",
            # the peer's attributes
            "connect-plug-p: get :p --slot read -> 0 [|>\"$SNAP/share\"|]",
            'connect-plug-p: get -d :p content dyn -> 0 {|>"content": "stuff",|>"dyn": 42|}',
            "connect-plug-p: set :p late=1 -> 1 error: snapctl: interface attributes can only "
            "be set during the execution of prepare hooks",
        ])
        self.assertEqual(self.log("sl"), [
            'prepare-slot-s: get :s read -> 0 [|>"$SNAP/share"|]',
            "prepare-slot-s: get :s --plug dyn -> 0 42",
            "prepare-slot-s: set :s sdyn=yes -> 0 ",
            "connect-slot-s: get :s sdyn -> 0 yes",
            "connect-slot-s: get :s --plug target -> 0 $SNAP_DATA/stuff",
        ])
