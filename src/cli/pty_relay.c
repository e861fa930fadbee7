/* `cordon run --pty`: the system part (see pty_relay.h for why).
 *
 * The CLI (unprivileged, the caller's own process) allocates a pty on the
 * host's /dev/ptmx and forks. The child starts a session of its own with
 * the slave as controlling terminal and 0/1/2, and execs the launcher as
 * the normal path does: the app only ever holds the slave. The parent puts
 * the caller's terminal in raw mode and relays bytes both ways with poll(),
 * signals arriving through a signalfd, until the app (the child) exits.
 * Then it takes what output is left, closes the master (the kernel hangs
 * the slave up: anything the app left behind reads EOF/EIO from then on),
 * gives the terminal its mode back and returns the app's status.
 *
 * Exit paths and the terminal mode:
 *  - the app exits: drain, close the master, restore, its status;
 *  - SIGINT/SIGQUIT/SIGTERM: passed to the app's process group, then as
 *    above (in raw mode ^C and ^\ are bytes for the app's own terminal);
 *  - SIGHUP, or the caller's terminal/stdout goes away: the app's terminal
 *    is hung up (SIGHUP to its session, as on a real hangup), then as above;
 *  - SIGTSTP: terminal restored, stopped; SIGCONT takes raw mode again;
 *  - any other signal that would kill the relay: a handler restores the
 *    terminal, then the signal kills it (SIGKILL alone cannot be caught);
 *  - a relay error: the app's terminal is hung up, the terminal restored,
 *    the error returned (the app is not waited for). */
#include "pty_relay.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Output taken from the pty after the app exited is bounded: what the app
 * wrote before exiting fits in the pty's own buffers (64 KiB of tty buffer,
 * 4 KiB of line discipline), while a process it left behind could write
 * forever and keep the relay, and the terminal's raw mode, alive. */
#define DRAIN_MAX (256 * 1024)

struct relay {
	pid_t child;
	int master;	/* -1 once closed: hung up, or the app is gone */
	int sigfd;	/* the signals below, read in the poll loop */
	int in_fd;	/* 0; -1 after its end (or a hangup) */
	bool in_is_tty; /* stdin is the caller's terminal: raw while relaying */
	int size_fd;	/* the terminal the window size comes from, or -1 */
	struct termios saved;
	bool raw;	   /* the caller's terminal is in raw mode now */
	bool master_eof;   /* every slave closed: nothing more to read */
	int last_in;	   /* the last byte given to the app, -1: none */
	bool chld_ignored; /* the caller ignored SIGCHLD: so does the app */
	bool done;	   /* the app was reaped; wstatus holds its status */
	int wstatus;
	pty_buf in, out; /* caller -> app, app -> caller */
};

/* ---- the terminal mode, also restored from signal handlers ---- */

/* The mode to give back if a signal kills the relay: set before any
 * handler is installed, restore_fd set last (-1: nothing to restore). */
static struct termios restore_termios;
static volatile sig_atomic_t restore_fd = -1;

static void restore_and_die(int sig)
{
	if (restore_fd >= 0)
		/* nothing more can be done if this fails: the relay is dying */
		(void)tcsetattr(restore_fd, TCSANOW, &restore_termios);
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	/* both are async-signal-safe and cannot fail with these arguments;
	 * the signal stays blocked until the handler returns, then kills */
	(void)sigaction(sig, &dfl, NULL);
	(void)raise(sig);
}

/* Signals whose default action ends the relay and that it does not handle
 * itself (those are in launch()). A signal the caller ignored stays
 * ignored. */
static int install_restore_handlers(cordon_error **err)
{
	static const int fatal[] = {SIGALRM, SIGUSR1, SIGUSR2, SIGPROF, SIGVTALRM, SIGXCPU,
				    SIGXFSZ, SIGIO,   SIGPWR,  SIGSYS,	SIGTRAP,   SIGSEGV,
				    SIGBUS,  SIGFPE,  SIGILL,  SIGABRT, SIGSTKFLT};
	struct sigaction sa = {.sa_handler = restore_and_die};
	sigfillset(&sa.sa_mask); /* one restore at a time */
	int n = (int)ARRAY_SIZE(fatal) + (SIGRTMAX - SIGRTMIN + 1);
	for (int i = 0; i < n; i++) {
		int sig =
		    i < (int)ARRAY_SIZE(fatal) ? fatal[i] : SIGRTMIN + i - (int)ARRAY_SIZE(fatal);
		struct sigaction old;
		if (sigaction(sig, NULL, &old) < 0)
			return cordon_err(err, errno, "cannot read the action of signal %d", sig);
		if (old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(sig, &sa, NULL) < 0)
			return cordon_err(err, errno, "cannot handle signal %d", sig);
	}
	return 0;
}

