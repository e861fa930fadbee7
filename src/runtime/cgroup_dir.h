/* The label's directory in one cgroup hierarchy and the reads and writes of
 * cgroup files, shared by the hierarchies (cgroup.c) and the device rules
 * (cgroup_devices.c). Internal to those two. */
#pragma once
#include "error.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The label's directory (created with its parent) in one hierarchy. */
typedef struct cg_dir {
	int fd;	     /* <mount>/<parent>/<label>, O_RDONLY */
	char *where; /* its path, for messages */
} cg_dir;

/* A whole kernel text file from dirfd (no symlink). */
static inline int read_all_at(int dirfd, const char *name, char **out, cordon_error **err)
{
	size_t len;
	return fs_read_at(dirfd, name, FS_KERNEL_TEXT_MAX, out, &len, err);
}

/* One write(2) per cgroup command: the kernel parses each write on its own. */
static inline int write_at(int dirfd, const char *name, const char *s, const char *where,
			   cordon_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s/%s", where, name);
	size_t len = strlen(s);
	ssize_t w = write(fd, s, len);
	if (w < 0)
		return cordon_err(err, errno, "write \"%s\" to %s/%s", s, where, name);
	if ((size_t)w != len)
		return cordon_err_msg(err, EIO, "short write of \"%s\" to %s/%s", s, where, name);
	return 0;
}
