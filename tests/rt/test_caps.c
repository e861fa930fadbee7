/* Capabilities and niceness against the real kernel (root). A root child
 * drops its capabilities with cordon_caps_drop; the sets are read from
 * /proc/self/status before and after an exec (the exec is where uid 0 would
 * get them back); controls: the same checks without the drop. */
#include "caps.h"
#include "rt_harness.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static char *scratch;
static bool quiet; /* controls: the mismatch is the expected result */

/* 0 when CapInh/CapPrm/CapEff/CapBnd/CapAmb of this process all equal
 * `want`; EPERM (and a message) otherwise. */
static int status_is(uint64_t want)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (f == NULL)
		return RT_SETUP_FAILED;
	const char *keys[] = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"};
	int seen = 0, bad = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			if (strncmp(line, keys[i], strlen(keys[i])) != 0)
				continue;
			seen++;
			uint64_t v = strtoull(line + strlen(keys[i]), NULL, 16);
			if (v != want) {
				bad++;
				if (!quiet)
					fprintf(stderr, "  [pid %d] %s %#llx, want %#llx\n",
						(int)getpid(), keys[i], (unsigned long long)v,
						(unsigned long long)want);
			}
		}
	}
	free(line);
	fclose(f);
	return seen != 5 ? RT_SETUP_FAILED : bad ? EPERM : 0;
}

/* Exec ourselves in "--expect" mode; the exit status is the verdict. */
static int exec_and_check(uint64_t want)
{
	char hex[32];
	snprintf(hex, sizeof(hex), "%llx", (unsigned long long)want);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"test_caps", "--expect", hex, NULL};
		if (quiet)
			setenv("CORDON_RT_QUIET", "1", 1);
		execv("/proc/self/exe", argv);
		_exit(100);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 100)
		return RT_SETUP_FAILED;
	return WEXITSTATUS(status) == 0 ? 0 : EPERM;
}

typedef struct ccase {
	bool drop;
	uint64_t keep;
	bool after_exec;
	uint64_t want;
} ccase;

static int caps_child(void *arg)
{
	const ccase *c = arg;
	if (c->drop) {
		_cleanup_error_ cordon_error *err = NULL;
		if (cordon_caps_drop(c->keep, &err) < 0) {
			fprintf(stderr, "caps_drop: %s\n", err->msg);
			return RT_SETUP_FAILED;
		}
	}
	return c->after_exec ? exec_and_check(c->want) : status_is(c->want);
}

static int root_file_child(void *arg)
{
	const ccase *c = arg;
	if (c->drop) {
		_cleanup_error_ cordon_error *err = NULL;
		if (cordon_caps_drop(0, &err) < 0) {
			fprintf(stderr, "caps_drop: %s\n", err->msg);
			return RT_SETUP_FAILED;
		}
	}
	_cleanup_free_ char *p = xasprintf("%s/not-roots", scratch);
	return rt_open(p, O_RDONLY);
}

static int securebits_child(void *arg)
{
	_cleanup_error_ cordon_error *err = NULL;
	if (cordon_caps_drop(0, &err) < 0)
		return RT_SETUP_FAILED;
	int b = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	int want = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
		   SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	if (b < 0)
		return errno;
	if ((b & want) != want || (b & SECBIT_NO_SETUID_FIXUP))
		return EPERM;
	/* Locked: even a try to clear them is refused (no CAP_SETPCAP left,
	 * and the lock bits). */
	return RT_ERRNO(prctl(PR_SET_SECUREBITS, 0, 0, 0, 0)) == EPERM ? 0 : EINVAL;
}

typedef struct ncase {
	bool drop;	/* cordon_caps_drop(0) */
	bool drop_nice; /* only CAP_SYS_NICE out of the effective set (control) */
	rlim_t rlimit;	/* RLIMIT_NICE to set first (0: leave) */
	int target;	/* nice value to set after the drop */
} ncase;

static int nice_child(void *arg)
{
	const ncase *c = arg;
	if (c->rlimit) {
		struct rlimit rl = {c->rlimit, c->rlimit};
		if (setrlimit(RLIMIT_NICE, &rl) < 0)
			/* raising the hard limit needs CAP_SYS_RESOURCE */
			return errno == EPERM ? RT_SKIP : RT_SETUP_FAILED;
	}
	/* Start from 5, whatever the test was started with. */
	if (setpriority(PRIO_PROCESS, 0, 5) < 0)
		return RT_SETUP_FAILED;
	if (c->drop) {
		_cleanup_error_ cordon_error *err = NULL;
		if (cordon_caps_drop(0, &err) < 0) {
			fprintf(stderr, "caps_drop: %s\n", err->msg);
			return RT_SETUP_FAILED;
		}
	}
	if (c->drop_nice) {
		struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct d[2];
		if (syscall(SYS_capget, &h, d) < 0)
			return RT_SETUP_FAILED;
		d[0].effective &= ~(1u << CAP_SYS_NICE);
		if (syscall(SYS_capset, &h, d) < 0)
			return RT_SETUP_FAILED;
	}
	return RT_ERRNO(setpriority(PRIO_PROCESS, 0, c->target));
}

