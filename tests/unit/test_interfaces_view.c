/* The views of `cordon interfaces` and `cordon interface` (interfaces_view.h)
 * on a small in-memory catalogue and hand-made connection rows, and the one
 * test of the system's names (catalog.h). */
#include "catalog.h"
#include "check.h"
#include "definitions.h"
#include "interfaces_view.h"
#include "util.h"

#include <errno.h>
#include <string.h>

static cordon_def *load_def(const char *name, const char *summary, bool implicit)
{
	_cleanup_free_ char *text = xasprintf("name: %s\nsummary: %s\nimplicit-slot: %s\n", name,
					      summary, implicit ? "true" : "false");
	cordon_def *d = NULL;
	cordon_error *err = NULL;
	if (cordon_def_load(text, strlen(text), name, false, &d, &err) < 0) {
		/* every later check would read a missing definition */
		fprintf(stderr, "load %s: %s\n", name, err->msg);
		exit(1);
	}
	return d;
}

/* Sorted by name, as cordon_catalog_load leaves it. */
static cordon_catalog *test_catalog(bool with_implicit)
{
	cordon_catalog *c = xcalloc(1, sizeof *c);
	c->defs = xcalloc(6, sizeof *c->defs);
	c->defs[c->n++] = load_def("camera", "allows access to cameras", with_implicit);
	c->defs[c->n++] = load_def("content", "allows sharing code and data", false);
	c->defs[c->n++] = load_def("network", "allows access to the network", with_implicit);
	c->defs[c->n++] = load_def("network-bind", "allows operating as a server", false);
	c->defs[c->n++] = load_def("serial-port", "allows accessing serial ports", false);
	c->defs[c->n++] = load_def("x11", "allows X11", with_implicit);
	return c;
}

/* What cordon_connections_view(NULL, all) gives: every connection and every
 * unconnected plug and slot, sorted by interface, then plug, then slot in
 * byte order ("a-b:net" before "a:net": '-' is below ':'). */
static const cordon_conn_view ALL_ROWS[] = {
    {"camera", "a:camera", ":camera", "manual"},
    {"camera", "foo:cam2", ":camera", "-"},
    {"camera", "foo:cam3", "-", "-"},
    {"content[data]", "cons:data", "prov:data", "-"},
    {"content[data]", "cons:other", "-", "-"},
    {"network", "a-b:net", "-", "-"},
    {"network", "a:net", "-", "-"},
    {"network-bind", "foo:nb", "srv:nb", "-"},
    {"serial-port", "-", "a-b:ser", "-"},
    {"serial-port", "-", "a:ser", "-"},
    {"serial-port", "-", "ports:ser2", "-"},
    {"serial-port", "foo:ser", "ports:ser1", "manual"},
};
/* What cordon_connections_view(NULL, !all) gives: the connections alone. */
static const cordon_conn_view CONNECTED_ROWS[] = {
    {"camera", "a:camera", ":camera", "manual"},	{"camera", "foo:cam2", ":camera", "-"},
    {"content[data]", "cons:data", "prov:data", "-"},	{"network-bind", "foo:nb", "srv:nb", "-"},
    {"serial-port", "foo:ser", "ports:ser1", "manual"},
};
#define N_ALL ARRAY_SIZE(ALL_ROWS)
#define N_CONNECTED ARRAY_SIZE(CONNECTED_ROWS)

/* Cells as "a | b" lines, so that a failure shows the whole table. */
static char *pairs(const strv *cells)
{
	_cleanup_buf_ buf b = {0};
	CHECK_INT(cells->n % 2, 0);
	for (size_t i = 0; i + 1 < cells->n; i += 2)
		buf_printf(&b, "%s | %s\n", cells->v[i], cells->v[i + 1]);
	return buf_steal(&b);
}

/* The table for want_snap, as lines; "ERR <code> <msg>" on failure. */
static char *table_for(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat,
		       const char *want)
{
	_cleanup_strv_ strv cells = {0};
	cordon_error *err = NULL;
	int r = cordon_interfaces_table(rows, n, cat, want, &cells, &err);
	if (r < 0) {
		CHECK_INT(cells.n, 0); /* nothing half-made */
		CHECK_INT(r, -err->code);
		char *s = xasprintf("ERR %d %s", err->code, err->msg);
		cordon_error_free(&err);
		return s;
	}
	CHECK(err == NULL);
	return pairs(&cells);
}

static char *list_for(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat, bool all)
{
	_cleanup_strv_ strv cells = {0};
	cordon_error *err = NULL;
	int r = cordon_interface_list(rows, n, cat, all, &cells, &err);
	if (r < 0) {
		CHECK_INT(cells.n, 0);
		CHECK_INT(r, -err->code);
		char *s = xasprintf("ERR %d %s", err->code, err->msg);
		cordon_error_free(&err);
		return s;
	}
	CHECK(err == NULL);
	return pairs(&cells);
}

