#include "txn.h"
#include "nsupdate.h"
#include "recompile.h"
#include "recovery.h"
#include "services.h"
#include "systemd.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Journal first, committed on its own: a kill after this point, before the
 * commit, leaves entries that make the next command recompile those snaps
 * from the state it finds. One transaction: one sync of the WAL, not one per
 * entry. */
static int journal(cordon_txn *t, const strv *snaps, cordon_error **err)
{
	if (snaps->n == 0 && t->svc.n == 0)
		return 0;
	cordon_state *s = t->ctx->state;
	int r = cordon_state_begin(s, err);
	for (size_t i = 0; r == 0 && i < snaps->n; i++) {
		int64_t id = 0;
		r = cordon_state_add_pending(s, CORDON_JOURNAL_RECOMPILE, snaps->v[i], "", &id,
					     err);
		if (r == 0)
			strv_push_own(&t->ids, xasprintf("%lld", (long long)id));
	}
	for (size_t i = 0; r == 0 && i < t->svc.n; i++) {
		int64_t id = 0;
		r = cordon_state_add_pending(s, CORDON_JOURNAL_SERVICES, t->svc.v[i], "", &id, err);
		if (r == 0)
			strv_push_own(&t->svc_ids, xasprintf("%lld", (long long)id));
	}
	if (r == 0)
		r = cordon_state_commit(s, err);
	if (r < 0) {
		cordon_state_rollback(s);
		strv_free(&t->ids);
		strv_free(&t->svc);
		strv_free(&t->svc_ids);
	}
	return r;
}

static int unjournal(cordon_txn *t, cordon_error **err)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < t->ids.n; i++)
		r = cordon_state_delete_pending(t->ctx->state, strtoll(t->ids.v[i], NULL, 10), err);
	return r;
}

int cordon_txn_begin(cordon_ctx *ctx, const char *what, const strv *touches, const char *covered,
		     const strv *services, cordon_txn *t, cordon_error **err)
{
	memset(t, 0, sizeof *t);
	t->ctx = ctx;
	t->what = xstrdup(what);
	for (size_t i = 0; services && i < services->n; i++)
		if (!strv_contains(&t->svc, services->v[i]))
			strv_push(&t->svc, services->v[i]);
	_cleanup_strv_ strv unique = {0};
	for (size_t i = 0; touches && i < touches->n; i++)
		if (touches->v[i][0] && !strv_contains(&unique, touches->v[i]))
			strv_push(&unique, touches->v[i]);
	for (size_t i = 0; i < unique.n; i++)
		strv_push(&t->journaled, unique.v[i]);
	if (covered)
		strv_push(&t->journaled, covered);
	/* A snap whose bus proxies the change may rewrite (it has dbus
	 * plugs or slots, or a dbus daemon) has its services brought in
	 * line too: a proxy whose filter changed is restarted, so that a
	 * disconnect takes its access away at once (services.h). */
	for (size_t i = 0; i <= unique.n; i++) {
		const char *snap = i < unique.n ? unique.v[i] : covered;
		const cordon_loaded_snap *ls = NULL;
		if (snap && !strv_contains(&t->svc, snap) &&
		    cordon_ctx_snap(ctx, snap, &ls, NULL) == 0 && cordon_services_use_bus(ls->m))
			strv_push(&t->svc, snap);
	}
	int r = journal(t, &unique, err);
	if (r == 0)
		r = cordon_state_begin(ctx->state, err);
	if (r == 0) {
		t->begun = true;
		r = unjournal(t, err);
	}
	if (r < 0)
		return cordon_txn_abort(t, r, err);
	return 0;
}

static void merge(strv *into, const strv *more)
{
	for (size_t i = 0; more && i < more->n; i++)
		if (!strv_contains(into, more->v[i]))
			strv_push(into, more->v[i]);
}

