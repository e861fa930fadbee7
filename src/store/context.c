#include "context.h"
#include "config.h"
#include "fsutil.h"
#include "datafiles.h"
#include "manifest.h"
#include "snapmount.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void cordon_fault(const char *step)
{
#if CORDON_FAULT_INJECTION
	const char *want = getenv("CORDON_FAULT");
	if (want != NULL && strcmp(want, step) == 0)
		raise(SIGKILL);
#else
	(void)step;
#endif
}

static int make_layout(const cordon_paths *p, cordon_error **err)
{
	/* 0755 where users must be able to look (they run snaps from /snap,
	 * read SNAP_DATA, list what is installed); 0700 for root's scratch and
	 * the snaps' cookies (store/cookies.h). Made here, before any change
	 * begins, so that no change is killed half-way through making one. */
	struct {
		const char *path;
		mode_t mode;
	} dirs[] = {
	    {p->snap_mount, 0755},  {p->var_snap, 0755},   {p->state_dir, 0755},
	    {p->blobs_dir, 0700},   {p->policy_dir, 0755}, {p->apparmor_dir, 0755},
	    {p->scratch_dir, 0700}, {p->run_dir, 0755},	   {p->cookie_dir, 0700},
	};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		int fd = fs_mkdir_p(dirs[i].path, dirs[i].mode, 0, 0, err);
		if (fd < 0)
			return fd;
		close(fd);
	}
	return 0;
}

