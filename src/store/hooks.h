/* Running a snap's hooks (meta/hooks/<name>, declared in snap.yaml or not):
 * confined under their own label, snap.<instance>.hook.<name>, through the
 * launcher, as root, at the points of the snap's life where snapd runs them
 * (store.c, connections.c say which and what a failure does). */
#pragma once
#include "context.h"
#include "hookctx.h"

/* snapd's default time limit for a hook (hookstate: defaultHookTimeout). */
#define CORDON_HOOK_TIMEOUT_S 600

/* Does the snap's current revision have this hook? */
bool cordon_hook_exists(cordon_ctx *ctx, const char *instance, const char *hook);

/* Run the hook if the snap's current revision has it (0 and nothing done
 * if not, as snapd skips a hook that is absent). Its stdout and stderr go
 * to ctx->hook_out_fd as they come (the CLI's stdout; -1: nowhere) and the
 * last of them into the error when it fails: a non-zero exit, a signal, or
 * the time limit (CORDON_HOOK_TIMEOUT_S; the environment's
 * CORDON_HOOK_TIMEOUT, in seconds, for tests), after which everything the
 * hook started in its process group is killed. The policy must be written
 * (the launcher reads it), the state need not be committed (the launcher
 * never reads it). */
int cordon_hook_run(cordon_ctx *ctx, const char *instance, const char *hook, cordon_error **err);

/* cordon_hook_run with opts (NULL: none). While the hook runs, its snapctl
 * requests are served from this process through a channel only the hook's
 * processes hold (fd 3 of the launcher, which a root caller may pass on;
 * CORDON_SNAPCTL_FD): with this change's state (the store's lock is held,
 * so the broker could not serve them), for this snap alone, as root. */
int cordon_hook_run_with(cordon_ctx *ctx, const char *instance, const char *hook,
			 const cordon_hook_opts *opts, cordon_error **err);
