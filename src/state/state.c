#include "state.h"
#include "util.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SCHEMA_VERSION 1

struct cordon_state {
	sqlite3 *db;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS snaps("
	"  name TEXT PRIMARY KEY,"
	"  snap_name TEXT NOT NULL,"
	"  instance_key TEXT NOT NULL DEFAULT '',"
	"  current TEXT NOT NULL,"
	"  next_seq INTEGER NOT NULL,"
	"  confinement TEXT NOT NULL CHECK(confinement IN ('strict','devmode','classic')),"
	"  disabled INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS revisions("
	"  snap TEXT NOT NULL REFERENCES snaps(name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,"
	"  revision TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  version TEXT NOT NULL,"
	"  source_kind INTEGER NOT NULL,"
	"  source_path TEXT NOT NULL,"
	"  manifest TEXT NOT NULL,"
	"  installed_at TEXT NOT NULL,"
	"  PRIMARY KEY(snap, revision));"
	/* slot_snap '' = the system's implicit slots (shown ":network"). */
	"CREATE TABLE IF NOT EXISTS connections("
	"  plug_snap TEXT NOT NULL REFERENCES snaps(name) ON DELETE CASCADE,"
	"  plug TEXT NOT NULL,"
	"  slot_snap TEXT NOT NULL,"
	"  slot TEXT NOT NULL,"
	"  interface TEXT NOT NULL,"
	"  manual INTEGER NOT NULL DEFAULT 0,"
	/* undesired: the admin disconnected an auto-connection; remembered
	 * across refreshes until connected again or forgotten. */
	"  undesired INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(plug_snap, plug, slot_snap, slot));"
	"CREATE INDEX IF NOT EXISTS connections_slot ON connections(slot_snap, slot);"
	/* The plugs and slots of each snap's current revision whose interface
	 * the catalogue knows, so listing connections needs no manifest. */
	"CREATE TABLE IF NOT EXISTS ports("
	"  snap TEXT NOT NULL REFERENCES snaps(name) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK(kind IN ('plug','slot')),"
	"  name TEXT NOT NULL,"
	"  interface TEXT NOT NULL,"
	"  content TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY(snap, kind, name));"
	"CREATE INDEX IF NOT EXISTS ports_interface ON ports(kind, interface);"
	"CREATE TABLE IF NOT EXISTS pending("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  op TEXT NOT NULL,"
	"  snap TEXT NOT NULL,"
	"  revision TEXT NOT NULL DEFAULT '');";

static int db_err(cordon_state *s, cordon_error **err, const char *what)
{
	return cordon_err_msg(err, EIO, "state database: %s: %s", what, sqlite3_errmsg(s->db));
}

int cordon_state_exec(cordon_state *s, const char *sql, cordon_error **err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = cordon_err_msg(err, EIO, "state database: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

sqlite3 *cordon_state_db(cordon_state *s)
{
	return s->db;
}

int cordon_state_open(const cordon_paths *p, bool writable, cordon_state **out,
		      cordon_error **err)
{
	cordon_state *s = xcalloc(1, sizeof *s);
	int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	flags |= SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;
	if (writable) {
		/* the database holds nothing secret; readable so that ordinary
		 * users can list what is installed */
		mode_t old = umask(022);
		int rc = sqlite3_open_v2(p->db_path, &s->db, flags, NULL);
		umask(old);
		if (rc != SQLITE_OK)
			goto fail;
	} else if (sqlite3_open_v2(p->db_path, &s->db, flags, NULL) != SQLITE_OK) {
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 30000);
	if (writable) {
		/* Keep the -wal and -shm files (0644) after the last writer
		 * closes: ordinary users read state through a read-only open,
		 * which cannot create them. */
		int persist = 1;
		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		int r = cordon_state_exec(s,
					  "PRAGMA journal_mode=WAL;"
					  "PRAGMA synchronous=FULL;"
					  "PRAGMA foreign_keys=ON;",
					  err);
		if (r == 0)
			r = cordon_state_exec(s, "BEGIN IMMEDIATE;", err);
		if (r == 0)
			r = cordon_state_exec(s, schema, err);
		if (r == 0) {
			_cleanup_free_ char *sql = xasprintf(
				"INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version','%d');",
				SCHEMA_VERSION);
			r = cordon_state_exec(s, sql, err);
		}
		if (r == 0)
			r = cordon_state_exec(s, "COMMIT;", err);
		if (r < 0) {
			cordon_state_close(s);
			return r;
		}
	} else {
		int r = cordon_state_exec(s, "PRAGMA foreign_keys=ON;", err);
		if (r < 0) {
			cordon_state_close(s);
			return r;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st,
			       NULL) != SQLITE_OK) {
		int r = db_err(s, err, "read schema version");
		cordon_state_close(s);
		return r;
	}
	int version = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = atoi((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (version != SCHEMA_VERSION) {
		cordon_state_close(s);
		return cordon_err_msg(err, EINVAL, "state database %s has schema version %d, want %d",
				      p->db_path, version, SCHEMA_VERSION);
	}
	*out = s;
	return 0;
fail:;
	int r = cordon_err_msg(err, EIO, "open state database %s: %s", p->db_path,
			       s->db ? sqlite3_errmsg(s->db) : "out of memory");
	cordon_state_close(s);
	return r;
}

void cordon_state_close(cordon_state *s)
{
	if (!s)
		return;
	sqlite3_close_v2(s->db);
	free(s);
}

int cordon_state_begin(cordon_state *s, cordon_error **err)
{
	return cordon_state_exec(s, "BEGIN IMMEDIATE;", err);
}

int cordon_state_commit(cordon_state *s, cordon_error **err)
{
	return cordon_state_exec(s, "COMMIT;", err);
}

void cordon_state_rollback(cordon_state *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
}

/* ---- statements ---- */

static int prepare(cordon_state *s, const char *sql, sqlite3_stmt **st, cordon_error **err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_err(s, err, "prepare");
	return 0;
}

static char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

static void bind_str(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static int step_done(cordon_state *s, sqlite3_stmt *st, const char *what, cordon_error **err)
{
	int rc = sqlite3_step(st);
	int r = rc == SQLITE_DONE ? 0 : db_err(s, err, what);
	sqlite3_finalize(st);
	return r;
}

#define SNAP_COLS "name, snap_name, instance_key, current, next_seq, confinement, disabled"

static void read_snap(sqlite3_stmt *st, cordon_snap_row *r)
{
	r->name = col_str(st, 0);
	r->snap_name = col_str(st, 1);
	r->instance_key = col_str(st, 2);
	r->current = col_str(st, 3);
	r->next_seq = sqlite3_column_int64(st, 4);
	r->confinement = col_str(st, 5);
	r->disabled = sqlite3_column_int(st, 6) != 0;
}

int cordon_state_get_snap(cordon_state *s, const char *name, cordon_snap_row *out,
			  cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "SELECT " SNAP_COLS " FROM snaps WHERE name = ?", &st, err);
	if (r < 0)
		return r;
	bind_str(st, 1, name);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_snap(st, out);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = db_err(s, err, "read snap");
	}
	sqlite3_finalize(st);
	return r;
}

int cordon_state_list_snaps(cordon_state *s, cordon_snap_row **rows, size_t *n,
			    cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "SELECT " SNAP_COLS " FROM snaps ORDER BY name", &st, err);
	if (r < 0)
		return r;
	*rows = NULL;
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
		read_snap(st, &(*rows)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cordon_snap_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return db_err(s, err, "list snaps");
	}
	return 0;
}

int cordon_state_put_snap(cordon_state *s, const cordon_snap_row *row, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s,
			"INSERT INTO snaps(" SNAP_COLS ") VALUES(?,?,?,?,?,?,?) "
			"ON CONFLICT(name) DO UPDATE SET snap_name=excluded.snap_name, "
			"instance_key=excluded.instance_key, current=excluded.current, "
			"next_seq=excluded.next_seq, confinement=excluded.confinement, "
			"disabled=excluded.disabled",
			&st, err);
	if (r < 0)
		return r;
	bind_str(st, 1, row->name);
	bind_str(st, 2, row->snap_name);
	bind_str(st, 3, row->instance_key);
	bind_str(st, 4, row->current);
	sqlite3_bind_int64(st, 5, row->next_seq);
	bind_str(st, 6, row->confinement);
	sqlite3_bind_int(st, 7, row->disabled);
	return step_done(s, st, "write snap", err);
}

int cordon_state_delete_snap(cordon_state *s, const char *name, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "DELETE FROM snaps WHERE name = ?", &st, err);
	if (r < 0)
		return r;
	bind_str(st, 1, name);
	return step_done(s, st, "delete snap", err);
}

#define REV_COLS "snap, revision, seq, version, source_kind, source_path, manifest, installed_at"

static void read_rev(sqlite3_stmt *st, cordon_rev_row *r)
{
	r->snap = col_str(st, 0);
	r->revision = col_str(st, 1);
	r->seq = sqlite3_column_int64(st, 2);
	r->version = col_str(st, 3);
	r->source_kind = sqlite3_column_int(st, 4);
	r->source_path = col_str(st, 5);
	r->manifest = col_str(st, 6);
	r->installed_at = col_str(st, 7);
}

int cordon_state_get_revision(cordon_state *s, const char *snap, const char *rev,
			      cordon_rev_row *out, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "SELECT " REV_COLS " FROM revisions WHERE snap = ? AND revision = ?",
			&st, err);
	if (r < 0)
		return r;
	bind_str(st, 1, snap);
	bind_str(st, 2, rev);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_rev(st, out);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = db_err(s, err, "read revision");
	}
	sqlite3_finalize(st);
	return r;
}

