/* The label's cgroup: one per label under <mount>/<parent>/<label>, in the
 * cgroup v1 devices hierarchy and/or the cgroup2 hierarchy, with the label's
 * device rules applied before the process joins.
 *
 * Every cgroup file is reached from an fd of the hierarchy's root, one
 * component at a time with O_NOFOLLOW, and the root fd is checked to be a
 * cgroup file system: a symlink or a tmpfs mounted where cgroupfs used to be
 * would otherwise let the launcher write "a" or a pid into someone's file. */
#include "cgroup.h"
#include "fsutil.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
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

/* A whole kernel text file from dirfd (no symlink). */
static int read_all_at(int dirfd, const char *name, char **out, cordon_error **err)
{
	size_t len;
	return fs_read_at(dirfd, name, FS_KERNEL_TEXT_MAX, out, &len, err);
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

/* One write(2) per cgroup command: the kernel parses each write on its own. */
static int write_at(int dirfd, const char *name, const char *s, const char *where,
		    cordon_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s/%s", where, name);
	size_t len = strlen(s);
	ssize_t w = write(fd, s, len);
	if (w < 0)
		return cordon_err(err, errno, "write \"%s\" to %s/%s", s, where, name);
	if ((size_t)w != len)
		return cordon_err_msg(err, EIO, "short write of \"%s\" to %s/%s", s, where, name);
	return 0;
}

/* The label's directory (created with its parent) in one hierarchy. */
typedef struct cg_dir {
	int fd;	     /* <mount>/<parent>/<label>, O_RDONLY */
	char *where; /* its path, for messages */
} cg_dir;

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

static int cmp_allow(const void *a, const void *b)
{
	const cordon_dev_allow *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return 0;
}

typedef struct allow_vec {
	cordon_dev_allow *v;
	size_t n, cap;
} allow_vec;

static void allow_push(allow_vec *av, char type, int32_t major, int32_t minor)
{
	if (av->n == av->cap) {
		av->cap = av->cap ? av->cap * 2 : 16;
		av->v = xreallocarray(av->v, av->cap, sizeof(*av->v));
	}
	av->v[av->n++] = (cordon_dev_allow){
	    .type = type, .major = major, .minor = minor, .access = CORDON_DEV_ACC_ALL};
}

/* Device nodes named by a glob, resolved now. stat() follows symlinks on
 * purpose: /dev/serial/by-id/... links name the node whose numbers count. */
static int resolve_path_rule(const cordon_dev_rule *r, allow_vec *av, cordon_error **err)
{
	_cleanup_strv_ strv paths = {0};
	int ret = fs_glob(r->path, &paths, err);
	for (size_t i = 0; ret == 0 && i < paths.n; i++) {
		struct stat st;
		if (stat(paths.v[i], &st) < 0) {
			/* unplugged between glob and stat, or unreachable */
			if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
			    errno == EACCES)
				continue;
			ret = cordon_err(err, errno, "device rule: stat %s", paths.v[i]);
			break;
		}
		char type = S_ISCHR(st.st_mode) ? 'c' : S_ISBLK(st.st_mode) ? 'b' : 0;
		/* The rule's type filters: "c /dev/foo*" never allows a block
		 * device that happens to match the name. */
		if (type != r->type)
			continue;
		allow_push(av, type, (int32_t)major(st.st_rdev), (int32_t)minor(st.st_rdev));
	}
	return ret;
}

int cordon_devices_resolve(const cordon_policy *p, cordon_dev_allow **out, size_t *n,
			   cordon_error **err)
{
	allow_vec av = {0};
	for (size_t i = 0; i < p->n_devices; i++) {
		const cordon_dev_rule *r = &p->devices[i];
		if (r->type != 'c' && r->type != 'b') {
			free(av.v);
			return cordon_err_msg(err, EINVAL, "device rule %zu: type '%c'", i,
					      r->type);
		}
		if (r->path) {
			int ret = resolve_path_rule(r, &av, err);
			if (ret < 0) {
				free(av.v);
				return ret;
			}
			continue;
		}
		if (r->major < -1 || r->minor < -1) {
			free(av.v);
			return cordon_err_msg(err, EINVAL, "device rule %zu: %d:%d", i, r->major,
					      r->minor);
		}
		allow_push(&av, r->type, r->major, r->minor);
	}
	if (av.n > 1)
		qsort(av.v, av.n, sizeof(*av.v), cmp_allow);
	size_t k = 0;
	for (size_t i = 0; i < av.n; i++)
		if (k == 0 || cmp_allow(&av.v[k - 1], &av.v[i]) != 0)
			av.v[k++] = av.v[i];
	*out = av.v;
	*n = k;
	return 0;
}

char *cordon_dev_allow_v1_line(const cordon_dev_allow *a)
{
	char maj[16] = "*", min[16] = "*", acc[4];
	size_t k = 0;
	if (a->major >= 0)
		snprintf(maj, sizeof(maj), "%d", (int)a->major);
	if (a->minor >= 0)
		snprintf(min, sizeof(min), "%d", (int)a->minor);
	/* The kernel prints the letters in this order in devices.list. */
	if (a->access & CORDON_DEV_ACC_READ)
		acc[k++] = 'r';
	if (a->access & CORDON_DEV_ACC_WRITE)
		acc[k++] = 'w';
	if (a->access & CORDON_DEV_ACC_MKNOD)
		acc[k++] = 'm';
	acc[k] = '\0';
	return xasprintf("%c %s:%s %s", a->type, maj, min, acc);
}

