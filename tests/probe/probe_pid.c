/* probe operations on calls that take a pid: limits, priorities, scheduling,
 * I/O priorities. (The output convention is at the top of probe.c.) Each one
 * makes the raw syscall, so the filter sees the pid as written here, then
 * reads the target's state back with a call that only reads (allowed on any
 * pid) and prints it: "OK <state after>", or the errno name of the change.
 *
 * PID (and WHO of the process form of WHICH) is one of
 *   0          "the caller" as the kernel reads it
 *   self       getpid(): the pid the launcher exec'd the probe as
 *   child      a child the probe forks for the call (it waits, then is killed)
 *   thread     the thread id of a second thread of the probe
 *   N          a number: a process the test started
 * WHO of a process group or user form is a number (0: the caller's own).
 *
 *   prlimit PID RESOURCE [SOFT HARD]
 *                          prlimit64(2) with a new limit, or without (a
 *                          query, NULL new limit); OK <soft> <hard> after.
 *                          RESOURCE cpu|fsize|data|stack|core|rss|nproc|
 *                          nofile|memlock|as|locks|sigpending|msgqueue|nice|
 *                          rtprio|rttime or a number; SOFT, HARD a number or
 *                          inf
 *   setpriority WHICH WHO PRIO
 *                          setpriority(2); WHICH process|pgrp|user or a
 *                          number; OK <getpriority(WHICH, WHO) after>
 *   sched-setscheduler PID POLICY [PRIO]
 *                          sched_setscheduler(2), priority 0 by default;
 *                          POLICY other|fifo|rr|batch|idle|deadline or a
 *                          number; OK <policy name after>
 *   sched-setparam PID PRIO
 *                          sched_setparam(2); OK <priority after>
 *   sched-setattr PID POLICY [NICE]
 *                          sched_setattr(2), struct sched_attr of the first
 *                          version (48 bytes), priority 0, flags 0; OK
 *                          <policy name after>
 *   sched-setaffinity PID CPU
 *                          sched_setaffinity(2) to that one CPU; OK <CPUs
 *                          after, as 0,1>
 *   ioprio-set WHICH WHO CLASS [LEVEL]
 *                          ioprio_set(2); WHICH process|pgrp|user; CLASS
 *                          none|rt|be|idle or a number; LEVEL 0-7 (0 by
 *                          default); OK <class> <level> after
 *   ioprio-get WHICH WHO   ioprio_get(2): OK <class> <level>
 */
#include "probe.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
/* include/uapi/linux/ioprio.h, newer than some distributions' headers */
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP 2
#define IOPRIO_WHO_USER 3

struct name {
	const char *name;
	long value;
};

static long lookup(const struct name *names, size_t n, const char *s, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i].name, s) == 0)
			return names[i].value;
	if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-')
		return (long)parse_num(s, 0);
	usage_error("unknown %s: %s", what, s);
}

static const struct name policies[] = {
    {"other", SCHED_OTHER}, {"fifo", SCHED_FIFO}, {"rr", SCHED_RR},
    {"batch", SCHED_BATCH}, {"idle", SCHED_IDLE}, {"deadline", SCHED_DEADLINE},
};

static const char *policy_name(int policy)
{
	static char num[16];
	for (size_t i = 0; i < N_ELEM(policies); i++)
		if (policies[i].value == policy)
			return policies[i].name;
	snprintf(num, sizeof num, "%d", policy);
	return num;
}

/* ---- the target: a pid the probe names, or a child or thread it makes ---- */

struct target {
	pid_t pid;
	pid_t child; /* > 0: killed and reaped afterwards */
	bool thread; /* the thread waits on `release` until the op is done */
	pthread_t tid;
	int release[2];
	int ready[2];
};

static void *waiting_thread(void *arg)
{
	struct target *t = arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	char c;
	if (write(t->ready[1], &tid, sizeof tid) != sizeof tid)
		abort();
	while (read(t->release[0], &c, 1) < 0)
		;
	return NULL;
}

/* 0, self, child, thread or a number; a child or thread is made here. */
static pid_t target_open(const char *s, struct target *t)
{
	memset(t, 0, sizeof *t);
	if (strcmp(s, "self") == 0)
		return t->pid = getpid();
	if (strcmp(s, "child") == 0) {
		if (pipe(t->release) < 0)
			abort();
		t->child = fork();
		if (t->child < 0)
			abort();
		if (t->child == 0) {
			char c;
			close(t->release[1]);
			while (read(t->release[0], &c, 1) < 0)
				;
			_exit(0);
		}
		close(t->release[0]);
		return t->pid = t->child;
	}
	if (strcmp(s, "thread") == 0) {
		if (pipe(t->release) < 0 || pipe(t->ready) < 0)
			abort();
		if (pthread_create(&t->tid, NULL, waiting_thread, t) != 0)
			abort();
		t->thread = true;
		if (read(t->ready[0], &t->pid, sizeof t->pid) != sizeof t->pid)
			abort();
		return t->pid;
	}
	return t->pid = (pid_t)parse_num(s, 10);
}

