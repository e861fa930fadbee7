/* Backing of each snap's private /tmp.
 *
 * <run>/tmp            root 0700  (base: nobody else may even look)
 * <run>/tmp/<snap>     root 0700
 * <run>/tmp/<snap>/tmp root 01777 (bound over /tmp in the snap's namespace)
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

int cordon_privtmp_prepare(const cordon_paths *paths, const char *instance, cordon_error **err)
{
	_cleanup_close_ int run = fs_mkdir_p(paths->run_dir, 0755, 0, 0, err);
	if (run < 0)
		return run;
	_cleanup_close_ int base = ensure_level(run, paths->run_dir, "tmp", 0700, instance, err);
	if (base < 0)
		return base;
	_cleanup_close_ int snap = ensure_level(base, paths->tmp_dir, instance, 0700, instance, err);
	if (snap < 0)
		return snap;
	_cleanup_free_ char *snapdir = xasprintf("%s/%s", paths->tmp_dir, instance);
	return ensure_level(snap, snapdir, "tmp", 01777, instance, err);
}

int cordon_privtmp_discard(const cordon_paths *paths, const char *instance, cordon_error **err)
{
	_cleanup_close_ int base = fs_open_dir(paths->tmp_dir, O_RDONLY, NULL);
	if (base < 0)
		return 0;
	return fs_rm_rf_at(base, instance, err);
}
