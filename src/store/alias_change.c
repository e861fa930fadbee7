/* The alias changes (alias_change.h). */
#include "alias_change.h"
#include "txn.h"

#include <errno.h>
#include <string.h>

void cordon_alias_change_free(cordon_alias_change *c)
{
	strv_free(&c->added);
	strv_free(&c->removed);
}

static void push3(strv *v, const char *snap, const char *app, const char *alias)
{
	strv_push(v, snap);
	strv_push(v, app);
	strv_push(v, alias);
}

/* The change made: state as `mutate` leaves it, the snap's entries
 * rewritten with it, journaled (txn.h). */
typedef int (*mutate_fn)(cordon_ctx *ctx, const void *arg, cordon_error **err);

static int change(cordon_ctx *ctx, const char *what, const char *instance, mutate_fn mutate,
		  const void *arg, cordon_error **err)
{
	_cleanup_strv_ strv touches = {0};
	strv_push(&touches, instance);
	cordon_txn t;
	int r = cordon_txn_begin(ctx, what, &touches, NULL, NULL, &t, err);
	if (r == 0) {
		r = mutate(ctx, arg, err);
		if (r == 0)
			cordon_txn_recompile(&t, instance, NULL, NULL);
		r = r == 0 ? cordon_txn_commit(&t, err) : cordon_txn_abort(&t, r, err);
		if (r == 0)
			cordon_txn_settle(&t);
	}
	cordon_txn_free(&t);
	return r;
}

static int put_alias(cordon_ctx *ctx, const void *arg, cordon_error **err)
{
	const char *const *v = arg; /* alias, snap, app */
	return cordon_state_put_alias(ctx->state, v[0], v[1], v[2], err);
}

static int delete_aliases(cordon_ctx *ctx, const void *arg, cordon_error **err)
{
	const strv *names = arg;
	int r = 0;
	for (size_t i = 0; r == 0 && i < names->n; i++)
		r = cordon_state_delete_alias(ctx->state, names->v[i], err);
	return r;
}

int cordon_store_alias(cordon_ctx *ctx, const char *snap_app, const char *alias,
		       cordon_alias_change *out, cordon_error **err)
{
	memset(out, 0, sizeof *out);
	if (!cordon_alias_name_valid(alias))
		return cordon_err_msg(err, EINVAL, "invalid alias name: \"%s\"", alias);
	/* snap.SplitSnapApp: "foo" is foo's app foo */
	const char *dot = strchr(snap_app, '.');
	_cleanup_free_ char *instance =
	    dot ? xstrndup(snap_app, (size_t)(dot - snap_app)) : xstrdup(snap_app);
	const cordon_loaded_snap *ls;
	int r = cordon_ctx_snap(ctx, instance, &ls, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", instance);
	if (r < 0)
		return r;
	/* the app named after the snap: the snap's name, not the instance's */
	const char *app = dot ? dot + 1 : ls->row.snap_name;
	const cordon_app *a = cordon_manifest_app(ls->m, app);
	if (a == NULL || a->daemon)
		return cordon_err_msg(err, EINVAL,
				      "cannot enable alias \"%s\" for \"%s\", target application "
				      "\"%s\" %s",
				      alias, instance, app, a ? "is a daemon" : "does not exist");
	/* its command namespace: an installed snap's (its own too) */
	const char *adot = strchr(alias, '.');
	_cleanup_free_ char *ns = adot ? xstrndup(alias, (size_t)(adot - alias)) : xstrdup(alias);
	cordon_snap_row other = {0};
	r = cordon_state_get_snap(ctx->state, ns, &other, err);
	cordon_snap_row_free(&other);
	if (r == 0)
		return cordon_err_msg(
		    err, EEXIST,
		    "cannot enable alias \"%s\" for \"%s\", it conflicts with the "
		    "command namespace of installed snap \"%s\"",
		    alias, instance, ns);
	if (r != -ENOENT)
		return r;
	cordon_alias_row *rows = NULL;
	size_t n = 0;
	r = cordon_state_list_aliases(ctx->state, NULL, &rows, &n, err);
	const cordon_alias_row *cur = NULL;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(rows[i].alias, alias) == 0)
			cur = &rows[i];
	if (r == 0 && cur && strcmp(cur->snap, instance) != 0)
		r = cordon_err_msg(err, EEXIST,
				   "cannot enable alias \"%s\" for \"%s\", already enabled for "
				   "\"%s\"",
				   alias, instance, cur->snap);
	bool same = r == 0 && cur && strcmp(cur->app, app) == 0;
	if (r == 0 && !same) {
		const char *arg[] = {alias, instance, app};
		r = change(ctx, "alias", instance, put_alias, arg, err);
		if (r == 0 && cur)
			push3(&out->removed, instance, cur->app, alias);
		if (r == 0)
			push3(&out->added, instance, app, alias);
	}
	cordon_alias_rows_free(rows, n);
	return r;
}

int cordon_store_unalias(cordon_ctx *ctx, const char *name, cordon_alias_change *out,
			 cordon_error **err)
{
	memset(out, 0, sizeof *out);
	/* snapd's "do what I mean": a snap's name is the snap */
	cordon_snap_row snap = {0};
	int r = cordon_state_get_snap(ctx->state, name, &snap, err);
	bool is_snap = r == 0;
	cordon_snap_row_free(&snap);
	if (r < 0 && r != -ENOENT)
		return r;
	cordon_alias_row *rows = NULL;
	size_t n = 0;
	r = cordon_state_list_aliases(ctx->state, is_snap ? name : NULL, &rows, &n, err);
	_cleanup_strv_ strv names = {0};
	const char *owner = is_snap ? name : NULL;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!is_snap && strcmp(rows[i].alias, name) != 0)
			continue;
		owner = rows[i].snap;
		strv_push(&names, rows[i].alias);
		push3(&out->removed, rows[i].snap, rows[i].app, rows[i].alias);
	}
	if (r == 0 && owner == NULL)
		r = cordon_err_msg(err, ENOENT, "cannot find manual alias \"%s\" in any snap",
				   name);
	if (r == 0 && names.n > 0)
		r = change(ctx, "unalias", owner, delete_aliases, &names, err);
	if (r < 0)
		cordon_alias_change_free(out);
	cordon_alias_rows_free(rows, n);
	return r;
}
