/* See bases.h. */
#include "bases.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <string.h>

static bool is_base_type(const cordon_manifest *m)
{
	return m->type && (strcmp(m->type, "base") == 0 || strcmp(m->type, "os") == 0);
}

const char *cordon_bases_name(const cordon_manifest *m)
{
	if (is_base_type(m) || m->base == NULL || strcmp(m->base, "none") == 0)
		return NULL;
	return m->base;
}

static int find_base(cordon_ctx *ctx, const char *instance, const char *name,
		     const cordon_loaded_snap **base, cordon_error **err)
{
	int r = cordon_ctx_snap(ctx, name, base, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT,
				      "cannot install \"%s\": its base \"%s\" is not installed "
				      "(install the base snap first)",
				      instance, name);
	if (r < 0)
		return r;
	if (!is_base_type((*base)->m))
		return cordon_err_msg(err, EINVAL,
				      "cannot install \"%s\": its base \"%s\" is installed but is "
				      "not a base snap (type: %s)",
				      instance, name, (*base)->m->type ? (*base)->m->type : "app");
	return 0;
}

int cordon_bases_load(cordon_ctx *ctx, const cordon_loaded_snap *snap,
		      const cordon_loaded_snap **base, cordon_error **err)
{
	*base = NULL;
	const char *name = cordon_bases_name(snap->m);
	if (name == NULL)
		return 0;
	return find_base(ctx, snap->row.name, name, base, err);
}

int cordon_bases_check_install(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
			       cordon_error **err)
{
	const char *name = cordon_bases_name(m);
	const cordon_loaded_snap *base;
	return name ? find_base(ctx, instance, name, &base, err) : 0;
}

int cordon_bases_users(cordon_ctx *ctx, const char *name, strv *out, cordon_error **err)
{
	/* only a base has users: any other snap costs one lookup */
	const cordon_loaded_snap *self;
	int r = cordon_ctx_snap(ctx, name, &self, err);
	if (r < 0 || !is_base_type(self->m))
		return r == -ENOENT ? 0 : r;
	cordon_snap_row *rows = NULL;
	size_t n = 0;
	r = cordon_state_list_snaps(ctx->state, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const cordon_loaded_snap *ls;
		if (strcmp(rows[i].name, name) == 0)
			continue;
		r = cordon_ctx_snap(ctx, rows[i].name, &ls, err);
		if (r == -ENOENT) { /* gone meanwhile: no user */
			r = 0;
			continue;
		}
		const char *b = r == 0 ? cordon_bases_name(ls->m) : NULL;
		if (b && strcmp(b, name) == 0 && !strv_contains(out, rows[i].name))
			strv_push(out, rows[i].name);
	}
	cordon_snap_rows_free(rows, n);
	return r;
}

int cordon_bases_check_remove(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	_cleanup_strv_ strv users = {0};
	int r = cordon_bases_users(ctx, name, &users, err);
	if (r < 0 || users.n == 0)
		return r;
	_cleanup_buf_ buf list = {0};
	for (size_t i = 0; i < users.n; i++)
		buf_printf(&list, "%s%s", i ? ", " : "", users.v[i]);
	return cordon_err_msg(err, EBUSY,
			      "cannot remove \"%s\": it is the base of the installed snap%s %s "
			      "(remove %s first)",
			      name, users.n > 1 ? "s" : "", list.p, users.n > 1 ? "them" : "it");
}
