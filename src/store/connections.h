/* Interface connections: plugs and slots in state, auto-connection at install
 * and refresh, connect/disconnect with snapd's resolution of omitted parts,
 * and what each connection grants a label (grants.c). */
#pragma once
#include "context.h"
#include "definitions.h"
#include "manifest.h"
#include "rules.h"

#include <stdbool.h>
#include <sys/types.h>

/* Inside the install transaction: check the snap's plugs and slots against
 * the catalogue (privileged interfaces need --dangerous; attribute types),
 * record them, auto-connect the snap's plugs and other snaps' plugs to its
 * slots (content: only a plug and a slot of one snap, see content.yaml); on
 * refresh keep existing connections, drop those whose plug or slot is gone
 * and automatic ones that rule forbids, and never re-create one the admin
 * disconnected. Other snaps whose policy changes are recompiled. */
int cordon_connections_on_install(cordon_ctx *ctx, const char *instance, bool refresh,
				  bool dangerous, cordon_error **err);

/* Before a transaction that installs, refreshes or removes `instance`
 * (incoming: the new manifest, or NULL): journal a `finish` entry for every
 * other snap the change may recompile, so a kill inside the transaction is
 * followed by recompiling them from state (recovery). ids: the entries, to
 * drop inside the transaction with cordon_connections_unjournal. */
int cordon_connections_journal_neighbours(cordon_ctx *ctx, const char *instance,
					  const cordon_manifest *incoming, strv *ids,
					  cordon_error **err);
int cordon_connections_unjournal(cordon_ctx *ctx, const strv *ids, cordon_error **err);

/* Inside the remove transaction: drop connections to the snap's slots and
 * recompile the plug side. */
int cordon_connections_on_remove(cordon_ctx *ctx, const char *instance, cordon_error **err);

/* cordon connect SNAP:PLUG [SNAP[:SLOT]]. slot_snap NULL: the system (or the
 * only snap offering a matching slot); "" is the system. slot NULL: the only
 * slot of that snap with the plug's interface. */
int cordon_connect(cordon_ctx *ctx, const char *plug_snap, const char *plug, const char *slot_snap,
		   const char *slot, cordon_error **err);

/* cordon disconnect SNAP:NAME [SNAP:SLOT] [--forget]. NAME may be a plug or a
 * slot. *count: connections removed (0: "No connections to disconnect"). */
int cordon_disconnect(cordon_ctx *ctx, const char *snap, const char *name, const char *slot_snap,
		      const char *slot, bool forget, int *count, cordon_error **err);

/* How a grant's variables beyond the snap's own resolve: ${plug:ATTR},
 * ${slot:ATTR}, ${slot:SNAP}... */
typedef struct cordon_grant_env {
	cordon_var_lookup lookup_other;
	void *other_ctx;
} cordon_grant_env;

typedef struct cordon_grant_use {
	const cordon_grant *grant;
	char *origin; /* for messages and the AppArmor profile */
	cordon_grant_env env;
	void *owned; /* what env needs, freed with the use */
} cordon_grant_use;

/* The grants the connected plugs and slots of one app or hook bring. */
int cordon_connections_grants(cordon_ctx *ctx, const char *instance, const char *app,
			      const char *hook, cordon_grant_use **uses, size_t *n,
			      cordon_error **err);
void cordon_grant_uses_free(cordon_grant_use *uses, size_t n);

/* The snap-wide bind mounts its connections need (content), as triples
 * "ro|rw", source, target; mount points under the snap's writable
 * directories are created. */
int cordon_connections_mounts(cordon_ctx *ctx, const char *instance, strv *out, cordon_error **err);

/* After a commit: bring the namespaces of the snaps whose mounts may have
 * changed (ctx->ns_dirty) up to date. */
int cordon_connections_settle(cordon_ctx *ctx, cordon_error **err);

/* After a change that alters a snap's mounts is committed: discard its
 * preserved namespace when no process uses it, or update it in place. */
int cordon_ns_refresh(cordon_ctx *ctx, const char *instance, cordon_error **err);

/* Internal to the connections module (grants.c / connections.c). */
bool cordon_port_bound(const cordon_port *p, const char *app, const char *hook);
int cordon_check_attrs(const cordon_def *def, const cordon_port *port, bool plug, const char *snap,
		       cordon_error **err);
const char *cordon_port_content(const cordon_port *p);
