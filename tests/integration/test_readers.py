"""Issue 15: readers never fail because a writer runs or died. Ordinary users
read state through a read-only open of the WAL database; root's commands
(and their recovery after one was killed) run beside them."""
import random
import signal
import subprocess
import threading
import time
import unittest

from cordonlib import installed_cordon, probe_yaml
from test_users import U1, UsersTestCase

SECONDS = 10
FAULTS = ["install-journal", "install-mount", "install-data", "install-commit",
          "install-finish", "remove-commit"]


class ReadersTest(UsersTestCase):
    def writer(self, stop, done):
        """Root's changes: installs and removes, some killed half-way (by
        fault injection, or a SIGKILL at a random moment), each recovered
        by the next command."""
        d = self.s.make_snap("world", probe_yaml("world"))
        rnd = random.Random(15)
        while not stop.is_set():
            choice = rnd.random()
            if choice < 0.3:
                self.s.cordon("install", "--dangerous", d, check=False,
                              env={"CORDON_FAULT": rnd.choice(FAULTS)})
            elif choice < 0.5:
                p = subprocess.Popen([installed_cordon(), "install", "--dangerous", d],
                                     env=self.s.env(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd="/")
                time.sleep(rnd.random() * 0.03)
                p.send_signal(signal.SIGKILL)
                p.wait()
            elif choice < 0.75:
                self.s.cordon("install", "--dangerous", d, check=False)
            else:
                self.s.cordon("remove", "world", check=False)
            done[0] += 1

    def test_readers_beside_writers(self):
        stop = threading.Event()
        done = [0]
        t = threading.Thread(target=self.writer, args=(stop, done))
        t.start()
        failures = []
        reads = [0]

        def reader(cmd):
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline:
                p = self.as_user(U1, cmd)
                reads[0] += 1
                if p.returncode != 0:
                    failures.append(f"{cmd}: {p.stderr.strip()}")

        readers = [threading.Thread(target=reader, args=(cmd,))
                   for cmd in ("list", "connections", "list", "connections")]
        try:
            for r in readers:
                r.start()
            for r in readers:
                r.join()
        finally:
            stop.set()
            t.join()
        # the control: both sides did run, many times
        self.assertGreater(done[0], 20)
        self.assertGreater(reads[0], 100)
        self.assertEqual(failures, [], f"{len(failures)} of {reads[0]} reads failed")
        # and state is whole after it all
        self.s.cordon("remove", "world", check=False)
        self.assertIn("hello", self.as_user(U1, "list", check=True).stdout)


if __name__ == "__main__":
    unittest.main()
