/* The `interfaces` and `interface` views of the connection rows. Pure. */
#include "interfaces_view.h"
#include "catalog.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* "snap:name": the length of "snap" (0 for the system's ":name"). */
static size_t ref_snap_len(const char *ref)
{
	return strcspn(ref, ":");
}

/* "snap:name": "name" (the whole ref if it has no colon). */
static const char *ref_name(const char *ref)
{
	const char *colon = strchr(ref, ':');
	return colon ? colon + 1 : ref;
}

/* Order of snap's /v2/interfaces lists: by snap, then by name (a plain
 * string compare of "snap:name" would put "a-b:x" before "a:x", '-' being
 * below ':'). The system's slots (":name") come first. */
static int by_snap_then_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t xl = ref_snap_len(x), yl = ref_snap_len(y);
	int c = strncmp(x, y, xl < yl ? xl : yl);
	if (c == 0 && xl != yl)
		c = xl < yl ? -1 : 1;
	return c ? c : strcmp(x + xl, y + yl);
}

static void sort_refs(strv *refs)
{
	if (refs->n > 1)
		qsort(refs->v, refs->n, sizeof *refs->v, by_snap_then_name);
}

/* Does "snap:name" (":name" for the system) belong to the snap `want`? */
static bool of_snap(const char *ref, const char *want)
{
	size_t l = ref_snap_len(ref);
	/* the system answers to its nicknames; an empty SNAP argument names
	 * nothing ("" is how the state spells the system, not a user's word) */
	if (l == 0)
		return want[0] != '\0' && cordon_is_system_snap(want);
	return strlen(want) == l && strncmp(ref, want, l) == 0;
}

/* A plug or slot as snap shows it next to its peer or interface: the name
 * is left out when it equals `name` ("foo" for "foo:camera"). */
static void add_short(buf *b, const char *ref, const char *name)
{
	if (strcmp(ref_name(ref), name) == 0)
		buf_add(b, ref, ref_snap_len(ref));
	else
		buf_adds(b, ref);
}

int cordon_interfaces_table(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat,
			    const char *want_snap, strv *cells, cordon_error **err)
{
	_cleanup_strv_ strv slots = {0}, free_plugs = {0};
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].slot, "-") == 0)
			strv_push(&free_plugs, rows[i].plug);
		else if (!strv_contains(&slots, rows[i].slot))
			strv_push(&slots, rows[i].slot);
	}
	/* the system's slots, connected or not (the rows leave unconnected
	 * ones out unless the system was asked for by name) */
	for (size_t i = 0; i < cat->n; i++) {
		if (!cat->defs[i]->implicit_slot)
			continue;
		_cleanup_free_ char *ref = xasprintf(":%s", cat->defs[i]->name);
		if (!strv_contains(&slots, ref))
			strv_push(&slots, ref);
	}
	if (slots.n == 0 && free_plugs.n == 0)
		return cordon_err_msg(err, ENOENT, "no interfaces found");
	sort_refs(&slots);
	sort_refs(&free_plugs);
	for (size_t s = 0; s < slots.n; s++) {
		_cleanup_buf_ buf plugs = {0};
		/* a slot is the snap's when the slot or one of its plugs is */
		bool relevant = want_snap == NULL || of_snap(slots.v[s], want_snap);
		/* rows are sorted by plug within an interface: the plugs of
		 * one slot come out in snap order */
		for (size_t i = 0; i < n; i++) {
			if (strcmp(rows[i].slot, slots.v[s]) != 0 || strcmp(rows[i].plug, "-") == 0)
				continue;
			if (want_snap && of_snap(rows[i].plug, want_snap))
				relevant = true;
			if (plugs.len)
				buf_addc(&plugs, ',');
			add_short(&plugs, rows[i].plug, ref_name(slots.v[s]));
		}
		if (!relevant)
			continue;
		strv_push(cells, slots.v[s]);
		strv_push(cells, plugs.len ? plugs.p : "-");
	}
	for (size_t i = 0; i < free_plugs.n; i++) {
		if (want_snap && !of_snap(free_plugs.v[i], want_snap))
			continue;
		strv_push(cells, "-");
		strv_push(cells, free_plugs.v[i]);
	}
	return 0;
}

/* The interface column of a row ("content[x]") names this interface? */
static bool row_of(const cordon_conn_view *row, const char *iface)
{
	size_t l = strlen(iface);
	return strncmp(row->interface, iface, l) == 0 &&
	       (row->interface[l] == '\0' || row->interface[l] == '[');
}

int cordon_interface_list(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat,
			  bool all, strv *cells, cordon_error **err)
{
	size_t shown = 0;
	for (size_t i = 0; i < cat->n; i++) {
		bool used = all;
		for (size_t k = 0; !used && k < n; k++)
			used = row_of(&rows[k], cat->defs[i]->name);
		if (!used)
			continue;
		strv_push(cells, cat->defs[i]->name);
		strv_push(cells, cat->defs[i]->summary);
		shown++;
	}
	if (shown == 0)
		return cordon_err_msg(
		    err, ENOENT, all ? "no interfaces found" : "no interfaces currently connected");
	return 0;
}

int cordon_interface_describe(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat,
			      const char *name, char **text, cordon_error **err)
{
	const cordon_def *def = cordon_catalog_get(cat, name);
	if (def == NULL)
		return cordon_err_msg(err, ENOENT, "no such interface");
	_cleanup_strv_ strv plugs = {0}, slots = {0};
	for (size_t i = 0; i < n; i++) {
		if (!row_of(&rows[i], def->name))
			continue;
		const char *ends[2] = {rows[i].plug, rows[i].slot};
		strv *lists[2] = {&plugs, &slots};
		for (int k = 0; k < 2; k++) {
			/* the system's slots, connected or not, are the one
			 * "system" below */
			if (strcmp(ends[k], "-") == 0 || ref_snap_len(ends[k]) == 0)
				continue;
			_cleanup_buf_ buf shown = {0};
			add_short(&shown, ends[k], def->name);
			if (!strv_contains(lists[k], shown.p))
				strv_push(lists[k], shown.p);
		}
	}
	if (def->implicit_slot)
		strv_push(&slots, "system");
	/* snapd lists both by snap, then name */
	sort_refs(&plugs);
	sort_refs(&slots);
	_cleanup_buf_ buf out = {0};
	buf_printf(&out, "name:    %s\nsummary: %s\n", def->name, def->summary);
	if (plugs.n)
		buf_adds(&out, "plugs:\n");
	for (size_t i = 0; i < plugs.n; i++)
		buf_printf(&out, "  - %s\n", plugs.v[i]);
	if (slots.n)
		buf_adds(&out, "slots:\n");
	for (size_t i = 0; i < slots.n; i++)
		buf_printf(&out, "  - %s\n", slots.v[i]);
	*text = buf_steal(&out);
	return 0;
}
