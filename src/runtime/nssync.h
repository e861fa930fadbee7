/* Bringing a preserved snap namespace in step with a compiled policy while
 * commands run in it: its content bind mounts (added, removed, or re-bound
 * when their source changed, e.g. the slot snap was refreshed) and the
 * revision being launched. Used by the launcher when it joins a stale
 * namespace still in use, and by the store after a change (nsupdate.c). */
#pragma once
#include "error.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct cordon_ns_want {
	/* the revision's mount, copied in from the caller's namespace when
	 * missing there (NULL: none) */
	const char *revision_dir;
	const cordon_mount *mounts;
	size_t n_mounts;
} cordon_ns_want;

/* Enter the namespace nsfd (the calling process stays in it, even on
 * failure: the launcher then leaves it, the store runs this in a child) and
 * make its mounts what `w` says: a bind cordon made there before (recorded
 * in <instance>.binds of the namespace directory dirfd) that `w` does not
 * name is removed, and one whose source changed is bound anew; nothing else
 * is touched. The sources are copied from the caller's namespace before
 * entering: where the host's / is not shared, a revision mounted after the
 * namespace was made is not there, and mount(2) refuses a bind source from
 * another namespace (open_tree(OPEN_TREE_CLONE) does not). */
int cordon_ns_sync(int nsfd, int dirfd, const char *instance, const cordon_ns_want *w,
		   cordon_error **err);

/* Record the binds a new namespace is made with (before making them: a kill
 * between leaves a record naming more, never fewer, than are there). */
int cordon_ns_record_binds(int dirfd, const char *instance, const cordon_mount *m, size_t n,
			   cordon_error **err);

/* Forget the record (the namespace is discarded). */
int cordon_ns_forget_binds(int dirfd, const char *instance, cordon_error **err);

/* Stamp the namespace as serving the policy stamped `want` after a sync:
 * it still holds what older policies mounted (the old revision, where the
 * host's / is not shared), so it is rebuilt once no process uses it. */
int cordon_ns_stamp_synced(int dirfd, const char *instance, const char *want, cordon_error **err);
bool cordon_ns_stamp_is_synced(const char *stamp, const char *want);

/* Do two stamps (cordon_ns_stamp, synced or not) name the same root (the
 * same base revision, or both the host's)? A namespace cannot move to
 * another root in place: it is replaced. */
bool cordon_ns_stamp_same_root(const char *a, const char *b);

/* cordon_ns_want for a compiled policy. */
void cordon_ns_want_from_policy(const cordon_policy *p, cordon_ns_want *w);