static void target_close(struct target *t)
{
	if (t->child > 0) {
		kill(t->child, SIGKILL);
		close(t->release[1]);
		waitpid(t->child, NULL, 0);
	}
	if (t->thread) {
		close(t->release[1]);
		pthread_join(t->tid, NULL);
	}
}

/* WHO of setpriority and ioprio_set: a target for the process form, a
 * number (a group or a uid) otherwise. */
static pid_t who_open(bool process, const char *s, struct target *t)
{
	if (process)
		return target_open(s, t);
	memset(t, 0, sizeof *t);
	return (pid_t)parse_num(s, 10);
}

/* ---- limits ---- */

static const struct name resources[] = {
    {"cpu", RLIMIT_CPU},	   {"fsize", RLIMIT_FSIZE},
    {"data", RLIMIT_DATA},	   {"stack", RLIMIT_STACK},
    {"core", RLIMIT_CORE},	   {"rss", RLIMIT_RSS},
    {"nproc", RLIMIT_NPROC},	   {"nofile", RLIMIT_NOFILE},
    {"memlock", RLIMIT_MEMLOCK},   {"as", RLIMIT_AS},
    {"locks", RLIMIT_LOCKS},	   {"sigpending", RLIMIT_SIGPENDING},
    {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"rtprio", RLIMIT_RTPRIO},	   {"rttime", RLIMIT_RTTIME},
};

static uint64_t parse_limit(const char *s)
{
	return strcmp(s, "inf") == 0 ? (uint64_t)RLIM_INFINITY : (uint64_t)parse_num(s, 0);
}

static const char *limit_str(uint64_t v, char *out, size_t n)
{
	if (v == (uint64_t)RLIM_INFINITY)
		return "inf";
	snprintf(out, n, "%llu", (unsigned long long)v);
	return out;
}

/* The op's change, then what the read-back shows (or the change's errno). */
static int op_prlimit(char **a)
{
	if (a[2] && !a[3])
		usage_error("prlimit: SOFT needs HARD");
	int res = (int)lookup(resources, N_ELEM(resources), a[1], "resource");
	struct target t;
	pid_t pid = target_open(a[0], &t);
	/* struct rlimit64: two __u64, rlim_cur and rlim_max */
	uint64_t lim[2];
	if (a[2]) {
		lim[0] = parse_limit(a[2]);
		lim[1] = parse_limit(a[3]);
		if (syscall(SYS_prlimit64, pid, res, lim, NULL) < 0) {
			fail("prlimit64");
			goto out;
		}
	}
	if (syscall(SYS_prlimit64, pid, res, NULL, lim) < 0) {
		fail("prlimit64 (query)");
		goto out;
	}
	char soft[32], hard[32];
	ok("%s %s", limit_str(lim[0], soft, sizeof soft), limit_str(lim[1], hard, sizeof hard));
out:
	target_close(&t);
	return 0;
}

/* ---- CPU priorities and scheduling ---- */

static const struct name prio_which[] = {
    {"process", PRIO_PROCESS},
    {"pgrp", PRIO_PGRP},
    {"user", PRIO_USER},
};

static int op_setpriority(char **a)
{
	int which = (int)lookup(prio_which, N_ELEM(prio_which), a[0], "WHICH");
	int prio = (int)parse_num(a[2], 10);
	struct target t;
	pid_t who = who_open(which == PRIO_PROCESS, a[1], &t);
	if (syscall(SYS_setpriority, which, who, prio) < 0) {
		fail("setpriority");
	} else {
		/* the raw syscall returns 20 - nice, never negative */
		long r = syscall(SYS_getpriority, which, who);
		if (r < 0)
			fail("getpriority");
		else
			ok("%ld", 20 - r);
	}
	target_close(&t);
	return 0;
}

/* What the kernel now says the target's policy is. */
static void report_policy(pid_t pid)
{
	long r = syscall(SYS_sched_getscheduler, pid);
	if (r < 0)
		fail("sched_getscheduler");
	else
		ok("%s", policy_name((int)r & ~SCHED_RESET_ON_FORK));
}

