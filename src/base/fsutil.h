/* fd-based file system helpers for privileged code: every walk is done with
 * openat(O_NOFOLLOW) one component at a time, so a symlink planted anywhere on
 * the way is refused rather than followed. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Open an absolute directory path component by component without following
 * symlinks. flags are added to O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC (O_RDONLY
 * or O_PATH). */
int fs_open_dir(const char *abs_path, int flags, cordon_error **err);

/* Open an absolute path (file or directory) with O_PATH, following no
 * symlink on the way nor at the end (a symlink at the end: -ELOOP). Returns
 * the fd or a negative errno (err untouched). */
int fs_open_path_nofollow(const char *abs_path);

/* glob(3) a launch-time pattern into out (appended). No match is no error;
 * an unreadable directory on the way matches nothing, as a missing one. */
int fs_glob(const char *pattern, strv *out, cordon_error **err);

/* The names in directory dirfd (not "." and ".."), appended to out; dirfd
 * itself stays open and unmoved. */
int fs_list_dir_at(int dirfd, strv *out, cordon_error **err);

/* Like fs_open_dir, but every component (including the last) must be owned
 * by root and not writable by group or others. Used for compiled policy and
 * state, so a user can never substitute what the launcher reads. */
int fs_open_dir_root_owned(const char *abs_path, cordon_error **err);

/* The walk of fs_open_dir_root_owned continued one step: the directory name
 * (one component, no symlink) in dirfd, which the caller opened with
 * fs_open_dir_root_owned (or this), held to the same rule. Several
 * directories under one trusted parent then cost one walk from /, not one
 * each: the fd pins the parent, and every directory above it was checked
 * root's and writable by root alone, so nobody else could have moved it. */
int fs_open_dir_root_owned_at(int dirfd, const char *name, cordon_error **err);

/* mkdir -p, fd-based. Missing components are created with `mode`, owned by
 * uid:gid, under a temporary name that gets the final one only once they have
 * that owner and mode (a maker killed half-way leaves no half-made directory
 * under the real name; fsutil.c says how its temporaries are cleaned up).
 * Existing components must be real directories; one left half-made by the old
 * create-then-chmod pattern (ours, mode 0000, empty, in a parent of ours not
 * writable by group or others) is finished. Returns an O_RDONLY|O_DIRECTORY
 * fd of the last one. */
int fs_mkdir_p(const char *abs_path, mode_t mode, uid_t uid, gid_t gid, cordon_error **err);
/* The last step of fs_mkdir_p on its own: name (one component) in dirfd,
 * made as fs_mkdir_p makes each component, or opened (O_NOFOLLOW) as it
 * opens one. fs_mkdir_p(parent) and then this is fs_mkdir_p(parent/name),
 * with the parent's fd kept. */
int fs_mkdir_at(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid, cordon_error **err);

/* Ensure `name` in dirfd is a directory with exactly this owner and mode
 * (made as fs_mkdir_p makes one when missing, a half-made one of ours
 * finished as there; an existing one with another owner or mode, or a
 * symlink, is an error, never used: CVE-2021-44731, CVE-2022-3328). Returns
 * an fd of it. */
int fs_ensure_dir_at(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
		     cordon_error **err);

/* Read a whole regular file (no symlink, at most max bytes). Files of
 * /proc and /sys (size 0 to stat) are read to their end too. */
int fs_read_at(int dirfd, const char *name, size_t max, char **data, size_t *len,
	       cordon_error **err);
int fs_read_path(const char *path, size_t max, char **data, size_t *len, cordon_error **err);

/* The bound for a text file the kernel writes (/proc, cgroupfs): no fixed
 * buffer, as they grow with the system (/proc/<pid>/status with the
 * supplementary groups, up to 65536 of them; mountinfo with the mounts). */
#define FS_KERNEL_TEXT_MAX ((size_t)64 << 20)

/* Does dir/name (not followed if a symlink) still name the file dev:ino? A
 * file read earlier and replaced since (written anew by rename) or removed
 * no longer is. */
bool fs_still_names(const char *dir, const char *name, dev_t dev, ino_t ino);

/* Write atomically: a temporary file in the same directory, fsync, rename,
 * fsync of the directory. */
int fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		       cordon_error **err);

/* The same without the two fsyncs, for runtime state in the run directory
 * (/run: a tmpfs, gone at a reboot with the mounts and processes its files
 * describe). Readers still see the old file or the new, never part of one;
 * durability would buy nothing there and cost two disk flushes where the run
 * directory is on a disk (a namespace's first launch wrote three such files). */
int fs_write_runtime_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			cordon_error **err);

/* Write a short string to an existing file (cgroup and proc files). */
int fs_write_str_at(int dirfd, const char *name, const char *s, cordon_error **err);

/* Remove a tree without following symlinks and without crossing into other
 * mounts (a mount point found inside is an error). Missing is fine. */
int fs_rm_rf_at(int dirfd, const char *name, cordon_error **err);

/* Copy a tree keeping owners, modes and timestamps (used for SNAP_DATA on
 * refresh). Symlinks are copied as symlinks. */
int fs_copy_tree_at(int src_dirfd, const char *src, int dst_dirfd, const char *dst,
		    cordon_error **err);

/* Replace (or create) a symlink atomically: symlink to a temp name, rename. */
/* A symlink's text, malloc'd; NULL with errno set on failure. The kernel
 * caps a link at PATH_MAX - 1 bytes, and a /proc/<pid>/fd link at a page: a
 * text that fills the buffer anyway is refused (ENAMETOOLONG), never cut. */
char *fs_readlink_at(int dirfd, const char *name);

/* The entries of an open directory, read with getdents64 straight from its
 * fd (no dup, fstat and fcntls of fdopendir: a launch lists dozens of
 * directories for a view). From the fd's current offset; the fd stays open
 * and is the caller's. "." and ".." are skipped. */
typedef struct fs_dirents {
	int fd;
	char *buf;
	size_t len, pos;
} fs_dirents;

void fs_dirents_init(fs_dirents *d, int fd);
/* 1 and the entry's name and d_type (DT_*), 0 at the end, -errno. */
int fs_dirents_next(fs_dirents *d, const char **name, unsigned char *type);
void fs_dirents_free(fs_dirents *d);

int fs_symlink_atomic_at(const char *target, int dirfd, const char *name, cordon_error **err);

/* True if the path is a mount point (compares mount ids). */
int fs_is_mountpoint_at(int dirfd, const char *name, bool *result, cordon_error **err);
