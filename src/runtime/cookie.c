#include "cookie.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int dir_checked(int opened, const char *cookie_dir, cordon_error *e, cordon_error **err)
{
	_cleanup_close_ int fd = opened;
	if (fd < 0) {
		if (fd == -ENOENT) {
			cordon_error_free(&e);
			return -ENOENT;
		}
		*err = e;
		return fd;
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat %s", cookie_dir);
	/* readable by anyone else, it would hand out every snap's identity */
	if ((st.st_mode & 07777) != 0700)
		return cordon_err_msg(err, EPERM, "%s has mode %04o, not 0700; refusing it",
				      cookie_dir, st.st_mode & 07777);
	return steal_fd(fd);
}

int cordon_cookie_dir_open(const char *cookie_dir, cordon_error **err)
{
	cordon_error *e = NULL;
	int fd = fs_open_dir_root_owned(cookie_dir, &e);
	return dir_checked(fd, cookie_dir, e, err);
}

int cordon_cookie_dir_open_at(int state_fd, const char *cookie_dir, cordon_error **err)
{
	cordon_error *e = NULL;
	int fd = fs_open_dir_root_owned_at(state_fd, "cookie", &e);
	return dir_checked(fd, cookie_dir, e, err);
}

char *cordon_cookie_file_name(const char *instance)
{
	return xasprintf("snap.%s", instance);
}

int cordon_cookie_read_at(int dirfd, const char *name, char *out, cordon_error **err)
{
	/* O_NONBLOCK: a FIFO in its place (only root could put one there)
	 * must not hang the reader; it is refused below */
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return cordon_err(err, errno, "open cookie %s", name);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat cookie %s", name);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0600)
		return cordon_err_msg(
		    err, EPERM, "cookie %s is not a root-owned file of mode 0600; refusing it",
		    name);
	if (st.st_size != CORDON_COOKIE_LEN)
		return cordon_err_msg(err, EINVAL, "cookie %s has the wrong length", name);
	size_t got = 0;
	while (got < CORDON_COOKIE_LEN) {
		ssize_t n = read(fd, out + got, CORDON_COOKIE_LEN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cordon_err(err, errno, "read cookie %s", name);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	if (!cordon_cookie_valid(out, got)) {
		memset(out, 0, CORDON_COOKIE_LEN + 1);
		return cordon_err_msg(err, EINVAL, "cookie %s is malformed", name);
	}
	return 0;
}
