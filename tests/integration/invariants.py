"""What must hold of a cordon root whatever happened to it (issue 15, "Nothing
half-done"): after any command, even one killed at any system call, and one
`cordon list` as root (which finishes or rolls back interrupted work).

`check(world)` returns a list of violations (strings, empty when all is well);
it never raises on a broken root, so a sweep can collect every violation.

What is checked, from the state database (read-only) outwards:

* the journal is drained (no `pending` row);
* files: `policy/` and `apparmor/` hold exactly one file per label of the
  current revision of every installed snap (apps and hooks), nothing else (no
  stale label, no temporary file); every compiled policy decodes (its hash
  checks), names its label, its snap, the current revision, the current
  revision's mount directory and source; every path it holds that names a
  revision of a snap (`<root>/snap/S/R`, `<root>/var/snap/S/R`) names the
  current revision of an installed S; the AppArmor profile says the same;
* `var/lib/cordon/cookie/` holds one well-formed root 0600 cookie per
  installed snap and nothing else;
* `snap/` and `var/snap/` hold exactly the installed snaps (and the empty
  mount point `S` of an installed instance `S_key`), each exactly its
  kept revisions (+ `current`, + `common`), `current` links to the current
  revision; the stored packages (`var/lib/cordon/snaps`) are exactly those
  of the kept squashfs revisions; `var/lib/cordon/tmp` is empty; no
  `~/snap/S` of a removed snap nor `~/snap/S/R` of a dropped revision in
  the homes under the root;
* no directory of mode 0000 anywhere under the root;
* mounts under the root: each kept revision mounted exactly once, and nothing
  else but the preserved namespaces, views and private /tmp of installed
  snaps; no loop device backed by a file under the root other than the one
  under a mounted revision; no cgroup of a snap that is not installed;
* launches (`launch=True`): every app of every installed snap starts, as root
  and as each user of `world.users`, and sees its snap's current revision
  (SNAP_REVISION, and $SNAP's meta/snap.yaml is the current revision's);
  `cordon list` and `cordon connections --all` succeed for them too;
* connections: for each `world.content` check (plug snap, plug, app, path
  relative to the plug snap's data dir of the current revision), the app
  reads the file iff `cordon connections` lists the plug connected.
"""
import os
import re
import sqlite3
import stat
import struct

from cordonlib import cgroup_roots, loops_backed_by, mountinfo

POLICY_MAGIC = b"CORDONPL"
# src/policy/policy_format.c, enum tag
T_END, T_LABEL, T_SNAP_NAME, T_INSTANCE_NAME, T_INSTANCE_KEY, T_APP, T_REVISION, T_VERSION, \
    T_CONFINEMENT, T_SOURCE_KIND, T_SOURCE_PATH, T_MOUNT_DIR, T_ENV_STATIC, T_ENV_USER, T_CHAIN, \
    T_COMMAND, T_DEVICE, T_NS_STAMP, T_MOUNT, T_SECCOMP, T_FS, T_NET_HANDLED, T_SCOPED, \
    T_CAPS_KEEP, T_APPARMOR, T_FLAGS = range(26)
STR_TAGS = (T_LABEL, T_SNAP_NAME, T_INSTANCE_NAME, T_INSTANCE_KEY, T_APP, T_REVISION, T_VERSION,
            T_SOURCE_PATH, T_MOUNT_DIR, T_CHAIN, T_COMMAND, T_NS_STAMP, T_APPARMOR)
SOURCE_SQUASHFS, SOURCE_DIR = 1, 2
REV_RX = re.compile(r"^(x?\d+)$")


class World:
    """What the checks need to know of a root: its path, how to run the CLI
    (`cordon(*args, user=None, check=False)` returning a CompletedProcess),
    the cgroup parent, the users who must be able to run apps, and the
    content connections to verify from inside (see `content`)."""

    def __init__(self, root, cordon, cgroup_parent, users=(), content=()):
        self.root = root
        self.cordon = cordon
        self.cgroup_parent = cgroup_parent
        self.users = list(users)
        # (plug snap, plug, app "snap.app", file relative to $SNAP_DATA)
        self.content = list(content)

    def path(self, *p):
        return os.path.join(self.root, *p)


