/* connections, connect, disconnect, interfaces, interface */
#include "catalog.h"
#include "cli.h"
#include "connections.h"
#include "connections_view.h"
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
		cli_print_table(&t);
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

/* Order of snap's /v2/interfaces lists: by snap, then by name (a plain
 * string compare of "snap:name" would put "a-b:x" before "a:x"). The
 * system's slots (":name") come first. */
static int by_snap_then_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t xl = strcspn(x, ":"), yl = strcspn(y, ":");
	int c = strncmp(x, y, xl < yl ? xl : yl);
	if (c == 0 && xl != yl)
		c = xl < yl ? -1 : 1;
	return c ? c : strcmp(x + xl, y + yl);
}

/* Does "snap:name" (":name" for the system) belong to the snap `want`? */
static bool of_snap(const char *ref, const char *want)
{
	size_t l = strcspn(ref, ":");
	if (l == 0) /* the system: snap accepts its nicknames */
		return strcmp(want, "system") == 0 || strcmp(want, "core") == 0 ||
		       strcmp(want, "snapd") == 0;
	return strlen(want) == l && strncmp(ref, want, l) == 0;
}

/* snap's `interfaces`: the older Slot/Plug view (cmd/snap/cmd_interfaces.go):
 * every slot of the system, the system's own included, with the plugs
 * connected to it ("-" when none), then every unconnected plug. */
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
	if (r == 0)
		r = cordon_ctx_catalog(&ctx, &cat, err);
	if (r == 0)
		r = cordon_connections_view(&ctx, NULL, true, &rows, &n, err);
	table t;
	table_init(&t, 2);
	const char *hdr[] = {"Slot", "Plug"};
	table_add(&t, hdr);
	_cleanup_strv_ strv slots = {0}, plugs_free = {0};
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (strcmp(rows[i].slot, "-") != 0 && !strv_contains(&slots, rows[i].slot))
			strv_push(&slots, rows[i].slot);
		if (strcmp(rows[i].slot, "-") == 0)
			strv_push(&plugs_free, rows[i].plug);
	}
	/* the system's slots, connected or not (the view leaves unconnected
	 * ones out unless asked for the system by name) */
	for (size_t i = 0; r == 0 && i < cat->n; i++) {
		if (!cat->defs[i]->implicit_slot)
			continue;
		_cleanup_free_ char *ref = xasprintf(":%s", cat->defs[i]->name);
		if (!strv_contains(&slots, ref))
			strv_push(&slots, ref);
	}
	if (r == 0 && slots.n == 0 && plugs_free.n == 0)
		r = cordon_err_msg(err, ENOENT, "no interfaces found");
	if (slots.n > 1)
		qsort(slots.v, slots.n, sizeof *slots.v, by_snap_then_name);
	if (plugs_free.n > 1)
		qsort(plugs_free.v, plugs_free.n, sizeof *plugs_free.v, by_snap_then_name);
	for (size_t s = 0; r == 0 && s < slots.n; s++) {
		_cleanup_buf_ buf plugs = {0};
		bool relevant = want == NULL || of_snap(slots.v[s], want);
		const char *sname = strchr(slots.v[s], ':') + 1;
		/* rows are sorted by plug within an interface: the plugs of
		 * one slot come out in snap order */
		for (size_t i = 0; i < n; i++) {
			if (strcmp(rows[i].slot, slots.v[s]) != 0 || strcmp(rows[i].plug, "-") == 0)
				continue;
			const char *colon = strchr(rows[i].plug, ':');
			if (want && of_snap(rows[i].plug, want))
				relevant = true;
			if (plugs.len)
				buf_addc(&plugs, ',');
			/* the plug's name is left out when it equals the slot's */
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
	for (size_t i = 0; r == 0 && i < plugs_free.n; i++) {
		if (want && !of_snap(plugs_free.v[i], want))
			continue;
		const char *row[] = {"-", plugs_free.v[i]};
		table_add(&t, row);
	}
	if (r == 0) {
		cli_print_table(&t);
	}
	table_free(&t);
	cordon_conn_views_free(rows, n);
	cordon_ctx_close(&ctx);
	return r;
}

/* The interface column of a view row ("content[x]") names this interface? */
static bool row_of(const cordon_conn_view *row, const char *iface)
{
	size_t l = strlen(iface);
	return strncmp(row->interface, iface, l) == 0 &&
	       (row->interface[l] == '\0' || row->interface[l] == '[');
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
	if (r == 0)
		r = cordon_ctx_catalog(&ctx, &cat, err);
	if (r == 0 && name == NULL) {
		cordon_conn_view *rows = NULL;
		size_t n = 0;
		if (!all)
			r = cordon_connections_view(&ctx, NULL, false, &rows, &n, err);
		table t;
		table_init(&t, 2);
		const char *hdr[] = {"Name", "Summary"};
		table_add(&t, hdr);
		size_t shown = 0;
		for (size_t i = 0; r == 0 && i < cat->n; i++) {
			bool used = all;
			for (size_t k = 0; !used && k < n; k++)
				used = row_of(&rows[k], cat->defs[i]->name);
			if (!used)
				continue;
			const char *row[] = {cat->defs[i]->name, cat->defs[i]->summary};
			table_add(&t, row);
			shown++;
		}
		if (r == 0 && shown == 0)
			r = cordon_err_msg(err, ENOENT,
					   all ? "no interfaces found"
					       : "no interfaces currently connected");
		if (r == 0) {
			cli_print_table(&t);
		}
		table_free(&t);
		cordon_conn_views_free(rows, n);
	} else if (r == 0) {
		const cordon_def *def = cordon_catalog_get(cat, name);
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
				if (!row_of(&rows[i], def->name))
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
			/* snapd lists both by snap, then name */
			if (plugs.n > 1)
				qsort(plugs.v, plugs.n, sizeof *plugs.v, by_snap_then_name);
			if (slots.n > 1)
				qsort(slots.v, slots.n, sizeof *slots.v, by_snap_then_name);
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
	}
	cordon_ctx_close(&ctx);
	return r;
}
