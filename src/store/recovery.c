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
 */
#include "recovery.h"
#include "nsupdate.h"
#include "recompile.h"
#include "revisions.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* Bring the snap's files in line with state: gone from state, purged; else
 * its current links and revisions, and its policy when `recompile`. */
static int settle_snap(cordon_ctx *ctx, const char *name, bool recompile, cordon_error **err)
{
	cordon_snap_row snap = {0};
	int r = cordon_state_get_snap(ctx->state, name, &snap, err);
	if (r == -ENOENT)
		return cordon_snap_purge(ctx, name, err);
	if (r < 0)
		return r;
	r = cordon_revision_set_current(ctx, name, snap.current, err);
	if (r == 0)
		r = cordon_revisions_prune(ctx, name, err);
	if (r == 0 && recompile)
		r = cordon_recompile(ctx, name, NULL, NULL, err);
	cordon_snap_row_free(&snap);
	return r;
}

int cordon_snap_roll_forward(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	return settle_snap(ctx, name, false, err);
}

/* Clean the scratch directory of what dead commands left (staging mounts,
 * private copies). Names carry the pid of their command. */
static void clean_scratch(cordon_ctx *ctx)
{
	DIR *d = opendir(ctx->paths.scratch_dir);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *dot = strchr(de->d_name, '.');
		if (dot == NULL || (!str_has_prefix(de->d_name, "stage.") &&
				    !str_has_prefix(de->d_name, "incoming.")))
			continue;
		long pid = strtol(dot + 1, NULL, 10);
		if (pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s", ctx->paths.scratch_dir, de->d_name);
		if (str_has_prefix(de->d_name, "stage.")) {
			(void)umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW);
			(void)rmdir(p);
		} else {
			(void)unlink(p);
		}
	}
	closedir(d);
}

int cordon_store_recover(cordon_ctx *ctx, cordon_error **err)
{
	clean_scratch(ctx);
	cordon_pending_row *rows = NULL;
	size_t n = 0;
	int r = cordon_state_list_pending(ctx->state, &rows, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		const cordon_pending_row *p = &rows[i];
		if (strcmp(p->op, CORDON_JOURNAL_INSTALL) == 0) {
			/* Never committed: undo the new revision's files, then
			 * bring the snap (if it existed) back to its state. */
			r = cordon_revision_remove_files(ctx, p->snap, p->revision, err);
			if (r == 0)
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
		if (r == 0)
			r = cordon_state_delete_pending(ctx->state, p->id, err);
	}
	cordon_pending_rows_free(rows, n);
	if (r < 0)
		return cordon_err_prefix(err, "cannot finish an interrupted operation");
	return 0;
}