# ---- the state ----

def read_state(root):
    """{snaps: {name: current}, revisions: {name: {rev: row}}, connections:
    [(plug_snap, plug, slot_snap, slot, interface, manual, undesired)],
    pending: [...]} or None when there is no database."""
    db_path = os.path.join(root, "var/lib/cordon/state.db")
    if not os.path.exists(db_path):
        return None
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        snaps = dict(db.execute("SELECT name, current FROM snaps"))
        revs = {}
        for snap, rev, seq, version, kind, source, manifest in db.execute(
                "SELECT snap, revision, seq, version, source_kind, source_path, manifest "
                "FROM revisions ORDER BY seq"):
            revs.setdefault(snap, {})[rev] = {"seq": seq, "version": version, "kind": kind,
                                              "source": source, "manifest": manifest}
        conns = sorted(db.execute("SELECT plug_snap, plug, slot_snap, slot, interface, manual, "
                                  "undesired FROM connections"))
        pending = db.execute("SELECT id, op, snap, revision FROM pending").fetchall()
        try:
            aliases = {a: (sn, ap) for a, sn, ap in
                       db.execute("SELECT alias, snap, app FROM aliases")}
        except sqlite3.OperationalError:
            aliases = {}  # a database no writer has brought up to date
    finally:
        db.close()
    return {"snaps": snaps, "revisions": revs, "connections": conns, "pending": pending,
            "aliases": aliases}


def outcome(root):
    """The part of the state a command changes, comparable before/after:
    (snaps and current, kept revisions, connections)."""
    st = read_state(root)
    if st is None:
        return None
    return (tuple(sorted(st["snaps"].items())),
            tuple(sorted((s, tuple(sorted(r))) for s, r in st["revisions"].items())),
            tuple(st["connections"]))


def manifest_names(text, section):
    """The keys of a top-level block mapping (`apps:`, `hooks:`) of a
    snap.yaml, in order: enough YAML for the block style snaps use."""
    out = []
    lines = text.splitlines()
    inside, indent = False, None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        lead = len(line) - len(line.lstrip(" "))
        if lead == 0:
            inside = line.split("#")[0].rstrip() == f"{section}:"
            indent = None
            continue
        if not inside:
            continue
        if indent is None:
            indent = lead
        if lead == indent:
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9-]*)\s*:", line)
            if m:
                out.append(m.group(1))
    return out


def bin_entries(instance, manifest):
    """The /snap/bin entries of an installed snap (store/snapbin.h): one per
    app that is no daemon, <instance> for the app named after the snap."""
    snap = None
    daemons = set()
    inside, indent, app = False, None, None
    for line in manifest.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        lead = len(line) - len(line.lstrip(" "))
        if lead == 0:
            m = re.match(r"name:\s*['\"]?([a-z0-9-]+)", line)
            if m:
                snap = m.group(1)
            inside, indent, app = line.split("#")[0].rstrip() == "apps:", None, None
            continue
        if not inside:
            continue
        if indent is None:
            indent = lead
        if lead == indent:
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9-]*)\s*:", line)
            app = m.group(1) if m else None
        elif app and re.match(r"\s+daemon\s*:", line):
            daemons.add(app)
    return {instance if a == snap else f"{instance}.{a}"
            for a in manifest_names(manifest, "apps") if a not in daemons}


def labels_of(name, manifest):
    return ([f"snap.{name}.{a}" for a in manifest_names(manifest, "apps")] +
            [f"snap.{name}.hook.{h}" for h in manifest_names(manifest, "hooks")])


def manifest_version(text):
    m = re.search(r"^version:\s*['\"]?([^'\"\n]*)['\"]?\s*$", text, re.M)
    return m.group(1) if m else None


