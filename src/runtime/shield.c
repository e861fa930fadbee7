#include "shield.h"

#include <errno.h>
#include <linux/sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const int stop_signals[3] = {SIGTSTP, SIGTTIN, SIGTTOU};

int cordon_shield_raise(cordon_shield *s, cordon_error **err)
{
	memset(s, 0, sizeof *s);
	errno = 0;
	s->nice = getpriority(PRIO_PROCESS, 0);
	if (s->nice == -1 && errno != 0)
		return cordon_err(err, errno, "getpriority");
	s->policy = sched_getscheduler(0);
	if (s->policy < 0 || sched_getparam(0, &s->param) < 0)
		return cordon_err(err, errno, "sched_getscheduler");
	s->ioprio = (int)syscall(SYS_ioprio_get, CORDON_IOPRIO_WHO_PROCESS, 0);
	if (s->ioprio < 0)
		return cordon_err(err, errno, "ioprio_get");
	struct sigaction ign = {.sa_handler = SIG_IGN};
	for (size_t i = 0; i < 3; i++)
		if (sigaction(stop_signals[i], &ign, &s->stop_signals[i]) < 0)
			return cordon_err(err, errno, "sigaction");
	s->umask = umask(022);
	s->raised = true;
	/* Real uid 0: the caller's uid no longer matches this process for
	 * kill(2), setpriority(2), sched_setscheduler(2), prlimit(2). */
	if (setresuid(0, (uid_t)-1, (uid_t)-1) < 0)
		return cordon_err(err, errno, "take real uid 0");
	struct sched_param zero = {0};
	if (sched_setscheduler(0, SCHED_OTHER, &zero) < 0)
		return cordon_err(err, errno, "sched_setscheduler");
	if (setpriority(PRIO_PROCESS, 0, 0) < 0)
		return cordon_err(err, errno, "setpriority");
	if (syscall(SYS_ioprio_set, CORDON_IOPRIO_WHO_PROCESS, 0, CORDON_IOPRIO_DEFAULT) < 0)
		return cordon_err(err, errno, "ioprio_set");
	return 0;
}

int cordon_shield_lower(const cordon_shield *s, cordon_error **err)
{
	if (!s->raised)
		return 0;
	/* SCHED_DEADLINE takes sched_setattr and its own parameters: a caller
	 * running under it gets the default policy (nothing else is refused) */
	if ((s->policy & ~SCHED_RESET_ON_FORK) != SCHED_DEADLINE &&
	    sched_setscheduler(0, s->policy, &s->param) < 0)
		return cordon_err(err, errno, "restore the caller's scheduling policy");
	if (setpriority(PRIO_PROCESS, 0, s->nice) < 0)
		return cordon_err(err, errno, "restore the caller's niceness");
	if (syscall(SYS_ioprio_set, CORDON_IOPRIO_WHO_PROCESS, 0, s->ioprio) < 0)
		return cordon_err(err, errno, "restore the caller's I/O priority");
	for (size_t i = 0; i < 3; i++)
		if (sigaction(stop_signals[i], &s->stop_signals[i], NULL) < 0)
			return cordon_err(err, errno, "sigaction");
	umask(s->umask);
	return 0;
}
