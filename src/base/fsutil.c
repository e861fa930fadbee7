#include "fsutil.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

/* Split an absolute path into components, rejecting "." and ".." so a walk
 * can never climb out of where it was meant to go. */
static int next_component(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	while (*s == '/')
		s++;
	if (*s == '\0')
		return 0;
	const char *e = strchrnul(s, '/');
	size_t n = (size_t)(e - s);
	if (n >= cap || n > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(out, s, n);
	out[n] = '\0';
	if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		return -EINVAL;
	*p = e;
	return 1;
}

/* How much one read() takes: the granularity of a copy, not a limit (a file
 * of any size is read in as many). */
#define FS_READ_CHUNK 65536

static int check_root_owned(int fd, const char *what, cordon_error **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat %s", what);
	if (st.st_uid != 0)
		return cordon_err_msg(err, EPERM, "%s is not owned by root", what);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return cordon_err_msg(err, EPERM, "%s is writable by group or others", what);
	return 0;
}

/* The one walk from / down an absolute path, a component at a time with
 * O_NOFOLLOW: a symlink anywhere on the way is refused (ELOOP/ENOTDIR), so
 * nobody who can write a directory on the way redirects a privileged open. */
typedef struct walk_opts {
	int flags;	 /* open flags of the last component (O_PATH on the way) */
	bool root_owned; /* each step root's, not writable by group or others */
	bool create;	 /* make what is missing: mode 0000, then uid:gid mode */
	mode_t mode;
	uid_t uid;
	gid_t gid;
} walk_opts;

static int walk(const char *abs_path, const walk_opts *o, cordon_error **err)
{
	if (abs_path[0] != '/')
		return cordon_err_msg(err, EINVAL, "path %s is not absolute", abs_path);
	/* fchown/fchmod need a real fd at each step that may be created */
	int step_flags = o->create ? O_RDONLY : O_PATH;
	int fd = open("/", step_flags | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open /");
	int r = o->root_owned ? check_root_owned(fd, "/", err) : 0;
	const char *p = abs_path;
	char name[NAME_MAX + 1];
	while (r == 0) {
		r = next_component(&p, name, sizeof name);
		if (r < 0) {
			r = cordon_err(err, -r, "walk %s", abs_path);
			break;
		}
		if (r == 0)
			break;
		r = 0;
		bool created = false;
		if (o->create) {
			/* 0000 until it has its owner and mode: nobody
			 * uses it half-made (snap-confine's pattern) */
			if (mkdirat(fd, name, 0000) == 0)
				created = true;
			else if (errno != EEXIST) {
				r = cordon_err(err, errno, "mkdir %s (at %s)", abs_path, name);
				break;
			}
		}
		bool last = (*p == '\0' || strspn(p, "/") == strlen(p));
		int nfd =
		    openat(fd, name,
			   (last ? o->flags : step_flags) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		fd = nfd;
		if (fd < 0) {
			r = cordon_err(err, e, "open %s (at %s)", abs_path, name);
			break;
		}
		if (created && (fchown(fd, o->uid, o->gid) < 0 || fchmod(fd, o->mode) < 0))
			r = cordon_err(err, errno, "set owner and mode of %s", abs_path);
		else if (o->root_owned)
			r = check_root_owned(fd, abs_path, err);
	}
	if (r == 0 && (o->flags & O_PATH) == 0 && strcmp(abs_path, "/") == 0) {
		close(fd);
		fd = open("/", o->flags | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			r = cordon_err(err, errno, "open /");
	}
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

int fs_open_dir(const char *abs_path, int flags, cordon_error **err)
{
	return walk(abs_path, &(walk_opts){.flags = flags}, err);
}

int fs_open_path_nofollow(const char *abs_path)
{
	if (abs_path[0] != '/')
		return -EINVAL;
	const char *slash = strrchr(abs_path, '/');
	_cleanup_free_ char *dir =
	    slash == abs_path ? xstrdup("/") : xstrndup(abs_path, (size_t)(slash - abs_path));
	int dfd = walk(dir, &(walk_opts){.flags = O_PATH}, NULL);
	if (dfd < 0)
		return dfd;
	if (slash[1] == '\0')
		return dfd;
	int fd = openat(dfd, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(dfd);
	if (fd < 0)
		return -e;
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
		close(fd);
		return -ELOOP;
	}
	return fd;
}

int fs_glob(const char *pattern, strv *out, cordon_error **err)
{
	glob_t g = {0};
	/* no GLOB_ERR: see the header */
	int gr = glob(pattern, 0, NULL, &g);
	if (gr == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			strv_push(out, g.gl_pathv[i]);
	globfree(&g);
	if (gr == 0 || gr == GLOB_NOMATCH)
		return 0;
	if (gr == GLOB_NOSPACE)
		abort(); /* allocation failure, as xmalloc */
	return cordon_err_msg(err, EIO, "glob %s failed", pattern);
}

int fs_list_dir_at(int dirfd, strv *out, cordon_error **err)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return cordon_err(err, e, "list a directory");
	}
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_push(out, de->d_name);
		errno = 0;
	}
	int e = errno;
	closedir(d);
	if (e != 0)
		return cordon_err(err, e, "list a directory");
	return 0;
}

int fs_open_dir_root_owned(const char *abs_path, cordon_error **err)
{
	return walk(abs_path, &(walk_opts){.flags = O_RDONLY, .root_owned = true}, err);
}

int fs_ensure_dir_at(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
		     cordon_error **err)
{
	/* Create with mode 0000 so nobody can use it before it has its final
	 * owner and mode (snap-confine's pattern). */
	bool created = false;
	if (mkdirat(dirfd, name, 0000) == 0)
		created = true;
	else if (errno != EEXIST)
		return cordon_err(err, errno, "mkdir %s", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s", name);
	if (created) {
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0) {
			int e = errno;
			close(fd);
			return cordon_err(err, e, "set owner and mode of %s", name);
		}
		return fd;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return cordon_err(err, e, "stat %s", name);
	}
	if (st.st_uid != uid || st.st_gid != gid || (st.st_mode & 07777) != mode) {
		close(fd);
		return cordon_err_msg(err, EPERM,
				      "%s exists with owner %u:%u mode %04o, expected %u:%u %04o; "
				      "refusing to use it",
				      name, st.st_uid, st.st_gid, st.st_mode & 07777, uid, gid,
				      mode);
	}
	return fd;
}

int fs_mkdir_p(const char *abs_path, mode_t mode, uid_t uid, gid_t gid, cordon_error **err)
{
	walk_opts o = {.flags = O_RDONLY, .create = true, .mode = mode, .uid = uid, .gid = gid};
	return walk(abs_path, &o, err);
}

int fs_read_at(int dirfd, const char *name, size_t max, char **data, size_t *len,
	       cordon_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cordon_err(err, errno, "open %s", name);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat %s", name);
	if (!S_ISREG(st.st_mode))
		return cordon_err_msg(err, EINVAL, "%s is not a regular file", name);
	if ((uint64_t)st.st_size > max)
		return cordon_err_msg(err, EFBIG, "%s is larger than %zu bytes", name, max);
	_cleanup_buf_ buf b = {0};
	char chunk[FS_READ_CHUNK];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cordon_err(err, errno, "read %s", name);
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max)
			return cordon_err_msg(err, EFBIG, "%s is larger than %zu bytes", name, max);
		buf_add(&b, chunk, (size_t)n);
	}
	*len = b.len;
	*data = buf_steal(&b);
	return 0;
}

char *fs_readlink_at(int dirfd, const char *name)
{
	char *text = xmalloc(PATH_MAX);
	ssize_t n = readlinkat(dirfd, name, text, PATH_MAX);
	if (n >= 0 && n < PATH_MAX) {
		text[n] = '\0';
		return text;
	}
	int e = n < 0 ? errno : ENAMETOOLONG;
	free(text);
	errno = e;
	return NULL;
}

int fs_read_path(const char *path, size_t max, char **data, size_t *len, cordon_error **err)
{
	return fs_read_at(AT_FDCWD, path, max, data, len, err);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

bool fs_still_names(const char *dir, const char *name, dev_t dev, ino_t ino)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	struct stat st;
	return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == dev &&
	       st.st_ino == ino;
}

int fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		       cordon_error **err)
{
	/* One temporary name per file, not per writer: every writer of a file
	 * holds the lock that guards it (the store's, a snap's namespace
	 * lock), and a writer killed before the rename leaves a file the next
	 * write of the same name replaces instead of one more left behind. */
	_cleanup_free_ char *tmp = xasprintf(".%s.tmp", name);
	(void)unlinkat(dirfd, tmp, 0);
	_cleanup_close_ int fd =
	    openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return cordon_err(err, errno, "create %s", tmp);
	int r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return cordon_err(err, -r, "write %s", name);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		(void)unlinkat(dirfd, tmp, 0);
		return cordon_err(err, e, "rename %s", name);
	}
	if (fsync(dirfd) < 0 && errno != EINVAL)
		return cordon_err(err, errno, "fsync directory of %s", name);
	return 0;
}

