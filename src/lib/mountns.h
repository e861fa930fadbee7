/* The snap's shared mount namespace (step 3 of the launch), its private /tmp
 * and /dev/shm, and the per-command namespace with its own devpts (step 5). */
#pragma once
#include "error.h"
#include "paths.h"
#include "policy.h"

#include <stdbool.h>
#include <sys/types.h>

/* Join the snap's preserved mount namespace, creating (and preserving) it on
 * first use. A preserved namespace whose stamp differs from the policy's is
 * rebuilt when no process uses it (see cordon_snap_ns_in_use; cgroup_parent
 * is where the label cgroups live). Must run single-threaded, privileged, in
 * the host's mount namespace. */
int cordon_mountns_enter(const cordon_paths *paths, const cordon_policy *p,
			 const char *cgroup_parent, cordon_error **err);

/* Is the snap's preserved namespace (nsfs inode dev:ino) used: a process in
 * it, or a process in one of the snap's label cgroups under cgroup_parent
 * (its commands run in namespaces of their own made from the snap's, so
 * comparing namespaces alone misses them)? The calling process is not
 * counted. */
/* Take the snap's namespace lock (<ns dir>/<instance>.lock): launches that
 * build or join the namespace and changes to it wait for each other.
 * Returns the fd holding the lock. */
int cordon_ns_lock(int dirfd, const char *instance, cordon_error **err);

bool cordon_snap_ns_in_use(const char *cgroup_parent, const char *instance, dev_t dev,
			   ino_t ino);

/* Give this command its own mount namespace, a slave of the snap's, with a new
 * devpts instance (newinstance,ptmxmode=0666,mode=0620,gid=5) and
 * /dev/pts/ptmx bound over /dev/ptmx. */
int cordon_devpts_new_instance(cordon_error **err);

/* Forget a snap's runtime pieces: preserved namespace, private /tmp backing. */
int cordon_runtime_discard_snap(const cordon_paths *paths, const char *instance,
				cordon_error **err);

/* Set up the backing of the snap's private /tmp and return an fd of its
 * 01777 `tmp` directory (privtmp.c). */
int cordon_privtmp_prepare(const cordon_paths *paths, const char *instance, cordon_error **err);
int cordon_privtmp_discard(const cordon_paths *paths, const char *instance, cordon_error **err);
