#include "snapctl_spawn.h"
#include "config.h"
#include "fsutil.h"
#include "shield.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BROKER_BINARY "cordon"
#define SOCKET_NAME "snapctl.socket"
#define LOCK_NAME "snapctl.lock"
#define BACKLOG 128
#define EXEC_FD (CORDON_SNAPCTL_LISTEN_FD + 1)
/* the kernel's default timer slack (a user may have set theirs to seconds,
 * and a process's "default" is its parent's value) */
#define TIMER_SLACK_NS 50000

/* The limits the broker runs with, whatever its starter had: the kernel's
 * defaults for what init starts (RLIMIT_NOFILE 1024/4096, an 8 MiB stack,
 * 8 MiB of locked memory, 819200 bytes of message queues, no niceness or
 * real-time priority to raise, the rest unlimited), but no core dumps at all
 * (a dump of the broker holds cookies). RLIMIT_NPROC and RLIMIT_SIGPENDING,
 * whose defaults the kernel derives from the RAM, get their soft limit
 * raised to the hard one: root (uid 0) is exempt from RLIMIT_NPROC, and
 * past RLIMIT_SIGPENDING a signal only loses its siginfo, which the broker
 * does not read. A hard limit the caller lowered cannot be raised again
 * without CAP_SYS_RESOURCE (which a container's root may lack): then no
 * broker is started (fail closed: a broker every snap shares must not run
 * with limits a user chose; the next launch tries again).
 * tests/integration/test_snapctl.py reads them back. */
#define KEEP_HARD ((rlim_t)-2)
static const struct {
	int resource;
	rlim_t soft, hard;
} broker_limits[] = {
    {RLIMIT_CPU, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_FSIZE, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_STACK, 8 << 20, RLIM_INFINITY},
    {RLIMIT_CORE, 0, 0},
    {RLIMIT_RSS, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_NPROC, KEEP_HARD, KEEP_HARD},
    {RLIMIT_NOFILE, 1024, 4096},
    {RLIMIT_MEMLOCK, 8 << 20, 8 << 20},
    {RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_LOCKS, RLIM_INFINITY, RLIM_INFINITY},
    {RLIMIT_SIGPENDING, KEEP_HARD, KEEP_HARD},
    {RLIMIT_MSGQUEUE, 819200, 819200},
    {RLIMIT_NICE, 0, 0},
    {RLIMIT_RTPRIO, 0, 0},
    {RLIMIT_RTTIME, RLIM_INFINITY, RLIM_INFINITY},
};

/* The installed cordon, opened (O_PATH) for the exec: a regular file owned
 * by root and writable by no one else, in a directory walked from / whose
 * every component is root's and writable by no one else. */
static int open_broker_binary(cordon_error **err)
{
	_cleanup_close_ int dir = fs_open_dir_root_owned(CORDON_BINDIR, err);
	if (dir < 0)
		return dir;
	_cleanup_close_ int fd = openat(dir, BROKER_BINARY, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open %s/%s", CORDON_BINDIR, BROKER_BINARY);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat %s/%s", CORDON_BINDIR, BROKER_BINARY);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    !(st.st_mode & S_IXUSR))
		return cordon_err_msg(err, EPERM,
				      "%s/%s is not a root-owned executable writable only by root",
				      CORDON_BINDIR, BROKER_BINARY);
	return steal_fd(fd);
}

