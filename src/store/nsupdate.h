/* Keeping a snap's preserved namespace in step with its connections, after
 * a committed change (txn.h settles through here). */
#pragma once
#include "context.h"

/* Discard the snap's preserved namespace when no process uses it (the next
 * launch builds a fresh one), or bring its bind mounts up to date in place.
 * When that fails, the namespace is discarded all the same (its running
 * commands keep the old view until they exit) and *warning says so: an
 * error is only what leaves the namespace's state unknown. */
int cordon_ns_refresh(cordon_ctx *ctx, const char *instance, char **warning, cordon_error **err);