# ---- compiled policy ----

def fnv1a64(data):
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def decode_policy(data):
    """{tag: [values]} of a compiled policy (strings decoded, env/mount/fs
    records as tuples); raises ValueError on anything malformed."""
    if data[:8] != POLICY_MAGIC or len(data) < 16:
        raise ValueError("bad magic")
    off = 16
    out = {}

    def string(buf, o):
        (n,) = struct.unpack_from("<I", buf, o)
        s = buf[o + 4:o + 4 + n]
        if len(s) != n:
            raise ValueError("truncated string")
        return s.decode("utf-8", "replace"), o + 4 + n

    while True:
        if off + 8 > len(data):
            raise ValueError("truncated (no END record)")
        tag, _, n = struct.unpack_from("<HHI", data, off)
        payload = data[off + 8:off + 8 + n]
        if len(payload) != n:
            raise ValueError("truncated record")
        if tag == T_END:
            (h,) = struct.unpack("<Q", payload)
            if h != fnv1a64(data[:off]):
                raise ValueError("hash mismatch")
            if off + 8 + n != len(data):
                raise ValueError("bytes after END")
            return out
        if tag in STR_TAGS:
            v, _ = string(payload, 0)
        elif tag in (T_ENV_STATIC, T_ENV_USER):
            k, o = string(payload, 0)
            v, _ = string(payload, o)
            v = (k, v)
        elif tag == T_MOUNT:
            src, o = string(payload, 0)
            dst, o = string(payload, o)
            v = (src, dst)
        elif tag == T_FS:
            v, _ = string(payload, 12)
        elif tag == T_DEVICE:
            v, _ = string(payload, 12)
        elif tag in (T_CONFINEMENT, T_SOURCE_KIND, T_NET_HANDLED, T_SCOPED, T_CAPS_KEEP,
                     T_FLAGS):
            (v,) = struct.unpack("<Q", payload)
        else:
            v = payload
        out.setdefault(tag, []).append(v)
        off += 8 + n


def policy_strings(p):
    for tag, vals in p.items():
        for v in vals:
            if isinstance(v, str):
                yield v
            elif isinstance(v, tuple):
                yield from (x for x in v if isinstance(x, str))


def revision_refs(root, text):
    """(snap, revision) of every path in text naming a revision of a snap
    under root: <root>/snap/S/R or <root>/var/snap/S/R."""
    rx = re.compile(re.escape(root.rstrip("/")) +
                    r"/(?:var/)?snap/([a-z0-9][a-z0-9_-]*)/([A-Za-z0-9._@{}*-]+)")
    for m in rx.finditer(text):
        if REV_RX.match(m.group(2)):
            yield m.group(1), m.group(2)


def policy_snapshot(root):
    """{dir/label: bytes} of every compiled file."""
    out = {}
    for d in ("policy", "apparmor"):
        base = os.path.join(root, "var/lib/cordon", d)
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for f in names:
            try:
                with open(os.path.join(base, f), "rb") as fh:
                    out[f"{d}/{f}"] = fh.read()
            except OSError:
                pass
    return out


# ---- the checks ----

def listdir(p):
    try:
        return sorted(os.listdir(p))
    except FileNotFoundError:
        return None
    except OSError as e:
        return [f"<{e}>"]


def readlink(p):
    try:
        return os.readlink(p)
    except OSError:
        return None