static void split_lines(const char *text, strv *out)
{
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > 0)
			strv_push_own(out, xstrndup(p, len));
		p += len + (eol ? 1 : 0);
	}
	strv_sort(out);
}

static bool strv_equal(const strv *a, const strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static int v1_list_matches(const cg_dir *d, const strv *want, bool *match, cordon_error **err)
{
	_cleanup_free_ char *text = NULL;
	int ret = read_all_at(d->fd, "devices.list", &text, err);
	if (ret < 0)
		return cordon_err_prefix(err, "%s", d->where);
	_cleanup_strv_ strv have = {0};
	split_lines(text, &have);
	*match = strv_equal(&have, want);
	return 0;
}

/* cgroup v1: deny all, then allow each rule. The label's cgroup is shared by
 * its running processes, so rewriting it briefly denies them everything:
 * skip the rewrite when devices.list already says exactly what we want (the
 * common case, the same policy as the last launch). */
static int v1_apply(const cg_dir *d, const cordon_dev_allow *a, size_t n, cordon_error **err)
{
	_cleanup_strv_ strv want = {0};
	for (size_t i = 0; i < n; i++)
		strv_push_own(&want, cordon_dev_allow_v1_line(&a[i]));
	strv_sort(&want);
	bool match;
	int ret = v1_list_matches(d, &want, &match, err);
	if (ret < 0 || match)
		return ret;
	/* "a" clears the exceptions and makes the default deny; the kernel
	 * refuses it (EINVAL) on a cgroup with children, which a label's
	 * cgroup never has. */
	ret = write_at(d->fd, "devices.deny", "a", d->where, err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < want.n; i++) {
		ret = write_at(d->fd, "devices.allow", want.v[i], d->where, err);
		if (ret < 0)
			return ret;
	}
	/* Read back: a concurrent launch of the same label with another
	 * policy, or a parent that does not allow a device, shows here. */
	ret = v1_list_matches(d, &want, &match, err);
	if (ret < 0)
		return ret;
	if (!match)
		return cordon_err_msg(err, EIO, "%s/devices.list does not match the policy",
				      d->where);
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
		ret = v1_apply(&v1, allow, n_allow, err);
		if (ret < 0)
			return ret;
	}
	/* In v1 mode the process joins only the v1 devices cgroup, which
	 * already names the label: every cgroup move costs the kernel an RCU
	 * grace period (cgroup_threadgroup_rwsem, about a millisecond), and a
	 * second move would buy nothing. */
	if (mode == CORDON_CGROUP_V2) {
		ret = cg_dir_open(m.v2, CGROUP2_SUPER_MAGIC, parent, p->label, &v2, err);
		if (ret < 0)
			return ret;
		ret = cordon_devices_bpf_attach(v2.fd, allow, n_allow, err);
		if (ret < 0)
			return cordon_err_prefix(err, "%s", v2.where);
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
	/* EBUSY: another process of the label still runs; it is removed by
	 * a later call, and reused meanwhile. */
	if (unlinkat(pfd, a->label, AT_REMOVEDIR) < 0 && errno != ENOENT && errno != EBUSY)
		return cordon_err(err, errno, "rmdir %s/%s/%s", where, a->parent, a->label);
	return 0;
}

int cordon_cgroup_remove_label(const cordon_cgroup_cfg *cfg, const char *label, cordon_error **err)
{
	label_arg a = {cordon_cgroup_parent(cfg), label};
	int ret = check_names(a.parent, label, err);
	if (ret < 0)
		return ret;
	return for_each_hierarchy(remove_label_in, &a, err);
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

/* Remove a cgroup directory and the cgroups below it (cgroupfs holds only
 * directories we can rmdir and files that go with them). */
static int remove_tree(int atfd, const char *name, const char *where, int depth, cordon_error **err)
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
	struct dirent *de;
	while (ret == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		ret = remove_tree(dirfd(d), de->d_name, here, depth + 1, err);
	}
	if (ret == 0 && de == NULL && errno != 0)
		ret = cordon_err(err, errno, "readdir %s", here);
	closedir(d);
	if (ret < 0)
		return ret;
	ret = rmdir_settle(atfd, name);
	if (ret < 0)
		return cordon_err(err, -ret, "rmdir %s", here);
	return 0;
}

static int remove_parent_in(int root, const char *where, const void *arg, cordon_error **err)
{
	return remove_tree(root, arg, where, 0, err);
}

int cordon_cgroup_remove_parent(const cordon_cgroup_cfg *cfg, cordon_error **err)
{
	const char *parent = cordon_cgroup_parent(cfg);
	if (!valid_name(parent))
		return cordon_err_msg(err, EINVAL, "cgroup parent \"%s\": not a plain name",
				      parent);
	return for_each_hierarchy(remove_parent_in, parent, err);
}
