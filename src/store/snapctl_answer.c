/* Answering one snapctl request (snapctl_answer.h). */
#include "snapctl_answer.h"
#include "cookies.h"
#include "snapctl_io.h"
#include "snapctl_wire.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MS 5000 /* for the whole request to arrive */
#define ANSWER_MS 10000 /* for the client to take the answer */

static void send_answer(int fd, int status, const char *errout)
{
	_cleanup_buf_ buf frame = {0};
	cordon_snapctl_response_encode(status, "", 0, errout, strlen(errout), &frame);
	cordon_error *e = NULL;
	(void)cordon_snapctl_write_all(fd, frame.p, frame.len, cordon_monotonic_ms() + ANSWER_MS,
				       &e);
	cordon_error_free(&e);
}

int cordon_snapctl_answer(int conn, cordon_ctx *ctx, const char *root, cordon_snapctl_open_fn open,
			  const cordon_paths *paths, const cordon_snapctl_caller *fixed, uid_t uid)
{
	_cleanup_buf_ buf in = {0};
	cordon_error *err = NULL;
	int r = cordon_snapctl_read_frame(conn, CORDON_SNAPCTL_MAX_REQUEST,
					  cordon_monotonic_ms() + REQUEST_MS, &in, &err);
	if (r == -EMSGSIZE)
		send_answer(conn, 1, "error: snapctl: request too large\n");
	cordon_error_free(&err);
	if (r < 0)
		return r; /* a client that stalled or left gets nothing more */
	cordon_snapctl_request req;
	r = cordon_snapctl_request_decode(in.p, in.len, &req, &err);
	cordon_error_free(&err);
	if (r < 0) {
		send_answer(conn, 1, "error: snapctl: malformed request\n");
		return r;
	}
	if (req.version != CORDON_SNAPCTL_VERSION) {
		_cleanup_free_ char *msg = xasprintf(
		    "error: snapctl: protocol version %u is not supported (the broker speaks %u)\n",
		    req.version, CORDON_SNAPCTL_VERSION);
		send_answer(conn, 1, msg);
		cordon_snapctl_request_free(&req);
		return -EPROTO;
	}
	/* the snap is what the cookie says, or none */
	_cleanup_free_ char *instance = NULL;
	if (fixed == NULL && cordon_cookie_lookup(paths, req.cookie, &instance, &err) < 0)
		instance = NULL;
	cordon_error_free(&err);
	explicit_bzero(req.cookie, strlen(req.cookie));
	cordon_snapctl_caller caller = {.instance = instance, .uid = uid};
	cordon_snapctl_reply reply;
	cordon_snapctl_run(ctx, root, open, fixed ? fixed : &caller, req.args.n, req.args.v,
			   &reply);
	cordon_snapctl_request_free(&req);
	_cleanup_buf_ buf frame = {0};
	cordon_snapctl_response_encode(reply.status, reply.out.p, reply.out.len, reply.err.p,
				       reply.err.len, &frame);
	cordon_snapctl_reply_free(&reply);
	r = cordon_snapctl_write_all(conn, frame.p, frame.len, cordon_monotonic_ms() + ANSWER_MS,
				     &err);
	cordon_error_free(&err);
	return r;
}

int cordon_snapctl_serve_channel(int chan, cordon_ctx *ctx, const cordon_snapctl_caller *caller)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.space,
			     .msg_controllen = sizeof ctl.space};
	ssize_t n = recvmsg(chan, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	int conn = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			/* one fd is what snapctl sends; any more are closed */
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
				if (conn < 0)
					conn = fd;
				else
					close(fd);
			}
		}
	if (conn < 0 || (msg.msg_flags & MSG_CTRUNC))
		goto out;
	/* only a stream socket is spoken to (not a file or a pipe the hook
	 * passed instead), within the same time limits as the broker's */
	int type = 0;
	socklen_t len = sizeof type;
	if (getsockopt(conn, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM)
		(void)cordon_snapctl_answer(conn, ctx, NULL, NULL, &ctx->paths, caller, 0);
out:
	if (conn >= 0)
		close(conn);
	return 0;
}
