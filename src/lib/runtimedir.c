#include "runtimedir.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_EXPOSED 256

typedef struct exposed {
	char *rel; /* path relative to /run/user/<uid> */
	int fd;    /* O_PATH of the real entry, opened before the tmpfs hides it */
	bool dir;
} exposed;

/* Open a path beneath the runtime dir without following symlinks: the
 * directory is the user's, and this runs as root. */
static int open_beneath(int rundir, const char *rel, bool *dir)
{
	_cleanup_free_ char *copy = xstrdup(rel);
	int fd = dup(rundir);
	if (fd < 0)
		return -errno;
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, "..") == 0 || strcmp(c, ".") == 0) {
			close(fd);
			return -EINVAL;
		}
		int next = openat(fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (next < 0)
			return -e;
		fd = next;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
		close(fd);
		return -ELOOP;
	}
	*dir = S_ISDIR(st.st_mode);
	return fd;
}

static void add(exposed *list, size_t *n, int rundir, const char *rel)
{
	if (*n >= MAX_EXPOSED)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i].rel, rel) == 0)
			return;
	bool dir = false;
	int fd = open_beneath(rundir, rel, &dir);
	if (fd < 0)
		return; /* missing (not running), or a link: not exposed */
	list[*n] = (exposed){.rel = xstrdup(rel), .fd = fd, .dir = dir};
	(*n)++;
}

/* Make the mount point of rel inside the new tmpfs (parents as 0700
 * directories owned by the user, as the real ones are). */
static int make_mount_point(int top, const exposed *e, uid_t uid, gid_t gid, cordon_error **err)
{
	_cleanup_free_ char *copy = xstrdup(e->rel);
	char *last = strrchr(copy, '/');
	int dir = dup(top);
	if (dir < 0)
		return cordon_err(err, errno, "dup");
	if (last) {
		*last = '\0';
		char *save = NULL;
		for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
			if (mkdirat(dir, c, 0700) == 0 &&
			    fchownat(dir, c, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
				int saved = errno;
				close(dir);
				return cordon_err(err, saved, "runtime view: %s", e->rel);
			}
			int next = openat(dir, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(dir);
			if (next < 0)
				return cordon_err(err, errno, "runtime view: %s", e->rel);
			dir = next;
		}
	}
	const char *name = last ? last + 1 : e->rel;
	if (e->dir) {
		(void)mkdirat(dir, name, 0700); /* an existing one is fine */
	} else {
		int f = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (f >= 0)
			close(f);
	}
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close(dir);
	if (fd < 0)
		return cordon_err(err, errno, "runtime view: mount point %s", e->rel);
	return fd;
}

static int populate(const char *rundir_path, const exposed *list, size_t n, uid_t uid, gid_t gid,
		    cordon_error **err)
{
	_cleanup_close_ int top = fs_open_dir("/run/user", O_RDONLY, err);
	if (top < 0)
		return top;
	const char *leaf = strrchr(rundir_path, '/') + 1;
	if (mkdirat(top, leaf, 0700) < 0 || fchownat(top, leaf, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cordon_err(err, errno, "runtime view: %s", rundir_path);
	_cleanup_close_ int mine = openat(top, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (mine < 0)
		return cordon_err(err, errno, "runtime view: %s", rundir_path);
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int mp = make_mount_point(mine, &list[i], uid, gid, err);
		if (mp < 0)
			return mp;
		_cleanup_free_ char *src = xasprintf("/proc/self/fd/%d", list[i].fd);
		_cleanup_free_ char *dst = xasprintf("/proc/self/fd/%d", mp);
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return cordon_err(err, errno, "runtime view: bind %s", list[i].rel);
	}
	return 0;
}

int cordon_runtime_view(const cordon_policy *p, const cordon_env *vars, uid_t uid, gid_t gid,
			cordon_error **err)
{
	const char *rundir_path = cordon_env_get(vars, "USER_RUNTIME_DIR");
	struct stat st;
	if (rundir_path == NULL || stat("/run/user", &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	/* What stays visible, opened now through the real directory. */
	exposed list[MAX_EXPOSED];
	size_t n = 0;
	_cleanup_close_ int rundir =
		open(rundir_path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rundir >= 0 && fstat(rundir, &st) == 0 && st.st_uid == uid) {
		const char *xdg = cordon_env_get(vars, "XDG_RUNTIME_DIR");
		size_t rl = strlen(rundir_path);
		if (xdg && strncmp(xdg, rundir_path, rl) == 0 && xdg[rl] == '/')
			add(list, &n, rundir, xdg + rl + 1);
		for (size_t i = 0; i < p->n_fs; i++) {
			const char *path = p->fs[i].path;
			if (!str_has_prefix(path, "$USER_RUNTIME_DIR/"))
				continue;
			_cleanup_free_ char *full = cordon_env_expand(vars, path);
			if (!(p->fs[i].flags & CORDON_FS_GLOB)) {
				add(list, &n, rundir, full + rl + 1);
				continue;
			}
			_cleanup_strv_ strv matches = {0};
			(void)fs_glob(full, &matches, NULL); /* a failed glob exposes nothing */
			for (size_t j = 0; j < matches.n; j++)
				if (strncmp(matches.v[j], rundir_path, rl) == 0)
					add(list, &n, rundir, matches.v[j] + rl + 1);
		}
	}
	int r = 0;
	if (mount("tmpfs", "/run/user", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=64k") < 0)
		r = cordon_err(err, errno, "mount the runtime view over /run/user");
	else if (rundir >= 0 && n > 0)
		r = populate(rundir_path, list, n, uid, gid, err);
	for (size_t i = 0; i < n; i++) {
		close(list[i].fd);
		free(list[i].rel);
	}
	return r;
}