def check_files(w, st, bad):
    snaps, revs = st["snaps"], st["revisions"]
    labels = {}
    for name, cur in snaps.items():
        if cur not in revs.get(name, {}):
            bad.append(f"state: {name} current {cur} is not one of its revisions "
                       f"{sorted(revs.get(name, {}))}")
            continue
        labels[name] = labels_of(name, revs[name][cur]["manifest"])
    for name in revs:
        if name not in snaps:
            bad.append(f"state: revisions of {name}, which is not installed")
    want = sorted(l for ls in labels.values() for l in ls)
    for d in ("policy", "apparmor"):
        have = listdir(w.path("var/lib/cordon", d)) or []
        extra = sorted(set(have) - set(want))
        missing = sorted(set(want) - set(have))
        if extra:
            bad.append(f"{d}/: files of no current label: {extra}")
        if missing:
            bad.append(f"{d}/: no file for labels {missing}")
    for name, ls in labels.items():
        cur = snaps[name]
        row = revs[name][cur]
        for label in ls:
            pfile = w.path("var/lib/cordon/policy", label)
            try:
                with open(pfile, "rb") as f:
                    p = decode_policy(f.read())
            except FileNotFoundError:
                continue
            except (OSError, ValueError, struct.error) as e:
                bad.append(f"policy/{label}: does not decode: {e}")
                continue
            one = lambda t: (p.get(t) or [None])[0]  # noqa: E731
            if one(T_LABEL) != label:
                bad.append(f"policy/{label}: label {one(T_LABEL)}")
            if one(T_INSTANCE_NAME) != name:
                bad.append(f"policy/{label}: instance {one(T_INSTANCE_NAME)}")
            if one(T_REVISION) != cur:
                bad.append(f"policy/{label}: revision {one(T_REVISION)}, state's current is {cur}")
            if one(T_VERSION) != row["version"]:
                bad.append(f"policy/{label}: version {one(T_VERSION)}, current revision's is "
                           f"{row['version']}")
            if one(T_MOUNT_DIR) != w.path("snap", name, cur):
                bad.append(f"policy/{label}: mount dir {one(T_MOUNT_DIR)}")
            if one(T_SOURCE_PATH) != row["source"]:
                bad.append(f"policy/{label}: source {one(T_SOURCE_PATH)}, state's "
                           f"{row['source']}")
            env = dict(p.get(T_ENV_STATIC, []))
            if env.get("SNAP_REVISION") != cur:
                bad.append(f"policy/{label}: SNAP_REVISION={env.get('SNAP_REVISION')}, "
                           f"current is {cur}")
            seen = set()
            for s in policy_strings(p):
                for snap, rev in revision_refs(w.root, s):
                    if (snap, rev) in seen:
                        continue
                    seen.add((snap, rev))
                    if snaps.get(snap) != rev:
                        bad.append(f"policy/{label}: refers to {snap} revision {rev} (state: "
                                   f"{snap} {'current ' + snaps[snap] if snap in snaps else 'not installed'})")
            try:
                with open(w.path("var/lib/cordon/apparmor", label)) as f:
                    prof = f.read()
            except OSError:
                continue
            m = re.search(r'@\{SNAP_REVISION\}="([^"]*)"', prof)
            if not m or m.group(1) != cur:
                bad.append(f"apparmor/{label}: SNAP_REVISION {m.group(1) if m else None}, "
                           f"current is {cur}")
            for snap, rev in set(revision_refs(w.root, prof)):
                if snaps.get(snap) != rev:
                    bad.append(f"apparmor/{label}: refers to {snap} revision {rev}")
    # the /snap/bin entries: exactly the installed snaps' apps, each a link
    # to the launcher (store/snapbin.h)
    want_bin = set()
    for name, cur in snaps.items():
        row = revs.get(name, {}).get(cur)
        if row is not None:
            want_bin |= bin_entries(name, row["manifest"])
    # and the aliases (store/aliases.h): each of an installed snap's app
    # that is no daemon, a link to that app's entry
    want_alias = {}
    for alias, (snap, app) in st.get("aliases", {}).items():
        row = revs.get(snap, {}).get(snaps.get(snap))
        entry = snap if app == snap.split("_")[0] else f"{snap}.{app}"
        if row is None or entry not in bin_entries(snap, row["manifest"]):
            bad.append(f"alias {alias} of {snap}.{app}: no such app installed")
            continue
        want_alias[alias] = entry
    have_bin = set(listdir(w.path("snap", "bin")) or [])
    if have_bin != want_bin | set(want_alias):
        bad.append(f"snap/bin/ holds {sorted(have_bin)}, installed apps: {sorted(want_bin)}, "
                   f"aliases: {sorted(want_alias)}")
    for alias in sorted(have_bin & set(want_alias)):
        link = readlink(w.path("snap", "bin", alias))
        if link != want_alias[alias]:
            bad.append(f"snap/bin/{alias} -> {link}, not {want_alias[alias]}")
    # the desktop files (store/desktop.h): each of an installed snap
    for f in listdir(w.path("var/lib/cordon/desktop/applications")) or []:
        if not f.endswith(".desktop") or "_" not in f or f.rsplit("_", 1)[0] not in snaps:
            bad.append(f"var/lib/cordon/desktop/applications/{f}: of no installed snap")
    for e in sorted(have_bin & want_bin):
        link = readlink(w.path("snap", "bin", e))
        if link is None or not link.endswith("/libexec/cordon/cordon-confine"):
            bad.append(f"snap/bin/{e} -> {link}, not the launcher")
    # the revisions on disk
    for base, extra in (("snap", {"current"}), ("var/snap", {"current", "common"})):
        have = set(listdir(w.path(base)) or []) - ({"bin"} if base == "snap" else set())
        # an instance's namespace mounts on <base>/<snap name> (mountns.c):
        # that mount point stays, empty, while an instance is installed
        for e in sorted(have - set(snaps)):
            if any(n.startswith(e + "_") for n in snaps) and listdir(w.path(base, e)) == []:
                have.discard(e)
        if have != set(snaps):
            bad.append(f"{base}/ holds {sorted(have)}, installed: {sorted(snaps)}")
        for name in sorted(have | set(snaps)):
            entries = listdir(w.path(base, name))
            if name not in snaps:
                continue
            want_e = set(revs.get(name, {})) | extra
            if entries is None or set(entries) != want_e:
                bad.append(f"{base}/{name}/ holds {entries}, want {sorted(want_e)}")
            link = readlink(w.path(base, name, "current"))
            if link != snaps[name]:
                bad.append(f"{base}/{name}/current -> {link}, state's current is {snaps[name]}")
    blobs = set(listdir(w.path("var/lib/cordon/snaps")) or [])
    want_blobs = {f"{n}_{r}.snap" for n, rs in revs.items() for r, row in rs.items()
                  if row["kind"] == SOURCE_SQUASHFS}
    if blobs != want_blobs:
        bad.append(f"var/lib/cordon/snaps/ holds {sorted(blobs)}, kept squashfs revisions: "
                   f"{sorted(want_blobs)}")
    tmp = listdir(w.path("var/lib/cordon/tmp"))
    if tmp:
        bad.append(f"var/lib/cordon/tmp/ not empty: {tmp}")
    # the snapctl cookies (store/cookies.h): one per installed snap, root's
    # alone, well formed; nothing else (no temporary of a killed write)
    cookies = listdir(w.path("var/lib/cordon/cookie"))
    want_c = {f"snap.{n}" for n in snaps}
    if set(cookies or []) != want_c:
        bad.append(f"var/lib/cordon/cookie/ holds {sorted(cookies or [])}, installed: "
                   f"{sorted(want_c)}")
    for name in sorted(set(cookies or []) & want_c):
        p = w.path("var/lib/cordon/cookie", name)
        cst = os.lstat(p)
        with open(p) as f:
            text = f.read()
        if not stat.S_ISREG(cst.st_mode) or stat.S_IMODE(cst.st_mode) != 0o600 or \
                cst.st_uid != 0 or not re.fullmatch(r"[0-9a-f]{64}", text):
            bad.append(f"var/lib/cordon/cookie/{name}: not a root 0600 file holding a cookie")
    # the users' data under the root's homes
    homes = [w.path("home", h) for h in (listdir(w.path("home")) or [])]
    for h in homes:
        for name in listdir(os.path.join(h, "snap")) or []:
            if name not in snaps:
                bad.append(f"{h}/snap/{name}: user data of a snap not installed")
                continue
            for e in listdir(os.path.join(h, "snap", name)) or []:
                if e.startswith("."):
                    bad.append(f"{h}/snap/{name}/{e}: stray temporary file")
                elif e not in ("common", "current") and e not in revs.get(name, {}):
                    bad.append(f"{h}/snap/{name}/{e}: user data of a revision not kept")


