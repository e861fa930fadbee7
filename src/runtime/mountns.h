/* The snap's namespaces (step 3 of the launch): its shared mount namespace
 * with its private /tmp and /dev/shm (privtmp.c) and its SysV IPC namespace,
 * both preserved in the directory of nsdir.h; and the per-command namespace
 * with its own devpts (step 5). */
#pragma once
#include "error.h"
#include "nsdir.h"
#include "paths.h"
#include "policy.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

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

/* Is the snap's preserved namespace (nsfs inode dev:ino) used: a process in
 * it, or a process in one of the snap's label cgroups under cgroup_parent
 * (its commands run in namespaces of their own made from the snap's, so
 * comparing namespaces alone misses them)? The calling process is not
 * counted. */
bool cordon_snap_ns_in_use(const char *cgroup_parent, const char *instance, dev_t dev, ino_t ino);

/* Discard the snap's preserved mount namespace and, as they were made from
 * it, its views (the next launch makes new ones); `all` (the snap is gone):
 * its IPC namespace and lock file too. dirfd: the directory of nsdir.h. */
int cordon_snap_ns_discard(int dirfd, const char *instance, bool all, cordon_error **err);

/* Give this command its own mount namespace, a slave of the snap's (or of
 * its view), with a new devpts instance (newinstance,ptmxmode=0666,
 * mode=0620,gid=5) and /dev/pts/ptmx bound over /dev/ptmx. */
int cordon_devpts_new_instance(cordon_error **err);

/* Forget a snap's runtime pieces: preserved namespaces (mount, IPC, views),
 * private /tmp. */
int cordon_runtime_discard_snap(const cordon_paths *paths, const char *instance,
				cordon_error **err);

/* The snap's private /tmp: a size-limited tmpfs mounted on
 * <run>/tmp/<snap>/tmp, returned as an fd of its root (privtmp.c). */
int cordon_privtmp_prepare(const cordon_paths *paths, const char *instance, cordon_error **err);
int cordon_privtmp_discard(const cordon_paths *paths, const char *instance, cordon_error **err);
