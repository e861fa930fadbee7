/* Interface connections: plugs and slots in state, auto-connection at
 * install and refresh, connect/disconnect with snapd's resolution of
 * omitted parts. What a connection grants is the compiler's (compile.h). */
#pragma once
#include "context.h"
#include "manifest.h"
#include "txn.h"

#include <stdbool.h>

/* Inside the install transaction: check the snap's plugs and slots against
 * the catalogue (privileged interfaces need --dangerous; attribute types),
 * record them, auto-connect the snap's plugs and other snaps' plugs to its
 * slots (content: only a plug and a slot of one snap, see content.yaml); on
 * refresh keep existing connections, drop those whose plug or slot is gone
 * and automatic ones that rule forbids, and never re-create one the admin
 * disconnected. Other snaps whose policy changes are recompiled (t). */
int cordon_connections_on_install(cordon_txn *t, const char *instance, bool refresh, bool dangerous,
				  cordon_error **err);

/* The other snaps a change that installs, refreshes or removes `instance`
 * (incoming: the new manifest, or NULL) may recompile: what its transaction
 * journals (txn.h). Appended to snaps, maybe more than once. */
int cordon_connections_neighbours(cordon_ctx *ctx, const char *instance,
				  const cordon_manifest *incoming, strv *snaps, cordon_error **err);

/* Inside the remove transaction, before the snap's row goes: drop the
 * connections to its slots, and recompile the snaps at the other end of
 * each of its connections. */
int cordon_connections_on_remove(cordon_txn *t, const char *instance, cordon_error **err);

/* cordon connect SNAP:PLUG [SNAP[:SLOT]]. slot_snap NULL: the system (or the
 * only snap offering a matching slot); "" is the system. slot NULL: the only
 * slot of that snap with the plug's interface. */
int cordon_connect(cordon_ctx *ctx, const char *plug_snap, const char *plug, const char *slot_snap,
		   const char *slot, cordon_error **err);

/* cordon disconnect SNAP:NAME [SNAP:SLOT] [--forget]. NAME may be a plug or a
 * slot. *count: connections removed (0: "No connections to disconnect"). */
int cordon_disconnect(cordon_ctx *ctx, const char *snap, const char *name, const char *slot_snap,
		      const char *slot, bool forget, int *count, cordon_error **err);

/* The prepare and connect hooks of the connections the change made by
 * itself (t->conns_made), after cordon_txn_prepare: a failure undoes the
 * change. */
int cordon_connections_run_hooks(cordon_txn *t, cordon_error **err);

/* A removal's disconnect hooks (snapd's auto-disconnect), for every
 * connection of the snap, both ends, while still connected: failures are
 * warnings, the removal goes on. */
void cordon_connections_remove_hooks(cordon_ctx *ctx, const char *instance);
