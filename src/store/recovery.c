/* The journal and crash recovery. Every change journals before it touches
 * anything, so that after an interruption at any point (kill -9, power
 * loss) the next command finds what to finish or undo here:
 *
 *   install <snap> <rev>   files of a revision being installed, not
 *                          committed: removed, and the snap recompiled
 *                          from the state that stayed
 *   finish <snap>          the snap's policy files may have been rewritten
 *                          by a transaction that never committed (journaled
 *                          before it, deleted inside it): recompiled from
 *                          state
 *   links <snap>           committed with a change: the current links and
 *                          the revisions state no longer lists (its policy
 *                          was written before the commit, so it stands)
 *   purge <snap>           committed with a remove: every file of the snap
 *   namespace <snap>       committed with a change: the snap's preserved
 *                          namespace brought up to date (or replaced)
 *   services <snap>        journaled before a change stops the snap's
 *                          services: the service manager brought in line
 *                          with the unit files (services.h), after every
 *                          other entry has written them; all such entries
 *                          together, with one daemon-reload
 */
#include "recovery.h"
#include "fsutil.h"
#include "nsupdate.h"
#include "recompile.h"
#include "revisions.h"
#include "services.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* Bring the snap's files in line with state: gone from state, purged; else
 * its current links and revisions, and its policy when `recompile`. 1: all
 * but the old revisions, kept while a command of the snap runs. */
static int settle_snap(cordon_ctx *ctx, const char *name, bool recompile, cordon_error **err)
{
	cordon_snap_row snap = {0};
	int r = cordon_state_get_snap(ctx->state, name, &snap, err);
	if (r == -ENOENT)
		return cordon_snap_purge(ctx, name, err);
	if (r < 0)
		return r;
	/* The policy first, then the revisions: a launch that read the
	 * policy of a revision about to go finds it replaced (and starts
	 * again) before that revision is removed, under the snap's lock. */
	r = cordon_revision_set_current(ctx, name, snap.current, err);
	if (r == 0 && recompile)
		r = cordon_recompile(ctx, name, NULL, NULL, err);
	if (r == 0)
		r = cordon_revisions_prune(ctx, name, err);
	cordon_snap_row_free(&snap);
	return r; /* 1: the old revisions stay while it runs */
}

int cordon_snap_roll_forward(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	return settle_snap(ctx, name, false, err);
}

/* Is `name` something a command stages in the scratch directory? */
static bool staged(const char *name)
{
	return str_has_prefix(name, "stage.") || str_has_prefix(name, "incoming.");
}

/* Clean the scratch directory of what dead commands left (a .snap's private
 * copy and its staging mount, whose loop device goes with the unmount). Only
 * a command holding the global lock stages there (an install, a root
 * validate), and recovery runs under that lock before this command stages
 * anything: whatever is there is a dead command's, whatever pid its name
 * carries (the pid may have been reused since). */
static int clean_scratch(cordon_ctx *ctx, cordon_error **err)
{
	_cleanup_close_ int dfd = fs_open_dir(ctx->paths.scratch_dir, O_RDONLY, NULL);
	if (dfd < 0)
		return 0;
	_cleanup_strv_ strv names = {0};
	int r = fs_list_dir_at(dfd, &names, err);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		const char *name = names.v[i];
		if (!staged(name))
			continue;
		_cleanup_free_ char *p = xasprintf("/proc/self/fd/%d/%s", dfd, name);
		if (str_has_prefix(name, "stage.")) {
			if (umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
			    errno != ENOENT)
				r = cordon_err(err, errno, "unmount %s/%s", ctx->paths.scratch_dir,
					       name);
			if (r == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				r = cordon_err(err, errno, "remove %s/%s", ctx->paths.scratch_dir,
					       name);
		} else if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
			r = cordon_err(err, errno, "remove %s/%s", ctx->paths.scratch_dir, name);
		}
	}
	return r;
}

