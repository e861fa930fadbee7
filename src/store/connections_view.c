/* Listing connections (`cordon connections`, `interfaces`, `interface`)
 * and settling namespaces after a committed change. */
#include "catalog.h"
#include "connections.h"
#include "connections_internal.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- listing ---- */

static char *endpoint(const char *snap, const char *name)
{
	return xasprintf("%s:%s", snap, name); /* "" snap gives ":name" */
}

static char *iface_label(const char *iface, const char *content)
{
	if (strcmp(iface, "content") == 0 && content[0])
		return xasprintf("content[%s]", content);
	return xstrdup(iface);
}

static void add_view(cordon_conn_view **rows, size_t *n, char *iface, char *plug, char *slot,
		     const char *notes)
{
	*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
	(*rows)[(*n)++] =
		(cordon_conn_view){.interface = iface, .plug = plug, .slot = slot, .notes = xstrdup(notes)};
}

static int by_view(const void *a, const void *b)
{
	const cordon_conn_view *x = a, *y = b;
	int c = strcmp(x->interface, y->interface);
	if (c == 0)
		c = strcmp(x->plug, y->plug);
	if (c == 0)
		c = strcmp(x->slot, y->slot);
	return c;
}

int cordon_connections_view(cordon_ctx *ctx, const char *snap, bool all, cordon_conn_view **rows,
			    size_t *n, cordon_error **err)
{
	*rows = NULL;
	*n = 0;
	if (ctx->state == NULL)
		return 0;
	bool system = snap && conn_is_system(snap);
	const char *filter = snap == NULL ? ARG_NULL : system ? "" : snap;
	if (snap && !system) {
		const cordon_loaded_snap *ls;
		int r = cordon_ctx_snap(ctx, snap, &ls, err);
		if (r == -ENOENT)
			return cordon_err_msg(err, ENOENT, "snap \"%s\" not found", snap);
		if (r < 0)
			return r;
	}
	_cleanup_strv_ strv c = {0};
	int r = conn_query(ctx, &c, 7, err,
		      "SELECT c.interface, c.plug_snap, c.plug, c.slot_snap, c.slot, c.manual, "
		      "COALESCE(NULLIF(pp.content, ''), ps.content, '') FROM connections c "
		      "LEFT JOIN ports pp ON pp.snap = c.plug_snap AND pp.kind = 'plug' AND "
		      "pp.name = c.plug "
		      "LEFT JOIN ports ps ON ps.snap = c.slot_snap AND ps.kind = 'slot' AND "
		      "ps.name = c.slot "
		      "WHERE c.undesired = 0 AND (?1 IS NULL OR c.plug_snap = ?1 OR c.slot_snap = ?1)",
		      filter, NULL);
	for (size_t i = 0; r == 0 && i < c.n; i += 7)
		add_view(rows, n, iface_label(c.v[i], c.v[i + 6]), endpoint(c.v[i + 1], c.v[i + 2]),
			 endpoint(c.v[i + 3], c.v[i + 4]),
			 strcmp(c.v[i + 5], "1") == 0 ? "manual" : "-");
	if (r == 0 && (all || snap)) {
		/* unconnected plugs and slots (snap's own, or everyone's with
		 * --all); the system's unconnected slots only when asked for
		 * by name, as snap does: listing them is noise otherwise */
		_cleanup_strv_ strv u = {0};
		r = conn_query(ctx, &u, 4, err,
			  "SELECT p.kind, p.interface, p.snap || ':' || p.name, p.content FROM ports p "
			  "WHERE (?1 IS NULL OR p.snap = ?1) AND NOT EXISTS (SELECT 1 FROM "
			  "connections c WHERE c.undesired = 0 AND ((p.kind = 'plug' AND "
			  "c.plug_snap = p.snap AND c.plug = p.name) OR (p.kind = 'slot' AND "
			  "c.slot_snap = p.snap AND c.slot = p.name)))",
			  filter, NULL);
		for (size_t i = 0; r == 0 && i < u.n; i += 4) {
			bool plug = strcmp(u.v[i], "plug") == 0;
			add_view(rows, n, iface_label(u.v[i + 1], u.v[i + 3]),
				 xstrdup(plug ? u.v[i + 2] : "-"), xstrdup(plug ? "-" : u.v[i + 2]),
				 "-");
		}
	}
	if (r == 0 && system) {
		const cordon_catalog *cat;
		r = cordon_ctx_catalog(ctx, &cat, err);
		for (size_t i = 0; r == 0 && i < cat->n; i++) {
			if (!cat->defs[i]->implicit_slot)
				continue;
			_cleanup_strv_ strv used = {0};
			r = conn_query(ctx, &used, 1, err,
				  "SELECT 1 FROM connections WHERE slot_snap = '' AND slot = ? AND "
				  "undesired = 0 LIMIT 1",
				  cat->defs[i]->name, NULL);
			if (r == 0 && used.n == 0)
				add_view(rows, n, xstrdup(cat->defs[i]->name), xstrdup("-"),
					 endpoint("", cat->defs[i]->name), "-");
		}
	}
	if (r < 0) {
		cordon_conn_views_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return r;
	}
	if (*n > 1)
		qsort(*rows, *n, sizeof **rows, by_view);
	return 0;
}

void cordon_conn_views_free(cordon_conn_view *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].interface);
		free(rows[i].plug);
		free(rows[i].slot);
		free(rows[i].notes);
	}
	free(rows);
}

int cordon_connections_settle(cordon_ctx *ctx, cordon_error **err)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < ctx->ns_dirty.n; i++)
		r = cordon_ns_refresh(ctx, ctx->ns_dirty.v[i], err);
	strv_free(&ctx->ns_dirty);
	return r;
}
