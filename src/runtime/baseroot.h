/* The root of a snap's mount namespace when the snap names a base (step 3):
 * the base's revision as `/`, with the host directories snapd binds over it
 * (snap-confine's sc_populate_mount_ns and sc_bootstrap_mount_namespace,
 * cmd/snap-confine/mount-support.c) and nothing else of the host's: its
 * /usr, /bin, /lib*, /opt are the base's. Everything the launcher does in
 * the namespace after this (the private /tmp, content binds, layouts, the
 * command's view, the targets that Landlock and the view resolve, the
 * AppArmor profile's paths) then works on the base's tree as it did on the
 * host's. */
#pragma once
#include "error.h"
#include "paths.h"
#include "policy.h"

/* Called right after unshare(CLONE_NEWNS), privileged, with / already a
 * recursive slave: builds the root in a tmpfs and pivots into it (the old
 * root is detached). Nothing to do for a policy without a base. */
int cordon_baseroot_enter(const cordon_paths *paths, const cordon_policy *p, cordon_error **err);