int cordon_snapctl_listen(int run_fd, const cordon_paths *paths, cordon_error **err)
{
	_cleanup_close_ int dir = fs_ensure_dir_at(run_fd, "snapctl", 0755, 0, 0, err);
	if (dir < 0)
		return dir;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(paths->snapctl_socket) >= sizeof sa.sun_path)
		return cordon_err_msg(err, ENAMETOOLONG, "%s: too long for a socket's name",
				      paths->snapctl_socket);
	memcpy(sa.sun_path, paths->snapctl_socket, strlen(paths->snapctl_socket) + 1);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cordon_err(err, errno, "snapctl socket");
	/* a dead broker's, if any (only the lock's holder gets here) */
	if (unlinkat(dir, SOCKET_NAME, 0) < 0 && errno != ENOENT)
		return cordon_err(err, errno, "remove %s", paths->snapctl_socket);
	/* Bound by its path, which the directories above (root's, checked)
	 * resolve as they did: the name a socket is bound with is the one
	 * /proc/net/unix and ss show for good, and a socket renamed into place
	 * would show a name that no longer exists. Mode 0666 from the start
	 * (umask): a client never meets it narrower, at worst not yet
	 * listening for a few microseconds, and retries. */
	mode_t old = umask(0111);
	int r = bind(s, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	umask(old);
	if (r < 0)
		return cordon_err(err, e, "bind %s", paths->snapctl_socket);
	if (listen(s, BACKLOG) < 0) {
		e = errno;
		(void)unlinkat(dir, SOCKET_NAME, 0);
		return cordon_err(err, e, "listen on %s", paths->snapctl_socket);
	}
	return steal_fd(s);
}

/* In the broker's process, before its exec: nothing its starter chose stays
 * (snapctl_spawn.h). Any failure ends it: no broker is better than one the
 * caller shaped (the next launch tries again). */
static void become_broker(int lock_fd, int sock_fd, int bin_fd, const cordon_cgroup_cfg *cgroup,
			  char *const *envp)
{
	if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
		_exit(126);
	/* its fds: the lock as 3, the socket as 4, the binary as 5 (for the
	 * exec, close-on-exec), /dev/null as 0-2, no other (copied above 9
	 * first: any of them may sit where another must go) */
	int lock = fcntl(lock_fd, F_DUPFD, 10);
	int sock = fcntl(sock_fd, F_DUPFD, 10);
	int exe = fcntl(bin_fd, F_DUPFD, 10);
	if (lock < 0 || sock < 0 || exe < 0 || dup2(lock, CORDON_SNAPCTL_LOCK_FD) < 0 ||
	    dup2(sock, CORDON_SNAPCTL_LISTEN_FD) < 0 || dup2(exe, EXEC_FD) < 0 ||
	    fcntl(EXEC_FD, F_SETFD, FD_CLOEXEC) < 0 ||
	    syscall(SYS_close_range, EXEC_FD + 1, ~0U, 0U) < 0)
		_exit(126);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
		_exit(126);
	/* dispositions: an ignored SIGTERM would survive the exec. Through
	 * the system call itself: libc's sigaction refuses the signals it
	 * reserves (32 and 33), which a starter may still have set to ignored
	 * (an ignored disposition survives exec) */
	for (int sig = 1; sig < NSIG; sig++) {
		struct {
			void *handler;
			unsigned long flags;
			void *restorer;
			unsigned long mask;
		} dfl = {.handler = SIG_DFL};
		if (sig != SIGKILL && sig != SIGSTOP &&
		    syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask) < 0)
			_exit(126);
	}
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		_exit(126);
	cordon_error *err = NULL;
	if (cordon_cgroup_enter_own(cgroup, CORDON_SNAPCTL_CGROUP, &err) < 0)
		_exit(126);
	for (size_t i = 0; i < ARRAY_SIZE(broker_limits); i++) {
		struct rlimit l = {broker_limits[i].soft, broker_limits[i].hard};
		if (l.rlim_max == KEEP_HARD) {
			if (getrlimit(broker_limits[i].resource, &l) < 0)
				_exit(126);
			l.rlim_cur = l.rlim_max;
		}
		if (setrlimit(broker_limits[i].resource, &l) < 0)
			_exit(126);
	}
	struct sched_param zero = {0};
	cpu_set_t all;
	memset(&all, 0xff, sizeof all);
	if (sched_setscheduler(0, SCHED_OTHER, &zero) < 0 || setpriority(PRIO_PROCESS, 0, 0) < 0 ||
	    syscall(SYS_ioprio_set, CORDON_IOPRIO_WHO_PROCESS, 0, CORDON_IOPRIO_DEFAULT) < 0 ||
	    sched_setaffinity(0, sizeof all, &all) < 0 ||
	    prctl(PR_SET_TIMERSLACK, TIMER_SLACK_NS, 0, 0, 0) < 0 || personality(PER_LINUX) < 0)
		_exit(126);
	/* a user may raise their own OOM score (to 1000: killed first) */
	int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (oom < 0 || write(oom, "0\n", 2) != 2)
		_exit(126);
	close(oom);
	/* not the caller's session keyring (best effort: keyrings may be
	 * compiled out) */
	(void)syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
	umask(022);
	if (chdir("/") < 0)
		_exit(126);
	char *const argv[] = {BROKER_BINARY, "snapctl-daemon", CORDON_SNAPCTL_INHERITED_ARG, NULL};
	syscall(SYS_execveat, EXEC_FD, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

int cordon_snapctl_lock(int run_fd, const cordon_paths *paths, cordon_error **err)
{
	_cleanup_close_ int lock =
	    openat(run_fd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (lock < 0)
		return cordon_err(err, errno, "open %s", paths->snapctl_lock);
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return -EWOULDBLOCK;
		return cordon_err(err, errno, "lock %s", paths->snapctl_lock);
	}
	struct stat st;
	if (fstat(lock, &st) < 0)
		return cordon_err(err, errno, "stat %s", paths->snapctl_lock);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0)
		return cordon_err_msg(err, EPERM, "%s is not a root-owned file",
				      paths->snapctl_lock);
	return steal_fd(lock);
}

