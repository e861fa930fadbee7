#include "snapctl_serve.h"
#include "cookies.h"
#include "fsutil.h"
#include "paths.h"
#include "snapctl_answer.h"
#include "store.h"
#include "snapctl_io.h"
#include "snapctl_spawn.h"
#include "snapctl_wire.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_SECONDS 900 /* a request's process, at most (a backstop) */
#define MAX_PER_UID 16
#define MAX_CHILDREN 128

typedef struct child {
	pid_t pid;
	uid_t uid;
} child;

typedef struct broker {
	cordon_paths paths;
	const char *root;
	int lock, listen, sigfd;
	dev_t sock_dev; /* the socket file this broker serves */
	ino_t sock_ino;
	child kids[MAX_CHILDREN];
	size_t n_kids;
} broker;

static int is_listening_unix(int fd)
{
	int v = 0;
	socklen_t len = sizeof v;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_UNIX)
		return -EINVAL;
	len = sizeof v;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 || v != SOCK_STREAM)
		return -EINVAL;
	len = sizeof v;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) < 0 || v != 1)
		return -EINVAL;
	return 0;
}

/* The lock and the socket: the launcher's (checked: the lock file of this
 * root, a listening unix stream socket) or our own. 1: another broker runs. */
static int take_place(broker *b, bool inherited, cordon_error **err)
{
	_cleanup_close_ int run = fs_mkdir_p(b->paths.run_dir, 0755, 0, 0, err);
	if (run < 0)
		return run;
	if (inherited) {
		struct stat have, want;
		if (fstat(CORDON_SNAPCTL_LOCK_FD, &have) < 0 ||
		    fstatat(run, "snapctl.lock", &want, AT_SYMLINK_NOFOLLOW) < 0 ||
		    have.st_dev != want.st_dev || have.st_ino != want.st_ino ||
		    is_listening_unix(CORDON_SNAPCTL_LISTEN_FD) < 0)
			return cordon_err_msg(err, EBADF,
					      "fds %d and %d are not the lock %s and a listening "
					      "socket",
					      CORDON_SNAPCTL_LOCK_FD, CORDON_SNAPCTL_LISTEN_FD,
					      b->paths.snapctl_lock);
		b->lock = CORDON_SNAPCTL_LOCK_FD;
		b->listen = CORDON_SNAPCTL_LISTEN_FD;
		if (fcntl(b->lock, F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(b->listen, F_SETFD, FD_CLOEXEC) < 0)
			return cordon_err(err, errno, "fcntl");
	} else {
		b->lock = cordon_snapctl_lock(run, &b->paths, err);
		if (b->lock == -EWOULDBLOCK)
			return 1;
		if (b->lock < 0)
			return b->lock;
		b->listen = cordon_snapctl_listen(run, &b->paths, err);
		if (b->listen < 0)
			return b->listen;
	}
	struct stat st;
	if (stat(b->paths.snapctl_socket, &st) < 0)
		return cordon_err(err, errno, "stat %s", b->paths.snapctl_socket);
	b->sock_dev = st.st_dev;
	b->sock_ino = st.st_ino;
	/* who holds the lock: for the admin and the tests (kill $(cat ...)) */
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	if (ftruncate(b->lock, 0) < 0 || pwrite(b->lock, pid, (size_t)n, 0) != n)
		return cordon_err(err, errno, "write %s", b->paths.snapctl_lock);
	return 0;
}

static int open_store(cordon_ctx *ctx, const char *root, bool writable, cordon_error **err)
{
	return cordon_store_open(ctx, root, NULL, writable, err);
}

/* One request, in its own process; never returns. */
static void serve_one(broker *b, int conn, uid_t uid)
{
	close(b->listen);
	close(b->lock);
	close(b->sigfd);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	alarm(CHILD_SECONDS);
	_exit(cordon_snapctl_answer(conn, NULL, b->root, open_store, &b->paths, NULL, uid) < 0 ? 1
											       : 0);
}

static size_t kids_of(const broker *b, uid_t uid)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n_kids; i++)
		n += b->kids[i].uid == uid;
	return n;
}

static void reap(broker *b)
{
	pid_t pid;
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (size_t i = 0; i < b->n_kids; i++)
			if (b->kids[i].pid == pid) {
				b->kids[i] = b->kids[--b->n_kids];
				break;
			}
}

static void accept_one(broker *b)
{
	int conn = accept4(b->listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (conn < 0) {
		/* out of fds or memory: the connection stays queued and poll
		 * says so at once; a pause instead of a spin (EAGAIN, a client
		 * gone: nothing to wait for) */
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			struct timespec pause = {0, 100 * 1000000L};
			nanosleep(&pause, NULL);
		}
		return;
	}
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		close(conn);
		return;
	}
	if (b->n_kids >= MAX_CHILDREN || kids_of(b, cred.uid) >= MAX_PER_UID) {
		/* the answer fits the socket buffer: no wait for the client */
		_cleanup_buf_ buf frame = {0};
		const char *msg = "error: snapctl: the snapctl service is busy, try again\n";
		cordon_snapctl_response_encode(1, "", 0, msg, strlen(msg), &frame);
		(void)send(conn, frame.p, frame.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(conn);
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		serve_one(b, conn, cred.uid);
	if (pid > 0)
		b->kids[b->n_kids++] = (child){.pid = pid, .uid = cred.uid};
	close(conn);
}

/* Stopping: the socket goes with the broker when it is still the one this
 * broker made (a launch then starts a new one at once). */
static void leave(broker *b)
{
	struct stat st;
	if (stat(b->paths.snapctl_socket, &st) == 0 && st.st_dev == b->sock_dev &&
	    st.st_ino == b->sock_ino)
		(void)unlink(b->paths.snapctl_socket);
}

int cordon_snapctl_serve(const char *root, bool inherited, cordon_error **err)
{
	if (geteuid() != 0)
		return cordon_err_msg(err, EPERM, "cordon snapctl-daemon must run as root");
	broker b = {.root = root, .lock = -1, .listen = -1, .sigfd = -1};
	if (cordon_paths_init(&b.paths, root) < 0)
		return cordon_err_msg(err, EINVAL, "CORDON_ROOT must be an absolute path");
	int r = take_place(&b, inherited, err);
	if (r != 0) {
		cordon_paths_free(&b.paths);
		return r < 0 ? r : 0;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* a client gone before its answer is an error of send(), not a
	 * signal (MSG_NOSIGNAL); nothing else of ours writes to a socket */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		r = cordon_err(err, errno, "signals");
	if (r == 0 && (b.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		r = cordon_err(err, errno, "signalfd");
	while (r == 0) {
		struct pollfd p[2] = {{.fd = b.sigfd, .events = POLLIN},
				      {.fd = b.listen, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno != EINTR)
				r = cordon_err(err, errno, "poll");
			continue;
		}
		struct signalfd_siginfo si;
		bool stop = false;
		while (p[0].revents && read(b.sigfd, &si, sizeof si) == (ssize_t)sizeof si)
			stop |= si.ssi_signo != SIGCHLD;
		reap(&b);
		if (stop)
			break;
		if (p[1].revents & POLLIN)
			accept_one(&b);
	}
	leave(&b);
	if (b.sigfd >= 0)
		close(b.sigfd);
	close(b.listen);
	close(b.lock);
	cordon_paths_free(&b.paths);
	return r;
}
