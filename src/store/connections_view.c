/* Listing connections (`cordon connections`, `interfaces`, `interface`). */
#include "catalog.h"
#include "connections_view.h"
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
	(*rows)[(*n)++] = (cordon_conn_view){
	    .interface = iface, .plug = plug, .slot = slot, .notes = xstrdup(notes)};
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
	bool system = snap && cordon_is_system_snap(snap);
	const char *filter = snap == NULL ? NULL : system ? "" : snap;
	if (snap && !system) {
		const cordon_loaded_snap *ls;
		int r = cordon_ctx_snap(ctx, snap, &ls, err);
		if (r == -ENOENT)
			return cordon_err_msg(err, ENOENT, "snap \"%s\" not found", snap);
		if (r < 0)
			return r;
	}
	cordon_conn_listing_row *c = NULL;
	size_t nc = 0;
	int r = cordon_state_connections_involving(ctx->state, filter, &c, &nc, err);
	for (size_t i = 0; r == 0 && i < nc; i++)
		add_view(rows, n, iface_label(c[i].conn.interface, c[i].content),
			 endpoint(c[i].conn.plug_snap, c[i].conn.plug),
			 endpoint(c[i].conn.slot_snap, c[i].conn.slot),
			 c[i].conn.manual ? "manual" : "-");
	cordon_conn_listing_rows_free(c, nc);
	if (r == 0 && (all || snap)) {
		/* unconnected plugs and slots (snap's own, or everyone's with
		 * --all); the system's unconnected slots only when asked for
		 * by name, as snap does: listing them is noise otherwise */
		cordon_port_row *u = NULL;
		size_t nu = 0;
		r = cordon_state_unconnected_ports(ctx->state, filter, &u, &nu, err);
		for (size_t i = 0; r == 0 && i < nu; i++) {
			bool plug = u[i].kind == CORDON_PORT_PLUG;
			add_view(rows, n, iface_label(u[i].interface, u[i].content),
				 plug ? endpoint(u[i].snap, u[i].name) : xstrdup("-"),
				 plug ? xstrdup("-") : endpoint(u[i].snap, u[i].name), "-");
		}
		cordon_port_rows_free(u, nu);
	}
	if (r == 0 && system) {
		const cordon_catalog *cat;
		r = cordon_ctx_catalog(ctx, &cat, err);
		for (size_t i = 0; r == 0 && i < cat->n; i++) {
			if (!cat->defs[i]->implicit_slot)
				continue;
			bool used = false;
			r = cordon_state_system_slot_is_connected(ctx->state, cat->defs[i]->name,
								  &used, err);
			if (r == 0 && !used)
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
