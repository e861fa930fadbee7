/* A snap's configuration in the state database (snapconf.h). */
#include "snapconf.h"

#include <errno.h>
#include <string.h>

int cordon_snapconf_document(cordon_ctx *ctx, const char *snap, char **doc, cordon_error **err)
{
	*doc = NULL;
	/* a root where nothing was ever installed has no state to read */
	if (ctx->state == NULL)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", snap);
	int r = cordon_state_get_config(ctx->state, snap, doc, err);
	return r == -ENOENT ? 0 : r;
}

int cordon_snapconf_begin(cordon_ctx *ctx, const char *snap, cordon_snapconf *c, cordon_error **err)
{
	memset(c, 0, sizeof *c);
	cordon_snap_row row = {0};
	int r = cordon_state_get_snap(ctx->state, snap, &row, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", snap);
	if (r < 0)
		return r;
	cordon_snap_row_free(&row);
	_cleanup_free_ char *doc = NULL;
	r = cordon_snapconf_document(ctx, snap, &doc, err);
	if (r == 0)
		r = cordon_conf_txn_new(snap, doc, &c->txn, err);
	if (r < 0)
		return r;
	c->snap = xstrdup(snap);
	return 0;
}

int cordon_snapconf_patch(cordon_snapconf *c, const cordon_conf_patches *p, cordon_error **err)
{
	return cordon_conf_txn_patch(c->txn, p, err);
}

int cordon_snapconf_get(cordon_snapconf *c, const char *key, bool previous, char **json,
			cordon_error **err)
{
	return cordon_conf_txn_get(c->txn, key, previous, json, err);
}

/* Read the document as it is now, apply, write: one transaction. */
static int write_staged(cordon_ctx *ctx, cordon_snapconf *c, cordon_error **err)
{
	_cleanup_free_ char *latest = NULL, *doc = NULL;
	int r = cordon_snapconf_document(ctx, c->snap, &latest, err);
	if (r == 0)
		r = cordon_conf_txn_commit(c->txn, latest, &doc, err);
	if (r == 0)
		r = cordon_state_put_config(ctx->state, c->snap, doc, err);
	return r;
}

int cordon_snapconf_commit(cordon_ctx *ctx, cordon_snapconf *c, cordon_error **err)
{
	if (!cordon_conf_txn_changed(c->txn))
		return 0;
	if (cordon_state_in_transaction(ctx->state))
		return write_staged(ctx, c, err);
	int r = cordon_state_begin(ctx->state, err);
	if (r < 0)
		return r;
	r = write_staged(ctx, c, err);
	cordon_fault("set-write");
	if (r == 0)
		r = cordon_state_commit(ctx->state, err);
	if (r < 0)
		cordon_state_rollback(ctx->state);
	return r;
}

void cordon_snapconf_end(cordon_snapconf *c)
{
	cordon_conf_txn_free(c->txn);
	free(c->snap);
	memset(c, 0, sizeof *c);
}