static int enter_raw(struct relay *r, cordon_error **err)
{
	if (!r->in_is_tty || r->raw)
		return 0;
	struct termios raw = r->saved;
	/* no echo, no line editing, no signals from ^C/^Z/^\, no output
	 * processing: every byte goes to the app's own terminal, which does
	 * all of that itself (its ^C becomes the app's SIGINT) */
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) < 0)
		return cordon_err(err, errno, "cannot put the terminal in raw mode");
	r->raw = true;
	return 0;
}

static int leave_raw(struct relay *r, cordon_error **err)
{
	if (!r->raw)
		return 0;
	r->raw = false;
	/* EIO: the terminal was hung up, there is no mode left to restore */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &r->saved) < 0 && errno != EIO)
		return cordon_err(err, errno, "cannot restore the terminal's mode");
	return 0;
}

/* The app's terminal gets the caller's window size (at start, on SIGWINCH,
 * after a stop). A size is advice: where there is none (no terminal, or
 * the call fails) the app keeps what it had, 0x0 meaning "unknown". */
static void copy_window_size(const struct relay *r, int to)
{
	struct winsize ws;
	if (r->size_fd < 0 || ioctl(r->size_fd, TIOCGWINSZ, &ws) < 0)
		return;
	if (ioctl(to, TIOCSWINSZ, &ws) < 0)
		return; /* advice, see above */
}

/* ---- the pty and the child ---- */

/* A fresh pty on the host's /dev/ptmx. The slave is opened from the master
 * (TIOCGPTPEER, Linux 4.13) rather than by the name ptsname() gives: no
 * path lookup that anything could race. O_NOCTTY: the CLI may be a session
 * leader without a terminal and must not acquire this one. */
static int open_pty(int *master, int *slave, cordon_error **err)
{
	_cleanup_close_ int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return cordon_err(err, errno, "cannot open /dev/ptmx");
	if (grantpt(m) < 0 || unlockpt(m) < 0)
		return cordon_err(err, errno, "cannot unlock the new pty");
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return cordon_err(err, errno, "cannot open the new pty's slave");
	/* the loop never blocks on the app's side */
	int fl = fcntl(m, F_GETFL);
	if (fl < 0 || fcntl(m, F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;
		close(s);
		return cordon_err(err, e, "cannot make the pty master non-blocking");
	}
	*master = steal_fd(m);
	*slave = s;
	return 0;
}

/* A closed 0, 1 or 2 would be taken by the pty's descriptors and then
 * overwritten in the child: /dev/null stands in (no input, output dropped). */
static int ensure_std_fds(cordon_error **err)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (errno != EBADF)
			return cordon_err(err, errno, "cannot inspect descriptor %d", fd);
		int n = open("/dev/null", O_RDWR);
		if (n < 0)
			return cordon_err(err, errno, "cannot open /dev/null");
		if (n != fd) { /* lower ones are open: cannot happen */
			close(n);
			return cordon_err_msg(err, EBADF, "descriptor %d cannot be reopened", fd);
		}
	}
	return 0;
}

enum child_step { STEP_MASK, STEP_SETSID, STEP_CTTY, STEP_DUP, STEP_EXEC };
static const char *const child_step_names[] = {
    [STEP_MASK] = "cannot restore the signal mask and actions",
    [STEP_SETSID] = "cannot start a new session",
    [STEP_CTTY] = "cannot make the new pty the controlling terminal",
    [STEP_DUP] = "cannot put the new pty on 0, 1 and 2",
    [STEP_EXEC] = "cannot run the launcher",
};
struct child_failure {
	int step, err;
};

