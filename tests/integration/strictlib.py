"""Shared by the strict-confinement attack tests (issue 8): a plug-less snap
run by root and by a user through the installed setuid launcher, and the
control of each attack: the same probe unconfined, as the same user."""
import os
import pwd
import subprocess
import uuid

import cordonlib
from cordonlib import CordonTestCase, SystemScratch

USER = "cordontest1"
ROOT = "root"
WHO = (ROOT, USER)
REFUSED = ("EPERM", "EACCES", "EROFS")


class StrictCase(CordonTestCase):
    """A system scratch root (what the installed launcher uses for every
    caller) with one user besides root."""

    def setUp(self):
        self.s = SystemScratch()
        self.addCleanup(self.s.cleanup)
        self.user = self.s.add_user(USER)
        self.addCleanup(subprocess.run, ["userdel", USER], capture_output=True)

    def uid(self, who):
        return 0 if who == ROOT else self.user.pw_uid

    def gid(self, who):
        return 0 if who == ROOT else self.user.pw_gid

    def home(self, who):
        return self.s.home if who == ROOT else self.user.pw_dir

    def run_as(self, who, app, *args, env=None, check=True):
        p = self.s.cordon("run", app, *args, user=None if who == ROOT else who, env=env,
                          check=False)
        if check:
            self.assertEqual(p.returncode, 0, f"{who}: {app} {args}: {p.stderr}")
        return p

    def probe_as(self, who, app, *args, env=None):
        """The probe's result line, run confined through `app` by `who`."""
        return self.run_as(who, app, *args, env=env).stdout.strip().splitlines()[0]

    def host_as(self, who, *args):
        """The control: the same probe, unconfined, as `who`."""
        kw = {}
        if who != ROOT:
            pw = pwd.getpwnam(who)
            kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        p = subprocess.run([cordonlib.probe_binary()] + [str(a) for a in args],
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
                           cwd="/", timeout=60, **kw)
        return p.stdout.strip().splitlines()[0] if p.stdout.strip() else p.stderr.strip()

    def own(self, path, who, mode):
        os.chown(path, self.uid(who), self.gid(who))
        os.chmod(path, mode)

    def make_file(self, path, who, mode, text="victim\n"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        self.own(path, who, mode)
        return path

    def scratch_name(self, prefix):
        return f"{prefix}{uuid.uuid4().hex[:10]}"

    def remove_later(self, path):
        def rm():
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        self.addCleanup(rm)
        return path
