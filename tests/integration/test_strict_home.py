"""Strict confinement, names in the home directory (issue 8, item 4): the
`home` interface grants the non-hidden top-level entries of $HOME except ~/snap
and ~/bin (read-only), matched by patterns at launch. A pattern matches
names, a rule holds an object: after `ln -s bin ~/scripts` or `ln -s .config
~/dotfiles` a rule followed the link to ~/bin or ~/.config (CVE-2024-1724's
class), and a hard link ~/notes of ~/.bashrc is ~/.bashrc under another name.
Beneath the user's home no symlink is followed when rules are resolved, and
a file there with several names is not granted by a pattern.

Each attack works unconfined (the control), then is refused for root and for
a user with only `home`; the same entries without the trick stay granted."""
import os

from cordonlib import probe_yaml
from strictlib import WHO, StrictCase

HOME_YAML = probe_yaml("homer") + "    plugs: [home]\n"


class HomeNamesTest(StrictCase):
    def setUp(self):
        super().setUp()
        self.install("homer", HOME_YAML)
        if self.connected_slot() != ":home":
            self.cordon("connect", "homer:home")
        self.assertEqual(self.connected_slot(), ":home")

    def connected_slot(self):
        for line in self.cordon("connections", "homer").stdout.splitlines()[1:]:
            parts = line.split()
            if parts[1] == "homer:home":
                return parts[2]
        return None

    def prepare(self, who):
        h = self.home(who)
        self.make_file(f"{h}/bin/tool", who, 0o755, "#!/bin/sh\n")
        self.make_file(f"{h}/.config/app.conf", who, 0o600, "secret=1\n")
        self.make_file(f"{h}/.bashrc", who, 0o644, "# rc\n")
        self.make_file(f"{h}/Documents/doc.txt", who, 0o644, "doc\n")
        self.make_file(f"{h}/plain.txt", who, 0o644, "plain\n")
        for d in ("bin", ".config", "Documents"):
            os.chown(f"{h}/{d}", self.uid(who), self.gid(who))
        os.symlink("bin", f"{h}/scripts")
        os.symlink(".config", f"{h}/dotfiles")
        os.symlink(f"{h}/.config", f"{h}/Documents/config")
        os.link(f"{h}/.bashrc", f"{h}/notes")
        for link in ("scripts", "dotfiles", "Documents/config"):
            os.lchown(f"{h}/{link}", self.uid(who), self.gid(who))
        return h

    def test_links_do_not_reach_excluded_entries(self):
        for who in WHO:
            h = self.prepare(who)
            with self.subTest(who=who):
                # controls: the tricks work unconfined
                self.assertEqual(self.host_as(who, "read", f"{h}/dotfiles/app.conf"), "OK")
                self.assertEqual(self.host_as(who, "read", f"{h}/Documents/config/app.conf"),
                                 "OK")
                self.assertEqual(self.host_as(who, "create", f"{h}/scripts/hello-{who}"), "OK")
                os.unlink(f"{h}/bin/hello-{who}")
                self.assertEqual(self.host_as(who, "append", f"{h}/notes", ""), "OK")
                # and what home grants is granted
                self.assertEqual(self.probe_as(who, "homer", "read", f"{h}/plain.txt"), "OK")
                self.assertEqual(self.probe_as(who, "homer", "read", f"{h}/Documents/doc.txt"),
                                 "OK")
                self.assertEqual(self.probe_as(who, "homer", "read", f"{h}/bin/tool"), "OK")
                # ~/dotfiles -> .config: nothing of ~/.config
                self.assertEqual(self.probe_as(who, "homer", "read", f"{h}/dotfiles/app.conf"),
                                 "EACCES")
                # a link inside a granted directory: the object decides
                self.assertEqual(
                    self.probe_as(who, "homer", "read", f"{h}/Documents/config/app.conf"),
                    "EACCES")
                # ~/scripts -> bin: ~/bin stays unwritable (read-only there)
                self.assertIn(self.probe_as(who, "homer", "create", f"{h}/scripts/hello"),
                              ("EACCES", "EROFS"))
                self.assertFalse(os.path.exists(f"{h}/bin/hello"))
                # ~/notes is ~/.bashrc: not granted through either name
                self.assertEqual(self.probe_as(who, "homer", "append", f"{h}/notes", "x"),
                                 "EACCES")
                self.assertEqual(self.probe_as(who, "homer", "read", f"{h}/notes"), "EACCES")
                with open(f"{h}/.bashrc") as f:
                    self.assertEqual(f.read(), "# rc\n")
                # once it has one name again, ~/notes is a plain entry: granted
                os.unlink(f"{h}/.bashrc")
                self.assertEqual(self.probe_as(who, "homer", "append", f"{h}/notes", "y"),
                                 "OK")
