#include "store.h"
#include "compile.h"
#include "connections.h"
#include "mountns.h"
#include "cgroup.h"
#include "fsutil.h"
#include "manifest_names.h"
#include "package.h"
#include "snapmount.h"
#include "util.h"

#include <dirent.h>
#include <glob.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void cordon_install_result_free(cordon_install_result *r)
{
	free(r->name);
	free(r->revision);
	free(r->version);
	free(r->warning);
	memset(r, 0, sizeof *r);
}

char *cordon_store_mount_dir(const cordon_ctx *ctx, const char *name, const char *rev)
{
	return xasprintf("%s/%s/%s", ctx->paths.snap_mount, name, rev);
}

char *cordon_store_blob_path(const cordon_ctx *ctx, const char *name, const char *rev)
{
	return xasprintf("%s/%s_%s.snap", ctx->paths.blobs_dir, name, rev);
}

static char *now_iso8601(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char b[64];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(b);
}

/* ---- users' data ---- */

/* Remove ~/snap/<name>/<what> (what NULL: ~/snap/<name> itself) in every
 * home: /root and each directory of /home, as snapd looks for them, the homes of
 * /etc/passwd (read as a file: this program is static, and NSS enumeration
 * would have to load modules), and, under a test root prefix, the caller's
 * $HOME as the launcher uses it. The homes are the users': the walk follows
 * no symlink and removes through fds, so nothing they planted leads outside. */
