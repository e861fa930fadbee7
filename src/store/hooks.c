/* Running hooks (hooks.h). */
#include "hooks.h"
#include "config.h"
#include "fsutil.h"
#include "revisions.h"
#include "snapconf.h"
#include "snapctl_answer.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LAUNCHER CORDON_LIBEXECDIR "/cordon-confine"
/* What of a hook's output an error quotes: its end. */
#define OUTPUT_KEEP (64u << 10)

bool cordon_hook_exists(cordon_ctx *ctx, const char *instance, const char *hook)
{
	const cordon_loaded_snap *ls;
	return cordon_ctx_snap(ctx, instance, &ls, NULL) == 0 &&
	       cordon_manifest_hook(ls->m, hook) != NULL;
}

static int timeout_s(void)
{
	const char *t = getenv("CORDON_HOOK_TIMEOUT");
	char *end;
	long v = t ? strtol(t, &end, 10) : 0;
	if (t && *t && *end == '\0' && v > 0 && v <= 24 * 3600)
		return (int)v;
	return CORDON_HOOK_TIMEOUT_S;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Root's home for a hook. snapd runs hooks with root's home, /root, and so
 * does the real system. Under a root prefix (a test's CORDON_ROOT, a test
 * build's system root) the host's /root is not the prefix's: the launcher
 * makes ~/snap/<snap>/<rev> in the home it is given, so a hook of the
 * prefix's snap would write the host's /root/snap, which the prefix's remove
 * (rightly, cordon_home_in_root) never takes away (issue 15). There it is
 * this command's $HOME when inside the prefix (the home `cordon run` uses
 * there), else <root>/root, made if missing (the launcher needs a home). */
static int hook_home(const cordon_ctx *ctx, char **out, cordon_error **err)
{
	if (ctx->paths.root[0] == '\0') {
		*out = xstrdup("/root");
		return 0;
	}
	/* (no "..": inside the prefix by its spelling is inside it) */
	const char *home = getenv("HOME");
	if (home && home[0] == '/' && strstr(home, "/..") == NULL &&
	    cordon_home_in_root(ctx, home)) {
		*out = xstrdup(home);
		return 0;
	}
	_cleanup_free_ char *own = xasprintf("%s/root", ctx->paths.root);
	int fd = fs_mkdir_p(own, 0700, 0, 0, err);
	if (fd < 0)
		return fd;
	close(fd);
	*out = steal_ptr(own);
	return 0;
}

/* The launcher's environment: a clean one, with the overrides a root
 * caller may give the launcher (confine/main.c) taken from this command's
 * own (tests run in a scratch root with their own cgroup parent). */
static int hook_env(const cordon_ctx *ctx, strv *env, cordon_error **err)
{
	_cleanup_free_ char *home = NULL;
	int r = hook_home(ctx, &home, err);
	if (r < 0)
		return r;
	strv_push(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push_own(env, xasprintf("HOME=%s", home));
	strv_push(env, "LANG=C.UTF-8");
	if (ctx->paths.root[0])
		strv_push_own(env, xasprintf("CORDON_ROOT=%s", ctx->paths.root));
	static const char *const pass[] = {"CORDON_CGROUP_PARENT", "CORDON_DEVICE_CGROUP",
					   "CORDON_LOCK_TIMEOUT"};
	for (size_t i = 0; i < ARRAY_SIZE(pass); i++) {
		const char *v = getenv(pass[i]);
		if (v && v[0])
			strv_push_own(env, xasprintf("%s=%s", pass[i], v));
	}
	return 0;
}

/* In the child: its own session (so that the time limit kills all it
 * started), stdin /dev/null, stdout and stderr the pipe, fd 3 the snapctl
 * channel; then the launcher, which closes everything else. Never returns. */
static void child(int out, int chan, const char *launcher, const char *label, char *const *envp)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (setsid() < 0 || devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0 || dup2(chan, 3) < 0 || fcntl(3, F_SETFD, 0) < 0)
		_exit(126);
	const char *argv[] = {"cordon-confine", label, NULL};
	execve(launcher, (char *const *)argv, envp);
	_exit(127);
}

/* Keep the end of the output: the last OUTPUT_KEEP bytes. */
static void keep(buf *b, const char *data, size_t n)
{
	buf_add(b, data, n);
	if (b->len > 2 * OUTPUT_KEEP) {
		memmove(b->p, b->p + b->len - OUTPUT_KEEP, OUTPUT_KEEP);
		b->len = OUTPUT_KEEP;
	}
}

static void relay(int fd, const char *data, size_t n)
{
	while (fd >= 0 && n > 0) {
		ssize_t w = write(fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the reader went away: the hook goes on */
		data += w;
		n -= (size_t)w;
	}
}

/* Read what is there (non-blocking); false at end of file. */
static bool drain(int fd, int out_fd, buf *b)
{
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		relay(out_fd, chunk, (size_t)n);
		keep(b, chunk, (size_t)n);
	}
}

/* A request on the hook's channel; false once the channel is gone. */
static bool serve(int chan, cordon_ctx *ctx, const cordon_snapctl_caller *caller)
{
	return cordon_snapctl_serve_channel(chan, ctx, caller) >= 0;
}

static int run(cordon_ctx *ctx, const char *instance, const char *hook, const cordon_hook_opts *o,
	       cordon_error **err)
{
	_cleanup_free_ char *label = cordon_label_hook(instance, hook);
	_cleanup_strv_ strv env = {0};
	int r = hook_env(ctx, &env, err);
	if (r < 0)
		return cordon_err_prefix(err, "run hook \"%s\"", hook);
	strv_push(&env, "CORDON_SNAPCTL_FD=3");
	/* the hook's snapctl channel: datagrams, each carrying one request's
	 * connection (snapctl_answer.h); only the hook's processes hold the
	 * other end */
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return cordon_err(err, errno, "run hook \"%s\": socketpair", hook);
	_cleanup_close_ int chan = sp[0];
	_cleanup_close_ int chan_child = sp[1];
	const cordon_snapctl_caller caller = {
	    .instance = instance, .uid = 0, .hook = hook, .opts = o};
	/* the build tree's launcher in tests (as `cordon run`); the changes
	 * that run hooks are root's */
	const char *launcher = getenv("CORDON_CONFINE");
	if (launcher == NULL || launcher[0] != '/')
		launcher = LAUNCHER;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cordon_err(err, errno, "run hook \"%s\": pipe", hook);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return cordon_err(err, e, "run hook \"%s\": fork", hook);
	}
	if (pid == 0)
		child(p[1], chan_child, launcher, label, env.v);
	close(p[1]);
	close(chan_child);
	chan_child = -1;
	_cleanup_close_ int rd = p[0];
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fcntl(rd, F_SETFL, O_NONBLOCK) < 0 || pidfd < 0) {
		int e = errno;
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return cordon_err(err, e, "run hook \"%s\"", hook);
	}
	_cleanup_buf_ buf out = {0};
	int limit = timeout_s();
	int64_t deadline = now_ms() + (int64_t)limit * 1000;
	bool open_pipe = true, exited = false, timed_out = false;
	while (!exited) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			/* the whole session: a hook that forked keeps nothing
			 * running past its limit */
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			timed_out = true;
			break;
		}
		struct pollfd fds[3] = {{.fd = pidfd, .events = POLLIN},
					{.fd = open_pipe ? rd : -1, .events = POLLIN},
					{.fd = chan, .events = POLLIN}};
		int n = poll(fds, 3, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno != EINTR)
			break;
		if (open_pipe && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
			open_pipe = drain(rd, ctx->hook_out_fd, &out);
		/* one request at a time: while it is answered the hook's
		 * output waits in its pipe, and its time limit runs on */
		if (chan >= 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !serve(chan, ctx, &caller)) {
			close(chan);
			chan = -1;
		}
		if (fds[0].revents & POLLIN)
			exited = true;
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cordon_err(err, errno, "run hook \"%s\": wait", hook);
	if (open_pipe)
		drain(rd, ctx->hook_out_fd, &out); /* what it wrote before it ended */
	_cleanup_free_ char *text = buf_steal(&out);
	for (size_t n = strlen(text); n > 0 && text[n - 1] == '\n';)
		text[--n] = '\0';
	if (timed_out)
		return cordon_err_msg(err, ETIMEDOUT,
				      "run hook \"%s\" of snap \"%s\": killed after the time limit "
				      "(%d s)%s%s",
				      hook, instance, limit, text[0] ? ": " : "", text);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	_cleanup_free_ char *how = WIFEXITED(status)
				       ? xasprintf("exit status %d", WEXITSTATUS(status))
				       : xasprintf("killed by signal %d", WTERMSIG(status));
	return cordon_err_msg(err, EIO, "run hook \"%s\" of snap \"%s\": %s%s%s", hook, instance,
			      how, text[0] ? ": " : "", text);
}

int cordon_hook_run_with(cordon_ctx *ctx, const char *instance, const char *hook,
			 const cordon_hook_opts *opts, cordon_error **err)
{
	if (!cordon_hook_exists(ctx, instance, hook))
		return 0;
	cordon_hook_opts o = opts ? *opts : (cordon_hook_opts){0};
	/* snapd gives every hook a configuration transaction, committed when
	 * the hook succeeds (into the change's state transaction where one is
	 * open: undone with it) */
	cordon_snapconf own = {0};
	if (o.conf == NULL) {
		int r = cordon_snapconf_begin(ctx, instance, &own, err);
		if (r < 0)
			return r;
		o.conf = &own;
	}
	int r = run(ctx, instance, hook, &o, err);
	if (r == 0 && o.conf == &own)
		r = cordon_snapconf_commit(ctx, &own, err);
	if (o.conf == &own)
		cordon_snapconf_end(&own);
	return r;
}

int cordon_hook_run(cordon_ctx *ctx, const char *instance, const char *hook, cordon_error **err)
{
	return cordon_hook_run_with(ctx, instance, hook, NULL, err);
}
