#include "fsutil.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Directories are never published half-made.
 *
 * The old pattern (mkdir with mode 0000, then fchown, then fchmod, under the
 * final name) left a directory of mode 0000 behind whenever its maker died in
 * between: a user may SIGKILL their own setuid launch at any point, and every
 * later run then refused (or silently kept) that directory. Now a directory
 * is made under a temporary name in the same parent, given its owner and mode
 * through the fd, and only then renamed into place with RENAME_NOREPLACE, so
 * the final name is either missing or finished. What a dead maker leaves is
 * an empty temporary directory, which the next maker in that parent removes.
 *
 * The temporary name is MKDIR_TMP_PREFIX<pid>.<counter>. A temporary is
 * removed only when its pid is gone (kill(pid, 0): ESRCH), it is an empty
 * directory (rmdir refuses anything else, and a mount point) and it is
 * root's (or whoever runs this code: nobody else can have made it in the
 * parents this runs in). The pid test is not what makes this safe, it only
 * keeps concurrent makers (several launches of different snaps make their
 * directories in the same parent) from removing each other's temporaries:
 *  - a reused pid keeps a dead maker's temporary until that pid is gone too
 *    (a leftover, harmless: mode 0000 or never named where it is used);
 *  - a maker in another pid namespace may look dead and lose its temporary:
 *    its rename then fails with ENOENT and it starts over with a new name.
 * A temporary is never trusted by name: its maker holds an fd of it, checks
 * after mkdir that it opened what it made (its owner, mode 0000), and after
 * the rename that the final name is that same inode. So a parent writable by
 * others (a snap's own SNAP_DATA subdirectory) cannot get someone else's
 * directory published under our name either. */
#define MKDIR_TMP_PREFIX ".cordon-mkdir."
#define MKDIR_TRIES 8

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Is `name` a temporary of a dead maker? */
static bool stale_tmp(int dirfd, const char *name)
{
	const char *p = name + strlen(MKDIR_TMP_PREFIX);
	char *end;
	errno = 0;
	long pid = strtol(p, &end, 10);
	if (errno != 0 || end == p || *end != '.' || pid <= 0 || pid > INT_MAX)
		return false;
	if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return false;
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid();
}

/* Remove the temporaries dead makers left in dirfd (best effort: one that
 * stays is only clutter, see above). */
static void sweep_stale_tmps(int dirfd)
{
	int lfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0)
		return;
	DIR *d = fdopendir(lfd);
	if (d == NULL) {
		close(lfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (str_has_prefix(de->d_name, MKDIR_TMP_PREFIX) && stale_tmp(dirfd, de->d_name))
			(void)unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
	closedir(d);
}

/* Make `name` in dirfd, finished (uid:gid, mode) before it has that name.
 * Returns an O_RDONLY fd of it, -EEXIST (err untouched) when the name is
 * taken (by a concurrent maker, or anything else: the caller opens and checks
 * it), or the error. */
static int make_dir_at(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
		       cordon_error **err)
{
	if (uid == geteuid() && gid == getegid()) {
		/* Ours: mkdir gives it owner and mode at once (umask aside, for
		 * this one call), so it is never half-made and a dead maker
		 * leaves nothing. The launcher and the store are
		 * single-threaded: the umask of no other thread changes. */
		mode_t old = umask(0);
		int rc = mkdirat(dirfd, name, mode);
		int e = errno;
		umask(old);
		if (rc < 0)
			return e == EEXIST ? -EEXIST : cordon_err(err, e, "mkdir %s", name);
		_cleanup_close_ int fd =
		    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return cordon_err(err, errno, "open %s", name);
		struct stat st;
		if (fstat(fd, &st) < 0)
			return cordon_err(err, errno, "stat %s", name);
		/* a parent with the set-group-ID bit gives its group (and
		 * the bit): put right at once, ours as it is */
		if ((st.st_gid != gid || (st.st_mode & 07777) != mode) &&
		    (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0))
			return cordon_err(err, errno, "set owner and mode of %s", name);
		return steal_fd(fd);
	}
	static unsigned counter;
	sweep_stale_tmps(dirfd);
	for (int tries = 0; tries < MKDIR_TRIES; tries++) {
		char tmp[sizeof MKDIR_TMP_PREFIX + 32];
		snprintf(tmp, sizeof tmp, MKDIR_TMP_PREFIX "%d.%u", (int)getpid(),
			 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
		if (mkdirat(dirfd, tmp, 0000) < 0) {
			if (errno == EEXIST)
				continue; /* a dead maker's, of the same pid */
			return cordon_err(err, errno, "mkdir %s", name);
		}
		_cleanup_close_ int fd =
		    openat(dirfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* swept by a maker that took us for dead */
			return cordon_err(err, errno, "open %s (made as %s)", name, tmp);
		}
		struct stat st;
		if (fstat(fd, &st) < 0)
			return cordon_err(err, errno, "stat %s (made as %s)", name, tmp);
		if (st.st_uid != geteuid() || (st.st_mode & 07777) != 0)
			/* not what mkdir made: someone who can write the
			 * parent swapped it; theirs is left alone */
			return cordon_err_msg(err, EPERM, "%s: %s was replaced while being made",
					      name, tmp);
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0) {
			int e = errno;
			(void)unlinkat(dirfd, tmp, AT_REMOVEDIR);
			return cordon_err(err, e, "set owner and mode of %s", name);
		}
		if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) < 0) {
			int e = errno;
			if (e == ENOENT)
				continue;
			(void)unlinkat(dirfd, tmp, AT_REMOVEDIR);
			if (e == EEXIST)
				return -EEXIST;
			return cordon_err(err, e, "rename %s to %s", tmp, name);
		}
		struct stat now;
		if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0)
			return cordon_err(err, errno, "stat %s", name);
		if (!same_inode(&st, &now))
			return cordon_err_msg(err, EPERM, "%s was replaced while being made", name);
		return steal_fd(fd);
	}
	return cordon_err_msg(err, EAGAIN, "mkdir %s: no temporary name left after %d tries", name,
			      MKDIR_TRIES);
}