def check_modes(w, bad, skip):
    """No directory of mode 0000 under the root (a mkdir(…, 0) whose chmod
    never came); the mounted revisions are not walked."""
    for dirpath, dirnames, _ in os.walk(w.root):
        keep = []
        for d in dirnames:
            p = os.path.join(dirpath, d)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0:
                bad.append(f"directory of mode 0000: {p}")
            if p not in skip and stat.S_ISDIR(st.st_mode):
                keep.append(d)
        dirnames[:] = keep


def check_mounts(w, st, bad):
    snaps, revs = st["snaps"], st["revisions"]
    mi = [m for m in mountinfo() if m["mnt"] == w.root or m["mnt"].startswith(w.root + "/")]
    labels = {}
    for name, cur in snaps.items():
        if cur in revs.get(name, {}):
            labels[name] = set(labels_of(name, revs[name][cur]["manifest"]))
    rev_mounts = {}
    for m in mi:
        rel = os.path.relpath(m["mnt"], w.root)
        parts = rel.split("/")
        if parts[0] == "snap" and len(parts) == 3 and parts[1] in snaps \
                and parts[2] in revs.get(parts[1], {}):
            rev_mounts.setdefault((parts[1], parts[2]), []).append(m)
            continue
        if rel == "run/cordon/ns":
            continue
        if parts[:3] == ["run", "cordon", "ns"] and len(parts) == 4:
            f = parts[3]
            mm = re.match(r"^(.+)\.(mnt|ipc)$", f)
            if mm and mm.group(1) in snaps:
                continue
            mm = re.match(r"^(snap\.([^.]+)\..+)\.\d+\.view$", f)
            if mm and mm.group(2) in snaps and mm.group(1) in labels.get(mm.group(2), ()):
                continue
        if parts[:3] == ["run", "cordon", "tmp"] and len(parts) == 5 and parts[3] in snaps \
                and parts[4] == "tmp":
            continue
        bad.append(f"mount left: {m['mnt']} ({m['fstype']} {m['source']} {m['root']})")
    loops_of = {}
    for (name, rev) in sorted({(n, r) for n, rs in revs.items() for r in rs if n in snaps}):
        ms = rev_mounts.get((name, rev), [])
        if len(ms) != 1:
            bad.append(f"revision {name} {rev} mounted {len(ms)} times at "
                       f"{w.path('snap', name, rev)}")
        for m in ms:
            if m["source"].startswith("/dev/loop"):
                loops_of[os.path.basename(m["source"])] = (name, rev)
    for loop in loops_backed_by(w.root):
        try:
            with open(f"/sys/block/{loop}/loop/backing_file") as f:
                backing = f.read().strip()
        except OSError:
            continue
        owner = loops_of.get(loop)
        if owner is None:
            bad.append(f"loop device {loop} backed by {backing}: under no mounted revision")
        elif backing != w.path("var/lib/cordon/snaps", f"{owner[0]}_{owner[1]}.snap"):
            bad.append(f"loop device {loop} of {owner} backed by {backing}")
    for croot in cgroup_roots():
        base = os.path.join(croot, w.cgroup_parent)
        for e in listdir(base) or []:
            if not e.startswith("snap.") or not os.path.isdir(os.path.join(base, e)):
                continue
            snap = e.split(".")[1]
            if snap not in snaps:
                bad.append(f"cgroup {base}/{e} of a snap not installed")


