#include "learn_run.h"
#include "cli.h"
#include "config.h"
#include "landlock_defs.h"
#include "launch.h"
#include "learn_match.h"
#include "learn_report.h"
#include "launcher_spawn.h"
#include "paths.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The learn filter is x86-64's (learn_filter.h); elsewhere the calls of
 * the older ABI do not exist and these never match. */
#ifndef SYS_open
#define SYS_open (-1001)
#define SYS_creat (-1002)
#define SYS_mkdir (-1003)
#define SYS_unlink (-1004)
#define SYS_rename (-1005)
#endif

typedef struct learned {
	size_t n, cap;
	cordon_learn_access *v;
	size_t unreadable; /* calls whose arguments could not be read */
} learned;

static void learned_add(learned *l, const cordon_learn_access *a)
{
	for (size_t i = 0; i < l->n; i++) {
		const cordon_learn_access *b = &l->v[i];
		if (b->kind == a->kind && streq_ptr(b->path, a->path) && b->access == a->access &&
		    b->family == a->family && b->port == a->port && b->type == a->type &&
		    b->protocol == a->protocol)
			return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n] = *a;
	l->v[l->n].path = a->path ? xstrdup(a->path) : NULL;
	l->n++;
}

static void learned_free(learned *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

/* The target's memory, read through /proc/PID/mem (the app is the caller's
 * own, dumpable process). A time-of-check/time-of-use gap is inherent: the
 * app (another of its threads) may change the bytes after this read and
 * before the kernel's; this only observes, so a changed path is at worst a
 * wrong record, never a wrong decision about access. */
static ssize_t read_mem(int mem, uint64_t addr, void *out, size_t len)
{
	ssize_t n;
	do
		n = pread(mem, out, len, (off_t)addr);
	while (n < 0 && errno == EINTR);
	return n;
}

static char *read_string(int mem, uint64_t addr)
{
	char s[PATH_MAX];
	/* up to the end of the page first: the next may be unmapped */
	size_t first = 4096 - (size_t)(addr % 4096);
	ssize_t n = read_mem(mem, addr, s, first < sizeof s ? first : sizeof s);
	if (n <= 0)
		return NULL;
	if (memchr(s, '\0', (size_t)n) == NULL && (size_t)n < sizeof s) {
		ssize_t m = read_mem(mem, addr + (uint64_t)n, s + n, sizeof s - (size_t)n);
		if (m > 0)
			n += m;
	}
	if (memchr(s, '\0', (size_t)n) == NULL)
		return NULL;
	return xstrdup(s);
}

/* `path` made absolute against dirfd (AT_FDCWD: the cwd) of the target */
static char *absolute(pid_t pid, int dirfd, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	_cleanup_free_ char *link = dirfd == AT_FDCWD
					? xasprintf("/proc/%d/cwd", (int)pid)
					: xasprintf("/proc/%d/fd/%d", (int)pid, dirfd);
	char dir[PATH_MAX];
	ssize_t n = readlink(link, dir, sizeof dir - 1);
	if (n <= 0)
		return NULL;
	dir[n] = '\0';
	if (path[0] == '\0')
		return xstrdup(dir);
	return xasprintf("%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", path);
}

static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL || slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* stat in the target's own namespace (its /proc/PID/root) */
static int stat_in(pid_t pid, const char *path, struct stat *st)
{
	_cleanup_free_ char *p = xasprintf("/proc/%d/root%s", (int)pid, path);
	return stat(p, st);
}

static void add_file(learned *l, const char *path, uint64_t access)
{
	cordon_learn_access a = {.kind = CORDON_LEARN_FILE, .path = (char *)path, .access = access};
	learned_add(l, &a);
}

static void record_open(learned *l, pid_t pid, const char *path, uint64_t flags)
{
	if (flags & O_PATH)
		return; /* no right is needed for a path fd */
	struct stat st;
	if (stat_in(pid, path, &st) < 0) {
		if ((flags & O_CREAT) && errno == ENOENT) {
			_cleanup_free_ char *dir = parent_of(path);
			add_file(l, dir, LANDLOCK_ACCESS_FS_MAKE_REG);
		}
		return; /* nothing there: the same answer confined */
	}
	uint64_t access = 0;
	int mode = (int)(flags & O_ACCMODE);
	if (mode == O_RDONLY || mode == O_RDWR)
		access |= S_ISDIR(st.st_mode) ? LANDLOCK_ACCESS_FS_READ_DIR
					      : LANDLOCK_ACCESS_FS_READ_FILE;
	if (mode == O_WRONLY || mode == O_RDWR)
		access |= LANDLOCK_ACCESS_FS_WRITE_FILE;
	add_file(l, path, access);
}

static int socket_type(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	int sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (sfd < 0)
		return -1;
	int type = 0;
	socklen_t len = sizeof type;
	int r = getsockopt(sfd, SOL_SOCKET, SO_TYPE, &type, &len);
	close(sfd);
	return r < 0 ? -1 : type;
}

static void record(learned *l, const struct seccomp_notif *req, int mem)
{
	pid_t pid = (pid_t)req->pid;
	const __u64 *a = req->data.args;
	int nr = req->data.nr;
	int path_arg = -1, dirfd = AT_FDCWD;
	switch (nr) {
	case SYS_open:
	case SYS_creat:
	case SYS_execve:
	case SYS_mkdir:
	case SYS_unlink:
	case SYS_rename:
		path_arg = 0;
		break;
	case SYS_openat:
	case SYS_openat2:
	case SYS_execveat:
	case SYS_mkdirat:
	case SYS_unlinkat:
	case SYS_renameat:
	case SYS_renameat2:
		path_arg = 1;
		dirfd = (int)a[0];
		break;
	}
	if (nr == SYS_socket) {
		cordon_learn_access s = {.kind = CORDON_LEARN_SOCKET,
					 .family = (int)a[0],
					 .type = (int)(a[1] & 0xf),
					 .protocol = (int)a[2]};
		learned_add(l, &s);
		return;
	}
	if (nr == SYS_connect || nr == SYS_bind) {
		struct sockaddr_storage ss = {0};
		size_t len = a[2] < sizeof ss ? (size_t)a[2] : sizeof ss;
		if (len < sizeof(sa_family_t) || read_mem(mem, a[1], &ss, len) < (ssize_t)len) {
			l->unreadable++;
			return;
		}
		int port = -1;
		if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in))
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		/* Landlock mediates TCP only: a datagram socket's is no denial */
		if (port < 0 || socket_type(pid, (int)a[0]) != SOCK_STREAM)
			return;
		cordon_learn_access c = {.kind = nr == SYS_connect ? CORDON_LEARN_CONNECT
								   : CORDON_LEARN_BIND,
					 .family = ss.ss_family,
					 .port = port};
		learned_add(l, &c);
		return;
	}
	if (path_arg < 0)
		return;
	_cleanup_free_ char *raw = read_string(mem, a[path_arg]);
	if (raw == NULL) {
		l->unreadable++;
		return;
	}
	_cleanup_free_ char *path = absolute(pid, dirfd, raw);
	if (path == NULL) {
		l->unreadable++;
		return;
	}
	switch (nr) {
	case SYS_open:
		record_open(l, pid, path, a[1]);
		break;
	case SYS_openat:
		record_open(l, pid, path, a[2]);
		break;
	case SYS_openat2: {
		struct open_how how = {0};
		if (read_mem(mem, a[2], &how, sizeof how.flags) == (ssize_t)sizeof how.flags)
			record_open(l, pid, path, how.flags);
		break;
	}
	case SYS_creat:
		record_open(l, pid, path, O_CREAT | O_WRONLY | O_TRUNC);
		break;
	case SYS_execve:
	case SYS_execveat: {
		struct stat st;
		if (stat_in(pid, path, &st) == 0)
			add_file(l, path, LANDLOCK_ACCESS_FS_EXECUTE);
		break;
	}
	case SYS_mkdir:
	case SYS_mkdirat: {
		_cleanup_free_ char *dir = parent_of(path);
		add_file(l, dir, LANDLOCK_ACCESS_FS_MAKE_DIR);
		break;
	}
	case SYS_unlink:
	case SYS_unlinkat: {
		_cleanup_free_ char *dir = parent_of(path);
		bool rmdir = nr == SYS_unlinkat && (a[2] & AT_REMOVEDIR);
		add_file(l, dir,
			 rmdir ? LANDLOCK_ACCESS_FS_REMOVE_DIR : LANDLOCK_ACCESS_FS_REMOVE_FILE);
		break;
	}
	default: { /* rename: the source's directory; the target's below */
		_cleanup_free_ char *dir = parent_of(path);
		add_file(l, dir, LANDLOCK_ACCESS_FS_REMOVE_FILE);
		int tfd = nr == SYS_rename ? AT_FDCWD : (int)a[2];
		_cleanup_free_ char *traw = read_string(mem, nr == SYS_rename ? a[1] : a[3]);
		_cleanup_free_ char *to = traw ? absolute(pid, tfd, traw) : NULL;
		_cleanup_free_ char *tdir = to ? parent_of(to) : NULL;
		if (tdir)
			add_file(l, tdir, LANDLOCK_ACCESS_FS_MAKE_REG);
		break;
	}
	}
}

