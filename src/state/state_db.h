/* Inside src/state/ only: the SQLite handle behind cordon_state and the
 * statement helpers every state file uses. Nothing above this folder sees
 * SQLite or SQL (tools/check-sql.py checks it), so a query changes in one
 * place and callers get typed rows, never a handle to run their own. */
#pragma once
#include "error.h"
#include "util.h"

#include <sqlite3.h>
#include <stdbool.h>

struct cordon_state {
	sqlite3 *db;
	bool readonly; /* an ordinary user's read-only open */
};

/* Readers and a writer's WAL recovery. A read-only connection cannot run
 * the recovery of the WAL index (the -shm file) itself. When it finds the
 * index needing one, SQLite answers SQLITE_READONLY_RECOVERY ("attempt to
 * write a readonly database"), without calling the busy handler: the first
 * connection a root command opens truncates the -shm file and rebuilds it
 * at its first read, and a reader attaching in between sees an empty index
 * (SQLITE_BUSY_RECOVERY once the writer holds its lock; SQLITE_PROTOCOL
 * when the index keeps changing under a reader). Each is transient: the
 * writer finishes; or it died, and the index is rebuilt by the next writer,
 * or read around (heap-memory mode) by a reader that opens while no other
 * connection has it. So a reader retries, with a bounded wait: true when the
 * last error of a read-only connection is one of these. */
bool state_recovery_pending(struct cordon_state *s);
/* Sleep the next step of the wait (1 ms doubling to 64 ms); false once
 * STATE_RECOVERY_WAIT_MS have been waited in all. */
#define STATE_RECOVERY_WAIT_MS 10000
bool state_backoff(unsigned *waited_ms);
/* sqlite3_step for the first step of a statement (where a read transaction
 * begins): retried while state_recovery_pending. */
int state_step(struct cordon_state *s, sqlite3_stmt *st);

/* EIO with "state database: WHAT: <SQLite's message>". */
int state_db_err(struct cordon_state *s, cordon_error **err, const char *what);
/* One or more statements without parameters or results. */
int state_exec(struct cordon_state *s, const char *sql, cordon_error **err);
/* Retried while state_recovery_pending (the schema is read here). */
int state_prepare(struct cordon_state *s, const char *sql, sqlite3_stmt **st, cordon_error **err);

/* Text column i; SQL NULL reads as "". */
char *state_col_str(sqlite3_stmt *st, int i);
/* NULL binds "": the columns are NOT NULL. */
void state_bind_str(sqlite3_stmt *st, int i, const char *v);
/* NULL binds SQL NULL: for the "(?N IS NULL OR col = ?N)" filters. */
void state_bind_opt(sqlite3_stmt *st, int i, const char *v);

/* Step a statement that returns no row, then finalize it. */
int state_step_done(struct cordon_state *s, sqlite3_stmt *st, const char *what, cordon_error **err);
/* Step a query, *yes when it returns a row, then finalize it. */
int state_step_exists(struct cordon_state *s, sqlite3_stmt *st, const char *what, bool *yes,
		      cordon_error **err);
/* Reading a row into a row struct, and freeing one. */
typedef void (*state_row_read)(sqlite3_stmt *st, void *row);
typedef void (*state_row_free)(void *row);

/* Step a query for its one row, read into *row: 0, -ENOENT (no row; err
 * untouched) or the error. Then finalize it. */
int state_step_one(struct cordon_state *s, sqlite3_stmt *st, const char *what, state_row_read read,
		   void *row, cordon_error **err);

/* Step a query to its end, each row read into a new element (`size` bytes,
 * zeroed first) of a malloc'd array; on failure the rows read are freed
 * (free_row) and none returned. Then finalize it. */
int state_step_rows(struct cordon_state *s, sqlite3_stmt *st, const char *what, size_t size,
		    state_row_read read, state_row_free free_row, void **rows, size_t *n,
		    cordon_error **err);

/* Step a query, appending the first column of every row to out (only once
 * the whole query succeeded), then finalize it. */
int state_step_names(struct cordon_state *s, sqlite3_stmt *st, const char *what, strv *out,
		     cordon_error **err);
