/* The alias changes themselves: `cordon alias` and `cordon unalias`, each
 * a journaled change (txn.h) that recompiles the snap, whose /snap/bin
 * entries then follow its aliases (aliases.h). */
#pragma once
#include "aliases.h"
#include "context.h"

/* What an alias change did: triples snap, app, alias. */
typedef struct cordon_alias_change {
	strv added, removed;
} cordon_alias_change;
void cordon_alias_change_free(cordon_alias_change *c);

/* `cordon alias SNAP.APP ALIAS` (SNAP alone: the app named after it). */
int cordon_store_alias(cordon_ctx *ctx, const char *snap_app, const char *alias,
		       cordon_alias_change *out, cordon_error **err);

/* `cordon unalias ALIAS|SNAP`: an installed snap's name removes all its
 * aliases, else the manual alias of that name. */
int cordon_store_unalias(cordon_ctx *ctx, const char *name, cordon_alias_change *out,
			 cordon_error **err);
