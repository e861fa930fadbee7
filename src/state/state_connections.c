/* Plugs, slots and connections: the rows auto-connection, connect,
 * disconnect, the listing and policy compilation ask about (src/store/). */
#include "state.h"
#include "state_db.h"

#include <errno.h>
#include <string.h>

/* ---- rows ---- */

#define PORT_COLS "snap, kind, name, interface, content"

static void read_port(sqlite3_stmt *st, void *row)
{
	cordon_port_row *r = row;
	r->snap = state_col_str(st, 0);
	const unsigned char *kind = sqlite3_column_text(st, 1);
	/* the schema admits 'plug' and 'slot' only */
	r->kind =
	    kind && strcmp((const char *)kind, "plug") == 0 ? CORDON_PORT_PLUG : CORDON_PORT_SLOT;
	r->name = state_col_str(st, 2);
	r->interface = state_col_str(st, 3);
	r->content = state_col_str(st, 4);
}

static void free_port(void *row)
{
	cordon_port_row_free(row);
}

/* Step a query of PORT_COLS to its end, then finalize it. */
static int step_ports(cordon_state *s, sqlite3_stmt *st, const char *what, cordon_port_row **rows,
		      size_t *n, cordon_error **err)
{
	void *v;
	int r = state_step_rows(s, st, what, sizeof **rows, read_port, free_port, &v, n, err);
	*rows = v;
	return r;
}

#define CONN_COLS "plug_snap, plug, slot_snap, slot, interface, manual, undesired"

/* CONN_COLS from column first on. */
static void read_conn(sqlite3_stmt *st, int first, cordon_conn_row *r)
{
	r->plug_snap = state_col_str(st, first);
	r->plug = state_col_str(st, first + 1);
	r->slot_snap = state_col_str(st, first + 2);
	r->slot = state_col_str(st, first + 3);
	r->interface = state_col_str(st, first + 4);
	r->manual = sqlite3_column_int(st, first + 5) != 0;
	r->undesired = sqlite3_column_int(st, first + 6) != 0;
}

static void read_conn_row(sqlite3_stmt *st, void *row)
{
	read_conn(st, 0, row);
}

static void free_conn(void *row)
{
	cordon_conn_row_free(row);
}

/* Step a query of CONN_COLS to its end, then finalize it. */
static int step_conns(cordon_state *s, sqlite3_stmt *st, const char *what, cordon_conn_row **rows,
		      size_t *n, cordon_error **err)
{
	void *v;
	int r = state_step_rows(s, st, what, sizeof **rows, read_conn_row, free_conn, &v, n, err);
	*rows = v;
	return r;
}

/* ---- plugs and slots ---- */

int cordon_state_delete_ports(cordon_state *s, const char *snap, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "DELETE FROM ports WHERE snap = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	return state_step_done(s, st, "delete plugs and slots", err);
}

int cordon_state_add_port(cordon_state *s, const char *snap, cordon_port_kind kind,
			  const char *name, const char *interface, const char *content,
			  cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "INSERT INTO ports(" PORT_COLS ") VALUES(?,?,?,?,?)", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	state_bind_str(st, 2, kind == CORDON_PORT_PLUG ? "plug" : "slot");
	state_bind_str(st, 3, name);
	state_bind_str(st, 4, interface);
	state_bind_str(st, 5, content);
	return state_step_done(s, st, "record plug or slot", err);
}

int cordon_state_slots_with_interface(cordon_state *s, const char *interface, const char *content,
				      cordon_port_row **rows, size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT " PORT_COLS " FROM ports WHERE kind = 'slot' AND "
			      "interface = ?1 AND (?2 IS NULL OR content = ?2) ORDER BY snap, name",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, interface);
	state_bind_opt(st, 2, content);
	return step_ports(s, st, "list slots", rows, n, err);
}

int cordon_state_plugs_with_interface(cordon_state *s, const char *interface,
				      const char *except_snap, cordon_port_row **rows, size_t *n,
				      cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT " PORT_COLS " FROM ports WHERE kind = 'plug' AND "
			      "interface = ? AND snap != ?",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, interface);
	state_bind_str(st, 2, except_snap);
	return step_ports(s, st, "list plugs", rows, n, err);
}

int cordon_state_snaps_with_plugs_of(cordon_state *s, const char *interface,
				     const char *except_snap, strv *out, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT DISTINCT snap FROM ports WHERE kind = 'plug' AND "
			      "interface = ? AND snap != ?",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, interface);
	state_bind_str(st, 2, except_snap);
	return state_step_names(s, st, "list snaps with plugs", out, err);
}

