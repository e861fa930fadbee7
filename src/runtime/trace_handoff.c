#include "trace_handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif

int cordon_trace_hold(cordon_error **err)
{
	struct stat st;
	if (fstat(CORDON_TRACE_FD, &st) < 0)
		return cordon_err(err, errno, "--traced: fd %d", CORDON_TRACE_FD);
	if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
		return cordon_err_msg(err, EBADF, "--traced: fd %d is not a pipe or a socket",
				      CORDON_TRACE_FD);
	int flags = fcntl(CORDON_TRACE_FD, F_GETFD);
	if (flags < 0 || fcntl(CORDON_TRACE_FD, F_SETFD, flags | FD_CLOEXEC) < 0)
		return cordon_err(err, errno, "make fd %d close-on-exec", CORDON_TRACE_FD);
	return 0;
}

int cordon_trace_prepare(cordon_trace *t, cordon_error **err)
{
	/* as the caller already (after the drop): the process's own file */
	t->status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (t->status_fd < 0)
		return cordon_err(err, errno, "open /proc/self/status");
	return 0;
}

/* TracerPid of /proc/self/status, through the fd opened before Landlock */
static int tracer_pid(int fd)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = strstr(buf, "\nTracerPid:");
	if (p == NULL)
		return -1;
	return atoi(p + strlen("\nTracerPid:"));
}

int cordon_trace_handoff(cordon_trace *t, cordon_error **err)
{
	/* Nothing the launcher opened as root may be taken by the tracer
	 * (pidfd_getfd, /proc/PID/fd): every fd above the handoff fd and the
	 * status fd is closed. Those two are the caller's and the process's
	 * own; stdin, stdout and stderr are the caller's. */
	int keep = t->status_fd;
	if (keep != CORDON_TRACE_FD + 1) {
		if (dup3(keep, CORDON_TRACE_FD + 1, O_CLOEXEC) < 0)
			return cordon_err(err, errno, "dup /proc/self/status");
		close(keep);
		t->status_fd = CORDON_TRACE_FD + 1;
	}
	if (syscall(SYS_close_range, (unsigned)CORDON_TRACE_FD + 2, ~0U, 0U) < 0)
		return cordon_err(err, errno, "close the launcher's fds");
	/* Yama's ptrace_scope 1 lets only ancestors trace: the caller (this
	 * process's parent, `cordon run`) starts the tracer as its child.
	 * Without Yama the call is refused and nothing is needed. */
	if (prctl(PR_SET_PTRACER, (unsigned long)getppid(), 0, 0, 0) < 0 && errno != EINVAL)
		return cordon_err(err, errno, "prctl(PR_SET_PTRACER)");
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return cordon_err(err, errno, "prctl(PR_SET_DUMPABLE)");
	char pid[32];
	int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	ssize_t w;
	do
		w = write(t->fd, pid, (size_t)len);
	while (w < 0 && errno == EINTR);
	if (w != len)
		return cordon_err(err, w < 0 ? errno : EPIPE, "tell the caller to attach");
	close(t->fd);
	t->fd = -1;
	const struct timespec step = {.tv_nsec = 5 * 1000 * 1000};
	for (int waited = 0; waited < CORDON_TRACE_WAIT_MS; waited += 5) {
		int tracer = tracer_pid(t->status_fd);
		if (tracer < 0)
			return cordon_err(err, EIO, "read TracerPid");
		if (tracer > 0) {
			/* strace seizes, then interrupts: one more syscall
			 * return lets that stop land before the exec, so the
			 * trace starts with the app's execve */
			nanosleep(&step, NULL);
			close(t->status_fd);
			t->status_fd = -1;
			return 0;
		}
		nanosleep(&step, NULL);
	}
	return cordon_err_msg(err, ETIMEDOUT, "no tracer attached within %d s",
			      CORDON_TRACE_WAIT_MS / 1000);
}
