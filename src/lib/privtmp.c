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
#include <unistd.h>

int cordon_privtmp_prepare(const cordon_paths *paths, const char *instance, cordon_error **err)
{
	_cleanup_close_ int run = fs_mkdir_p(paths->run_dir, 0755, 0, 0, err);
	if (run < 0)
		return run;
	_cleanup_close_ int base = fs_ensure_dir_at(run, "tmp", 0700, 0, 0, err);
	if (base < 0)
		return base;
	_cleanup_close_ int snap = fs_ensure_dir_at(base, instance, 0700, 0, 0, err);
	if (snap < 0)
		return snap;
	return fs_ensure_dir_at(snap, "tmp", 01777, 0, 0, err);
}

int cordon_privtmp_discard(const cordon_paths *paths, const char *instance, cordon_error **err)
{
	_cleanup_close_ int base = fs_open_dir(paths->tmp_dir, O_RDONLY, NULL);
	if (base < 0)
		return 0;
	return fs_rm_rf_at(base, instance, err);
}