int cordon_state_list_revisions(cordon_state *s, const char *snap, cordon_rev_row **rows,
				size_t *n, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "SELECT " REV_COLS " FROM revisions WHERE snap = ? ORDER BY seq", &st,
			err);
	if (r < 0)
		return r;
	bind_str(st, 1, snap);
	*rows = NULL;
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
		read_rev(st, &(*rows)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cordon_rev_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return db_err(s, err, "list revisions");
	}
	return 0;
}

int cordon_state_put_revision(cordon_state *s, const cordon_rev_row *row, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "INSERT OR REPLACE INTO revisions(" REV_COLS ") VALUES(?,?,?,?,?,?,?,?)",
			&st, err);
	if (r < 0)
		return r;
	bind_str(st, 1, row->snap);
	bind_str(st, 2, row->revision);
	sqlite3_bind_int64(st, 3, row->seq);
	bind_str(st, 4, row->version);
	sqlite3_bind_int(st, 5, row->source_kind);
	bind_str(st, 6, row->source_path);
	bind_str(st, 7, row->manifest);
	bind_str(st, 8, row->installed_at);
	return step_done(s, st, "write revision", err);
}

int cordon_state_delete_revision(cordon_state *s, const char *snap, const char *rev,
				 cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "DELETE FROM revisions WHERE snap = ? AND revision = ?", &st, err);
	if (r < 0)
		return r;
	bind_str(st, 1, snap);
	bind_str(st, 2, rev);
	return step_done(s, st, "delete revision", err);
}