/* A directory made by the old pattern and left half-made: mode 0000, ours
 * (root's), empty, in a parent that is ours and not writable by group or
 * others. Only we can have made it there, and nobody sets mode 0000 on an
 * empty directory of ours but that pattern, so finishing it is finishing our
 * own work; a directory someone else made (another owner), one that holds
 * anything, or one in a parent others can write is not this, and is left to
 * the caller's checks (and refused). */
static bool legacy_half_made(int dirfd, int fd, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode) || st->st_uid != geteuid() || (st->st_mode & 07777) != 0)
		return false;
	struct stat pst;
	if (fstat(dirfd, &pst) < 0 || pst.st_uid != geteuid() ||
	    (pst.st_mode & (S_IWGRP | S_IWOTH)))
		return false;
	int lfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0)
		return false;
	DIR *d = fdopendir(lfd);
	if (d == NULL) {
		close(lfd);
		return false;
	}
	bool empty = true;
	struct dirent *de;
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Open `name` in dirfd as a directory (flags: O_RDONLY or O_PATH, with
 * O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC added), making it when missing. *st is
 * what it is now; *made says it was made or finished here (it has uid:gid and
 * mode), else the caller judges it. The warm path is one openat and one
 * fstat. */
static int open_or_make_dir(int dirfd, const char *name, int flags, mode_t mode, uid_t uid,
			    gid_t gid, struct stat *st, bool *made, cordon_error **err)
{
	*made = false;
	for (int tries = 0; tries < MKDIR_TRIES; tries++) {
		_cleanup_close_ int fd =
		    openat(dirfd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT)
			return cordon_err(err, errno, "open %s", name);
		if (fd < 0) {
			int r = make_dir_at(dirfd, name, mode, uid, gid, err);
			if (r == -EEXIST)
				continue; /* made meanwhile by someone: open and judge it */
			if (r < 0)
				return r;
			fd = r;
			if (fstat(fd, st) < 0)
				return cordon_err(err, errno, "stat %s", name);
			*made = true;
			return steal_fd(fd);
		}
		if (fstat(fd, st) < 0)
			return cordon_err(err, errno, "stat %s", name);
		bool wanted =
		    st->st_uid == uid && st->st_gid == gid && (st->st_mode & 07777) == mode;
		if (!wanted && (flags & O_PATH) == 0 && legacy_half_made(dirfd, fd, st)) {
			if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0 || fstat(fd, st) < 0)
				return cordon_err(err, errno, "finish the half-made %s", name);
			*made = true;
		}
		return steal_fd(fd);
	}
	return cordon_err_msg(err, EAGAIN, "open %s: it keeps appearing and going", name);
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

