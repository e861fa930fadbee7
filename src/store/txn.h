/* The crash-safe sequence every change to installed snaps follows:
 *
 *   journal  a `finish` entry for every snap whose policy files the change
 *            may rewrite, committed on its own before anything else
 *   mutate   state, inside one transaction, which also deletes those
 *            entries
 *   recompile  each snap (or label) the change asked for, once, still
 *            before the commit: a failure rolls both back
 *   commit   state and the deletion of the entries become durable together
 *
 * or, on any failure, undo: the transaction rolled back and the journal
 * replayed (recovery.h) so the files match the unchanged state again. Killed
 * anywhere, the next command replays the same journal. */
#pragma once
#include "context.h"

#include <stdbool.h>

typedef struct cordon_txn_item {
	char *snap;
	bool whole; /* every label (and stale ones removed) */
	strv apps, hooks;
} cordon_txn_item;

typedef struct cordon_txn {
	cordon_ctx *ctx;
	char *what;	       /* "install", "connect"...: names the fault point */
	strv journaled;	       /* snaps whose rewrite a journal entry covers */
	strv ids;	       /* this change's own entries, deleted at commit */
	cordon_txn_item *todo; /* what to recompile before the commit */
	size_t n_todo;
	strv ns_dirty; /* snaps whose namespace to bring up to date after */
	strv ns_ids;   /* their journal entries, committed with the change */
	strv svc;      /* snaps whose services to bring in line after */
	strv svc_ids;  /* their `services` entries, journaled at the start */
	/* connections the change made by itself (auto-connect), four strings
	 * each: plug snap, plug, slot snap, slot; their hooks run before the
	 * commit (cordon_connections_run_hooks) */
	strv conns_made;
	bool begun;    /* the state transaction is open */
	bool wrote;    /* policy files were (maybe) rewritten */
	bool prepared; /* cordon_txn_prepare ran */
} cordon_txn;

/* Journal a `finish` entry for each snap of `touches` and a `services`
 * entry for each snap of `services` (committed on their own), then begin
 * the state transaction and delete the `finish` entries inside it.
 * `covered`: a snap an entry journaled earlier already covers (an install's
 * own snap), or NULL. Only snaps of these two may be recompiled. The
 * `services` entries stay until the settle (or the recovery after a kill)
 * has brought the service manager in line: the change may stop the snap's
 * services once they are journaled. */
int cordon_txn_begin(cordon_ctx *ctx, const char *what, const strv *touches, const char *covered,
		     const strv *services, cordon_txn *t, cordon_error **err);

/* Ask for the snap's labels to be recompiled before the commit: apps and
 * hooks (NULL, NULL: the whole snap). Asked twice, compiled once. */
void cordon_txn_recompile(cordon_txn *t, const char *snap, const strv *apps, const strv *hooks);

/* Ask for the snap's namespace to be brought up to date after the commit. */
void cordon_txn_refresh_ns(cordon_txn *t, const char *snap);

/* Recompile what was asked (and journal the namespaces to refresh), still
 * inside the state transaction: what the change's hooks run under. On
 * failure the caller aborts. Once; cordon_txn_commit does it if not done. */
int cordon_txn_prepare(cordon_txn *t, cordon_error **err);

/* Recompile what was asked, then commit. On failure the change is undone
 * (cordon_txn_abort) and its error returned. */
int cordon_txn_commit(cordon_txn *t, cordon_error **err);

/* Undo the change that failed with r (*err saying why): roll back, then
 * replay the journal. Returns r; a failure of the undo is added to *err,
 * never dropped. */
int cordon_txn_abort(cordon_txn *t, int r, cordon_error **err);

/* After the commit: bring the namespaces asked for up to date, then the
 * services (services.h). What cannot be done becomes a warning
 * (ctx->warnings): the change stands, and the journal entries left make the
 * next command finish it (a service that fails to start is reported once). */
void cordon_txn_settle(cordon_txn *t);

/* After the commit, for a change that drives the service manager itself
 * (cordon start --enable, stop --disable: the units named, not the settle's
 * "start every enabled unit"): its `services` entries are done, deleted.
 * A kill before this leaves them to the recovery's settle. */
void cordon_txn_services_done(cordon_txn *t);

/* After the commit: what its journal entries left (recovery.h: the purge,
 * the links), then the namespaces (cordon_txn_settle); failures are
 * warnings. */
void cordon_txn_finish(cordon_txn *t);

/* After the commit, a step that failed (*e, freed): a warning that the
 * change is done and the next command finishes it. */
void cordon_txn_warn(cordon_txn *t, cordon_error **e);

void cordon_txn_free(cordon_txn *t);
