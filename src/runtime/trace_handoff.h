/* `cordon run --strace` by a user: the launcher hands the fully confined
 * process to a tracer the caller starts, just before it execs the app.
 *
 * A user may not trace a setuid program, and must not: until the drop the
 * process holds root's privileges and fds. So the launcher stays
 * non-dumpable through the whole privileged phase and through the
 * confinement (drop, no_new_privs, seccomp, Landlock), closes every fd it
 * opened, and only then makes itself dumpable, tells the caller on the
 * handoff fd (fd 3, the caller's pipe) and waits for a tracer to attach;
 * then it execs the app. What a tracer can reach is what the app itself
 * holds: the caller's uid, no capability, the app's seccomp filter and
 * Landlock domain (a syscall injected by the tracer is filtered as the
 * app's own), its view and cgroup. */
#pragma once
#include "error.h"

#include <stdbool.h>

/* The handoff fd, as the front end receives it */
#define CORDON_TRACE_FD 3

/* How long the launcher waits for a tracer before it gives up */
#define CORDON_TRACE_WAIT_MS 30000

typedef struct cordon_trace {
	int fd;	       /* the handoff fd, or -1 (not traced) */
	int status_fd; /* /proc/self/status, opened before Landlock */
} cordon_trace;

/* Front end: fd CORDON_TRACE_FD must be a pipe or a socket (anything else,
 * a directory above all, would reach past the view). Made close-on-exec. */
int cordon_trace_hold(cordon_error **err);

/* After the drop to the caller, before seccomp and Landlock: opens what the
 * wait reads (the app's policy need not grant /proc/self/status). */
int cordon_trace_prepare(cordon_trace *t, cordon_error **err);

/* After every confinement step, right before the exec: close every other
 * fd the launcher holds, become dumpable, tell the caller, wait until a
 * tracer is attached. */
int cordon_trace_handoff(cordon_trace *t, cordon_error **err);
