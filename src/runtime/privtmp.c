/* Backing of each snap's private /tmp.
 *
 * <run>/tmp            root 0700  (base: nobody else may even look)
 * <run>/tmp/<snap>     root 0700
 * <run>/tmp/<snap>/tmp root 01777 (bound over /tmp in the snap's namespace),
 *                      the mount point of a tmpfs of the snap's own
 *
 * It lives under /run/cordon, never in a directory a user or a sandboxed
 * process can write: snap-confine's /tmp/snap-private-tmp was attacked by
 * pre-creating or swapping it (CVE-2021-44731, CVE-2022-3328) and by having a
 * cleaner delete it so a user could recreate it (CVE-2026-3888). Each level is
 * opened with O_NOFOLLOW and must have exactly the owner and mode above; one
 * that does not is refused, never used. */
#include "fsutil.h"
#include "mountns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* One level, root's with exactly `mode`; the error names the whole path and
 * says what is wrong (a refusal here is someone tampering, or a leftover the
 * admin must look at). A symlink is reported as such; one swapped in after
 * this check is still refused by the O_NOFOLLOW open. */
static int ensure_level(int dirfd, const char *parent, const char *name, mode_t mode,
			const char *instance, cordon_error **err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return cordon_err_msg(err, ELOOP,
				      "private /tmp of %s: %s/%s is a symlink; refusing to use it",
				      instance, parent, name);
	int fd = fs_ensure_dir_at(dirfd, name, mode, 0, 0, err);
	if (fd < 0)
		return cordon_err_prefix(err, "private /tmp of %s: in %s", instance, parent);
	return fd;
}

/* Each snap's /tmp is a tmpfs of its own with a size limit: on the host's
 * /run (small, shared by the whole system) any user of any snap could fill
 * it and break logins and services. The limit is per snap, like the host's
 * own /tmp and /dev/shm; what a snap writes there is charged to the label
 * cgroup of the process that writes it. */
#define PRIVATE_TMPFS_OPTIONS "mode=01777,size=25%"

static int mount_tmpfs(int fd, const char *path, cordon_error **err)
{
	bool mounted = false;
	int r = fs_is_mountpoint_at(fd, ".", &mounted, err);
	if (r < 0)
		return r;
	if (mounted)
		return 0;
	_cleanup_free_ char *p = xasprintf("/proc/self/fd/%d", fd);
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, PRIVATE_TMPFS_OPTIONS) < 0)
		return cordon_err(err, errno, "mount a tmpfs on %s", path);
	return 0;
}

int cordon_privtmp_prepare(const cordon_paths *paths, const char *instance, cordon_error **err)
{
	_cleanup_close_ int run = fs_mkdir_p(paths->run_dir, 0755, 0, 0, err);
	if (run < 0)
		return run;
	_cleanup_close_ int base = ensure_level(run, paths->run_dir, "tmp", 0700, instance, err);
	if (base < 0)
		return base;
	_cleanup_close_ int snap =
	    ensure_level(base, paths->tmp_dir, instance, 0700, instance, err);
	if (snap < 0)
		return snap;
	_cleanup_free_ char *snapdir = xasprintf("%s/%s", paths->tmp_dir, instance);
	_cleanup_close_ int under = ensure_level(snap, snapdir, "tmp", 01777, instance, err);
	if (under < 0)
		return under;
	_cleanup_free_ char *tmppath = xasprintf("%s/tmp", snapdir);
	int r = mount_tmpfs(under, tmppath, err);
	if (r < 0)
		return r;
	/* the tmpfs, not the directory beneath it */
	return ensure_level(snap, snapdir, "tmp", 01777, instance, err);
}

int cordon_privtmp_discard(const cordon_paths *paths, const char *instance, cordon_error **err)
{
	_cleanup_close_ int base = fs_open_dir(paths->tmp_dir, O_RDONLY, NULL);
	if (base < 0)
		return 0;
	_cleanup_free_ char *mp = xasprintf("/proc/self/fd/%d/%s/tmp", base, instance);
	if (umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT &&
	    errno != ENOTDIR)
		return cordon_err(err, errno, "unmount the private /tmp of %s", instance);
	return fs_rm_rf_at(base, instance, err);
}
