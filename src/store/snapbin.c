/* A snap's /snap/bin entries (snapbin.h). */
#include "snapbin.h"
#include "syncdir.h"
#include "aliases.h"
#include "config.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What every entry points at: the installed launcher, whatever launcher a
 * test's CLI runs (CORDON_CONFINE), so the entries are a function of state
 * and of the install alone. */
#define LAUNCHER CORDON_LIBEXECDIR "/cordon-confine"

void cordon_snapbin_names(const char *instance, const cordon_manifest *m, strv *out)
{
	for (size_t i = 0; m && i < m->n_apps; i++) {
		const cordon_app *a = &m->apps[i];
		/* daemons are run by their units, not by name (snapd makes
		 * no /snap/bin entry for a service either) */
		if (a->daemon)
			continue;
		if (m->name && strcmp(a->name, m->name) == 0)
			strv_push(out, instance);
		else
			strv_push_own(out, xasprintf("%s.%s", instance, a->name));
	}
}

/* Is `name` in /snap/bin the instance's: "<instance>" or "<instance>.*"
 * (no instance or app name has a dot, and "_" only starts a key: foo's
 * prefix never matches foo_x's or foo-bar's entries)? */
static bool is_ours(const char *name, const char *instance)
{
	size_t n = strlen(instance);
	return strncmp(name, instance, n) == 0 && (name[n] == '\0' || name[n] == '.');
}

/* A temporary name fs_symlink_atomic_at used (`.<entry>.lnk`), left by a
 * command killed before its rename. Changes hold the global lock: no live
 * command is writing one. */
static bool is_leftover(const char *name, const char *instance)
{
	return name[0] == '.' && is_ours(name + 1, instance) && str_has_suffix(name, ".lnk");
}

/* Is the symlink target that of one of the instance's aliases (aliases.h:
 * "<instance>.<app>" or "<instance>", relative)? Whatever its name, an
 * alias entry is the snap whose app it runs. */
static bool is_our_alias(const char *target, const char *instance)
{
	return target && target[0] != '/' && is_ours(target, instance);
}

static char *bin_dir(const cordon_ctx *ctx)
{
	return xasprintf("%s/bin", ctx->paths.snap_mount);
}

/* `want` made, each a symlink to the same entry of `targets`, every other
 * entry of the instance (or alias of it) removed. */
static int sync_entries(cordon_ctx *ctx, const char *instance, const strv *want,
			const strv *targets, cordon_error **err)
{
	_cleanup_free_ char *dir = bin_dir(ctx);
	_cleanup_close_ int dfd = -1;
	int r = cordon_syncdir_open(dir, want->n > 0, &dfd, err);
	if (r < 0 || dfd < 0)
		return r; /* or no entries of anyone's */
	for (size_t i = 0; i < want->n; i++) {
		_cleanup_free_ char *cur = fs_readlink_at(dfd, want->v[i]);
		if (cur && strcmp(cur, targets->v[i]) == 0)
			continue;
		if (fs_symlink_atomic_at(targets->v[i], dfd, want->v[i], err) < 0)
			return cordon_err_prefix(err, "%s/%s", dir, want->v[i]);
	}
	_cleanup_strv_ strv names = {0};
	r = fs_list_dir_at(dfd, &names, err);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		const char *name = names.v[i];
		if (strv_contains(want, name))
			continue;
		_cleanup_free_ char *target = NULL;
		if (!is_leftover(name, instance) && !is_ours(name, instance)) {
			target = fs_readlink_at(dfd, name);
			if (!is_our_alias(target, instance))
				continue;
		}
		/* only symlinks: a file or directory there is not cordon's */
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			r = cordon_err(err, errno, "stat %s/%s", dir, name);
		} else if (S_ISLNK(st.st_mode) && unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
			r = cordon_err(err, errno, "remove %s/%s", dir, name);
		}
	}
	/* The directory goes with its last entry: an undone first install
	 * leaves the tree as it found it (changes hold the global lock, so no
	 * other change is filling it; another snap's entries keep it). */
	if (r == 0 && want->n == 0) {
		_cleanup_close_ int top = fs_open_dir(ctx->paths.snap_mount, O_RDONLY, NULL);
		if (top >= 0 && unlinkat(top, "bin", AT_REMOVEDIR) < 0 && errno != ENOTEMPTY &&
		    errno != EEXIST && errno != ENOENT)
			r = cordon_err(err, errno, "remove %s", dir);
	}
	return r;
}

int cordon_snapbin_write(cordon_ctx *ctx, const cordon_compile_input *in, cordon_error **err)
{
	const cordon_loaded_snap *ls = in->snap;
	_cleanup_strv_ strv want = {0}, targets = {0};
	if (!ls->row.disabled)
		cordon_snapbin_names(ls->row.name, ls->m, &want);
	for (size_t i = 0; i < want.n; i++)
		strv_push(&targets, LAUNCHER);
	int r = 0;
	if (!ls->row.disabled)
		r = cordon_aliases_entries(ctx, ls->row.name, ls->m, &want, &targets, err);
	return r < 0 ? r : sync_entries(ctx, ls->row.name, &want, &targets, err);
}

int cordon_snapbin_remove(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	strv none = {0};
	return sync_entries(ctx, instance, &none, &none, err);
}
