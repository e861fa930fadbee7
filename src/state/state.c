/* The database: opening it, its schema, transactions. */
#include "state.h"
#include "state_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* 2 added `services`, 3 `config`, 4 `aliases`. Changes are additive (CREATE ... IF NOT
 * EXISTS below, run at every writable open), so an older database is
 * brought up to date by the next writer. */
#define SCHEMA_VERSION 4

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
    "  revision TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS services("
    "  snap TEXT NOT NULL REFERENCES snaps(name) ON DELETE CASCADE,"
    "  app TEXT NOT NULL,"
    "  enabled INTEGER NOT NULL,"
    "  PRIMARY KEY(snap, app));"
    /* a snap's configuration document (state_config.c) */
    "CREATE TABLE IF NOT EXISTS config("
    "  snap TEXT PRIMARY KEY REFERENCES snaps(name) ON DELETE CASCADE,"
    "  document TEXT NOT NULL);"
    /* manual aliases (state_aliases.c): one snap's each, gone with it */
    "CREATE TABLE IF NOT EXISTS aliases("
    "  alias TEXT PRIMARY KEY,"
    "  snap TEXT NOT NULL REFERENCES snaps(name) ON DELETE CASCADE,"
    "  app TEXT NOT NULL);";

/* One open; -EAGAIN (err untouched) when a reader should close and open
 * again after the wait (state_db.h): while it holds the -shm file, a reader
 * keeps other readers attached to an index only a writer can rebuild, and a
 * writer that died before rebuilding it leaves nobody to; one that opens
 * while no other connection does reads around it. */
static int open_once(const cordon_paths *p, bool writable, unsigned *waited, cordon_state **out,
		     cordon_error **err)
{
	cordon_state *s = xcalloc(1, sizeof *s);
	s->readonly = !writable;
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
		int r = state_exec(s,
				   "PRAGMA journal_mode=WAL;"
				   "PRAGMA synchronous=FULL;"
				   "PRAGMA foreign_keys=ON;",
				   err);
		if (r == 0)
			r = state_exec(s, "BEGIN IMMEDIATE;", err);
		if (r == 0)
			r = state_exec(s, schema, err);
		if (r == 0) {
			_cleanup_free_ char *sql = xasprintf(
			    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version','%d');"
			    "UPDATE meta SET value='%d' WHERE key='schema_version' AND "
			    "CAST(value AS INTEGER) < %d;",
			    SCHEMA_VERSION, SCHEMA_VERSION, SCHEMA_VERSION);
			r = state_exec(s, sql, err);
		}
		if (r == 0)
			r = state_exec(s, "COMMIT;", err);
		if (r < 0) {
			cordon_state_close(s);
			return r;
		}
	} else {
		int r = state_exec(s, "PRAGMA foreign_keys=ON;", err);
		if (r < 0) {
			cordon_state_close(s);
			return r;
		}
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='schema_version'", -1,
				    &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		/* the first read of a reader: where a writer's recovery shows */
		int r = state_recovery_pending(s) && state_backoff(waited)
			    ? -EAGAIN
			    : state_db_err(s, err, "read schema version");
		sqlite3_finalize(st);
		cordon_state_close(s);
		return r;
	}
	int version = rc == SQLITE_ROW ? atoi((const char *)sqlite3_column_text(st, 0)) : 0;
	sqlite3_finalize(st);
	if (version != SCHEMA_VERSION) {
		cordon_state_close(s);
		return cordon_err_msg(err, EINVAL,
				      "state database %s has schema version %d, want %d",
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

int cordon_state_open(const cordon_paths *p, bool writable, cordon_state **out, cordon_error **err)
{
	unsigned waited = 0;
	int r;
	while ((r = open_once(p, writable, &waited, out, err)) == -EAGAIN)
		;
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
	return state_exec(s, "BEGIN IMMEDIATE;", err);
}

int cordon_state_commit(cordon_state *s, cordon_error **err)
{
	return state_exec(s, "COMMIT;", err);
}

void cordon_state_rollback(cordon_state *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
}