int cordon_state_add_pending(cordon_state *s, const char *op, const char *snap,
			     const char *revision, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "INSERT INTO pending(op, snap, revision) VALUES(?,?,?)", &st, err);
	if (r < 0)
		return r;
	bind_str(st, 1, op);
	bind_str(st, 2, snap);
	bind_str(st, 3, revision);
	return step_done(s, st, "journal operation", err);
}

int cordon_state_list_pending(cordon_state *s, cordon_pending_row **rows, size_t *n,
			      cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "SELECT id, op, snap, revision FROM pending ORDER BY id", &st, err);
	if (r < 0)
		return r;
	*rows = NULL;
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
		cordon_pending_row *p = &(*rows)[(*n)++];
		p->id = sqlite3_column_int64(st, 0);
		p->op = col_str(st, 1);
		p->snap = col_str(st, 2);
		p->revision = col_str(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cordon_pending_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return db_err(s, err, "list journal");
	}
	return 0;
}

int cordon_state_delete_pending(cordon_state *s, int64_t id, cordon_error **err)
{
	sqlite3_stmt *st;
	int r = prepare(s, "DELETE FROM pending WHERE id = ?", &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	return step_done(s, st, "delete journal entry", err);
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

void cordon_pending_row_free(cordon_pending_row *r)
{
	free(r->op);
	free(r->snap);
	free(r->revision);
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

void cordon_pending_rows_free(cordon_pending_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cordon_pending_row_free(&rows[i]);
	free(rows);
}
