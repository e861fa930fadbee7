/* Installed snaps and their revisions. */
#include "state.h"
#include "state_db.h"

#include <errno.h>
#include <string.h>

#define SNAP_COLS "name, snap_name, instance_key, current, next_seq, confinement, disabled"

static void read_snap(sqlite3_stmt *st, void *row)
{
	cordon_snap_row *r = row;
	r->name = state_col_str(st, 0);
	r->snap_name = state_col_str(st, 1);
	r->instance_key = state_col_str(st, 2);
	r->current = state_col_str(st, 3);
	r->next_seq = sqlite3_column_int64(st, 4);
	r->confinement = state_col_str(st, 5);
	r->disabled = sqlite3_column_int(st, 6) != 0;
}

int cordon_state_get_snap(cordon_state *s, const char *name, cordon_snap_row *out,
			  cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "SELECT " SNAP_COLS " FROM snaps WHERE name = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, name);
	return state_step_one(s, st, "read snap", read_snap, out, err);
}

static void free_snap(void *row)
{
	cordon_snap_row_free(row);
}

int cordon_state_list_snaps(cordon_state *s, cordon_snap_row **rows, size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "SELECT " SNAP_COLS " FROM snaps ORDER BY name", &st, err);
	if (r < 0)
		return r;
	void *v;
	r = state_step_rows(s, st, "list snaps", sizeof **rows, read_snap, free_snap, &v, n, err);
	*rows = v;
	return r;
}

int cordon_state_put_snap(cordon_state *s, const cordon_snap_row *row, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s,
			      "INSERT INTO snaps(" SNAP_COLS ") VALUES(?,?,?,?,?,?,?) "
			      "ON CONFLICT(name) DO UPDATE SET snap_name=excluded.snap_name, "
			      "instance_key=excluded.instance_key, current=excluded.current, "
			      "next_seq=excluded.next_seq, confinement=excluded.confinement, "
			      "disabled=excluded.disabled",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, row->name);
	state_bind_str(st, 2, row->snap_name);
	state_bind_str(st, 3, row->instance_key);
	state_bind_str(st, 4, row->current);
	sqlite3_bind_int64(st, 5, row->next_seq);
	state_bind_str(st, 6, row->confinement);
	sqlite3_bind_int(st, 7, row->disabled);
	return state_step_done(s, st, "write snap", err);
}

int cordon_state_delete_snap(cordon_state *s, const char *name, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "DELETE FROM snaps WHERE name = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, name);
	return state_step_done(s, st, "delete snap", err);
}

#define REV_COLS "snap, revision, seq, version, source_kind, source_path, manifest, installed_at"

static void read_rev(sqlite3_stmt *st, void *row)
{
	cordon_rev_row *r = row;
	r->snap = state_col_str(st, 0);
	r->revision = state_col_str(st, 1);
	r->seq = sqlite3_column_int64(st, 2);
	r->version = state_col_str(st, 3);
	r->source_kind = sqlite3_column_int(st, 4);
	r->source_path = state_col_str(st, 5);
	r->manifest = state_col_str(st, 6);
	r->installed_at = state_col_str(st, 7);
}

int cordon_state_get_revision(cordon_state *s, const char *snap, const char *rev,
			      cordon_rev_row *out, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(
	    s, "SELECT " REV_COLS " FROM revisions WHERE snap = ? AND revision = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	state_bind_str(st, 2, rev);
	return state_step_one(s, st, "read revision", read_rev, out, err);
}

static void free_rev(void *row)
{
	cordon_rev_row_free(row);
}

int cordon_state_list_revisions(cordon_state *s, const char *snap, cordon_rev_row **rows, size_t *n,
				cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "SELECT " REV_COLS " FROM revisions WHERE snap = ? ORDER BY seq",
			      &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	void *v;
	r = state_step_rows(s, st, "list revisions", sizeof **rows, read_rev, free_rev, &v, n, err);
	*rows = v;
	return r;
}

int cordon_state_put_revision(cordon_state *s, const cordon_rev_row *row, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(
	    s, "INSERT OR REPLACE INTO revisions(" REV_COLS ") VALUES(?,?,?,?,?,?,?,?)", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, row->snap);
	state_bind_str(st, 2, row->revision);
	sqlite3_bind_int64(st, 3, row->seq);
	state_bind_str(st, 4, row->version);
	sqlite3_bind_int(st, 5, row->source_kind);
	state_bind_str(st, 6, row->source_path);
	state_bind_str(st, 7, row->manifest);
	state_bind_str(st, 8, row->installed_at);
	return state_step_done(s, st, "write revision", err);
}

int cordon_state_delete_revision(cordon_state *s, const char *snap, const char *rev,
				 cordon_error **err)
{
	sqlite3_stmt *st;
	int r = state_prepare(s, "DELETE FROM revisions WHERE snap = ? AND revision = ?", &st, err);
	if (r < 0)
		return r;
	state_bind_str(st, 1, snap);
	state_bind_str(st, 2, rev);
	return state_step_done(s, st, "delete revision", err);
}

void cordon_snap_row_free(cordon_snap_row *r)
{
	free(r->name);
	free(r->snap_name);
	free(r->instance_key);
	free(r->current);
	free(r->confinement);
	memset(r, 0, sizeof *r);
}

void cordon_rev_row_free(cordon_rev_row *r)
{
	free(r->snap);
	free(r->revision);
	free(r->version);
	free(r->source_path);
	free(r->manifest);
	free(r->installed_at);
	memset(r, 0, sizeof *r);
}

void cordon_snap_rows_free(cordon_snap_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cordon_snap_row_free(&rows[i]);
	free(rows);
}

void cordon_rev_rows_free(cordon_rev_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cordon_rev_row_free(&rows[i]);
	free(rows);
}
