/* Persistent state: one SQLite database (WAL, schema version, foreign keys)
 * holding installed snaps, their revisions (with the manifest as installed),
 * interface connections, and a journal of operations in flight so the next
 * command can finish or roll back what an interrupted one left. */
#pragma once
#include "error.h"
#include "paths.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cordon_state cordon_state;

typedef struct cordon_snap_row {
	char *name;         /* instance name */
	char *snap_name;
	char *instance_key; /* "" without */
	char *current;      /* current revision, e.g. x2 */
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
	char *op;   /* install | finish | purge */
	char *snap;
	char *revision;
} cordon_pending_row;

/* writable: open read-write and create the schema if needed (root). Read-only
 * opens never create anything. */
int cordon_state_open(const cordon_paths *p, bool writable, cordon_state **out,
		      cordon_error **err);
void cordon_state_close(cordon_state *s);
static inline void cleanup_statep(cordon_state **s)
{
	if (*s)
		cordon_state_close(*s);
}
#define _cleanup_state_ __attribute__((cleanup(cleanup_statep)))

int cordon_state_begin(cordon_state *s, cordon_error **err);
int cordon_state_commit(cordon_state *s, cordon_error **err);
void cordon_state_rollback(cordon_state *s);

/* 0 when found, -ENOENT when not (without touching err). */
int cordon_state_get_snap(cordon_state *s, const char *name, cordon_snap_row *out,
			  cordon_error **err);
int cordon_state_list_snaps(cordon_state *s, cordon_snap_row **rows, size_t *n,
			    cordon_error **err);
int cordon_state_put_snap(cordon_state *s, const cordon_snap_row *row, cordon_error **err);
int cordon_state_delete_snap(cordon_state *s, const char *name, cordon_error **err);

int cordon_state_get_revision(cordon_state *s, const char *snap, const char *rev,
			      cordon_rev_row *out, cordon_error **err);
/* Oldest first. */
int cordon_state_list_revisions(cordon_state *s, const char *snap, cordon_rev_row **rows,
				size_t *n, cordon_error **err);
int cordon_state_put_revision(cordon_state *s, const cordon_rev_row *row, cordon_error **err);
int cordon_state_delete_revision(cordon_state *s, const char *snap, const char *rev,
				 cordon_error **err);

int cordon_state_add_pending(cordon_state *s, const char *op, const char *snap,
			     const char *revision, cordon_error **err);
int cordon_state_list_pending(cordon_state *s, cordon_pending_row **rows, size_t *n,
			      cordon_error **err);
int cordon_state_delete_pending(cordon_state *s, int64_t id, cordon_error **err);

/* Run a statement with no result (for modules that own their tables). */
int cordon_state_exec(cordon_state *s, const char *sql, cordon_error **err);
struct sqlite3 *cordon_state_db(cordon_state *s);

void cordon_snap_row_free(cordon_snap_row *r);
void cordon_rev_row_free(cordon_rev_row *r);
void cordon_pending_row_free(cordon_pending_row *r);
void cordon_snap_rows_free(cordon_snap_row *rows, size_t n);
void cordon_rev_rows_free(cordon_rev_row *rows, size_t n);
void cordon_pending_rows_free(cordon_pending_row *rows, size_t n);
