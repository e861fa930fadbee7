/* A snap's /snap/bin entries: the names its apps are run by, each a symlink
 * to the launcher, which reads the name it was invoked by (base/invocation.h)
 * as snapd's entries all point at /usr/bin/snap. The shell's one exec is the
 * launcher's: no CLI in between.
 *
 *   <root>/snap/bin/<instance>.<app>   every app that is no daemon
 *   <root>/snap/bin/<instance>         the app named after the snap
 *
 * Derived from state alone, like policy and units: written by the snap's
 * whole recompile (recompile.c, so install, refresh, revert and recovery
 * all make them exact), removed with the snap. A disabled snap has none. */
#pragma once
#include "compile.h"
#include "context.h"
#include "manifest.h"
#include "util.h"

/* The entries of the snap (pure): names, in the manifest's app order. */
void cordon_snapbin_names(const char *instance, const cordon_manifest *m, strv *out);

/* Make the snap's entries exact: each a symlink to the launcher, written
 * atomically (a temporary name, renamed), and every other entry of the snap,
 * or a temporary one a killed command left, removed. */
int cordon_snapbin_write(cordon_ctx *ctx, const cordon_compile_input *in, cordon_error **err);

/* Remove every entry of the instance. */
int cordon_snapbin_remove(cordon_ctx *ctx, const char *instance, cordon_error **err);