int cordon_store_needs_recovery(cordon_ctx *ctx, bool *yes, cordon_error **err)
{
	cordon_pending_row *rows = NULL;
	size_t n = 0;
	int r = cordon_state_list_pending(ctx->state, &rows, &n, err);
	cordon_pending_rows_free(rows, n);
	if (r < 0)
		return r;
	*yes = n > 0;
	_cleanup_close_ int dfd = fs_open_dir(ctx->paths.scratch_dir, O_RDONLY, NULL);
	_cleanup_strv_ strv names = {0};
	if (!*yes && dfd >= 0 && fs_list_dir_at(dfd, &names, NULL) == 0)
		for (size_t i = 0; i < names.n && !*yes; i++)
			*yes = staged(names.v[i]);
	return 0;
}

int cordon_store_recover(cordon_ctx *ctx, cordon_error **err)
{
	cordon_pending_row *rows = NULL;
	size_t n = 0;
	int r = clean_scratch(ctx, err);
	if (r == 0)
		r = cordon_state_list_pending(ctx->state, &rows, &n, err);
	if (r < 0)
		return r;
	_cleanup_strv_ strv svc = {0}, svc_ids = {0};
	for (size_t i = 0; i < n && r == 0; i++) {
		const cordon_pending_row *p = &rows[i];
		if (strcmp(p->op, CORDON_JOURNAL_SERVICES) == 0) {
			if (!strv_contains(&svc, p->snap))
				strv_push(&svc, p->snap);
			strv_push_own(&svc_ids, xasprintf("%lld", (long long)p->id));
			continue;
		}
		if (strcmp(p->op, CORDON_JOURNAL_INSTALL) == 0) {
			/* Never committed: bring the snap (if it existed) back
			 * to its state, its policy first (a launch that read
			 * the new one starts again); the new revision, which
			 * state does not list, goes with the prune (kept while
			 * a command of the snap runs: one may have started it)
			 * or the purge. */
			r = settle_snap(ctx, p->snap, true, err);
		} else if (strcmp(p->op, CORDON_JOURNAL_RECOMPILE) == 0) {
			r = settle_snap(ctx, p->snap, true, err);
		} else if (strcmp(p->op, CORDON_JOURNAL_ROLL_FORWARD) == 0) {
			r = settle_snap(ctx, p->snap, false, err);
		} else if (strcmp(p->op, CORDON_JOURNAL_PURGE) == 0) {
			r = cordon_snap_purge(ctx, p->snap, err);
		} else if (strcmp(p->op, CORDON_JOURNAL_NAMESPACE) == 0) {
			char *warning = NULL;
			r = cordon_ns_refresh(ctx, p->snap, &warning, err);
			if (warning)
				strv_push_own(&ctx->warnings, warning);
		} else {
			r = cordon_err_msg(err, EINVAL, "unknown journal entry \"%s\"", p->op);
		}
		if (r == 1) {
			/* done but for the old revisions, which a command of
			 * the snap still runs: a `links` entry stays for the
			 * next command */
			r = strcmp(p->op, CORDON_JOURNAL_ROLL_FORWARD) == 0
				? 0
				: cordon_state_add_pending(ctx->state, CORDON_JOURNAL_ROLL_FORWARD,
							   p->snap, "", NULL, err);
			if (r == 0 && strcmp(p->op, CORDON_JOURNAL_ROLL_FORWARD) == 0)
				continue;
		}
		if (r == 0)
			r = cordon_state_delete_pending(ctx->state, p->id, err);
	}
	cordon_pending_rows_free(rows, n);
	if (r == 0 && svc.n > 0) {
		/* The services last, once every file is as state says. Done
		 * or not, the entries go: a unit that fails to start would
		 * fail at every later command; it is reported once. */
		cordon_error *e = NULL;
		if (cordon_services_settle(ctx, &svc, &e) < 0)
			strv_push_own(&ctx->warnings,
				      xasprintf("services of an interrupted operation: %s",
						e ? e->msg : "unknown error"));
		cordon_error_free(&e);
		for (size_t i = 0; r == 0 && i < svc_ids.n; i++)
			r = cordon_state_delete_pending(ctx->state, strtoll(svc_ids.v[i], NULL, 10),
							err);
	}
	if (r < 0)
		return cordon_err_prefix(err, "cannot finish an interrupted operation");
	return 0;
}