void cordon_txn_recompile(cordon_txn *t, const char *snap, const strv *apps, const strv *hooks)
{
	if (snap[0] == '\0')
		return; /* the system has no policy */
	cordon_txn_item *it = NULL;
	for (size_t i = 0; i < t->n_todo && it == NULL; i++)
		if (strcmp(t->todo[i].snap, snap) == 0)
			it = &t->todo[i];
	if (it == NULL) {
		t->todo = xreallocarray(t->todo, t->n_todo + 1, sizeof *t->todo);
		it = &t->todo[t->n_todo++];
		*it = (cordon_txn_item){.snap = xstrdup(snap)};
	}
	if (apps == NULL && hooks == NULL)
		it->whole = true;
	merge(&it->apps, apps);
	merge(&it->hooks, hooks);
}

void cordon_txn_refresh_ns(cordon_txn *t, const char *snap)
{
	if (snap[0] && !strv_contains(&t->ns_dirty, snap))
		strv_push(&t->ns_dirty, snap);
}

int cordon_txn_prepare(cordon_txn *t, cordon_error **err)
{
	if (t->prepared)
		return 0;
	t->prepared = true;
	int r = 0;
	for (size_t i = 0; r == 0 && i < t->n_todo; i++) {
		const cordon_txn_item *it = &t->todo[i];
		if (!strv_contains(&t->journaled, it->snap)) {
			/* a rewrite no journal entry covers could not be
			 * undone after a kill: refuse it */
			r = cordon_err_msg(
			    err, EINVAL,
			    "internal error: %s would recompile %s, which it did not "
			    "journal",
			    t->what, it->snap);
			break;
		}
		/* a snap removed by this change has no policy to write (its
		 * files go with the purge) */
		const cordon_loaded_snap *ls;
		r = cordon_ctx_snap(t->ctx, it->snap, &ls, err);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		t->wrote = true;
		if (r == 0)
			r = cordon_recompile(t->ctx, it->snap, it->whole ? NULL : &it->apps,
					     it->whole ? NULL : &it->hooks, err);
	}
	/* the namespaces to bring up to date, journaled with the change: a
	 * kill after the commit leaves them to the next command (the next
	 * launch of each snap does it too, see mountns.c) */
	for (size_t i = 0; r == 0 && i < t->ns_dirty.n; i++) {
		int64_t id = 0;
		r = cordon_state_add_pending(t->ctx->state, CORDON_JOURNAL_NAMESPACE,
					     t->ns_dirty.v[i], "", &id, err);
		if (r == 0)
			strv_push_own(&t->ns_ids, xasprintf("%lld", (long long)id));
	}
	return r;
}

int cordon_txn_commit(cordon_txn *t, cordon_error **err)
{
	int r = cordon_txn_prepare(t, err);
	_cleanup_free_ char *fault = xasprintf("%s-compile", t->what);
	cordon_fault(fault);
	if (r == 0)
		r = cordon_state_commit(t->ctx->state, err);
	if (r < 0)
		return cordon_txn_abort(t, r, err);
	t->begun = false;
	return 0;
}

int cordon_txn_abort(cordon_txn *t, int r, cordon_error **err)
{
	if (t->begun)
		cordon_state_rollback(t->ctx->state);
	t->begun = false;
	strv_free(&t->ns_dirty); /* nothing changed: no namespace to refresh */
	strv_free(&t->ns_ids);
	cordon_error *undo = NULL;
	int u = 0;
	if (!t->wrote) {
		/* no policy file was touched: the entries have nothing to
		 * recompile (the rollback kept them) */
		for (size_t i = 0; u == 0 && i < t->ids.n; i++)
			u = cordon_state_delete_pending(t->ctx->state,
							strtoll(t->ids.v[i], NULL, 10), &undo);
	}
	if (u == 0)
		u = cordon_store_recover(t->ctx, &undo);
	if (u < 0)
		cordon_err_append(err, "undoing the %s failed too: %s", t->what,
				  undo ? undo->msg : "unknown error");
	cordon_error_free(&undo);
	return r;
}

