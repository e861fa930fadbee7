"""Issue 13, the command-line conventions: `cordon help CMD` and `cordon CMD
--help`; the man pages (installed, lint-clean, naming every command and
option the help lists); the bash completion, driven in `bash -i` on a pty;
`remove --purge` and several snaps in one remove or install; `revert
--revision`; `info --verbose`."""
import os
import pty
import re
import select
import shutil
import subprocess
import time

from cordonlib import PREFIX, SRC, CordonTestCase, build_path, probe_yaml

MAN1 = os.path.join(SRC, "data", "man", "cordon.1")
MAN8 = os.path.join(SRC, "data", "man", "cordon-confine.8")
COMPLETION = "share/bash-completion/completions/cordon"


def listed_commands(text):
    """The commands `cordon help` lists."""
    names, on = [], False
    for line in text.splitlines():
        if line == "Commands:":
            on = True
        elif on and not line:
            break
        elif on:
            names.append(line.split()[0])
    return names


def help_options(text):
    """The options of a command's help: '--purge', '-n', '--revision'."""
    opts, on = [], False
    for line in text.splitlines():
        if re.fullmatch(r"\[\S+ command options\]", line):
            on = True
        elif on and line.lstrip().startswith("-"):
            for w in line.split():
                if not w.startswith("-"):
                    break
                opts.append(re.split(r"[=\[,]", w)[0])
    return opts


class HelpTest(CordonTestCase):
    def test_help_lists_every_command_and_each_has_usage(self):
        p = self.cordon("help")
        names = listed_commands(p.stdout)
        for want in ("install", "remove", "revert", "info", "run", "connect", "interface",
                     "logs", "get", "set", "help", "version"):
            self.assertIn(want, names)
        self.assertNotIn("snapctl-daemon", names)  # hidden
        self.assertNotIn("complete", names)
        self.assertEqual(self.cordon("--help").stdout, p.stdout)
        for name in names:
            h = self.cordon("help", name)
            self.assertEqual(h.returncode, 0)
            self.assertTrue(h.stdout.startswith(f"Usage:\n  cordon {name}"), h.stdout)
            # the same text from CMD --help and CMD -h, exit 0, nothing run
            for flag in ("--help", "-h"):
                q = self.cordon(name, flag)
                self.assertEqual((q.stdout, q.stderr), (h.stdout, ""))

    def test_help_after_arguments_and_errors(self):
        remove = self.cordon("help", "remove").stdout
        self.assertIn("[remove command options]\n  --purge", remove)
        # options anywhere, as snap's go-flags reads them: nothing removed
        self.assertEqual(self.cordon("remove", "nope", "--help").stdout, remove)
        self.assertIn("--revision=<rev>", self.cordon("revert", "--help").stdout)
        # `--` ends the options: what follows is an argument
        p = self.cordon("get", "nope", "--", "--help", check=False)
        self.assertNotIn("Usage:", p.stdout)
        self.assertEqual((p.returncode, p.stderr), (1, 'error: snap "nope" is not installed\n'))
        p = self.cordon("help", "nope", check=False)
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertEqual(p.stderr, "error: unknown command \"nope\", see 'cordon help'.\n")
        p = self.cordon("nope", "--help", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn('unknown command "nope"', p.stderr)
        # the hidden commands have no help
        self.assertEqual(self.cordon("help", "snapctl-daemon", check=False).returncode, 1)

    def test_run_help_before_the_app_is_cordons_after_it_the_apps(self):
        self.install("compsnap", probe_yaml("compsnap", app="tool"))
        self.assertTrue(self.cordon("run", "--help").stdout.startswith("Usage:\n  cordon run"))
        self.assertTrue(self.cordon("run", "--pty", "-h").stdout.startswith("Usage:"))
        # after the app's name --help is the app's: the probe gets it
        p = self.cordon("run", "compsnap.tool", "--help", check=False)
        self.assertEqual(p.returncode, 2, p)
        self.assertNotIn("Usage:", p.stdout)
        self.assertIn("unknown operation: --help", p.stderr)


class ManPageTest(CordonTestCase):
    def test_installed(self):
        for page in ("man1/cordon.1", "man8/cordon-confine.8"):
            path = os.path.join(PREFIX, "share", "man", page)
            self.assertTrue(os.path.isfile(path), path)
            with open(path) as a, open(os.path.join(SRC, "data", "man",
                                                    os.path.basename(page))) as b:
                self.assertEqual(a.read(), b.read())

    def test_lint_clean(self):
        if shutil.which("mandoc") is None:
            self.skipTest("mandoc is not installed (Debian: mandoc; make check installs it)")
        p = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", MAN1, MAN8],
                           capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)

    def test_cordon_1_names_every_command_and_option(self):
        with open(MAN1) as f:
            man = f.read()
        names = listed_commands(self.cordon("help").stdout)
        self.assertGreater(len(names), 20)
        for name in names:
            self.assertRegex(man, rf"(?m)^\.(It )?(Xo\n\.)?Cm {re.escape(name)}( |$)", name)
            for opt in help_options(self.cordon("help", name).stdout):
                # mdoc writes --purge as `Fl -purge`, -n as `Fl n`
                self.assertIn(f"Fl {opt[1:]}", man, f"{name} {opt}")


