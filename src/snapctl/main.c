/* snapctl: what a snap's apps and hooks run to talk to cordon (snapd's
 * snapctl, same commands). It holds no privilege and decides nothing: it
 * sends its arguments and the snap's cookie ($SNAP_COOKIE, set by the
 * launcher) to the broker's socket, prints the broker's answer and exits
 * with its status. Links the base layer alone (the codec, snapctl_wire.h):
 * no SQLite, YAML or libseccomp in a program every sandbox runs. */
#include "config.h"
#include "paths.h"
#include "snapctl_io.h"
#include "snapctl_wire.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The broker may just be starting (the launch that ran this app started
 * it): an absent or refusing socket is tried again for this long. */
#define CONNECT_MS 5000

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

static int connect_broker(const char *path, cordon_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return cordon_err_msg(err, ENAMETOOLONG, "socket path %s is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int64_t deadline = cordon_monotonic_ms() + CONNECT_MS;
	long wait_ms = 5;
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return cordon_err(err, errno, "socket");
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		int e = errno;
		close(fd);
		bool again = e == ENOENT || e == ECONNREFUSED || e == EAGAIN || e == EINTR;
		if (!again || cordon_monotonic_ms() >= deadline)
			return cordon_err(err, e, "cannot reach the snapctl service at %s", path);
		struct timespec ts = {0, wait_ms * 1000000L};
		nanosleep(&ts, NULL);
		wait_ms = wait_ms < 200 ? wait_ms * 2 : 200;
	}
}

/* Inside a hook the store runs, the hook's own channel (store/hooks.c): fd
 * CORDON_SNAPCTL_FD, a SOCK_SEQPACKET socket whose other end the store
 * serves while the hook runs, with the change's own state (its staged
 * configuration, the connection of an interface hook). One connection per
 * request, so that the hook's snapctl calls may overlap: a new socket pair,
 * one end sent over the channel, the request and answer on the other. -1 and
 * nothing done when there is no channel. */
static int connect_hook_channel(cordon_error **err)
{
	const char *v = getenv("CORDON_SNAPCTL_FD");
	if (v == NULL || strcmp(v, "3") != 0)
		return -1;
	int type = 0;
	socklen_t len = sizeof type;
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET)
		return -1; /* not (or no longer) the channel: the broker then */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return cordon_err(err, errno, "socketpair");
	char byte = 'c';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.space,
			     .msg_controllen = sizeof ctl.space};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &sv[1], sizeof(int));
	ssize_t n;
	do
		n = sendmsg(3, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(sv[1]);
	if (n != 1) {
		close(sv[0]);
		return cordon_err(err, n < 0 ? e : EIO, "cannot reach the hook's snapctl channel");
	}
	return sv[0];
}

static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

static int write_out(FILE *f, const char *s)
{
	size_t n = strlen(s);
	return fwrite(s, 1, n, f) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fail("%s", "snapctl cannot run without args (see 'snapctl --help')");
	cordon_error *err = NULL;
	_cleanup_close_ int fd = connect_hook_channel(&err);
	if (fd < 0 && err) {
		int status = fail("snapctl: %s", err->msg);
		cordon_error_free(&err);
		return status;
	}
	const char *cookie = getenv("SNAP_COOKIE");
	if (cookie == NULL || cookie[0] == '\0')
		cookie = getenv("SNAP_CONTEXT");
	if (fd < 0 && (cookie == NULL || cookie[0] == '\0') && !asks_help(argc, argv))
		return fail(
		    "snapctl: cannot invoke snapctl operation commands (here \"%s\") from "
		    "outside of a snap: no SNAP_COOKIE in the environment (a snap installed "
		    "before cordon had snapctl gets its cookie when it is next refreshed)",
		    argv[1]);
	/* the root prefix: the system's, or the one a root caller's launch
	 * passed on (tests); either way only a socket this process could
	 * connect to anyway */
	const char *root = getenv("CORDON_ROOT");
	root = root && root[0] ? root : CORDON_SYSTEM_ROOT;
	cordon_paths paths;
	if (cordon_paths_init(&paths, root) < 0)
		return fail("%s", "CORDON_ROOT must be an absolute path");
	_cleanup_buf_ buf req = {0};
	if (cordon_snapctl_request_encode(cookie ? cookie : "", (size_t)(argc - 1),
					  (const char *const *)argv + 1, &req) < 0) {
		cordon_paths_free(&paths);
		return fail("%s", "snapctl: arguments too long");
	}
	_cleanup_buf_ buf in = {0};
	cordon_snapctl_response res = {0};
	if (fd < 0)
		fd = connect_broker(paths.snapctl_socket, &err);
	int r = fd < 0 ? fd : 0;
	if (r == 0)
		r = cordon_snapctl_write_all(fd, req.p, req.len, -1, &err);
	if (r == 0)
		r = cordon_snapctl_read_frame(fd, CORDON_SNAPCTL_MAX_RESPONSE, -1, &in, &err);
	if (r == 0)
		r = cordon_snapctl_response_decode(in.p, in.len, &res, &err);
	cordon_paths_free(&paths);
	if (r < 0) {
		int status = fail("snapctl: %s", err ? err->msg : strerror(-r));
		cordon_error_free(&err);
		return status;
	}
	int status = res.status;
	if (write_out(stdout, res.out) < 0 || fflush(stdout) != 0)
		status = status ? status : 1;
	(void)write_out(stderr, res.errout);
	cordon_snapctl_response_free(&res);
	return status;
}