static char *describe(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat,
		      const char *name)
{
	char *text = NULL;
	cordon_error *err = NULL;
	int r = cordon_interface_describe(rows, n, cat, name, &text, &err);
	if (r < 0) {
		CHECK(text == NULL);
		CHECK_INT(r, -err->code);
		char *s = xasprintf("ERR %d %s", err->code, err->msg);
		cordon_error_free(&err);
		return s;
	}
	CHECK(err == NULL);
	return text;
}

#define CHECK_OUT(call, want)                                                                      \
	do {                                                                                       \
		char *_got = (call);                                                               \
		CHECK_STR(_got, want);                                                             \
		free(_got);                                                                        \
	} while (0)

static void test_is_system_snap(void)
{
	CHECK(cordon_is_system_snap(""));
	CHECK(cordon_is_system_snap("system"));
	CHECK(cordon_is_system_snap("core"));
	CHECK(cordon_is_system_snap("snapd"));
	CHECK(!cordon_is_system_snap(NULL));
	CHECK(!cordon_is_system_snap("systemd"));
	CHECK(!cordon_is_system_snap("cor"));
	CHECK(!cordon_is_system_snap("Core"));
	CHECK(!cordon_is_system_snap("foo"));
}

static void test_interfaces_table(const cordon_catalog *cat)
{
	/* Every slot: the system's first (":network" and ":x11" unconnected,
	 * from the catalogue), then by snap ("a:ser" before "a-b:ser"); a
	 * plug's name left out where it equals the slot's ("a", "cons",
	 * "foo"), kept where not ("foo:cam2"); then the unconnected plugs,
	 * by snap too. */
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, NULL), ":camera | a,foo:cam2\n"
							 ":network | -\n"
							 ":x11 | -\n"
							 "a:ser | -\n"
							 "a-b:ser | -\n"
							 "ports:ser1 | foo:ser\n"
							 "ports:ser2 | -\n"
							 "prov:data | cons\n"
							 "srv:nb | foo\n"
							 "- | a:net\n"
							 "- | a-b:net\n"
							 "- | cons:other\n"
							 "- | foo:cam3\n");
	/* a snap: the slots it offers or plugs into, its unconnected plugs */
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, "foo"), ":camera | a,foo:cam2\n"
							  "ports:ser1 | foo:ser\n"
							  "srv:nb | foo\n"
							  "- | foo:cam3\n");
	/* "a" is not a prefix match: nothing of "a-b" */
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, "a"), ":camera | a,foo:cam2\n"
							"a:ser | -\n"
							"- | a:net\n");
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, "a-b"), "a-b:ser | -\n"
							  "- | a-b:net\n");
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, "ports"), "ports:ser1 | foo:ser\n"
							    "ports:ser2 | -\n");
	/* the system by any of its names: its slots, connected or not */
	const char *system_table = ":camera | a,foo:cam2\n"
				   ":network | -\n"
				   ":x11 | -\n";
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, "system"), system_table);
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, "core"), system_table);
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, "snapd"), system_table);
	/* a snap with nothing, and an empty name (which names no snap, not
	 * even the system that the state spells ""): an empty table, no error */
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, "nosuch"), "");
	CHECK_OUT(table_for(ALL_ROWS, N_ALL, cat, ""), "");
	/* no rows: the system's slots still show */
	CHECK_OUT(table_for(NULL, 0, cat, NULL), ":camera | -\n"
						 ":network | -\n"
						 ":x11 | -\n");
	/* cells are appended to */
	_cleanup_strv_ strv cells = {0};
	strv_push(&cells, "x");
	strv_push(&cells, "y");
	CHECK_INT(cordon_interfaces_table(NULL, 0, cat, "core", &cells, NULL), 0);
	_cleanup_free_ char *joined = pairs(&cells);
	CHECK_STR(joined, "x | y\n"
			  ":camera | -\n"
			  ":network | -\n"
			  ":x11 | -\n");
}

static void test_interfaces_table_empty(const cordon_catalog *no_implicit)
{
	CHECK_OUT(table_for(NULL, 0, no_implicit, NULL), "ERR 2 no interfaces found");
	CHECK_OUT(table_for(NULL, 0, no_implicit, "foo"), "ERR 2 no interfaces found");
	/* one unconnected plug is enough */
	static const cordon_conn_view one[] = {{"camera", "foo:camera", "-", "-"}};
	CHECK_OUT(table_for(one, 1, no_implicit, NULL), "- | foo:camera\n");
}