int fs_write_str_at(int dirfd, const char *name, const char *s, cordon_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s", name);
	int r = write_all(fd, s, strlen(s));
	if (r < 0)
		return cordon_err(err, -r, "write \"%s\" to %s", s, name);
	return 0;
}

static int mnt_id_at(int dirfd, const char *name, int flags, uint64_t *id)
{
	struct statx stx;
	if (statx(dirfd, name, flags | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -ENOSYS;
	*id = stx.stx_mnt_id;
	return 0;
}

int fs_is_mountpoint_at(int dirfd, const char *name, bool *result, cordon_error **err)
{
	uint64_t a, b;
	int r = mnt_id_at(dirfd, name, 0, &a);
	if (r < 0)
		return cordon_err(err, -r, "statx %s", name);
	_cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s", name);
	r = mnt_id_at(fd, "..", 0, &b);
	if (r < 0)
		return cordon_err(err, -r, "statx %s/..", name);
	*result = a != b;
	return 0;
}

static int rm_rf_fd(int dirfd, const char *path, cordon_error **err)
{
	_cleanup_close_ int fd = dup(dirfd);
	if (fd < 0)
		return cordon_err(err, errno, "dup");
	DIR *d = fdopendir(fd);
	if (d == NULL)
		return cordon_err(err, errno, "opendir %s", path);
	fd = -1;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = fs_rm_rf_at(dirfd, de->d_name, err);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int fs_rm_rf_at(int dirfd, const char *name, cordon_error **err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return cordon_err(err, errno, "stat %s", name);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return cordon_err(err, errno, "unlink %s", name);
		return 0;
	}
	bool is_mount = false;
	int r = fs_is_mountpoint_at(dirfd, name, &is_mount, err);
	if (r < 0)
		return r;
	if (is_mount)
		/* Never recurse into a mount: a bind of a user's directory or
		 * of the host would otherwise be emptied. */
		return cordon_err_msg(err, EBUSY, "%s is a mount point; not removing it", name);
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s", name);
	r = rm_rf_fd(fd, name, err);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return cordon_err(err, errno, "rmdir %s", name);
	return 0;
}

static int copy_meta(int fd, const struct stat *st, const char *name, cordon_error **err)
{
	if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0)
		return cordon_err(err, errno, "set owner and mode of %s", name);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (futimens(fd, ts) < 0)
		return cordon_err(err, errno, "set times of %s", name);
	return 0;
}

static int copy_file(int sfd, int ddirfd, const char *name, const struct stat *st,
		     cordon_error **err)
{
	_cleanup_close_ int dfd =
	    openat(ddirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0)
		return cordon_err(err, errno, "create %s", name);
	char chunk[FS_READ_CHUNK];
	for (;;) {
		ssize_t n = read(sfd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cordon_err(err, errno, "read %s", name);
		}
		if (n == 0)
			break;
		int r = write_all(dfd, chunk, (size_t)n);
		if (r < 0)
			return cordon_err(err, -r, "write %s", name);
	}
	return copy_meta(dfd, st, name, err);
}

int fs_copy_tree_at(int src_dirfd, const char *src, int dst_dirfd, const char *dst,
		    cordon_error **err)
{
	struct stat st;
	if (fstatat(src_dirfd, src, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cordon_err(err, errno, "stat %s", src);
	if (S_ISLNK(st.st_mode)) {
		_cleanup_free_ char *target = fs_readlink_at(src_dirfd, src);
		if (target == NULL)
			return cordon_err(err, errno, "readlink %s", src);
		if (symlinkat(target, dst_dirfd, dst) < 0)
			return cordon_err(err, errno, "symlink %s", dst);
		if (fchownat(dst_dirfd, dst, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return cordon_err(err, errno, "chown %s", dst);
		struct timespec ts[2] = {st.st_atim, st.st_mtim};
		(void)utimensat(dst_dirfd, dst, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int sfd = openat(src_dirfd, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			return cordon_err(err, errno, "open %s", src);
		return copy_file(sfd, dst_dirfd, dst, &st, err);
	}
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		/* sockets are not carried over (their listener is gone); fifos are */
		if (S_ISSOCK(st.st_mode))
			return 0;
		if (mkfifoat(dst_dirfd, dst, 0600) < 0)
			return cordon_err(err, errno, "mkfifo %s", dst);
		_cleanup_close_ int fd = openat(dst_dirfd, dst, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return cordon_err(err, errno, "open %s", dst);
		if (fchownat(dst_dirfd, dst, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(dst_dirfd, dst, st.st_mode & 07777, 0) < 0)
			return cordon_err(err, errno, "set owner and mode of %s", dst);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0; /* device nodes are never copied */
	if (mkdirat(dst_dirfd, dst, 0700) < 0 && errno != EEXIST)
		return cordon_err(err, errno, "mkdir %s", dst);
	_cleanup_close_ int sfd =
	    openat(src_dirfd, src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return cordon_err(err, errno, "open %s", src);
	_cleanup_close_ int dfd =
	    openat(dst_dirfd, dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cordon_err(err, errno, "open %s", dst);
	int lfd = dup(sfd);
	if (lfd < 0)
		return cordon_err(err, errno, "dup");
	DIR *d = fdopendir(lfd);
	if (d == NULL) {
		close(lfd);
		return cordon_err(err, errno, "opendir %s", src);
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = fs_copy_tree_at(sfd, de->d_name, dfd, de->d_name, err);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	return copy_meta(dfd, &st, dst, err);
}

int fs_symlink_atomic_at(const char *target, int dirfd, const char *name, cordon_error **err)
{
	_cleanup_free_ char *tmp = xasprintf(".%s.lnk.%d", name, (int)getpid());
	(void)unlinkat(dirfd, tmp, 0);
	if (symlinkat(target, dirfd, tmp) < 0)
		return cordon_err(err, errno, "symlink %s", name);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		(void)unlinkat(dirfd, tmp, 0);
		return cordon_err(err, e, "rename symlink %s", name);
	}
	return 0;
}
