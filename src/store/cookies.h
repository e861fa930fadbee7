/* The snaps' cookies on disk (runtime/cookie.h says what they are for):
 * <state>/cookie/snap.<instance>, made when a snap's policy is compiled as a
 * whole (install, refresh, revert, recovery: recompile.c) and kept while the
 * snap is installed, so its apps' SNAP_COOKIE does not change under running
 * commands; removed with the snap (revisions.c). */
#pragma once
#include "context.h"

/* Make the snap's cookie unless a valid one exists: 32 bytes of getrandom,
 * hex, written atomically (root 0600, in the root 0700 directory). */
int cordon_cookie_ensure(cordon_ctx *ctx, const char *instance, cordon_error **err);

/* Remove the snap's cookie (and what a killed write left of it). Missing is
 * fine. */
int cordon_cookie_remove(cordon_ctx *ctx, const char *instance, cordon_error **err);

/* The instance whose cookie is `cookie` (malloc'd into *instance), compared
 * in constant time against every cookie file; -ENOENT (err untouched) when
 * none matches or the cookie is not well formed. A file that is not what
 * cordon_cookie_ensure writes never matches. */
int cordon_cookie_lookup(const cordon_paths *paths, const char *cookie, char **instance,
			 cordon_error **err);