int cordon_ctx_open(cordon_ctx *ctx, const char *root, const char *datadir, bool writable,
		    cordon_error **err)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->lock_fd = -1;
	ctx->hook_out_fd = -1;
	if (cordon_paths_init(&ctx->paths, root) < 0)
		return cordon_err_msg(err, EINVAL, "CORDON_ROOT must be an absolute path");
	ctx->datadir = xstrdup(datadir ? datadir : CORDON_DATADIR);
	ctx->site_interfaces_dir = root && root[0]
				       ? xasprintf("%s/etc/cordon/interfaces", ctx->paths.root)
				       : xstrdup(CORDON_SITE_INTERFACES_DIR);
	ctx->writable = writable;
	/* the same cgroup parent the launcher uses (a test may set its own) */
	const char *cg = getenv("CORDON_CGROUP_PARENT");
	ctx->cgroup.parent = cg && cg[0] ? cg : NULL;
	if (!writable) {
		if (access(ctx->paths.db_path, F_OK) < 0)
			return 0; /* nothing installed yet: an empty state */
		return cordon_state_open(&ctx->paths, false, &ctx->state, err);
	}
	int r = make_layout(&ctx->paths, err);
	if (r < 0)
		return r;
	/* One state-changing command at a time; others wait here. */
	ctx->lock_fd = open(ctx->paths.lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ctx->lock_fd < 0)
		return cordon_err(err, errno, "open %s", ctx->paths.lock_path);
	while (flock(ctx->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return cordon_err(err, errno, "lock %s", ctx->paths.lock_path);
	return cordon_state_open(&ctx->paths, true, &ctx->state, err);
}

int cordon_ctx_catalog(cordon_ctx *ctx, const cordon_catalog **out, cordon_error **err)
{
	if (ctx->catalog == NULL) {
		int r =
		    cordon_catalog_load(ctx->datadir, ctx->site_interfaces_dir, &ctx->catalog, err);
		if (r < 0)
			return cordon_err_prefix(err, "interface catalogue");
	}
	*out = ctx->catalog;
	return 0;
}

int cordon_ctx_defaults(cordon_ctx *ctx, const cordon_def **def, const char **seccomp_template,
			cordon_error **err)
{
	if (ctx->defaults == NULL) {
		int r = cordon_defaults_load(ctx->datadir, &ctx->defaults, &ctx->seccomp_template,
					     &ctx->seccomp_privdrop, err);
		if (r < 0)
			return r;
	}
	*def = ctx->defaults;
	*seccomp_template = ctx->seccomp_template;
	return 0;
}

static void loaded_free(cordon_loaded_snap *l)
{
	cordon_snap_row_free(&l->row);
	cordon_rev_row_free(&l->rev);
	if (l->m)
		cordon_manifest_free(l->m);
	free(l->mount_dir);
	free(l->data_dir);
	free(l->common_dir);
	free(l->own_mount_dir);
	free(l->own_data_dir);
	free(l->own_common_dir);
	free(l);
}

/* The hooks of meta/hooks snap.yaml does not declare (snapd reads them from
 * the mounted revision each time, as here): a root command mounts the
 * revision first if a reboot took the mount away (the launcher would too),
 * so that no hook loses its policy at a recompile. Without the mount (an
 * ordinary user's listing), only the declared hooks are known. */
static void add_implicit_hooks(cordon_ctx *ctx, cordon_loaded_snap *l)
{
	if (ctx->writable)
		(void)cordon_snap_ensure_mounted(l->rev.source_kind, l->rev.source_path,
						 l->mount_dir, NULL);
	_cleanup_free_ char *dir = xasprintf("%s/meta/hooks", l->mount_dir);
	_cleanup_close_ int dfd = fs_open_dir(dir, O_RDONLY, NULL);
	_cleanup_strv_ strv names = {0};
	if (dfd < 0 || fs_list_dir_at(dfd, &names, NULL) < 0)
		return;
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		struct stat st;
		if (fstatat(dfd, names.v[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			cordon_manifest_add_implicit_hook(l->m, names.v[i]);
	}
}

int cordon_ctx_snap(cordon_ctx *ctx, const char *instance, const cordon_loaded_snap **out,
		    cordon_error **err)
{
	if (ctx->state == NULL)
		return -ENOENT;
	cordon_snap_row row = {0};
	int r = cordon_state_get_snap(ctx->state, instance, &row, err);
	if (r < 0)
		return r;
	for (size_t i = ctx->n_loaded; i-- > 0;) {
		cordon_loaded_snap *l = ctx->loaded[i];
		if (strcmp(l->row.name, instance) != 0)
			continue;
		/* an entry for another revision stays (pointers to it may be
		 * held) but is not returned */
		if (strcmp(l->row.current, row.current) == 0 &&
		    strcmp(l->row.confinement, row.confinement) == 0) {
			cordon_snap_row_free(&row);
			*out = l;
			return 0;
		}
	}
	cordon_loaded_snap *l = xcalloc(1, sizeof *l);
	l->row = row;
	r = cordon_state_get_revision(ctx->state, instance, row.current, &l->rev, err);
	if (r == -ENOENT)
		r = cordon_err_msg(err, ENOENT, "state has no revision %s of %s", row.current,
				   instance);
	if (r == 0)
		r = cordon_manifest_parse(l->rev.manifest, strlen(l->rev.manifest),
					  "meta/snap.yaml", &l->m, err);
	if (r < 0) {
		loaded_free(l);
		return r;
	}
	l->mount_dir = cordon_paths_mount_dir(&ctx->paths, instance, row.current);
	l->data_dir = cordon_paths_data_dir(&ctx->paths, instance, row.current);
	l->common_dir = cordon_paths_common_dir(&ctx->paths, instance);
	l->own_mount_dir = cordon_paths_mount_dir(&ctx->paths, row.snap_name, row.current);
	l->own_data_dir = cordon_paths_data_dir(&ctx->paths, row.snap_name, row.current);
	l->own_common_dir = cordon_paths_common_dir(&ctx->paths, row.snap_name);
	add_implicit_hooks(ctx, l);
	ctx->loaded = xreallocarray(ctx->loaded, ctx->n_loaded + 1, sizeof *ctx->loaded);
	ctx->loaded[ctx->n_loaded++] = l;
	*out = l;
	return 0;
}

void cordon_ctx_close(cordon_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_loaded; i++)
		loaded_free(ctx->loaded[i]);
	free(ctx->loaded);
	ctx->loaded = NULL;
	ctx->n_loaded = 0;
	cordon_catalog_free(ctx->catalog);
	ctx->catalog = NULL;
	cordon_def_free(ctx->defaults);
	ctx->defaults = NULL;
	free(ctx->seccomp_template);
	ctx->seccomp_template = NULL;
	free(ctx->seccomp_privdrop);
	ctx->seccomp_privdrop = NULL;
	cordon_state_close(ctx->state);
	ctx->state = NULL;
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	ctx->lock_fd = -1;
	cordon_paths_free(&ctx->paths);
	strv_free(&ctx->warnings);
	free(ctx->datadir);
	free(ctx->site_interfaces_dir);
	ctx->datadir = ctx->site_interfaces_dir = NULL;
}
