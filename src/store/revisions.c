/* The pieces of a snap's revisions on disk: the mounted image, the data
 * directories, the stored package, the users' data, the current links; and
 * the removal of all of a snap's files. */
#include "revisions.h"
#include "snapbin.h"
#include "desktop.h"
#include "cookies.h"
#include "services.h"
#include "apply.h"
#include "cgroup.h"
#include "fsutil.h"
#include "mountns.h"
#include "nsdir.h"
#include "snapmount.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* May remove_user_data touch this home? On the real system (root "") every
 * home is the system's. Under a CORDON_ROOT (a test prefix) the snaps are the
 * prefix's, not the machine's: a snap of the prefix may share its name with
 * one a real user has data of, and that data must survive the prefix's
 * remove. So only homes inside the prefix (a component-wise prefix; the walk
 * refuses "..") are the prefix's. */
bool cordon_home_in_root(const cordon_ctx *ctx, const char *home)
{
	const char *root = ctx->paths.root;
	size_t n = strlen(root);
	return n == 0 || (strncmp(home, root, n) == 0 && home[n] == '/');
}

static void add_home(const cordon_ctx *ctx, strv *homes, const char *home)
{
	if (home[0] == '/' && cordon_home_in_root(ctx, home) && !strv_contains(homes, home))
		strv_push(homes, home);
}

/* Remove ~/snap/<name>/<what> (what NULL: ~/snap/<name> itself) in every
 * home: /root and each directory of /home, as snapd looks for them, the homes of
 * /etc/passwd (read as a file: this program is static, and NSS enumeration
 * would have to load modules), and, under a test root prefix, the caller's
 * $HOME as the launcher uses it; under a prefix, only those inside it
 * (cordon_home_in_root). The homes are the users': the walk follows
 * no symlink and removes through fds, so nothing they planted leads outside. */