static void test_interface_list(const cordon_catalog *cat, const cordon_catalog *no_implicit)
{
	/* the connected interfaces ("content[data]" is content's; the
	 * network-bind row is not network's) */
	CHECK_OUT(list_for(CONNECTED_ROWS, N_CONNECTED, cat, false),
		  "camera | allows access to cameras\n"
		  "content | allows sharing code and data\n"
		  "network-bind | allows operating as a server\n"
		  "serial-port | allows accessing serial ports\n");
	/* --all: the catalogue, rows or not */
	const char *every = "camera | allows access to cameras\n"
			    "content | allows sharing code and data\n"
			    "network | allows access to the network\n"
			    "network-bind | allows operating as a server\n"
			    "serial-port | allows accessing serial ports\n"
			    "x11 | allows X11\n";
	CHECK_OUT(list_for(NULL, 0, cat, true), every);
	CHECK_OUT(list_for(CONNECTED_ROWS, N_CONNECTED, cat, true), every);
	CHECK_OUT(list_for(NULL, 0, no_implicit, false), "ERR 2 no interfaces currently connected");
	/* a row of an interface the catalogue lacks counts for nothing */
	static const cordon_conn_view stray[] = {{"gone", "a:gone", "b:gone", "-"}};
	CHECK_OUT(list_for(stray, 1, cat, false), "ERR 2 no interfaces currently connected");
	cordon_catalog empty = {0};
	CHECK_OUT(list_for(NULL, 0, &empty, true), "ERR 2 no interfaces found");
}

static void test_interface_describe(const cordon_catalog *cat)
{
	/* connected or not, plugs by snap; the system's slot as "system" */
	CHECK_OUT(describe(ALL_ROWS, N_ALL, cat, "camera"), "name:    camera\n"
							    "summary: allows access to cameras\n"
							    "plugs:\n"
							    "  - a\n"
							    "  - foo:cam2\n"
							    "  - foo:cam3\n"
							    "slots:\n"
							    "  - system\n");
	CHECK_OUT(describe(ALL_ROWS, N_ALL, cat, "serial-port"),
		  "name:    serial-port\n"
		  "summary: allows accessing serial ports\n"
		  "plugs:\n"
		  "  - foo:ser\n"
		  "slots:\n"
		  "  - a:ser\n"
		  "  - a-b:ser\n"
		  "  - ports:ser1\n"
		  "  - ports:ser2\n");
	CHECK_OUT(describe(ALL_ROWS, N_ALL, cat, "content"),
		  "name:    content\n"
		  "summary: allows sharing code and data\n"
		  "plugs:\n"
		  "  - cons:data\n"
		  "  - cons:other\n"
		  "slots:\n"
		  "  - prov:data\n");
	CHECK_OUT(describe(ALL_ROWS, N_ALL, cat, "network"),
		  "name:    network\n"
		  "summary: allows access to the network\n"
		  "plugs:\n"
		  "  - a:net\n"
		  "  - a-b:net\n"
		  "slots:\n"
		  "  - system\n");
	/* nothing but the system's slot; then nothing at all */
	CHECK_OUT(describe(ALL_ROWS, N_ALL, cat, "x11"),
		  "name:    x11\nsummary: allows X11\nslots:\n  - system\n");
	CHECK_OUT(describe(NULL, 0, cat, "network-bind"),
		  "name:    network-bind\nsummary: allows operating as a server\n");
	/* a plug connected to two slots is listed once */
	static const cordon_conn_view twice[] = {
	    {"serial-port", "foo:serial-port", "ports:ser1", "-"},
	    {"serial-port", "foo:serial-port", "ports:ser2", "-"},
	};
	CHECK_OUT(describe(twice, 2, cat, "serial-port"), "name:    serial-port\n"
							  "summary: allows accessing serial ports\n"
							  "plugs:\n"
							  "  - foo\n"
							  "slots:\n"
							  "  - ports:ser1\n"
							  "  - ports:ser2\n");
	CHECK_OUT(describe(ALL_ROWS, N_ALL, cat, "nope"), "ERR 2 no such interface");
	CHECK_OUT(describe(NULL, 0, cat, "nope"), "ERR 2 no such interface");
}

int main(void)
{
	cordon_catalog *cat = test_catalog(true), *no_implicit = test_catalog(false);
	test_is_system_snap();
	test_interfaces_table(cat);
	test_interfaces_table_empty(no_implicit);
	test_interface_list(cat, no_implicit);
	test_interface_describe(cat);
	cordon_catalog_free(cat);
	cordon_catalog_free(no_implicit);
	return check_done("interfaces_view");
}
