/* The per-snap cookie, as snapd has it: a secret that names one snap to the
 * snapctl broker. The store writes <state>/cookie/snap.<instance> (root
 * 0600, in a root 0700 directory) when it installs the snap; the launcher
 * reads it as root and hands it to the app as SNAP_COOKIE; the broker maps a
 * cookie back to its snap. A sandboxed process cannot read the files (the
 * view does not mount them, and they are root's alone), so holding a snap's
 * cookie is being that snap, or having been given its cookie by it. */
#pragma once
#include "error.h"
#include "snapctl_wire.h"

/* Open the cookie directory: every component root-owned and not writable by
 * group or others, the directory itself mode 0700. -ENOENT (err untouched):
 * it does not exist (no snap got a cookie yet). */
int cordon_cookie_dir_open(const char *cookie_dir, cordon_error **err);
/* The same, from the state directory already opened root-owned
 * (fs_open_dir_root_owned_at): the launcher walks to it once. */
int cordon_cookie_dir_open_at(int state_fd, const char *cookie_dir, cordon_error **err);

/* The name of a snap's cookie file: snap.<instance> (malloc'd). */
char *cordon_cookie_file_name(const char *instance);

/* Read the cookie file `name` of directory dirfd into out (LEN + 1 bytes):
 * a regular file, not a symlink, owned by root, mode 0600, exactly a cookie
 * long and a well-formed cookie. -ENOENT (err untouched) when it is
 * missing; anything else is refused (-EPERM, -EINVAL). */
int cordon_cookie_read_at(int dirfd, const char *name, char *out, cordon_error **err);
