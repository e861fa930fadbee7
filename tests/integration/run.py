#!/usr/bin/env python3
"""Run cordon's integration tests (as root, against the real kernel).

Usage: tests/integration/run.py --build BUILD_DIR --prefix TEST_PREFIX [-k PATTERN] [TEST...]

Every test works in a scratch CORDON_ROOT under /var/lib and a cgroup parent of
its own; at the end the runner checks that nothing is left behind: no mounts,
no loop devices, no cgroups, no users, no scratch directories.
"""
import argparse
import fcntl
import os
import signal
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cordonlib  # noqa: E402


def main():
    # A runner started in the background or under nohup inherits SIGINT,
    # SIGQUIT or SIGHUP ignored, and exec keeps an ignored signal ignored
    # down to the confined apps: the tests that send them (test_run_pty)
    # would test the caller's shell, not cordon. Their defaults, here.
    for sig in (signal.SIGQUIT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--system-root", required=True,
                    help="the system root compiled into the test build")
    ap.add_argument("-k", dest="pattern", action="append", default=[])
    ap.add_argument("tests", nargs="*")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("integration tests need root (sudo make check)", file=sys.stderr)
        return 1
    # One run at a time, from any checkout: runs share the fixed test
    # prefix and system root under /run/cordon-check. The lock is taken on
    # /run itself so that nothing is left behind.
    lock = os.open("/run", os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    cordonlib.configure(os.path.abspath(args.build), args.prefix, args.system_root)
    cordonlib.install_test_build()
    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = [f"*{p}*" for p in args.pattern]
    if args.tests:
        suite = loader.loadTestsFromNames(args.tests)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    try:
        result = unittest.TextTestRunner(verbosity=2).run(suite)
    finally:
        cordonlib.uninstall_test_build()
    leaks = cordonlib.leftovers()
    if leaks:
        print("LEFT BEHIND:\n  " + "\n  ".join(leaks), file=sys.stderr)
    return 0 if result.wasSuccessful() and not leaks else 1


if __name__ == "__main__":
    sys.exit(main())
