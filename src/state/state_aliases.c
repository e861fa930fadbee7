/* Manual aliases (`cordon alias`): an alias names one app of one snap, and
 * goes with the snap (cascade). Which apps they may name is the store's to
 * keep true (store/aliases.h). */
#include "state.h"
#include "state_db.h"

static void read_alias(sqlite3_stmt *st, void *row)
{
	cordon_alias_row *r = row;
	r->alias = state_col_str(st, 0);
	r->snap = state_col_str(st, 1);
	r->app = state_col_str(st, 2);
}

static void free_alias(void *row)
{
	cordon_alias_row *r = row;
	free(r->alias);
	free(r->snap);
	free(r->app);
}

int cordon_state_list_aliases(cordon_state *s, const char *snap, cordon_alias_row **rows, size_t *n,
			      cordon_error **err)
{
	sqlite3_stmt *st;
	int r =
	    state_prepare(s,
			  snap ? "SELECT alias, snap, app FROM aliases WHERE snap = ? "
				 "ORDER BY snap, app, alias"
			       : "SELECT alias, snap, app FROM aliases ORDER BY snap, app, alias",
			  &st, err);
	if (r < 0)
		return r;
	if (snap)
		state_bind_str(st, 1, snap);
	void *v;
	r = state_step_rows(s, st, "list aliases", sizeof **rows, read_alias, free_alias, &v, n,
			    err);
	*rows = v;
	return r;
}

int cordon_state_put_alias(cordon_state *s, const char *alias, const char *snap, const char *app,
			   cordon_error **err)
{
	sqlite3_stmt *st;
	int r =
	    state_prepare(s,
			  "INSERT INTO aliases(alias, snap, app) VALUES(?,?,?) "
			  "ON CONFLICT(alias) DO UPDATE SET snap=excluded.snap, app=excluded.app",
			  &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, alias);
	state_bind_str(st, 2, snap);
	state_bind_str(st, 3, app);
	return state_step_done(s, st, "write alias", err);
}

int cordon_state_delete_alias(cordon_state *s, const char *alias, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "DELETE FROM aliases WHERE alias = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, alias);
	return state_step_done(s, st, "delete alias", err);
}

void cordon_alias_rows_free(cordon_alias_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free_alias(&rows[i]);
	free(rows);
}
