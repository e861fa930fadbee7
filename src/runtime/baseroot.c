/* See baseroot.h. */
#include "baseroot.h"
#include "config.h"
#include "fsutil.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { HOST_REQUIRED = 1, HOST_OPTIONAL = 2 };

/* snap-confine's list for a snap on a base ("normal mode"), in its order,
 * with its reasons. A required place must have its mount point in the base
 * (every core base has); an optional one is skipped where the base lacks it.
 * A place the host lacks is skipped: there is nothing of the host to show.
 * /var/lib/snapd is cordon's state directory here (added from the paths,
 * with /snap and /var/snap, below). snapd binds /media, /run/netns and
 * /mnt both ways; cordon's namespaces never send a mount back to the host
 * (mountns.c), so they are slaves like the rest. */
static const struct host_dir {
	const char *path;
	int need;
} host_dirs[] = {
    {"/dev", HOST_REQUIRED},	     /* devices on the host */
    {"/etc", HOST_REQUIRED},	     /* /etc/resolv.conf, passwd, hosts... */
    {"/home", HOST_REQUIRED},	     /* ~/snap, the home interface */
    {"/root", HOST_REQUIRED},	     /* $HOME of services */
    {"/proc", HOST_REQUIRED},	     /* fundamental */
    {"/sys", HOST_REQUIRED},	     /* fundamental */
    {"/tmp", HOST_REQUIRED},	     /* replaced by the snap's private /tmp */
    {"/var/snap", HOST_REQUIRED},    /* the snaps' data */
    {"/var/tmp", HOST_REQUIRED},     /* the other temporary directory */
    {"/run", HOST_REQUIRED},	     /* sockets and what not */
    {"/lib/modules", HOST_OPTIONAL}, /* the running kernel's modules */
    {"/lib/firmware", HOST_OPTIONAL},
    {"/usr/src", HOST_REQUIRED},	    /* system-trace (snapd's FIXME) */
    {"/var/log", HOST_REQUIRED},	    /* log-observe (snapd's FIXME) */
    {"/media", HOST_REQUIRED},		    /* removable devices */
    {"/run/netns", HOST_REQUIRED},	    /* `ip netns` (beneath /run: bound with it) */
    {"/mnt", HOST_OPTIONAL},		    /* removable-media; absent from the first bases */
    {"/var/lib/extrausers", HOST_OPTIONAL}, /* extrausers' passwd and group */
};

/* What snap-confine takes back from the base over the host's /etc, so the
 * base's programs find their own configuration: alternatives, NSS modules
 * (the base's libraries), AppArmor's (the base's apparmor_parser), the CA
 * certificates (except on Debian-like hosts with a core base: the host's,
 * for local CA setups), and from bases after core24 the loader's cache. */
static const char *const etc_from_base[] = {
    "/etc/alternatives", "/etc/nsswitch.conf", "/etc/apparmor", "/etc/apparmor.d", "/etc/ssl",
};
static const char *const etc_from_base_after_26[] = {
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
};

static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static char *proc_fd(int fd)
{
	return xasprintf("/proc/self/fd/%d", fd);
}

/* The place `rel` (relative to the new root) opened without following any
 * symlink: the base is the snap publisher's, and a link there must not
 * carry a host directory elsewhere. */
