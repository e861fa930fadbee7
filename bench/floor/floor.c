/* bench/floor/floor.c: the least a strict warm launch can cost on this
 * kernel, for bench/floor.sh. It makes the same kernel calls that give a
 * command its sandbox, with the launcher's own functions where there is one
 * (devpts, capabilities, seccomp, Landlock), and nothing else: no check of
 * who owns what, no stamp, no lock, no view resolved as the caller, no log.
 * A launcher cannot be faster than this without leaving a step out; each
 * step can be left out here (--skip) to learn what it costs.
 *
 *   floor [--skip=LETTERS] [--cold|--exec-only] POLICY IPC_NS SNAP_NS VIEW_NS CGROUP_PROCS APP
 *
 * POLICY: the label's compiled policy file; IPC_NS, SNAP_NS, VIEW_NS: the
 * preserved namespaces (run/cordon/ns/SNAP.ipc, SNAP.mnt,
 * LABEL.UID.view); CGROUP_PROCS: the label cgroup's procs (or v1 tasks) file;
 * APP: the program to exec, by its path in the view. LETTERS, each a step
 * left out: g the cgroup, n joining the namespaces, u the command's own
 * namespace and devpts, c the capability drop, s seccomp, l Landlock (and the
 * opens of its rules' paths). --cold: instead of joining the preserved
 * namespaces, make a namespace and mount one bind per granted path in it,
 * and a tmpfs on /tmp: far less than a first launch builds (no view, no
 * placeholders, nothing preserved), so a lower bound of a cold launch.
 * --exec-only: exec APP at once, nothing read, nothing done: the price of a
 * second exec alone, which any launcher that is a program of its own pays.
 *
 * Run as root (as the benchmark runs the launcher); never installed. The
 * namespaces it makes die with it. */
#include "caps.h"
#include "error.h"
#include "landlock.h"
#include "landlock_defs.h"
#include "mountns.h"
#include "policy.h"
#include "seccomp_load.h"
#include "targets.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, cordon_error *err)
{
	fprintf(stderr, "floor: %s: %s\n", what, err ? err->msg : strerror(errno));
	return 1;
}

static int read_policy(const char *path, cordon_policy *p, cordon_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return cordon_err(err, errno, "open %s", path);
	_cleanup_free_ char *data = xmalloc((size_t)st.st_size);
	if (read(fd, data, (size_t)st.st_size) != st.st_size)
		return cordon_err(err, EIO, "read %s", path);
	return cordon_policy_decode(data, (size_t)st.st_size, p, err);
}

static int join(const char *path, int type)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -1 : setns(fd, type);
}

static bool is_proc_self(const char *path)
{
	return strcmp(path, "/proc/self") == 0 || str_has_prefix(path, "/proc/self/") ||
	       strcmp(path, "/proc/thread-self") == 0 || str_has_prefix(path, "/proc/thread-self/");
}

static void open_target(cordon_targets *t, const char *path, uint64_t access)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;
	cordon_target *tg = &t->v[t->n];
	if (fstat(fd, &tg->st) < 0) {
		close(fd);
		return;
	}
	tg->path = xstrdup(path);
	tg->real = xstrdup(path);
	tg->access = access;
	tg->fd = fd;
	t->n++;
}

/* The rules' objects, opened as the launcher opens them (O_PATH), for
 * Landlock, and the same set: read rights on /proc/self make one read rule
 * on /proc, which covers the read-only rules on single /proc files
 * (targets.c, resolve_all). Rules with a variable or a glob, resolved at
 * launch by the launcher, and paths not there, are left out (the launcher
 * skips the missing ones too): the floor never has more rules than the
 * launcher. */
