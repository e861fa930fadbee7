/* One snapctl request answered: read from a connection (one frame, within
 * 5 s and the size limits of snapctl_wire.h), run (snapctl_cmds.h), the
 * answer written back (within 10 s). Used by the broker (snapctl_serve.h)
 * for each connection it accepts, and by the hook runner (hooks.h) for each
 * one a hook sends over its channel. */
#pragma once
#include "context.h"
#include "paths.h"
#include "snapctl_cmds.h"

#include <sys/types.h>

/* Answer the request on CONN: for FIXED when given (a hook's: its snap,
 * root), else for the snap the request's cookie names (cookie files under
 * PATHS) and UID. ctx: the context to work in, or NULL: one opened with OPEN
 * on ROOT per request. 0 when the answer was sent. */
int cordon_snapctl_answer(int conn, cordon_ctx *ctx, const char *root, cordon_snapctl_open_fn open,
			  const cordon_paths *paths, const cordon_snapctl_caller *fixed, uid_t uid);

/* A hook's channel (hooks.h): take the connection one `snapctl` in the hook
 * sent over CHAN (a SOCK_SEQPACKET socket, SCM_RIGHTS) and answer its
 * request for CALLER with CTX, the change's own context. Nothing waiting: 0
 * at once. The request must arrive within the broker's time limit. < 0:
 * the channel failed (the hook's side closed: -ECONNRESET). */
int cordon_snapctl_serve_channel(int chan, cordon_ctx *ctx, const cordon_snapctl_caller *caller);
