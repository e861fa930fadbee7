/* See nssync.h. */
#include "nssync.h"
#include "fsutil.h"
#include "mount_api.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

/* Mounts stacked on one place that a sync removes before binding anew: more
 * than a few means something other than cordon keeps mounting there. */
#define MAX_STACKED 16

/* The record of a namespace's binds: their targets, each ended by a NUL
 * (a path may hold any other byte). */
#define BINDS_MAX ((size_t)4 << 20)

static char *binds_name(const char *instance)
{
	return xasprintf("%s.binds", instance);
}

static int read_binds(int dirfd, const char *instance, strv *out, cordon_error **err)
{
	_cleanup_free_ char *name = binds_name(instance);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = fs_read_at(dirfd, name, BINDS_MAX, &text, &len, err);
	if (r == -ENOENT) {
		/* a namespace made before records were kept: nothing known */
		cordon_error_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < len;) {
		size_t l = strnlen(text + i, len - i);
		if (l > 0 && !strv_contains(out, text + i))
			strv_push(out, text + i);
		i += l + 1;
	}
	return 0;
}

static int write_binds(int dirfd, const char *instance, const strv *targets, cordon_error **err)
{
	_cleanup_buf_ buf b = {0};
	for (size_t i = 0; i < targets->n; i++)
		buf_add(&b, targets->v[i], strlen(targets->v[i]) + 1);
	_cleanup_free_ char *name = binds_name(instance);
	return fs_write_runtime_at(dirfd, name, b.p ? b.p : "", b.len, 0644, err);
}

int cordon_ns_record_binds(int dirfd, const char *instance, const cordon_mount *m, size_t n,
			   cordon_error **err)
{
	_cleanup_strv_ strv targets = {0};
	for (size_t i = 0; i < n; i++)
		strv_push(&targets, m[i].target);
	return write_binds(dirfd, instance, &targets, err);
}

