/* The store's side of compiling: what the compiler computed, put in place.
 * Each label's policy file and AppArmor profile written atomically (and the
 * profile loaded where the kernel has AppArmor); the directories content
 * mounts need made, never through a symlink. */
#include "apply.h"
#include "fsutil.h"
#include "hostinfo.h"
#include "run_program.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Load an AppArmor profile where the kernel has AppArmor. */
static int apparmor_load(const char *path, cordon_error **err)
{
	if (!cordon_apparmor_enabled())
		return 0;
	const char *argv[] = {"apparmor_parser", "--replace", "--quiet", path, NULL};
	bool ok;
	int r = cordon_run(argv, false, "package apparmor", &ok, err);
	if (r == 0 && !ok)
		r = cordon_err_msg(err, EINVAL, "apparmor_parser refused %s", path);
	return r;
}

static int write_label(cordon_ctx *ctx, int dir, int adir, const cordon_policy *p,
		       const char *apparmor, cordon_error **err)
{
	_cleanup_buf_ buf out = {0};
	cordon_policy_encode(p, &out);
	int r = fs_write_atomic_at(dir, p->label, out.p, out.len, 0644, err);
	if (r < 0)
		return r;
	if (apparmor == NULL) {
		if (unlinkat(adir, p->label, 0) < 0 && errno != ENOENT)
			return cordon_err(err, errno, "remove AppArmor profile %s", p->label);
		return 0;
	}
	r = fs_write_atomic_at(adir, p->label, apparmor, strlen(apparmor), 0644, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = xasprintf("%s/%s", ctx->paths.apparmor_dir, p->label);
	return apparmor_load(path, err);
}

int cordon_apply_labels(cordon_ctx *ctx, const cordon_compiled *c, size_t n, cordon_error **err)
{
	_cleanup_close_ int dir = fs_open_dir(ctx->paths.policy_dir, O_RDONLY, err);
	if (dir < 0)
		return dir;
	_cleanup_close_ int adir = fs_open_dir(ctx->paths.apparmor_dir, O_RDONLY, err);
	if (adir < 0)
		return adir;
	for (size_t i = 0; i < n; i++) {
		int r = write_label(ctx, dir, adir, &c[i].policy, c[i].apparmor, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Remove files of the snap's labels not in `keep` (NULL: all of them). */
int cordon_apply_remove_labels(cordon_ctx *ctx, const char *instance, const strv *keep,
			       cordon_error **err)
{
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", instance);
	const char *dirs[] = {ctx->paths.policy_dir, ctx->paths.apparmor_dir};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_close_ int dfd = fs_open_dir(dirs[i], O_RDONLY, NULL);
		if (dfd < 0)
			continue;
		int lfd = dup(dfd);
		DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
		if (d == NULL) {
			if (lfd >= 0)
				close(lfd);
			return cordon_err(err, errno, "list %s", dirs[i]);
		}
		_cleanup_strv_ strv gone = {0};
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			/* ".<label>.tmp": a write killed before its rename
			 * (fs_write_atomic_at), never a label */
			bool tmp = de->d_name[0] == '.' && str_has_prefix(de->d_name + 1, prefix) &&
				   str_has_suffix(de->d_name, ".tmp");
			if (tmp || (str_has_prefix(de->d_name, prefix) &&
				    (keep == NULL || !strv_contains(keep, de->d_name))))
				strv_push(&gone, de->d_name);
		}
		closedir(d);
		for (size_t j = 0; j < gone.n; j++)
			if (unlinkat(dfd, gone.v[j], 0) < 0 && errno != ENOENT)
				return cordon_err(err, errno, "remove %s/%s", dirs[i], gone.v[j]);
	}
	return 0;
}

static bool beneath_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Is path a directory, reached without following any symlink? 0, or a
 * negative errno (-ELOOP for a symlink anywhere on the way). */
static int real_dir(const char *path)
{
	int fd = fs_open_path_nofollow(path);
	if (fd < 0)
		return fd;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	close(fd);
	return r;
}

/* A content directory: it must be a real directory of the slot snap; a
 * `write` one under the slot's $SNAP_DATA or $SNAP_COMMON is made when
 * missing (snapd does so). Never through a symlink: the slot snap may have
 * replaced one with a link elsewhere. */
static int ensure_source(const cordon_loaded_snap *s, bool rw, const char *src, cordon_error **err)
{
	int r = real_dir(src);
	if (r == 0)
		return 0;
	if (r == -ENOENT && rw && s != NULL &&
	    (beneath_dir(src, s->data_dir) || beneath_dir(src, s->common_dir))) {
		int fd = fs_mkdir_p(src, 0755, 0, 0, err);
		if (fd < 0)
			return fd;
		close(fd);
		return 0;
	}
	return cordon_err_msg(err, -r, "content directory %s: %s", src,
			      r == -ELOOP ? "a symlink is in the way; refusing it" : strerror(-r));
}

/* A mount point under the snap's own writable directories is made (root,
 * 0755) when missing; anywhere else it must exist (in $SNAP, the image). */
static int ensure_target(const cordon_loaded_snap *s, const char *target, cordon_error **err)
{
	int e = real_dir(target);
	if (e == 0)
		return 0;
	if (e != -ENOENT)
		return cordon_err_msg(err, -e, "mount point %s: %s", target,
				      e == -ELOOP ? "a symlink is in the way; refusing it"
						  : strerror(-e));
	const char *bases[] = {s->data_dir, s->common_dir};
	for (size_t i = 0; i < 2; i++) {
		size_t l = strlen(bases[i]);
		if (strncmp(target, bases[i], l) == 0 && target[l] == '/') {
			int fd = fs_mkdir_p(target, 0755, 0, 0, err);
			if (fd < 0)
				return fd;
			close(fd);
			return 0;
		}
	}
	return cordon_err_msg(err, ENOENT, "mount point %s does not exist in the snap", target);
}

int cordon_apply_mount_dirs(const cordon_loaded_snap *snap, const cordon_content_mount *m, size_t n,
			    cordon_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int r = ensure_source(m[i].source_snap, m[i].rw, m[i].source, err);
		if (r == 0)
			r = ensure_target(snap, m[i].target, err);
		if (r < 0)
			return r;
	}
	return 0;
}
