/* The label's cgroup: one per label under <mount>/<parent>/<label>, in the
 * cgroup v1 devices hierarchy and/or the cgroup2 hierarchy, with the label's
 * device rules (cgroup_devices.c) applied before the process joins.
 *
 * Every cgroup file is reached from an fd of the hierarchy's root, one
 * component at a time with O_NOFOLLOW, and the root fd is checked to be a
 * cgroup file system: a symlink or a tmpfs mounted where cgroupfs used to be
 * would otherwise let the launcher write "a" or a pid into someone's file. */
#include "cgroup.h"
#include "cgroup_devices.h"
#include "cgroup_dir.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

void cordon_cgroup_mounts_free(cordon_cgroup_mounts *m)
{
	free(m->v1_devices);
	free(m->v2);
	m->v1_devices = m->v2 = NULL;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape_octal(const char *s)
{
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, "");
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			buf_addc(&b, (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0')));
			s += 3;
			continue;
		}
		buf_addc(&b, *s);
	}
	return buf_steal(&b);
}

static bool has_option(const char *opts, const char *want)
{
	size_t n = strlen(want);
	for (const char *p = opts; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, want, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* "36 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices":
 * id, parent, dev, root, mount point, options, optional fields up to "-",
 * then fs type, source, super options. */
static void parse_mountinfo_line(char *line, cordon_cgroup_mounts *m)
{
	char *save = NULL, *mnt = NULL;
	char *tok = strtok_r(line, " ", &save);
	for (int i = 0; tok && i < 5; i++) {
		if (i == 4)
			mnt = tok;
		tok = strtok_r(NULL, " ", &save);
	}
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " ", &save);
	if (tok == NULL || mnt == NULL)
		return;
	char *fstype = strtok_r(NULL, " ", &save);
	char *source = strtok_r(NULL, " ", &save);
	char *super = strtok_r(NULL, " ", &save);
	if (fstype == NULL || source == NULL || super == NULL || mnt[0] != '/')
		return;
	if (m->v2 == NULL && strcmp(fstype, "cgroup2") == 0)
		m->v2 = unescape_octal(mnt);
	else if (m->v1_devices == NULL && strcmp(fstype, "cgroup") == 0 &&
		 has_option(super, "devices"))
		m->v1_devices = unescape_octal(mnt);
}

void cordon_cgroup_parse_mountinfo(const char *text, cordon_cgroup_mounts *m)
{
	*m = (cordon_cgroup_mounts){0};
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		_cleanup_free_ char *line = xstrndup(p, len);
		parse_mountinfo_line(line, m);
		p += len + (eol ? 1 : 0);
	}
}
static bool fs_is(const char *path, unsigned long magic)
{
	struct statfs sfs;
	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == magic;
}

/* The layouts hosts use (pure v2 at /sys/fs/cgroup; hybrid with the v1
 * devices controller at /sys/fs/cgroup/devices and cgroup2 at
 * /sys/fs/cgroup/unified), recognised with a few statfs calls: reading
 * /proc/self/mountinfo costs time in proportion to the mounts (a thousand
 * installed snaps are a thousand mounts), at every launch. */
