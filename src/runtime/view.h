/* The command's file system view (strict confinement).
 *
 * Landlock (ABI <= 8) mediates opening files, not what else a path reaches:
 * changing a file's mode, owner, ACL, extended attributes or times, and
 * connecting to a path-name socket. The view closes both with the VFS alone:
 * the command's root is a tmpfs holding only what its policy grants, each
 * granted place bind-mounted from the snap's namespace (read-only unless the
 * policy lets the command write there; device nodes and sockets always
 * read-only, since using them needs no writable mount). Everything else that
 * exists beside a granted place is a placeholder owned by nobody: reading it
 * still gives Landlock's EACCES (and its audit record), changing it gives
 * EPERM/EACCES (not the owner, no capability), and a socket not granted is
 * not there to connect to. Directories the policy does not reach are empty
 * placeholders with mode 0000. /run/user keeps the stricter view it always
 * had: only the command's own runtime directory and what its interfaces grant
 * exist there. /dev is a read-only tmpfs of copies of the host's nodes
 * (the device cgroup still decides which open).
 *
 * Building a view costs a few milliseconds, so it is built once per label
 * and user and preserved as a mount namespace of its own beside the snap's
 * (<ns dir>/<label>.<uid>.view), with a stamp describing the resolved
 * targets it was built from. A launch whose targets (paths, rights and the
 * identity of each object) and snap namespace match the stamp enters the
 * preserved view; any difference (a connection, a refresh, a new entry a
 * glob matches, a file replaced on the host) builds a new one. */
#pragma once
#include "error.h"
#include "nsdir.h"
#include "targets.h"

#include <stdbool.h>
#include <stdint.h>

/* Enter the preserved view of `label` for the caller if its stamp matches
 * these targets: 0, in the view (root and working directory at its root);
 * -ESTALE (err untouched) when there is none or it does not match. Called in
 * the snap's mount namespace, privileged, holding the snap's namespace lock. */
int cordon_view_join(const cordon_ns_session *s, const char *label, const cordon_targets *t,
		     const cordon_caller *c, cordon_error **err);

/* Build the view, preserve it in place of a stale one, and enter it. Same
 * conditions as cordon_view_join. -ENOSYS (err untouched, nothing done)
 * where the kernel cannot build views (cordon_view_supported). */
int cordon_view_build(const cordon_ns_session *s, const char *label, const cordon_targets *t,
		      const cordon_caller *c, cordon_error **err);

/* Can this kernel build views (mount_setattr, Linux 5.12)? Without it the
 * launcher goes on without one, and `cordon debug confinement` says so. */
bool cordon_view_supported(void);

/* Forget the preserved views of a snap instance (every label and user), as
 * when its namespace is discarded: each holds mounts of that namespace. */
int cordon_views_discard(int ns_dirfd, const char *instance, cordon_error **err);

/* The stamp of a view built from these targets for this caller in the snap
 * namespace with inode snap_ns: the targets, and the identity and time of
 * each directory whose entries the view copies as placeholders (stat). */
char *cordon_view_stamp(const cordon_targets *t, const cordon_caller *c, uint64_t snap_ns);

/* The caller's working directory, each directory of its path opened in the
 * snap's namespace (where the real ones are). */
typedef struct cordon_cwd {
	char *path;
	int *fds; /* "/", then each component */
	size_t n;
} cordon_cwd;
int cordon_view_cwd_open(const char *path, cordon_cwd *c); /* -errno: not there */
void cordon_view_cwd_free(cordon_cwd *c);

/* When a placeholder of the view hides the caller's working directory (it
 * exists in the snap's namespace, but the policy does not reach it), a
 * stand-in of the path from that placeholder on is mounted in this command's
 * own namespace, made as the view makes the directories on the way to
 * granted places (placeholders owned by nobody for their entries), so the
 * command starts where it was started, as it would outside, and finds there
 * only what it finds anywhere else the policy does not reach (snap-confine
 * keeps the working directory too). Called in the command's namespace,
 * privileged. */
int cordon_view_stand_in(const cordon_cwd *c, cordon_error **err);
