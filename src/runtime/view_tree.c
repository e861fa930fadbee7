/* The tree a view is made of: see view_tree.h and view.h. */
#include "view_tree.h"
#include "fsutil.h"
#include "mount_api.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

vnode *vnode_new(const char *name, enum vkind kind)
{
	vnode *n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	n->kind = kind;
	n->src = -1;
	n->clone = -1;
	return n;
}

void vnode_free(vnode *n)
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

vnode *vnode_kid(vnode *n, const char *name)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (strcmp(n->kids[i]->name, name) == 0)
			return n->kids[i];
	return NULL;
}

vnode *vnode_add(vnode *n, vnode *kid)
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
		_cleanup_free_ char *text = fs_readlink_at(AT_FDCWD, at.p);
		if (text == NULL || text[0] == '\0' || ++links > 40)
			break;
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
bool view_hidden_content(const char *path)
{
	return strcmp(path, "/run/user") == 0 || str_has_prefix(path, "/run/user/");
}

/* Placeholders for the real entries of a made-up directory (at most max:
 * what lies beyond them is simply absent). */
void view_list_holders(vnode *n, int fd, const char *path, size_t max)
{
	if (view_hidden_content(path))
		return;
	fs_dirents d;
	fs_dirents_init(&d, fd);
	const char *name;
	unsigned char type;
	/* (an error while listing ends the list, as readdir's did) */
	for (size_t count = 0; count < max && fs_dirents_next(&d, &name, &type) == 1;) {
		if (vnode_kid(n, name))
			continue;
		vnode *h = vnode_new(name, V_HOLDER);
		/* A placeholder keeps only the entry's type (make_holder), which
		 * the listing already gives on the filesystems that fill d_type:
		 * one stat per entry less (the stand-in for a working directory
		 * outside the view lists it at every launch). The type is of
		 * the same moment as a stat's would be, and a placeholder of a
		 * type gone stale is as empty as any other; DT_UNKNOWN is
		 * stat'd as before. */
		if (type != DT_UNKNOWN)
			h->st.st_mode = DTTOIF(type);
		else if (fstatat(fd, name, &h->st, AT_SYMLINK_NOFOLLOW) < 0) {
			vnode_free(h);
			continue; /* gone meanwhile */
		}
		if (S_ISLNK(h->st.st_mode)) {
			h->link = fs_readlink_at(fd, name);
			if (h->link == NULL || h->link[0] == '\0') {
				vnode_free(h);
				continue;
			}
		}
		vnode_add(n, h);
		count++;
	}
	fs_dirents_free(&d);
}

static void list_holders(vnode *n, const char *path)
{
	_cleanup_close_ int fd = fs_open_dir(path, O_RDONLY, NULL);
	if (fd >= 0) /* else unreadable or gone: an empty directory */
		view_list_holders(n, fd, path, SIZE_MAX);
}

/* Which binds are mounted (one already covered by a bind above is not,
 * unless it must be writable inside a read-only one), and the placeholders
 * of every made-up directory. cover: 0 none, 1 read-only, 2 writable. */
