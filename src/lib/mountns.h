/* The snap's shared mount namespace (step 3 of the launch), its private /tmp
 * and /dev/shm, and the per-command namespace with its own devpts (step 5). */
#pragma once
#include "error.h"
#include "paths.h"
#include "policy.h"

/* Join the snap's preserved mount namespace, creating (and preserving) it on
 * first use. A preserved namespace whose stamp differs from the policy's is
 * rebuilt when no process uses it. Must run single-threaded, privileged, in
 * the host's mount namespace. */
int cordon_mountns_enter(const cordon_paths *paths, const cordon_policy *p, cordon_error **err);

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
