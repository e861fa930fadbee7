/* Interface connections in state: auto-connection at install and refresh,
 * connect/disconnect, and what each connection grants a label. */
#pragma once
#include "context.h"
#include "definitions.h"
#include "manifest.h"
#include "rules.h"

#include <stdbool.h>

/* Inside the install transaction: auto-connect the snap's plugs (and plugs of
 * other snaps to its slots); on refresh keep existing connections, drop those
 * whose plug or slot is gone, and never re-create one the admin disconnected. */
int cordon_connections_on_install(cordon_ctx *ctx, const char *instance, bool refresh,
				  cordon_error **err);

/* Inside the remove transaction: drop connections to the snap's slots and
 * recompile the plug side. */
int cordon_connections_on_remove(cordon_ctx *ctx, const char *instance, cordon_error **err);

/* How a grant's variables beyond the snap's own resolve: ${plug:ATTR},
 * ${slot:ATTR}, ${slot:SNAP}... */
typedef struct cordon_grant_env {
	cordon_var_lookup lookup_other;
	void *other_ctx;
} cordon_grant_env;

typedef struct cordon_grant_use {
	const cordon_grant *grant;
	char *origin; /* for messages and the AppArmor profile: "interface network" */
	cordon_grant_env env;
	void *owned; /* what env needs, freed with the use */
} cordon_grant_use;

/* The grants the connected plugs and slots of one app or hook bring. */
int cordon_connections_grants(cordon_ctx *ctx, const cordon_manifest *m, const char *instance,
			      const char *app, const char *hook, cordon_grant_use **uses,
			      size_t *n, cordon_error **err);
void cordon_grant_uses_free(cordon_grant_use *uses, size_t n);

/* The snap-wide bind mounts its connections need (content), as triples
 * "ro|rw", source, target. */
int cordon_connections_mounts(cordon_ctx *ctx, const cordon_manifest *m, const char *instance,
			      const char *mount_dir, strv *out, cordon_error **err);