int cordon_ns_forget_binds(int dirfd, const char *instance, cordon_error **err)
{
	_cleanup_free_ char *name = binds_name(instance);
	_cleanup_free_ char *tmp = xasprintf(".%s.tmp", name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return cordon_err(err, errno, "remove %s", name);
	if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
		return cordon_err(err, errno, "remove %s", tmp);
	return 0;
}

/* A detached copy of a source, taken in the caller's namespace. */
typedef struct source_copy {
	int tree;
	dev_t dev;
	ino_t ino;
	bool ro;
} source_copy;

static int copy_source(const cordon_mount *m, source_copy *c, cordon_error **err)
{
	/* never through a symlink: the slot snap owns the source's path */
	_cleanup_close_ int sfd = fs_open_dir(m->source, O_PATH, err);
	if (sfd < 0)
		return sfd;
	struct stat st;
	if (fstat(sfd, &st) < 0)
		return cordon_err(err, errno, "stat %s", m->source);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->ro = (m->flags & CORDON_MOUNT_RO) != 0;
	c->tree = (int)syscall(SYS_open_tree, sfd, "",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (c->tree < 0)
		return cordon_err(err, errno, "copy the mount of %s", m->source);
	if (c->ro) {
		/* as cordon_bind_nofollow's read-only bind */
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						   MOUNT_ATTR_NODEV};
		if (syscall(SYS_mount_setattr, c->tree, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
			return cordon_err(err, errno, "make the copy of %s read-only", m->source);
	}
	return 0;
}

/* Every path below is resolved by a walk that refuses symlinks
 * (fs_open_dir), and unmounted through the fd it gives: a target lies in the
 * snap's own writable directories, where a process of the snap can swap a
 * component for a symlink (to /, say), and umount2 follows the symlinks on
 * the way (UMOUNT_NOFOLLOW spares only the last component). Through the
 * symlink a sync would unmount the snap's private /tmp or anything else of
 * its namespace. */

/* The top directory at target, reached by such a walk, and whether a mount
 * is there. */
static int open_target(const char *target, bool *mounted, cordon_error **err)
{
	int fd = fs_open_dir(target, O_PATH, err);
	if (fd < 0)
		return fd;
	int r = fs_is_mountpoint_at(fd, ".", mounted, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* Is the mount at target already the wanted one: same directory, same
 * read-only-ness? */
static int matches(const char *target, const source_copy *c, bool *yes, cordon_error **err)
{
	*yes = false;
	bool mounted = false;
	_cleanup_close_ int fd = open_target(target, &mounted, err);
	if (fd < 0 || !mounted)
		return fd < 0 ? fd : 0;
	struct stat st;
	struct statvfs vfs;
	if (fstat(fd, &st) < 0 || fstatvfs(fd, &vfs) < 0)
		return cordon_err(err, errno, "stat %s", target);
	*yes =
	    st.st_dev == c->dev && st.st_ino == c->ino && ((vfs.f_flag & ST_RDONLY) != 0) == c->ro;
	return 0;
}

static int unmount_all(const char *target, cordon_error **err)
{
	for (int i = 0; i < MAX_STACKED; i++) {
		bool mounted = false;
		_cleanup_close_ int fd = open_target(target, &mounted, err);
		if (fd < 0 || !mounted)
			return fd < 0 ? fd : 0;
		/* the magic link is followed to the very mount the walk found */
		_cleanup_free_ char *p = xasprintf("/proc/self/fd/%d", fd);
		if (umount2(p, MNT_DETACH) < 0)
			return cordon_err(err, errno, "unmount %s", target);
	}
	return cordon_err_msg(err, EBUSY, "more than %d mounts on %s", MAX_STACKED, target);
}

static int attach(int tree, const char *target, cordon_error **err)
{
	_cleanup_close_ int tfd = fs_open_dir(target, O_PATH, err);
	if (tfd < 0)
		return tfd;
	if (syscall(SYS_move_mount, tree, "", tfd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cordon_err(err, errno, "bind %s", target);
	return 0;
}

static int sync_in_ns(const cordon_ns_want *w, const strv *before, source_copy *copies,
		      int revision_tree, cordon_error **err)
{
	if (revision_tree >= 0) {
		bool mounted = false;
		int r = fs_is_mountpoint_at(AT_FDCWD, w->revision_dir, &mounted, err);
		if (r == 0 && !mounted)
			r = attach(revision_tree, w->revision_dir, err);
		if (r < 0)
			return cordon_err_prefix(err, "bring %s into the snap's namespace",
						 w->revision_dir);
	}
	/* the binds no longer wanted, the last made first (one inside
	 * another goes before it) */
	for (size_t i = before->n; i-- > 0;) {
		bool wanted = false;
		for (size_t m = 0; m < w->n_mounts; m++)
			wanted |= strcmp(w->mounts[m].target, before->v[i]) == 0;
		/* One that cannot be found where it was made (its directory
		 * renamed or swapped for a symlink by the snap) fails the
		 * sync: the bind may still be there under another name, and
		 * only a new namespace is sure to be without it. */
		int r = wanted ? 0 : unmount_all(before->v[i], err);
		if (r < 0)
			return r;
	}
	for (size_t m = 0; m < w->n_mounts; m++) {
		const char *target = w->mounts[m].target;
		bool same = false;
		int r = matches(target, &copies[m], &same, err);
		if (r == 0 && !same)
			r = unmount_all(target, err);
		if (r == 0 && !same)
			r = attach(copies[m].tree, target, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cordon_ns_sync(int nsfd, int dirfd, const char *instance, const cordon_ns_want *w,
		   cordon_error **err)
{
	source_copy *copies = xcalloc(w->n_mounts ? w->n_mounts : 1, sizeof *copies);
	for (size_t i = 0; i < w->n_mounts; i++)
		copies[i].tree = -1;
	_cleanup_strv_ strv before = {0}, both = {0};
	int revision_tree = -1;
	int r = read_binds(dirfd, instance, &before, err);
	if (r == 0 && w->revision_dir) {
		revision_tree =
		    (int)syscall(SYS_open_tree, AT_FDCWD, w->revision_dir,
				 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
		if (revision_tree < 0)
			r = cordon_err(err, errno, "clone the mount of %s", w->revision_dir);
	}
	for (size_t i = 0; r == 0 && i < w->n_mounts; i++)
		r = copy_source(&w->mounts[i], &copies[i], err);
	/* recorded before anything is mounted: a kill in between leaves a
	 * record of more binds than there are, never of fewer */
	for (size_t i = 0; i < before.n; i++)
		strv_push(&both, before.v[i]);
	for (size_t i = 0; i < w->n_mounts; i++)
		if (!strv_contains(&both, w->mounts[i].target))
			strv_push(&both, w->mounts[i].target);
	if (r == 0 && (both.n != before.n))
		r = write_binds(dirfd, instance, &both, err);
	if (r == 0 && setns(nsfd, CLONE_NEWNS) < 0)
		r = cordon_err(err, errno, "enter the snap's mount namespace");
	if (r == 0)
		r = sync_in_ns(w, &before, copies, revision_tree, err);
	if (r == 0 && both.n != w->n_mounts)
		r = cordon_ns_record_binds(dirfd, instance, w->mounts, w->n_mounts, err);
	for (size_t i = 0; i < w->n_mounts; i++)
		if (copies[i].tree >= 0)
			close(copies[i].tree);
	free(copies);
	if (revision_tree >= 0)
		close(revision_tree);
	return r;
}

#define SYNCED_SUFFIX " synced"

int cordon_ns_stamp_synced(int dirfd, const char *instance, const char *want, cordon_error **err)
{
	_cleanup_free_ char *name = xasprintf("%s.stamp", instance);
	_cleanup_free_ char *stamp = xasprintf("%s%s", want, SYNCED_SUFFIX);
	return fs_write_runtime_at(dirfd, name, stamp, strlen(stamp), 0644, err);
}

bool cordon_ns_stamp_is_synced(const char *stamp, const char *want)
{
	size_t n = strlen(want);
	return strncmp(stamp, want, n) == 0 && strcmp(stamp + n, SYNCED_SUFFIX) == 0;
}

/* The root part of a stamp: what follows " root=" up to the synced mark. */
static void stamp_root(const char *stamp, const char **at, size_t *len)
{
	const char *r = strstr(stamp, " root=");
	*at = r ? r + 6 : "";
	*len = strlen(*at);
	if (*len >= strlen(SYNCED_SUFFIX) &&
	    strcmp(*at + *len - strlen(SYNCED_SUFFIX), SYNCED_SUFFIX) == 0)
		*len -= strlen(SYNCED_SUFFIX);
}

bool cordon_ns_stamp_same_root(const char *a, const char *b)
{
	const char *ra, *rb;
	size_t la, lb;
	stamp_root(a, &ra, &la);
	stamp_root(b, &rb, &lb);
	return la == lb && memcmp(ra, rb, la) == 0;
}

void cordon_ns_want_from_policy(const cordon_policy *p, cordon_ns_want *w)
{
	*w = (cordon_ns_want){
	    .revision_dir = p->mount_dir, .mounts = p->mounts, .n_mounts = p->n_mounts};
}
