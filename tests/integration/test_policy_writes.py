"""Each compiled policy file and AppArmor profile is written once per change:
once per install (first install and refresh), once per revert; a connect or
disconnect rewrites only the labels the connection touches, once each; a
remove writes nothing, it only deletes.

Files are written by fs_write_atomic_at (src/base/fsutil.c): `.<label>.tmp.<pid>`
is created, written, fsynced and renamed onto `<label>`. The writes are
counted with inotify on the policy and AppArmor directories, watched from
just before the command to just after it: one IN_MOVED_TO onto a name is one
write of it. A second write is not harmless: each one is an fsync of the file
and of the directory, an apparmor_parser run where AppArmor is enabled, and a
window in which a launch reads a policy that is about to be replaced."""
import collections
import ctypes
import os
import re
import struct

from cordonlib import CordonTestCase

IN_CLOSE_WRITE, IN_MOVED_TO, IN_DELETE, IN_Q_OVERFLOW = 0x8, 0x80, 0x200, 0x4000
EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; name[len]
TMP = re.compile(r"^\.(.+)\.tmp\.\d+$")  # fs_write_atomic_at's temporary name
_libc = ctypes.CDLL(None, use_errno=True)


class DirWatch:
    """inotify on directories ({key: path}): every rename onto, close after
    writing and deletion of an entry, as (key, mask, name)."""

    def __init__(self, dirs):
        self.fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self.keys = {}
        for key, path in dirs.items():
            wd = _libc.inotify_add_watch(self.fd, os.fsencode(path),
                                         IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE)
            if wd < 0:
                os.close(self.fd)
                raise OSError(ctypes.get_errno(), f"inotify_add_watch {path}")
            self.keys[wd] = key

    def drain(self):
        """The events queued so far (the kernel queues them in the syscall
        itself: all of a command's are there once it has exited)."""
        events = []
        while True:
            try:
                buf = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return events
            off = 0
            while off < len(buf):
                wd, mask, _cookie, n = EVENT.unpack_from(buf, off)
                name = buf[off + EVENT.size:off + EVENT.size + n].rstrip(b"\0")
                off += EVENT.size + n
                if mask & IN_Q_OVERFLOW:
                    raise AssertionError("inotify queue overflowed: events lost")
                events.append((self.keys[wd], mask, os.fsdecode(name)))

    def close(self):
        os.close(self.fd)


DIRS = ("policy", "apparmor")

SNAP = """
name: pw
version: '{version}'
summary: policy writes
apps:
  one:
    command: bin/probe
    plugs: [camera]
  two:
    command: bin/probe
hooks:
  configure:
"""
FILES = {"meta/hooks/configure": "#!/bin/sh\n"}
LABELS = ["snap.pw.hook.configure", "snap.pw.one", "snap.pw.two"]


class PolicyWritesTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        # a writable command that changes nothing lays out the state
        # directories, so that the first install can be watched too
        p = self.cordon("remove", "nope")  # snap: said so, no failure
        self.assertEqual(p.stderr, 'snap "nope" is not installed\n')
        for d in DIRS:
            self.assertTrue(os.path.isdir(self.dir(d)), self.dir(d))

    def dir(self, d):
        return self.path("var/lib/cordon", d)

    def snapdir(self, version="1.0"):
        return self.s.make_snap("pw", SNAP.format(version=version), files=FILES)

    def watched(self, *args):
        """Run `cordon ARGS` under the watch; per directory, per final name
        (a temporary file counts for the label it is renamed onto):
        {"renamed": Counter, "closed": Counter, "deleted": Counter}."""
        w = DirWatch({d: self.dir(d) for d in DIRS})
        try:
            self.cordon(*args)
            events = w.drain()
        finally:
            w.close()
        kinds = (("renamed", IN_MOVED_TO), ("closed", IN_CLOSE_WRITE), ("deleted", IN_DELETE))
        out = {d: {k: collections.Counter() for k, _ in kinds} for d in DIRS}
        for d, mask, name in events:
            m = TMP.match(name)
            for k, bit in kinds:
                if mask & bit:
                    out[d][k][m.group(1) if m else name] += 1
        return out

    def show(self, seen):
        return "\n".join(f"  {d}/ {k}: {dict(sorted(c.items()))}"
                         for d in DIRS for k, c in seen[d].items())

    def assert_written_once(self, seen, labels, what):
        """Every label in `labels` renamed onto exactly once in each
        directory; nothing else written, and nothing deleted."""
        want = {l: 1 for l in labels}
        wrong = []
        for d in DIRS:
            if dict(seen[d]["renamed"]) != want:
                wrong.append(f"{d}/ renamed {dict(sorted(seen[d]['renamed'].items()))}")
            others = (set(seen[d]["closed"]) | set(seen[d]["deleted"])) - set(labels)
            if others:
                wrong.append(f"{d}/ other names touched: {sorted(others)}")
            if seen[d]["deleted"]:
                wrong.append(f"{d}/ deleted {dict(sorted(seen[d]['deleted'].items()))}")
        if wrong:
            self.fail(f"{what}: want each of {labels} renamed onto once in policy/ and "
                      f"apparmor/, nothing else touched; got " + "; ".join(wrong)
                      + "\nall events:\n" + self.show(seen))

    def test_first_install_writes_each_label_once(self):
        """A fresh install of a snap with two apps and a hook renames each
        label's policy file and AppArmor profile into place exactly once."""
        seen = self.watched("install", "--dangerous", self.snapdir())
        self.assert_written_once(seen, LABELS, "first install")
        for d in DIRS:
            self.assertEqual(sorted(os.listdir(self.dir(d))), LABELS, d)

    def test_refresh_writes_each_label_once(self):
        """Installing a second revision of the snap writes each label once."""
        self.cordon("install", "--dangerous", self.snapdir())
        seen = self.watched("install", "--dangerous", self.snapdir("2.0"))
        self.assert_written_once(seen, LABELS, "refresh")
        self.assertIn("pw    2.0      x2", self.cordon("list").stdout)

    def test_revert_writes_each_label_once(self):
        """Reverting to the previous revision writes each label once."""
        self.cordon("install", "--dangerous", self.snapdir())
        self.cordon("install", "--dangerous", self.snapdir("2.0"))
        seen = self.watched("revert", "pw")
        self.assert_written_once(seen, LABELS, "revert")
        self.assertIn("pw    1.0      x1", self.cordon("list").stdout)

    def test_connect_disconnect_rewrite_only_the_bound_label(self):
        """camera (not auto-connected, no mounts) is plugged by app `one`
        only: connecting it to the system slot rewrites snap.pw.one once and
        no other label; disconnecting it, the same."""
        self.cordon("install", "--dangerous", self.snapdir())
        seen = self.watched("connect", "pw:camera")
        self.assert_written_once(seen, ["snap.pw.one"], "connect")
        seen = self.watched("disconnect", "pw:camera")
        self.assert_written_once(seen, ["snap.pw.one"], "disconnect")

    def test_remove_only_deletes(self):
        """Removing the snap writes no policy file: it deletes each label's
        files once, and touches nothing else."""
        self.cordon("install", "--dangerous", self.snapdir())
        seen = self.watched("remove", "pw")
        want = {d: {"renamed": {}, "closed": {}, "deleted": {l: 1 for l in LABELS}}
                for d in DIRS}
        got = {d: {k: dict(c) for k, c in seen[d].items()} for d in DIRS}
        if got != want:
            self.fail(f"remove: want no write and one deletion of each of {LABELS} in "
                      f"policy/ and apparmor/; got\n{self.show(seen)}")
        for d in DIRS:
            self.assertEqual(os.listdir(self.dir(d)), [], d)
