/* The snap's shared mount namespace (step 3 of the launch), its private /tmp
 * and /dev/shm, and the per-command namespace with its own devpts (step 5). */
#pragma once
#include "error.h"
#include "paths.h"
#include "policy.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A launch inside the snap's namespaces, from joining them to leaving the
 * privileged steps: what the view (view.h) needs to build and preserve. */
typedef struct cordon_ns_session {
	int dirfd;        /* <run>/ns, a private mount, in the host's namespace */
	int host_ns;      /* the host's mount namespace */
	int lock;         /* the snap's namespace lock, held */
	char *stage;      /* where a view is put together before it becomes a root */
	uint64_t snap_ns; /* inode of the snap's mount namespace */
} cordon_ns_session;
void cordon_ns_session_end(cordon_ns_session *s); /* releases the lock */

/* Join the snap's preserved mount namespace, creating (and preserving) it on
 * first use, and its IPC namespace (unless the policy keeps the host's). A
 * preserved namespace whose stamp differs from the policy's is rebuilt when
 * no process uses it (see cordon_snap_ns_in_use; cgroup_parent is where the
 * label cgroups live), and its views with it. Waits at most lock_timeout_ms
 * for the snap's lock (negative: no limit). Must run single-threaded,
 * privileged, in the host's mount namespace. On success the session holds
 * the lock. */
int cordon_mountns_enter(const cordon_paths *paths, const cordon_policy *p,
			 const char *cgroup_parent, int lock_timeout_ms, cordon_ns_session *s,
			 cordon_error **err);

/* unshare(CLONE_NEWNS) into a namespace whose id is larger than that of
 * `host` (an fd of the namespace that will bind the new one's nsfs file):
 * Linux 6.18's loop check, see mountns.c. Returns an fd of the new
 * namespace, which the caller is in. */
int cordon_unshare_mntns_newer(int host, cordon_error **err);

/* Is the snap's preserved namespace (nsfs inode dev:ino) used: a process in
 * it, or a process in one of the snap's label cgroups under cgroup_parent
 * (its commands run in namespaces of their own made from the snap's, so
 * comparing namespaces alone misses them)? The calling process is not
 * counted. */
/* Take the snap's namespace lock (<ns dir>/<instance>.lock): launches that
 * build or join the namespace and changes to it wait for each other, at most
 * timeout_ms (negative: no limit; then a clear error). Returns the fd holding
 * the lock. */
int cordon_ns_lock(int dirfd, const char *instance, int timeout_ms, cordon_error **err);

/* How long a launch waits for a snap's lock by default. */
#define CORDON_NS_LOCK_TIMEOUT_MS 30000

bool cordon_snap_ns_in_use(const char *cgroup_parent, const char *instance, dev_t dev,
			   ino_t ino);

/* Give this command its own mount namespace, a slave of the snap's, with a new
 * devpts instance (newinstance,ptmxmode=0666,mode=0620,gid=5) and
 * /dev/pts/ptmx bound over /dev/ptmx. */
int cordon_devpts_new_instance(cordon_error **err);

/* Forget a snap's runtime pieces: preserved namespaces (mount, IPC, views),
 * private /tmp. */
int cordon_runtime_discard_snap(const cordon_paths *paths, const char *instance,
				cordon_error **err);

/* Set up the backing of the snap's private /tmp and return an fd of its
 * 01777 `tmp` directory (privtmp.c). */
int cordon_privtmp_prepare(const cordon_paths *paths, const char *instance, cordon_error **err);
int cordon_privtmp_discard(const cordon_paths *paths, const char *instance, cordon_error **err);
