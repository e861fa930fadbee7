/* connections, connect, disconnect, interfaces, interface */
#include "catalog.h"
#include "cli.h"
#include "connections.h"
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
			return cordon_err_msg(err, EINVAL, "usage: cordon connections [SNAP] [--all]");
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
		_cleanup_buf_ buf out = {0};
		table_render(&t, &out);
		cli_out(out.p);
		table_free(&t);
	}
	cordon_conn_views_free(rows, n);
	cordon_ctx_close(&ctx);
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
	cordon_ctx_close(&ctx);
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
			return cordon_err_msg(err, EINVAL,
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
	cordon_ctx_close(&ctx);
	if (r == 0 && count == 0 && !forget)
		printf("No connections to disconnect\n");
	return r;
}

/* snap's `interfaces`: the older Slot/Plug view. */
int cmd_interfaces(int argc, char **argv, cordon_error **err)
{
	if (argc > 2)
		return cordon_err_msg(err, EINVAL, "usage: cordon interfaces [SNAP]");
	const char *want = argc == 2 ? argv[1] : NULL;
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "interfaces", err);
	cordon_conn_view *rows = NULL;
	size_t n = 0;
	if (r == 0)
		r = cordon_connections_view(&ctx, NULL, true, &rows, &n, err);
	if (r == 0 && n == 0)
		r = cordon_err_msg(err, ENOENT, "no interfaces found");
	table t;
	table_init(&t, 2);
	const char *hdr[] = {"Slot", "Plug"};
	table_add(&t, hdr);
	/* one line per slot with its plugs (plug name omitted where it equals
	 * the slot's), then the unconnected plugs */
	_cleanup_strv_ strv slots = {0};
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(rows[i].slot, "-") != 0 && !strv_contains(&slots, rows[i].slot))
			strv_push(&slots, rows[i].slot);
	strv_sort(&slots);
	for (size_t s = 0; r == 0 && s < slots.n; s++) {
		_cleanup_buf_ buf plugs = {0};
		bool relevant = want == NULL || str_has_prefix(slots.v[s], want);
		const char *sname = strchr(slots.v[s], ':') + 1;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(rows[i].slot, slots.v[s]) != 0 || strcmp(rows[i].plug, "-") == 0)
				continue;
			const char *colon = strchr(rows[i].plug, ':');
			if (want && strncmp(rows[i].plug, want, (size_t)(colon - rows[i].plug)) == 0)
				relevant = true;
			if (plugs.len)
				buf_addc(&plugs, ',');
			if (strcmp(colon + 1, sname) == 0)
				buf_add(&plugs, rows[i].plug, (size_t)(colon - rows[i].plug));
			else
				buf_adds(&plugs, rows[i].plug);
		}
		if (!relevant)
			continue;
		const char *row[] = {slots.v[s], plugs.len ? plugs.p : "-"};
		table_add(&t, row);
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (strcmp(rows[i].slot, "-") != 0)
			continue;
		if (want && !str_has_prefix(rows[i].plug, want))
			continue;
		const char *row[] = {"-", rows[i].plug};
		table_add(&t, row);
	}
	if (r == 0) {
		_cleanup_buf_ buf out = {0};
		table_render(&t, &out);
		cli_out(out.p);
	}
	table_free(&t);
	cordon_conn_views_free(rows, n);
	cordon_ctx_close(&ctx);
	return r;
}

int cmd_interface(int argc, char **argv, cordon_error **err)
{
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "interface", err);
	const cordon_catalog *cat = NULL;
	if (r == 0)
		r = cordon_ctx_catalog(&ctx, &cat, err);
	if (r == 0 && argc == 1) {
		/* the list of every interface with its summary */
		table t;
		table_init(&t, 2);
		const char *hdr[] = {"Name", "Summary"};
		table_add(&t, hdr);
		for (size_t i = 0; i < cat->n; i++) {
			const char *row[] = {cat->defs[i]->name, cat->defs[i]->summary};
			table_add(&t, row);
		}
		_cleanup_buf_ buf out = {0};
		table_render(&t, &out);
		cli_out(out.p);
		table_free(&t);
	} else if (r == 0 && argc == 2) {
		const cordon_def *def = cordon_catalog_get(cat, argv[1]);
		if (def == NULL) {
			r = cordon_err_msg(err, ENOENT, "no such interface");
		} else {
			_cleanup_buf_ buf out = {0};
			buf_printf(&out, "name:    %s\nsummary: %s\n", def->name, def->summary);
			cordon_conn_view *rows = NULL;
			size_t n = 0;
			r = cordon_connections_view(&ctx, NULL, true, &rows, &n, err);
			_cleanup_strv_ strv plugs = {0}, slots = {0};
			for (size_t i = 0; r == 0 && i < n; i++) {
				if (strcmp(rows[i].interface, def->name) != 0 &&
				    !(str_has_prefix(rows[i].interface, def->name) &&
				      rows[i].interface[strlen(def->name)] == '['))
					continue;
				const char *ends[2] = {rows[i].plug, rows[i].slot};
				strv *lists[2] = {&plugs, &slots};
				for (int k = 0; k < 2; k++) {
					const char *e = ends[k];
					if (strcmp(e, "-") == 0 || e[0] == ':')
						continue;
					const char *colon = strchr(e, ':');
					_cleanup_free_ char *shown =
						strcmp(colon + 1, def->name) == 0
							? xstrndup(e, (size_t)(colon - e))
							: xstrdup(e);
					if (!strv_contains(lists[k], shown))
						strv_push(lists[k], shown);
				}
			}
			if (def->implicit_slot)
				strv_push(&slots, "system");
			strv_sort(&plugs);
			if (plugs.n)
				buf_adds(&out, "plugs:\n");
			for (size_t i = 0; i < plugs.n; i++)
				buf_printf(&out, "  - %s\n", plugs.v[i]);
			if (slots.n)
				buf_adds(&out, "slots:\n");
			for (size_t i = 0; i < slots.n; i++)
				buf_printf(&out, "  - %s\n", slots.v[i]);
			cordon_conn_views_free(rows, n);
			if (r == 0)
				cli_out(out.p);
		}
	} else if (r == 0) {
		r = cordon_err_msg(err, EINVAL, "usage: cordon interface [NAME]");
	}
	cordon_ctx_close(&ctx);
	return r;
}
