/* A snap's configuration in the state database (issue 11): `cordon get`,
 * `set` and `unset`, and what hooks and snapctl build on. The document and
 * the changes to it are the config layer's (config/confdoc.h); this reads
 * and writes them.
 *
 * A change is staged first (cordon_snapconf_begin, _patch), so that the
 * snap's configure hook can read it with `snapctl get` (and what was there
 * before with `snapctl get --previous`) and add to it, then committed, or
 * dropped if the hook fails. It commits onto the document as it is at that
 * moment, as snapd's configuration transactions do. */
#pragma once
#include "confdoc.h"
#include "context.h"

typedef struct cordon_snapconf {
	char *snap;
	cordon_conf_txn *txn;
} cordon_snapconf;

/* The snap's document as stored (JSON text), or NULL when it has none (or
 * is not installed). Any user: a read-only context will do. */
int cordon_snapconf_document(cordon_ctx *ctx, const char *snap, char **doc, cordon_error **err);

/* Begin a change to the installed snap's configuration. -ENOENT `snap "x"
 * is not installed`. End it with cordon_snapconf_end, committed or not. */
int cordon_snapconf_begin(cordon_ctx *ctx, const char *snap, cordon_snapconf *c,
			  cordon_error **err);
/* Stage changes: all of them, or none and an error (confdoc.h). */
int cordon_snapconf_patch(cordon_snapconf *c, const cordon_conf_patches *p, cordon_error **err);
/* KEY's value ("" = the document) as compact JSON, staged changes included,
 * or as it was when the change began (previous). cordon_conf_txn_get. */
int cordon_snapconf_get(cordon_snapconf *c, const char *key, bool previous, char **json,
			cordon_error **err);
/* Write what is staged onto the document as it is now: inside the caller's
 * state transaction when one is open (its commit or rollback decides),
 * else in one of its own. Nothing staged: nothing written. */
int cordon_snapconf_commit(cordon_ctx *ctx, cordon_snapconf *c, cordon_error **err);
/* Drop what is staged (and not committed). */
void cordon_snapconf_end(cordon_snapconf *c);