static void remove_user_data(const cordon_ctx *ctx, const char *name, const char *what)
{
	_cleanup_strv_ strv homes = {0};
	strv_push(&homes, "/root");
	glob_t g = {0};
	if (glob("/home/*", GLOB_ONLYDIR, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			strv_push(&homes, g.gl_pathv[i]);
	globfree(&g);
	FILE *f = fopen("/etc/passwd", "re");
	if (f != NULL) {
		struct passwd pw, *res;
		char line[4096];
		while (fgetpwent_r(f, &pw, line, sizeof line, &res) == 0)
			if (pw.pw_dir && pw.pw_dir[0] == '/' && !strv_contains(&homes, pw.pw_dir))
				strv_push(&homes, pw.pw_dir);
		fclose(f);
	}
	const char *home = getenv("HOME");
	if (ctx->paths.root[0] && home && home[0] == '/' && !strv_contains(&homes, home))
		strv_push(&homes, home);
	for (size_t i = 0; i < homes.n; i++) {
		_cleanup_free_ char *dir = what ? xasprintf("%s/snap/%s", homes.v[i], name)
						: xasprintf("%s/snap", homes.v[i]);
		_cleanup_close_ int fd = fs_open_dir(dir, O_RDONLY, NULL);
		if (fd >= 0)
			(void)fs_rm_rf_at(fd, what ? what : name, NULL);
	}
}

/* ---- the pieces of a revision on disk ---- */

static int open_or_make(const char *path, mode_t mode, cordon_error **err)
{
	return fs_mkdir_p(path, mode, 0, 0, err);
}

/* Remove /snap/<name>/<rev> (unmounting it), /var/snap/<name>/<rev> and the
 * blob. Missing pieces are fine: this also undoes half-made revisions. */
static int remove_revision_files(cordon_ctx *ctx, const char *name, const char *rev,
				 cordon_error **err)
{
	_cleanup_free_ char *mnt = cordon_store_mount_dir(ctx, name, rev);
	int r = cordon_snap_umount(mnt, err);
	if (r < 0)
		return r;
	const char *bases[] = {ctx->paths.snap_mount, ctx->paths.var_snap};
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", bases[i], name);
		_cleanup_close_ int fd = fs_open_dir(dir, O_RDONLY, NULL);
		if (fd >= 0 && (r = fs_rm_rf_at(fd, rev, err)) < 0)
			return r;
	}
	_cleanup_free_ char *blob = xasprintf("%s_%s.snap", name, rev);
	_cleanup_close_ int bfd = fs_open_dir(ctx->paths.blobs_dir, O_RDONLY, NULL);
	if (bfd >= 0 && unlinkat(bfd, blob, 0) < 0 && errno != ENOENT)
		return cordon_err(err, errno, "remove %s", blob);
	/* ~/snap/<name>/<rev> goes with the revision, as in snapd */
	remove_user_data(ctx, name, rev);
	return 0;
}

/* Point /snap/<name>/current and /var/snap/<name>/current at rev. */
static int set_current_links(cordon_ctx *ctx, const char *name, const char *rev, cordon_error **err)
{
	const char *bases[] = {ctx->paths.snap_mount, ctx->paths.var_snap};
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", bases[i], name);
		_cleanup_close_ int fd = fs_open_dir(dir, O_RDONLY, err);
		if (fd < 0)
			return fd;
		int r = fs_symlink_atomic_at(rev, fd, "current", err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Is `entry` (a directory entry of /snap/<name> or /var/snap/<name>, or a blob
 * name) a revision that state does not know? */
static bool is_known_rev(const cordon_rev_row *revs, size_t n, const char *rev)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(revs[i].revision, rev) == 0)
			return true;
	return false;
}

static bool looks_like_rev(const char *s)
{
	if (s[0] != 'x' || s[1] == '\0')
		return false;
	for (const char *p = s + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* Remove every revision of `name` present on disk that state does not list. */
static int prune_unknown(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	cordon_rev_row *revs = NULL;
	size_t n = 0;
	int r = cordon_state_list_revisions(ctx->state, name, &revs, &n, err);
	if (r < 0)
		return r;
	_cleanup_strv_ strv stale = {0};
	const char *bases[] = {ctx->paths.snap_mount, ctx->paths.var_snap};
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", bases[i], name);
		DIR *d = opendir(dir);
		if (d == NULL)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (looks_like_rev(de->d_name) && !is_known_rev(revs, n, de->d_name) &&
			    !strv_contains(&stale, de->d_name))
				strv_push(&stale, de->d_name);
		closedir(d);
	}
	DIR *d = opendir(ctx->paths.blobs_dir);
	if (d != NULL) {
		struct dirent *de;
		size_t nl = strlen(name);
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, name, nl) != 0 || de->d_name[nl] != '_' ||
			    !str_has_suffix(de->d_name, ".snap"))
				continue;
			_cleanup_free_ char *rev =
			    xstrndup(de->d_name + nl + 1, strlen(de->d_name) - nl - 6);
			if (looks_like_rev(rev) && !is_known_rev(revs, n, rev) &&
			    !strv_contains(&stale, rev))
				strv_push(&stale, rev);
		}
		closedir(d);
	}
	cordon_rev_rows_free(revs, n);
	for (size_t i = 0; i < stale.n; i++) {
		r = remove_revision_files(ctx, name, stale.v[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Remove the label cgroups of the snap (the launcher makes one per label, in
 * each hierarchy it uses); one still in use stays until it empties. */
static int remove_cgroups(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	cordon_cgroup_mounts m = {0};
	int r = cordon_cgroup_find_mounts(&m, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", name);
	const char *roots[] = {m.v1_devices, m.v2};
	_cleanup_strv_ strv labels = {0};
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		if (roots[i] == NULL)
			continue;
		_cleanup_free_ char *dir =
		    xasprintf("%s/%s", roots[i],
			      ctx->cgroup.parent ? ctx->cgroup.parent : CORDON_CGROUP_PARENT);
		DIR *d = opendir(dir);
		if (d == NULL)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (str_has_prefix(de->d_name, prefix) &&
			    !strv_contains(&labels, de->d_name))
				strv_push(&labels, de->d_name);
		closedir(d);
	}
	cordon_cgroup_mounts_free(&m);
	for (size_t i = 0; i < labels.n; i++) {
		r = cordon_cgroup_remove_label(&ctx->cgroup, labels.v[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Remove everything a snap has on disk: policy, mounts, data, blobs, the
 * preserved namespace and private /tmp. */
static int purge_snap(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	int r = cordon_compile_remove_snap(ctx, name, err);
	if (r < 0)
		return r;
	r = cordon_runtime_discard_snap(&ctx->paths, name, err);
	if (r < 0)
		return r;
	r = remove_cgroups(ctx, name, err);
	if (r < 0)
		return r;
	r = prune_unknown(ctx, name, err); /* state knows no revision now */
	if (r < 0)
		return r;
	const char *bases[] = {ctx->paths.snap_mount, ctx->paths.var_snap};
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		_cleanup_close_ int fd = fs_open_dir(bases[i], O_RDONLY, err);
		if (fd < 0)
			return fd;
		r = fs_rm_rf_at(fd, name, err);
		if (r < 0)
			return r;
	}
	/* the users' data of the snap too (snapd's remove deletes it) */
	remove_user_data(ctx, name, NULL);
	return 0;
}

/* Roll forward what follows a committed change: current symlinks, removal of
 * revisions state no longer lists, compiled policy. */
static int finish_snap(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	cordon_snap_row snap = {0};
	int r = cordon_state_get_snap(ctx->state, name, &snap, err);
	if (r == -ENOENT)
		return purge_snap(ctx, name, err);
	if (r < 0)
		return r;
	r = set_current_links(ctx, name, snap.current, err);
	if (r == 0)
		r = prune_unknown(ctx, name, err);
	if (r == 0)
		r = cordon_compile_snap(ctx, name, err);
	cordon_snap_row_free(&snap);
	return r;
}

/* Clean the scratch directory of what dead commands left (staging mounts,
 * private copies). Names carry the pid of their command. */
static void clean_scratch(cordon_ctx *ctx)
{
	DIR *d = opendir(ctx->paths.scratch_dir);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *dot = strchr(de->d_name, '.');
		if (dot == NULL || (!str_has_prefix(de->d_name, "stage.") &&
				    !str_has_prefix(de->d_name, "incoming.")))
			continue;
		long pid = strtol(dot + 1, NULL, 10);
		if (pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s", ctx->paths.scratch_dir, de->d_name);
		if (str_has_prefix(de->d_name, "stage.")) {
			(void)umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW);
			(void)rmdir(p);
		} else {
			(void)unlink(p);
		}
	}
	closedir(d);
}

int cordon_store_recover(cordon_ctx *ctx, cordon_error **err)
{
	clean_scratch(ctx);
	cordon_pending_row *rows = NULL;
	size_t n = 0;
	int r = cordon_state_list_pending(ctx->state, &rows, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		const cordon_pending_row *p = &rows[i];
		if (strcmp(p->op, "install") == 0) {
			/* Never committed: undo the new revision's files, then
			 * bring the snap (if it existed) back to its state. */
			r = remove_revision_files(ctx, p->snap, p->revision, err);
			if (r == 0)
				r = finish_snap(ctx, p->snap, err);
		} else if (strcmp(p->op, "finish") == 0) {
			r = finish_snap(ctx, p->snap, err);
		} else if (strcmp(p->op, "purge") == 0) {
			r = purge_snap(ctx, p->snap, err);
		} else {
			r = cordon_err_msg(err, EINVAL, "unknown journal entry \"%s\"", p->op);
		}
		if (r == 0)
			r = cordon_state_delete_pending(ctx->state, p->id, err);
	}
	cordon_pending_rows_free(rows, n);
	if (r < 0)
		return cordon_err_prefix(err, "cannot finish an interrupted operation");
	return 0;
}

/* ---- install ---- */

static int check_confinement(const cordon_manifest *m, const cordon_install_opts *o,
			     char **confinement, char **warning, cordon_error **err)
{
	const char *c = m->confinement ? m->confinement : "strict";
	if (strcmp(c, "classic") == 0) {
		if (!o->classic)
			return cordon_err_msg(err, EPERM,
					      "snap \"%s\" requires classic confinement which is "
					      "only available with --classic",
					      m->name);
		*confinement = xstrdup("classic");
		return 0;
	}
	if (o->classic)
		*warning = xstrdup("flag --classic ignored for strictly confined snap");
	if (strcmp(c, "devmode") == 0 && !o->devmode)
		return cordon_err_msg(err, EPERM,
				      "snap \"%s\" requires devmode or confinement override; "
				      "use --devmode",
				      m->name);
	*confinement = xstrdup(o->devmode || strcmp(c, "devmode") == 0 ? "devmode" : "strict");
	return 0;
}

static int make_data_dirs(cordon_ctx *ctx, const char *name, const char *prev, const char *rev,
			  cordon_error **err)
{
	_cleanup_free_ char *vardir = xasprintf("%s/%s", ctx->paths.var_snap, name);
	_cleanup_close_ int vfd = open_or_make(vardir, 0755, err);
	if (vfd < 0)
		return vfd;
	int fd = fs_ensure_dir_at(vfd, "common", 0755, 0, 0, NULL);
	if (fd < 0) {
		/* an existing common keeps whatever mode the snap gave it */
		fd = openat(vfd, "common", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return cordon_err(err, errno, "create %s/common", vardir);
	}
	close(fd);
	(void)fs_rm_rf_at(vfd, rev, NULL); /* leftovers of an undone attempt */
	if (prev != NULL && faccessat(vfd, prev, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		/* SNAP_DATA moves forward with the snap: owners, modes and
		 * times kept (snapd copies it, it does not move it, so a revert
		 * finds the old data as it was). */
		return fs_copy_tree_at(vfd, prev, vfd, rev, err);
	fd = fs_ensure_dir_at(vfd, rev, 0755, 0, 0, err);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* Remove revisions beyond the retained ones (oldest first), never the current. */
static int drop_old_revisions(cordon_ctx *ctx, const char *name, const char *current,
			      cordon_error **err)
{
	cordon_rev_row *revs = NULL;
	size_t n = 0;
	int r = cordon_state_list_revisions(ctx->state, name, &revs, &n, err);
	if (r < 0)
		return r;
	size_t extra = n > CORDON_RETAIN ? n - CORDON_RETAIN : 0;
	for (size_t i = 0; i < n && extra > 0 && r == 0; i++) {
		if (strcmp(revs[i].revision, current) == 0)
			continue;
		r = cordon_state_delete_revision(ctx->state, name, revs[i].revision, err);
		extra--;
	}
	cordon_rev_rows_free(revs, n);
	return r;
}

static int validate_instance(const cordon_manifest *m, const cordon_install_opts *o,
			     char **instance, char **key, cordon_error **err)
{
	if (o->instance == NULL) {
		*instance = xstrdup(m->name);
		*key = xstrdup("");
		return 0;
	}
	const char *us = strchr(o->instance, '_');
	size_t nl = us ? (size_t)(us - o->instance) : strlen(o->instance);
	if (strncmp(o->instance, m->name, nl) != 0 || m->name[nl] != '\0')
		return cordon_err_msg(err, EINVAL,
				      "cannot install snap \"%s\" under the name \"%s\": "
				      "instance name must start with the snap name",
				      m->name, o->instance);
	if (us != NULL && !cordon_valid_instance_key(us + 1))
		return cordon_err_msg(err, EINVAL, "invalid instance key: \"%s\"", us + 1);
	*instance = xstrdup(o->instance);
	*key = xstrdup(us ? us + 1 : "");
	return 0;
}

int cordon_store_install(cordon_ctx *ctx, const char *path, const cordon_install_opts *o,
			 cordon_install_result *res, cordon_error **err)
{
	memset(res, 0, sizeof *res);
	_cleanup_free_ char *instance = NULL, *key = NULL, *confinement = NULL, *rev = NULL;
	_cleanup_free_ char *source = NULL, *mnt = NULL, *manifest_text = NULL, *now = NULL;
	_cleanup_free_ char *snap_name = NULL;
	_cleanup_strv_ strv neighbours = {0};
	cordon_snap_row old = {0};
	cordon_package pkg;
	int r = cordon_package_open(path, ctx->paths.scratch_dir, &pkg, err);
	if (r < 0)
		goto out;
	const cordon_manifest *m = pkg.manifest;
	r = validate_instance(m, o, &instance, &key, err);
	if (r == 0)
		r = check_confinement(m, o, &confinement, &res->warning, err);
	if (r < 0)
		goto out;
	if (pkg.kind == CORDON_PKG_YAML) {
		r = cordon_err_msg(err, EINVAL,
				   "a bare snap.yaml cannot be installed; give the "
				   "directory that holds meta/snap.yaml");
		goto out;
	}

	r = cordon_state_get_snap(ctx->state, instance, &old, err);
	bool existing = r == 0;
	if (r < 0 && r != -ENOENT)
		goto out;
	int64_t seq = existing ? old.next_seq : 1;
	rev = xasprintf("x%lld", (long long)seq);

	/* the catalogue first: a broken site definition stops the install
	 * before anything is journaled or made */
	const struct cordon_catalog *cat;
	r = cordon_ctx_catalog(ctx, &cat, err);
	if (r < 0)
		goto out;
	(void)cat;
	/* 1. journal: from here on, an interruption is rolled back */
	r = cordon_state_add_pending(ctx->state, "install", instance, rev, NULL, err);
	if (r < 0)
		goto out;
	cordon_fault("install-journal");

	/* 2. the package: the private copy of a .snap becomes the blob */
	enum cordon_source_kind kind;
	if (pkg.kind == CORDON_PKG_SNAPFILE) {
		kind = CORDON_SOURCE_SQUASHFS;
		source = cordon_store_blob_path(ctx, instance, rev);
		if (rename(pkg.copy_path, source) < 0) {
			r = cordon_err(err, errno, "store %s", source);
			goto undo;
		}
		free(pkg.copy_path);
		pkg.copy_path = NULL;
	} else {
		kind = CORDON_SOURCE_DIR;
		source = xstrdup(pkg.path);
	}
	cordon_package_close(&pkg); /* releases the staging mount */
	cordon_fault("install-blob");

	/* 3. mount the revision read-only */
	mnt = cordon_store_mount_dir(ctx, instance, rev);
	int mfd = open_or_make(mnt, 0755, err);
	if (mfd < 0) {
		r = mfd;
		goto undo;
	}
	close(mfd);
	r = cordon_snap_mount(kind, source, mnt, err);
	if (r < 0)
		goto undo;
	cordon_fault("install-mount");

	/* 4. data: SNAP_DATA carried over from the current revision */
	r = make_data_dirs(ctx, instance, existing ? old.current : NULL, rev, err);
	if (r < 0)
		goto undo;
	cordon_fault("install-data");

	/* 5. commit point: state and compiled policy in one transaction; the
	 * policy is compiled inside it so a failure rolls both back. The
	 * manifest is read again from what is now mounted: it is what runs. */
	cordon_package mounted;
	r = cordon_package_open(mnt, NULL, &mounted, err);
	if (r == 0) {
		manifest_text = steal_ptr(mounted.yaml);
		res->version = xstrdup(mounted.manifest->version);
	}
	/* snaps the auto-connection may recompile in the transaction are
	 * journaled too (they are rolled forward from state after a kill) */
	if (r == 0)
		r = cordon_connections_journal_neighbours(ctx, instance, mounted.manifest,
							  &neighbours, err);
	cordon_package_close(&mounted);
	if (r < 0)
		goto undo;
	r = cordon_state_begin(ctx->state, err);
	if (r < 0)
		goto undo;
	now = now_iso8601();
	const char *us = strchr(instance, '_');
	snap_name = us ? xstrndup(instance, (size_t)(us - instance)) : xstrdup(instance);
	cordon_snap_row row = {.name = instance,
			       .snap_name = snap_name,
			       .instance_key = key,
			       .current = rev,
			       .next_seq = seq + 1,
			       .confinement = confinement,
			       .disabled = false};
	cordon_rev_row rrow = {.snap = instance,
			       .revision = rev,
			       .seq = seq,
			       .version = res->version,
			       .source_kind = kind,
			       .source_path = source,
			       .manifest = manifest_text,
			       .installed_at = now};
	r = cordon_state_put_snap(ctx->state, &row, err);
	if (r == 0)
		r = cordon_state_put_revision(ctx->state, &rrow, err);
	if (r == 0)
		r = drop_old_revisions(ctx, instance, rev, err);
	if (r == 0)
		r = cordon_state_delete_pending_op(ctx->state, "install", err);
	if (r == 0)
		r = cordon_state_add_pending(ctx->state, "finish", instance, rev, NULL, err);
	if (r == 0)
		r = cordon_connections_unjournal(ctx, &neighbours, err);
	if (r == 0)
		r = cordon_connections_on_install(ctx, instance, existing, o->dangerous, err);
	if (r == 0)
		r = cordon_compile_snap(ctx, instance, err);
	cordon_fault("install-compile");
	if (r == 0)
		r = cordon_state_commit(ctx->state, err);
	if (r < 0) {
		cordon_state_rollback(ctx->state);
		goto undo;
	}
	cordon_fault("install-commit");

	/* 6. roll forward: current symlinks, old revisions removed */
	r = finish_snap(ctx, instance, err);
	cordon_fault("install-finish");
	if (r == 0)
		r = cordon_state_delete_pending_op(ctx->state, "finish", err);
	if (r == 0)
		r = cordon_connections_settle(ctx, err);
	if (r < 0)
		goto out; /* committed: the next command finishes it */
	res->name = steal_ptr(instance);
	res->revision = steal_ptr(rev);
	res->refreshed = existing;
	goto out;

undo:;
	/* Not committed: undo now, as recovery would after a crash. Other
	 * snaps journaled but never recompiled (the change stopped before
	 * auto-connection touched them) are left as they are. */
	cordon_error *undo_err = NULL;
	cordon_package_close(&pkg);
	if (ctx->ns_dirty.n == 0)
		(void)cordon_connections_unjournal(ctx, &neighbours, NULL);
	strv_free(&ctx->ns_dirty);
	if (cordon_store_recover(ctx, &undo_err) < 0)
		cordon_err_prefix(err, "and undoing the install failed too (%s)", undo_err->msg);
	cordon_error_free(&undo_err);
out:
	cordon_package_close(&pkg);
	cordon_snap_row_free(&old);
	return r;
}

/* ---- remove and revert ---- */

int cordon_store_remove(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	cordon_snap_row snap = {0};
	int r = cordon_state_get_snap(ctx->state, name, &snap, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", name);
	if (r < 0)
		return r;
	cordon_snap_row_free(&snap);
	/* the plug snaps connected to its slots are recompiled inside the
	 * transaction: journaled first, as for an install */
	_cleanup_strv_ strv neighbours = {0};
	r = cordon_connections_journal_neighbours(ctx, name, NULL, &neighbours, err);
	if (r == 0)
		r = cordon_state_begin(ctx->state, err);
	if (r == 0)
		r = cordon_connections_unjournal(ctx, &neighbours, err);
	if (r == 0)
		r = cordon_state_delete_snap(ctx->state, name, err);
	if (r == 0)
		r = cordon_state_add_pending(ctx->state, "purge", name, "", NULL, err);
	if (r == 0)
		r = cordon_connections_on_remove(ctx, name, err);
	cordon_fault("remove-compile");
	if (r == 0)
		r = cordon_state_commit(ctx->state, err);
	if (r < 0) {
		/* the neighbours' policy may have been rewritten: recovery puts
		 * it back from the unchanged state */
		cordon_state_rollback(ctx->state);
		cordon_error *e2 = NULL;
		(void)cordon_store_recover(ctx, &e2);
		cordon_error_free(&e2);
		return r;
	}
	cordon_fault("remove-commit");
	r = cordon_store_recover(ctx, err);
	if (r == 0)
		r = cordon_connections_settle(ctx, err);
	return r;
}

int cordon_store_revert(cordon_ctx *ctx, const char *name, char **new_rev, cordon_error **err)
{
	cordon_snap_row snap = {0};
	int r = cordon_state_get_snap(ctx->state, name, &snap, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", name);
	if (r < 0)
		return r;
	cordon_rev_row *revs = NULL;
	size_t n = 0;
	r = cordon_state_list_revisions(ctx->state, name, &revs, &n, err);
	const char *target = NULL;
	int64_t cur_seq = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(revs[i].revision, snap.current) == 0)
			cur_seq = revs[i].seq;
	/* the newest revision older than the current one, as snap revert */
	for (size_t i = 0; r == 0 && i < n; i++)
		if (revs[i].seq < cur_seq)
			target = revs[i].revision;
	if (r == 0 && target == NULL)
		r = cordon_err_msg(err, ENOENT, "no revision to revert to for \"%s\"", name);
	if (r == 0) {
		free(snap.current);
		snap.current = xstrdup(target);
		r = cordon_state_begin(ctx->state, err);
		if (r == 0)
			r = cordon_state_put_snap(ctx->state, &snap, err);
		if (r == 0)
			r = cordon_state_add_pending(ctx->state, "finish", name, target, NULL, err);
		if (r == 0)
			r = cordon_compile_snap(ctx, name, err);
		if (r == 0)
			r = cordon_state_commit(ctx->state, err);
		if (r < 0)
			cordon_state_rollback(ctx->state);
	}
	if (r == 0) {
		cordon_fault("revert-commit");
		r = cordon_store_recover(ctx, err);
	}
	if (r == 0)
		*new_rev = xstrdup(target);
	cordon_rev_rows_free(revs, n);
	cordon_snap_row_free(&snap);
	return r;
}
