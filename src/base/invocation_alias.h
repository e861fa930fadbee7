/* An alias's /snap/bin entry (store/aliases.h) is a symlink to the entry of
 * the app it names (ALIAS -> SNAP.APP, as snapd's), which is itself a
 * symlink to the launcher: invoked as ALIAS, the launcher reads that one
 * link, never following it, in the root-owned /snap/bin, and runs the app
 * it names.
 *
 * Why this may trust neither more nor less than argv[0]: whatever the
 * target says becomes a name that cordon_invocation_label checks as it
 * checks argv[0], and any caller may already run any installed label by
 * naming it (`cordon-confine LABEL`). The lookup only saves the caller
 * from knowing the label; it grants nothing. The directory is still
 * required root-owned all the way down (fs_open_dir_root_owned), so what an
 * alias runs is what the admin set up, and the link is read with
 * readlinkat, so no symlink planted anywhere is followed. Two syscalls per
 * component of the path and one readlinkat: nothing a warm launch feels. */
#pragma once
#include "error.h"

#include <stdbool.h>

/* Could `name` be an alias (snapd's ValidAlias, at most
 * CORDON_INVOCATION_NAME_MAX bytes)? Pure: any other name is checked as an
 * entry's at once, before any privileged work. */
bool cordon_invocation_alias_shaped(const char *name);

/* snap_bin: <root>/snap/bin. name: the invocation's base name. *target
 * (malloc'd): the entry name the alias stands for, or NULL when name is no
 * alias (no such entry, an app's own entry, not a symlink, a name no alias
 * can have, or no /snap/bin at all). */
int cordon_invocation_alias(const char *snap_bin, const char *name, char **target,
			    cordon_error **err);
