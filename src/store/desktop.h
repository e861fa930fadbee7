/* A snap's desktop files: each meta/gui/<name>.desktop of its current
 * revision, sanitized (desktop_entry.h), installed as
 * <state>/desktop/applications/<instance>_<name>.desktop (snapd's
 * /var/lib/snapd/desktop/applications; /etc/profile.d/cordon.sh puts
 * <state>/desktop on XDG_DATA_DIRS). Derived from state alone, as the
 * /snap/bin entries: written by the snap's whole recompile (install,
 * refresh, revert, recovery), removed with the snap. A disabled snap has
 * none. */
#pragma once
#include "compile.h"
#include "context.h"

/* <state>/desktop/applications (malloc'd). */
char *cordon_desktop_dir(const cordon_ctx *ctx);

/* Make the snap's desktop files exact: written atomically, every other of
 * the snap's removed; left as they are while the revision's image is not
 * mounted (no meta/snap.yaml to read them from). */
int cordon_desktop_write(cordon_ctx *ctx, const cordon_compile_input *in, cordon_error **err);

/* Remove every desktop file of the instance. */
int cordon_desktop_remove(cordon_ctx *ctx, const char *instance, cordon_error **err);