class CompletionTest(CordonTestCase):
    """The shipped script, as `make install` put it, in an interactive bash
    on a pty: what TAB puts on the line."""

    def script(self):
        path = os.path.join(PREFIX, COMPLETION)
        self.assertTrue(os.path.isfile(path), path)
        return path

    def complete(self, typed):
        env = self.s.env({"PATH": build_path() + ":" + self.s.env()["PATH"],
                          "INPUTRC": "/dev/null", "PS1": "$ ", "TERM": "dumb"})
        pid, fd = pty.fork()
        if pid == 0:
            os.execve("/bin/bash", ["bash", "--norc", "--noprofile", "-i"], env)
        out = b""

        def read_until(pred, timeout=20):
            nonlocal out
            end = time.monotonic() + timeout
            while not pred(out) and time.monotonic() < end:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try:
                        out += os.read(fd, 4096)
                    except OSError:
                        break
            return pred(out)

        def quiet(seconds):
            nonlocal out
            while select.select([fd], [], [], seconds)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break

        try:
            os.write(fd, f"source {self.script()}; echo sourced-$?\n".encode())
            self.assertTrue(read_until(lambda o: b"sourced-0" in o), out)
            quiet(0.3)
            out = b""
            os.write(fd, typed.encode())
            self.assertTrue(read_until(lambda o: typed.encode() in o), out)
            # the line as TAB left it: what was typed and what it added
            os.write(fd, b"\t")
            read_until(lambda o: not o.endswith(typed.encode()), timeout=10)
            quiet(0.5)
            line = out
            os.write(fd, b"\x03exit\n")  # ^C drops the line unrun
            quiet(0.5)
        finally:
            os.close(fd)
            os.waitpid(pid, 0)
        return line.decode(errors="replace")

    def test_completes_snap_app_and_interface_names(self):
        self.script()
        self.install("compsnap", probe_yaml("compsnap", app="tool"))
        self.assertIn("cordon remove compsnap ", self.complete("cordon remove comp"))
        self.assertIn("cordon run compsnap.tool ", self.complete("cordon run comp"))
        self.assertIn("cordon info compsnap ", self.complete("cordon info comp"))
        self.assertIn("cordon revert --revision", self.complete("cordon revert --rev"))
        self.assertIn("cordon interface network-observe ",
                      self.complete("cordon interface network-obs"))
        self.assertIn("cordon connect compsnap:network-observe ",
                      self.complete("cordon connect compsnap:network-obs"))
        self.assertIn("cordon connections ", self.complete("cordon connecti"))

    def test_complete_lists(self):
        self.install("compsnap", probe_yaml("compsnap", app="tool"))
        self.install("other", probe_yaml("other"))
        self.assertEqual(self.cordon("complete", "snaps").stdout, "compsnap\nother\n")
        self.assertEqual(self.cordon("complete", "apps").stdout,
                         "compsnap.tool\nother\nother.other\n")
        ifaces = self.cordon("complete", "interfaces").stdout.split()
        self.assertIn("network", ifaces)
        self.assertEqual(ifaces, sorted(ifaces))
        self.assertEqual(self.cordon("complete", "nope", check=False).returncode, 1)