static _Noreturn void child_fail(int fd, enum child_step step)
{
	struct child_failure f = {step, errno};
	/* if even this fails the parent sees the exec as done and then this
	 * exit status, as a shell reports a command it could not run */
	ssize_t n = write(fd, &f, sizeof f);
	(void)n;
	_exit(127);
}

/* Fork; the child execs the launcher on the slave. A close-on-exec pipe
 * tells the parent whether the exec happened (EOF) or which step failed. */
static int start_child(struct relay *r, int slave, const sigset_t *mask, const char *path,
		       char *const argv[], char *const envp[], cordon_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cordon_err(err, errno, "cannot make a pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return cordon_err(err, e, "cannot fork");
	}
	if (pid == 0) {
		/* the launcher and the app get the caller's mask and SIGCHLD
		 * action, not the relay's */
		struct sigaction ign = {.sa_handler = SIG_IGN};
		if (sigprocmask(SIG_SETMASK, mask, NULL) < 0 ||
		    (r->chld_ignored && sigaction(SIGCHLD, &ign, NULL) < 0))
			child_fail(p[1], STEP_MASK);
		/* out of the caller's session: the caller's terminal is no
		 * longer this process's controlling terminal (/dev/tty is the
		 * new one), and 0/1/2 below replace the caller's descriptors;
		 * the launcher closes every other inherited one */
		if (setsid() < 0)
			child_fail(p[1], STEP_SETSID);
		if (ioctl(slave, TIOCSCTTY, 0) < 0)
			child_fail(p[1], STEP_CTTY);
		for (int fd = 0; fd < 3; fd++)
			if (dup2(slave, fd) < 0)
				child_fail(p[1], STEP_DUP);
		execve(path, argv, envp);
		child_fail(p[1], STEP_EXEC);
	}
	r->child = pid;
	close(p[1]);
	struct child_failure f;
	ssize_t n;
	do
		n = read(p[0], &f, sizeof f);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(p[0]);
	if (n == 0)
		return 0; /* exec'd: the pipe closed with it */
	/* the child failed (it exits 127) or we cannot tell: end it */
	if (n < 0)
		(void)kill(pid, SIGKILL); /* ESRCH only: it is gone already */
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof f && f.step >= 0 && f.step <= STEP_EXEC)
		return f.step == STEP_EXEC
			   ? cordon_err(err, f.err, "cannot run the launcher %s", path)
			   : cordon_err(err, f.err, "%s", child_step_names[f.step]);
	return cordon_err(err, n < 0 ? e : EIO, "cannot learn whether the launcher started");
}

/* ---- the relay ---- */

/* The app's terminal goes away as a real one would: closing the master
 * hangs the slave up, the kernel sends SIGHUP to the app's session, and
 * whatever still holds the slave reads EOF/EIO. No more input is relayed. */
static void hang_up(struct relay *r)
{
	if (r->master >= 0)
		/* Linux releases the descriptor even when close() reports an
		 * error; the hangup has happened either way */
		(void)close(r->master);
	r->master = -1;
	r->in_fd = -1;
	r->in.len = r->in.start = 0;
	r->out.len = r->out.start = 0;
}

static int on_signal(struct relay *r, int sig, cordon_error **err)
{
	switch (pty_signal_action(sig)) {
	case PTY_SIG_CHILD: {
		int st;
		pid_t w = waitpid(r->child, &st, WNOHANG);
		if (w < 0 && errno != EINTR)
			return cordon_err(err, errno, "cannot wait for the app");
		if (w == r->child) {
			r->done = true;
			r->wstatus = st;
		}
		return 0;
	}
	case PTY_SIG_RESIZE:
		if (r->master >= 0)
			copy_window_size(r, r->master); /* the kernel sends SIGWINCH */
		return 0;
	case PTY_SIG_FORWARD:
		/* to the app's process group, as its terminal would: the app
		 * leads its session and cannot leave that group, and the group
		 * cannot name anyone else while the app is not reaped (a pgid the
		 * app set on its pty could be stale: never used). ESRCH: just
		 * gone, SIGCHLD follows */
		if (!r->done && kill(-r->child, sig) < 0 && errno != ESRCH)
			return cordon_err(err, errno, "cannot pass signal %d to the app", sig);
		return 0;
	case PTY_SIG_HANGUP:
		hang_up(r);
		return 0;
	case PTY_SIG_SUSPEND: {
		int rv = leave_raw(r, err);
		if (rv < 0)
			return rv;
		/* stops here; SIGCONT (read later from the signalfd) resumes */
		if (kill(getpid(), SIGSTOP) < 0)
			return cordon_err(err, errno, "cannot stop");
		return 0;
	}
	case PTY_SIG_RESUME: {
		/* the shell may have changed the terminal's mode and size while
		 * the relay was stopped (by SIGTSTP above, or by SIGSTOP, which
		 * cannot be caught): raw mode again, whatever it was */
		r->raw = false;
		int rv = enter_raw(r, err);
		if (rv < 0)
			return rv;
		if (r->master >= 0)
			copy_window_size(r, r->master);
		return 0;
	}
	case PTY_SIG_IGNORE:
		return 0;
	}
	return 0;
}