static int op_sched_setscheduler(char **a)
{
	int policy = (int)lookup(policies, N_ELEM(policies), a[1], "policy");
	struct sched_param sp = {.sched_priority = a[2] ? (int)parse_num(a[2], 10) : 0};
	struct target t;
	pid_t pid = target_open(a[0], &t);
	if (syscall(SYS_sched_setscheduler, pid, policy, &sp) < 0) {
		fail("sched_setscheduler");
	} else {
		report_policy(pid);
	}
	target_close(&t);
	return 0;
}

static int op_sched_setparam(char **a)
{
	struct sched_param sp = {.sched_priority = (int)parse_num(a[1], 10)};
	struct target t;
	pid_t pid = target_open(a[0], &t);
	if (syscall(SYS_sched_setparam, pid, &sp) < 0) {
		fail("sched_setparam");
	} else if (syscall(SYS_sched_getparam, pid, &sp) < 0) {
		fail("sched_getparam");
	} else {
		ok("%d", sp.sched_priority);
	}
	target_close(&t);
	return 0;
}

/* include/uapi/linux/sched/types.h, SCHED_ATTR_SIZE_VER0 */
struct probe_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static int op_sched_setattr(char **a)
{
	struct probe_sched_attr attr = {
	    .size = sizeof attr,
	    .sched_policy = (uint32_t)lookup(policies, N_ELEM(policies), a[1], "policy"),
	    .sched_nice = a[2] ? (int32_t)parse_num(a[2], 10) : 0,
	};
	struct target t;
	pid_t pid = target_open(a[0], &t);
	if (syscall(SYS_sched_setattr, pid, &attr, 0) < 0) {
		fail("sched_setattr");
	} else {
		report_policy(pid);
	}
	target_close(&t);
	return 0;
}

static int op_sched_setaffinity(char **a)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((int)parse_num(a[1], 10), &set);
	struct target t;
	pid_t pid = target_open(a[0], &t);
	if (syscall(SYS_sched_setaffinity, pid, sizeof set, &set) < 0) {
		fail("sched_setaffinity");
	} else if (syscall(SYS_sched_getaffinity, pid, sizeof set, &set) < 0) {
		fail("sched_getaffinity");
	} else {
		char list[1024] = "";
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d",
					 list[0] ? "," : "", c);
		ok("%s", list);
	}
	target_close(&t);
	return 0;
}

/* ---- I/O priorities ---- */

static const struct name ioprio_which[] = {
    {"process", IOPRIO_WHO_PROCESS},
    {"pgrp", IOPRIO_WHO_PGRP},
    {"user", IOPRIO_WHO_USER},
};

static const struct name ioprio_classes[] = {
    {"none", 0},
    {"rt", 1},
    {"be", 2},
    {"idle", 3},
};

static int print_ioprio(int which, pid_t who)
{
	long r = syscall(SYS_ioprio_get, which, who);
	if (r < 0)
		return fail("ioprio_get");
	return ok("%ld %ld", r >> IOPRIO_CLASS_SHIFT, r & 7);
}

static int op_ioprio_set(char **a)
{
	int which = (int)lookup(ioprio_which, N_ELEM(ioprio_which), a[0], "WHICH");
	long cls = lookup(ioprio_classes, N_ELEM(ioprio_classes), a[2], "class");
	long level = a[3] ? (long)parse_num(a[3], 10) : 0;
	struct target t;
	pid_t who = who_open(which == IOPRIO_WHO_PROCESS, a[1], &t);
	if (syscall(SYS_ioprio_set, which, who, cls << IOPRIO_CLASS_SHIFT | level) < 0)
		fail("ioprio_set");
	else
		print_ioprio(which, who);
	target_close(&t);
	return 0;
}

static int op_ioprio_get(char **a)
{
	int which = (int)lookup(ioprio_which, N_ELEM(ioprio_which), a[0], "WHICH");
	struct target t;
	pid_t who = who_open(which == IOPRIO_WHO_PROCESS, a[1], &t);
	print_ioprio(which, who);
	target_close(&t);
	return 0;
}

const struct probe_op probe_ops_pid[] = {
    {"prlimit", 2, 4, op_prlimit},
    {"setpriority", 3, 3, op_setpriority},
    {"sched-setscheduler", 2, 3, op_sched_setscheduler},
    {"sched-setparam", 2, 2, op_sched_setparam},
    {"sched-setattr", 2, 3, op_sched_setattr},
    {"sched-setaffinity", 2, 2, op_sched_setaffinity},
    {"ioprio-set", 3, 4, op_ioprio_set},
    {"ioprio-get", 2, 2, op_ioprio_get},
    {NULL, 0, 0, NULL},
};