static void open_targets(const cordon_policy *p, cordon_targets *t)
{
	t->v = xcalloc(p->n_fs + 1, sizeof(*t->v));
	bool proc_read = false;
	for (size_t i = 0; i < p->n_fs; i++)
		proc_read |= !(p->fs[i].flags & CORDON_FS_GLOB) && is_proc_self(p->fs[i].path) &&
			     (p->fs[i].access & CORDON_LL_R) == CORDON_LL_R;
	if (proc_read)
		open_target(t, "/proc", CORDON_LL_R);
	for (size_t i = 0; i < p->n_fs; i++) {
		const cordon_fs_rule *r = &p->fs[i];
		if (r->path[0] != '/' || (r->flags & CORDON_FS_GLOB))
			continue;
		if (proc_read && str_has_prefix(r->path, "/proc/") && !is_proc_self(r->path) &&
		    (r->access & ~CORDON_LL_R) == 0)
			continue;
		open_target(t, r->path, r->access);
	}
}

/* --cold: a namespace of the snap's own, made the cheapest way that still
 * shows each granted object (one bind each) and a private /tmp */
static int cold_namespace(const cordon_targets *t)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].path, "/proc") != 0 && strncmp(t->v[i].path, "/proc/", 6) != 0 &&
		    strncmp(t->v[i].path, "/dev/pts", 8) != 0 &&
		    mount(t->v[i].path, t->v[i].path, NULL, MS_BIND, NULL) < 0)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *skip = "";
	bool cold = false, exec_only = false;
	int i = 1;
	for (; i < argc && str_has_prefix(argv[i], "--"); i++) {
		if (str_has_prefix(argv[i], "--skip="))
			skip = argv[i] + strlen("--skip=");
		else if (strcmp(argv[i], "--cold") == 0)
			cold = true;
		else if (strcmp(argv[i], "--exec-only") == 0)
			exec_only = true;
		else
			break;
	}
	if (argc - i != 6) {
		fprintf(stderr,
			"usage: floor [--skip=gnucsl] [--cold|--exec-only] POLICY IPC_NS SNAP_NS "
			"VIEW_NS CGROUP_PROCS APP\n");
		return 2;
	}
	const char *policy = argv[i], *ipc = argv[i + 1], *snap_ns = argv[i + 2],
		   *view = argv[i + 3], *procs = argv[i + 4], *app = argv[i + 5];
	char *const args[] = {(char *)app, NULL};
	char *const env[] = {NULL};
	if (exec_only) {
		execve(app, args, env);
		return fail(app, NULL);
	}
#define STEP(letter) (strchr(skip, (letter)) == NULL)
	cordon_error *err = NULL;
	cordon_policy p = {0};
	if (read_policy(policy, &p, &err) < 0)
		return fail("policy", err);
	if (STEP('g')) {
		_cleanup_close_ int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0\n", 2) != 2)
			return fail(procs, NULL);
	}
	cordon_targets t = {0};
	if (cold) {
		open_targets(&p, &t);
		if (cold_namespace(&t) < 0)
			return fail("cold namespace", NULL);
	} else if (STEP('n')) {
		/* the view is reached by its file in the host's namespace:
		 * opened before the snap's is joined */
		_cleanup_close_ int vfd = open(view, O_RDONLY | O_CLOEXEC);
		if (vfd < 0 || join(ipc, CLONE_NEWIPC) < 0 || join(snap_ns, CLONE_NEWNS) < 0 ||
		    setns(vfd, CLONE_NEWNS) < 0)
			return fail("join the namespaces", NULL);
	}
	if (STEP('u') && cordon_devpts_new_instance(&err) < 0)
		return fail("devpts", err);
	if (STEP('l') && !cold)
		open_targets(&p, &t);
	if (STEP('c') && cordon_caps_drop(p.caps_keep, &err) < 0)
		return fail("capabilities", err);
	if (STEP('s') && cordon_seccomp_load(p.seccomp, p.seccomp_len, &err) < 0)
		return fail("seccomp", err);
	if (STEP('l') && cordon_landlock_apply(&p, &t, &err) < 0)
		return fail("landlock", err);
	if (getenv("FLOOR_VERBOSE"))
		fprintf(stderr,
			"floor: %zu Landlock rules (of the policy's %zu file rules), %zu seccomp "
			"instructions\n",
			t.n, p.n_fs, p.seccomp_len / 8);
	execve(app, args, env);
	return fail(app, NULL);
}
