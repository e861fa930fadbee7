/* The launcher's privileged phase, shielded from its caller.
 *
 * While the launcher holds a snap's namespace lock, every other launch of
 * that snap waits for it, root's included. A setuid process can still be
 * signalled, reniced and rescheduled by the user who started it (the kernel
 * matches the target's real uid), and stopped from its terminal: a user could
 * stop or starve their own launch mid-lock and hang the snap for everyone.
 * So for the privileged phase the launcher takes real uid 0 (no kill(),
 * setpriority() or sched_setscheduler() from the user reaches it), ignores the
 * terminal's stop signals, and runs at the default priority, I/O priority and
 * scheduling policy; before the command runs it gives back exactly what the
 * caller had (the command keeps the caller's niceness).
 *
 * The umask too is root's (022) for the privileged phase: what the launcher
 * makes (the view's directories, cgroups, the private /tmp's backing) must
 * not take its modes from the caller. A view built under a caller's umask
 * 077 had directories only root could enter, and every later launch of
 * that label by that user, which joins the preserved view, failed with
 * EACCES. The command gets the caller's umask back. */
#pragma once
#include "error.h"

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#define CORDON_IOPRIO_WHO_PROCESS 1
/* best effort (class 2), level 4: the kernel's default for a nice-0 process */
#define CORDON_IOPRIO_DEFAULT ((2 << 13) | 4)

typedef struct cordon_shield {
	bool raised;
	int nice;
	int policy;
	struct sched_param param;
	int ioprio;
	struct sigaction stop_signals[3]; /* SIGTSTP, SIGTTIN, SIGTTOU */
	mode_t umask;
} cordon_shield;

/* Save the caller's scheduling and signal dispositions and shield the
 * process. Needs euid 0. */
int cordon_shield_raise(cordon_shield *s, cordon_error **err);

/* Give the caller's scheduling, I/O priority and stop-signal dispositions
 * back (while still privileged: a real-time policy needs it). The real uid
 * is the drop's to give back (launch.c). */
int cordon_shield_lower(const cordon_shield *s, cordon_error **err);
