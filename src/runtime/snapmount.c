#include "snapmount.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
struct loop_config {
	__u32 fd;
	__u32 block_size;
	struct loop_info64 info;
	__u64 __reserved[8];
};
#endif

/* Attach file read-only to a free loop device; returns the loop fd. The device
 * is set to autoclear so it is released when its last mount goes. */
static int loop_attach(int filefd, const char *file, char **devpath, cordon_error **err)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return cordon_err(err, errno, "open /dev/loop-control");
	for (int attempt = 0; attempt < 64; attempt++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			return cordon_err(err, errno, "find a free loop device");
		_cleanup_free_ char *dev = xasprintf("/dev/loop%d", n);
		_cleanup_close_ int lfd = open(dev, O_RDONLY | O_CLOEXEC);
		if (lfd < 0) {
			if (errno == ENOENT) /* udev-less hosts: node not made yet */
				continue;
			return cordon_err(err, errno, "open %s", dev);
		}
		struct loop_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.fd = (__u32)filefd;
		cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
		snprintf((char *)cfg.info.lo_file_name, sizeof cfg.info.lo_file_name, "%s", file);
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) < 0) {
			if (errno == EBUSY) /* someone took it between GET_FREE and now */
				continue;
			return cordon_err(err, errno, "configure %s for %s", dev, file);
		}
		*devpath = steal_ptr(dev);
		return steal_fd(lfd);
	}
	return cordon_err_msg(err, EBUSY, "no free loop device for %s", file);
}

static char *fd_path(int fd)
{
	return xasprintf("/proc/self/fd/%d", fd);
}

int cordon_snap_mount(enum cordon_source_kind kind, const char *source, const char *target,
		      cordon_error **err)
{
	/* Resolve the target through fds so a symlink swapped in cannot
	 * redirect the mount. */
	_cleanup_close_ int tfd = fs_open_dir(target, O_PATH, err);
	if (tfd < 0)
		return tfd;
	_cleanup_free_ char *tpath = fd_path(tfd);
	const unsigned long flags = MS_RDONLY | MS_NODEV | MS_NOSUID;
	if (kind == CORDON_SOURCE_SQUASHFS) {
		_cleanup_close_ int ffd = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (ffd < 0)
			return cordon_err(err, errno, "open %s", source);
		_cleanup_free_ char *dev = NULL;
		_cleanup_close_ int lfd = loop_attach(ffd, source, &dev, err);
		if (lfd < 0)
			return lfd;
		if (mount(dev, tpath, "squashfs", flags, NULL) < 0) {
			int e = errno;
			(void)ioctl(lfd, LOOP_CLR_FD, 0);
			return cordon_err(err, e, "mount %s (%s) on %s", source, dev, target);
		}
		return 0;
	}
	if (kind != CORDON_SOURCE_DIR)
		return cordon_err_msg(err, EINVAL, "unknown source kind %d", (int)kind);
	_cleanup_close_ int sfd = fs_open_dir(source, O_PATH, err);
	if (sfd < 0)
		return sfd;
	_cleanup_free_ char *spath = fd_path(sfd);
	if (mount(spath, tpath, NULL, MS_BIND, NULL) < 0)
		return cordon_err(err, errno, "bind %s on %s", source, target);
	/* A bind ignores MS_RDONLY: it takes a remount to make it read-only,
	 * through a new fd (the old one still names the directory below). */
	_cleanup_close_ int mfd = fs_open_dir(target, O_PATH, err);
	if (mfd < 0) {
		(void)umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
		return mfd;
	}
	_cleanup_free_ char *mpath = fd_path(mfd);
	if (mount("none", mpath, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0) {
		int e = errno;
		(void)umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
		return cordon_err(err, e, "remount %s read-only", target);
	}
	return 0;
}

int cordon_snap_ensure_mounted(enum cordon_source_kind kind, const char *source, const char *target,
			       cordon_error **err)
{
	bool mounted = false;
	int r = fs_is_mountpoint_at(AT_FDCWD, target, &mounted, err);
	if (r < 0)
		return r;
	if (mounted)
		return 0;
	return cordon_snap_mount(kind, source, target, err);
}

int cordon_snap_umount(const char *target, cordon_error **err)
{
	bool mounted = false;
	int r = fs_is_mountpoint_at(AT_FDCWD, target, &mounted, NULL);
	if (r < 0 || !mounted)
		return 0;
	/* Lazy: a process still inside keeps its view; the loop device
	 * autoclears when the last user goes. */
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return cordon_err(err, errno, "unmount %s", target);
	return 0;
}

int cordon_bind_nofollow(const char *source, const char *target, bool ro, cordon_error **err)
{
	_cleanup_close_ int sfd = fs_open_dir(source, O_PATH, err);
	if (sfd < 0)
		return sfd;
	_cleanup_close_ int tfd = fs_open_dir(target, O_PATH, err);
	if (tfd < 0)
		return tfd;
	_cleanup_free_ char *s = fd_path(sfd), *t = fd_path(tfd);
	if (mount(s, t, NULL, MS_BIND, NULL) < 0)
		return cordon_err(err, errno, "bind %s on %s", source, target);
	if (!ro)
		return 0;
	_cleanup_close_ int mfd = fs_open_dir(target, O_PATH, err);
	if (mfd < 0)
		return mfd;
	_cleanup_free_ char *m = fd_path(mfd);
	if (mount("none", m, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) <
	    0)
		return cordon_err(err, errno, "remount %s read-only", target);
	return 0;
}
