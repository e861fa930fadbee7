/* Base snaps: a snap of `type: base` gives the snaps that name it in
 * `base:` the root of their mount namespace (runtime/baseroot.c). There is
 * no store to fetch one from: a snap installs only on a base installed
 * before it, and a base stays while an installed snap names it. */
#pragma once
#include "context.h"
#include "manifest.h"

/* The base the snap's namespace is made from: its `base:`, or NULL when it
 * names none (or `none`), or is itself a base (its commands, if any, run on
 * the host's root, as before bases). */
const char *cordon_bases_name(const cordon_manifest *m);

/* The installed base of the snap (NULL: none, see cordon_bases_name).
 * -ENOENT with an error naming it when it is not installed, -EINVAL when
 * the snap of that name is not a base. */
int cordon_bases_load(cordon_ctx *ctx, const cordon_loaded_snap *snap,
		      const cordon_loaded_snap **base, cordon_error **err);

/* Before anything of an install is made: the base the manifest names is
 * installed and is a base. */
int cordon_bases_check_install(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
			       cordon_error **err);

/* The installed snaps whose base is `name` (none unless `name` is an
 * installed base), appended to out (once each):
 * a refresh of the base recompiles them (their policy names its
 * revision). */
int cordon_bases_users(cordon_ctx *ctx, const char *name, strv *out, cordon_error **err);

/* Before a remove: a base named by an installed snap is refused, naming
 * them. */
int cordon_bases_check_remove(cordon_ctx *ctx, const char *name, cordon_error **err);