/* Is this process traced (ptrace)? Only root can trace the setuid launcher. */
static bool traced(void)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (fs_read_path("/proc/self/status", FS_KERNEL_TEXT_MAX, &text, &len, NULL) < 0)
		return false;
	const char *t = strstr(text, "\nTracerPid:\t");
	return t != NULL && strtol(t + strlen("\nTracerPid:\t"), NULL, 10) != 0;
}

int cordon_snapctl_ensure_broker(const cordon_paths *paths, const char *root,
				 const cordon_cgroup_cfg *cgroup, cordon_error **err)
{
	_cleanup_close_ int run_fd = fs_open_dir_root_owned(paths->run_dir, err);
	if (run_fd < 0)
		return run_fd;
	_cleanup_close_ int lock = cordon_snapctl_lock(run_fd, paths, err);
	if (lock == -EWOULDBLOCK)
		return 0; /* the broker holds it */
	if (lock < 0)
		return lock;
	/* A tracer that follows forks (strace -f, gdb) would hold the broker
	 * every snap shares: stopped at its will, and waited for by it (strace
	 * -f does not end while a tracee lives). A traced launch starts none;
	 * the next untraced one does. */
	if (traced())
		return cordon_err_msg(err, EBUSY,
				      "not starting the snapctl broker from a traced "
				      "launch");
	_cleanup_close_ int bin = open_broker_binary(err);
	if (bin < 0)
		return bin;
	_cleanup_close_ int sock = cordon_snapctl_listen(run_fd, paths, err);
	if (sock < 0)
		return sock;
	_cleanup_free_ char *root_env =
	    root && root[0] ? xasprintf("CORDON_ROOT=%s", root) : xstrdup("");
	char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			      "LC_ALL=C", root_env[0] ? root_env : NULL, NULL};
	pid_t child = fork();
	if (child < 0)
		return cordon_err(err, errno, "start the snapctl broker: fork");
	if (child == 0) {
		/* a session of its own, and orphaned at once: neither the
		 * launch nor the app it becomes is its parent */
		if (setsid() < 0)
			_exit(126);
		pid_t broker = fork();
		if (broker == 0)
			become_broker(lock, sock, bin, cgroup, envp);
		_exit(broker < 0 ? 126 : 0);
	}
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return cordon_err(err, errno, "start the snapctl broker: wait");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cordon_err_msg(err, EIO, "start the snapctl broker: fork failed");
	return 1;
}
