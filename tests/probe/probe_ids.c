/* probe operations that change the process's ids (the output convention is at
 * the top of probe.c). Raw syscalls, as the kernel sees them: libc's wrappers
 * would also broadcast to threads and could hide which call failed.
 *
 *   setids STEP...         run each step in order; at the first that fails,
 *                          its errno name (the step named on stderr); when all
 *                          succeed, what `id` prints. A STEP is
 *                            groups=none     setgroups(0, NULL)
 *                            groups=A[,B...] setgroups with that list
 *                            gid=N | uid=N   setgid / setuid
 *                            regid=R,E | reuid=R,E          setregid / setreuid
 *                            resgid=R,E,S | resuid=R,E,S    setresgid / setresuid
 *                          (-1: unchanged). Dropping to a service user as
 *                          daemons do: setids groups=none gid=584788 uid=584788
 */
#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_IDS 16

/* The comma-separated ids of a step (at most `max`); -1 as the kernel's
 * "unchanged" (uid_t)-1, zero-extended as libc passes it. */
static int parse_ids(const char *step, const char *s, int max, unsigned long *ids)
{
	char *copy = strdup(s);
	if (copy == NULL)
		usage_error("out of memory");
	int n = 0;
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		if (n == max)
			usage_error("%s: at most %d ids", step, max);
		ids[n++] = (unsigned long)(unsigned int)parse_num(t, 10);
	}
	free(copy);
	return n;
}

static long one_step(const char *step)
{
	static const struct {
		const char *prefix;
		long nr;
		int n_ids;
	} steps[] = {
	    {"gid=", SYS_setgid, 1},	   {"uid=", SYS_setuid, 1},
	    {"regid=", SYS_setregid, 2},   {"reuid=", SYS_setreuid, 2},
	    {"resgid=", SYS_setresgid, 3}, {"resuid=", SYS_setresuid, 3},
	};
	if (strcmp(step, "groups=none") == 0)
		return syscall(SYS_setgroups, 0L, NULL);
	if (strncmp(step, "groups=", 7) == 0) {
		unsigned long ids[MAX_IDS];
		gid_t list[MAX_IDS];
		int n = parse_ids(step, step + 7, MAX_IDS, ids);
		for (int i = 0; i < n; i++)
			list[i] = (gid_t)ids[i];
		return syscall(SYS_setgroups, (long)n, list);
	}
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		size_t len = strlen(steps[i].prefix);
		if (strncmp(step, steps[i].prefix, len) != 0)
			continue;
		unsigned long ids[3] = {0};
		if (parse_ids(step, step + len, steps[i].n_ids, ids) != steps[i].n_ids)
			usage_error("%s: expected %d ids", step, steps[i].n_ids);
		return syscall(steps[i].nr, ids[0], ids[1], ids[2]);
	}
	usage_error("setids: unknown step %s", step);
}

static int op_setids(char **a)
{
	for (int i = 0; a[i]; i++)
		if (one_step(a[i]) < 0)
			return fail(a[i]);
	return op_id(NULL);
}

const struct probe_op probe_ops_ids[] = {
    {"setids", 1, -1, op_setids},
    {NULL, 0, 0, NULL},
};
