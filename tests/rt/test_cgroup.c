/* The label's cgroup and device control against the real kernel (root), once
 * with the cgroup v1 devices controller and once with the cgroup v2 BPF
 * program (each where the host has it). Every denial (EPERM) has its control:
 * the same open from a process outside the cgroup, or with the device added
 * to the rules, succeeds. Each mode uses its own parent cgroup, removed at
 * the end; the test fails if anything is left behind. */
#include "cgroup.h"
#include "devices_bpf.h"
#include "policy.h"
#include "rt_harness.h"

#include <sys/sysmacros.h>

#define LABEL "snap.rt-test_key.app" /* an instance key: "_" */

static char *scratch;
static cordon_cgroup_cfg cfg;
static cordon_cgroup_mounts mounts;

static void default_devices(cordon_policy *p)
{
	/* What the policy compiler puts in every label's list. */
	const int32_t mm[][2] = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 2}};
	for (size_t i = 0; i < ARRAY_SIZE(mm); i++)
		cordon_policy_add_dev(p, 'c', mm[i][0], mm[i][1], NULL);
	for (int32_t maj = 136; maj <= 143; maj++)
		cordon_policy_add_dev(p, 'c', maj, -1, NULL);
}

typedef struct dcase {
	const char *label;
	bool enter; /* false: the control, outside the label's cgroup */
	void (*extra)(cordon_policy *p);
	const char *path; /* device to open */
	int flags;
} dcase;

static int enter(void (*extra)(cordon_policy *), pid_t pid)
{
	_cleanup_policy_ cordon_policy p = {0};
	p.label = xstrdup(LABEL);
	default_devices(&p);
	if (extra)
		extra(&p);
	_cleanup_error_ cordon_error *err = NULL;
	if (cordon_cgroup_enter(&cfg, &p, pid, &err) < 0) {
		fprintf(stderr, "enter: %s\n", err->msg);
		return RT_SETUP_FAILED;
	}
	return 0;
}

static int open_child(void *arg)
{
	const dcase *c = arg;
	if (c->enter && enter(c->extra, getpid()) < 0)
		return RT_SETUP_FAILED;
	return rt_open(c->path, c->flags);
}

static void expect(dcase c, int want)
{
	EXPECT_ERRNO(c.label, rt_run(open_child, &c), want);
}

static void add_kmsg(cordon_policy *p)
{
	cordon_policy_add_dev(p, 'c', 1, 11, NULL);
}

static char *glob_path;
static void add_kmsg_by_path(cordon_policy *p)
{
	cordon_policy_add_dev(p, 'c', 0, 0, glob_path);
}
static void add_kmsg_by_path_as_block(cordon_policy *p)
{
	cordon_policy_add_dev(p, 'b', 0, 0, glob_path);
}

/* 0 when /proc/self/cgroup shows the label in the hierarchies it should. */
static int label_child(void *arg)
{
	(void)arg;
	if (enter(NULL, getpid()) < 0)
		return RT_SETUP_FAILED;
	_cleanup_free_ char *want_v2 = xasprintf("0::/%s/%s\n", cfg.parent, LABEL);
	_cleanup_free_ char *want_v1 = xasprintf(":devices:/%s/%s\n", cfg.parent, LABEL);
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return RT_SETUP_FAILED;
	bool v2 = false, v1 = false;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		v2 |= strcmp(line, want_v2) == 0;
		v1 |= strstr(line, want_v1) != NULL;
	}
	free(line);
	fclose(f);
	/* the label's cgroup of the mechanism in use names it; in v1 mode the
	 * process does not move in the v2 hierarchy (each move costs an RCU
	 * grace period: cgroup.c) */
	if (cfg.mode == CORDON_CGROUP_V2 && !v2)
		return ENOENT;
	if (cfg.mode == CORDON_CGROUP_V1 && (!v1 || v2))
		return ENOENT;
	return 0;
}