def check_launches(w, st, bad):
    snaps, revs = st["snaps"], st["revisions"]
    who = [None] + w.users
    listed = {}
    for user in who:
        tag = f" (as {user or 'root'})"
        p = w.cordon("list", user=user)
        if p.returncode != 0 or p.stderr.startswith("error"):
            bad.append(f"cordon list{tag} failed: {p.stderr.strip()}")
        p = w.cordon("connections", "--all", user=user)
        if p.returncode != 0:
            bad.append(f"cordon connections --all{tag} failed: {p.stderr.strip()}")
        else:
            listed[user] = p.stdout
    if len(set(listed.values())) > 1:
        bad.append(f"cordon connections differs between root and users: {listed}")
    for name, cur in sorted(snaps.items()):
        if cur not in revs.get(name, {}):
            continue
        row = revs[name][cur]
        # $SNAP: an instance's is at /snap/<snap name> in its namespace
        yaml_path = w.path("snap", name.split("_")[0], cur, "meta/snap.yaml")
        for app in manifest_names(row["manifest"], "apps"):
            for user in who:
                tag = f"cordon run {name}.{app}" + (f" as {user}" if user else "")
                p = w.cordon("run", f"{name}.{app}", "env", "SNAP_REVISION", user=user)
                if p.returncode != 0 or p.stdout.strip() != f"OK {cur}":
                    bad.append(f"{tag}: SNAP_REVISION gave {p.stdout.strip()!r} "
                               f"(exit {p.returncode}; {p.stderr.strip()[:200]}), current is {cur}")
                    continue
                if user is not None:
                    continue
                p = w.cordon("run", f"{name}.{app}", "cat", yaml_path, user=user)
                lines = p.stdout.splitlines()
                ver = manifest_version("\n".join(lines[1:])) if lines[:1] == ["OK"] else None
                if ver != row["version"]:
                    bad.append(f"{tag}: $SNAP/meta/snap.yaml version {ver!r} "
                               f"({p.stdout.strip()[:60]!r}), current revision's is "
                               f"{row['version']}")
    # connections as the apps see them
    text = listed.get(None, "")
    for snap, plug, app, rel in w.content:
        if snap not in snaps:
            continue
        connected = False
        for line in text.splitlines()[1:]:
            cols = line.split()
            if len(cols) >= 3 and cols[1] == f"{snap}:{plug}" and cols[2] != "-":
                connected = True
        path = w.path("var/snap", snap, snaps[snap], rel)
        for user in who:
            p = w.cordon("run", app, "read", path, user=user)
            got = p.stdout.strip()
            if connected and got != "OK":
                bad.append(f"{snap}:{plug} listed connected, but {app} reading {path}"
                           f"{' as ' + user if user else ''} gives {got!r} {p.stderr.strip()[:200]}")
            if not connected and got == "OK":
                bad.append(f"{snap}:{plug} listed disconnected, but {app} reads {path}"
                           f"{' as ' + user if user else ''}")


def check(w, launch=True):
    """Every invariant of the root; a list of violations."""
    bad = []
    try:
        st = read_state(w.root)
    except sqlite3.Error as e:
        return [f"state database unreadable: {e}"]
    if st is None:
        st = {"snaps": {}, "revisions": {}, "connections": [], "pending": []}
    if st["pending"]:
        bad.append(f"journal not drained: {st['pending']}")
    check_files(w, st, bad)
    skip = {w.path("snap", n, r) for n, rs in st["revisions"].items() for r in rs}
    skip.add(w.path("work"))
    check_modes(w, bad, skip)
    check_mounts(w, st, bad)
    if launch:
        check_launches(w, st, bad)
        # launching may not break anything either (nor repair what was
        # already reported: the first report stands)
        again = []
        check_mounts(w, st, again)
        bad += [f"after launches: {b}" for b in again if b not in bad]
    return bad