class ManySnapsTest(CordonTestCase):
    def test_remove_several_purge_and_not_installed(self):
        for n in ("one", "two"):
            self.install(n, probe_yaml(n))
        # one not installed: said so on stderr, no failure (snap)
        p = self.cordon("remove", "nope")
        self.assertEqual((p.stdout, p.stderr), ("", 'snap "nope" is not installed\n'))
        # an invalid name refuses the whole list first (snapstate.RemoveMany)
        self.assertEqual(self.cordon_fails("remove", "one", "Bad_", "two", "x_"),
                         'error: cannot remove "one", "Bad_", "two", "x_": '
                         "cannot remove invalid snap names: Bad_, x_")
        self.assertEqual(self.s.installed(), ["one", "two"])
        # several: each removed, the missing ones listed after (snapd's
        # removeMany), a name given twice removed once
        p = self.cordon("remove", "--purge", "one", "nope", "two", "one")
        self.assertEqual(p.stdout, "one removed\ntwo removed\nnope not installed\n")
        self.assertEqual(self.s.installed(), [])
        self.assertFalse(os.path.exists(self.path("var/snap/one")))
        self.assertFalse(os.path.exists(os.path.join(self.s.home, "snap", "two")))
        self.assertIn("unknown option --nope", self.cordon_fails("remove", "--nope", "x"))

    def test_install_several_each_its_own_change(self):
        a = self.s.pack(self.s.make_snap("one", probe_yaml("one")))
        b = self.s.make_snap("two", probe_yaml("two"))
        p = self.cordon("install", "--dangerous", a, b)
        self.assertEqual(p.stdout, "one 1.0 installed\ntwo 1.0 installed\n")
        self.assertEqual(self.probe("two", "env", "SNAP_NAME"), "OK two")
        # one that fails leaves the others done; the command fails naming it
        missing = os.path.join(self.s.work, "missing.snap")
        p = self.cordon("install", "--dangerous", missing, a, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "one 1.0 refreshed\n")
        self.assertRegex(p.stderr, r'^error: cannot perform the following tasks:\n'
                         rf'- Install snap "{re.escape(missing)}" \(cannot install '
                         rf'"{re.escape(missing)}": [^\n]+\)\n$')
        self.assertRegex(self.cordon("list").stdout, r"(?m)^one +1\.0 +x2 ")
        self.assertEqual(self.cordon_fails("install", "--name", "one_x", a, b),
                         "error: cannot use instance name when installing multiple snaps")


class RevertInfoTest(CordonTestCase):
    YAML = """
    name: rv
    version: '{v}'
    summary: revert me
    apps:
      rv:
        command: bin/probe
    """

    def refresh(self, v):
        d = self.s.make_snap("rv", self.YAML.format(v=v))
        self.cordon("install", "--dangerous", d)

    def test_revert_to_a_revision(self):
        self.refresh("1.0")
        self.refresh("2.0")
        self.assertEqual(self.cordon("revert", "--revision=x1", "rv").stdout,
                         "rv reverted to 1.0\n")
        self.assertEqual(self.probe("rv", "env", "SNAP_REVISION"), "OK x1")
        # forward again, to the newer kept revision (snapd allows it)
        self.assertEqual(self.cordon("revert", "rv", "--revision", "x2").stdout,
                         "rv reverted to 2.0\n")
        self.assertEqual(os.readlink(self.path("snap/rv/current")), "x2")
        # snapd's errors (snapstate.RevertToRevision, snap.ParseRevision)
        self.assertEqual(self.cordon_fails("revert", "--revision=x2", "rv"),
                         'error: cannot revert "rv": already on requested revision')
        self.assertEqual(self.cordon_fails("revert", "--revision=x9", "rv"),
                         'error: cannot revert "rv": cannot find revision x9 for snap "rv"')
        self.assertEqual(self.cordon_fails("revert", "--revision=3", "rv"),
                         'error: cannot revert "rv": cannot find revision 3 for snap "rv"')
        self.assertEqual(self.cordon_fails("revert", "--revision=abc", "rv"),
                         'error: invalid snap revision: "abc"')
        self.assertEqual(self.cordon_fails("revert", "--revision=x1", "nope"),
                         'error: cannot revert "nope": snap "nope" is not installed')
        self.assertEqual(os.readlink(self.path("snap/rv/current")), "x2")

    def test_info_verbose(self):
        self.refresh("1.0")
        plain = self.cordon("info", "rv").stdout
        p = self.cordon("info", "--verbose", "rv").stdout
        (date,) = re.findall(r"(?m)^refresh-date: (\S+)$", p)
        self.assertRegex(date, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(p,
                         "name:      rv\n"
                         "summary:   revert me\n"
                         "publisher: -\n"
                         "license:   unset\n"
                         "description: |\n"
                         "  \n"
                         "commands:\n"
                         "  - rv\n"
                         "notes:\n"
                         "  private:           false\n"
                         "  confinement:       strict\n"
                         "  devmode:           false\n"
                         "  jailmode:          false\n"
                         "  trymode:           false\n"
                         "  enabled:           true\n"
                         "  broken:            false\n"
                         "  ignore-validation: false\n"
                         "tracking:     -\n"
                         f"refresh-date: {date}\n"
                         "installed:    1.0 (x1) - -\n")
        self.assertNotIn("notes:", plain)
        self.assertTrue(plain.endswith("tracking:  -\ninstalled: 1.0 (x1) - -\n"), plain)
        d = self.s.make_snap("dm", probe_yaml("dm", extra="confinement: devmode\n"))
        self.cordon("install", "--dangerous", "--devmode", d)
        p = self.cordon("info", "dm", "--verbose").stdout
        self.assertIn("  confinement:       devmode\n  devmode:           true\n"
                      "  jailmode:          false\n", p)
        self.assertIn("installed:    1.0 (x1) - devmode\n", p)