static bool standard_layout(cordon_cgroup_mounts *m)
{
	if (fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) {
		m->v2 = xstrdup("/sys/fs/cgroup");
		return true;
	}
	if (!fs_is("/sys/fs/cgroup/devices", CGROUP_SUPER_MAGIC) ||
	    access("/sys/fs/cgroup/devices/devices.list", F_OK) != 0)
		return false;
	m->v1_devices = xstrdup("/sys/fs/cgroup/devices");
	if (fs_is("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC))
		m->v2 = xstrdup("/sys/fs/cgroup/unified");
	return true;
}

int cordon_cgroup_find_mounts(cordon_cgroup_mounts *m, cordon_error **err)
{
	if (standard_layout(m))
		return 0;
	cordon_cgroup_mounts_free(m);
	_cleanup_free_ char *text = NULL;
	int ret = read_all_at(AT_FDCWD, "/proc/self/mountinfo", &text, err);
	if (ret < 0)
		return ret;
	cordon_cgroup_parse_mountinfo(text, m);
	return 0;
}

/* A cgroup directory name we create: one component, a conservative
 * character set (labels are snap.<instance>.<app>, instances may carry a
 * key: snap.foo_test.bar), never "." or "..". */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.+-", *s))
			return false;
	return true;
}

const char *cordon_cgroup_parent(const cordon_cgroup_cfg *cfg)
{
	return cfg->parent ? cfg->parent : CORDON_CGROUP_PARENT;
}

/* Open the root of a hierarchy by walking its absolute path without
 * following symlinks, and check the file system type. */
static int open_hierarchy(const char *path, unsigned long magic, cordon_error **err)
{
	if (path[0] != '/')
		return cordon_err_msg(err, EINVAL, "cgroup mount %s: not absolute", path);
	_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open /");
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return cordon_err_msg(err, EINVAL, "cgroup mount %s: not canonical", path);
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return cordon_err(err, errno, "open %s (component %s)", path, c);
		close(fd);
		fd = next;
	}
	/* Reopen readable: BPF_PROG_ATTACH and readdir refuse O_PATH fds. */
	int rd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd < 0)
		return cordon_err(err, errno, "open %s", path);
	_cleanup_close_ int root = rd;
	struct statfs sf;
	if (fstatfs(root, &sf) < 0)
		return cordon_err(err, errno, "statfs %s", path);
	if ((unsigned long)sf.f_type != magic)
		return cordon_err_msg(err, EXDEV, "%s is not a %s file system", path,
				      magic == CGROUP2_SUPER_MAGIC ? "cgroup2" : "cgroup");
	return steal_fd(root);
}

