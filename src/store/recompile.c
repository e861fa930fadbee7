#include "recompile.h"
#include "snapbin.h"
#include "desktop.h"
#include "apply.h"
#include "bases.h"
#include "layouts.h"
#include "cookies.h"
#include "services.h"
#include "util.h"

#include <errno.h>
#include <string.h>

/* The compiler's input for one snap, and what holds it. */
typedef struct input {
	cordon_compile_input in;
	cordon_conn_row *rows[2]; /* of the snap's plugs, to its slots */
	size_t n_rows[2];
	cordon_conn_ends *ends[2];
} input;

static void input_free(input *x)
{
	for (int side = 0; side < 2; side++) {
		cordon_conn_rows_free(x->rows[side], x->n_rows[side]);
		free(x->ends[side]);
	}
}

/* The two ends of a connection row, loaded: -ENOENT when one is gone (a
 * stale row, dropped at the next refresh of its snap). */
static int resolve_ends(cordon_ctx *ctx, const cordon_catalog *cat, const cordon_conn_row *r,
			cordon_conn_ends *e, cordon_error **err)
{
	*e = (cordon_conn_ends){.row = r, .def = cordon_catalog_get(cat, r->interface)};
	if (e->def == NULL)
		return -ENOENT;
	int ret = cordon_ctx_snap(ctx, r->plug_snap, &e->plug_snap, err);
	if (ret < 0)
		return ret;
	e->plug = cordon_manifest_plug(e->plug_snap->m, r->plug);
	if (r->slot_snap[0] != '\0') {
		ret = cordon_ctx_snap(ctx, r->slot_snap, &e->slot_snap, err);
		if (ret < 0)
			return ret;
		e->slot = cordon_manifest_slot(e->slot_snap->m, r->slot);
		if (e->slot == NULL)
			return -ENOENT;
	}
	return e->plug ? 0 : -ENOENT;
}

static int input_load(cordon_ctx *ctx, const char *instance, input *x, cordon_error **err)
{
	memset(x, 0, sizeof *x);
	const cordon_catalog *cat;
	int r = cordon_ctx_snap(ctx, instance, &x->in.snap, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", instance);
	if (r == 0)
		r = cordon_ctx_defaults(ctx, &x->in.defaults, &x->in.seccomp_template, err);
	if (r == 0)
		r = cordon_bases_load(ctx, x->in.snap, &x->in.base, err);
	x->in.seccomp_privdrop = ctx->seccomp_privdrop; /* loaded with the defaults */
	x->in.root = ctx->paths.root;
	if (r == 0)
		r = cordon_ctx_catalog(ctx, &cat, err);
	for (int side = 0; r == 0 && side < 2; side++) {
		r = side == 0 ? cordon_state_connections_from_plugs(ctx->state, instance,
								    &x->rows[0], &x->n_rows[0], err)
			      : cordon_state_connections_to_slots(ctx->state, instance, &x->rows[1],
								  &x->n_rows[1], err);
		x->ends[side] = xcalloc(x->n_rows[side] + 1, sizeof *x->ends[side]);
		size_t n = 0;
		for (size_t i = 0; r == 0 && i < x->n_rows[side]; i++) {
			int e = resolve_ends(ctx, cat, &x->rows[side][i], &x->ends[side][n], err);
			if (e == 0)
				n++;
			else if (e != -ENOENT)
				r = e;
		}
		if (side == 0) {
			x->in.plugs = x->ends[0];
			x->in.n_plugs = n;
		} else {
			x->in.slots = x->ends[1];
			x->in.n_slots = n;
		}
	}
	if (r < 0)
		input_free(x);
	return r;
}

/* The content mounts of x's snap, with what they need made. */
static int mounts_of(const input *x, cordon_content_mount **m, size_t *n, cordon_error **err)
{
	int r = cordon_compile_mounts(&x->in, m, n, err);
	if (r == 0)
		r = cordon_apply_mount_dirs(x->in.snap, *m, *n, err);
	if (r < 0) {
		cordon_content_mounts_free(*m, *n);
		*m = NULL;
		*n = 0;
	}
	return r;
}

int cordon_recompile(cordon_ctx *ctx, const char *instance, const strv *apps, const strv *hooks,
		     cordon_error **err)
{
	input x;
	int r = input_load(ctx, instance, &x, err);
	if (r < 0)
		return r;
	cordon_content_mount *mounts = NULL;
	size_t n_mounts = 0;
	cordon_compiled *out = NULL;
	size_t n = 0;
	r = mounts_of(&x, &mounts, &n_mounts, err);
	if (r == 0)
		r = cordon_compile(&x.in, mounts, n_mounts, apps, hooks, &out, &n, err);
	if (r == 0)
		r = cordon_apply_labels(ctx, out, n, err);
	if (r == 0 && apps == NULL && hooks == NULL) {
		_cleanup_strv_ strv keep = {0};
		for (size_t i = 0; i < n; i++)
			strv_push(&keep, out[i].policy.label);
		r = cordon_apply_remove_labels(ctx, instance, &keep, err);
		/* the snap's units follow its revision as its policy does */
		if (r == 0)
			r = cordon_services_write(ctx, &x.in, err);
		/* and its /snap/bin entries */
		if (r == 0)
			r = cordon_snapbin_write(ctx, &x.in, err);
		/* and its desktop files, whose Exec= names those entries */
		if (r == 0)
			r = cordon_desktop_write(ctx, &x.in, err);
		/* its snapctl cookie: made once, kept across refreshes and
		 * reverts, and made again by recovery if a kill lost it */
		if (r == 0)
			r = cordon_cookie_ensure(ctx, instance, err);
	}
	cordon_compiled_free(out, n);
	cordon_content_mounts_free(mounts, n_mounts);
	input_free(&x);
	return r;
}

int cordon_snap_mounts(cordon_ctx *ctx, const char *instance, cordon_content_mount **mounts,
		       size_t *n, char **stamp, cordon_error **err)
{
	input x;
	int r = input_load(ctx, instance, &x, err);
	if (r < 0)
		return r;
	r = mounts_of(&x, mounts, n, err);
	if (r == 0) {
		_cleanup_strv_ strv triples = {0};
		cordon_content_mounts_triples(*mounts, *n, &triples);
		_cleanup_free_ char *root_id = cordon_ns_root_id(&x.in);
		*stamp = cordon_ns_stamp(x.in.snap->row.current, root_id, &triples);
	}
	input_free(&x);
	return r;
}
