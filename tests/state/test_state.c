/* The state layer on a scratch database: opening, the schema, every typed
 * query (with the order of its results where it promises one), the journal,
 * and transactions. */
#include "../unit/check.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cordon_state *open_state(const char *path, bool writable)
{
	cordon_paths p = {.db_path = (char *)path};
	cordon_state *s = NULL;
	cordon_error *err = NULL;
	int r = cordon_state_open(&p, writable, &s, &err);
	if (r < 0) {
		fprintf(stderr, "open %s: %s\n", path, err ? err->msg : "?");
		cordon_error_free(&err);
		return NULL;
	}
	return s;
}

static void put_snap(cordon_state *s, const char *name, const char *current)
{
	cordon_snap_row row = {.name = (char *)name,
			       .snap_name = (char *)name,
			       .instance_key = "",
			       .current = (char *)current,
			       .next_seq = 2,
			       .confinement = "strict"};
	CHECK_INT(cordon_state_put_snap(s, &row, NULL), 0);
}

static void put_rev(cordon_state *s, const char *snap, const char *rev, int64_t seq)
{
	cordon_rev_row row = {.snap = (char *)snap,
			      .revision = (char *)rev,
			      .seq = seq,
			      .version = "1.0",
			      .source_kind = 1,
			      .source_path = "/src",
			      .manifest = "name: x\n",
			      .installed_at = "2026-01-01T00:00:00Z"};
	CHECK_INT(cordon_state_put_revision(s, &row, NULL), 0);
}