/* A plain walk (nothing made, nothing checked on the way) in one call:
 * openat2's RESOLVE_NO_SYMLINKS refuses a symlink anywhere on the way as the
 * walk's O_NOFOLLOW at each step does, and the components the walk refuses
 * ("." and "..", too long) are refused here before the call. A launch opens
 * dozens of directories this way (a view lists each it makes up): one call
 * each instead of an open and a close per level. -1 when it cannot (an old
 * kernel, a refused path, or the open failed): the walk then runs, and says
 * exactly which step failed. */
static int walk_at_once(const char *abs_path, int flags)
{
	for (const char *s = abs_path; *s;) {
		s += strspn(s, "/");
		size_t n = strcspn(s, "/");
		if (n > NAME_MAX || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return -1;
		s += n;
	}
	struct open_how how = {.flags = (uint64_t)(flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
			       .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	return (int)syscall(SYS_openat2, AT_FDCWD, abs_path, &how, sizeof how);
}

static int walk(const char *abs_path, const walk_opts *o, cordon_error **err)
{
	if (abs_path[0] != '/')
		return cordon_err_msg(err, EINVAL, "path %s is not absolute", abs_path);
	if (!o->create && !o->root_owned) {
		int fd = walk_at_once(abs_path, o->flags);
		if (fd >= 0)
			return fd;
	}
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
		bool last = (*p == '\0' || strspn(p, "/") == strlen(p));
		int flags = last ? o->flags : step_flags;
		int nfd;
		if (o->create) {
			struct stat st;
			bool made;
			nfd = open_or_make_dir(fd, name, flags, o->mode, o->uid, o->gid, &st, &made,
					       err);
			close(fd);
			fd = nfd;
			if (fd < 0) {
				r = fd;
				(void)cordon_err_prefix(err, "walk %s", abs_path);
				break;
			}
		} else {
			nfd = openat(fd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int e = errno;
			close(fd);
			fd = nfd;
			if (fd < 0) {
				r = cordon_err(err, e, "open %s (at %s)", abs_path, name);
				break;
			}
		}
		if (o->root_owned)
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

/* struct linux_dirent64 (getdents64(2)); glibc has no declaration of it */
struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define DIRENTS_BUF 32768

void fs_dirents_init(fs_dirents *d, int fd)
{
	*d = (fs_dirents){.fd = fd};
}

int fs_dirents_next(fs_dirents *d, const char **name, unsigned char *type)
{
	for (;;) {
		if (d->pos >= d->len) {
			if (d->buf == NULL)
				d->buf = xmalloc(DIRENTS_BUF);
			long n = syscall(SYS_getdents64, d->fd, d->buf, DIRENTS_BUF);
			if (n < 0)
				return -errno;
			if (n == 0)
				return 0;
			d->len = (size_t)n;
			d->pos = 0;
		}
		const struct dirent64_raw *e = (const void *)(d->buf + d->pos);
		/* the kernel's records: a length that does not advance or
		 * passes the end would loop or read beyond what was read */
		if (e->d_reclen < offsetof(struct dirent64_raw, d_name) + 1 ||
		    e->d_reclen > d->len - d->pos)
			return -EIO;
		d->pos += e->d_reclen;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		*name = e->d_name;
		*type = e->d_type;
		return 1;
	}
}

void fs_dirents_free(fs_dirents *d)
{
	free(d->buf);
	*d = (fs_dirents){.fd = -1};
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

int fs_open_dir_root_owned_at(int dirfd, const char *name, cordon_error **err)
{
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return cordon_err_msg(err, EINVAL, "%s is not one path component", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s", name);
	int r = check_root_owned(fd, name, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int fs_ensure_dir_at(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
		     cordon_error **err)
{
	struct stat st;
	bool made;
	_cleanup_close_ int fd =
	    open_or_make_dir(dirfd, name, O_RDONLY, mode, uid, gid, &st, &made, err);
	if (fd < 0)
		return fd;
	if (!made && (st.st_uid != uid || st.st_gid != gid || (st.st_mode & 07777) != mode))
		return cordon_err_msg(err, EPERM,
				      "%s exists with owner %u:%u mode %04o, expected %u:%u %04o; "
				      "refusing to use it",
				      name, st.st_uid, st.st_gid, st.st_mode & 07777, uid, gid,
				      mode);
	return steal_fd(fd);
}

int fs_mkdir_p(const char *abs_path, mode_t mode, uid_t uid, gid_t gid, cordon_error **err)
{
	walk_opts o = {.flags = O_RDONLY, .create = true, .mode = mode, .uid = uid, .gid = gid};
	return walk(abs_path, &o, err);
}

int fs_mkdir_at(int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid, cordon_error **err)
{
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return cordon_err_msg(err, EINVAL, "%s is not one path component", name);
	struct stat st;
	bool made;
	return open_or_make_dir(dirfd, name, O_RDONLY, mode, uid, gid, &st, &made, err);
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
	/* Read on the stack, keep only the text: a launch reads one link per
	 * granted path (targets.c), and a page kept per link was most of the
	 * launcher's heap, each one a fresh page to fault in. */
	char text[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, text, sizeof text);
	if (n >= 0 && n < PATH_MAX)
		return xstrndup(text, (size_t)n);
	errno = n < 0 ? errno : ENAMETOOLONG;
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

static int write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			bool durable, cordon_error **err)
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
	if (r == 0 && durable && fsync(fd) < 0)
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
	if (durable && fsync(dirfd) < 0 && errno != EINVAL)
		return cordon_err(err, errno, "fsync directory of %s", name);
	return 0;
}

int fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		       cordon_error **err)
{
	return write_atomic(dirfd, name, data, len, mode, true, err);
}

int fs_write_runtime_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			cordon_error **err)
{
	return write_atomic(dirfd, name, data, len, mode, false, err);
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
	/* One temporary name per link (not per writer), so a writer killed
	 * before its rename leaves nothing the next write does not replace.
	 * Writers of one link all write the same target (two launches of one
	 * revision by one user): whichever rename lands, the link is right, and
	 * a writer whose temporary another took finds it so. */
	/* a new link is made at once, with nothing left if killed */
	if (symlinkat(target, dirfd, name) == 0)
		return 0;
	if (errno != EEXIST)
		return cordon_err(err, errno, "symlink %s", name);
	_cleanup_free_ char *tmp = xasprintf(".%s.lnk", name);
	for (int tries = 0; tries < 4; tries++) {
		(void)unlinkat(dirfd, tmp, 0);
		if (symlinkat(target, dirfd, tmp) < 0) {
			if (errno == EEXIST)
				continue;
			return cordon_err(err, errno, "symlink %s", name);
		}
		if (renameat(dirfd, tmp, dirfd, name) == 0)
			return 0;
		int e = errno;
		_cleanup_free_ char *now = fs_readlink_at(dirfd, name);
		if (e == ENOENT && now && strcmp(now, target) == 0)
			return 0;
		(void)unlinkat(dirfd, tmp, 0);
		return cordon_err(err, e, "rename symlink %s", name);
	}
	return cordon_err_msg(err, EAGAIN, "symlink %s: its temporary name stays taken", name);
}
