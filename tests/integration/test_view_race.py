"""A granted file replaced while a command's view is built. useradd, passwd
and editors write a new file and rename it over the old one (/etc/passwd,
/etc/group): a view that copied the old file's mount then binds an unlinked
file, which the kernel refuses (ENOENT). The launch builds the view again
from the snap's namespace instead of failing (found by the kill-point sweep:
a test user added beside a launch broke it). A file replaced between the
launcher's open and its look at the real path (/proc/self/fd says
"(deleted)") is opened again, not left out of the view (CI: 1 launch in 206
got EACCES from the mode-0 placeholder). Replaced every 10 ms, far more often
than useradd does: the code before these fixes failed 1 run in 3 so."""
import os
import textwrap
import threading
import time

from strictlib import ROOT, USER, StrictCase
from cordonlib import probe_yaml

SECONDS = 4


class ViewRaceTest(StrictCase):
    def test_granted_file_replaced_during_build(self):
        d = self.path("granted")
        os.makedirs(d, mode=0o755)
        f = os.path.join(d, "f.txt")
        with open(f, "w") as out:
            out.write("0\n")
        os.chmod(f, 0o644)
        data = self.s.datadir_copy()
        with open(os.path.join(data, "interfaces", "test-file.yaml"), "w") as out:
            out.write(textwrap.dedent(f"""\
                name: test-file
                summary: test only, one file
                auto-connect: true
                privileged: false
                implicit-slot: true
                plug:
                  files:
                    - r {f}
                """))
        self.install("race", probe_yaml("race") + "    plugs: [test-file]\n")
        self.assertEqual(self.probe_as(USER, "race", "read", f), "OK")
        stop = threading.Event()

        def replace():
            i = 0
            while not stop.is_set():
                tmp = f + ".new"
                with open(tmp, "w") as out:
                    out.write(f"{i}\n")
                os.chmod(tmp, 0o644)
                os.rename(tmp, f)
                i += 1
                time.sleep(0.01)

        t = threading.Thread(target=replace)
        t.start()
        results = []
        try:
            end = time.monotonic() + SECONDS
            while time.monotonic() < end:
                for who in (ROOT, USER):
                    p = self.run_as(who, "race", "read", f, check=False)
                    results.append((who, p.returncode, p.stdout.strip(), p.stderr.strip()))
        finally:
            stop.set()
            t.join()
        bad = [r for r in results if r[1] != 0 or r[2] != "OK"]
        self.assertGreater(len(results), 20)
        self.assertEqual(bad, [], f"{len(bad)} of {len(results)} launches failed")
