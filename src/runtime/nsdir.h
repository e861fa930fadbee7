/* The directory of preserved namespaces (<run>/ns): a private mount, root's
 * alone, holding one nsfs bind per preserved namespace (a snap's mount and IPC
 * namespaces, its views) and each snap's lock. What the snap's namespaces
 * (mountns.h) and the command views (view.h) have in common. */
#pragma once
#include "error.h"
#include "paths.h"

#include <stdbool.h>
#include <stdint.h>

/* Open (making it if needed) the directory: a private mount (an nsfs bind
 * inside must never propagate: it would pin namespaces in loops the kernel
 * refuses, and leak them to the host), 0700 root. */
int cordon_nsdir_open(const cordon_paths *paths, int *dirfd, cordon_error **err);

/* Take the snap's lock (<dir>/<instance>.lock): launches that build or join
 * its namespaces and changes to them wait for each other, at most timeout_ms
 * (negative: no limit; then a clear error). Returns the fd holding it. */
int cordon_ns_lock(int dirfd, const char *instance, int timeout_ms, cordon_error **err);

/* How long a launch waits for a snap's lock by default. */
#define CORDON_NS_LOCK_TIMEOUT_MS 30000

/* A launch inside the snap's namespaces, from joining them to leaving the
 * privileged steps: what the view needs to build and preserve. */
typedef struct cordon_ns_session {
	int dirfd;	  /* the directory, in the host's namespace */
	int host_ns;	  /* the host's mount namespace */
	int lock;	  /* the snap's lock, held */
	char *stage;	  /* where a view is put together before it becomes a root */
	uint64_t snap_ns; /* inode of the snap's mount namespace */
} cordon_ns_session;
void cordon_ns_session_end(cordon_ns_session *s); /* releases the lock */

/* An fd of the namespace preserved as <dir>/<name>, or -ENOENT (nothing
 * bound there: never made, or a file left from before a reboot). */
int cordon_ns_open_preserved(int dirfd, const char *name);

/* Preserve the namespace `nsfile` names (/proc/self/ns/ipc, /proc/self/fd/N
 * of an nsfs fd) as <dir>/<name>, in place of what was there. In the host's
 * mount namespace. */
int cordon_ns_preserve(int dirfd, const char *name, const char *nsfile, cordon_error **err);

/* Let go of <dir>/<name> (lazily: a process inside keeps its namespace), and
 * remove the file too if `remove`. Nothing there is no error. */
int cordon_ns_unbind(int dirfd, const char *name, bool remove, cordon_error **err);

/* unshare(CLONE_NEWNS) into a namespace whose id is larger than that of
 * `host` (an fd of the namespace that will bind the new one's nsfs file):
 * Linux 6.18's loop check, see nsdir.c. Returns an fd of the new namespace,
 * which the caller is in. */
int cordon_unshare_mntns_newer(int host, cordon_error **err);