static void test_open(const char *path)
{
	cordon_paths p = {.db_path = (char *)path};
	cordon_state *s = NULL;
	cordon_error *err = NULL;
	/* read-only opens never create the database */
	CHECK(cordon_state_open(&p, false, &s, &err) < 0);
	CHECK(err != NULL);
	cordon_error_free(&err);
	CHECK(access(path, F_OK) < 0);

	s = open_state(path, true);
	CHECK(s != NULL);
	cordon_state_close(s);
	/* the schema is created once; opening again keeps it */
	s = open_state(path, true);
	CHECK(s != NULL);
	cordon_state_close(s);
	s = open_state(path, false);
	CHECK(s != NULL);
	cordon_snap_row *rows = NULL;
	size_t n = 5;
	CHECK_INT(cordon_state_list_snaps(s, &rows, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_snap_rows_free(rows, n);
	/* a read-only open cannot write */
	err = NULL;
	cordon_snap_row row = {.name = "ro", .snap_name = "ro", .current = "x1"};
	CHECK(cordon_state_put_snap(s, &row, &err) < 0);
	CHECK(err != NULL);
	cordon_error_free(&err);
	cordon_state_close(s);
}

static void test_snaps(cordon_state *s)
{
	put_snap(s, "zeta", "x1");
	put_snap(s, "alpha", "x1");
	put_snap(s, "alpha_dev", "x3");

	cordon_snap_row got = {0};
	CHECK_INT(cordon_state_get_snap(s, "alpha", &got, NULL), 0);
	CHECK_STR(got.name, "alpha");
	CHECK_STR(got.current, "x1");
	CHECK_STR(got.confinement, "strict");
	CHECK_INT(got.next_seq, 2);
	CHECK(!got.disabled);
	/* put replaces every column */
	free(got.current);
	got.current = xstrdup("x2");
	got.next_seq = 3;
	got.disabled = true;
	CHECK_INT(cordon_state_put_snap(s, &got, NULL), 0);
	cordon_snap_row_free(&got);
	CHECK_INT(cordon_state_get_snap(s, "alpha", &got, NULL), 0);
	CHECK_STR(got.current, "x2");
	CHECK_INT(got.next_seq, 3);
	CHECK(got.disabled);
	cordon_snap_row_free(&got);

	/* not found: -ENOENT, err untouched */
	cordon_error *err = NULL;
	CHECK_INT(cordon_state_get_snap(s, "missing", &got, &err), -ENOENT);
	CHECK(err == NULL);

	cordon_snap_row *rows = NULL;
	size_t n = 0;
	CHECK_INT(cordon_state_list_snaps(s, &rows, &n, NULL), 0);
	CHECK_INT(n, 3);
	if (n == 3) { /* by name */
		CHECK_STR(rows[0].name, "alpha");
		CHECK_STR(rows[1].name, "alpha_dev");
		CHECK_STR(rows[2].name, "zeta");
	}
	cordon_snap_rows_free(rows, n);

	CHECK_INT(cordon_state_delete_snap(s, "alpha_dev", NULL), 0);
	CHECK_INT(cordon_state_get_snap(s, "alpha_dev", &got, NULL), -ENOENT);
}

static void test_revisions(cordon_state *s)
{
	put_rev(s, "alpha", "x2", 2);
	put_rev(s, "alpha", "x1", 1);
	put_rev(s, "alpha", "x3", 3);
	put_rev(s, "zeta", "x1", 1);

	cordon_rev_row got = {0};
	CHECK_INT(cordon_state_get_revision(s, "alpha", "x2", &got, NULL), 0);
	CHECK_STR(got.revision, "x2");
	CHECK_INT(got.seq, 2);
	CHECK_STR(got.version, "1.0");
	CHECK_INT(got.source_kind, 1);
	CHECK_STR(got.source_path, "/src");
	CHECK_STR(got.manifest, "name: x\n");
	CHECK_STR(got.installed_at, "2026-01-01T00:00:00Z");
	/* put replaces */
	free(got.version);
	got.version = xstrdup("2.0");
	CHECK_INT(cordon_state_put_revision(s, &got, NULL), 0);
	cordon_rev_row_free(&got);
	CHECK_INT(cordon_state_get_revision(s, "alpha", "x2", &got, NULL), 0);
	CHECK_STR(got.version, "2.0");
	cordon_rev_row_free(&got);
	CHECK_INT(cordon_state_get_revision(s, "alpha", "x9", &got, NULL), -ENOENT);

	cordon_rev_row *rows = NULL;
	size_t n = 0;
	CHECK_INT(cordon_state_list_revisions(s, "alpha", &rows, &n, NULL), 0);
	CHECK_INT(n, 3);
	if (n == 3) { /* oldest first */
		CHECK_STR(rows[0].revision, "x1");
		CHECK_STR(rows[1].revision, "x2");
		CHECK_STR(rows[2].revision, "x3");
	}
	cordon_rev_rows_free(rows, n);

	CHECK_INT(cordon_state_delete_revision(s, "alpha", "x3", NULL), 0);
	CHECK_INT(cordon_state_list_revisions(s, "alpha", &rows, &n, NULL), 0);
	CHECK_INT(n, 2);
	cordon_rev_rows_free(rows, n);
}

static void test_journal(cordon_state *s)
{
	int64_t a = 0, b = 0, c = 0;
	CHECK_INT(cordon_state_add_pending(s, "install", "alpha", "x4", &a, NULL), 0);
	CHECK_INT(cordon_state_add_pending(s, "finish", "zeta", "", &b, NULL), 0);
	CHECK_INT(cordon_state_add_pending(s, "finish", "alpha", "x4", &c, NULL), 0);
	CHECK_INT(cordon_state_add_pending(s, "purge", "gone", "", NULL, NULL), 0);
	CHECK(a > 0 && b > a && c > b);

	cordon_pending_row *rows = NULL;
	size_t n = 0;
	CHECK_INT(cordon_state_list_pending(s, &rows, &n, NULL), 0);
	CHECK_INT(n, 4);
	if (n == 4) { /* oldest first */
		CHECK_INT(rows[0].id, a);
		CHECK_STR(rows[0].op, "install");
		CHECK_STR(rows[0].snap, "alpha");
		CHECK_STR(rows[0].revision, "x4");
		CHECK_INT(rows[1].id, b);
		CHECK_STR(rows[1].revision, "");
		CHECK_STR(rows[3].op, "purge");
	}
	cordon_pending_rows_free(rows, n);

	CHECK_INT(cordon_state_delete_pending(s, b, NULL), 0);
	CHECK_INT(cordon_state_delete_pending_op(s, "install", NULL), 0);
	CHECK_INT(cordon_state_list_pending(s, &rows, &n, NULL), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(rows[0].id, c);
		CHECK_STR(rows[1].op, "purge");
	}
	cordon_pending_rows_free(rows, n);
	CHECK_INT(cordon_state_delete_pending_op(s, "finish", NULL), 0);
	CHECK_INT(cordon_state_delete_pending_op(s, "purge", NULL), 0);
	CHECK_INT(cordon_state_list_pending(s, &rows, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_pending_rows_free(rows, n);
}

/* The index of the row for snap:name, or -1. */
static int find_port(const cordon_port_row *rows, size_t n, const char *snap, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].snap, snap) == 0 && strcmp(rows[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void test_ports(cordon_state *s)
{
	/* snaps: alpha, zeta (from test_snaps); add two more */
	put_snap(s, "beta", "x1");
	put_snap(s, "gamma", "x1");
	CHECK_INT(cordon_state_add_port(s, "zeta", CORDON_PORT_SLOT, "net", "network", "", NULL),
		  0);
	CHECK_INT(cordon_state_add_port(s, "alpha", CORDON_PORT_SLOT, "net", "network", "", NULL),
		  0);
	CHECK_INT(
	    cordon_state_add_port(s, "alpha", CORDON_PORT_SLOT, "data", "content", "fonts", NULL),
	    0);
	CHECK_INT(
	    cordon_state_add_port(s, "beta", CORDON_PORT_SLOT, "misc", "content", "icons", NULL),
	    0);
	CHECK_INT(cordon_state_add_port(s, "alpha", CORDON_PORT_SLOT, "b-fonts", "content", "fonts",
					NULL),
		  0);
	CHECK_INT(cordon_state_add_port(s, "beta", CORDON_PORT_PLUG, "net", "network", "", NULL),
		  0);
	CHECK_INT(cordon_state_add_port(s, "beta", CORDON_PORT_PLUG, "net2", "network", "", NULL),
		  0);
	CHECK_INT(cordon_state_add_port(s, "gamma", CORDON_PORT_PLUG, "net", "network", "", NULL),
		  0);
	CHECK_INT(
	    cordon_state_add_port(s, "gamma", CORDON_PORT_PLUG, "fonts", "content", "fonts", NULL),
	    0);
	/* a port recorded twice is an error */
	cordon_error *err = NULL;
	CHECK(cordon_state_add_port(s, "gamma", CORDON_PORT_PLUG, "net", "network", "", &err) < 0);
	CHECK(err != NULL);
	cordon_error_free(&err);
	/* and one of a snap not installed (foreign key) */
	CHECK(cordon_state_add_port(s, "nobody", CORDON_PORT_PLUG, "net", "network", "", &err) < 0);
	cordon_error_free(&err);

	cordon_port_row *rows = NULL;
	size_t n = 0;
	CHECK_INT(cordon_state_slots_with_interface(s, "network", NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 2);
	if (n == 2) { /* by snap, then name */
		CHECK_STR(rows[0].snap, "alpha");
		CHECK_STR(rows[1].snap, "zeta");
		CHECK_INT(rows[0].kind, CORDON_PORT_SLOT);
		CHECK_STR(rows[0].interface, "network");
	}
	cordon_port_rows_free(rows, n);
	CHECK_INT(cordon_state_slots_with_interface(s, "content", NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(rows[0].name, "b-fonts");
		CHECK_STR(rows[1].name, "data");
		CHECK_STR(rows[2].snap, "beta");
	}
	cordon_port_rows_free(rows, n);
	CHECK_INT(cordon_state_slots_with_interface(s, "content", "fonts", &rows, &n, NULL), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(rows[0].name, "b-fonts");
		CHECK_STR(rows[0].content, "fonts");
		CHECK_STR(rows[1].name, "data");
	}
	cordon_port_rows_free(rows, n);
	CHECK_INT(cordon_state_slots_with_interface(s, "camera", NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_port_rows_free(rows, n);

	CHECK_INT(cordon_state_plugs_with_interface(s, "network", "beta", &rows, &n, NULL), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(rows[0].snap, "gamma");
		CHECK_STR(rows[0].name, "net");
		CHECK_INT(rows[0].kind, CORDON_PORT_PLUG);
	}
	cordon_port_rows_free(rows, n);
	CHECK_INT(cordon_state_plugs_with_interface(s, "network", "zeta", &rows, &n, NULL), 0);
	CHECK_INT(n, 3);
	CHECK(find_port(rows, n, "beta", "net2") >= 0);
	cordon_port_rows_free(rows, n);

	_cleanup_strv_ strv snaps = {0};
	strv_push(&snaps, "kept");
	CHECK_INT(cordon_state_snaps_with_plugs_of(s, "network", "zeta", &snaps, NULL), 0);
	CHECK_INT(snaps.n, 3); /* appended, each snap once */
	CHECK_STR(snaps.v[0], "kept");
	CHECK(strv_contains(&snaps, "beta") && strv_contains(&snaps, "gamma"));

	/* replacing a snap's ports */
	CHECK_INT(cordon_state_delete_ports(s, "zeta", NULL), 0);
	CHECK_INT(cordon_state_slots_with_interface(s, "network", NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 1);
	cordon_port_rows_free(rows, n);
	CHECK_INT(cordon_state_add_port(s, "zeta", CORDON_PORT_SLOT, "net", "network", "", NULL),
		  0);
}

static int find_conn(const cordon_conn_row *rows, size_t n, const char *plug_snap, const char *plug)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].plug_snap, plug_snap) == 0 && strcmp(rows[i].plug, plug) == 0)
			return (int)i;
	return -1;
}

static void test_connections(cordon_state *s)
{
	/* beta:net -> alpha:net (auto), gamma:net -> alpha:net (manual),
	 * beta:net2 -> :network (auto), gamma:fonts -> alpha:data (manual) */
	CHECK_INT(
	    cordon_state_put_connection(s, "beta", "net", "alpha", "net", "network", false, NULL),
	    0);
	CHECK_INT(
	    cordon_state_put_connection(s, "gamma", "net", "alpha", "net", "network", false, NULL),
	    0);
	/* again: manual replaced, no second row */
	CHECK_INT(
	    cordon_state_put_connection(s, "gamma", "net", "alpha", "net", "network", true, NULL),
	    0);
	CHECK_INT(
	    cordon_state_put_connection(s, "beta", "net2", "", "network", "network", false, NULL),
	    0);
	CHECK_INT(cordon_state_put_connection(s, "gamma", "fonts", "alpha", "data", "content", true,
					      NULL),
		  0);

	bool yes = false;
	CHECK_INT(cordon_state_plug_is_recorded(s, "beta", "net", &yes, NULL), 0);
	CHECK(yes);
	CHECK_INT(cordon_state_plug_is_recorded(s, "zeta", "net", &yes, NULL), 0);
	CHECK(!yes);
	CHECK_INT(cordon_state_system_slot_is_connected(s, "network", &yes, NULL), 0);
	CHECK(yes);
	CHECK_INT(cordon_state_system_slot_is_connected(s, "camera", &yes, NULL), 0);
	CHECK(!yes);

	cordon_conn_row *rows = NULL;
	size_t n = 0;
	CHECK_INT(cordon_state_connections_to_slots(s, "alpha", &rows, &n, NULL), 0);
	CHECK_INT(n, 3);
	if (n == 3) { /* by slot, plug snap, plug */
		CHECK_STR(rows[0].slot, "data");
		CHECK_STR(rows[0].plug_snap, "gamma");
		CHECK(rows[0].manual);
		CHECK(!rows[0].undesired);
		CHECK_STR(rows[0].interface, "content");
		CHECK_STR(rows[1].plug_snap, "beta");
		CHECK(!rows[1].manual);
		CHECK_STR(rows[2].plug_snap, "gamma");
		CHECK(rows[2].manual);
	}
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_connections_from_plugs(s, "gamma", &rows, &n, NULL), 0);
	CHECK_INT(n, 2);
	if (n == 2) { /* by plug, slot snap, slot */
		CHECK_STR(rows[0].plug, "fonts");
		CHECK_STR(rows[1].plug, "net");
		CHECK_STR(rows[1].slot_snap, "alpha");
	}
	cordon_conn_rows_free(rows, n);

	/* the admin disconnects beta:net: remembered, not listed as connected */
	CHECK_INT(cordon_state_plug_connections(s, "beta", "net", NULL, NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_INT(cordon_state_remember_disconnection(s, &rows[0], NULL), 0);
	}
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_plug_is_recorded(s, "beta", "net", &yes, NULL), 0);
	CHECK(yes);
	CHECK_INT(cordon_state_plug_connections(s, "beta", "net", "alpha", "net", &rows, &n, NULL),
		  0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK(rows[0].undesired);
		CHECK(!rows[0].manual);
	}
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_plug_connections(s, "beta", "net", "zeta", NULL, &rows, &n, NULL),
		  0);
	CHECK_INT(n, 0);
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_connections_to_slots(s, "alpha", &rows, &n, NULL), 0);
	CHECK_INT(n, 2);
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_connections_from_plugs(s, "beta", &rows, &n, NULL), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(rows[0].plug, "net2");
	cordon_conn_rows_free(rows, n);
	/* connections_of: either end, remembered ones included */
	CHECK_INT(cordon_state_connections_of(s, "beta", &rows, &n, NULL), 0);
	CHECK_INT(n, 2);
	CHECK(find_conn(rows, n, "beta", "net") >= 0 && find_conn(rows, n, "beta", "net2") >= 0);
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_connections_of(s, "alpha", &rows, &n, NULL), 0);
	CHECK_INT(n, 3);
	cordon_conn_rows_free(rows, n);

	CHECK_INT(cordon_state_slot_connections(s, "alpha", "net", NULL, NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 2);
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_slot_connections(s, "alpha", "net", "gamma", NULL, &rows, &n, NULL),
		  0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(rows[0].plug_snap, "gamma");
	cordon_conn_rows_free(rows, n);
	CHECK_INT(
	    cordon_state_slot_connections(s, "alpha", "net", "gamma", "nope", &rows, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_slot_connections(s, "", "network", NULL, NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 1);
	cordon_conn_rows_free(rows, n);

	_cleanup_strv_ strv connected = {0}, recorded = {0};
	CHECK_INT(cordon_state_plug_snaps_connected_to(s, "alpha", &connected, NULL), 0);
	CHECK_INT(connected.n, 1); /* gamma (twice connected, listed once) */
	if (connected.n == 1)
		CHECK_STR(connected.v[0], "gamma");
	CHECK_INT(cordon_state_plug_snaps_recorded_on(s, "alpha", &recorded, NULL), 0);
	CHECK_INT(recorded.n, 2); /* and beta, disconnected */
	CHECK(strv_contains(&recorded, "beta") && strv_contains(&recorded, "gamma"));

	/* a put connects a remembered disconnection again */
	CHECK_INT(
	    cordon_state_put_connection(s, "beta", "net", "alpha", "net", "network", true, NULL),
	    0);
	CHECK_INT(cordon_state_plug_connections(s, "beta", "net", NULL, NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK(!rows[0].undesired);
		CHECK(rows[0].manual);
		/* and a delete takes it away */
		CHECK_INT(cordon_state_delete_connection(s, &rows[0], NULL), 0);
	}
	cordon_conn_rows_free(rows, n);
	CHECK_INT(cordon_state_plug_is_recorded(s, "beta", "net", &yes, NULL), 0);
	CHECK(!yes);
}

static void test_listing(cordon_state *s)
{
	/* now: gamma:net -> alpha:net (manual), beta:net2 -> :network,
	 * gamma:fonts -> alpha:data (manual, content) */
	cordon_conn_listing_row *rows = NULL;
	size_t n = 0;
	CHECK_INT(cordon_state_connections_involving(s, NULL, &rows, &n, NULL), 0);
	CHECK_INT(n, 3);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].conn.plug, "fonts") == 0) {
			CHECK_STR(rows[i].content, "fonts");
			CHECK(rows[i].conn.manual);
		} else {
			CHECK_STR(rows[i].content, "");
		}
	}
	cordon_conn_listing_rows_free(rows, n);
	CHECK_INT(cordon_state_connections_involving(s, "beta", &rows, &n, NULL), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(rows[0].conn.slot_snap, "");
		CHECK_STR(rows[0].conn.slot, "network");
		CHECK(!rows[0].conn.manual);
	}
	cordon_conn_listing_rows_free(rows, n);
	CHECK_INT(cordon_state_connections_involving(s, "", &rows, &n, NULL), 0);
	CHECK_INT(n, 1); /* the system's */
	cordon_conn_listing_rows_free(rows, n);

	/* unconnected: beta:net (its connection deleted), alpha:b-fonts,
	 * beta:misc, zeta:net */
	cordon_port_row *ports = NULL;
	CHECK_INT(cordon_state_unconnected_ports(s, NULL, &ports, &n, NULL), 0);
	CHECK_INT(n, 4);
	CHECK(find_port(ports, n, "beta", "net") >= 0);
	CHECK(find_port(ports, n, "alpha", "b-fonts") >= 0);
	CHECK(find_port(ports, n, "beta", "misc") >= 0);
	CHECK(find_port(ports, n, "zeta", "net") >= 0);
	int i = find_port(ports, n, "beta", "misc");
	if (i >= 0) {
		CHECK_INT(ports[i].kind, CORDON_PORT_SLOT);
		CHECK_STR(ports[i].content, "icons");
	}
	cordon_port_rows_free(ports, n);
	CHECK_INT(cordon_state_unconnected_ports(s, "beta", &ports, &n, NULL), 0);
	CHECK_INT(n, 2);
	i = find_port(ports, n, "beta", "net");
	if (i >= 0)
		CHECK_INT(ports[i].kind, CORDON_PORT_PLUG);
	cordon_port_rows_free(ports, n);
}

static void test_removal(cordon_state *s)
{
	/* connections to alpha's slots go; the ones from gamma's plugs to it too */
	CHECK_INT(cordon_state_delete_connections_to(s, "alpha", NULL), 0);
	cordon_conn_row *rows = NULL;
	size_t n = 0;
	CHECK_INT(cordon_state_connections_from_plugs(s, "gamma", &rows, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_conn_rows_free(rows, n);
	/* deleting a snap takes its revisions, ports and plug connections */
	CHECK_INT(cordon_state_delete_snap(s, "beta", NULL), 0);
	CHECK_INT(cordon_state_connections_of(s, "beta", &rows, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_conn_rows_free(rows, n);
	cordon_port_row *ports = NULL;
	CHECK_INT(cordon_state_unconnected_ports(s, "beta", &ports, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_port_rows_free(ports, n);
	CHECK_INT(cordon_state_delete_snap(s, "alpha", NULL), 0);
	cordon_rev_row *revs = NULL;
	CHECK_INT(cordon_state_list_revisions(s, "alpha", &revs, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_rev_rows_free(revs, n);
}

static void test_transactions(cordon_state *s)
{
	/* a rollback leaves nothing of what the transaction did */
	CHECK_INT(cordon_state_begin(s, NULL), 0);
	put_snap(s, "temp", "x1");
	put_rev(s, "temp", "x1", 1);
	CHECK_INT(cordon_state_add_port(s, "temp", CORDON_PORT_PLUG, "net", "network", "", NULL),
		  0);
	CHECK_INT(
	    cordon_state_put_connection(s, "temp", "net", "", "network", "network", false, NULL),
	    0);
	CHECK_INT(cordon_state_add_pending(s, "install", "temp", "x1", NULL, NULL), 0);
	CHECK_INT(cordon_state_delete_snap(s, "zeta", NULL), 0);
	cordon_state_rollback(s);
	cordon_snap_row snap = {0};
	CHECK_INT(cordon_state_get_snap(s, "temp", &snap, NULL), -ENOENT);
	CHECK_INT(cordon_state_get_snap(s, "zeta", &snap, NULL), 0);
	cordon_snap_row_free(&snap);
	cordon_rev_row *revs = NULL;
	size_t n = 0;
	CHECK_INT(cordon_state_list_revisions(s, "temp", &revs, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_rev_rows_free(revs, n);
	cordon_port_row *ports = NULL;
	CHECK_INT(cordon_state_unconnected_ports(s, "temp", &ports, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_port_rows_free(ports, n);
	bool yes = true;
	CHECK_INT(cordon_state_plug_is_recorded(s, "temp", "net", &yes, NULL), 0);
	CHECK(!yes);
	cordon_pending_row *pending = NULL;
	CHECK_INT(cordon_state_list_pending(s, &pending, &n, NULL), 0);
	CHECK_INT(n, 0);
	cordon_pending_rows_free(pending, n);
	/* outside a transaction a rollback does nothing */
	cordon_state_rollback(s);

	/* a commit keeps it */
	CHECK_INT(cordon_state_begin(s, NULL), 0);
	put_snap(s, "kept", "x1");
	CHECK_INT(cordon_state_commit(s, NULL), 0);
	CHECK_INT(cordon_state_get_snap(s, "kept", &snap, NULL), 0);
	cordon_snap_row_free(&snap);
	/* a commit without a transaction is an error */
	cordon_error *err = NULL;
	CHECK(cordon_state_commit(s, &err) < 0);
	CHECK(err != NULL);
	cordon_error_free(&err);
}

/* A snap's configuration document: one row, replaced, deleted by NULL and
 * with the snap; a write joins an open transaction. */
static void test_config(cordon_state *s)
{
	put_snap(s, "conf", "x1");
	char *doc = NULL;
	cordon_error *err = NULL;
	CHECK_INT(cordon_state_get_config(s, "conf", &doc, &err), -ENOENT);
	CHECK(err == NULL);
	CHECK_INT(cordon_state_put_config(s, "conf", "{\"a\":1}", NULL), 0);
	CHECK_INT(cordon_state_put_config(s, "conf", "{\"a\":2}", NULL), 0);
	CHECK_INT(cordon_state_get_config(s, "conf", &doc, NULL), 0);
	CHECK_STR(doc, "{\"a\":2}");
	free(doc);
	/* a snap not installed has none */
	CHECK(cordon_state_put_config(s, "nosuch", "{}", &err) < 0);
	cordon_error_free(&err);
	/* rolled back with the transaction it joined */
	CHECK(!cordon_state_in_transaction(s));
	CHECK_INT(cordon_state_begin(s, NULL), 0);
	CHECK(cordon_state_in_transaction(s));
	CHECK_INT(cordon_state_put_config(s, "conf", NULL, NULL), 0);
	CHECK_INT(cordon_state_get_config(s, "conf", &doc, NULL), -ENOENT);
	cordon_state_rollback(s);
	CHECK(!cordon_state_in_transaction(s));
	CHECK_INT(cordon_state_get_config(s, "conf", &doc, NULL), 0);
	free(doc);
	/* a refresh (the snap's row replaced) keeps it, a remove deletes it */
	put_snap(s, "conf", "x2");
	CHECK_INT(cordon_state_get_config(s, "conf", &doc, NULL), 0);
	free(doc);
	CHECK_INT(cordon_state_delete_snap(s, "conf", NULL), 0);
	CHECK_INT(cordon_state_get_config(s, "conf", &doc, NULL), -ENOENT);
	put_snap(s, "conf", "x1");
	CHECK_INT(cordon_state_get_config(s, "conf", &doc, NULL), -ENOENT);
	CHECK_INT(cordon_state_delete_snap(s, "conf", NULL), 0);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/cordon-test-state-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	_cleanup_free_ char *path = xasprintf("%s/state.db", tmpl);

	test_open(path);
	cordon_state *s = open_state(path, true);
	CHECK(s != NULL);
	if (s) {
		test_snaps(s);
		test_revisions(s);
		test_journal(s);
		test_ports(s);
		test_connections(s);
		test_listing(s);
		test_removal(s);
		test_transactions(s);
		test_config(s);
		cordon_state_close(s);
	}
	/* the database and its -wal and -shm files (kept on purpose) */
	const char *suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		_cleanup_free_ char *f = xasprintf("%s%s", path, suffixes[i]);
		(void)unlink(f);
	}
	(void)rmdir(tmpl);
	free(tmpl);
	return check_done("state");
}
