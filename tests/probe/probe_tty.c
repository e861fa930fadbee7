/* probe operations on terminals and sessions.
 * (The output convention is at the top of probe.c.)
 *
 *   setsid-reader FILE SECONDS
 *                          the attack `cordon run --pty` closes: fork a child
 *                          that leaves the session (setsid), ignores SIGHUP
 *                          and keeps fd 0, the terminal it inherited, then
 *                          answer OK <child pid> once it is ready (the caller
 *                          exits; the child stays). The child appends to FILE
 *                          one line per event: "ready <pid>"; "data <hex>"
 *                          for each read of fd 0 that returned bytes; "eof"
 *                          for one that returned 0 and the errno name for one
 *                          that failed (a repeat of the previous line is not
 *                          written); at the end "done" once FILE.stop exists
 *                          (seen before a last poll and read) or "timeout"
 *                          after SECONDS. It writes nothing to the terminal.
 *   winsize                OK rows=R cols=C (TIOCGWINSZ on fd 0)
 *   winch-wait SECONDS     OK rows=R cols=C, then waits for SIGWINCH and
 *                          prints "rows=R cols=C" after it (or "timeout")
 *   ctty                   OK pid=N sid=S pgid=G tty_sid=T rdev=MAJ:MIN: the
 *                          process's session and group, the session of fd 0
 *                          (TIOCGSID: an errno name such as ENOTTY when fd 0
 *                          is not its controlling terminal) and fd 0's device
 */
#include "probe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- setsid-reader ---- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line to the record, unless it repeats the previous one (a hung-up
 * terminal answers every read at once, the same way). */
static void record(int fd, char *last, size_t lastsz, bool always, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void record(int fd, char *last, size_t lastsz, bool always, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!always && strcmp(line, last) == 0)
		return;
	snprintf(last, lastsz, "%s", line);
	dprintf(fd, "%s\n", line);
}

static _Noreturn void reader(int log, const char *stop, int seconds)
{
	char last[1024] = "";
	double deadline = now() + seconds;
	for (;;) {
		bool stopping = access(stop, F_OK) == 0;
		struct pollfd p = {.fd = 0, .events = POLLIN};
		if (poll(&p, 1, 100) > 0) {
			char b[256];
			ssize_t n = read(0, b, sizeof b);
			if (n > 0) {
				char hex[2 * sizeof b + 1];
				for (ssize_t i = 0; i < n; i++)
					snprintf(hex + 2 * i, 3, "%02x", (unsigned char)b[i]);
				record(log, last, sizeof last, true, "data %s", hex);
			} else {
				record(log, last, sizeof last, false, "%s",
				       n == 0 ? "eof" : errno_name(errno));
				usleep(50000); /* answered at once: do not spin */
			}
		}
		if (stopping) {
			record(log, last, sizeof last, true, "done");
			_exit(0);
		}
		if (now() > deadline) {
			record(log, last, sizeof last, true, "timeout");
			_exit(0);
		}
	}
}

static int op_setsid_reader(char **a)
{
	int seconds = (int)parse_num(a[1], 10);
	char stop[4096];
	snprintf(stop, sizeof stop, "%s.stop", a[0]);
	int log = open(a[0], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (log < 0)
		return fail("open");
	int p[2];
	if (pipe(p) < 0)
		return fail("pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		close(p[0]);
		/* what a process does to outlive its job: a session of its own
		 * (the terminal's hangup and job control no longer reach it) */
		int e = setsid() < 0 ? errno : 0;
		signal(SIGHUP, SIG_IGN);
		if (e == 0)
			dprintf(log, "ready %d\n", getpid());
		unsigned char c = (unsigned char)e;
		if (write(p[1], &c, 1) != 1 || e != 0)
			_exit(1);
		close(p[1]);
		reader(log, stop, seconds);
	}
	close(p[1]);
	close(log);
	unsigned char c = 0;
	ssize_t n = read(p[0], &c, 1);
	close(p[0]);
	if (n != 1) {
		errno = n < 0 ? errno : EPIPE;
		return fail("read from the child");
	}
	if (c != 0) {
		errno = c;
		return fail("setsid");
	}
	return ok("%d", pid);
}

/* ---- window size ---- */

static int print_size(bool as_ok)
{
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) < 0)
		return fail("ioctl(TIOCGWINSZ)");
	if (as_ok)
		return ok("rows=%u cols=%u", ws.ws_row, ws.ws_col);
	printf("rows=%u cols=%u\n", ws.ws_row, ws.ws_col);
	return 0;
}

static int op_winsize(char **a)
{
	(void)a;
	return print_size(true);
}

static int op_winch_wait(char **a)
{
	struct timespec ts = {.tv_sec = (time_t)parse_num(a[0], 10)};
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	/* blocked before the size is printed: a change right after is not lost */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return fail("sigprocmask");
	print_size(true);
	fflush(stdout);
	if (sigtimedwait(&set, NULL, &ts) < 0) {
		if (errno != EAGAIN)
			return fail("sigtimedwait");
		puts("timeout");
		return 0;
	}
	return print_size(false);
}

/* ---- sessions ---- */

static int op_ctty(char **a)
{
	(void)a;
	pid_t tsid;
	char tty_sid[32];
	if (ioctl(0, TIOCGSID, &tsid) < 0)
		snprintf(tty_sid, sizeof tty_sid, "%s", errno_name(errno));
	else
		snprintf(tty_sid, sizeof tty_sid, "%d", (int)tsid);
	struct stat st;
	if (fstat(0, &st) < 0)
		return fail("fstat");
	return ok("pid=%d sid=%d pgid=%d tty_sid=%s rdev=%u:%u", (int)getpid(), (int)getsid(0),
		  (int)getpgid(0), tty_sid, major(st.st_rdev), minor(st.st_rdev));
}

const struct probe_op probe_ops_tty[] = {
    {"setsid-reader", 2, 2, op_setsid_reader},
    {"winsize", 0, 0, op_winsize},
    {"winch-wait", 1, 1, op_winch_wait},
    {"ctty", 0, 0, op_ctty},
    {NULL, 0, 0, NULL},
};
