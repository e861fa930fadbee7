/* Persistent state: one SQLite database (WAL, schema version, foreign keys)
 * holding installed snaps, their revisions (with the manifest as installed),
 * their plugs and slots, interface connections, and a journal of operations
 * in flight so the next command can finish or roll back what an interrupted
 * one left.
 *
 * Every SQL statement of cordon is in this folder, behind the typed
 * functions below: state.c (open, schema, transactions), state_snaps.c
 * (snaps and revisions), state_connections.c (plugs, slots and
 * connections), state_journal.c (the journal), state_services.c,
 * state_config.c (each snap's configuration). Each function is one
 * statement: inside cordon_state_begin/commit it is part of that
 * transaction, outside it commits on its own. Lists are arrays of rows the
 * caller frees with the matching _rows_free. */
#pragma once
#include "error.h"
#include "paths.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cordon_state cordon_state;

typedef struct cordon_snap_row {
	char *name; /* instance name */
	char *snap_name;
	char *instance_key; /* "" without */
	char *current;	    /* current revision, e.g. x2 */
	int64_t next_seq;   /* next local revision number */
	char *confinement;  /* effective: strict | devmode | classic */
	bool disabled;
} cordon_snap_row;

typedef struct cordon_rev_row {
	char *snap;
	char *revision;
	int64_t seq;
	char *version;
	int source_kind; /* enum cordon_source_kind */
	char *source_path;
	char *manifest; /* snap.yaml text */
	char *installed_at;
} cordon_rev_row;

typedef struct cordon_pending_row {
	int64_t id;
	char *op; /* install | finish | purge */
	char *snap;
	char *revision;
} cordon_pending_row;

/* A daemon app of a snap and whether its units are enabled (started at
 * boot, and after each change of the snap). */
typedef struct cordon_service_row {
	char *app;
	bool enabled;
} cordon_service_row;

typedef enum cordon_port_kind {
	CORDON_PORT_PLUG,
	CORDON_PORT_SLOT,
} cordon_port_kind;

/* A plug or slot of a snap's current revision whose interface the
 * catalogue knows. */
typedef struct cordon_port_row {
	char *snap;
	cordon_port_kind kind;
	char *name;
	char *interface;
	char *content; /* the `content` attribute of a content port, else "" */
} cordon_port_row;

/* A connection, or an auto-connection the admin disconnected (undesired).
 * slot_snap "" is the system (its implicit slots, shown ":network"). */
typedef struct cordon_conn_row {
	char *plug_snap;
	char *plug;
	char *slot_snap;
	char *slot;
	char *interface;
	bool manual;	/* made by `cordon connect` */
	bool undesired; /* disconnected by the admin, remembered across refreshes */
} cordon_conn_row;

/* A connection as `cordon connections` lists it. */
typedef struct cordon_conn_listing_row {
	cordon_conn_row conn;
	char *content; /* the plug's `content`, else the slot's, else "" */
} cordon_conn_listing_row;

/* ---- the database (state.c) ---- */

/* writable: open read-write and create the schema if needed (root). Read-only
 * opens never create anything. */
int cordon_state_open(const cordon_paths *p, bool writable, cordon_state **out, cordon_error **err);
void cordon_state_close(cordon_state *s);
static inline void cleanup_statep(cordon_state **s)
{
	if (*s)
		cordon_state_close(*s);
}
#define _cleanup_state_ __attribute__((cleanup(cleanup_statep)))

/* An immediate (write-locked) transaction; rollback does nothing outside one. */
int cordon_state_begin(cordon_state *s, cordon_error **err);
int cordon_state_commit(cordon_state *s, cordon_error **err);
void cordon_state_rollback(cordon_state *s);

/* ---- snaps and revisions (state_snaps.c) ---- */

/* 0 when found, -ENOENT when not (without touching err). */
int cordon_state_get_snap(cordon_state *s, const char *name, cordon_snap_row *out,
			  cordon_error **err);
/* By name. */
int cordon_state_list_snaps(cordon_state *s, cordon_snap_row **rows, size_t *n, cordon_error **err);
/* Insert, or replace every column of the snap of that name. */
int cordon_state_put_snap(cordon_state *s, const cordon_snap_row *row, cordon_error **err);
/* Its revisions, ports and connections of its plugs go with it (cascade). */
int cordon_state_delete_snap(cordon_state *s, const char *name, cordon_error **err);