static int read_signals(struct relay *r, cordon_error **err)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(r->sigfd, &si, sizeof si);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n != (ssize_t)sizeof si)
			return cordon_err(err, n < 0 ? errno : EIO, "cannot read signals");
		int rv = on_signal(r, (int)si.ssi_signo, err);
		if (rv < 0)
			return rv;
	}
}

/* stdin ended: a terminal that ends has hung up; other input (a pipe, a
 * file) ends for the app as typed input would, with VEOF. */
static void end_of_input(struct relay *r)
{
	if (r->in_is_tty) {
		hang_up(r);
		return;
	}
	r->in_fd = -1;
	struct termios t;
	/* the app's current mode decides; if it cannot be read, nothing is
	 * sent (the app sees no end, as with a terminal left open) */
	if (tcgetattr(r->master, &t) < 0)
		return;
	unsigned char seq[2];
	size_t n = pty_eof_sequence(t.c_lflag & ICANON, t.c_cc[VEOF], r->last_in, seq);
	size_t room;
	unsigned char *tail = pty_buf_tail(&r->in, &room); /* room >= 2: read_input */
	memcpy(tail, seq, n);
	pty_buf_produced(&r->in, n);
}

static int read_input(struct relay *r, cordon_error **err)
{
	size_t room;
	unsigned char *tail = pty_buf_tail(&r->in, &room);
	ssize_t n = read(r->in_fd, tail, room - 2); /* 2 kept for end_of_input */
	if (n > 0) {
		pty_buf_produced(&r->in, (size_t)n);
		r->last_in = tail[n - 1];
		return 0;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	/* 0, EIO (a hung-up terminal) or anything else: no more input */
	end_of_input(r);
	return 0;
}

static int write_master(struct relay *r, cordon_error **err)
{
	size_t len;
	const unsigned char *h = pty_buf_head(&r->in, r->in.len, &len);
	ssize_t n = write(r->master, h, len);
	if (n > 0) {
		pty_buf_consumed(&r->in, (size_t)n);
		return 0;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0 && errno == EIO) { /* no slave open: nobody left to read it */
		r->in.len = r->in.start = 0;
		return 0;
	}
	return cordon_err(err, n < 0 ? errno : EIO, "cannot write to the app's terminal");
}

static int read_master(struct relay *r, cordon_error **err)
{
	size_t room;
	unsigned char *tail = pty_buf_tail(&r->out, &room);
	ssize_t n = read(r->master, tail, room);
	if (n > 0) {
		pty_buf_produced(&r->out, (size_t)n);
		return 0;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n == 0 || errno == EIO) { /* every slave descriptor is closed */
		r->master_eof = true;
		return 0;
	}
	return cordon_err(err, errno, "cannot read from the app's terminal");
}

static void write_output(struct relay *r)
{
	/* at most PIPE_BUF after POLLOUT: a pipe then takes it without
	 * blocking, and the loop stays free to pass on input and signals */
	size_t len;
	const unsigned char *h = pty_buf_head(&r->out, PIPE_BUF, &len);
	ssize_t n = write(STDOUT_FILENO, h, len);
	if (n > 0)
		pty_buf_consumed(&r->out, (size_t)n);
	else if (n < 0 && errno != EINTR && errno != EAGAIN)
		hang_up(r); /* EPIPE, EIO...: the caller's side went away */
}

enum { P_IN, P_OUT, P_MASTER, P_SIG, P_N };

static int relay_step(struct relay *r, cordon_error **err)
{
	struct pollfd p[P_N] = {
	    [P_IN] = {.fd = -1},
	    [P_OUT] = {.fd = -1},
	    [P_MASTER] = {.fd = -1},
	    [P_SIG] = {.fd = r->sigfd, .events = POLLIN},
	};
	if (r->in_fd >= 0 && pty_buf_room(&r->in) > 2)
		p[P_IN] = (struct pollfd){.fd = r->in_fd, .events = POLLIN};
	if (r->out.len > 0)
		p[P_OUT] = (struct pollfd){.fd = STDOUT_FILENO, .events = POLLOUT};
	if (r->master >= 0) {
		/* polled only for what is wanted: a master whose slaves are all
		 * closed reports POLLHUP at once, every time */
		short ev = (!r->master_eof && pty_buf_room(&r->out) > 0 ? POLLIN : 0) |
			   (r->in.len > 0 ? POLLOUT : 0);
		if (ev)
			p[P_MASTER] = (struct pollfd){.fd = r->master, .events = ev};
	}
	if (poll(p, P_N, -1) < 0)
		return errno == EINTR ? 0 : cordon_err(err, errno, "poll");
	int rv = 0;
	if (p[P_SIG].revents)
		rv = read_signals(r, err);
	/* once the app is gone no input is passed on (finish() drains) */
	if (rv < 0 || r->done)
		return rv;
	short any = POLLIN | POLLOUT | POLLHUP | POLLERR | POLLNVAL;
	if (r->master >= 0 && (p[P_MASTER].events & POLLIN) && (p[P_MASTER].revents & any))
		rv = read_master(r, err);
	if (rv == 0 && r->out.len > 0 && (p[P_OUT].revents & any))
		write_output(r);
	if (rv == 0 && r->in_fd >= 0 && (p[P_IN].revents & any))
		rv = read_input(r, err);
	if (rv == 0 && r->master >= 0 && r->in.len > 0 && (p[P_MASTER].revents & any))
		rv = write_master(r, err);
	return rv;
}

/* Write all of it, blocking (the final output); false if stdout is gone. */
static bool write_all_out(const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) { /* someone made it non-blocking */
			struct pollfd pf = {.fd = STDOUT_FILENO, .events = POLLOUT};
			if (poll(&pf, 1, -1) < 0 && errno != EINTR)
				return false;
			continue;
		}
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* The app was reaped: take what it wrote before exiting, close the master
 * before anything else (from here on whatever it left behind holding the
 * slave reads EOF/EIO: the user's next keystrokes go to their shell), then
 * show the output. */
static void finish(struct relay *r)
{
	_cleanup_buf_ buf rest = {0};
	while (r->master >= 0 && !r->master_eof && rest.len < DRAIN_MAX) {
		unsigned char chunk[4096];
		/* non-blocking; the line discipline flushes the pty's pending
		 * buffer before it answers EAGAIN, so nothing written before the
		 * exit is missed */
		ssize_t n = read(r->master, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: all there is; EIO: no slave left */
		buf_add(&rest, chunk, (size_t)n);
	}
	size_t pending;
	const unsigned char *h = pty_buf_head(&r->out, r->out.len, &pending);
	_cleanup_buf_ buf all = {0};
	buf_add(&all, h, pending);
	buf_add(&all, rest.p, rest.len);
	hang_up(r);
	/* a failure means nobody is left to show it to */
	(void)write_all_out((const unsigned char *)all.p, all.len);
}

/* Before the fork: the caller's descriptors and terminal, the pty with the
 * caller's mode and window size. */
static int prepare(struct relay *r, int *slave, cordon_error **err)
{
	int rv = ensure_std_fds(err);
	if (rv < 0)
		return rv;
	/* isatty() answers false with ENOTTY (or EBADF): nothing to check */
	r->in_is_tty = isatty(STDIN_FILENO);
	for (int fd = 0; fd < 3 && r->size_fd < 0; fd++)
		if (fd == 0 ? r->in_is_tty : isatty(fd))
			r->size_fd = fd;
	rv = open_pty(&r->master, slave, err);
	if (rv < 0)
		return rv;
	/* the app's terminal starts as the caller's: same erase and interrupt
	 * characters, same modes, same size */
	if (r->in_is_tty) {
		if (tcgetattr(STDIN_FILENO, &r->saved) < 0)
			return cordon_err(err, errno, "cannot read the terminal's mode");
		if (tcsetattr(*slave, TCSANOW, &r->saved) < 0)
			return cordon_err(err, errno, "cannot set the new pty's mode");
	}
	copy_window_size(r, *slave);
	return 0;
}

/* Signals are taken synchronously from a signalfd: blocked from before the
 * fork (no SIGCHLD is lost), the child restores the caller's mask. SIGPIPE
 * is blocked (not read) so that a vanished stdout is an EPIPE. If the app
 * could not be started, the caller's mask is back on return. */
static int launch(struct relay *r, int slave, const char *path, char *const argv[],
		  char *const envp[], cordon_error **err)
{
	static const int handled[] = {SIGCHLD, SIGWINCH, SIGINT,  SIGQUIT,
				      SIGTERM, SIGHUP,	 SIGTSTP, SIGCONT};
	sigset_t set, blocked, old;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(handled); i++) {
		struct sigaction cur;
		if (sigaction(handled[i], NULL, &cur) < 0)
			return cordon_err(err, errno, "cannot read the action of signal %d",
					  handled[i]);
		/* A signal the caller ignores stays ignored (a blocked one
		 * would be queued even so). Not SIGCHLD: ignored, it makes the
		 * kernel reap the app and its status is lost. */
		if (cur.sa_handler == SIG_IGN && handled[i] == SIGCHLD) {
			struct sigaction dfl = {.sa_handler = SIG_DFL};
			if (sigaction(SIGCHLD, &dfl, NULL) < 0)
				return cordon_err(err, errno, "cannot take SIGCHLD");
			r->chld_ignored = true;
		} else if (cur.sa_handler == SIG_IGN) {
			continue;
		}
		sigaddset(&set, handled[i]);
	}
	blocked = set;
	sigaddset(&blocked, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &blocked, &old) < 0)
		return cordon_err(err, errno, "cannot block signals");
	int rv = 0;
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0)
		rv = cordon_err(err, errno, "cannot make a signalfd");
	if (rv == 0)
		rv = start_child(r, slave, &old, path, argv, envp, err);
	/* nothing started: what arrived meanwhile is delivered now, as it
	 * would have been (restoring a mask read from the kernel cannot fail) */
	if (rv < 0)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return rv;
}

