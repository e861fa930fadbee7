/* connections, connect, disconnect, interfaces, interface */
#include "catalog.h"
#include "cli.h"
#include "connections.h"
#include "connections_view.h"
#include "interfaces_view.h"
#include "table.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* "snap:name", "snap", ":name" (the system). */
static int split_ref(const char *arg, char **snap, char **name, bool need_name, cordon_error **err)
{
	const char *colon = strchr(arg, ':');
	if (colon == NULL) {
		if (need_name)
			return cordon_err_msg(err, EINVAL, "expected SNAP:NAME, got \"%s\"", arg);
		*snap = xstrdup(arg);
		*name = NULL;
		return 0;
	}
	if (colon[1] == '\0' || strchr(colon + 1, ':'))
		return cordon_err_msg(err, EINVAL, "invalid plug or slot reference \"%s\"", arg);
	*snap = xstrndup(arg, (size_t)(colon - arg));
	*name = xstrdup(colon + 1);
	if (need_name && (*snap)[0] == '\0')
		return cordon_err_msg(err, EINVAL, "expected SNAP:NAME, got \"%s\"", arg);
	return 0;
}

int cmd_connections(int argc, char **argv, cordon_error **err)
{
	const char *snap = NULL;
	bool all = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (argv[i][0] == '-' || snap)
			return cordon_err_msg(err, EINVAL,
					      "usage: cordon connections [SNAP] [--all]");
		else
			snap = argv[i];
	}
	if (snap && all)
		return cordon_err_msg(err, EINVAL, "cannot use --all with snap name");
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "connections", err);
	cordon_conn_view *rows = NULL;
	size_t n = 0;
	if (r == 0)
		r = cordon_connections_view(&ctx, snap, all, &rows, &n, err);
	if (r == 0 && n > 0) {
		table t;
		table_init(&t, 4);
		const char *hdr[] = {"Interface", "Plug", "Slot", "Notes"};
		table_add(&t, hdr);
		for (size_t i = 0; i < n; i++) {
			const char *row[] = {rows[i].interface, rows[i].plug, rows[i].slot,
					     rows[i].notes};
			table_add(&t, row);
		}
		cli_print_table(&t);
		table_free(&t);
	}
	cordon_conn_views_free(rows, n);
	cli_close(&ctx);
	return r;
}

int cmd_connect(int argc, char **argv, cordon_error **err)
{
	if (argc < 2 || argc > 3)
		return cordon_err_msg(err, EINVAL, "usage: cordon connect SNAP:PLUG [SNAP[:SLOT]]");
	_cleanup_free_ char *psnap = NULL, *plug = NULL, *ssnap = NULL, *slot = NULL;
	int r = split_ref(argv[1], &psnap, &plug, true, err);
	if (r == 0 && argc == 3)
		r = split_ref(argv[2], &ssnap, &slot, false, err);
	if (r < 0)
		return r;
	cordon_ctx ctx;
	r = cli_open(&ctx, true, "connect", err);
	if (r == 0)
		r = cordon_connect(&ctx, psnap, plug, ssnap, slot, err);
	cli_close(&ctx);
	return r;
}

int cmd_disconnect(int argc, char **argv, cordon_error **err)
{
	bool forget = false;
	const char *refs[2] = {NULL, NULL};
	int nrefs = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--forget") == 0)
			forget = true;
		else if (argv[i][0] == '-' || nrefs == 2)
			return cordon_err_msg(
			    err, EINVAL,
			    "usage: cordon disconnect SNAP:PLUG [SNAP:SLOT] [--forget]");
		else
			refs[nrefs++] = argv[i];
	}
	if (nrefs == 0)
		return cordon_err_msg(err, EINVAL,
				      "usage: cordon disconnect SNAP:PLUG [SNAP:SLOT] [--forget]");
	_cleanup_free_ char *snap = NULL, *name = NULL, *ssnap = NULL, *slot = NULL;
	int r = split_ref(refs[0], &snap, &name, true, err);
	if (r == 0 && nrefs == 2)
		r = split_ref(refs[1], &ssnap, &slot, false, err);
	if (r < 0)
		return r;
	cordon_ctx ctx;
	int count = 0;
	r = cli_open(&ctx, true, "disconnect", err);
	if (r == 0)
		r = cordon_disconnect(&ctx, snap, name, ssnap, slot, forget, &count, err);
	cli_close(&ctx);
	if (r == 0 && count == 0 && !forget)
		printf("No connections to disconnect\n");
	return r;
}

/* Print (a, b) pairs of cells under a two-column header. */
static void print_pairs(const char *h1, const char *h2, const strv *cells)
{
	table t;
	table_init(&t, 2);
	const char *hdr[] = {h1, h2};
	table_add(&t, hdr);
	for (size_t i = 0; i + 1 < cells->n; i += 2) {
		const char *row[] = {cells->v[i], cells->v[i + 1]};
		table_add(&t, row);
	}
	cli_print_table(&t);
	table_free(&t);
}

/* snap's `interfaces` (interfaces_view.h) */
int cmd_interfaces(int argc, char **argv, cordon_error **err)
{
	if (argc > 2)
		return cordon_err_msg(err, EINVAL, "usage: cordon interfaces [SNAP]");
	const char *want = argc == 2 ? argv[1] : NULL;
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "interfaces", err);
	cordon_conn_view *rows = NULL;
	size_t n = 0;
	const cordon_catalog *cat = NULL;
	_cleanup_strv_ strv cells = {0};
	if (r == 0)
		r = cordon_ctx_catalog(&ctx, &cat, err);
	if (r == 0)
		r = cordon_connections_view(&ctx, NULL, true, &rows, &n, err);
	if (r == 0)
		r = cordon_interfaces_table(rows, n, cat, want, &cells, err);
	if (r == 0)
		print_pairs("Slot", "Plug", &cells);
	cordon_conn_views_free(rows, n);
	cli_close(&ctx);
	return r;
}

int cmd_interface(int argc, char **argv, cordon_error **err)
{
	/* snap's `interface [--all] [NAME]`: without a name, the interfaces
	 * with at least one connection, or every one with --all */
	bool all = false;
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (argv[i][0] == '-' || name)
			return cordon_err_msg(err, EINVAL,
					      "usage: cordon interface [--all] [NAME]");
		else
			name = argv[i];
	}
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "interface", err);
	const cordon_catalog *cat = NULL;
	cordon_conn_view *rows = NULL;
	size_t n = 0;
	if (r == 0)
		r = cordon_ctx_catalog(&ctx, &cat, err);
	if (r == 0 && name == NULL) {
		_cleanup_strv_ strv cells = {0};
		/* --all lists the catalogue: no rows needed */
		if (!all)
			r = cordon_connections_view(&ctx, NULL, false, &rows, &n, err);
		if (r == 0)
			r = cordon_interface_list(rows, n, cat, all, &cells, err);
		if (r == 0)
			print_pairs("Name", "Summary", &cells);
	} else if (r == 0) {
		_cleanup_free_ char *text = NULL;
		/* an unknown name is reported as such whatever the state holds
		 * (the view says so without rows) */
		if (cordon_catalog_get(cat, name) != NULL)
			r = cordon_connections_view(&ctx, NULL, true, &rows, &n, err);
		if (r == 0)
			r = cordon_interface_describe(rows, n, cat, name, &text, err);
		if (r == 0)
			cli_out(text);
	}
	cordon_conn_views_free(rows, n);
	cli_close(&ctx);
	return r;
}
