#include "targets.h"
#include "fsutil.h"
#include "landlock_defs.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

uint64_t cordon_targets_write_rights(void)
{
	return CORDON_LL_W | CORDON_LL_C;
}

static bool is_name_char(char c, bool first)
{
	return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

/* Backslash-escape glob(7) metacharacters so that a variable's value is
 * matched literally: a $HOME that contains '*' must not widen a rule. */
static void add_glob_escaped(buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[]\\", *s))
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

/* Expand a leading $VAR / ${VAR}. Sets *out to NULL when the rule must be
 * dropped (variable unset, empty or not an absolute path: "$HOME/.x" with
 * HOME unset must not become a rule on "/.x"). Variables elsewhere in the
 * path are left alone: '$' is a legal file name character. */
static int expand_path(const char *path, const cordon_env *env, bool is_glob, char **out,
		       cordon_error **err)
{
	*out = NULL;
	if (path[0] == '/') {
		*out = xstrdup(path);
		return 0;
	}
	if (path[0] != '$')
		return cordon_err_msg(err, EINVAL, "file rule %s: not an absolute path", path);
	const char *rest;
	if (path[1] == '{') {
		const char *end = strchr(path + 2, '}');
		if (end == NULL || end == path + 2)
			return cordon_err_msg(err, EINVAL, "file rule %s: bad variable", path);
		rest = end + 1;
	} else {
		rest = path + 1;
		if (!is_name_char(*rest, true))
			return cordon_err_msg(err, EINVAL, "file rule %s: bad variable", path);
		while (is_name_char(*rest, false))
			rest++;
	}
	_cleanup_free_ char *token = xstrndup(path, (size_t)(rest - path));
	_cleanup_free_ char *value = cordon_env_expand(env, token);
	if (value[0] != '/')
		return 0;
	_cleanup_buf_ buf b = {0};
	if (is_glob)
		add_glob_escaped(&b, value);
	else
		buf_adds(&b, value);
	buf_adds(&b, rest);
	*out = buf_steal(&b);
	return 0;
}

static size_t beneath_len(const char *path, const char *dir)
{
	if (dir == NULL || dir[0] != '/' || dir[1] == '\0')
		return 0; /* "/" as a home would make every path the user's */
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0'))
		return n;
	return 0;
}

size_t cordon_targets_trusted_prefix(const char *path, const cordon_env *vars)
{
	size_t n = beneath_len(path, cordon_env_get(vars, "HOME"));
	if (n == 0)
		n = beneath_len(path, cordon_env_get(vars, "USER_RUNTIME_DIR"));
	return n;
}

/* /proc/self, /proc/thread-self, or a path beneath them. */
static bool is_proc_self(const char *path)
{
	static const char *const names[] = {"/proc/self", "/proc/thread-self"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);
		if (strncmp(path, names[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/* The command gets a devpts instance of its own after the view is entered;
 * rules on it name that instance, not the one of the snap's namespace. */
static bool is_late(const char *path)
{
	return strcmp(path, "/dev/ptmx") == 0 || strcmp(path, "/dev/pts") == 0 ||
	       str_has_prefix(path, "/dev/pts/");
}

/* Open `rel` beneath the directory `base` (followed: it is the launcher's
 * own value) without following any symlink, the last component included. */
static int open_beneath_nofollow(const char *base, const char *rel)
{
	int fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_free_ char *copy = xstrdup(rel);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0) {
			close(fd);
			return -EINVAL; /* never climb out of the base */
		}
		int next = openat(fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (next < 0)
			return -e;
		fd = next;
		struct stat st;
		if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
			close(fd);
			return -ELOOP;
		}
	}
	return fd;
}

static char *fd_real_path(int fd, bool *deleted)
{
	_cleanup_free_ char *link = xasprintf("/proc/self/fd/%d", fd);
	char *target = fs_readlink_at(AT_FDCWD, link);
	*deleted = target != NULL && str_has_suffix(target, " (deleted)");
	if (target != NULL && (target[0] != '/' || *deleted)) {
		free(target); /* anonymous, not reachable from our root, or gone */
		target = NULL;
	}
	return target;
}

/* The array doubles from 16 (n is its length; its capacity is 16 or the
 * power of two n has just reached): a policy grants some 60 paths, and a
 * realloc per path moved the whole array each time. */
#define TARGETS_FIRST 16

static void push(cordon_targets *t, cordon_target tg)
{
	if (t->n == 0)
		t->v = xreallocarray(t->v, TARGETS_FIRST, sizeof *t->v);
	else if (t->n >= TARGETS_FIRST && (t->n & (t->n - 1)) == 0)
		t->v = xreallocarray(t->v, t->n * 2, sizeof *t->v);
	t->v[t->n++] = tg;
}

/* An absolute path with no empty, "." or ".." component and no trailing
 * slash: the object it names, reached without a symlink, is at exactly
 * this path. */
static bool canonical(const char *path)
{
	if (path[0] != '/')
		return false;
	for (const char *c = path + 1;; c++) {
		const char *end = strchrnul(c, '/');
		size_t n = (size_t)(end - c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return path[1] == '\0'; /* "/" alone */
		if (*end == '\0')
			return true;
		c = end;
	}
}

/* Open a canonical path refusing every symlink on the way (openat2's
 * RESOLVE_NO_SYMLINKS): on success the object's real path is the path
 * itself, and the launch is spared a readlink of /proc/self/fd/N per
 * granted path (most of them: /etc/..., /usr/..., /dev/...). -ELOOP (a
 * symlink on the way: /bin, /lib64, /etc/localtime), -ENOSYS (no openat2)
 * or -E2BIG/-EINVAL (another kernel's struct): the caller takes the
 * ordinary path, which follows the links and reads where they led. */
static int open_no_symlinks(const char *path)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
	return fd < 0 ? -errno : fd;
}

/* *real_is_path: the object was reached through no symlink at all, so
 * `path` (canonical) is its real path. */
static int open_target(const char *path, size_t trusted, uint32_t rule_flags, bool *real_is_path)
{
	*real_is_path = false;
	if (trusted > 0) {
		_cleanup_free_ char *base = xstrndup(path, trusted);
		return open_beneath_nofollow(base, path + trusted);
	}
	if (rule_flags & CORDON_FS_NOFOLLOW)
		/* from a plug or slot attribute: the snap that wrote it may
		 * have made any part of it a symlink */
		return fs_open_path_nofollow(path);
	if (canonical(path)) {
		int fd = open_no_symlinks(path);
		if (fd >= 0) {
			*real_is_path = true;
			return fd;
		}
		/* missing or unreachable as the caller: so it is by the
		 * ordinary open too (the same walk, the same credentials) */
		if (fd == -ENOENT || fd == -ENOTDIR || fd == -EACCES)
			return fd;
	}
	int fd = open(path, O_PATH | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A granted file replaced by rename while it is resolved (useradd writing
 * /etc/group, an editor saving) is unlinked by the time its real path is
 * read: it is opened again, a few times, rather than left out (a target
 * left out is a mode-0 placeholder in the view: EACCES for a file that
 * exists and is granted). */
#define REPLACED_ATTEMPTS 5

/* Open one expanded path; a path that does not resolve (or resolves where
 * it may not) is skipped, as a rule on it grants nothing. */
static int add_one(cordon_targets *t, const char *path, const char *at, uint64_t access,
		   uint32_t rule_flags, bool from_glob, const cordon_env *vars, cordon_error **err)
{
	if (is_late(path)) {
		push(t, (cordon_target){.path = xstrdup(path),
					.real = xstrdup(path),
					.access = access,
					.flags = CORDON_TARGET_LATE,
					.fd = -1});
		return 0;
	}
	size_t trusted = cordon_targets_trusted_prefix(path, vars);
	cordon_target tg = {.access = access, .fd = -1};
	for (int attempt = 1;; attempt++) {
		bool real_is_path;
		int fd = open_target(path, trusted, rule_flags, &real_is_path);
		if (fd < 0) {
			int e = -fd;
			if (e == ENOENT || e == ENOTDIR || e == EACCES || e == ELOOP ||
			    e == EINVAL || e == ENAMETOOLONG)
				return 0;
			return cordon_err(err, e, "file rule: open %s", path);
		}
		if (fstat(fd, &tg.st) < 0) {
			int e = errno;
			close(fd);
			return cordon_err(err, e, "file rule: stat %s", path);
		}
		bool deleted = false;
		if (real_is_path) {
			/* reached through no symlink: the path is where it is
			 * (canonical). Replaced (renamed over) since it was
			 * opened, it has no name left: the same test as the
			 * link's " (deleted)" below. */
			deleted = tg.st.st_nlink == 0;
			tg.real = deleted ? NULL : xstrdup(path);
		} else {
			tg.real = fd_real_path(fd, &deleted);
		}
		if (tg.real != NULL) {
			tg.fd = fd;
			break;
		}
		close(fd);
		if (!deleted || attempt == REPLACED_ATTEMPTS)
			return 0;
	}
	tg.path = xstrdup(path);
	tg.at = at ? xstrdup(at) : NULL;
	/* A file found by a pattern beneath the user's home with several
	 * names: another name may be one the pattern excludes. */
	bool shared = from_glob && trusted > 0 && !S_ISDIR(tg.st.st_mode) && tg.st.st_nlink > 1;
	if (shared) {
		close(tg.fd);
		free(tg.path);
		free(tg.real);
		free(tg.at);
		return 0;
	}
	if (t->proc_dev != 0 && tg.st.st_dev == t->proc_dev)
		tg.flags |= CORDON_TARGET_PROC;
	push(t, tg);
	return 0;
}

static int add_rule(cordon_targets *t, const cordon_fs_rule *r, const cordon_env *vars,
		    cordon_error **err)
{
	bool is_glob = (r->flags & CORDON_FS_GLOB) != 0;
	_cleanup_free_ char *path = NULL;
	int ret = expand_path(r->path, vars, is_glob, &path, err);
	if (ret < 0 || path == NULL)
		return ret;
	if (!is_glob)
		return add_one(t, path, r->at, r->access, r->flags, false, vars, err);
	_cleanup_strv_ strv paths = {0};
	ret = fs_glob(path, &paths, err);
	for (size_t i = 0; ret == 0 && i < paths.n; i++)
		ret = add_one(t, paths.v[i], NULL, r->access, r->flags, true, vars, err);
	return ret;
}

/* Capabilities of the calling thread (launch.c does the same for the drop). */
static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	return (int)syscall(SYS_capget, &h, d);
}

static int caps_set(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	return (int)syscall(SYS_capset, &h, d);
}

static int resolve_all(const cordon_policy *p, const cordon_env *vars, cordon_targets *t,
		       cordon_error **err)
{
	struct stat proc;
	if (stat("/proc", &proc) == 0)
		t->proc_dev = proc.st_dev;
	/* A Landlock rule is tied to the inode the path names now: /proc/self
	 * here is the launcher's /proc/<pid>, which the exec'd command keeps
	 * but every process it forks does not. Landlock cannot name "the
	 * caller's own directory", so the read part of a /proc/self rule goes
	 * to /proc as a whole (snapd's profile reads @{PROC}/@{pid}/... of any
	 * pid too); other processes' private entries (environ, maps, mem, fd/)
	 * stay closed: the kernel checks ptrace access for them, and Landlock
	 * refuses that across its domains. Write rights stay on the
	 * launcher's own directory. Read-only rules on single /proc files are
	 * then redundant, and each would cost a path walk at every launch. */
	bool proc_read = false;
	for (size_t i = 0; i < p->n_fs; i++)
		proc_read |= !(p->fs[i].flags & CORDON_FS_GLOB) && is_proc_self(p->fs[i].path) &&
			     (p->fs[i].access & CORDON_LL_R) == CORDON_LL_R;
	if (proc_read) {
		int r = add_one(t, "/proc", NULL, CORDON_LL_R, 0, false, vars, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_fs; i++) {
		const cordon_fs_rule *r = &p->fs[i];
		if (proc_read && str_has_prefix(r->path, "/proc/") && !is_proc_self(r->path) &&
		    (r->access & ~CORDON_LL_R) == 0)
			continue;
		int ret = add_rule(t, r, vars, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int cordon_targets_resolve(const cordon_policy *p, const cordon_env *vars,
			   const cordon_caller *caller, cordon_targets *out, cordon_error **err)
{
	memset(out, 0, sizeof *out);
	/* As the caller: a non-zero fsuid takes the file system capabilities
	 * out of the effective set by itself; for uid 0 the two that bypass
	 * permission checks are taken out by hand (the command will not have
	 * them either). */
	struct __user_cap_data_struct saved[2], less[2];
	if (caps_get(saved) < 0)
		return cordon_err(err, errno, "capget");
	memcpy(less, saved, sizeof less);
	const uint32_t bypass = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
	less[0].effective &= ~bypass;
	if (caps_set(less) < 0)
		return cordon_err(err, errno, "capset");
	int old_gid = setfsgid(caller->gid);
	int old_uid = setfsuid(caller->uid);
	int r = resolve_all(p, vars, out, err);
	setfsuid((uid_t)old_uid);
	setfsgid((gid_t)old_gid);
	if (caps_set(saved) < 0 && r == 0)
		r = cordon_err(err, errno, "capset");
	if (r < 0)
		cordon_targets_free(out);
	return r;
}

int cordon_targets_open_late(cordon_targets *t, cordon_error **err)
{
	for (size_t i = 0; i < t->n; i++) {
		cordon_target *tg = &t->v[i];
		if (!(tg->flags & CORDON_TARGET_LATE) || tg->fd >= 0)
			continue;
		tg->fd = open(tg->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (tg->fd < 0) {
			if (errno == ENOENT)
				continue;
			return cordon_err(err, errno, "file rule: open %s", tg->path);
		}
		if (fstat(tg->fd, &tg->st) < 0)
			return cordon_err(err, errno, "file rule: stat %s", tg->path);
	}
	return 0;
}

void cordon_targets_free(cordon_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].real);
		free(t->v[i].at);
		if (t->v[i].fd >= 0)
			close(t->v[i].fd);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}