/* The directory `name` in dirfd, created (0755, root's) if `create`. */
static int open_dir_at(int dirfd, const char *name, bool create, const char *where,
		       cordon_error **err)
{
	if (create && mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return cordon_err(err, errno, "mkdir %s/%s", where, name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s/%s", where, name);
	return fd;
}

static void cg_dir_free(cg_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->where);
	d->fd = -1;
	d->where = NULL;
}

static int cg_dir_open(const char *mount, unsigned long magic, const char *parent,
		       const char *label, cg_dir *d, cordon_error **err)
{
	*d = (cg_dir){.fd = -1};
	_cleanup_close_ int root = open_hierarchy(mount, magic, err);
	if (root < 0)
		return root;
	_cleanup_close_ int pfd = open_dir_at(root, parent, true, mount, err);
	if (pfd < 0)
		return pfd;
	_cleanup_free_ char *pwhere = xasprintf("%s/%s", mount, parent);
	int lfd = open_dir_at(pfd, label, true, pwhere, err);
	if (lfd < 0)
		return lfd;
	d->fd = lfd;
	d->where = xasprintf("%s/%s", pwhere, label);
	return 0;
}

int cordon_cgroup_mode_effective(const cordon_cgroup_cfg *cfg, const cordon_cgroup_mounts *m)
{
	switch (cfg->mode) {
	case CORDON_CGROUP_AUTO:
		/* A mounted v1 devices controller is what the host uses for
		 * devices (hybrid layout); pure v2 hosts cannot mount it. */
		if (m->v1_devices)
			return CORDON_CGROUP_V1;
		return m->v2 ? CORDON_CGROUP_V2 : -ENOENT;
	case CORDON_CGROUP_V1:
		return m->v1_devices ? CORDON_CGROUP_V1 : -ENOENT;
	case CORDON_CGROUP_V2:
		return m->v2 ? CORDON_CGROUP_V2 : -ENOENT;
	}
	return -EINVAL;
}

static int check_names(const char *parent, const char *label, cordon_error **err)
{
	if (!valid_name(parent))
		return cordon_err_msg(err, EINVAL, "cgroup parent \"%s\": not a plain name",
				      parent);
	if (label == NULL || !valid_name(label))
		return cordon_err_msg(err, EINVAL, "cgroup for label \"%s\": not a plain name",
				      label ? label : "(null)");
	return 0;
}

/* Threads: field of /proc/self/status. */
static bool single_threaded(void)
{
	_cleanup_free_ char *b = NULL;
	if (read_all_at(AT_FDCWD, "/proc/self/status", &b, NULL) < 0)
		return false;
	const char *t = strstr(b, "\nThreads:\t");
	return t != NULL && strtol(t + 10, NULL, 10) == 1;
}

/* The calling process's cgroup v2 directory when it is the unit cgroup of
 * the label's service (leaf <label>.service, root's): 1 and *d set, 0 when
 * it is not. Walked from the hierarchy's root without following anything. */
static int service_unit_cgroup(const char *v2, const char *label, cg_dir *d, cordon_error **err)
{
	_cleanup_free_ char *text = NULL;
	int r = read_all_at(AT_FDCWD, "/proc/self/cgroup", &text, err);
	if (r < 0)
		return r;
	const char *line = strstr(text, "0::/");
	if (line != text && (line == NULL || line[-1] != '\n'))
		return 0;
	const char *end = strchr(line, '\n');
	_cleanup_free_ char *path =
	    xstrndup(line + 3, end ? (size_t)(end - line - 3) : strlen(line + 3));
	const char *leaf = strrchr(path, '/');
	_cleanup_free_ char *want = xasprintf("%s.service", label);
	if (leaf == NULL || strcmp(leaf + 1, want) != 0)
		return 0;
	_cleanup_close_ int fd = open_hierarchy(v2, CGROUP2_SUPER_MAGIC, err);
	if (fd < 0)
		return fd;
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return 0;
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return cordon_err(err, errno, "open cgroup %s", path);
		close(fd);
		fd = next;
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat cgroup %s", path);
	if (st.st_uid != 0)
		return 0; /* delegated: not the unit's own cgroup to keep */
	d->fd = steal_fd(fd);
	d->where = xasprintf("%s%s", v2, path);
	return 1;
}

int cordon_cgroup_enter(const cordon_cgroup_cfg *cfg, const cordon_policy *p, pid_t pid,
			cordon_error **err)
{
	const char *parent = cordon_cgroup_parent(cfg);
	int ret = check_names(parent, p->label, err);
	if (ret < 0)
		return ret;
	if (pid < 0)
		return cordon_err_msg(err, EINVAL, "cgroup: bad pid %d", (int)pid);
	__attribute__((cleanup(cordon_cgroup_mounts_free))) cordon_cgroup_mounts m = {0};
	ret = cordon_cgroup_find_mounts(&m, err);
	if (ret < 0)
		return ret;
	int mode = cordon_cgroup_mode_effective(cfg, &m);
	if (mode < 0)
		return cordon_err_msg(err, -mode, "no cgroup hierarchy for device control (%s)",
				      cfg->mode == CORDON_CGROUP_V1   ? "v1 devices controller"
				      : cfg->mode == CORDON_CGROUP_V2 ? "cgroup2"
								      : "v1 devices or cgroup2");
	_cleanup_free_ cordon_dev_allow *allow = NULL;
	size_t n_allow = 0;
	ret = cordon_devices_resolve(p, &allow, &n_allow, err);
	if (ret < 0)
		return ret;

	__attribute__((cleanup(cg_dir_free))) cg_dir v1 = {.fd = -1};
	__attribute__((cleanup(cg_dir_free))) cg_dir v2 = {.fd = -1};
	if (mode == CORDON_CGROUP_V1) {
		ret = cg_dir_open(m.v1_devices, CGROUP_SUPER_MAGIC, parent, p->label, &v1, err);
		if (ret < 0)
			return ret;
		ret = cordon_devices_apply_v1(&v1, allow, n_allow, err);
		if (ret < 0)
			return ret;
	}
	/* In v1 mode the process joins only the v1 devices cgroup, which
	 * already names the label: every cgroup move costs the kernel an RCU
	 * grace period (cgroup_threadgroup_rwsem, about a millisecond), and a
	 * second move would buy nothing. */
	if (mode == CORDON_CGROUP_V2 && cfg->keep_service_unit && pid == getpid()) {
		ret = service_unit_cgroup(m.v2, p->label, &v2, err);
		if (ret < 0)
			return ret;
		if (ret == 1) /* rules only: it is in the cgroup already */
			return cordon_devices_apply_v2(&v2, allow, n_allow, err);
	}
	if (mode == CORDON_CGROUP_V2) {
		ret = cg_dir_open(m.v2, CGROUP2_SUPER_MAGIC, parent, p->label, &v2, err);
		if (ret < 0)
			return ret;
		ret = cordon_devices_apply_v2(&v2, allow, n_allow, err);
		if (ret < 0)
			return ret;
	}

	/* Rules first, then the move: the process never runs in the label's
	 * cgroup with wider device access than the policy. */
	_cleanup_free_ char *pid_s = xasprintf("%d\n", (int)pid);
	if (v1.fd >= 0) {
		/* Moving the calling thread through v1 `tasks` ("0": current)
		 * skips the global cgroup_threadgroup_rwsem that a cgroup.procs
		 * write takes (an RCU grace period, milliseconds on a busy
		 * host); the launcher is single-threaded, so the thread is the
		 * process, and what it execs stays in the cgroup. */
		bool self = pid == getpid() && single_threaded();
		ret = write_at(v1.fd, self ? "tasks" : "cgroup.procs", self ? "0\n" : pid_s,
			       v1.where, err);
		if (ret < 0)
			return ret;
	}
	if (v2.fd >= 0) {
		ret = write_at(v2.fd, "cgroup.procs", pid_s, v2.where, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int cordon_cgroup_enter_own(const cordon_cgroup_cfg *cfg, const char *name, cordon_error **err)
{
	const char *parent = cordon_cgroup_parent(cfg);
	int ret = check_names(parent, name, err);
	if (ret < 0)
		return ret;
	__attribute__((cleanup(cordon_cgroup_mounts_free))) cordon_cgroup_mounts m = {0};
	ret = cordon_cgroup_find_mounts(&m, err);
	if (ret < 0 || m.v2 == NULL)
		return ret;
	__attribute__((cleanup(cg_dir_free))) cg_dir d = {.fd = -1};
	ret = cg_dir_open(m.v2, CGROUP2_SUPER_MAGIC, parent, name, &d, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *pid_s = xasprintf("%d\n", (int)getpid());
	return write_at(d.fd, "cgroup.procs", pid_s, d.where, err);
}

/* The hierarchies a cgroup of ours may live in, for removal. */
static int for_each_hierarchy(int (*fn)(int root, const char *where, const void *arg,
					cordon_error **err),
			      const void *arg, cordon_error **err)
{
	__attribute__((cleanup(cordon_cgroup_mounts_free))) cordon_cgroup_mounts m = {0};
	int ret = cordon_cgroup_find_mounts(&m, err);
	if (ret < 0)
		return ret;
	const struct {
		const char *mount;
		unsigned long magic;
	} h[] = {{m.v1_devices, CGROUP_SUPER_MAGIC}, {m.v2, CGROUP2_SUPER_MAGIC}};
	for (size_t i = 0; i < ARRAY_SIZE(h); i++) {
		if (h[i].mount == NULL)
			continue;
		_cleanup_close_ int root = open_hierarchy(h[i].mount, h[i].magic, err);
		if (root < 0)
			return root;
		ret = fn(root, h[i].mount, arg, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* rmdir with patience: a process that just exited and was reaped may keep
 * its cgroup busy for a moment while the kernel finishes releasing it. */
static int rmdir_settle(int dirfd, const char *name)
{
	for (int i = 0; i < 100; i++) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -EBUSY;
}

/* Is the cgroup empty of processes (cgroup.procs reads empty)? */
static bool no_procs(int atfd, const char *name)
{
	_cleanup_close_ int fd =
	    openat(atfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *procs = NULL;
	return fd >= 0 && read_all_at(fd, "cgroup.procs", &procs, NULL) == 0 && procs[0] == '\0';
}

/* Remove a cgroup directory and the cgroups below it (cgroupfs holds only
 * directories we can rmdir and files that go with them). With busy_ok, a
 * cgroup a process still runs in stays with its parents (EBUSY is no error:
 * returns 1, left for a later sweep), and only one whose last process is
 * exiting is waited for. */
static int remove_tree(int atfd, const char *name, const char *where, int depth, bool busy_ok,
		       cordon_error **err)
{
	if (depth > 32)
		return cordon_err_msg(err, ELOOP, "%s/%s: too deep", where, name);
	int fd = openat(atfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cordon_err(err, errno, "open %s/%s", where, name);
	}
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		int saved = errno;
		close(fd);
		return cordon_err(err, saved, "opendir %s/%s", where, name);
	}
	_cleanup_free_ char *here = xasprintf("%s/%s", where, name);
	int ret = 0;
	bool left = false;
	struct dirent *de;
	while (ret >= 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		ret = remove_tree(dirfd(d), de->d_name, here, depth + 1, busy_ok, err);
		left |= ret > 0;
	}
	if (ret >= 0 && de == NULL && errno != 0)
		ret = cordon_err(err, errno, "readdir %s", here);
	closedir(d);
	if (ret < 0)
		return ret;
	if (left)
		return 1;
	if (busy_ok) {
		if (unlinkat(atfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return cordon_err(err, errno, "rmdir %s", here);
		if (!no_procs(atfd, name))
			return 1; /* in use: a later sweep's */
	}
	ret = rmdir_settle(atfd, name);
	if (ret == -EBUSY && busy_ok)
		return 1;
	if (ret < 0)
		return cordon_err(err, -ret, "rmdir %s", here);
	return 0;
}

typedef struct label_arg {
	const char *parent, *label;
} label_arg;

static int remove_label_in(int root, const char *where, const void *arg, cordon_error **err)
{
	const label_arg *a = arg;
	_cleanup_close_ int pfd =
	    openat(root, a->parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0) {
		if (errno == ENOENT)
			return 0;
		return cordon_err(err, errno, "open %s/%s", where, a->parent);
	}
	/* The cgroups a process of the label made below it go first (rmdir
	 * refuses a cgroup with children). One still in use stays: another
	 * process of the label runs; the store sweeps the label's cgroups of
	 * removed snaps again at its next change, by then empty. */
	_cleanup_free_ char *pwhere = xasprintf("%s/%s", where, a->parent);
	int r = remove_tree(pfd, a->label, pwhere, 0, true, err);
	return r < 0 ? r : 0;
}

int cordon_cgroup_remove_label(const cordon_cgroup_cfg *cfg, const char *label, cordon_error **err)
{
	label_arg a = {cordon_cgroup_parent(cfg), label};
	int ret = check_names(a.parent, label, err);
	if (ret < 0)
		return ret;
	return for_each_hierarchy(remove_label_in, &a, err);
}

static int remove_parent_in(int root, const char *where, const void *arg, cordon_error **err)
{
	return remove_tree(root, arg, where, 0, false, err);
}

int cordon_cgroup_remove_parent(const cordon_cgroup_cfg *cfg, cordon_error **err)
{
	const char *parent = cordon_cgroup_parent(cfg);
	if (!valid_name(parent))
		return cordon_err_msg(err, EINVAL, "cgroup parent \"%s\": not a plain name",
				      parent);
	return for_each_hierarchy(remove_parent_in, parent, err);
}