void cordon_user_homes(const cordon_ctx *ctx, strv *homes_out)
{
	strv homes = {0};
	_cleanup_free_ char *root_home = xasprintf("%s/root", ctx->paths.root);
	add_home(ctx, &homes, root_home);
	_cleanup_free_ char *pattern = xasprintf("%s/home/*", ctx->paths.root);
	glob_t g = {0};
	if (glob(pattern, GLOB_ONLYDIR, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			add_home(ctx, &homes, g.gl_pathv[i]);
	globfree(&g);
	FILE *f = fopen("/etc/passwd", "re");
	if (f != NULL) {
		struct passwd pw, *res;
		/* a line as long as it is: on ERANGE glibc puts the stream
		 * back, and the entry is read again with room for it */
		size_t cap = 1024;
		char *line = xmalloc(cap);
		int e;
		while ((e = fgetpwent_r(f, &pw, line, cap, &res)) != ENOENT) {
			if (e == ERANGE && cap < ((size_t)1 << 20)) {
				cap *= 2;
				line = xrealloc(line, cap);
				continue;
			}
			if (e != 0)
				break; /* unreadable: the homes found so far */
			if (pw.pw_dir)
				add_home(ctx, &homes, pw.pw_dir);
		}
		free(line);
		fclose(f);
	}
	const char *home = getenv("HOME");
	if (ctx->paths.root[0] && home)
		add_home(ctx, &homes, home);
	strv_free(homes_out);
	*homes_out = homes;
}

static void remove_user_data(const cordon_ctx *ctx, const char *name, const char *what)
{
	_cleanup_strv_ strv homes = {0};
	cordon_user_homes(ctx, &homes);
	for (size_t i = 0; i < homes.n; i++) {
		_cleanup_free_ char *dir = what ? xasprintf("%s/snap/%s", homes.v[i], name)
						: xasprintf("%s/snap", homes.v[i]);
		_cleanup_close_ int fd = fs_open_dir(dir, O_RDONLY, NULL);
		if (fd >= 0)
			(void)fs_rm_rf_at(fd, what ? what : name, NULL);
	}
}

/* Remove every user's ~/snap/<name>/<rev>, then /snap/<name>/<rev>
 * (unmounting it), /var/snap/<name>/<rev> and the blob. Missing pieces are
 * fine: this also undoes half-made revisions. */
int cordon_revision_remove_files(cordon_ctx *ctx, const char *name, const char *rev,
				 cordon_error **err)
{
	/* ~/snap/<name>/<rev> goes with the revision, as in snapd, and
	 * first: after a kill, a stale revision is found again (find_stale)
	 * by its mount directory, its data directory or its blob, never by
	 * the users' data. Removed after those, a kill in between left the
	 * users' copies behind for good. */
	remove_user_data(ctx, name, rev);
	_cleanup_free_ char *mnt = cordon_paths_mount_dir(&ctx->paths, name, rev);
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
	return 0;
}

/* Point /snap/<name>/current and /var/snap/<name>/current at rev. */
int cordon_revision_set_current(cordon_ctx *ctx, const char *name, const char *rev,
				cordon_error **err)
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

/* The snap's launch lock (nsdir.h): while it is held no launch builds or
 * joins the snap's namespace, and one that read a policy replaced since
 * starts again (launch.c). -ENOENT (err untouched): no launch ever made the
 * namespace directory, so none can be using a revision either. */
static int lock_snap(cordon_ctx *ctx, const char *name, int *dirfd, cordon_error **err)
{
	*dirfd = fs_open_dir(ctx->paths.ns_dir, O_RDONLY, NULL);
	if (*dirfd < 0)
		return -ENOENT;
	int lock = cordon_ns_lock(*dirfd, name, -1, err);
	if (lock < 0) {
		close(*dirfd);
		*dirfd = -1;
	}
	return lock;
}

/* Does a process of the snap run (lock held)? */
static bool snap_running(cordon_ctx *ctx, int dirfd, const char *name)
{
	_cleanup_free_ char *mntname = xasprintf("%s.mnt", name);
	_cleanup_close_ int nsfd = cordon_ns_open_preserved(dirfd, mntname);
	struct stat st = {0};
	if (nsfd >= 0 && fstat(nsfd, &st) < 0)
		return true; /* cannot tell: assume it does */
	return cordon_snap_ns_in_use(cordon_cgroup_parent(&ctx->cgroup), name, st.st_dev,
				     st.st_ino);
}

/* The revisions of the snap on disk that state no longer lists. */
static int find_stale(cordon_ctx *ctx, const char *name, strv *stale, cordon_error **err);

static int prune_locked(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	_cleanup_strv_ strv stale = {0};
	int r = find_stale(ctx, name, &stale, err);
	for (size_t i = 0; r == 0 && i < stale.n; i++)
		r = cordon_revision_remove_files(ctx, name, stale.v[i], err);
	if (r < 0)
		return r;
	return stale.n > 0 ? 1 : 0; /* 1: something went */
}

static int find_stale(cordon_ctx *ctx, const char *name, strv *out, cordon_error **err)
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
	strv_free(out);
	*out = stale;
	stale = (strv){0};
	return 0;
}

int cordon_revisions_prune(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	int dirfd = -1;
	int lock = lock_snap(ctx, name, &dirfd, err);
	if (lock < 0 && lock != -ENOENT)
		return lock;
	/* A running command keeps its revision until it exits (snapd keeps
	 * the old revision mounted): its $SNAP and $SNAP_DATA stay, and
	 * where the host's / is shared an unmount here would reach it. */
	if (lock >= 0 && snap_running(ctx, dirfd, name)) {
		/* nothing to remove: nothing waits for it to stop (a snap
		 * whose services run never stops) */
		_cleanup_strv_ strv stale = {0};
		int s = find_stale(ctx, name, &stale, err);
		close(lock);
		close(dirfd);
		return s < 0 ? s : stale.n > 0 ? 1 : 0;
	}
	int r = prune_locked(ctx, name, err);
	/* The snap's preserved namespace, unused (its lock is held and no
	 * command runs), still holds its own copy of a pruned revision's
	 * mount where the host's / is not shared (and with it the loop
	 * device of a deleted package): it goes too, the next launch makes
	 * a new one. */
	if (r == 1 && lock >= 0)
		r = cordon_snap_ns_discard(dirfd, name, false, err);
	else if (r == 1)
		r = 0;
	if (lock >= 0)
		close(lock);
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

/* The names of the label cgroups under our parent, in each hierarchy the
 * launcher uses, that start with prefix. */
static int list_label_cgroups(cordon_ctx *ctx, const char *prefix, strv *labels, cordon_error **err)
{
	cordon_cgroup_mounts m = {0};
	int r = cordon_cgroup_find_mounts(&m, err);
	if (r < 0)
		return r;
	const char *roots[] = {m.v1_devices, m.v2};
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		if (roots[i] == NULL)
			continue;
		_cleanup_free_ char *dir =
		    xasprintf("%s/%s", roots[i], cordon_cgroup_parent(&ctx->cgroup));
		DIR *d = opendir(dir);
		if (d == NULL)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (str_has_prefix(de->d_name, prefix) &&
			    !strv_contains(labels, de->d_name))
				strv_push(labels, de->d_name);
		closedir(d);
	}
	cordon_cgroup_mounts_free(&m);
	return 0;
}

/* Remove the label cgroups of the snap (the launcher makes one per label, in
 * each hierarchy it uses); one still in use stays until it empties, and
 * cordon_cgroups_sweep removes it then. */
static int remove_cgroups(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", name);
	_cleanup_strv_ strv labels = {0};
	int r = list_label_cgroups(ctx, prefix, &labels, err);
	for (size_t i = 0; r == 0 && i < labels.n; i++)
		r = cordon_cgroup_remove_label(&ctx->cgroup, labels.v[i], err);
	return r;
}

void cordon_cgroups_sweep(cordon_ctx *ctx)
{
	_cleanup_strv_ strv labels = {0};
	if (list_label_cgroups(ctx, "snap.", &labels, NULL) < 0)
		return;
	for (size_t i = 0; i < labels.n; i++) {
		/* snap.<instance>.<app or hook...>: instance names hold no '.' */
		const char *inst = labels.v[i] + strlen("snap.");
		const char *dot = strchr(inst, '.');
		if (dot == NULL || dot == inst)
			continue;
		_cleanup_free_ char *name = xstrndup(inst, (size_t)(dot - inst));
		cordon_snap_row row = {0};
		int r = cordon_state_get_snap(ctx->state, name, &row, NULL);
		if (r == 0)
			cordon_snap_row_free(&row);
		else if (r == -ENOENT)
			(void)cordon_cgroup_remove_label(&ctx->cgroup, labels.v[i], NULL);
	}
}

/* Does state list an instance of the snap `snap_name` (foo, foo_key...)?
 * Their namespaces mount on /snap/<snap_name> and /var/snap/<snap_name>
 * (mountns.c): removing that directory on the host would take the mount
 * away in each of them. Unknown (state unreadable): assume so. */
static bool snap_name_in_use(cordon_ctx *ctx, const char *snap_name)
{
	cordon_snap_row *rows = NULL;
	size_t n = 0;
	if (cordon_state_list_snaps(ctx->state, &rows, &n, NULL) < 0)
		return true;
	bool used = false;
	for (size_t i = 0; i < n && !used; i++)
		used = strcmp(rows[i].snap_name, snap_name) == 0;
	cordon_snap_rows_free(rows, n);
	return used;
}

/* /snap/<name> or /var/snap/<name> of a snap that goes: all of it, but the
 * directory itself stays (empty) while an instance of the snap mounts over
 * it; the empty mount point of an instance's remapping goes with the last
 * instance. */
static int remove_snap_dir(cordon_ctx *ctx, int basefd, const char *name, cordon_error **err)
{
	const char *us = strchr(name, '_');
	_cleanup_free_ char *snap_name = us ? xstrndup(name, (size_t)(us - name)) : xstrdup(name);
	bool in_use = snap_name_in_use(ctx, snap_name);
	if (us == NULL && in_use) {
		_cleanup_close_ int fd =
		    openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? 0 : cordon_err(err, errno, "open %s", name);
		DIR *d = fdopendir(fd);
		if (d == NULL)
			return cordon_err(err, errno, "open %s", name);
		fd = -1;
		_cleanup_strv_ strv names = {0};
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				strv_push(&names, de->d_name);
		int r = 0;
		for (size_t i = 0; r == 0 && i < names.n; i++)
			r = fs_rm_rf_at(dirfd(d), names.v[i], err);
		closedir(d);
		return r;
	}
	int r = fs_rm_rf_at(basefd, name, err);
	if (r == 0 && us != NULL && !in_use && unlinkat(basefd, snap_name, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		return cordon_err(err, errno, "remove %s", snap_name);
	return r;
}

/* Remove everything a snap has on disk: policy, mounts, data, blobs, the
 * preserved namespace and private /tmp. */
static int purge_locked(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	/* its units first: nothing starts it once its policy is gone (the
	 * `services` entry of the remove stops what still runs) */
	int r = cordon_services_remove_files(ctx, name, err);
	/* and its /snap/bin entries, before its policy: an entry never
	 * outlives what it runs */
	if (r == 0)
		r = cordon_snapbin_remove(ctx, name, err);
	if (r == 0) /* and its desktop files, which name those entries */
		r = cordon_desktop_remove(ctx, name, err);
	if (r == 0)
		r = cordon_apply_remove_labels(ctx, name, NULL, err);
	/* and its cookie: a command of it still running can no longer act as
	 * it through snapctl (nor could one of a snap installed later under
	 * the same name: that gets a new cookie) */
	if (r == 0)
		r = cordon_cookie_remove(ctx, name, err);
	if (r < 0)
		return r;
	/* its preserved namespaces and lock file go too: the lock is held
	 * meanwhile, and a launch waiting for it takes the next one (nsdir.c)
	 * and finds no policy */
	r = cordon_runtime_discard_snap(&ctx->paths, name, err);
	if (r < 0)
		return r;
	r = remove_cgroups(ctx, name, err);
	if (r < 0)
		return r;
	r = prune_locked(ctx, name, err); /* state knows no revision now */
	if (r < 0)
		return r;
	const char *bases[] = {ctx->paths.snap_mount, ctx->paths.var_snap};
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		_cleanup_close_ int fd = fs_open_dir(bases[i], O_RDONLY, err);
		if (fd < 0)
			return fd;
		r = remove_snap_dir(ctx, fd, name, err);
		if (r < 0)
			return r;
	}
	/* the users' data of the snap too (snapd's remove deletes it) */
	remove_user_data(ctx, name, NULL);
	return 0;
}

int cordon_snap_purge(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	int dirfd = -1;
	int lock = lock_snap(ctx, name, &dirfd, err);
	if (lock < 0 && lock != -ENOENT)
		return lock;
	int r = purge_locked(ctx, name, err);
	if (lock >= 0)
		close(lock);
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

int cordon_revision_make_data_dirs(cordon_ctx *ctx, const char *name, const char *prev,
				   const char *rev, cordon_error **err)
{
	_cleanup_free_ char *vardir = xasprintf("%s/%s", ctx->paths.var_snap, name);
	_cleanup_close_ int vfd = fs_mkdir_p(vardir, 0755, 0, 0, err);
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