static int expect_main(const char *hex)
{
	quiet = getenv("CORDON_RT_QUIET") != NULL;
	return status_is(strtoull(hex, NULL, 16)) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--expect") == 0)
		return expect_main(argv[2]);
	rt_require_root("caps");
	_cleanup_error_ cordon_error *err = NULL;
	/* CAP_AUDIT_READ (37) exists on every kernel cordon supports. */
	CHECK(cordon_caps_last_cap(&err) >= 37);
	scratch = rt_scratch();

	EXPECT_ERRNO("caps: all sets zero after drop",
		     rt_run(caps_child, &(ccase){true, 0, false, 0}), 0);
	EXPECT_ERRNO("caps: all sets zero after drop + exec",
		     rt_run(caps_child, &(ccase){true, 0, true, 0}), 0);
	/* Control: root without the drop has capabilities, before and after
	 * exec (CapAmb is 0 there, so "all equal 0" fails as it should). */
	quiet = true;
	EXPECT_ERRNO("caps: [control] root without drop is not all zero",
		     rt_run(caps_child, &(ccase){false, 0, false, 0}), EPERM);
	EXPECT_ERRNO("caps: [control] root without drop, after exec, not all zero",
		     rt_run(caps_child, &(ccase){false, 0, true, 0}), EPERM);
	quiet = false;

	/* A kept capability is in every set, and survives exec (ambient). */
	uint64_t nbs = CORDON_CAP(CAP_NET_BIND_SERVICE);
	EXPECT_ERRNO("caps: keep CAP_NET_BIND_SERVICE: exactly it, every set",
		     rt_run(caps_child, &(ccase){true, nbs, false, nbs}), 0);
	EXPECT_ERRNO("caps: keep CAP_NET_BIND_SERVICE: exactly it after exec",
		     rt_run(caps_child, &(ccase){true, nbs, true, nbs}), 0);

	/* The drop is real: CAP_DAC_OVERRIDE gone, root cannot read another
	 * user's 0600 file. */
	_cleanup_free_ char *f = xasprintf("%s/not-roots", scratch);
	rt_write_file(f, "secret\n", 0600);
	if (chown(f, 12345, 12345) < 0)
		perror("chown");
	EXPECT_ERRNO("caps: root reads another user's 0600 file after drop",
		     rt_run(root_file_child, &(ccase){.drop = true}), EACCES);
	EXPECT_ERRNO("caps: [control] same read without drop",
		     rt_run(root_file_child, &(ccase){.drop = false}), 0);
	EXPECT_ERRNO("caps: securebits NOROOT etc. set and locked", rt_run(securebits_child, NULL),
		     0);

	/* Niceness: nicer is fine, less nice is refused (EACCES from
	 * setpriority, as the kernel says for a missing CAP_SYS_NICE). */
	EXPECT_ERRNO("nice: lower 5 -> 4 after drop",
		     rt_run(nice_child, &(ncase){true, false, 0, 4}), EACCES);
	EXPECT_ERRNO("nice: raise 5 -> 6 after drop",
		     rt_run(nice_child, &(ncase){true, false, 0, 6}), 0);
	EXPECT_ERRNO("nice: [control] lower 5 -> 4 without drop",
		     rt_run(nice_child, &(ncase){false, false, 0, 4}), 0);
	/* RLIMIT_NICE 40 would allow going down to -20 without CAP_SYS_NICE:
	 * the drop also clamps it. */
	int r = rt_run(nice_child, &(ncase){false, true, 40, 4});
	if (r == RT_SKIP) {
		printf("skip RLIMIT_NICE cases: cannot raise it here (no CAP_SYS_RESOURCE)\n");
	} else {
		EXPECT_ERRNO("nice: [control] RLIMIT_NICE 40, only CAP_SYS_NICE dropped, 5 -> 4", r,
			     0);
		EXPECT_ERRNO("nice: lower 5 -> 4 after drop, RLIMIT_NICE 40",
			     rt_run(nice_child, &(ncase){true, false, 40, 4}), EACCES);
	}

	rt_scratch_remove(scratch);
	free(scratch);
	return check_done("caps");
}
