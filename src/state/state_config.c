/* Each snap's configuration document (`cordon set`, `snapctl set`): JSON
 * text the config layer reads and writes (config/confdoc.h), one row per
 * snap that has any. Keyed by the instance, so a refresh or a revert, which
 * keep the snap's row, keep it; a remove deletes it (cascade) and a new
 * install starts without. */
#include "state.h"
#include "state_db.h"

static void read_config(sqlite3_stmt *st, void *row)
{
	*(char **)row = state_col_str(st, 0);
}

int cordon_state_get_config(cordon_state *s, const char *snap, char **doc, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "SELECT document FROM config WHERE snap = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	return state_step_one(s, st, "read configuration", read_config, doc, err);
}

int cordon_state_put_config(cordon_state *s, const char *snap, const char *doc, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      doc ? "INSERT INTO config(snap, document) VALUES(?,?) "
				    "ON CONFLICT(snap) DO UPDATE SET document=excluded.document"
				  : "DELETE FROM config WHERE snap = ?",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	if (doc)
		state_bind_str(st, 2, doc);
	return state_step_done(s, st, "write configuration", err);
}

bool cordon_state_in_transaction(cordon_state *s)
{
	return !sqlite3_get_autocommit(s->db);
}