static void plan(vnode *n, const char *path, int cover)
{
	int below = cover;
	if (n->kind == V_BIND) {
		n->mounted = cover == 0 || (cover == 1 && n->rw);
		if (n->mounted)
			below = n->rw ? 2 : 1;
	} else if (n->kind == V_DIR && cover == 0) {
		list_holders(n, path);
	}
	for (size_t i = 0; i < n->nkids; i++) {
		_cleanup_free_ char *p =
		    xasprintf("%s/%s", strcmp(path, "/") ? path : "", n->kids[i]->name);
		plan(n->kids[i], p, below);
	}
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
		/* a slave, and read-only unless granted for writing: one
		 * call sets both, on the whole copied tree */
		struct mount_attr a = {.attr_set = n->rw ? 0 : MOUNT_ATTR_RDONLY,
				       .propagation = MS_SLAVE};
		int r =
		    set_attr(n->clone, &a,
			     n->rw ? "make a copy a slave" : "make a copy a read-only slave", err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n->nkids; i++) {
		_cleanup_free_ char *p =
		    xasprintf("%s/%s", strcmp(path, "/") ? path : "", n->kids[i]->name);
		int r = clone_binds(n->kids[i], p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int view_attach(int clone, int dirfd, const char *rel, const char *path, cordon_error **err)
{
	if (syscall(SYS_move_mount, clone, "", dirfd, rel, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return cordon_err(err, errno, "view: mount %s", path);
	return 0;
}

/* Binds inside a bind (a writable place inside a read-only one): their
 * mount points exist in what is already mounted. */
int view_nested(int bindfd, vnode *n, const char *rel, const char *path, cordon_error **err)
{
	for (size_t i = 0; i < n->nkids; i++) {
		vnode *k = n->kids[i];
		_cleanup_free_ char *krel =
		    rel ? xasprintf("%s/%s", rel, k->name) : xstrdup(k->name);
		_cleanup_free_ char *kpath = xasprintf("%s/%s", path, k->name);
		int r = 0;
		if (k->kind == V_BIND && k->mounted) {
			r = view_attach(k->clone, bindfd, krel, kpath, err);
			if (r == 0 && k->nkids > 0) {
				_cleanup_close_ int fd = openat(
				    bindfd, krel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				r = fd < 0 ? cordon_err(err, errno, "view: open %s", kpath)
					   : view_nested(fd, k, NULL, kpath, err);
			}
		} else if (k->kind == V_DIR || k->kind == V_BIND) {
			r = view_nested(bindfd, k, krel, kpath, err);
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
 * nobody (made as nobody: view_populate). */
static int make_holder(int dirfd, const vnode *h, const char *path, cordon_error **err)
{
	mode_t type = h->st.st_mode & S_IFMT;
	int r;
	if (type == S_IFLNK)
		r = symlinkat(h->link, dirfd, h->name);
	else if (type == S_IFDIR)
		r = mkdirat(dirfd, h->name, view_hidden_content(path) ? 0555 : 0);
	else if (type == S_IFSOCK || type == S_IFIFO)
		r = mknodat(dirfd, h->name, type, 0);
	else
		r = mknodat(dirfd, h->name, S_IFREG | 0444, 0);
	if (r < 0)
		return cordon_err(err, errno, "view: placeholder %s", path);
	return 0; /* nobody's: made as nobody (view_populate) */
}

/* Sockets in /dev (syslog's /dev/log on hosts without journald, LXD's
 * /dev/lxd/sock) are covered by an empty file nobody may open: the view
 * shows the host's /dev itself (read-only), whose device nodes the device
 * cgroup guards. The command's own /dev/shm is not looked into. */
void view_dev_sockets(int dirfd, const char *path, int depth, strv *out)
{
	if (depth > 8 || strcmp(path, "/dev/shm") == 0 || strcmp(path, "/dev/pts") == 0)
		return;
	fs_dirents d;
	fs_dirents_init(&d, dirfd);
	const char *name;
	unsigned char type;
	while (fs_dirents_next(&d, &name, &type) == 1) {
		_cleanup_free_ char *p = xasprintf("%s/%s", path, name);
		if (type == DT_SOCK) {
			strv_push(out, p);
		} else if (type == DT_DIR) {
			_cleanup_close_ int sub =
			    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				view_dev_sockets(sub, p, depth + 1, out);
		}
	}
	fs_dirents_free(&d);
}

int view_cover_sockets(int top, int devfd, const strv *sockets, cordon_error **err)
{
	if (sockets->n == 0)
		return 0;
	static const char cover[] = ".cordon-socket-cover";
	if (mknodat(top, cover, S_IFREG | 0000, 0) < 0)
		return cordon_err(err, errno, "view: make a socket cover");
	int r = own(top, cover, NOBODY, NOBODY, cover, err);
	for (size_t i = 0; r == 0 && i < sockets->n; i++) {
		_cleanup_close_ int c =
		    (int)syscall(SYS_open_tree, top, cover, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (c < 0)
			r = cordon_err(err, errno, "view: copy the socket cover");
		else
			r = view_attach(c, devfd, sockets->v[i] + strlen("/dev/"), sockets->v[i],
					err);
	}
	/* the mounts keep the cover's inode; its name goes */
	if (unlinkat(top, cover, 0) < 0 && r == 0)
		r = cordon_err(err, errno, "view: remove the socket cover");
	return r;
}

/* The file system identity entries are made with: nobody's while a view is
 * populated, the launcher's own again around what reaches into the real
 * objects. The second call returns the identity set by the first: the proof
 * it took (setfsuid and setfsgid report no error). */
typedef struct {
	uid_t uid;
	gid_t gid;
} fs_ids;

static int fs_identity(uid_t uid, gid_t gid, const char *path, cordon_error **err)
{
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid(uid) != uid || (gid_t)setfsgid(gid) != gid)
		return cordon_err_msg(err, EPERM, "view: cannot make %s as uid %u", path,
				      (unsigned)uid);
	return 0;
}

static int populate_as_nobody(int dirfd, vnode *n, const char *path, const fs_ids *own_ids,
			      cordon_error **err)
{
	for (size_t i = 0; i < n->nkids; i++) {
		vnode *k = n->kids[i];
		_cleanup_free_ char *kpath =
		    xasprintf("%s/%s", strcmp(path, "/") ? path : "", k->name);
		int r = 0;
		switch (k->kind) {
		case V_DIR: {
			/* its owner's to write until its entries are in */
			if (mkdirat(dirfd, k->name, 0700) < 0) {
				r = cordon_err(err, errno, "view: mkdir %s", kpath);
				break;
			}
			_cleanup_close_ int fd =
			    openat(dirfd, k->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = fd < 0 ? cordon_err(err, errno, "view: open %s", kpath)
				   : populate_as_nobody(fd, k, kpath, own_ids, err);
			if (r == 0 && fchmod(fd, 0555) < 0)
				r = cordon_err(err, errno, "view: chmod %s", kpath);
			break;
		}
		case V_HOLDER:
			r = make_holder(dirfd, k, kpath, err);
			break;
		case V_LINK:
			if (symlinkat(k->link, dirfd, k->name) < 0)
				r = cordon_err(err, errno, "view: symlink %s", kpath);
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
			r = view_attach(k->clone, dirfd, k->name, kpath, err);
			if (r == 0 && k->nkids > 0) {
				/* beneath: the granted object itself, walked
				 * with root's rights as the view's own binds
				 * are (a home of mode 0700 on the way) */
				_cleanup_close_ int fd = openat(
				    dirfd, k->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				r = fd < 0 ? cordon_err(err, errno, "view: open %s", kpath)
					   : fs_identity(own_ids->uid, own_ids->gid, kpath, err);
				if (r == 0)
					r = view_nested(fd, k, NULL, kpath, err);
				if (r == 0)
					r = fs_identity(NOBODY, NOBODY, kpath, err);
			}
			break;
		}
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int view_populate(int top, vnode *n, const char *path, cordon_error **err)
{
	/* Every entry is made as nobody (fsuid, fsgid) and so is nobody's
	 * from the start: one call an entry, where a make and a chown were
	 * two (a view holds hundreds of placeholders, made at every first
	 * launch; a stand-in's, at every launch from outside the view). What
	 * a non-zero fsuid takes from the effective set (CAP_DAC_OVERRIDE,
	 * CAP_FOWNER, CAP_MKNOD, CAP_CHOWN) is not needed: every directory
	 * written is nobody's and writable by its owner until closed (0555),
	 * and only regular files, fifos, sockets and symlinks are made. */
	const fs_ids was = {.uid = (uid_t)setfsuid((uid_t)-1), /* -1: read, not changed */
			    .gid = (gid_t)setfsgid((gid_t)-1)};
	int r = fs_identity(NOBODY, NOBODY, path, err);
	if (r == 0)
		r = populate_as_nobody(top, n, path, &was, err);
	if (r == 0 && fchmod(top, 0555) < 0)
		r = cordon_err(err, errno, "view: chmod %s", path);
	cordon_error *back_err = NULL;
	int back = fs_identity(was.uid, was.gid, path, &back_err);
	if (back < 0 && r == 0) {
		*err = back_err;
		return back;
	}
	cordon_error_free(&back_err);
	return r;
}

/* The tree of a view: every target at its real path, the symlinks their
 * paths go through, /proc/sys writable where /proc is mounted (sysctl files
 * refuse mode and owner changes themselves; writes stay Landlock's to deny). */
int view_tree_build(const cordon_targets *t, vnode *root, cordon_error **err)
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
		/* an object the launcher shows elsewhere (the bus proxy's
		 * socket at the bus's path) is there, and only there */
		if (tg->at) {
			add_bind(root, tg->at, tg->fd, false, false);
			/* and by its older name where /var/run is the link to
			 * /run it is on systemd's hosts: GLib still looks for
			 * the bus at /var/run/dbus/system_bus_socket */
			if (str_has_prefix(tg->at, "/run/")) {
				_cleanup_free_ char *old = xasprintf("/var%s", tg->at);
				add_links(root, old);
			}
			continue;
		}
		add_bind(root, tg->real, tg->fd, false, plain && (tg->access & write));
		if (strcmp(tg->path, tg->real) != 0 && !(tg->flags & CORDON_TARGET_PROC))
			add_links(root, tg->path);
	}
	/* /dev: the host's own, read-only; what it holds is guarded by the
	 * device cgroup (EPERM), its nodes' modes cannot change, and its
	 * sockets are covered (view_dev_sockets) */
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
	plan(root, "/", 0);
	return clone_binds(root, "/", err);
}
