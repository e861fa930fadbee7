#!/usr/bin/env python3
"""Generate the daemon units of snap.yaml files and have systemd check them.

usage: units_verify.py UNITS_PRINT LAUNCHER DIR...

Every *.yaml in DIRs that declares a daemon goes through units_print (the C
generator, compiler/units.h); each system unit must pass `systemd-analyze
verify`, each user unit `systemd-analyze --user verify`, with exit status 0
and nothing on stderr. D-Bus activation files are not units: they are read as
the bus reads them (one [D-BUS Service] section naming the bus name the file
is named after). Exit 77 (skipped) without systemd-analyze.
"""
import configparser
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

DAEMON = re.compile(r"^\s+daemon:", re.M)


def main(argv):
    units_print, launcher, *dirs = [os.path.abspath(a) for a in argv[1:]]
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("systemd-analyze not found: skipped")
        return 77
    snaps = []
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*.yaml"))):
            with open(path, encoding="utf-8") as f:
                if DAEMON.search(f.read()):
                    snaps.append(path)
    failures = []
    with tempfile.TemporaryDirectory(prefix="cordon-units-") as out:
        gen = subprocess.run([units_print, out, launcher, *snaps],
                             capture_output=True, text=True, check=False)
        if gen.returncode != 0:
            print(gen.stderr, end="")
            return 1
        written = gen.stdout.split()
        env = dict(os.environ)
        # the user manager's %t needs a runtime directory to expand into
        env.setdefault("XDG_RUNTIME_DIR", os.path.join(out, "run"))
        os.makedirs(env["XDG_RUNTIME_DIR"], exist_ok=True)
        for rel in written:
            path = os.path.join(out, rel)
            scope, name = rel.split("/", 1)
            if scope == "dbus":
                problem = check_dbus(path, name)
                if problem:
                    failures.append(f"{rel}: {problem}")
                continue
            cmd = [analyze, "--man=no"]
            if scope == "user":
                cmd.append("--user")
            cmd += ["verify", path]
            res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            if res.returncode != 0 or res.stderr:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                failures.append(f"{rel}: exit {res.returncode}\n{res.stderr}{text}")
        print(f"{len(snaps)} snaps with daemons, {len(written)} files checked")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


def check_dbus(path, name):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as e:
        return str(e)
    if parser.sections() != ["D-BUS Service"]:
        return f"sections {parser.sections()}"
    if parser["D-BUS Service"].get("Name", "") + ".service" != name:
        return "Name= is not the file's name"
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