int cordon_state_unconnected_ports(cordon_state *s, const char *snap, cordon_port_row **rows,
				   size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT p.snap, p.kind, p.name, p.interface, p.content FROM ports p "
			      "WHERE (?1 IS NULL OR p.snap = ?1) AND NOT EXISTS (SELECT 1 FROM "
			      "connections c WHERE c.undesired = 0 AND ((p.kind = 'plug' AND "
			      "c.plug_snap = p.snap AND c.plug = p.name) OR (p.kind = 'slot' AND "
			      "c.slot_snap = p.snap AND c.slot = p.name)))",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_opt(st, 1, snap);
	return step_ports(s, st, "list unconnected plugs and slots", rows, n, err);
}

/* ---- connections: changes ---- */

int cordon_state_put_connection(cordon_state *s, const char *plug_snap, const char *plug,
				const char *slot_snap, const char *slot, const char *interface,
				bool manual, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(
	    s,
	    "INSERT INTO connections(plug_snap, plug, slot_snap, slot, interface, manual, "
	    "undesired) VALUES(?,?,?,?,?,?,0) ON CONFLICT(plug_snap, plug, slot_snap, slot) "
	    "DO UPDATE SET manual = excluded.manual, undesired = 0, "
	    "interface = excluded.interface",
	    &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, plug_snap);
	state_bind_str(st, 2, plug);
	state_bind_str(st, 3, slot_snap);
	state_bind_str(st, 4, slot);
	state_bind_str(st, 5, interface);
	sqlite3_bind_int(st, 6, manual ? 1 : 0);
	return state_step_done(s, st, "record connection", err);
}

int cordon_state_delete_connection(cordon_state *s, const cordon_conn_row *c, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "DELETE FROM connections WHERE plug_snap = ? AND plug = ? AND "
			      "slot_snap = ? AND slot = ?",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, c->plug_snap);
	state_bind_str(st, 2, c->plug);
	state_bind_str(st, 3, c->slot_snap);
	state_bind_str(st, 4, c->slot);
	return state_step_done(s, st, "delete connection", err);
}

int cordon_state_remember_disconnection(cordon_state *s, const cordon_conn_row *c,
					cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "UPDATE connections SET undesired = 1, manual = 0 WHERE "
			      "plug_snap = ? AND plug = ? AND slot_snap = ? AND slot = ?",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, c->plug_snap);
	state_bind_str(st, 2, c->plug);
	state_bind_str(st, 3, c->slot_snap);
	state_bind_str(st, 4, c->slot);
	return state_step_done(s, st, "remember disconnection", err);
}

int cordon_state_delete_connections_to(cordon_state *s, const char *slot_snap, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "DELETE FROM connections WHERE slot_snap = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, slot_snap);
	return state_step_done(s, st, "delete connections", err);
}

/* ---- connections: questions ---- */

int cordon_state_plug_is_recorded(cordon_state *s, const char *snap, const char *plug, bool *yes,
				  cordon_error **err)
{
	sqlite3_stmt *st;
	*yes = false;
	int r = state_prepare(
	    s, "SELECT plug FROM connections WHERE plug_snap = ? AND plug = ? LIMIT 1", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	state_bind_str(st, 2, plug);
	return state_step_exists(s, st, "read connection", yes, err);
}

int cordon_state_system_slot_is_connected(cordon_state *s, const char *slot, bool *yes,
					  cordon_error **err)
{
	sqlite3_stmt *st;
	*yes = false;
	int r = state_prepare(s,
			      "SELECT 1 FROM connections WHERE slot_snap = '' AND slot = ? AND "
			      "undesired = 0 LIMIT 1",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, slot);
	return state_step_exists(s, st, "read connection", yes, err);
}

int cordon_state_plug_snaps_connected_to(cordon_state *s, const char *slot_snap, strv *out,
					 cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT DISTINCT plug_snap FROM connections WHERE slot_snap = ?1 AND "
			      "plug_snap != ?1 AND undesired = 0",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, slot_snap);
	return state_step_names(s, st, "list connected snaps", out, err);
}

int cordon_state_plug_snaps_recorded_on(cordon_state *s, const char *slot_snap, strv *out,
					cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT DISTINCT plug_snap FROM connections WHERE slot_snap = ?1 AND "
			      "plug_snap != ?1",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, slot_snap);
	return state_step_names(s, st, "list connected snaps", out, err);
}

