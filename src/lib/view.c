/* The command's file system view: see view.h for what it is and why. */
#include "view.h"
#include "fsutil.h"
#include "mountns.h"
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

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* The overflow uid and gid: nobody. What the view makes up belongs to no one
 * the command can be, so no metadata of it can change. */
#define NOBODY 65534
#define STAMP_MAX (4u << 20)

enum vkind {
	V_DIR,    /* made up: a directory on the way to granted places */
	V_BIND,   /* a granted object, bind-mounted */
	V_LINK,   /* a symlink a rule's path goes through */
	V_HOLDER, /* an entry that exists beside granted places: a placeholder */
};

typedef struct vnode {
	char *name;
	enum vkind kind;
	struct vnode **kids;
	size_t nkids;
	struct stat st; /* V_DIR, V_HOLDER: the real entry */
	char *link;     /* V_LINK, symlink holders: the link text */
	int src;        /* V_BIND: the object (not owned unless own_src) */
	bool own_src;
	bool rw;      /* V_BIND: mounted writable */
	bool mounted; /* V_BIND: not already covered by a bind above */
	int clone;    /* V_BIND: detached copy of the object's mount, owned */
} vnode;

static vnode *vnode_new(const char *name, enum vkind kind)
{
	vnode *n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	n->kind = kind;
	n->src = -1;
	n->clone = -1;
	return n;
}

static void vnode_free(vnode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		vnode_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->link);
	if (n->own_src && n->src >= 0)
		close(n->src);
	if (n->clone >= 0)
		close(n->clone);
	free(n);
}

static vnode *vnode_kid(vnode *n, const char *name)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (strcmp(n->kids[i]->name, name) == 0)
			return n->kids[i];
	return NULL;
}

static vnode *vnode_add(vnode *n, vnode *kid)
{
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof *n->kids);
	n->kids[n->nkids++] = kid;
	return kid;
}

/* The node at an absolute path, made (as V_DIR) with everything above it. */
static vnode *vnode_at(vnode *root, const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	vnode *n = root;
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		vnode *k = vnode_kid(n, c);
		n = k ? k : vnode_add(n, vnode_new(c, V_DIR));
	}
	return n;
}

static void add_bind(vnode *root, const char *real, int src, bool own, bool rw)
{
	vnode *n = vnode_at(root, real);
	if (n->kind == V_BIND) {
		n->rw |= rw;
		if (own)
			close(src);
		return;
	}
	n->kind = V_BIND;
	n->src = src;
	n->own_src = own;
	n->rw = rw;
}

/* The symlinks a rule's path goes through, so that the path resolves in the
 * view as it does outside (a rule names /etc/resolv.conf, the object is at
 * /run/systemd/resolve/stub-resolv.conf). */
static void add_links(vnode *root, const char *path)
{
	strv queue = {0}, stack = {0};
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		strv_push(&queue, c);
	size_t qi = 0;
	int links = 0;
	while (qi < queue.n) {
		const char *c = queue.v[qi++];
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			if (stack.n > 0)
				free(stack.v[--stack.n]);
			continue;
		}
		_cleanup_buf_ buf at = {0};
		for (size_t i = 0; i < stack.n; i++)
			buf_printf(&at, "/%s", stack.v[i]);
		buf_printf(&at, "/%s", c);
		struct stat st;
		if (lstat(at.p, &st) < 0)
			break;
		if (!S_ISLNK(st.st_mode)) {
			strv_push(&stack, c);
			continue;
		}
		char text[PATH_MAX];
		ssize_t n = readlink(at.p, text, sizeof text - 1);
		if (n <= 0 || ++links > 40)
			break;
		text[n] = '\0';
		vnode *l = vnode_at(root, at.p);
		if (l->kind == V_DIR && l->nkids == 0) {
			l->kind = V_LINK;
			l->link = xstrdup(text);
		}
		/* continue with the link's text, then what followed it */
		strv rest = {0};
		_cleanup_free_ char *t = xstrdup(text);
		char *s2 = NULL;
		for (char *tc = strtok_r(t, "/", &s2); tc; tc = strtok_r(NULL, "/", &s2))
			strv_push(&rest, tc);
		for (size_t i = qi; i < queue.n; i++)
			strv_push(&rest, queue.v[i]);
		strv_free(&queue);
		queue = rest;
		qi = 0;
		if (text[0] == '/')
			strv_free(&stack);
	}
	strv_free(&queue);
	strv_free(&stack);
}