/* One notification: read what it asks, let it go on. */
static void serve(int listener, learned *l)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof req);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return; /* EINTR, or the target died (ENOENT) */
	_cleanup_free_ char *memp = xasprintf("/proc/%u/mem", req.pid);
	int mem = open(memp, O_RDONLY | O_CLOEXEC);
	if (mem < 0) {
		/* the launcher's own execve of the app: not yet dumpable */
		l->unreadable++;
	} else {
		/* read only while the request is still the one it was: a pid
		 * that died and was reused would be another process */
		uint64_t id = req.id;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0)
			record(l, &req, mem);
		close(mem);
	}
	struct seccomp_notif_resp resp = {
	    .id = req.id, .error = 0, .val = 0, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp); /* ENOENT: it died */
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static int report(const char *label, const learned *l, cordon_error **err);

int learn_run(const char *confine, const char *label, char *const app_argv[], char *const envp[],
	      cordon_error **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cordon_err(err, errno, "socketpair");
	_cleanup_strv_ strv args = {0};
	strv_push(&args, confine);
	strv_push(&args, "--learn");
	strv_push(&args, label);
	for (size_t i = 0; app_argv[i]; i++)
		strv_push(&args, app_argv[i]);
	pid_t app = cli_spawn_with_fd3(confine, args.v, envp, sv[1], err);
	if (app < 0) {
		close(sv[0]);
		close(sv[1]);
		return app;
	}
	close(sv[1]);
	int listener = recv_fd(sv[0]);
	close(sv[0]);
	int status = 0;
	if (listener < 0) { /* the launcher failed before (it said why) */
		kill(app, SIGKILL);
		cli_wait(app, &status);
		return cli_shell_status(status);
	}
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	learned l = {0};
	bool app_done = false;
	/* until every process under the filter is gone (POLLHUP), the app's
	 * children that outlive it included */
	for (;;) {
		struct pollfd pfd = {.fd = listener, .events = POLLIN};
		int r = poll(&pfd, 1, 200);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && (pfd.revents & POLLIN))
			serve(listener, &l);
		else if (r > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
			break;
		if (!app_done && waitpid(app, &status, WNOHANG) == app)
			app_done = true;
	}
	close(listener);
	while (!app_done && waitpid(app, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	int r = report(label, &l, err);
	learned_free(&l);
	if (r < 0)
		return r;
	return cli_shell_status(status);
}

/* The caller's home as the launcher takes it (confine/main.c) */
static char *caller_home(void)
{
	const char *env = getenv("HOME");
	const char *root = getenv("CORDON_ROOT");
	bool prefixed = (root && root[0]) || CORDON_SYSTEM_ROOT[0];
	if (getuid() == 0 && prefixed && env && env[0])
		return xstrdup(env);
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir[0] == '/' ? xstrdup(pw->pw_dir) : NULL;
}

static int report(const char *label, const learned *l, cordon_error **err)
{
	const char *root = getuid() == 0 ? getenv("CORDON_ROOT") : NULL;
	if (root == NULL || root[0] == '\0')
		root = CORDON_SYSTEM_ROOT[0] ? CORDON_SYSTEM_ROOT : NULL;
	cordon_paths paths;
	if (cordon_paths_init(&paths, root) < 0)
		return cordon_err_msg(err, EINVAL, "invalid root prefix");
	_cleanup_policy_ cordon_policy p = {0};
	int r = cordon_policy_load(paths.policy_dir, label, &p, err);
	cordon_paths_free(&paths);
	if (r < 0)
		return r;
	_cleanup_free_ char *home = caller_home();
	if (home == NULL)
		return cordon_err_msg(err, ENOENT, "cannot find the caller's home directory");
	cordon_launch_args la = {.home = home, .uid = getuid(), .gid = getgid()};
	_cleanup_env_ cordon_env vars = {0};
	cordon_launch_rule_vars(&p, &la, &vars);
	/* what the policy would have refused */
	_cleanup_free_ cordon_learn_access *out = xmalloc((l->n + 1) * sizeof *out);
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (!cordon_learn_allowed(&p, &vars, &l->v[i]))
			out[n++] = l->v[i];
	cordon_ctx ctx;
	r = cli_open(&ctx, false, "run --learn", err);
	const cordon_catalog *cat = NULL;
	if (r == 0)
		r = cordon_ctx_catalog(&ctx, &cat, err);
	if (r < 0) {
		cli_close(&ctx);
		return r;
	}
	fprintf(stderr, "\n== cordon run --learn %s: ", label);
	if (n == 0)
		fprintf(stderr, "nothing outside its policy\n");
	else
		fprintf(stderr, "%zu access%s outside its policy:\n", n, n == 1 ? "" : "es");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *d = cordon_learn_describe(&out[i]);
		_cleanup_strv_ strv by = {0};
		for (size_t k = 0; k < cat->n; k++)
			if (!cat->defs[k]->privileged &&
			    cordon_learn_def_allows(cat->defs[k], &vars, &out[i]))
				strv_push(&by, cat->defs[k]->name);
		buf b = {0};
		for (size_t k = 0; k < by.n; k++)
			buf_printf(&b, "%s%s", k ? ", " : "", by.v[k]);
		_cleanup_free_ char *names = buf_steal(&b);
		fprintf(stderr, "  %-50s %s\n", d, by.n ? names : "(no interface allows this)");
	}
	if (l->unreadable)
		fprintf(stderr, "  (%zu call%s not seen: arguments unreadable)\n", l->unreadable,
			l->unreadable == 1 ? "" : "s");
	_cleanup_strv_ strv plugs = {0}, plugged = {0};
	_cleanup_free_ size_t *none = xmalloc((n + 1) * sizeof *none);
	size_t n_none = 0;
	cordon_learn_suggest(cat, &vars, out, n, &plugs, none, &n_none);
	if (plugs.n == 0) {
		cli_close(&ctx);
		fflush(stderr);
		return 0;
	}
	_cleanup_free_ char *yaml_path = xasprintf("%s/meta/snap.yaml", p.mount_dir);
	_cleanup_free_ char *yaml = NULL;
	size_t len = 0;
	FILE *f = fopen(yaml_path, "re");
	if (f) {
		yaml = xmalloc(1 << 20);
		len = fread(yaml, 1, (1 << 20) - 1, f);
		yaml[len] = '\0';
		fclose(f);
	}
	_cleanup_free_ char *diff = NULL;
	if (yaml == NULL || learn_yaml_diff(yaml, p.app, &plugs, &plugged, &diff) < 0) {
		fprintf(stderr,
			"\nPlugs that would allow it: add to apps.%s.plugs in "
			"meta/snap.yaml:",
			p.app);
		for (size_t i = 0; i < plugs.n; i++)
			fprintf(stderr, " %s", plugs.v[i]);
		fprintf(stderr, "\n");
	} else if (diff) {
		fprintf(stderr, "\nPlugs that would allow it (%s of %s, revision %s):\n%s",
			"meta/snap.yaml", p.instance_name, p.revision, diff);
	}
	for (size_t i = 0; i < plugs.n; i++) {
		const cordon_def *d = NULL;
		for (size_t k = 0; k < cat->n && d == NULL; k++)
			if (strcmp(cat->defs[k]->name, plugs.v[i]) == 0)
				d = cat->defs[k];
		bool conn_needed =
		    strv_contains(&plugged, plugs.v[i]) || (d && d->auto_connect == CORDON_AUTO_NO);
		if (conn_needed)
			fprintf(
			    stderr, "then: cordon connect %s:%s%s\n", p.instance_name, plugs.v[i],
			    strv_contains(&plugged, plugs.v[i]) ? " (plugged, not connected)"
								: " (not connected automatically)");
	}
	cli_close(&ctx);
	fflush(stderr);
	return 0;
}