/* The app runs: relay until it exits. Errors hang its terminal up and give
 * the caller's terminal its mode back. */
static int relay(struct relay *r, cordon_error **err)
{
	int rv = 0;
	if (r->in_is_tty) {
		restore_termios = r->saved;
		rv = install_restore_handlers(err);
		restore_fd = STDIN_FILENO;
		if (rv == 0)
			rv = enter_raw(r, err);
	}
	while (rv == 0 && !r->done)
		rv = relay_step(r, err);
	if (rv == 0)
		finish(r);
	else
		hang_up(r);
	/* the relay's own error comes first; otherwise a failed restore is
	 * the error (the user must know the terminal is left raw) */
	cordon_error *later = NULL;
	int rr = leave_raw(r, rv < 0 ? &later : err);
	cordon_error_free(&later);
	restore_fd = -1;
	/* the signal mask stays: the process exits after this, and a pending
	 * SIGTERM unblocked now would kill it before it reports the status */
	if (rv < 0)
		return rv;
	if (rr < 0)
		return rr;
	return pty_exit_status(r->wstatus);
}

int pty_run(const char *path, char *const argv[], char *const envp[], cordon_error **err)
{
	_cleanup_free_ struct relay *r = xcalloc(1, sizeof *r);
	r->master = r->sigfd = r->size_fd = -1;
	r->in_fd = STDIN_FILENO;
	r->last_in = -1;
	int slave = -1;
	int rv = prepare(r, &slave, err);
	if (rv == 0)
		rv = launch(r, slave, path, argv, envp, err);
	/* the parent keeps no slave: once the app and all it started have
	 * closed theirs, the master reads EIO */
	if (slave >= 0)
		close(slave);
	if (rv == 0)
		rv = relay(r, err);
	if (r->master >= 0)
		close(r->master);
	if (r->sigfd >= 0)
		close(r->sigfd);
	return rv;
}