/* /run/user holds every user's session sockets: a command sees only its own
 * runtime directory there and what its interfaces grant, as it always did
 * (no placeholders: what is not granted does not exist). */
static bool hidden_content(const char *path)
{
	return strcmp(path, "/run/user") == 0 || str_has_prefix(path, "/run/user/");
}

/* Placeholders for the real entries of a made-up directory (at most max:
 * what lies beyond them is simply absent). */
static int list_holders_fd(vnode *n, int fd, const char *path, size_t max, cordon_error **err)
{
	if (hidden_content(path))
		return 0;
	_cleanup_close_ int lfd = dup(fd);
	if (lfd < 0)
		return cordon_err(err, errno, "dup");
	DIR *d = fdopendir(lfd);
	if (d == NULL)
		return cordon_err(err, errno, "list %s", path);
	lfd = -1;
	struct dirent *de;
	for (size_t count = 0; count < max && (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    vnode_kid(n, de->d_name))
			continue;
		vnode *h = vnode_new(de->d_name, V_HOLDER);
		if (fstatat(fd, de->d_name, &h->st, AT_SYMLINK_NOFOLLOW) < 0) {
			vnode_free(h);
			continue; /* gone meanwhile */
		}
		if (S_ISLNK(h->st.st_mode)) {
			char text[PATH_MAX];
			ssize_t len = readlinkat(fd, de->d_name, text, sizeof text - 1);
			if (len <= 0) {
				vnode_free(h);
				continue;
			}
			h->link = xstrndup(text, (size_t)len);
		}
		vnode_add(n, h);
		count++;
	}
	closedir(d);
	return 0;
}

static int list_holders(vnode *n, const char *path, cordon_error **err)
{
	_cleanup_close_ int fd = fs_open_dir(path, O_RDONLY, NULL);
	if (fd < 0)
		return 0; /* unreadable or gone: an empty directory */
	return list_holders_fd(n, fd, path, SIZE_MAX, err);
}

/* Which binds are mounted (one already covered by a bind above is not,
 * unless it must be writable inside a read-only one), and the placeholders
 * of every made-up directory. cover: 0 none, 1 read-only, 2 writable. */
