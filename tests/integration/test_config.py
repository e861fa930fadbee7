"""Issue 11, configuration: `cordon set`, `get` and `unset` as snap's, the
document in the state database, kept across refresh and revert, gone with
the snap; bad input refused with nothing changed; readable by any user,
changed by root only."""
import os
import pty
import select
import sqlite3
import subprocess

from cordonlib import CordonTestCase, USER_PREFIX, build_path, probe_yaml

WARNING = ("WARNING: The output of 'cordon get' will become a list with columns - use -d or "
           "-l to force the output format.\n")


class ConfigTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        self.install("hello", probe_yaml("hello"), packed=False)

    def stored(self, snap="hello"):
        """The document as the state database holds it (None: no row)."""
        db = sqlite3.connect(self.path("var/lib/cordon/state.db"))
        try:
            rows = db.execute("SELECT document FROM config WHERE snap=?", (snap,)).fetchall()
        finally:
            db.close()
        return rows[0][0] if rows else None

    def get(self, *args, **kw):
        return self.cordon("get", *args, **kw).stdout

    def document(self):
        return self.get("-d", "hello")

    def fails_with(self, message, *args, **kw):
        """The command fails with exactly `error: MESSAGE` and changes
        nothing of the configuration."""
        before = (self.stored(), self.document())
        err = self.cordon_fails(*args, **kw)
        self.assertEqual(err, "error: " + message)
        self.assertEqual((self.stored(), self.document()), before)

    def test_set_get_unset(self):
        self.assertEqual(self.get("-d", "hello"), "{}\n")
        self.assertEqual(self.cordon_fails("get", "hello"),
                         'error: snap "hello" has no configuration')
        p = self.cordon("set", "hello", "a.b.c=1", "x=1.50", "html=<a&b>", "name=frank",
                        'list=[1,"two",null,{"k":true}]', "big=18446744073709551615", "e=1E+3")
        self.assertEqual((p.stdout, p.stderr), ("", ""))
        # the stored document: compact, keys sorted, numbers as written
        self.assertEqual(self.stored(),
                         '{"a":{"b":{"c":1}},"big":18446744073709551615,"e":1E+3,'
                         '"html":"\\u003ca\\u0026b\\u003e","list":[1,"two",null,{"k":true}],'
                         '"name":"frank","x":1.50}')
        # one scalar: the value itself
        self.assertEqual(self.get("hello", "name"), "frank\n")
        self.assertEqual(self.get("hello", "html"), "<a&b>\n")
        self.assertEqual(self.get("hello", "x"), "1.50\n")
        self.assertEqual(self.get("hello", "a.b.c"), "1\n")
        self.assertEqual(self.get("-t", "hello", "name"), '"frank"\n')
        self.assertEqual(self.get("hello", "list"),
                         '[\n\t1,\n\t"two",\n\tnull,\n\t{\n\t\t"k": true\n\t}\n]\n')
        # -d: Go's MarshalIndent with a tab
        self.assertEqual(self.get("-d", "hello", "a.b", "x"),
                         '{\n\t"a.b": {\n\t\t"c": 1\n\t},\n\t"x": 1.50\n}\n')
        self.assertEqual(self.document(),
                         '{\n\t"a": {\n\t\t"b": {\n\t\t\t"c": 1\n\t\t}\n\t},\n'
                         '\t"big": 18446744073709551615,\n\t"e": 1E+3,\n'
                         '\t"html": "\\u003ca\\u0026b\\u003e",\n'
                         '\t"list": [\n\t\t1,\n\t\t"two",\n\t\tnull,\n\t\t{\n'
                         '\t\t\t"k": true\n\t\t}\n\t],\n\t"name": "frank",\n\t"x": 1.50\n}\n')
        # several keys or an object, not on a terminal: JSON and snap's warning
        p = self.cordon("get", "hello", "a")
        self.assertEqual((p.stdout, p.stderr),
                         ('{\n\t"a": {\n\t\t"b": {\n\t\t\t"c": 1\n\t\t}\n\t}\n}\n', WARNING))
        # -l: the table, one level down from the keys asked, {...} below
        self.assertEqual(self.get("-l", "hello"),
                         "Key   Value\n"
                         "a     {...}\n"
                         "big   18446744073709551615\n"
                         "e     1E+3\n"
                         "html  <a&b>\n"
                         "list  [1 two <nil> map[k:true]]\n"
                         "name  frank\n"
                         "x     1.50\n")
        self.assertEqual(self.get("-l", "hello", "a", "x"),
                         "Key  Value\na.b  {...}\nx    1.50\n")
        # nested documents: merged into by dotted keys, replaced by objects
        self.cordon("set", "hello", "a.b.d=2", "a.e=true")
        self.assertEqual(self.get("-d", "hello", "a"),
                         '{\n\t"a": {\n\t\t"b": {\n\t\t\t"c": 1,\n\t\t\t"d": 2\n\t\t},\n'
                         '\t\t"e": true\n\t}\n}\n')
        self.cordon("set", "hello", 'a.b={"z":0}')
        self.assertEqual(self.stored()[:30], '{"a":{"b":{"z":0},"e":true},"b')
        # unset: key! and `unset`; an emptied object stays, as in snapd
        self.cordon("set", "hello", "a.b.z!", "x!")
        self.cordon("unset", "hello", "big", "e", "html", "list", "a.e")
        self.assertEqual(self.stored(), '{"a":{"b":{}},"name":"frank"}')
        self.assertEqual(self.cordon_fails("get", "hello", "x"),
                         'error: snap "hello" has no "x" configuration option')
        self.assertEqual(self.cordon_fails("get", "hello", "a.b.q.r"),
                         'error: snap "hello" has no "a.b.q" configuration option')
        self.assertEqual(self.cordon_fails("get", "hello", "name.x"),
                         'error: snap "hello" option "name" is not a map')
        self.cordon("unset", "hello", "a", "name")
        self.assertIsNone(self.stored())
        self.assertEqual(self.document(), "{}\n")

    def test_typed_and_string(self):
        self.cordon("set", "hello", "n=42", "s=42", "j={\"k\":[1]}")
        self.cordon("set", "-s", "hello", "s=42", 'sj={"k":[1]}')
        self.cordon("set", "hello", "-t", 't={"a": "b", "c": 1.0}', "u=\"x\"")
        self.assertEqual(self.stored(),
                         '{"j":{"k":[1]},"n":42,"s":"42","sj":"{\\"k\\":[1]}",'
                         '"t":{"a":"b","c":1.0},"u":"x"}')
        self.assertEqual(self.get("hello", "s"), "42\n")
        self.assertEqual(self.get("-t", "hello", "s"), '"42"\n')
        self.assertEqual(self.get("-t", "hello", "n"), "42\n")
        # not JSON: a string without -t, an error with it
        self.cordon("set", "hello", "w=not json")
        self.assertEqual(self.get("-t", "hello", "w"), '"not json"\n')
        self.fails_with("failed to parse JSON: invalid character 'o' in literal null "
                        "(expecting 'u')", "set", "-t", "hello", "w=notjson")
        self.fails_with("failed to parse JSON: invalid character ']' looking for beginning "
                        "of value", "set", "-t", "hello", "w=[1,]", "v=1")
        self.fails_with("cannot use -t and -s together", "set", "-t", "-s", "hello", "w=1")
        self.fails_with("cannot use -d and -t together", "get", "-dt", "hello")
        self.fails_with("cannot use -d and -l together", "get", "-d", "-l", "hello")

    def test_bad_input_changes_nothing(self):
        self.cordon("set", "hello", "a.b=1", "s=x", 'doc={"k":"v"}')
        self.fails_with('invalid option name: "Foo"', "set", "hello", "ok=1", "Foo=1")
        self.fails_with('invalid option name: "bad--key"', "set", "hello", "a.bad--key=1")
        self.fails_with('invalid option name: ""', "set", "hello", "a..b=1")
        self.fails_with('invalid option name: "Bad"', "set", "hello", 'v={"ok":{"Bad":1}}')
        self.fails_with('invalid option name: "x_y"', "unset", "hello", "x_y")
        self.fails_with('snap "hello" option "a.b" is not a map', "set", "hello", "a.b.c=1")
        self.fails_with('snap "hello" option "s" is not a map', "unset", "hello", "s.t")
        self.fails_with('invalid configuration: "key" (want key=value)', "set", "hello",
                        "ok=1", "key")
        self.fails_with("configuration keys cannot be empty", "set", "hello", "=1")
        self.fails_with("configuration keys cannot be empty (use key! to unset a key)",
                        "set", "hello", "!")
        self.fails_with("configuration keys cannot be empty", "unset", "hello", "")
        self.fails_with('snap "nope" is not installed', "set", "nope", "a=1")
        self.fails_with("unknown flag `x'", "set", "-x", "hello", "a=1")
        # limits: 10,000 keys at once
        self.fails_with("cannot change 10000 options at once, more than the limit of 1000",
                        "set", "hello", *[f"k{i}=1" for i in range(10000)])
        # values of 1 MiB in all (one argument can hold 128 KiB at most)
        chunk = "x" * (120 * 1024)
        err = self.cordon_fails("set", "hello", *[f"v{i}={chunk}" for i in range(9)])
        self.assertRegex(err, r'^error: configuration of snap "hello" would take \d+ bytes, '
                              r'more than the limit of 524288$')
        self.assertEqual(self.stored(), '{"a":{"b":1},"doc":{"k":"v"},"s":"x"}')
        # nesting: JSON and keys
        deep = "[" * 40 + "]" * 40
        self.fails_with('cannot set "d": JSON nested more than 32 levels deep',
                        "set", "hello", f"d={deep}")
        self.fails_with('cannot set "d": JSON nested more than 32 levels deep',
                        "set", "-t", "hello", f"d={deep}")
        key = ".".join(["k"] * 40)
        self.fails_with(f'option "{key}" is nested more than 32 levels deep',
                        "set", "hello", f"{key}=1")
        self.fails_with('cannot set "n": integer 123456789012345678901234567890 does not fit '
                        'in 64 bits', "set", "hello", "n=123456789012345678901234567890")
        # within the limits, the same sizes pass
        self.cordon("set", "hello", *[f"v{i}={chunk}" for i in range(4)])
        self.cordon("set", "hello", *[f"k{i}=1" for i in range(1000)])
        self.assertEqual(self.get("hello", "k999"), "1\n")

    def test_interrupted_set_changes_nothing(self):
        self.cordon("set", "hello", "a=1")
        p = self.cordon("set", "hello", "a=2", "b=3", check=False,
                        env={"CORDON_FAULT": "set-write"})
        self.assertEqual(p.returncode, -9)
        self.assertEqual(self.stored(), '{"a":1}')
        self.cordon("set", "hello", "b=3")
        self.assertEqual(self.stored(), '{"a":1,"b":3}')

    def test_kept_across_refresh_and_revert_gone_with_remove(self):
        self.cordon("set", "hello", "a.b=1", "s=x1")
        self.install("hello", probe_yaml("hello"), packed=False)  # x2
        self.assertIn("x2", self.cordon("list").stdout)
        self.assertEqual(self.stored(), '{"a":{"b":1},"s":"x1"}')
        self.cordon("set", "hello", "s=x2")
        self.cordon("revert", "hello")
        self.assertIn("x1", self.cordon("list").stdout)
        # kept as it is, the change made on x2 included
        self.assertEqual(self.stored(), '{"a":{"b":1},"s":"x2"}')
        self.assertEqual(self.get("hello", "s"), "x2\n")
        # another snap's configuration is its own
        self.install("other", probe_yaml("other"), packed=False)
        self.cordon("set", "other", "s=o")
        self.cordon("remove", "hello")
        self.assertIsNone(self.stored())
        self.assertEqual(self.cordon_fails("get", "hello"),
                         'error: snap "hello" has no configuration')
        self.assertEqual(self.stored("other"), '{"s":"o"}')
        self.install("hello", probe_yaml("hello"), packed=False)
        self.assertEqual(self.document(), "{}\n")

    def test_any_user_reads_root_changes(self):
        self.cordon("set", "hello", "a=1", "s=x")
        user = USER_PREFIX + "cfg"
        subprocess.run(["useradd", "-M", "-s", "/bin/sh", user], check=True,
                       capture_output=True)
        self.addCleanup(subprocess.run, ["userdel", user], capture_output=True)
        uid = int(subprocess.run(["id", "-u", user], capture_output=True, text=True,
                                 check=True).stdout)

        gid = int(subprocess.run(["id", "-g", user], capture_output=True, text=True,
                                 check=True).stdout)

        def as_user(*args):
            return subprocess.run([build_path("cordon")] + list(args), env=self.s.env(),
                                  capture_output=True, text=True, user=uid, group=gid,
                                  extra_groups=[], cwd="/")

        p = as_user("get", "hello", "s")
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "x\n", ""))
        p = as_user("get", "-d", "hello")
        self.assertEqual(p.stdout, '{\n\t"a": 1,\n\t"s": "x"\n}\n')
        for args in (("set", "hello", "a=2"), ("unset", "hello", "a")):
            p = as_user(*args)
            self.assertEqual((p.returncode, p.stderr),
                             (1, f"error: cordon {args[0]} requires root (try with sudo)\n"))
        self.assertEqual(self.stored(), '{"a":1,"s":"x"}')

    def test_table_on_a_terminal(self):
        """snap prints the table where stdout is a terminal."""
        self.cordon("set", "hello", "a.b=1", "a.c=two", "n=1")
        master, slave = pty.openpty()
        p = subprocess.Popen([build_path("cordon"), "get", "hello"], env=self.s.env(),
                             stdout=slave, stderr=subprocess.PIPE, cwd=self.s.work)
        os.close(slave)
        out = b""
        while True:
            r, _, _ = select.select([master], [], [], 30)
            if not r:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the other end is closed
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(p.wait(timeout=30), 0)
        self.assertEqual(p.stderr.read(), b"")
        p.stderr.close()
        self.assertEqual(out.decode().replace("\r\n", "\n"), "Key  Value\na    {...}\nn    1\n")

    def test_schema_upgrade(self):
        """A database of schema 2 (no config table, no aliases table) is
        brought to the current one (4) by the next writer, its snaps kept."""
        db = sqlite3.connect(self.path("var/lib/cordon/state.db"))
        db.execute("DROP TABLE config")
        db.execute("DROP TABLE aliases")
        db.execute("UPDATE meta SET value='2' WHERE key='schema_version'")
        db.commit()
        db.close()
        self.cordon("set", "hello", "a=1")
        db = sqlite3.connect(self.path("var/lib/cordon/state.db"))
        try:
            self.assertEqual(db.execute("SELECT value FROM meta WHERE key='schema_version'")
                             .fetchall(), [("4",)])
        finally:
            db.close()
        self.assertEqual(self.get("hello", "a"), "1\n")
