/* Users' data across a refresh: see userdata.h for what is copied and why
 * the walk trusts nothing it finds in a home. */
#include "userdata.h"
#include "revisions.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A tree deeper than this is not copied below that depth: each level holds
 * three fds and a stack frame, and a user can make a tree as deep as they
 * like. What is deeper is left in the old revision (still there for a
 * revert), not an error: one user's tree must not refuse every user the
 * refresh. */
#define MAX_DEPTH 128
#define CHUNK (128u * 1024u)

typedef struct walk {
	uid_t uid;  /* the home's owner: only what they own is copied */
	dev_t dev;  /* the old revision's file system: never left */
	char *buf;  /* copy buffer */
	char *path; /* for messages: ~/snap/<name>/<prev> */
} walk;

/* Is this an entry of the owner's on the old revision's file system? */
static bool theirs(const walk *w, const struct stat *st)
{
	return st->st_uid == w->uid && st->st_dev == w->dev;
}

/* The extended attributes a user may set on their own files: user.* and
 * POSIX ACLs. security.* (file capabilities, LSM labels) and trusted.* are
 * left behind: root copying them would hand a user's file what its user
 * could never have given it. */
static bool user_xattr(const char *name)
{
	return str_has_prefix(name, "user.") || strcmp(name, "system.posix_acl_access") == 0 ||
	       strcmp(name, "system.posix_acl_default") == 0;
}

static int copy_xattrs(int sfd, int dfd, const char *name, cordon_error **err)
{
	ssize_t n = flistxattr(sfd, NULL, 0);
	if (n < 0)
		return errno == ENOTSUP ? 0 : cordon_err(err, errno, "list xattrs of %s", name);
	if (n == 0)
		return 0;
	_cleanup_free_ char *names = xmalloc((size_t)n);
	n = flistxattr(sfd, names, (size_t)n);
	if (n < 0)
		return cordon_err(err, errno, "list xattrs of %s", name);
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		if (!user_xattr(k))
			continue;
		ssize_t vn = fgetxattr(sfd, k, NULL, 0);
		if (vn < 0) {
			if (errno == ENODATA)
				continue; /* removed meanwhile */
			return cordon_err(err, errno, "read xattr %s of %s", k, name);
		}
		_cleanup_free_ char *v = xmalloc((size_t)vn + 1);
		vn = fgetxattr(sfd, k, v, (size_t)vn);
		if (vn < 0)
			return cordon_err(err, errno, "read xattr %s of %s", k, name);
		if (fsetxattr(dfd, k, v, (size_t)vn, 0) < 0 && errno != ENOTSUP)
			return cordon_err(err, errno, "set xattr %s of %s", k, name);
	}
	return 0;
}

/* Owner first (chown clears set-id bits), then mode, attributes, times. */
static int copy_meta(int sfd, int dfd, const struct stat *st, const char *name, cordon_error **err)
{
	if (fchown(dfd, st->st_uid, st->st_gid) < 0 || fchmod(dfd, st->st_mode & 07777) < 0)
		return cordon_err(err, errno, "set owner and mode of %s", name);
	int r = copy_xattrs(sfd, dfd, name, err);
	if (r < 0)
		return r;
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (futimens(dfd, ts) < 0)
		return cordon_err(err, errno, "set times of %s", name);
	return 0;
}