/* 0 when found, -ENOENT when not (without touching err). */
int cordon_state_get_revision(cordon_state *s, const char *snap, const char *rev,
			      cordon_rev_row *out, cordon_error **err);
/* Oldest first. */
int cordon_state_list_revisions(cordon_state *s, const char *snap, cordon_rev_row **rows, size_t *n,
				cordon_error **err);
/* Insert, or replace the revision of that snap and name. */
int cordon_state_put_revision(cordon_state *s, const cordon_rev_row *row, cordon_error **err);
int cordon_state_delete_revision(cordon_state *s, const char *snap, const char *rev,
				 cordon_error **err);

void cordon_snap_row_free(cordon_snap_row *r);
void cordon_rev_row_free(cordon_rev_row *r);
void cordon_snap_rows_free(cordon_snap_row *rows, size_t n);
void cordon_rev_rows_free(cordon_rev_row *rows, size_t n);

/* ---- the journal of operations in flight (state_journal.c) ---- */

/* id: NULL, or gets the new entry's id. */
int cordon_state_add_pending(cordon_state *s, const char *op, const char *snap,
			     const char *revision, int64_t *id, cordon_error **err);
/* Oldest first. */
int cordon_state_list_pending(cordon_state *s, cordon_pending_row **rows, size_t *n,
			      cordon_error **err);
int cordon_state_delete_pending(cordon_state *s, int64_t id, cordon_error **err);
/* Every entry of one operation (install, finish, purge). */
int cordon_state_delete_pending_op(cordon_state *s, const char *op, cordon_error **err);

void cordon_pending_row_free(cordon_pending_row *r);
void cordon_pending_rows_free(cordon_pending_row *rows, size_t n);

/* ---- plugs and slots (state_connections.c) ---- */

/* Forget every plug and slot of the snap (before recording its new ones). */
int cordon_state_delete_ports(cordon_state *s, const char *snap, cordon_error **err);
/* content: "" but for content ports. A port already recorded is an error. */
int cordon_state_add_port(cordon_state *s, const char *snap, cordon_port_kind kind,
			  const char *name, const char *interface, const char *content,
			  cordon_error **err);
/* The slots of that interface, every snap's; content NULL: any content,
 * else only slots with that content. By snap, then name. */
int cordon_state_slots_with_interface(cordon_state *s, const char *interface, const char *content,
				      cordon_port_row **rows, size_t *n, cordon_error **err);
/* The plugs of that interface of every snap but except_snap (in no
 * particular order). */
int cordon_state_plugs_with_interface(cordon_state *s, const char *interface,
				      const char *except_snap, cordon_port_row **rows, size_t *n,
				      cordon_error **err);
/* The snaps but except_snap with a plug of that interface, each once,
 * appended to out. */
int cordon_state_snaps_with_plugs_of(cordon_state *s, const char *interface,
				     const char *except_snap, strv *out, cordon_error **err);
/* The plugs and slots no connection uses (remembered disconnections do not
 * count) of one snap, or of every snap (snap NULL), in no particular order. */
int cordon_state_unconnected_ports(cordon_state *s, const char *snap, cordon_port_row **rows,
				   size_t *n, cordon_error **err);

void cordon_port_row_free(cordon_port_row *r);
void cordon_port_rows_free(cordon_port_row *rows, size_t n);

/* ---- connections (state_connections.c) ---- */

/* Record plug -> slot as connected: a new row, or the existing one (a
 * remembered disconnection too) with manual and interface replaced and
 * undesired cleared. */
int cordon_state_put_connection(cordon_state *s, const char *plug_snap, const char *plug,
				const char *slot_snap, const char *slot, const char *interface,
				bool manual, cordon_error **err);
/* The row of c's plug and slot, gone. */
int cordon_state_delete_connection(cordon_state *s, const cordon_conn_row *c, cordon_error **err);
/* The row of c's plug and slot, kept as a disconnection the admin made
 * (undesired, not manual): auto-connection leaves that plug alone. */
int cordon_state_remember_disconnection(cordon_state *s, const cordon_conn_row *c,
					cordon_error **err);
/* Every row whose slot is one of slot_snap's, gone. */
int cordon_state_delete_connections_to(cordon_state *s, const char *slot_snap, cordon_error **err);

/* Whether the plug has a row: connected, or a remembered disconnection. */
int cordon_state_plug_is_recorded(cordon_state *s, const char *snap, const char *plug, bool *yes,
				  cordon_error **err);
