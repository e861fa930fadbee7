/* Whether each daemon app of a snap is enabled: what `install-mode:
 * disable`, `cordon start --enable` and `cordon stop --disable` decide, kept
 * across refreshes and reverts as snapd keeps a snap's disabled services. */
#include "state.h"
#include "state_db.h"

#include <string.h>

static void read_service(sqlite3_stmt *st, void *row)
{
	cordon_service_row *r = row;
	r->app = state_col_str(st, 0);
	r->enabled = sqlite3_column_int(st, 1) != 0;
}

static void free_service(void *row)
{
	cordon_service_row *r = row;
	free(r->app);
}

int cordon_state_list_services(cordon_state *s, const char *snap, cordon_service_row **rows,
			       size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "SELECT app, enabled FROM services WHERE snap = ? ORDER BY app",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	void *v;
	r = state_step_rows(s, st, "list services", sizeof **rows, read_service, free_service, &v,
			    n, err);
	*rows = v;
	return r;
}

int cordon_state_put_service(cordon_state *s, const char *snap, const char *app, bool enabled,
			     bool keep, cordon_error **err)
{
	sqlite3_stmt *st;
	int r =
	    state_prepare(s,
			  keep ? "INSERT OR IGNORE INTO services(snap, app, enabled) "
				 "VALUES(?,?,?)"
			       : "INSERT INTO services(snap, app, enabled) VALUES(?,?,?) "
				 "ON CONFLICT(snap, app) DO UPDATE SET enabled=excluded.enabled",
			  &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	state_bind_str(st, 2, app);
	sqlite3_bind_int(st, 3, enabled);
	return state_step_done(s, st, "write service", err);
}

int cordon_state_delete_service(cordon_state *s, const char *snap, const char *app,
				cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "DELETE FROM services WHERE snap = ? AND app = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	state_bind_str(st, 2, app);
	return state_step_done(s, st, "delete service", err);
}

void cordon_service_rows_free(cordon_service_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free_service(&rows[i]);
	free(rows);
}