int cordon_state_connections_of(cordon_state *s, const char *snap, cordon_conn_row **rows,
				size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT " CONN_COLS " FROM connections WHERE plug_snap = ?1 OR "
			      "slot_snap = ?1",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	return step_conns(s, st, "list connections", rows, n, err);
}

int cordon_state_connections_from_plugs(cordon_state *s, const char *snap, cordon_conn_row **rows,
					size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT " CONN_COLS " FROM connections WHERE plug_snap = ? AND "
			      "undesired = 0 ORDER BY plug, slot_snap, slot",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	return step_conns(s, st, "list connections", rows, n, err);
}

int cordon_state_connections_to_slots(cordon_state *s, const char *snap, cordon_conn_row **rows,
				      size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT " CONN_COLS " FROM connections WHERE slot_snap = ? AND "
			      "undesired = 0 ORDER BY slot, plug_snap, plug",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	return step_conns(s, st, "list connections", rows, n, err);
}

int cordon_state_plug_connections(cordon_state *s, const char *snap, const char *plug,
				  const char *slot_snap, const char *slot, cordon_conn_row **rows,
				  size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT " CONN_COLS " FROM connections WHERE plug_snap = ?1 AND "
			      "plug = ?2 AND (?3 IS NULL OR slot_snap = ?3) AND "
			      "(?4 IS NULL OR slot = ?4)",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	state_bind_str(st, 2, plug);
	state_bind_opt(st, 3, slot_snap);
	state_bind_opt(st, 4, slot);
	return step_conns(s, st, "list connections", rows, n, err);
}

int cordon_state_slot_connections(cordon_state *s, const char *snap, const char *slot,
				  const char *plug_snap, const char *plug, cordon_conn_row **rows,
				  size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "SELECT " CONN_COLS " FROM connections WHERE slot_snap = ?1 AND "
			      "slot = ?2 AND (?3 IS NULL OR plug_snap = ?3) AND "
			      "(?4 IS NULL OR plug = ?4)",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	state_bind_str(st, 2, slot);
	state_bind_opt(st, 3, plug_snap);
	state_bind_opt(st, 4, plug);
	return step_conns(s, st, "list connections", rows, n, err);
}

static void read_listing(sqlite3_stmt *st, void *row)
{
	cordon_conn_listing_row *l = row;
	read_conn(st, 0, &l->conn);
	l->content = state_col_str(st, 7);
}

static void free_listing(void *row)
{
	cordon_conn_listing_row *l = row;
	cordon_conn_row_free(&l->conn);
	free(l->content);
}

int cordon_state_connections_involving(cordon_state *s, const char *snap,
				       cordon_conn_listing_row **rows, size_t *n,
				       cordon_error **err)
{
	sqlite3_stmt *st;
	/* content: the plug's when it has one, else the slot's */
	int r = state_prepare(
	    s,
	    "SELECT c.plug_snap, c.plug, c.slot_snap, c.slot, c.interface, c.manual, "
	    "c.undesired, COALESCE(NULLIF(pp.content, ''), ps.content, '') FROM connections c "
	    "LEFT JOIN ports pp ON pp.snap = c.plug_snap AND pp.kind = 'plug' AND "
	    "pp.name = c.plug "
	    "LEFT JOIN ports ps ON ps.snap = c.slot_snap AND ps.kind = 'slot' AND "
	    "ps.name = c.slot "
	    "WHERE c.undesired = 0 AND (?1 IS NULL OR c.plug_snap = ?1 OR c.slot_snap = ?1)",
	    &st, err);
	if (r < 0)
		return r;
	state_bind_opt(st, 1, snap);
	void *v;
	r = state_step_rows(s, st, "list connections", sizeof **rows, read_listing, free_listing,
			    &v, n, err);
	*rows = v;
	return r;
}

/* ---- freeing ---- */

void cordon_port_row_free(cordon_port_row *r)
{
	free(r->snap);
	free(r->name);
	free(r->interface);
	free(r->content);
	memset(r, 0, sizeof *r);
}

void cordon_port_rows_free(cordon_port_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cordon_port_row_free(&rows[i]);
	free(rows);
}

void cordon_conn_row_free(cordon_conn_row *r)
{
	free(r->plug_snap);
	free(r->plug);
	free(r->slot_snap);
	free(r->slot);
	free(r->interface);
	memset(r, 0, sizeof *r);
}

void cordon_conn_rows_free(cordon_conn_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cordon_conn_row_free(&rows[i]);
	free(rows);
}

void cordon_conn_listing_rows_free(cordon_conn_listing_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cordon_conn_row_free(&rows[i].conn);
		free(rows[i].content);
	}
	free(rows);
}
