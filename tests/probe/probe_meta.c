/* probe operations on file metadata: modes, owners, extended attributes,
 * ACLs, times, inode flags. Each is the raw system call it names, so that
 * the one a test lists is the one the kernel (and seccomp) sees. The fd forms
 * open the path O_RDONLY first: an app can open any file it may read.
 * (The output convention is at the top of probe.c.)
 *
 *   lchown PATH UID GID | fchown PATH UID GID | fchownat PATH UID GID
 *   setxattr PATH NAME VALUE | lsetxattr ... | fsetxattr ...
 *   removexattr PATH NAME | lremovexattr ... | fremovexattr ...
 *   getxattr PATH NAME     OK <value>
 *   set-acl PATH UID       system.posix_acl_access granting UID read+write
 *   utime PATH | utimes PATH | futimesat PATH    times set to the epoch
 *   utimensat PATH         times set to the epoch (needs ownership)
 *   utimensat-now PATH     times set to now (needs write permission)
 *   futimens PATH          times set to the epoch through an fd
 *   setflags PATH          FS_IOC_SETFLAGS adding FS_NODUMP_FL (chattr +d)
 */
#include "probe.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

static int result(long r, const char *step)
{
	return r < 0 ? fail(step) : ok(NULL);
}

/* Run fn on an O_RDONLY fd of path; errno of the failing step kept. */
static int with_fd(const char *path, long (*fn)(int fd, char **a), char **a, const char *step)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail("open");
	long r = fn(fd, a);
	int e = errno;
	close(fd);
	errno = e;
	return result(r, step);
}

static int op_lchown(char **a)
{
	return result(
	    syscall(SYS_lchown, a[0], (uid_t)parse_num(a[1], 10), (gid_t)parse_num(a[2], 10)),
	    "lchown");
}

static long do_fchown(int fd, char **a)
{
	return syscall(SYS_fchown, fd, (uid_t)parse_num(a[1], 10), (gid_t)parse_num(a[2], 10));
}

static int op_fchown(char **a)
{
	return with_fd(a[0], do_fchown, a, "fchown");
}

static int op_fchownat(char **a)
{
	return result(syscall(SYS_fchownat, AT_FDCWD, a[0], (uid_t)parse_num(a[1], 10),
			      (gid_t)parse_num(a[2], 10), 0),
		      "fchownat");
}

static int op_setxattr(char **a)
{
	return result(syscall(SYS_setxattr, a[0], a[1], a[2], strlen(a[2]), 0), "setxattr");
}

static int op_lsetxattr(char **a)
{
	return result(syscall(SYS_lsetxattr, a[0], a[1], a[2], strlen(a[2]), 0), "lsetxattr");
}

static long do_fsetxattr(int fd, char **a)
{
	return syscall(SYS_fsetxattr, fd, a[1], a[2], strlen(a[2]), 0);
}

static int op_fsetxattr(char **a)
{
	return with_fd(a[0], do_fsetxattr, a, "fsetxattr");
}

static int op_removexattr(char **a)
{
	return result(syscall(SYS_removexattr, a[0], a[1]), "removexattr");
}

static int op_lremovexattr(char **a)
{
	return result(syscall(SYS_lremovexattr, a[0], a[1]), "lremovexattr");
}

static long do_fremovexattr(int fd, char **a)
{
	return syscall(SYS_fremovexattr, fd, a[1]);
}

static int op_fremovexattr(char **a)
{
	return with_fd(a[0], do_fremovexattr, a, "fremovexattr");
}

static int op_getxattr(char **a)
{
	char value[256];
	long n = syscall(SYS_getxattr, a[0], a[1], value, sizeof value - 1);
	if (n < 0)
		return fail("getxattr");
	value[n] = '\0';
	return ok("%s", value);
}

/* The kernel's POSIX ACL xattr format (include/uapi/linux/posix_acl_xattr.h). */
struct acl_entry {
	uint16_t tag, perm;
	uint32_t id;
};

static int op_set_acl(char **a)
{
	struct {
		uint32_t version;
		struct acl_entry e[5];
	} __attribute__((packed)) acl = {
	    .version = 2,
	    .e = {{0x01, 6, (uint32_t)-1},		    /* user::rw- */
		  {0x02, 6, (uint32_t)parse_num(a[1], 10)}, /* user:UID:rw- */
		  {0x04, 4, (uint32_t)-1},		    /* group::r-- */
		  {0x10, 6, (uint32_t)-1},		    /* mask::rw- */
		  {0x20, 4, (uint32_t)-1}},		    /* other::r-- */
	};
	return result(syscall(SYS_setxattr, a[0], "system.posix_acl_access", &acl, sizeof acl, 0),
		      "setxattr");
}

static int op_utime(char **a)
{
	struct utimbuf t = {0, 0};
	return result(syscall(SYS_utime, a[0], &t), "utime");
}

static int op_utimes(char **a)
{
	struct timeval t[2] = {{0, 0}, {0, 0}};
	return result(syscall(SYS_utimes, a[0], t), "utimes");
}

static int op_futimesat(char **a)
{
	struct timeval t[2] = {{0, 0}, {0, 0}};
	return result(syscall(SYS_futimesat, AT_FDCWD, a[0], t), "futimesat");
}

static int op_utimensat(char **a)
{
	struct timespec t[2] = {{0, 0}, {0, 0}};
	return result(syscall(SYS_utimensat, AT_FDCWD, a[0], t, 0), "utimensat");
}

static int op_utimensat_now(char **a)
{
	return result(syscall(SYS_utimensat, AT_FDCWD, a[0], NULL, 0), "utimensat");
}

static long do_futimens(int fd, char **a)
{
	struct timespec t[2] = {{0, 0}, {0, 0}};
	return syscall(SYS_utimensat, fd, NULL, t, 0);
}

static int op_futimens(char **a)
{
	return with_fd(a[0], do_futimens, a, "futimens");
}

static long do_setflags(int fd, char **a)
{
	int flags = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return -1;
	flags |= FS_NODUMP_FL;
	return ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

static int op_setflags(char **a)
{
	return with_fd(a[0], do_setflags, a, "ioctl");
}

const struct probe_op probe_ops_meta[] = {
    {"lchown", 3, 3, op_lchown},
    {"fchown", 3, 3, op_fchown},
    {"fchownat", 3, 3, op_fchownat},
    {"setxattr", 3, 3, op_setxattr},
    {"lsetxattr", 3, 3, op_lsetxattr},
    {"fsetxattr", 3, 3, op_fsetxattr},
    {"removexattr", 2, 2, op_removexattr},
    {"lremovexattr", 2, 2, op_lremovexattr},
    {"fremovexattr", 2, 2, op_fremovexattr},
    {"getxattr", 2, 2, op_getxattr},
    {"set-acl", 2, 2, op_set_acl},
    {"utime", 1, 1, op_utime},
    {"utimes", 1, 1, op_utimes},
    {"futimesat", 1, 1, op_futimesat},
    {"utimensat", 1, 1, op_utimensat},
    {"utimensat-now", 1, 1, op_utimensat_now},
    {"futimens", 1, 1, op_futimens},
    {"setflags", 1, 1, op_setflags},
    {NULL, 0, 0, NULL},
};
