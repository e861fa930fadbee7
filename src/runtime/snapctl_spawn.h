/* Starting the snapctl broker on demand, from the launcher.
 *
 * The broker (`cordon snapctl-daemon`, store/snapctl_serve.h) is one root
 * process per root prefix that answers `snapctl` from every sandbox. It
 * holds an exclusive flock on <run>/snapctl.lock for as long as it lives, so
 * "is it running?" costs a launch one open and one non-blocking flock: the
 * broker is neither woken nor asked (a connect() would be accepted and cost
 * the broker a fork per launch), and a broker with a full backlog still
 * counts as running.
 *
 * When the lock is free, the launch (root, before it drops privilege and
 * before it joins the label's cgroup) makes the listening socket itself and
 * starts the broker with the lock and the socket as fds 3 and 4. The socket
 * therefore exists before the command's view is built, and the lock is held
 * without a gap from the launch's flock to the broker's exit. Two launches
 * racing cannot both start one: the second finds the lock taken. A launch
 * being traced (strace -f, gdb: root only) starts none: the tracer would
 * follow it into the broker. A client
 * that meets no socket, or one not yet listening, tries again (snapctl
 * waits up to 5 s for a broker that is starting).
 *
 * The broker is shared by every snap and every user, and the user who ran
 * the setuid launcher chose the whole process state it inherits: so the
 * broker gets none of it. Two forks (it is the child of neither the launch
 * nor the app: a shell's `wait` must not wait for it) and a session of its
 * own; every fd closed, stdin/out/err /dev/null; a fixed environment; real,
 * effective and saved ids and groups root's; every resource limit set (table
 * in snapctl_spawn.c: a user could lower RLIMIT_NOFILE or RLIMIT_CPU to make
 * it fail, or RLIMIT_STACK to make its exec fail); niceness, scheduling
 * policy, I/O priority, CPU affinity, OOM score, timer slack, personality,
 * umask, signal dispositions and mask set to their defaults; a session
 * keyring of its own; and a cgroup of cordon's (cgroup.h: out of the user's
 * delegated cgroup). Then it execs the installed cordon by fd, after
 * checking it and its directory are root's and writable by no one else. */
#pragma once
#include "cgroup.h"
#include "error.h"
#include "paths.h"

/* The cgroup the broker runs in, under the cgroup parent (cgroup.h). */
#define CORDON_SNAPCTL_CGROUP "snapctl"

/* What the launcher passes the broker (snapctl_serve.h reads the same). */
#define CORDON_SNAPCTL_LOCK_FD 3
#define CORDON_SNAPCTL_LISTEN_FD 4
#define CORDON_SNAPCTL_INHERITED_ARG "--from-launcher"

/* Start the broker of this root unless it runs (euid 0). `root`: the root
 * prefix the launch serves, passed on as CORDON_ROOT (NULL or "" for the
 * real system): the launch's, which a caller who is not root never chose.
 * 1: started one; 0: one runs already; < 0: could not (err): the launch
 * goes on, and snapctl says it cannot reach the broker. */
int cordon_snapctl_ensure_broker(const cordon_paths *paths, const char *root,
				 const cordon_cgroup_cfg *cgroup, cordon_error **err);

/* The broker's lock (run_fd: the root-owned <run>): <run>/snapctl.lock
 * opened (made 0600 if missing) and locked exclusively without waiting.
 * Its fd, or -EWOULDBLOCK (err untouched) when a broker holds it. */
int cordon_snapctl_lock(int run_fd, const cordon_paths *paths, cordon_error **err);

/* The broker's listening socket, for the lock's holder:
 * <run>/snapctl/snapctl.socket (a dead broker's removed first), mode 0666
 * (every sandboxed user connects to it), listening; <run>/snapctl made
 * (root 0755) if missing. */
int cordon_snapctl_listen(int run_fd, const cordon_paths *paths, cordon_error **err);
