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
 * caller had (the command keeps the caller's niceness). */
#pragma once
#include "error.h"

#include <sched.h>
#include <signal.h>
#include <stdbool.h>

typedef struct cordon_shield {
	bool raised;
	int nice;
	int policy;
	struct sched_param param;
	int ioprio;
	struct sigaction stop_signals[3]; /* SIGTSTP, SIGTTIN, SIGTTOU */
} cordon_shield;

/* Save the caller's scheduling and signal dispositions and shield the
 * process. Needs euid 0. */
int cordon_shield_raise(cordon_shield *s, cordon_error **err);

/* Give the caller's scheduling, I/O priority and stop-signal dispositions
 * back (while still privileged: a real-time policy needs it). The real uid
 * is the drop's to give back (launch.c). */
int cordon_shield_lower(const cordon_shield *s, cordon_error **err);