static int copy_file(walk *w, int sdir, int ddir, const char *name, cordon_error **err)
{
	/* O_PATH first: nothing is opened for reading before it is known to
	 * be a regular file of the owner's (a device node or a fifo swapped
	 * in since the directory was read is never opened) */
	_cleanup_close_ int pfd = openat(sdir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 0 : cordon_err(err, errno, "open %s", name);
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return cordon_err(err, errno, "stat %s", name);
	if (!S_ISREG(st.st_mode) || !theirs(w, &st))
		return 0;
	_cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d", pfd);
	_cleanup_close_ int sfd = open(proc, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (sfd < 0)
		return cordon_err(err, errno, "open %s", name);
	_cleanup_close_ int dfd =
	    openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0)
		return cordon_err(err, errno, "create %s", name);
	for (;;) {
		ssize_t n = read(sfd, w->buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cordon_err(err, errno, "read %s", name);
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t k = write(dfd, w->buf + off, (size_t)(n - off));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return cordon_err(err, errno, "write %s", name);
			off += k;
		}
	}
	return copy_meta(sfd, dfd, &st, name, err);
}

static int copy_symlink(walk *w, int sdir, int ddir, const char *name, const struct stat *st,
			cordon_error **err)
{
	_cleanup_free_ char *target = fs_readlink_at(sdir, name);
	if (target == NULL)
		/* replaced by something else since it was read: not copied */
		return errno == EINVAL || errno == ENOENT
			   ? 0
			   : cordon_err(err, errno, "readlink %s", name);
	(void)w;
	if (symlinkat(target, ddir, name) < 0)
		return cordon_err(err, errno, "symlink %s", name);
	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cordon_err(err, errno, "chown %s", name);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cordon_err(err, errno, "set times of %s", name);
	return 0;
}

static int copy_fifo(int ddir, const char *name, const struct stat *st, cordon_error **err)
{
	if (mkfifoat(ddir, name, 0600) < 0)
		return cordon_err(err, errno, "mkfifo %s", name);
	_cleanup_close_ int fd = openat(ddir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s", name);
	_cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d", fd);
	if (fchownat(fd, "", st->st_uid, st->st_gid, AT_EMPTY_PATH) < 0 ||
	    chmod(proc, st->st_mode & 07777) < 0)
		return cordon_err(err, errno, "set owner and mode of %s", name);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cordon_err(err, errno, "set times of %s", name);
	return 0;
}

static int copy_dir(walk *w, int sfd, const struct stat *st, int ddir, const char *name, int depth,
		    cordon_error **err);

static int copy_entry(walk *w, int sdir, int ddir, const char *name, int depth, cordon_error **err)
{
	struct stat st;
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : cordon_err(err, errno, "stat %s", name);
	if (!theirs(w, &st))
		return 0; /* not the owner's, or another file system: left */
	if (S_ISLNK(st.st_mode))
		return copy_symlink(w, sdir, ddir, name, &st, err);
	if (S_ISREG(st.st_mode))
		return copy_file(w, sdir, ddir, name, err);
	if (S_ISFIFO(st.st_mode))
		return copy_fifo(ddir, name, &st, err);
	if (!S_ISDIR(st.st_mode))
		return 0; /* sockets (their listener is gone) and device nodes */
	_cleanup_close_ int fd =
	    openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR
			   ? 0
			   : cordon_err(err, errno, "open %s", name);
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat %s", name);
	if (!theirs(w, &st))
		return 0;
	return copy_dir(w, fd, &st, ddir, name, depth, err);
}

/* Copy the directory sfd (stat st) to ddir/name. */
static int copy_dir(walk *w, int sfd, const struct stat *st, int ddir, const char *name, int depth,
		    cordon_error **err)
{
	if (depth > MAX_DEPTH)
		return 0; /* left in the old revision (MAX_DEPTH) */
	if (mkdirat(ddir, name, 0700) < 0)
		return cordon_err(err, errno, "create %s", name);
	_cleanup_close_ int dfd =
	    openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cordon_err(err, errno, "open %s", name);
	int lfd = fcntl(sfd, F_DUPFD_CLOEXEC, 0);
	if (lfd < 0)
		return cordon_err(err, errno, "dup");
	DIR *d = fdopendir(lfd);
	if (d == NULL) {
		close(lfd);
		return cordon_err(err, errno, "opendir %s", name);
	}
	int r = 0;
	struct dirent *de;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				r = cordon_err(err, errno, "read directory %s", name);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = copy_entry(w, sfd, dfd, de->d_name, depth + 1, err);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	return copy_meta(sfd, dfd, st, name, err);
}

/* One home: ~/snap/<name>/<prev> to ~/snap/<name>/<rev>. */
static int copy_home(walk *w, const char *home, const char *name, const char *prev, const char *rev,
		     cordon_error **err)
{
	_cleanup_close_ int hfd = fs_open_dir(home, O_RDONLY, NULL);
	if (hfd < 0)
		return 0;
	struct stat hst;
	if (fstat(hfd, &hst) < 0)
		return cordon_err(err, errno, "stat %s", home);
	/* ~/snap and ~/snap/<name> are the user's to replace with links:
	 * a link is not followed (that home then has nothing copied) */
	_cleanup_close_ int sfd =
	    openat(hfd, "snap", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return 0;
	_cleanup_close_ int nfd =
	    openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nfd < 0)
		return 0;
	_cleanup_close_ int pfd =
	    openat(nfd, prev, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return 0;
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return cordon_err(err, errno, "stat %s/snap/%s/%s", home, name, prev);
	w->uid = hst.st_uid;
	w->dev = st.st_dev;
	if (st.st_uid != hst.st_uid)
		return 0; /* not the home owner's: nothing of it is copied */
	free(w->path);
	w->path = xasprintf("%s/snap/%s/%s", home, name, prev);
	int r = fs_rm_rf_at(nfd, rev, err); /* leftovers of an undone attempt */
	if (r < 0)
		return r;
	r = copy_dir(w, pfd, &st, nfd, rev, 0, err);
	if (r < 0 && err && *err)
		cordon_err_prefix(err, "copy %s to %s", w->path, rev);
	return r;
}

int cordon_user_data_copy(cordon_ctx *ctx, const char *name, const char *prev, const char *rev,
			  cordon_error **err)
{
	if (prev == NULL || strcmp(prev, rev) == 0)
		return 0;
	_cleanup_strv_ strv homes = {0};
	cordon_user_homes(ctx, &homes);
	walk w = {.buf = xmalloc(CHUNK)};
	int r = 0;
	for (size_t i = 0; r == 0 && i < homes.n; i++)
		r = copy_home(&w, homes.v[i], name, prev, rev, err);
	free(w.buf);
	free(w.path);
	return r;
}