static int open_in_root(int rootfd, const char *rel, int flags)
{
	int fd = dup(rootfd);
	if (fd < 0)
		return -errno;
	_cleanup_free_ char *copy = xstrdup(rel);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		bool last = save == NULL || *save == '\0';
		int next =
		    openat(fd, c, (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (next < 0)
			return -e;
		fd = next;
	}
	return fd;
}

static int bind_fd(int src, int dst, bool rec, const char *what, cordon_error **err)
{
	_cleanup_free_ char *s = proc_fd(src), *d = proc_fd(dst);
	if (mount(s, d, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return cordon_err(err, errno, "base: bind %s", what);
	return 0;
}

/* Is a place to show the host's directory on at path or beneath it? */
static bool needed_beneath(const strv *needs, const char *path)
{
	for (size_t i = 0; i < needs->n; i++)
		if (beneath(needs->v[i], path))
			return true;
	return false;
}

/* The base's entries into the tmpfs root, as snap-confine's
 * sc_replicate_base_rootfs does for its top level: directories bound (or
 * left empty as mount points for the host's), symlinks copied, files bound.
 * A directory holding a place for the host's beneath it (/var for
 * /var/snap, /usr for /usr/src; with a root prefix, the prefix's parents)
 * is made in the tmpfs too, its own entries treated the same way: a mount
 * point can then be made wherever the base lacks one, without writing to
 * the base and without showing any more of it than it has. */
static int replicate(int rootfd, int basefd, const char *at, const strv *needs, cordon_error **err)
{
	_cleanup_strv_ strv names = {0};
	int r = fs_list_dir_at(basefd, &names, err);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		const char *name = names.v[i];
		_cleanup_free_ char *path = xasprintf("%s/%s", at, name);
		struct stat st;
		if (fstatat(basefd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return cordon_err(err, errno, "base: stat %s", path);
		if (S_ISLNK(st.st_mode)) {
			_cleanup_free_ char *text = fs_readlink_at(basefd, name);
			if (text == NULL || symlinkat(text, rootfd, name) < 0)
				return cordon_err(err, errno, "base: symlink %s", path);
			continue;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode) ? mkdirat(rootfd, name, st.st_mode & 07777) < 0
					: mknodat(rootfd, name, S_IFREG | 0644, 0) < 0)
			return cordon_err(err, errno, "base: mount point %s", path);
		/* the host's own is bound there (below) */
		if (S_ISDIR(st.st_mode) && strv_contains(needs, path))
			continue;
		if (S_ISDIR(st.st_mode) && needed_beneath(needs, path)) {
			_cleanup_close_ int sub =
			    openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int made =
			    openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || made < 0)
				return cordon_err(err, errno, "base: open %s", path);
			r = replicate(made, sub, path, needs, err);
			continue;
		}
		_cleanup_close_ int src = openat(basefd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int dst = openat(rootfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0 || dst < 0)
			return cordon_err(err, errno, "base: open %s", path);
		r = bind_fd(src, dst, true, path, err);
	}
	return r;
}

/* mkdir -p of rel in the new root, through no symlink; a component that is
 * the base's (read-only) cannot take a new entry: -EROFS. */
static int make_mount_point(int rootfd, const char *rel)
{
	int fd = dup(rootfd);
	if (fd < 0)
		return -errno;
	_cleanup_free_ char *copy = xstrdup(rel);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
			int e = errno;
			close(fd);
			return -e;
		}
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (next < 0)
			return -e;
		fd = next;
	}
	return fd;
}

/* One host directory at the same place in the new root. */
static int bind_host(int rootfd, const char *path, int need, const char *base_name,
		     cordon_error **err)
{
	/* the host's own directories, root's: followed as the host has them
	 * (/lib is a link to usr/lib on merged-/usr hosts) */
	_cleanup_close_ int src = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return errno == ENOENT || errno == ENOTDIR
			   ? 0
			   : cordon_err(err, errno, "open %s", path);
	_cleanup_close_ int dst = make_mount_point(rootfd, path + 1);
	if (dst < 0) {
		if (need == HOST_OPTIONAL)
			return 0;
		return cordon_err(err, -dst, "the base \"%s\" has no place for the host's %s",
				  base_name, path);
	}
	return bind_fd(src, dst, true, path, err);
}

static bool debian_like_host(void)
{
	return access("/etc/debian_version", F_OK) == 0;
}

static bool core_up_to_24(const char *base)
{
	static const char *const old[] = {"core", "core18", "core20", "core22", "core24"};
	for (size_t i = 0; i < ARRAY_SIZE(old); i++)
		if (strcmp(base, old[i]) == 0)
			return true;
	return false;
}

/* One /etc entry of the base over the host's, where both exist and are of
 * one type (regular files or directories). */
static int etc_back(int rootfd, int basefd, const char *path, cordon_error **err)
{
	_cleanup_close_ int src = open_in_root(basefd, path + 1, O_PATH);
	_cleanup_close_ int dst = src < 0 ? -1 : open_in_root(rootfd, path + 1, O_PATH);
	if (src < 0 || dst < 0)
		return 0;
	struct stat a, b;
	if (fstat(src, &a) < 0 || fstat(dst, &b) < 0)
		return cordon_err(err, errno, "base: stat %s", path);
	if ((!S_ISREG(a.st_mode) && !S_ISDIR(a.st_mode)) ||
	    (a.st_mode & S_IFMT) != (b.st_mode & S_IFMT))
		return 0;
	return bind_fd(src, dst, S_ISDIR(a.st_mode), path, err);
}

/* snapctl: snapd binds its own tools on the base's /usr/lib/snapd (the
 * base's /usr/bin/snapctl links there); cordon shows its snapctl there,
 * alone in a tmpfs, when the base has that directory. The same checks as
 * for the broker's binary (snapctl_spawn.c): root's, writable by no one
 * else, in root's directories. */
static int bind_snapctl(int rootfd, cordon_error **err)
{
	_cleanup_close_ int dst = open_in_root(rootfd, "usr/lib/snapd", O_PATH | O_DIRECTORY);
	if (dst < 0)
		return 0; /* a base without the place */
	cordon_error *e = NULL;
	_cleanup_close_ int bindir = fs_open_dir_root_owned(CORDON_BINDIR, &e);
	cordon_error_free(&e);
	_cleanup_close_ int src =
	    bindir < 0 ? -1 : openat(bindir, "snapctl", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (src < 0 || fstat(src, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return 0; /* not installed (as it should be): snapctl is not there */
	_cleanup_free_ char *at = proc_fd(dst);
	if (mount("tmpfs", at, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0)
		return cordon_err(err, errno, "base: mount a tmpfs on /usr/lib/snapd");
	_cleanup_close_ int top = open_in_root(rootfd, "usr/lib/snapd", O_RDONLY | O_DIRECTORY);
	if (top < 0 || mknodat(top, "snapctl", S_IFREG | 0755, 0) < 0)
		return cordon_err(err, top < 0 ? -top : errno, "base: /usr/lib/snapd/snapctl");
	_cleanup_close_ int point = openat(top, "snapctl", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (point < 0)
		return cordon_err(err, errno, "base: open /usr/lib/snapd/snapctl");
	int r = bind_fd(src, point, false, "/usr/lib/snapd/snapctl", err);
	_cleanup_free_ char *tmpfs = proc_fd(top);
	if (r == 0 && mount(NULL, tmpfs, NULL,
			    MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		r = cordon_err(err, errno, "base: make /usr/lib/snapd read-only");
	return r;
}

int cordon_baseroot_enter(const cordon_paths *paths, const cordon_policy *p, cordon_error **err)
{
	if (p->base_dir == NULL)
		return 0;
	_cleanup_close_ int basefd = fs_open_dir(p->base_dir, O_RDONLY, err);
	if (basefd < 0)
		return cordon_err_prefix(err, "the base \"%s\" of %s", p->base_name,
					 p->instance_name);
	/* A scratch tmpfs, unbindable so that binding the host's /run (where
	 * it lies) into it cannot copy it into itself. */
	_cleanup_free_ char *scratch = xasprintf("%s/base.XXXXXX", paths->run_dir);
	if (mkdtemp(scratch) == NULL)
		return cordon_err(err, errno, "base: make %s", scratch);
	int r = 0;
	if (mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0 ||
	    mount(NULL, scratch, NULL, MS_UNBINDABLE, NULL) < 0)
		r = cordon_err(err, errno, "base: mount a tmpfs on %s", scratch);
	_cleanup_close_ int rootfd = -1;
	if (r == 0) {
		rootfd = open(scratch, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (rootfd < 0)
			r = cordon_err(err, errno, "base: open %s", scratch);
	}
	/* the host's places: snapd's, then cordon's own (its snaps, their
	 * data, its state; with a root prefix, the prefix holds them all) */
	_cleanup_strv_ strv needs = {0};
	int levels[ARRAY_SIZE(host_dirs) + 4];
	for (size_t i = 0; i < ARRAY_SIZE(host_dirs) + 4; i++) {
		const char *path = i < ARRAY_SIZE(host_dirs)	    ? host_dirs[i].path
				   : i == ARRAY_SIZE(host_dirs)	    ? paths->root
				   : i == ARRAY_SIZE(host_dirs) + 1 ? paths->snap_mount
				   : i == ARRAY_SIZE(host_dirs) + 2 ? paths->state_dir
								    : paths->var_snap;
		int need = i < ARRAY_SIZE(host_dirs)	    ? host_dirs[i].need
			   : i == ARRAY_SIZE(host_dirs) + 2 ? HOST_OPTIONAL
							    : HOST_REQUIRED;
		bool covered = path[0] != '/' || path[1] == '\0';
		for (size_t k = 0; !covered && k < needs.n; k++)
			covered = strcmp(path, needs.v[k]) == 0 || beneath(path, needs.v[k]);
		if (covered)
			continue;
		levels[needs.n] = need;
		strv_push(&needs, path);
	}
	if (r == 0)
		r = replicate(rootfd, basefd, "", &needs, err);
	for (size_t i = 0; r == 0 && i < needs.n; i++)
		r = bind_host(rootfd, needs.v[i], levels[i], p->base_name, err);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(etc_from_base); i++) {
		bool host_ssl = strcmp(etc_from_base[i], "/etc/ssl") == 0 && debian_like_host() &&
				str_has_prefix(p->base_name, "core");
		if (!host_ssl)
			r = etc_back(rootfd, basefd, etc_from_base[i], err);
	}
	for (size_t i = 0;
	     r == 0 && !core_up_to_24(p->base_name) && i < ARRAY_SIZE(etc_from_base_after_26); i++)
		r = etc_back(rootfd, basefd, etc_from_base_after_26[i], err);
	if (r == 0)
		r = bind_snapctl(rootfd, err);
	/* pivot_root refuses shared mounts around it: every mount a slave
	 * (of the host's) first; the old root goes private, so detaching it
	 * takes nothing of the new root's (its /run, /snap...) with it through
	 * propagation; then the new tree is shared within the namespace, as
	 * the host's copy was, for the per-command namespaces made from it */
	if (r == 0 && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		r = cordon_err(err, errno, "base: make / a slave");
	if (r == 0 && (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
		       mount(NULL, ".", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		       umount2(".", MNT_DETACH) < 0 || chdir("/") < 0))
		r = cordon_err(err, errno, "base: make %s the root", p->base_dir);
	if (r == 0 && mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
		r = cordon_err(err, errno, "base: make / shared");
	/* the scratch directory is in the host's /run, seen here too (on a
	 * failure the namespace is dropped: its mount goes first) */
	if (r < 0)
		(void)umount2(scratch, MNT_DETACH);
	if (rmdir(scratch) < 0 && r == 0 && errno != ENOENT)
		r = cordon_err(err, errno, "base: remove %s", scratch);
	return r;
}