/* Enter another process by pid: the child waits until the parent moved it. */
static void enter_by_pid(void)
{
	int go[2], res[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		alarm(RT_CHILD_TIMEOUT);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		int r = rt_open("/dev/kmsg", O_RDONLY);
		if (write(res[1], &r, sizeof(r)) < 0)
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(res[1]);
	int ret = enter(NULL, pid);
	if (write(go[1], "x", 1) != 1)
		exit(1);
	int r = RT_NO_REPORT;
	if (read(res[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r = RT_NO_REPORT;
	waitpid(pid, NULL, 0);
	close(go[1]);
	close(res[0]);
	EXPECT_ERRNO("enter(pid of another process): /dev/kmsg", ret < 0 ? ret : r, EPERM);
}

static int open_label_dir(const char *mount)
{
	_cleanup_free_ char *p = xasprintf("%s/%s/%s", mount, cfg.parent, LABEL);
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int count_v1_rules(void)
{
	_cleanup_free_ char *p =
	    xasprintf("%s/%s/%s/devices.list", mounts.v1_devices, cfg.parent, LABEL);
	FILE *f = fopen(p, "re");
	if (f == NULL)
		return -1;
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static bool exists(const char *mount, const char *name)
{
	if (mount == NULL)
		return false;
	_cleanup_free_ char *p = name ? xasprintf("%s/%s/%s", mount, cfg.parent, name)
				      : xasprintf("%s/%s", mount, cfg.parent);
	struct stat st;
	return stat(p, &st) == 0;
}

static void remove_label_in_use(void)
{
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		alarm(RT_CHILD_TIMEOUT);
		close(go[1]);
		_exit(read(go[0], &c, 1) < 0);
	}
	close(go[0]);
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(enter(NULL, pid), 0);
	int r = cordon_cgroup_remove_label(&cfg, LABEL, &err);
	EXPECT_ERRNO("remove_label while in use: EBUSY tolerated", r, 0);
	const char *m = cfg.mode == CORDON_CGROUP_V1 ? mounts.v1_devices : mounts.v2;
	CHECK(exists(m, LABEL));
	close(go[1]);
	waitpid(pid, NULL, 0);
	r = cordon_cgroup_remove_label(&cfg, LABEL, &err);
	EXPECT_ERRNO("remove_label once unused", r, 0);
	CHECK(!exists(mounts.v1_devices, LABEL));
	CHECK(!exists(mounts.v2, LABEL));
}

/* Parents to remove even when a check aborts the test midway. */
static char *parents[3];
static size_t n_parents;

static void cleanup_parents(void)
{
	for (size_t i = 0; i < n_parents; i++) {
		cordon_cgroup_cfg c = {.parent = parents[i]};
		_cleanup_error_ cordon_error *err = NULL;
		if (cordon_cgroup_remove_parent(&c, &err) < 0)
			fprintf(stderr, "cleanup: %s\n", err->msg);
		free(parents[i]);
	}
	n_parents = 0;
	rt_scratch_remove(scratch);
	free(scratch);
	scratch = NULL;
}

static const char *new_parent(const char *name)
{
	char *p = xasprintf("cordon-test-%d-%s", (int)getpid(), name);
	parents[n_parents++] = p;
	return p;
}

static void run_mode(enum cordon_cgroup_mode mode, const char *name)
{
	cfg.mode = mode;
	const char *parent = new_parent(name);
	cfg.parent = parent;
	printf("-- %s (parent %s)\n", name, parent);
	char label[160];
#define L(s) (snprintf(label, sizeof(label), "%s: %s", name, s), label)

	expect((dcase){L("/dev/null rw"), true, NULL, "/dev/null", O_RDWR}, 0);
	expect((dcase){L("/dev/zero r"), true, NULL, "/dev/zero", O_RDONLY}, 0);
	expect((dcase){L("/dev/full w"), true, NULL, "/dev/full", O_WRONLY}, 0);
	expect((dcase){L("/dev/urandom r"), true, NULL, "/dev/urandom", O_RDONLY}, 0);
	expect((dcase){L("/dev/kmsg r (not in the rules)"), true, NULL, "/dev/kmsg", O_RDONLY},
	       EPERM);
	expect((dcase){L("/dev/kmsg r [control, outside]"), false, NULL, "/dev/kmsg", O_RDONLY}, 0);
	if (access("/dev/loop0", F_OK) == 0) {
		expect((dcase){L("/dev/loop0 r (block, not in the rules)"), true, NULL,
			       "/dev/loop0", O_RDONLY},
		       EPERM);
		expect((dcase){L("/dev/loop0 r [control, outside]"), false, NULL, "/dev/loop0",
			       O_RDONLY},
		       0);
	}
	EXPECT_ERRNO(L("label in /proc/self/cgroup"), rt_run(label_child, NULL), 0);
	enter_by_pid();

	/* Re-entering with another rule list replaces the previous one. */
	expect((dcase){L("/dev/kmsg r, c 1:11 added"), true, add_kmsg, "/dev/kmsg", O_RDONLY}, 0);
	expect((dcase){L("/dev/kmsg r, c 1:11 removed again"), true, NULL, "/dev/kmsg", O_RDONLY},
	       EPERM);
	expect((dcase){L("/dev/kmsg r, allowed by a path glob"), true, add_kmsg_by_path,
		       "/dev/kmsg", O_RDONLY},
	       0);
	expect((dcase){L("/dev/kmsg r, path glob rule of type b"), true, add_kmsg_by_path_as_block,
		       "/dev/kmsg", O_RDONLY},
	       EPERM);
	if (mode == CORDON_CGROUP_V2) {
		_cleanup_close_ int fd = open_label_dir(mounts.v2);
		_cleanup_error_ cordon_error *err = NULL;
		EXPECT_INT(L("programs attached after 6 launches"),
			   cordon_devices_bpf_count(fd, &err), 1);
	} else {
		/* 7 defaults + 8 pty majors, nothing accumulated */
		EXPECT_INT(L("devices.list lines after 6 launches"), count_v1_rules(), 15);
	}
	remove_label_in_use();

	_cleanup_error_ cordon_error *err = NULL;
	EXPECT_ERRNO(L("remove_parent"), cordon_cgroup_remove_parent(&cfg, &err), 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	CHECK(!exists(mounts.v1_devices, NULL));
	CHECK(!exists(mounts.v2, NULL));
#undef L
}

/* A label first launched in v2 mode, then in v1 mode: the v1 launch runs
 * outside the label's v2 cgroup, so the program left there cannot filter it:
 * the v1 rules alone apply. */
static void mode_switch(void)
{
	cfg.parent = new_parent("switch");
	cfg.mode = CORDON_CGROUP_V2;
	expect((dcase){"switch: v2 launch, /dev/kmsg", true, NULL, "/dev/kmsg", O_RDONLY}, EPERM);
	cfg.mode = CORDON_CGROUP_V1;
	expect((dcase){"switch: v1 launch with c 1:11, /dev/kmsg", true, add_kmsg, "/dev/kmsg",
		       O_RDONLY},
	       0);
	_cleanup_error_ cordon_error *err = NULL;
	EXPECT_ERRNO("switch: remove_parent", cordon_cgroup_remove_parent(&cfg, &err), 0);
	CHECK(!exists(mounts.v1_devices, NULL));
	CHECK(!exists(mounts.v2, NULL));
}

int main(void)
{
	rt_require_root("cgroup");
	_cleanup_error_ cordon_error *err = NULL;
	if (cordon_cgroup_find_mounts(&mounts, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return 1;
	}
	printf("v1 devices: %s, cgroup2: %s\n", mounts.v1_devices ? mounts.v1_devices : "-",
	       mounts.v2 ? mounts.v2 : "-");
	if (access("/dev/kmsg", R_OK) < 0) {
		printf("cgroup: skipped (no /dev/kmsg to be denied)\n");
		return 77;
	}
	scratch = rt_scratch();
	/* Only the process that registered it cleans up: forked children
	 * leave with _exit and never run this. */
	atexit(cleanup_parents);
	_cleanup_free_ char *devs = xasprintf("%s/devs", scratch);
	rt_mkdir(devs);
	/* Our own node for the kmsg device (1:11): a path rule resolves it. */
	_cleanup_free_ char *node = xasprintf("%s/kmsg-0", devs);
	if (mknod(node, S_IFCHR | 0600, makedev(1, 11)) < 0) {
		perror("mknod");
		return 1;
	}
	glob_path = xasprintf("%s/kmsg-*", devs);

	int modes = 0;
	if (mounts.v1_devices) {
		run_mode(CORDON_CGROUP_V1, "v1");
		modes++;
	} else {
		printf("skip v1: no cgroup v1 devices controller mounted\n");
	}
	if (mounts.v2) {
		run_mode(CORDON_CGROUP_V2, "v2");
		modes++;
	} else {
		printf("skip v2: no cgroup2 mounted\n");
	}
	if (mounts.v1_devices && mounts.v2)
		mode_switch();
	free(glob_path);
	cordon_cgroup_mounts_free(&mounts);
	if (modes == 0)
		return 77;
	return check_done("cgroup");
}
