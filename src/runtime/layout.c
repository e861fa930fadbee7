/* See layout.h. */
#include "layout.h"
#include "fsutil.h"
#include "mount_api.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct lctx {
	strv made;   /* directories made or mimicked here: entries may be made in them */
	strv mimics; /* the mimics' tmpfs, made read-only at the end */
} lctx;

enum want { WANT_DIR, WANT_FILE, WANT_NONE };

static char *proc_fd(int fd)
{
	return xasprintf("/proc/self/fd/%d", fd);
}

static char *join(const char *dir, const char *name)
{
	return xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", name);
}

typedef struct entry {
	char *name;
	struct stat st;
	char *link;
	int clone;
} entry;

/* The directory at path (existing, reached through no symlink) becomes a
 * tmpfs with its entries bound back. */
static int mimic(lctx *c, const char *path, cordon_error **err)
{
	if (strcmp(path, "/") == 0)
		return cordon_err_msg(err, EPERM,
				      "layout: cannot add an entry to the host's / (a snap without "
				      "a base runs on the host's root)");
	_cleanup_close_ int dfd = fs_open_dir(path, O_RDONLY, err);
	if (dfd < 0)
		return cordon_err_prefix(err, "layout");
	struct stat st;
	if (fstat(dfd, &st) < 0)
		return cordon_err(err, errno, "layout: stat %s", path);
	_cleanup_strv_ strv names = {0};
	int r = fs_list_dir_at(dfd, &names, err);
	entry *v = xcalloc(names.n + 1, sizeof *v);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		v[i] = (entry){.name = names.v[i], .clone = -1};
		if (fstatat(dfd, v[i].name, &v[i].st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = cordon_err(err, errno, "layout: stat %s/%s", path, v[i].name);
		} else if (S_ISLNK(v[i].st.st_mode)) {
			v[i].link = fs_readlink_at(dfd, v[i].name);
			if (v[i].link == NULL)
				r = cordon_err(err, errno, "layout: readlink %s/%s", path,
					       v[i].name);
		} else {
			v[i].clone = (int)syscall(SYS_open_tree, dfd, v[i].name,
						  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						      AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
			if (v[i].clone < 0)
				r = cordon_err(err, errno, "layout: copy %s/%s", path, v[i].name);
		}
	}
	_cleanup_free_ char *opts = xasprintf("mode=%o,uid=%u,gid=%u", st.st_mode & 07777,
					      (unsigned)st.st_uid, (unsigned)st.st_gid);
	_cleanup_free_ char *at = proc_fd(dfd);
	if (r == 0 && mount("tmpfs", at, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		r = cordon_err(err, errno, "layout: mount a tmpfs on %s", path);
	_cleanup_close_ int top = -1;
	if (r == 0) {
		top = fs_open_dir(path, O_RDONLY, err);
		r = top < 0 ? top : 0;
	}
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		entry *e = &v[i];
		mode_t mode = e->st.st_mode & 07777;
		int made = e->link		    ? symlinkat(e->link, top, e->name)
			   : S_ISDIR(e->st.st_mode) ? mkdirat(top, e->name, mode)
						    : mknodat(top, e->name, S_IFREG | mode, 0);
		if (made < 0 ||
		    fchownat(top, e->name, e->st.st_uid, e->st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = cordon_err(err, errno, "layout: mimic %s/%s", path, e->name);
		else if (!e->link && syscall(SYS_move_mount, e->clone, "", top, e->name,
					     MOVE_MOUNT_F_EMPTY_PATH) < 0)
			r = cordon_err(err, errno, "layout: bind %s/%s back", path, e->name);
	}
	for (size_t i = 0; i < names.n; i++) {
		free(v[i].link);
		if (v[i].clone >= 0)
			close(v[i].clone);
	}
	free(v);
	if (r == 0) {
		strv_push(&c->made, path);
		strv_push(&c->mimics, path);
	}
	return r;
}

static int ensure_depth(lctx *c, const char *path, enum want want, int depth, cordon_error **err);

/* A symlink on the way (/bin -> usr/bin on merged-/usr systems, and in the
 * bases built from them) is followed where only root could have made it:
 * in a root-owned directory nobody else may write. Anywhere else it is
 * refused. */
static int follow(lctx *c, int depth, const char *path, int pfd, const char *parent, const char *at,
		  const strv *comps, size_t i, enum want want, cordon_error **err)
{
	struct stat dir;
	if (fstat(pfd, &dir) < 0)
		return cordon_err(err, errno, "layout %s: stat %s", path, parent);
	if (i + 1 == comps->n || dir.st_uid != 0 || (dir.st_mode & (S_IWGRP | S_IWOTH)))
		return cordon_err_msg(err, ELOOP, "layout %s: %s is a symlink", path, at);
	_cleanup_free_ char *text = fs_readlink_at(pfd, comps->v[i]);
	if (text == NULL)
		return cordon_err(err, errno, "layout %s: readlink %s", path, at);
	_cleanup_buf_ buf b = {0};
	if (text[0] == '/')
		buf_adds(&b, text);
	else
		buf_printf(&b, "%s/%s", strcmp(parent, "/") ? parent : "", text);
	for (size_t k = i + 1; k < comps->n; k++)
		buf_printf(&b, "/%s", comps->v[k]);
	_cleanup_free_ char *clean = xstrdup(b.p);
	return ensure_depth(c, clean, want, depth + 1, err);
}

/* Make path exist (a directory, a file, or nothing at all for a symlink to
 * be made there), mimicking what must take a new entry. Returns an O_PATH
 * fd of the parent directory. */
static int ensure(lctx *c, const char *path, enum want want, cordon_error **err)
{
	return ensure_depth(c, path, want, 0, err);
}

static int ensure_depth(lctx *c, const char *path, enum want want, int depth, cordon_error **err)
{
	if (depth > 8)
		return cordon_err_msg(err, ELOOP, "layout %s: too many symlinks", path);
	_cleanup_strv_ strv comps = {0};
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save))
		strv_push(&comps, p);
	if (comps.n == 0)
		return cordon_err_msg(err, EINVAL, "layout: %s: not a place", path);
	_cleanup_free_ char *parent = xstrdup("/");
	for (size_t i = 0; i < comps.n; i++) {
		bool last = i + 1 == comps.n;
		_cleanup_free_ char *next = join(parent, comps.v[i]);
		_cleanup_close_ int pfd = fs_open_dir(parent, O_PATH, err);
		if (pfd < 0)
			return cordon_err_prefix(err, "layout %s", path);
		struct stat st;
		if (fstatat(pfd, comps.v[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISLNK(st.st_mode))
				return follow(c, depth, path, pfd, parent, next, &comps, i, want,
					      err);
			bool ok = last ? (want == WANT_DIR    ? S_ISDIR(st.st_mode)
					  : want == WANT_FILE ? !S_ISDIR(st.st_mode)
							      : false)
				       : S_ISDIR(st.st_mode);
			if (!ok)
				return cordon_err_msg(err, EEXIST,
						      "layout %s: %s is there already and is "
						      "not what the layout needs",
						      path, next);
			if (last)
				return steal_fd(pfd);
			free(parent);
			parent = steal_ptr(next);
			continue;
		}
		if (errno != ENOENT)
			return cordon_err(err, errno, "layout %s: stat %s", path, next);
		if (!strv_contains(&c->made, parent)) {
			int r = mimic(c, parent, err);
			if (r < 0)
				return r;
			close(pfd);
			pfd = fs_open_dir(parent, O_PATH, err);
			if (pfd < 0)
				return pfd;
		}
		if (last && want == WANT_NONE)
			return steal_fd(pfd);
		int r = last && want == WANT_FILE ? mknodat(pfd, comps.v[i], S_IFREG | 0644, 0)
						  : mkdirat(pfd, comps.v[i], 0755);
		if (r < 0)
			return cordon_err(err, errno, "layout %s: make %s", path, next);
		if (last)
			return steal_fd(pfd);
		strv_push(&c->made, next);
		free(parent);
		parent = steal_ptr(next);
	}
	return cordon_err_msg(err, EINVAL, "layout %s", path); /* not reached */
}

static const char *env_static(const cordon_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_env_static; i++)
		if (strcmp(p->env_static[i].name, name) == 0)
			return p->env_static[i].value;
	return NULL;
}

static bool beneath_or_at(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;
	return n > 1 && strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A bind's source: made when missing, as snap-update-ns does (in the snap's
 * data directories as they are; in $SNAP through a mimic). */
static int source_fd(lctx *c, const cordon_policy *p, const cordon_layout_entry *l,
		     cordon_error **err)
{
	bool dir = l->kind == CORDON_LAYOUT_BIND;
	int fd = fs_open_path_nofollow(l->source);
	if (fd != -ENOENT)
		return fd < 0 ? cordon_err(err, -fd, "layout %s: open %s", l->path, l->source) : fd;
	if (beneath_or_at(l->source, env_static(p, "SNAP_DATA")) ||
	    beneath_or_at(l->source, env_static(p, "SNAP_COMMON"))) {
		_cleanup_free_ char *parent = xstrdup(l->source);
		char *slash = strrchr(parent, '/');
		*slash = '\0';
		_cleanup_close_ int pfd = fs_mkdir_p(parent[0] ? parent : "/", 0755, 0, 0, err);
		if (pfd < 0)
			return pfd;
		const char *name = slash + 1;
		if ((dir ? mkdirat(pfd, name, 0755) : mknodat(pfd, name, S_IFREG | 0644, 0)) < 0 &&
		    errno != EEXIST)
			return cordon_err(err, errno, "layout %s: make %s", l->path, l->source);
	} else if (beneath_or_at(l->source, p->mount_dir)) {
		_cleanup_close_ int pfd = ensure(c, l->source, dir ? WANT_DIR : WANT_FILE, err);
		if (pfd < 0)
			return pfd;
	} else {
		return cordon_err_msg(err, ENOENT, "layout %s: %s is not there", l->path,
				      l->source);
	}
	fd = fs_open_path_nofollow(l->source);
	return fd < 0 ? cordon_err(err, -fd, "layout %s: open %s", l->path, l->source) : fd;
}

static int apply_one(lctx *c, const cordon_policy *p, const cordon_layout_entry *l,
		     cordon_error **err)
{
	const char *name = strrchr(l->path, '/') + 1;
	if (l->kind == CORDON_LAYOUT_SYMLINK) {
		_cleanup_close_ int pfd = ensure(c, l->path, WANT_NONE, err);
		if (pfd < 0)
			return pfd;
		if (symlinkat(l->source, pfd, name) < 0)
			return cordon_err(err, errno, "layout %s: symlink", l->path);
		return 0;
	}
	_cleanup_close_ int src = -1;
	if (l->kind != CORDON_LAYOUT_TMPFS) {
		src = source_fd(c, p, l, err);
		if (src < 0)
			return src;
		struct stat st;
		if (fstat(src, &st) < 0)
			return cordon_err(err, errno, "layout %s: stat %s", l->path, l->source);
		if (S_ISDIR(st.st_mode) != (l->kind == CORDON_LAYOUT_BIND))
			return cordon_err_msg(err, EINVAL, "layout %s: %s is not a %s", l->path,
					      l->source,
					      l->kind == CORDON_LAYOUT_BIND ? "directory" : "file");
	}
	_cleanup_close_ int pfd =
	    ensure(c, l->path, l->kind == CORDON_LAYOUT_BIND_FILE ? WANT_FILE : WANT_DIR, err);
	if (pfd < 0)
		return pfd;
	_cleanup_close_ int dst = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return cordon_err(err, errno, "layout %s: open", l->path);
	_cleanup_free_ char *to = proc_fd(dst);
	if (l->kind == CORDON_LAYOUT_TMPFS) {
		_cleanup_free_ char *opts = xasprintf("mode=%o,uid=0,gid=0", l->mode);
		if (mount("tmpfs", to, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
			return cordon_err(err, errno, "layout %s: mount a tmpfs", l->path);
		return 0;
	}
	_cleanup_free_ char *from = proc_fd(src);
	if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cordon_err(err, errno, "layout %s: bind %s", l->path, l->source);
	return 0;
}

int cordon_layouts_apply(const cordon_policy *p, bool root_is_ours, cordon_error **err)
{
	if (p->n_layouts == 0)
		return 0;
	lctx c = {0};
	if (root_is_ours)
		strv_push(&c.made, "/");
	int r = 0;
	for (size_t i = 0; r == 0 && i < p->n_layouts; i++)
		r = apply_one(&c, p, &p->layouts[i], err);
	/* the mimics stay as the layouts left them */
	for (size_t i = 0; r == 0 && i < c.mimics.n; i++) {
		_cleanup_close_ int fd = fs_open_dir(c.mimics.v[i], O_PATH, err);
		_cleanup_free_ char *at = fd < 0 ? NULL : proc_fd(fd);
		if (fd < 0)
			r = fd;
		else if (mount(NULL, at, NULL,
			       MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
			r = cordon_err(err, errno, "layout: make the mimic %s read-only",
				       c.mimics.v[i]);
	}
	strv_free(&c.made);
	strv_free(&c.mimics);
	return r;
}
