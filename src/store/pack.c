#include "pack.h"
#include "package.h"
#include "run_program.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *cordon_pack_filename(const cordon_manifest *m, const char *host_arch)
{
	const char *arch = host_arch;
	if (m->architectures.n == 1)
		arch = m->architectures.v[0];
	else if (m->architectures.n > 1)
		arch = "multi";
	return xasprintf("%s_%s_%s.snap", m->name, m->version, arch);
}

int cordon_pack(const char *dir, const char *target_dir, char **out_path, cordon_error **err)
{
	cordon_package pkg;
	int r = cordon_package_open(dir, NULL, &pkg, err);
	if (r == 0 && pkg.kind != CORDON_PKG_DIR)
		r = cordon_err_msg(err, EINVAL, "%s is not a directory", dir);
	if (r < 0) {
		cordon_package_close(&pkg);
		return r;
	}
	_cleanup_free_ char *name = cordon_pack_filename(pkg.manifest, cordon_host_arch());
	_cleanup_free_ char *out =
	    xasprintf("%s/%s", target_dir && target_dir[0] ? target_dir : ".", name);
	_cleanup_free_ char *src = xstrdup(pkg.path);
	cordon_package_close(&pkg);
	_cleanup_free_ char *tmp = xasprintf("%s.partial", out);
	_cleanup_free_ char *partial = xasprintf("%s.partial", name);
	(void)unlink(tmp);
	/* -all-root: files in a snap belong to root whoever packed it;
	 * -no-xattrs: no security labels smuggled in. The output may sit
	 * inside the directory: exclude it (-e is relative to the source). */
	const char *argv[] = {"mksquashfs",
			      src,
			      tmp,
			      "-noappend",
			      "-comp",
			      "xz",
			      "-no-fragments",
			      "-no-progress",
			      "-all-root",
			      "-no-xattrs",
			      "-quiet",
			      "-e",
			      name,
			      partial,
			      NULL};
	bool ok;
	r = cordon_run(argv, true, "package squashfs-tools", &ok, err);
	if (r < 0)
		return r;
	if (!ok) {
		(void)unlink(tmp);
		return cordon_err_msg(err, EIO, "mksquashfs failed building %s", out);
	}
	if (rename(tmp, out) < 0) {
		int e = errno;
		(void)unlink(tmp);
		return cordon_err(err, e, "rename %s", out);
	}
	*out_path = steal_ptr(out);
	return 0;
}