static int plan(vnode *n, const char *path, int cover, cordon_error **err)
{
	int below = cover;
	if (n->kind == V_BIND) {
		n->mounted = cover == 0 || (cover == 1 && n->rw);
		if (n->mounted)
			below = n->rw ? 2 : 1;
	} else if (n->kind == V_DIR && cover == 0) {
		int r = list_holders(n, path, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n->nkids; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", strcmp(path, "/") ? path : "",
						   n->kids[i]->name);
		int r = plan(n->kids[i], p, below, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_attr(int fd, struct mount_attr *a, const char *what, cordon_error **err)
{
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, a, sizeof *a) < 0)
		return cordon_err(err, errno, "view: %s", what);
	return 0;
}

/* Detached copies of the granted objects' mounts, taken in the snap's
 * namespace (a mount of another namespace cannot be copied from there).
 * Each is a slave of the snap's mount, so what the snap's namespace mounts
 * later (content connections) still arrives, and nothing made in the view
 * goes back. */
static int clone_binds(vnode *n, const char *path, cordon_error **err)
{
	if (n->kind == V_BIND && n->mounted) {
		n->clone = (int)syscall(SYS_open_tree, n->src, "",
					OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
						AT_RECURSIVE);
		if (n->clone < 0)
			return cordon_err(err, errno, "view: copy the mount of %s", path);
		struct mount_attr slave = {.propagation = MS_SLAVE};
		int r = set_attr(n->clone, &slave, "make a copy a slave", err);
		if (r < 0)
			return r;
		if (!n->rw) {
			struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
			r = set_attr(n->clone, &ro, "make a copy read-only", err);
			if (r < 0)
				return r;
		}
	}
	for (size_t i = 0; i < n->nkids; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", strcmp(path, "/") ? path : "",
						   n->kids[i]->name);
		int r = clone_binds(n->kids[i], p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int attach(int clone, int dirfd, const char *rel, const char *path, cordon_error **err)
{
	if (syscall(SYS_move_mount, clone, "", dirfd, rel, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return cordon_err(err, errno, "view: mount %s", path);
	return 0;
}

/* Binds inside a bind (a writable place inside a read-only one): their
 * mount points exist in what is already mounted. */
static int nested(int bindfd, vnode *n, const char *rel, const char *path, cordon_error **err)
{
	for (size_t i = 0; i < n->nkids; i++) {
		vnode *k = n->kids[i];
		_cleanup_free_ char *krel = rel ? xasprintf("%s/%s", rel, k->name) : xstrdup(k->name);
		_cleanup_free_ char *kpath = xasprintf("%s/%s", path, k->name);
		int r = 0;
		if (k->kind == V_BIND && k->mounted) {
			r = attach(k->clone, bindfd, krel, kpath, err);
			if (r == 0 && k->nkids > 0) {
				_cleanup_close_ int fd =
					openat(bindfd, krel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				r = fd < 0 ? cordon_err(err, errno, "view: open %s", kpath)
					   : nested(fd, k, NULL, kpath, err);
			}
		} else if (k->kind == V_DIR || k->kind == V_BIND) {
			r = nested(bindfd, k, krel, kpath, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int own(int dirfd, const char *name, uid_t uid, gid_t gid, const char *path,
	       cordon_error **err)
{
	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cordon_err(err, errno, "view: chown %s", path);
	return 0;
}

/* A placeholder: directories 0000, files 0444 (reading is then Landlock's
 * EACCES, with its record), sockets and fifos 0000 (nothing to connect to),
 * device nodes plain files (nothing outside /dev opens a device), owned by
 * nobody. */
static int make_holder(int dirfd, const vnode *h, const char *path, cordon_error **err)
{
	mode_t type = h->st.st_mode & S_IFMT;
	int r;
	if (type == S_IFLNK)
		r = symlinkat(h->link, dirfd, h->name);
	else if (type == S_IFDIR)
		r = mkdirat(dirfd, h->name, hidden_content(path) ? 0555 : 0);
	else if (type == S_IFSOCK || type == S_IFIFO)
		r = mknodat(dirfd, h->name, type, 0);
	else
		r = mknodat(dirfd, h->name, S_IFREG | 0444, 0);
	if (r < 0)
		return cordon_err(err, errno, "view: placeholder %s", path);
	return own(dirfd, h->name, NOBODY, NOBODY, path, err);
}

/* Sockets in /dev (syslog's /dev/log on hosts without journald, LXD's
 * /dev/lxd/sock) are covered by an empty file nobody may open: the view
 * shows the host's /dev itself (read-only), whose device nodes the device
 * cgroup guards. The command's own /dev/shm is not looked into. */
static void find_dev_sockets(int dirfd, const char *path, int depth, strv *out)
{
	if (depth > 8 || strcmp(path, "/dev/shm") == 0 || strcmp(path, "/dev/pts") == 0)
		return;
	int lfd = dup(dirfd);
	DIR *d = lfd < 0 ? NULL : fdopendir(lfd);
	if (d == NULL) {
		if (lfd >= 0)
			close(lfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s", path, de->d_name);
		if (de->d_type == DT_SOCK) {
			strv_push(out, p);
		} else if (de->d_type == DT_DIR) {
			_cleanup_close_ int sub = openat(dirfd, de->d_name,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				find_dev_sockets(sub, p, depth + 1, out);
		}
	}
	closedir(d);
}

static int cover_sockets(int top, int devfd, const strv *sockets, cordon_error **err)
{
	if (sockets->n == 0)
		return 0;
	static const char cover[] = ".cordon-socket-cover";
	if (mknodat(top, cover, S_IFREG | 0000, 0) < 0)
		return cordon_err(err, errno, "view: make a socket cover");
	int r = own(top, cover, NOBODY, NOBODY, cover, err);
	for (size_t i = 0; r == 0 && i < sockets->n; i++) {
		_cleanup_close_ int c = (int)syscall(SYS_open_tree, top, cover,
						     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (c < 0)
			r = cordon_err(err, errno, "view: copy the socket cover");
		else
			r = attach(c, devfd, sockets->v[i] + strlen("/dev/"), sockets->v[i], err);
	}
	/* the mounts keep the cover's inode; its name goes */
	if (unlinkat(top, cover, 0) < 0 && r == 0)
		r = cordon_err(err, errno, "view: remove the socket cover");
	return r;
}

static int populate(int dirfd, vnode *n, const char *path, cordon_error **err)
{
	for (size_t i = 0; i < n->nkids; i++) {
		vnode *k = n->kids[i];
		_cleanup_free_ char *kpath = xasprintf("%s/%s", strcmp(path, "/") ? path : "", k->name);
		int r = 0;
		switch (k->kind) {
		case V_DIR:
			if (mkdirat(dirfd, k->name, 0555) < 0) {
				r = cordon_err(err, errno, "view: mkdir %s", kpath);
				break;
			}
			r = own(dirfd, k->name, NOBODY, NOBODY, kpath, err);
			if (r == 0) {
				_cleanup_close_ int fd = openat(dirfd, k->name,
								O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
									O_CLOEXEC);
				r = fd < 0 ? cordon_err(err, errno, "view: open %s", kpath)
					   : populate(fd, k, kpath, err);
			}
			break;
		case V_HOLDER:
			r = make_holder(dirfd, k, kpath, err);
			break;
		case V_LINK:
			if (symlinkat(k->link, dirfd, k->name) < 0)
				r = cordon_err(err, errno, "view: symlink %s", kpath);
			else
				r = own(dirfd, k->name, NOBODY, NOBODY, kpath, err);
			break;
		case V_BIND: {
			struct stat st;
			if (fstat(k->src, &st) < 0) {
				r = cordon_err(err, errno, "view: stat %s", kpath);
				break;
			}
			if (S_ISDIR(st.st_mode) ? mkdirat(dirfd, k->name, 0)
						: mknodat(dirfd, k->name, S_IFREG, 0)) {
				r = cordon_err(err, errno, "view: mount point %s", kpath);
				break;
			}
			r = attach(k->clone, dirfd, k->name, kpath, err);
			if (r == 0 && k->nkids > 0) {
				_cleanup_close_ int fd = openat(dirfd, k->name,
								O_PATH | O_DIRECTORY | O_NOFOLLOW |
									O_CLOEXEC);
				r = fd < 0 ? cordon_err(err, errno, "view: open %s", kpath)
					   : nested(fd, k, NULL, kpath, err);
			}
			break;
		}
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The tree of a view: every target at its real path, the symlinks their
 * paths go through, /proc/sys writable where /proc is mounted (sysctl files
 * refuse mode and owner changes themselves; writes stay Landlock's to deny). */
static int build_tree(const cordon_targets *t, vnode *root, cordon_error **err)
{
	const uint64_t write = cordon_targets_write_rights();
	for (size_t i = 0; i < t->n; i++) {
		const cordon_target *tg = &t->v[i];
		if (tg->flags & CORDON_TARGET_LATE)
			continue;
		/* using a device or a socket needs no writable mount, and
		 * its mode must never change */
		bool plain = S_ISDIR(tg->st.st_mode) || S_ISREG(tg->st.st_mode);
		if (tg->flags & CORDON_TARGET_PROC) {
			/* /proc/self is this launcher: the view has all of /proc,
			 * and names nothing inside it by pid */
			if (strcmp(tg->real, "/proc") != 0 && !(plain && (tg->access & write)))
				continue;
			if (str_has_prefix(tg->real, "/proc/") &&
			    strspn(tg->real + 6, "0123456789") > 0)
				continue;
		}
		add_bind(root, tg->real, tg->fd, false, plain && (tg->access & write));
		if (strcmp(tg->path, tg->real) != 0 && !(tg->flags & CORDON_TARGET_PROC))
			add_links(root, tg->path);
	}
	/* /dev: the host's own, read-only; what it holds is guarded by the
	 * device cgroup (EPERM), its nodes' modes cannot change, and its
	 * sockets are covered (find_dev_sockets) */
	int dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev >= 0)
		add_bind(root, "/dev", dev, true, false);
	vnode *proc = vnode_kid(root, "proc");
	vnode *sys = proc ? vnode_kid(proc, "sys") : NULL;
	if (proc && proc->kind == V_BIND && !(sys && sys->kind == V_BIND)) {
		int fd = openat(proc->src, "sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			add_bind(root, "/proc/sys", fd, true, true);
	}
	int r = plan(root, "/", 0, err);
	if (r < 0)
		return r;
	return clone_binds(root, "/", err);
}

/* The made-up directories of a view are copies of real ones at the time it
 * was built: every proper ancestor of a target, outside the granted places
 * themselves. Their identity and modification time go into the stamp, so an
 * entry added beside a granted place (a device node plugged in, a file made
 * in /etc) gets its placeholder at the next launch. */
static void fingerprint_dirs(const cordon_targets *t, buf *b)
{
	_cleanup_strv_ strv roots = {0}, dirs = {0};
	for (size_t i = 0; i < t->n; i++)
		if (!(t->v[i].flags & (CORDON_TARGET_LATE | CORDON_TARGET_PROC)))
			strv_push(&roots, t->v[i].real);
	strv_push(&roots, "/proc");
	strv_push(&roots, "/dev");
	/* the host's /dev is in every view as it is; a socket made in it
	 * needs a cover (find_dev_sockets) */
	strv_push(&dirs, "/dev");
	for (size_t i = 0; i < t->n; i++) {
		const cordon_target *tg = &t->v[i];
		if (tg->flags & CORDON_TARGET_LATE)
			continue;
		const char *paths[2] = {tg->real, tg->path};
		for (size_t k = 0; k < 2; k++) {
			_cleanup_free_ char *p = xstrdup(paths[k]);
			for (char *slash = strrchr(p, '/'); slash; slash = strrchr(p, '/')) {
				*slash = '\0';
				const char *dir = p[0] ? p : "/";
				bool inside = hidden_content(dir);
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
		if (stat(dirs.v[i], &st) < 0)
			buf_printf(b, "dir %s -\n", dirs.v[i]);
		else
			buf_printf(b, "dir %s %u:%u:%llu:%lld.%09ld\n", dirs.v[i], major(st.st_dev),
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
		buf_printf(&b, "%llx %s\t", (unsigned long long)tg->access, tg->path);
		if (tg->flags & CORDON_TARGET_LATE)
			buf_adds(&b, "late\n");
		else if (tg->flags & CORDON_TARGET_PROC)
			buf_adds(&b, "proc\n");
		else
			buf_printf(&b, "%s\t%u:%u:%llu:%o\n", tg->real, major(tg->st.st_dev),
				   minor(tg->st.st_dev), (unsigned long long)tg->st.st_ino,
				   (unsigned)tg->st.st_mode);
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
		if (!(st.st_dev == root.st_dev && st.st_uid == NOBODY && (st.st_mode & 07777) == 0)) {
			close(cur);
			cur = steal_fd(next);
			continue;
		}
		/* A placeholder: in this command's namespace only, a tmpfs
		 * over it with the rest of the path, each level made as the
		 * view makes a directory on the way to granted places. */
		_cleanup_free_ char *mp = xasprintf("/proc/self/fd/%d", next);
		if (mount("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=0555,uid=65534,gid=65534,size=1m") < 0)
			return cordon_err(err, errno, "view: stand in for %s", c->path);
		_cleanup_close_ int top =
			openat(cur, comps.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (top < 0)
			return cordon_err(err, errno, "view: stand in for %s", c->path);
		_cleanup_free_ char *holder_path = xstrdup(at.p);
		vnode *level = vnode_new("", V_DIR);
		vnode *v = level;
		int r = 0;
		for (size_t j = i; r == 0 && j < comps.n; j++) {
			vnode *kid = j + 1 < comps.n ? vnode_add(v, vnode_new(comps.v[j + 1], V_DIR))
						     : NULL;
			r = list_holders_fd(v, c->fds[j + 1], at.p, STAND_IN_MAX, err);
			if (kid) {
				buf_printf(&at, "/%s", comps.v[j + 1]);
				v = kid;
			}
		}
		if (r == 0)
			r = populate(top, level, holder_path, err);
		vnode_free(level);
		return r;
	}
	return 0;
}

static int join_view(int dirfd, const char *name, cordon_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	if (fd < 0 || fstatfs(fd, &sfs) < 0 || (uint32_t)sfs.f_type != NSFS_MAGIC)
		return -ENOENT;
	if (setns(fd, CLONE_NEWNS) < 0)
		return cordon_err(err, errno, "join the view %s", name);
	return 0;
}

/* Replace <name> by a bind of the namespace newns; in the host's namespace. */
static int preserve(int dirfd, const char *name, int newns, cordon_error **err)
{
	_cleanup_free_ char *dir = xasprintf("/proc/self/fd/%d", dirfd);
	_cleanup_free_ char *target = xasprintf("%s/%s", dir, name);
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
	    errno != ENOENT)
		return cordon_err(err, errno, "discard the old view %s", name);
	_cleanup_close_ int f =
		openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0000);
	if (f < 0)
		return cordon_err(err, errno, "create %s", name);
	_cleanup_free_ char *src = xasprintf("/proc/self/fd/%d", newns);
	_cleanup_free_ char *dst = xasprintf("/proc/self/fd/%d", f);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return cordon_err(err, errno, "preserve the view as %s", name);
	return 0;
}

static int build(const cordon_ns_session *s, const char *name, const char *stampname,
		 const char *stamp, const cordon_targets *t, cordon_error **err)
{
	vnode *root = vnode_new("", V_DIR);
	int r = build_tree(t, root, err);
	_cleanup_strv_ strv dev_sockets = {0};
	_cleanup_close_ int realdev = open("/dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (realdev >= 0)
		find_dev_sockets(realdev, "/dev", 0, &dev_sockets);
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
		r = attach(root->clone, AT_FDCWD, s->stage, s->stage, err);
	} else if (r == 0 && mount("tmpfs", s->stage, "tmpfs", MS_NOSUID | MS_NODEV,
				   "mode=0555,size=1m") < 0) {
		r = cordon_err(err, errno, "view: mount a tmpfs on %s", s->stage);
	}
	if (r == 0) {
		top = open(s->stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (top < 0)
			r = cordon_err(err, errno, "view: open %s", s->stage);
	}
	if (r == 0 && root->kind == V_BIND)
		r = nested(top, root, NULL, "", err);
	else if (r == 0 && fchown(top, NOBODY, NOBODY) < 0)
		r = cordon_err(err, errno, "view: chown /");
	else if (r == 0)
		r = populate(top, root, "/", err);
	vnode_free(root);
	if (r == 0 && dev_sockets.n > 0) {
		_cleanup_close_ int devmp = openat(top, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW |
							       O_CLOEXEC);
		r = devmp < 0 ? cordon_err(err, errno, "view: open /dev")
			      : cover_sockets(top, devmp, &dev_sockets, err);
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
	r = preserve(s->dirfd, name, newns, err);
	if (r == 0)
		r = fs_write_atomic_at(s->dirfd, stampname, stamp, strlen(stamp), 0600, err);
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
	_cleanup_free_ char *dir = xasprintf("/proc/self/fd/%d", ns_dirfd);
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (!str_has_prefix(de->d_name, prefix))
			continue;
		if (str_has_suffix(de->d_name, ".view")) {
			_cleanup_free_ char *target = xasprintf("%s/%s", dir, de->d_name);
			if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
			    errno != ENOENT)
				r = cordon_err(err, errno, "discard the view %s", de->d_name);
		} else if (!str_has_suffix(de->d_name, ".vstamp")) {
			continue;
		}
		if (r == 0 && unlinkat(ns_dirfd, de->d_name, 0) < 0 && errno != ENOENT)
			r = cordon_err(err, errno, "remove %s", de->d_name);
	}
	closedir(d);
	return r;
}
