"""The runtime-directory view (runtimedir.h): sockets in /run/user/<uid> that
Landlock cannot mediate (the session bus, systemd's user manager) are hidden
from a strictly confined command; its own XDG_RUNTIME_DIR and what a connected
interface grants (a Wayland socket) stay visible."""
import os
import shutil
import subprocess
import time

import cordonlib
from cordonlib import CordonTestCase, probe_yaml

RUN_USER = "/run/user"


class RuntimeViewTest(CordonTestCase):
    def setUp(self):
        super().setUp()
        # /run/user/0 as a login session would have it (removed afterwards;
        # /run/user itself only if this test made it)
        made_top = not os.path.exists(RUN_USER)
        os.makedirs(RUN_USER, mode=0o755, exist_ok=True)
        self.rundir = os.path.join(RUN_USER, "0")
        self.assertFalse(os.path.exists(self.rundir), "a real /run/user/0 exists")
        os.makedirs(self.rundir, mode=0o700)
        self.addCleanup(lambda: shutil.rmtree(RUN_USER) if made_top
                        else shutil.rmtree(self.rundir, ignore_errors=True))
        self.listeners = []
        for name in ("bus", "wayland-0"):
            p = subprocess.Popen([cordonlib.probe_binary(), "unix-bind",
                                  os.path.join(self.rundir, name), "60"],
                                 stdout=subprocess.PIPE, text=True)
            self.addCleanup(p.kill)
            self.assertEqual(p.stdout.readline().strip(), "OK")
        self.install("viewer", probe_yaml("viewer", extra="plugs:\n  wayland:\n"))

    def test_session_bus_hidden_own_dir_kept(self):
        bus = os.path.join(self.rundir, "bus")
        # control: outside, the bus is there and answers
        self.assertEqual(self.probe_host("unix-connect", bus), "OK")
        self.assertEqual(self.probe("viewer", "stat", bus), "ENOENT")
        self.assertEqual(self.probe("viewer", "unix-connect", bus), "ENOENT")
        # the snap's own runtime directory is there and writable
        own = os.path.join(self.rundir, "snap.viewer")
        self.assertEqual(self.probe("viewer", "env", "XDG_RUNTIME_DIR"), f"OK {own}")
        self.assertEqual(self.probe("viewer", "create", os.path.join(own, "f")), "OK")
        self.assertTrue(os.path.exists(os.path.join(own, "f")))  # it is the real one
        # nothing of the view reaches the host: no mount on /run/user here,
        # and the real directory holds what it held
        self.assertEqual(cordonlib.mounts_under(RUN_USER), [])
        self.assertEqual(sorted(os.listdir(self.rundir)), ["bus", "snap.viewer", "wayland-0"])

    def test_connected_interface_socket_visible(self):
        wl = os.path.join(self.rundir, "wayland-0")
        self.assertEqual(self.probe_host("unix-connect", wl), "OK")
        # wayland auto-connects: its socket is in the view
        self.assertIn("wayland", self.cordon("connections", "viewer").stdout)
        self.assertEqual(self.probe("viewer", "unix-connect", wl), "OK")
        self.cordon("disconnect", "viewer:wayland")
        self.assertEqual(self.probe("viewer", "stat", wl), "ENOENT")
        self.cordon("connect", "viewer:wayland")
        self.assertEqual(self.probe("viewer", "unix-connect", wl), "OK")
        # the bus stays hidden either way
        self.assertEqual(self.probe("viewer", "stat", os.path.join(self.rundir, "bus")), "ENOENT")

    def test_devmode_hides_nothing(self):
        self.install("dev", probe_yaml("dev"), "--devmode")
        self.assertEqual(self.probe("dev", "unix-connect", os.path.join(self.rundir, "bus")),
                         "OK")