/* Whether the system's slot of that name is connected to any plug. */
int cordon_state_system_slot_is_connected(cordon_state *s, const char *slot, bool *yes,
					  cordon_error **err);

/* The other snaps with a plug connected to one of slot_snap's slots, each
 * once, appended to out. */
int cordon_state_plug_snaps_connected_to(cordon_state *s, const char *slot_snap, strv *out,
					 cordon_error **err);
/* The same, remembered disconnections included. */
int cordon_state_plug_snaps_recorded_on(cordon_state *s, const char *slot_snap, strv *out,
					cordon_error **err);

/* Every row with the snap at either end, remembered disconnections
 * included, in no particular order. */
int cordon_state_connections_of(cordon_state *s, const char *snap, cordon_conn_row **rows,
				size_t *n, cordon_error **err);
/* The connections (not remembered disconnections) of the snap's plugs, by
 * plug, slot snap, slot. */
int cordon_state_connections_from_plugs(cordon_state *s, const char *snap, cordon_conn_row **rows,
					size_t *n, cordon_error **err);
/* The connections (not remembered disconnections) to the snap's slots, by
 * slot, plug snap, plug. */
int cordon_state_connections_to_slots(cordon_state *s, const char *snap, cordon_conn_row **rows,
				      size_t *n, cordon_error **err);
/* The rows of one plug (remembered disconnections included), only those to
 * slot_snap and slot when not NULL; in no particular order. */
int cordon_state_plug_connections(cordon_state *s, const char *snap, const char *plug,
				  const char *slot_snap, const char *slot, cordon_conn_row **rows,
				  size_t *n, cordon_error **err);
/* The rows of one slot (remembered disconnections included), only those
 * from plug_snap and plug when not NULL; in no particular order. */
int cordon_state_slot_connections(cordon_state *s, const char *snap, const char *slot,
				  const char *plug_snap, const char *plug, cordon_conn_row **rows,
				  size_t *n, cordon_error **err);
/* The connections (not remembered disconnections) with the snap at either
 * end, or every one (snap NULL), with their content; in no particular
 * order. */
int cordon_state_connections_involving(cordon_state *s, const char *snap,
				       cordon_conn_listing_row **rows, size_t *n,
				       cordon_error **err);

void cordon_conn_row_free(cordon_conn_row *r);
void cordon_conn_rows_free(cordon_conn_row *rows, size_t n);
void cordon_conn_listing_rows_free(cordon_conn_listing_row *rows, size_t n);

/* ---- services (state_services.c) ---- */
int cordon_state_list_services(cordon_state *s, const char *snap, cordon_service_row **rows,
			       size_t *n, cordon_error **err);
/* keep: an existing row stays as it is (a new daemon's default). */
int cordon_state_put_service(cordon_state *s, const char *snap, const char *app, bool enabled,
			     bool keep, cordon_error **err);
int cordon_state_delete_service(cordon_state *s, const char *snap, const char *app,
				cordon_error **err);
void cordon_service_rows_free(cordon_service_row *rows, size_t n);

/* ---- manual aliases (state_aliases.c) ---- */

typedef struct cordon_alias_row {
	char *alias;
	char *snap; /* instance name */
	char *app;
} cordon_alias_row;

/* Every alias (snap NULL) or the snap's; by snap, app, alias. */
int cordon_state_list_aliases(cordon_state *s, const char *snap, cordon_alias_row **rows, size_t *n,
			      cordon_error **err);
/* Insert, or point the alias at another app. */
int cordon_state_put_alias(cordon_state *s, const char *alias, const char *snap, const char *app,
			   cordon_error **err);
int cordon_state_delete_alias(cordon_state *s, const char *alias, cordon_error **err);
void cordon_alias_rows_free(cordon_alias_row *rows, size_t n);

/* ---- configuration (state_config.c) ---- */

/* The snap's configuration document (JSON text): 0, or -ENOENT (err
 * untouched) when it has none. */
int cordon_state_get_config(cordon_state *s, const char *snap, char **doc, cordon_error **err);
/* Replace it; doc NULL: the snap has none any more. */
int cordon_state_put_config(cordon_state *s, const char *snap, const char *doc, cordon_error **err);
/* Whether a transaction (cordon_state_begin) is open. */
bool cordon_state_in_transaction(cordon_state *s);
