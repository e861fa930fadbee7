/* The journal: operations in flight, so that the next command finishes or
 * rolls back what an interrupted one left (store.c, recovery). */
#include "state.h"
#include "state_db.h"

#include <errno.h>
#include <string.h>

int cordon_state_add_pending(cordon_state *s, const char *op, const char *snap,
			     const char *revision, int64_t *id, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "INSERT INTO pending(op, snap, revision) VALUES(?,?,?)", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, op);
	state_bind_str(st, 2, snap);
	state_bind_str(st, 3, revision);
	r = state_step_done(s, st, "journal operation", err);
	if (r == 0 && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static void read_pending(sqlite3_stmt *st, void *row)
{
	cordon_pending_row *p = row;
	p->id = sqlite3_column_int64(st, 0);
	p->op = state_col_str(st, 1);
	p->snap = state_col_str(st, 2);
	p->revision = state_col_str(st, 3);
}

static void free_pending(void *row)
{
	cordon_pending_row_free(row);
}

int cordon_state_list_pending(cordon_state *s, cordon_pending_row **rows, size_t *n,
			      cordon_error **err)
{
	sqlite3_stmt *st;
	int r =
	    state_prepare(s, "SELECT id, op, snap, revision FROM pending ORDER BY id", &st, err);
	if (r < 0)
		return r;
	void *v;
	r = state_step_rows(s, st, "list journal", sizeof **rows, read_pending, free_pending, &v, n,
			    err);
	*rows = v;
	return r;
}

int cordon_state_delete_pending(cordon_state *s, int64_t id, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "DELETE FROM pending WHERE id = ?", &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	return state_step_done(s, st, "delete journal entry", err);
}

int cordon_state_delete_pending_op(cordon_state *s, const char *op, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "DELETE FROM pending WHERE op = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, op);
	return state_step_done(s, st, "delete journal entries", err);
}

void cordon_pending_row_free(cordon_pending_row *r)
{
	free(r->op);
	free(r->snap);
	free(r->revision);
	memset(r, 0, sizeof *r);
}

void cordon_pending_rows_free(cordon_pending_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cordon_pending_row_free(&rows[i]);
	free(rows);
}
