/* The command's file system view: see view.h for what it is and why. */
#include "view.h"
#include "view_tree.h"
#include "fsutil.h"
#include "nsdir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define STAMP_MAX (4u << 20)

/* Paths in the stamp are escaped: a name the user chose (a match of a
 * pattern in $HOME) must not be able to forge a line, so that different
 * targets never give the same stamp. */
static void add_escaped(buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\\')
			buf_adds(b, "\\\\");
		else if (ch < 0x20 || ch == 0x7f)
			buf_printf(b, "\\x%02x", ch);
		else
			buf_addc(b, (char)ch);
	}
}

/* The made-up directories of a view are copies of real ones at the time it
 * was built: every proper ancestor of a target, outside the granted places
 * themselves. Their identity and modification time go into the stamp, so an
 * entry added beside a granted place (a device node plugged in, a file made
 * in /etc) gets its placeholder at the next launch. */
static void fingerprint_dirs(const cordon_targets *t, buf *b)
{
	_cleanup_strv_ strv roots = {0}, dirs = {0}, seen = {0};
	for (size_t i = 0; i < t->n; i++)
		if (!(t->v[i].flags & (CORDON_TARGET_LATE | CORDON_TARGET_PROC)))
			strv_push(&roots, t->v[i].at ? t->v[i].at : t->v[i].real);
	strv_push(&roots, "/proc");
	strv_push(&roots, "/dev");
	/* the host's /dev is in every view as it is; a socket made in it
	 * needs a cover (view_dev_sockets) */
	strv_push(&dirs, "/dev");
	for (size_t i = 0; i < t->n; i++) {
		const cordon_target *tg = &t->v[i];
		if (tg->flags & CORDON_TARGET_LATE)
			continue;
		/* an object shown elsewhere (`at`) lies beneath the
		 * directories of that place alone */
		const char *paths[2] = {tg->at ? tg->at : tg->real, tg->at ? tg->at : tg->path};
		/* the same path twice (most targets: no symlink on the way)
		 * adds nothing the first did not */
		size_t n_paths = strcmp(paths[0], paths[1]) == 0 ? 1 : 2;
		for (size_t k = 0; k < n_paths; k++) {
			_cleanup_free_ char *p = xstrdup(paths[k]);
			for (char *slash = strrchr(p, '/'); slash; slash = strrchr(p, '/')) {
				*slash = '\0';
				const char *dir = p[0] ? p : "/";
				/* A directory seen before had every ancestor
				 * looked at then: whether a directory is
				 * listed depends on its path alone, so the
				 * climb stops there (with some 60 targets
				 * sharing a few parents, the climb and its
				 * comparisons with every root were most of
				 * the stamp's time). */
				if (strv_contains(&seen, dir))
					break;
				strv_push(&seen, dir);
				bool inside = view_hidden_content(dir);
				for (size_t r = 0; !inside && r < roots.n; r++) {
					size_t n = strlen(roots.v[r]);
					inside = strncmp(dir, roots.v[r], n) == 0 &&
						 (dir[n] == '\0' || dir[n] == '/') &&
						 strcmp(roots.v[r], "/") != 0;
				}
				if (!inside && !strv_contains(&dirs, dir))
					strv_push(&dirs, dir);
				if (!p[0])
					break;
			}
		}
	}
	strv_sort(&dirs);
	for (size_t i = 0; i < dirs.n; i++) {
		struct stat st;
		buf_adds(b, "dir ");
		add_escaped(b, dirs.v[i]);
		if (stat(dirs.v[i], &st) < 0)
			buf_adds(b, " -\n");
		else
			buf_printf(b, " %u:%u:%llu:%lld.%09ld\n", major(st.st_dev),
				   minor(st.st_dev), (unsigned long long)st.st_ino,
				   (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
}

char *cordon_view_stamp(const cordon_targets *t, const cordon_caller *c, uint64_t snap_ns)
{
	_cleanup_buf_ buf b = {0};
	buf_printf(&b, "cordon view 1\nsnap-ns %llu\ncaller %u %u\n", (unsigned long long)snap_ns,
		   (unsigned)c->uid, (unsigned)c->gid);
	for (size_t i = 0; i < t->n; i++) {
		const cordon_target *tg = &t->v[i];
		buf_printf(&b, "%llx ", (unsigned long long)tg->access);
		add_escaped(&b, tg->path);
		buf_addc(&b, '\t');
		if (tg->flags & CORDON_TARGET_LATE)
			buf_adds(&b, "late\n");
		else if (tg->flags & CORDON_TARGET_PROC)
			buf_adds(&b, "proc\n");
		else {
			add_escaped(&b, tg->real);
			if (tg->at) {
				buf_adds(&b, "\tat ");
				add_escaped(&b, tg->at);
			}
			buf_printf(&b, "\t%u:%u:%llu:%o\n", major(tg->st.st_dev),
				   minor(tg->st.st_dev), (unsigned long long)tg->st.st_ino,
				   (unsigned)tg->st.st_mode);
		}
	}
	fingerprint_dirs(t, &b);
	return buf_steal(&b);
}

int cordon_view_cwd_open(const char *path, cordon_cwd *c)
{
	*c = (cordon_cwd){0};
	if (path[0] != '/')
		return -EINVAL;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int *fds = xmalloc(sizeof *fds);
	size_t n = 0;
	fds[n++] = fd;
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		fd = openat(fds[n - 1], p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || n >= 64) {
			int e = fd < 0 ? errno : ENAMETOOLONG;
			if (fd >= 0)
				close(fd);
			*c = (cordon_cwd){.fds = fds, .n = n};
			cordon_view_cwd_free(c);
			return -e;
		}
		fds = xreallocarray(fds, n + 1, sizeof *fds);
		fds[n++] = fd;
	}
	*c = (cordon_cwd){.path = xstrdup(path), .fds = fds, .n = n};
	return 0;
}

void cordon_view_cwd_free(cordon_cwd *c)
{
	for (size_t i = 0; i < c->n; i++)
		close(c->fds[i]);
	free(c->fds);
	free(c->path);
	*c = (cordon_cwd){0};
}

/* Working directories can be large: a stand-in level copies this many
 * entries at most (the rest are absent there). */
#define STAND_IN_MAX 4096

int cordon_view_stand_in(const cordon_cwd *c, cordon_error **err)
{
	struct stat root;
	if (c->n < 2 || stat("/", &root) < 0)
		return 0;
	_cleanup_strv_ strv comps = {0};
	_cleanup_free_ char *copy = xstrdup(c->path);
	char *save = NULL;
	for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save))
		strv_push(&comps, p);
	_cleanup_close_ int cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return cordon_err(err, errno, "open /");
	_cleanup_buf_ buf at = {0};
	for (size_t i = 0; i < comps.n; i++) {
		_cleanup_close_ int next =
		    openat(cur, comps.v[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return 0; /* not in the view at all: the command starts elsewhere */
		buf_printf(&at, "/%s", comps.v[i]);
		struct stat st;
		if (fstat(next, &st) < 0)
			return cordon_err(err, errno, "stat %s", at.p);
		if (!(st.st_dev == root.st_dev && st.st_uid == NOBODY &&
		      (st.st_mode & 07777) == 0)) {
			close(cur);
			cur = steal_fd(next);
			continue;
		}
		/* A placeholder: in this command's namespace only, a tmpfs
		 * over it with the rest of the path, each level made as the
		 * view makes a directory on the way to granted places. */
		_cleanup_free_ char *mp = xasprintf("/proc/self/fd/%d", next);
		if (mount("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=0755,uid=65534,gid=65534,size=1m") < 0)
			return cordon_err(err, errno, "view: stand in for %s", c->path);
		_cleanup_close_ int top =
		    openat(cur, comps.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (top < 0)
			return cordon_err(err, errno, "view: stand in for %s", c->path);
		_cleanup_free_ char *holder_path = xstrdup(at.p);
		vnode *level = vnode_new("", V_DIR);
		vnode *v = level;
		for (size_t j = i; j < comps.n; j++) {
			vnode *kid =
			    j + 1 < comps.n ? vnode_add(v, vnode_new(comps.v[j + 1], V_DIR)) : NULL;
			view_list_holders(v, c->fds[j + 1], at.p, STAND_IN_MAX);
			if (kid) {
				buf_printf(&at, "/%s", comps.v[j + 1]);
				v = kid;
			}
		}
		int r = view_populate(top, level, holder_path, err);
		vnode_free(level);
		return r;
	}
	return 0;
}

static int join_view(int dirfd, const char *name, cordon_error **err)
{
	_cleanup_close_ int fd = cordon_ns_open_preserved(dirfd, name);
	if (fd < 0)
		return -ENOENT;
	if (setns(fd, CLONE_NEWNS) < 0)
		return cordon_err(err, errno, "join the view %s", name);
	return 0;
}

static int build(const cordon_ns_session *s, const char *name, const char *stampname,
		 const char *stamp, const cordon_targets *t, cordon_error **err)
{
	vnode *root = vnode_new("", V_DIR);
	int r = view_tree_build(t, root, err);
	_cleanup_strv_ strv dev_sockets = {0};
	_cleanup_close_ int realdev = open("/dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (realdev >= 0)
		view_dev_sockets(realdev, "/dev", 0, &dev_sockets);
	_cleanup_close_ int newns = -1;
	if (r == 0) {
		newns = cordon_unshare_mntns_newer(s->host_ns, err);
		r = newns < 0 ? newns : 0;
	}
	/* Receive what the snap's namespace mounts later; send nothing back. */
	if (r == 0 && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		r = cordon_err(err, errno, "view: make / a slave");
	_cleanup_close_ int top = -1;
	if (r == 0 && root->kind == V_BIND) {
		/* a policy granting / itself: the view starts from it */
		r = view_attach(root->clone, AT_FDCWD, s->stage, s->stage, err);
	} else if (r == 0 && mount("tmpfs", s->stage, "tmpfs", MS_NOSUID | MS_NODEV,
				   "mode=0755,uid=65534,gid=65534,size=1m") < 0) {
		r = cordon_err(err, errno, "view: mount a tmpfs on %s", s->stage);
	}
	if (r == 0) {
		top = open(s->stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (top < 0)
			r = cordon_err(err, errno, "view: open %s", s->stage);
	}
	if (r == 0 && root->kind == V_BIND)
		r = view_nested(top, root, NULL, "", err);
	else if (r == 0)
		r = view_populate(top, root, "/", err);
	vnode_free(root);
	if (r == 0 && dev_sockets.n > 0) {
		_cleanup_close_ int devmp =
		    openat(top, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = devmp < 0 ? cordon_err(err, errno, "view: open /dev")
			      : view_cover_sockets(top, devmp, &dev_sockets, err);
	}
	/* The view becomes the namespace's root; the snap's tree under it is
	 * let go (pivot_root(".", "."), then the old root detached). */
	if (r == 0 && (fchdir(top) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
		       umount2(".", MNT_DETACH) < 0 || chdir("/") < 0))
		r = cordon_err(err, errno, "view: make it the root");
	if (r < 0)
		return r;
	if (setns(s->host_ns, CLONE_NEWNS) < 0)
		return cordon_err(err, errno, "return to the host mount namespace");
	_cleanup_free_ char *nsfile = xasprintf("/proc/self/fd/%d", newns);
	r = cordon_ns_preserve(s->dirfd, name, nsfile, err);
	if (r == 0)
		r = fs_write_runtime_at(s->dirfd, stampname, stamp, strlen(stamp), 0600, err);
	if (r < 0)
		return r;
	if (setns(newns, CLONE_NEWNS) < 0)
		return cordon_err(err, errno, "enter the new view");
	return 0;
}

int cordon_view_join(const cordon_ns_session *s, const char *label, const cordon_targets *t,
		     const cordon_caller *c, cordon_error **err)
{
	_cleanup_free_ char *name = xasprintf("%s.%u.view", label, (unsigned)c->uid);
	_cleanup_free_ char *stampname = xasprintf("%s.%u.vstamp", label, (unsigned)c->uid);
	_cleanup_free_ char *stamp = cordon_view_stamp(t, c, s->snap_ns);
	_cleanup_free_ char *old = NULL;
	size_t len = 0;
	if (fs_read_at(s->dirfd, stampname, STAMP_MAX, &old, &len, NULL) < 0 ||
	    len != strlen(stamp) || memcmp(old, stamp, len) != 0)
		return -ESTALE;
	int r = join_view(s->dirfd, name, err);
	return r == -ENOENT ? -ESTALE : r;
}

bool cordon_view_supported(void)
{
	/* an invalid fd: EBADF where the call exists */
	return syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, NULL, 0) < 0 && errno != ENOSYS;
}

int cordon_view_build(const cordon_ns_session *s, const char *label, const cordon_targets *t,
		      const cordon_caller *c, cordon_error **err)
{
	_cleanup_free_ char *name = xasprintf("%s.%u.view", label, (unsigned)c->uid);
	_cleanup_free_ char *stampname = xasprintf("%s.%u.vstamp", label, (unsigned)c->uid);
	if (!cordon_view_supported())
		return -ENOSYS;
	_cleanup_free_ char *stamp = cordon_view_stamp(t, c, s->snap_ns);
	return build(s, name, stampname, stamp, t, err);
}

int cordon_views_discard(int ns_dirfd, const char *instance, cordon_error **err)
{
	_cleanup_close_ int fd = dup(ns_dirfd);
	if (fd < 0)
		return cordon_err(err, errno, "dup");
	DIR *d = fdopendir(fd);
	if (d == NULL)
		return cordon_err(err, errno, "list the namespace directory");
	fd = -1;
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", instance);
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)) != NULL) {
		/* ".<name>.tmp": a stamp whose writer was killed (fsutil.h) */
		const char *name = de->d_name[0] == '.' ? de->d_name + 1 : de->d_name;
		if (!str_has_prefix(name, prefix))
			continue;
		if (name != de->d_name && str_has_suffix(name, ".vstamp.tmp")) {
			if (unlinkat(ns_dirfd, de->d_name, 0) < 0 && errno != ENOENT)
				r = cordon_err(err, errno, "remove %s", de->d_name);
		} else if (str_has_suffix(name, ".view") || str_has_suffix(name, ".vstamp")) {
			r = cordon_ns_unbind(ns_dirfd, de->d_name, true, err);
		}
	}
	closedir(d);
	return r;
}
