/* A snap's desktop files (desktop.h). */
#include "desktop.h"
#include "syncdir.h"
#include "desktop_entry.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A desktop file is text; anything larger is no desktop file. */
#define DESKTOP_FILE_MAX ((size_t)1 << 20)

char *cordon_desktop_dir(const cordon_ctx *ctx)
{
	return xasprintf("%s/desktop/applications", ctx->paths.state_dir);
}

/* Is the installed file `name` the instance's: "<instance>_<x>.desktop",
 * or the temporary ".<that>.tmp" a killed write left? A file name of
 * meta/gui has no '_' (cordon_desktop_name_ok), so the part before the
 * last '_' is the instance: foo's never match foo_bar's. */
static bool is_ours(const char *name, const char *instance)
{
	_cleanup_free_ char *base = NULL;
	if (name[0] == '.' && str_has_suffix(name, ".desktop.tmp"))
		base = xstrndup(name + 1, strlen(name) - 1 - strlen(".tmp"));
	else
		base = xstrdup(name);
	const char *us = strrchr(base, '_');
	size_t n = strlen(instance);
	return us && str_has_suffix(base, ".desktop") && (size_t)(us - base) == n &&
	       strncmp(base, instance, n) == 0;
}

/* The snap's sanitized files: installed names and texts, in `names` and
 * `texts`. Its meta/gui is the author's: opened without following a
 * symlink anywhere, regular files only (fs_read_at), bounded. */
static int snap_files(cordon_ctx *ctx, const cordon_loaded_snap *ls, strv *names, strv *texts,
		      bool *unmounted, cordon_error **err)
{
	_cleanup_free_ char *gui = xasprintf("%s/meta/gui", ls->mount_dir);
	cordon_error *open_err = NULL;
	_cleanup_close_ int gfd = fs_open_dir(gui, O_RDONLY, &open_err);
	if (gfd < 0) {
		cordon_error_free(&open_err);
		/* a revision whose image is not mounted (yet) says nothing
		 * about its files: they stay as they are */
		_cleanup_free_ char *yaml = xasprintf("%s/meta/snap.yaml", ls->mount_dir);
		int yfd = fs_open_path_nofollow(yaml);
		if (yfd >= 0)
			close(yfd);
		*unmounted = yfd == -ENOENT;
		/* no meta/gui (or a symlink there): no desktop file */
		return gfd == -ENOENT || gfd == -ELOOP || gfd == -ENOTDIR ? 0 : gfd;
	}
	_cleanup_strv_ strv files = {0};
	int r = fs_list_dir_at(gfd, &files, err);
	if (r < 0)
		return r;
	strv_sort(&files);
	_cleanup_free_ char *bin = xasprintf("%s/bin", ctx->paths.snap_mount);
	_cleanup_free_ char *snap_dir =
	    xasprintf("%s/%s/current", ctx->paths.snap_mount, ls->row.name);
	for (size_t i = 0; i < files.n; i++) {
		if (!cordon_desktop_name_ok(files.v[i]))
			continue;
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		cordon_error *read_err = NULL;
		if (fs_read_at(gfd, files.v[i], DESKTOP_FILE_MAX, &data, &len, &read_err) < 0) {
			/* a symlink, a directory, a file too large: not
			 * installed, as snapd skips what it cannot read */
			cordon_error_free(&read_err);
			continue;
		}
		cordon_desktop_ctx c = {.instance = ls->row.name,
					.m = ls->m,
					.file = files.v[i],
					.snap_bin = bin,
					.snap_dir = snap_dir};
		strv_push_own(names, xasprintf("%s_%s", ls->row.name, files.v[i]));
		strv_push_own(texts, cordon_desktop_sanitize(&c, data, len));
	}
	return 0;
}

static int sync_files(cordon_ctx *ctx, const char *instance, const strv *names, const strv *texts,
		      cordon_error **err)
{
	_cleanup_free_ char *dir = cordon_desktop_dir(ctx);
	_cleanup_close_ int dfd = -1;
	int r = cordon_syncdir_open(dir, names->n > 0, &dfd, err);
	if (r < 0 || dfd < 0)
		return r; /* or no desktop file of anyone's */
	for (size_t i = 0; i < names->n; i++) {
		_cleanup_free_ char *cur = NULL;
		size_t len = 0;
		cordon_error *e = NULL;
		if (fs_read_at(dfd, names->v[i], DESKTOP_FILE_MAX, &cur, &len, &e) == 0 &&
		    len == strlen(texts->v[i]) && memcmp(cur, texts->v[i], len) == 0)
			continue;
		cordon_error_free(&e);
		if (fs_write_atomic_at(dfd, names->v[i], texts->v[i], strlen(texts->v[i]), 0644,
				       err) < 0)
			return cordon_err_prefix(err, "%s/%s", dir, names->v[i]);
	}
	_cleanup_strv_ strv have = {0};
	r = fs_list_dir_at(dfd, &have, err);
	for (size_t i = 0; r == 0 && i < have.n; i++) {
		const char *name = have.v[i];
		if (!is_ours(name, instance) || strv_contains(names, name))
			continue;
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				r = cordon_err(err, errno, "stat %s/%s", dir, name);
		} else if (S_ISREG(st.st_mode) && unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
			r = cordon_err(err, errno, "remove %s/%s", dir, name);
		}
	}
	return r;
}

int cordon_desktop_write(cordon_ctx *ctx, const cordon_compile_input *in, cordon_error **err)
{
	const cordon_loaded_snap *ls = in->snap;
	_cleanup_strv_ strv names = {0}, texts = {0};
	int r = 0;
	bool unmounted = false;
	if (!ls->row.disabled)
		r = snap_files(ctx, ls, &names, &texts, &unmounted, err);
	if (r < 0 || unmounted)
		return r;
	return sync_files(ctx, ls->row.name, &names, &texts, err);
}

int cordon_desktop_remove(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	strv none = {0};
	return sync_files(ctx, instance, &none, &none, err);
}
