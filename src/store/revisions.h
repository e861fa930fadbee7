/* The pieces of a snap's revisions on disk (/snap/<name>/<rev>, its data
 * under /var/snap/<name>, the stored package, ~/snap/<name> of every user)
 * and the current links. Missing pieces are never an error: these also undo
 * half-made revisions. */
#pragma once
#include "context.h"

/* Remove /snap/<name>/<rev> (unmounting it), /var/snap/<name>/<rev>, the
 * package and every user's ~/snap/<name>/<rev>. */
int cordon_revision_remove_files(cordon_ctx *ctx, const char *name, const char *rev,
				 cordon_error **err);

/* Point /snap/<name>/current and /var/snap/<name>/current at rev. */
int cordon_revision_set_current(cordon_ctx *ctx, const char *name, const char *rev,
				cordon_error **err);

/* Remove every revision of the snap on disk that state does not list, under
 * the snap's launch lock. 1: not now, a command of the snap runs (it keeps
 * its revision until it exits; the caller keeps its journal entry so a
 * later command prunes). */
int cordon_revisions_prune(cordon_ctx *ctx, const char *name, cordon_error **err);

/* /var/snap/<name>/{common,<rev>}: SNAP_DATA of rev starts as a copy of
 * prev's (owners, modes, times kept), or empty without prev. */
int cordon_revision_make_data_dirs(cordon_ctx *ctx, const char *name, const char *prev,
				   const char *rev, cordon_error **err);

/* Remove everything a snap has on disk: policy, mounts, data, packages, its
 * label cgroups, its preserved namespace and private /tmp, the users' data.
 * For a snap state no longer lists. */
int cordon_snap_purge(cordon_ctx *ctx, const char *name, cordon_error **err);

/* Remove the label cgroups of snaps state does not list (best effort). A
 * remove leaves the cgroup of a label a process still runs in (rmdir cannot
 * take it), and a launch that was under way when its snap was removed may make
 * one after the remove looked: this takes them once they are empty. */
void cordon_cgroups_sweep(cordon_ctx *ctx);

/* Is this home the root prefix's to touch? On the real system (root "")
 * every home is; under a CORDON_ROOT (a test prefix) only one inside it. */
bool cordon_home_in_root(const cordon_ctx *ctx, const char *home);

/* The homes whose ~/snap the store looks after: /root and each directory of
 * /home (as snapd looks for them), the homes of /etc/passwd, and under a test
 * root prefix the caller's $HOME; under a prefix only those inside it. */
void cordon_user_homes(const cordon_ctx *ctx, strv *homes);
