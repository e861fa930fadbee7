/* The snap's layouts (snap.yaml `layout:`), made in its mount namespace when
 * it is created, before any command runs: `bind` and `bind-file` (the
 * source bound on the path), `type: tmpfs` (a tmpfs there) and `symlink`.
 *
 * A path that does not exist is made, but never in a file system of the
 * host or of a snap: where a directory on the way lacks an entry, it becomes
 * a writable mimic as snap-update-ns makes one, a tmpfs over it with each
 * of its entries bound back (directories, files, devices, sockets) or
 * copied (symlinks), with the directory's own owner and mode; the entry is
 * made in that tmpfs. The paths beside a layout thus keep showing the
 * original content. With a base, the namespace's root is cordon's own tmpfs
 * (baseroot.h): top-level entries are made there. Nothing on the way is
 * followed through a symlink (a snap's data directory is the snap's to
 * change). Mimics are made read-only once every layout is in place. */
#pragma once
#include "error.h"
#include "policy.h"

#include <stdbool.h>

/* In the new snap namespace, privileged; root_is_ours: / is baseroot's
 * tmpfs. */
int cordon_layouts_apply(const cordon_policy *p, bool root_is_ours, cordon_error **err);
