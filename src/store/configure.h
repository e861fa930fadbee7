/* Changing a snap's configuration as `cordon set` and `unset` do: the
 * change staged (snapconf.h), the snap's configure hook run on it (hooks.h),
 * committed only if the hook succeeds. */
#pragma once
#include "confdoc.h"
#include "context.h"
#include "snapconf.h"

/* Run the snap's configure hook on the staged change (hooks.h). A failure
 * is the hook's error: the caller then drops the change. */
int cordon_snapconf_configure_hook(cordon_ctx *ctx, cordon_snapconf *c, cordon_error **err);

/* `cordon set` and `cordon unset`: stage the changes on the installed
 * snap's configuration, run the configure hook, commit. Nothing changes
 * unless all of it succeeds. */
int cordon_store_configure(cordon_ctx *ctx, const char *snap, const cordon_conf_patches *p,
			   cordon_error **err);
