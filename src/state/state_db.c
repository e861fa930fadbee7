/* The statement helpers of the state files (state_db.h). */
#include "state_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int state_db_err(struct cordon_state *s, cordon_error **err, const char *what)
{
	return cordon_err_msg(err, EIO, "state database: %s: %s", what, sqlite3_errmsg(s->db));
}

int state_exec(struct cordon_state *s, const char *sql, cordon_error **err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = cordon_err_msg(err, EIO, "state database: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

bool state_recovery_pending(struct cordon_state *s)
{
	if (!s->readonly)
		return false;
	int e = sqlite3_extended_errcode(s->db);
	return e == SQLITE_READONLY_RECOVERY || e == SQLITE_BUSY_RECOVERY || e == SQLITE_PROTOCOL;
}

bool state_backoff(unsigned *waited_ms)
{
	if (*waited_ms >= STATE_RECOVERY_WAIT_MS)
		return false;
	unsigned ms = 1;
	while (ms < 64 && ms <= *waited_ms)
		ms *= 2;
	struct timespec ts = {0, (long)ms * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	*waited_ms += ms;
	return true;
}

int state_step(struct cordon_state *s, sqlite3_stmt *st)
{
	unsigned waited = 0;
	for (;;) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE || !state_recovery_pending(s) ||
		    !state_backoff(&waited))
			return rc;
		/* nothing was read: the same statement, bindings kept, again */
		sqlite3_reset(st);
	}
}

int state_prepare(struct cordon_state *s, const char *sql, sqlite3_stmt **st, cordon_error **err)
{
	unsigned waited = 0;
	while (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		if (!state_recovery_pending(s) || !state_backoff(&waited))
			return state_db_err(s, err, "prepare");
	return 0;
}

char *state_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

void state_bind_str(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

void state_bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int state_step_done(struct cordon_state *s, sqlite3_stmt *st, const char *what, cordon_error **err)
{
	int rc = state_step(s, st);
	int r = rc == SQLITE_DONE ? 0 : state_db_err(s, err, what);
	sqlite3_finalize(st);
	return r;
}

int state_step_exists(struct cordon_state *s, sqlite3_stmt *st, const char *what, bool *yes,
		      cordon_error **err)
{
	int rc = state_step(s, st);
	*yes = rc == SQLITE_ROW;
	int r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : state_db_err(s, err, what);
	sqlite3_finalize(st);
	return r;
}

int state_step_one(struct cordon_state *s, sqlite3_stmt *st, const char *what, state_row_read read,
		   void *row, cordon_error **err)
{
	int rc = state_step(s, st);
	int r = 0;
	if (rc == SQLITE_ROW)
		read(st, row);
	else if (rc == SQLITE_DONE)
		r = -ENOENT;
	else
		r = state_db_err(s, err, what);
	sqlite3_finalize(st);
	return r;
}

int state_step_rows(struct cordon_state *s, sqlite3_stmt *st, const char *what, size_t size,
		    state_row_read read, state_row_free free_row, void **rows, size_t *n,
		    cordon_error **err)
{
	char *v = NULL;
	size_t count = 0;
	int rc;
	for (rc = state_step(s, st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		v = xreallocarray(v, count + 1, size);
		memset(v + count * size, 0, size);
		read(st, v + count * size);
		count++;
	}
	/* the error message is SQLite's until the statement is finalized */
	int r = rc == SQLITE_DONE ? 0 : state_db_err(s, err, what);
	sqlite3_finalize(st);
	if (r < 0) {
		for (size_t i = 0; i < count; i++)
			free_row(v + i * size);
		free(v);
		v = NULL;
		count = 0;
	}
	*rows = v;
	*n = count;
	return r;
}

int state_step_names(struct cordon_state *s, sqlite3_stmt *st, const char *what, strv *out,
		     cordon_error **err)
{
	_cleanup_strv_ strv got = {0};
	int rc;
	for (rc = state_step(s, st); rc == SQLITE_ROW; rc = sqlite3_step(st))
		strv_push_own(&got, state_col_str(st, 0));
	/* the error message is SQLite's until the statement is finalized */
	int r = rc == SQLITE_DONE ? 0 : state_db_err(s, err, what);
	sqlite3_finalize(st);
	for (size_t i = 0; r == 0 && i < got.n; i++)
		strv_push(out, got.v[i]);
	return r;
}
