"""Helpers for cordon's integration tests: a scratch root per test, test snaps
with the probe inside, and a check that nothing is left behind."""
import glob
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import textwrap
import unittest

BUILD = None
PREFIX = None
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRATCH_PREFIX = "/var/lib/cordon-test."
CGROUP_PREFIX = "cordon-test-"
USER_PREFIX = "cordontest"


def configure(build, prefix):
    global BUILD, PREFIX
    BUILD = build
    PREFIX = prefix


def build_path(*parts):
    return os.path.join(BUILD, *parts)


def probe_binary():
    return build_path("tests", "seccomp", "probe")


def cgroup_roots():
    """Mount points of the cgroup hierarchies (v1 and v2)."""
    roots = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            if parts[sep + 1] in ("cgroup", "cgroup2"):
                roots.append(parts[4])
    return roots


def mounts_under(path):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path or mp.startswith(path.rstrip("/") + "/"):
                out.append(mp)
    return out


def loops_backed_by(prefix):
    out = []
    for bf in glob.glob("/sys/block/loop*/loop/backing_file"):
        try:
            with open(bf) as f:
                if f.read().strip().startswith(prefix):
                    out.append(bf.split("/")[3])
        except OSError:
            pass
    return out


def leftovers():
    """What tests left on the machine (must be nothing)."""
    found = []
    found += ["mount " + m for m in mounts_under("/var/lib") if SCRATCH_PREFIX in m]
    found += ["mount " + m for m in mounts_under("/run/cordon-check")]
    found += ["loop device " + l for l in loops_backed_by(SCRATCH_PREFIX)]
    for root in cgroup_roots():
        found += ["cgroup " + c for c in glob.glob(os.path.join(root, CGROUP_PREFIX + "*"))]
    found += ["directory " + d for d in glob.glob(SCRATCH_PREFIX + "*")]
    found += ["user " + u.pw_name for u in pwd.getpwall() if u.pw_name.startswith(USER_PREFIX)]
    return found


def rmdir_cgroup_tree(path):
    for dirpath, dirnames, _ in os.walk(path, topdown=False):
        for d in dirnames:
            try:
                os.rmdir(os.path.join(dirpath, d))
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


class Scratch:
    """A scratch CORDON_ROOT with its own home for root and cgroup parent."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix=os.path.basename(SCRATCH_PREFIX), dir=os.path.dirname(SCRATCH_PREFIX))
        # mkdtemp makes 0700; the launcher wants root-owned, not writable by others
        os.chmod(self.root, 0o755)
        self.cgroup_parent = CGROUP_PREFIX + os.path.basename(self.root).split(".")[-1]
        self.home = os.path.join(self.root, "home", "root")
        os.makedirs(self.home, mode=0o700)
        self.work = os.path.join(self.root, "work")
        os.makedirs(self.work, mode=0o755)

    def env(self, extra=None):
        e = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "CORDON_ROOT": self.root,
            "CORDON_DATADIR": os.path.join(SRC, "data"),
            "CORDON_CONFINE": build_path("cordon-confine"),
            "CORDON_CGROUP_PARENT": self.cgroup_parent,
            "HOME": self.home,
            "LANG": "C.UTF-8",
        }
        if extra:
            e.update(extra)
        return e

    def cordon(self, *args, check=True, env=None, timeout=120, cwd=None, user=None):
        cmd = [build_path("cordon")] + [str(a) for a in args]
        p = subprocess.run(cmd, env=self.env(env), capture_output=True, text=True,
                           timeout=timeout, cwd=cwd or self.work, user=user)
        if check and p.returncode != 0:
            raise AssertionError(f"cordon {' '.join(map(str, args))} failed ({p.returncode}):\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def make_snap(self, name, yaml, files=None, probe=True, dirname=None):
        """A snap directory: meta/snap.yaml, bin/probe, and extra files
        {relpath: text or (text, mode)} (a value None makes a directory)."""
        d = os.path.join(self.work, dirname or name)
        os.makedirs(os.path.join(d, "meta"), exist_ok=True)
        with open(os.path.join(d, "meta", "snap.yaml"), "w") as f:
            f.write(textwrap.dedent(yaml).lstrip())
        if probe:
            os.makedirs(os.path.join(d, "bin"), exist_ok=True)
            shutil.copy(probe_binary(), os.path.join(d, "bin", "probe"))
        for rel, content in (files or {}).items():
            p = os.path.join(d, rel)
            if content is None:
                os.makedirs(p, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(p), exist_ok=True)
            mode = 0o755
            if isinstance(content, tuple):
                content, mode = content
            with open(p, "w") as f:
                f.write(content)
            os.chmod(p, mode)
        return d

    def pack(self, snapdir, target=None):
        out = self.cordon("pack", snapdir, target or self.work).stdout.strip()
        assert out.startswith("built: "), out
        return os.path.join(target or self.work, out[len("built: "):])

    def installed(self):
        p = self.cordon("list", check=False)
        names = []
        for line in p.stdout.splitlines()[1:]:
            names.append(line.split()[0])
        return names

    def cleanup(self):
        for name in self.installed():
            self.cordon("remove", name, check=False)
        # whatever a failing test left: unmount (deepest first), free loops
        for mp in sorted(mounts_under(self.root), key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True)
        for loop in loops_backed_by(self.root):
            subprocess.run(["losetup", "-d", "/dev/" + loop], capture_output=True)
        for root in cgroup_roots():
            rmdir_cgroup_tree(os.path.join(root, self.cgroup_parent))
        shutil.rmtree(self.root, ignore_errors=True)


class CordonTestCase(unittest.TestCase):
    """One scratch root per test."""

    def setUp(self):
        self.s = Scratch()
        self.addCleanup(self.s.cleanup)

    def cordon(self, *args, **kw):
        return self.s.cordon(*args, **kw)

    def cordon_fails(self, *args, **kw):
        p = self.s.cordon(*args, check=False, **kw)
        self.assertNotEqual(p.returncode, 0, f"cordon {args} succeeded: {p.stdout}")
        return p.stderr.strip()

    def install(self, name, yaml, *flags, files=None, packed=True):
        d = self.s.make_snap(name, yaml, files=files)
        target = self.s.pack(d) if packed else d
        self.cordon("install", "--dangerous", *flags, target)
        return target

    def run_app(self, app, *args, env=None, check=True, user=None, cwd=None):
        return self.cordon("run", app, *args, env=env, check=check, user=user, cwd=cwd)

    def probe(self, app, *args, env=None, user=None):
        """Run the probe through app (whose command is bin/probe) and return
        its one line of output."""
        p = self.cordon("run", app, *args, env=env, check=False, user=user)
        if p.returncode != 0:
            raise AssertionError(f"probe {args} via {app} exited {p.returncode}: "
                                 f"{p.stdout}{p.stderr}")
        return p.stdout.strip()

    def probe_host(self, *args, env=None):
        """The same probe, unconfined: the control of every denial test."""
        p = subprocess.run([probe_binary()] + [str(a) for a in args], capture_output=True,
                           text=True, env=env or {"PATH": "/usr/bin:/bin"}, timeout=60)
        return p.stdout.strip()


PROBE_YAML = """
name: {name}
version: '1.0'
summary: probe snap
apps:
  {app}:
    command: bin/probe
"""


def probe_yaml(name, app=None, extra=""):
    return PROBE_YAML.format(name=name, app=app or name) + textwrap.dedent(extra)