void cordon_txn_warn(cordon_txn *t, cordon_error **e)
{
	strv_push_own(&t->ctx->warnings,
		      xasprintf("the %s is done, but finishing it failed: %s; the next cordon "
				"command finishes it",
				t->what, *e ? (*e)->msg : "unknown error"));
	cordon_error_free(e);
}

void cordon_txn_finish(cordon_txn *t)
{
	cordon_error *late = NULL;
	if (t->svc.n) { /* the recovery below settles them */
		_cleanup_free_ char *fault = xasprintf("%s-services", t->what);
		cordon_fault(fault);
	}
	if (cordon_store_recover(t->ctx, &late) < 0)
		cordon_txn_warn(t, &late);
	/* the recovery brought the services in line (or left the entries to
	 * the next command) */
	strv_free(&t->svc);
	strv_free(&t->svc_ids);
	cordon_txn_settle(t);
}

/* After the commit: the services entries of the change, done together (one
 * daemon-reload) and deleted, done or not: a unit that fails to start would
 * fail again at every later command. */
static void settle_services(cordon_txn *t)
{
	if (t->svc.n == 0)
		return;
	_cleanup_free_ char *fault = xasprintf("%s-services", t->what);
	cordon_fault(fault);
	cordon_error *e = NULL;
	/* where no systemd runs the units are written for the day one does:
	 * the user hears that nothing was started */
	for (size_t i = 0; !cordon_systemd_booted() && i < t->svc.n; i++)
		if (cordon_services_any_enabled(t->ctx, t->svc.v[i]))
			strv_push_own(&t->ctx->warnings,
				      xasprintf("systemd is not running: the services of %s are "
						"installed but not started",
						t->svc.v[i]));
	if (cordon_services_settle(t->ctx, &t->svc, &e) < 0)
		strv_push_own(&t->ctx->warnings, xasprintf("the %s is done, but its services: %s",
							   t->what, e ? e->msg : "unknown error"));
	cordon_error_free(&e);
	cordon_txn_services_done(t);
}

void cordon_txn_services_done(cordon_txn *t)
{
	cordon_error *e = NULL;
	for (size_t i = 0; i < t->svc_ids.n; i++)
		if (cordon_state_delete_pending(t->ctx->state, strtoll(t->svc_ids.v[i], NULL, 10),
						&e) < 0)
			cordon_txn_warn(t, &e);
	strv_free(&t->svc);
	strv_free(&t->svc_ids);
}

void cordon_txn_settle(cordon_txn *t)
{
	if (t->ns_dirty.n) {
		_cleanup_free_ char *fault = xasprintf("%s-settle", t->what);
		cordon_fault(fault);
	}
	for (size_t i = 0; i < t->ns_dirty.n; i++) {
		cordon_error *e = NULL;
		char *warning = NULL;
		int r = cordon_ns_refresh(t->ctx, t->ns_dirty.v[i], &warning, &e);
		if (warning)
			strv_push_own(&t->ctx->warnings, warning);
		if (r == 0)
			r = cordon_state_delete_pending(t->ctx->state,
							strtoll(t->ns_ids.v[i], NULL, 10), &e);
		if (r < 0)
			cordon_txn_warn(t, &e);
	}
	strv_free(&t->ns_dirty);
	strv_free(&t->ns_ids);
	settle_services(t);
}

void cordon_txn_free(cordon_txn *t)
{
	for (size_t i = 0; i < t->n_todo; i++) {
		free(t->todo[i].snap);
		strv_free(&t->todo[i].apps);
		strv_free(&t->todo[i].hooks);
	}
	free(t->todo);
	t->todo = NULL;
	t->n_todo = 0;
	free(t->what);
	t->what = NULL;
	strv_free(&t->journaled);
	strv_free(&t->ids);
	strv_free(&t->ns_dirty);
	strv_free(&t->ns_ids);
	strv_free(&t->svc);
	strv_free(&t->svc_ids);
	strv_free(&t->conns_made);
}
