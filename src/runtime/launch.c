#include "launch.h"
#include "caps.h"
#include "cgroup.h"
#include "launchlog.h"
#include "cookie.h"
#include "fsutil.h"
#include "hostinfo.h"
#include "landlock.h"
#include "landlock_defs.h"
#include "mountns.h"
#include "paths.h"
#include "targets.h"
#include "view.h"
#include "seccomp_load.h"
#include "snapmount.h"
#include "snapctl_spawn.h"
#include "trace_handoff.h"
#include "learn_filter.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SNAP_PATH                                                                                  \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games"

/* A label is a file name; never a path. */
static int label_check(const char *label, cordon_error **err)
{
	if (label[0] == '\0' || label[0] == '.' || strchr(label, '/') != NULL)
		return cordon_err_msg(err, EINVAL, "invalid label \"%s\"", label);
	return 0;
}

/* opened: the policy directory, opened root-owned (closed here), or the
 * error of opening it. */
static int policy_load_at(int opened, const char *policy_dir, const char *label, cordon_policy *p,
			  cordon_error **err)
{
	_cleanup_close_ int dirfd = opened;
	if (dirfd < 0)
		return cordon_err_prefix(err, "cannot trust compiled policy");
	_cleanup_close_ int fd = openat(dirfd, label, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return cordon_err_msg(err, ENOENT, "unknown app: no compiled policy for %s",
					      label);
		return cordon_err(err, errno, "open compiled policy %s/%s", policy_dir, label);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat compiled policy %s", label);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return cordon_err_msg(err, EPERM,
				      "compiled policy %s/%s is not a root-owned file writable "
				      "only by root; refusing to use it",
				      policy_dir, label);
	if ((uint64_t)st.st_size > CORDON_POLICY_MAX_SIZE)
		return cordon_err_msg(err, EFBIG, "compiled policy %s is too large", label);
	_cleanup_free_ char *data = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cordon_err(err, errno, "read compiled policy %s", label);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	int r = cordon_policy_decode(data, got, p, err);
	if (r < 0)
		return cordon_err_prefix(err, "compiled policy %s/%s", policy_dir, label);
	if (strcmp(p->label, label) != 0) {
		cordon_policy_free(p);
		return cordon_err_msg(err, EINVAL, "compiled policy %s is for another label",
				      label);
	}
	p->file_dev = st.st_dev;
	p->file_ino = st.st_ino;
	return 0;
}

int cordon_policy_load(const char *policy_dir, const char *label, cordon_policy *p,
		       cordon_error **err)
{
	int r = label_check(label, err);
	if (r < 0)
		return r;
	return policy_load_at(fs_open_dir_root_owned(policy_dir, err), policy_dir, label, p, err);
}

/* What the caller's environment may bring into the sandbox: terminal and
 * locale settings, the display, the session bus address. Nothing that
 * changes how a program is loaded or run (LD_*, GCONV_PATH, LOCPATH,
 * MALLOC_*, PYTHON*, …): the rest is dropped. A service manager's variables
 * (LISTEN_*, NOTIFY_SOCKET, WATCHDOG_*) are not passed through as they
 * come: each is checked against what the launcher itself knows (its pid,
 * its fds, the notify socket's owner) and set by cordon_launch_env. */
bool cordon_env_passthrough(const char *name)
{
	static const char *const keep[] = {
	    "TERM",
	    "COLORTERM",
	    "LANG",
	    "LANGUAGE",
	    "TZ",
	    "DISPLAY",
	    "WAYLAND_DISPLAY",
	    "XDG_SESSION_TYPE",
	    "XDG_CURRENT_DESKTOP",
	    "XDG_SESSION_DESKTOP",
	    "DESKTOP_SESSION",
	    "DBUS_SESSION_BUS_ADDRESS",
	    "USER",
	    "LOGNAME",
	    "SHELL",
	    "NO_COLOR",
	    /* a classic snap's is the caller's (snapenv); strict and devmode
	     * get their own below, whatever the caller had */
	    "XDG_RUNTIME_DIR",
	    "COLUMNS",
	    "LINES",
	};
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		if (strcmp(name, keep[i]) == 0)
			return true;
	/* LC_ALL, LC_CTYPE, … but not LOCPATH (not an LC_ name) */
	return str_has_prefix(name, "LC_") && strcmp(name, "LC_") != 0;
}

void cordon_launch_env(const cordon_policy *p, const cordon_launch_args *a,
		       const char *notify_socket, const char *cookie, cordon_env *env)
{
	for (char **e = a->caller_env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq == NULL)
			continue;
		_cleanup_free_ char *name = xstrndup(*e, (size_t)(eq - *e));
		if (cordon_env_passthrough(name))
			cordon_env_set(env, name, eq + 1);
	}
	/* Socket activation: the fds are the unit's sockets, and the app
	 * execs in the launcher's pid, so LISTEN_PID stays true. Without
	 * them (another pid, a count out of range) none of the three. */
	if (a->listen_fds > 0) {
		_cleanup_free_ char *n = xasprintf("%d", a->listen_fds);
		_cleanup_free_ char *pid = xasprintf("%d", (int)a->pid);
		cordon_env_set(env, "LISTEN_FDS", n);
		cordon_env_set(env, "LISTEN_PID", pid);
		if (a->listen_fdnames)
			cordon_env_set(env, "LISTEN_FDNAMES", a->listen_fdnames);
	}
	/* a hook's snapctl channel (snapctl finds it through this) */
	if (a->snapctl_channel)
		cordon_env_set(env, "CORDON_SNAPCTL_FD", "3");
	/* sd_notify: only where the socket was granted; the watchdog is
	 * fed through that socket, so its variables go with it */
	if (notify_socket) {
		cordon_env_set(env, "NOTIFY_SOCKET", notify_socket);
		if (a->watchdog_usec)
			cordon_env_set(env, "WATCHDOG_USEC", a->watchdog_usec);
		if (a->watchdog_pid)
			cordon_env_set(env, "WATCHDOG_PID", a->watchdog_pid);
	}
	cordon_env_set(env, "PATH", SNAP_PATH);
	cordon_env_set(env, "TMPDIR", "/tmp");
	for (size_t i = 0; i < p->n_env_static; i++)
		cordon_env_set(env, p->env_static[i].name, p->env_static[i].value);
	_cleanup_free_ char *user_data =
	    xasprintf("%s/snap/%s/%s", a->home, p->instance_name, p->revision);
	_cleanup_free_ char *user_common =
	    xasprintf("%s/snap/%s/common", a->home, p->instance_name);
	_cleanup_free_ char *uid = xasprintf("%u", (unsigned)a->uid);
	_cleanup_free_ char *xdg =
	    xasprintf("/run/user/%u/snap.%s", (unsigned)a->uid, p->instance_name);
	if (p->confinement != CORDON_CLASSIC) {
		cordon_env_set(env, "HOME", user_data);
		cordon_env_set(env, "XDG_RUNTIME_DIR", xdg);
	} else {
		/* classic: HOME and XDG_RUNTIME_DIR stay the user's, as
		 * snapd's snapenv leaves them (userEnv: only strict and
		 * devmode get the overrides; the caller's XDG_RUNTIME_DIR
		 * came through above) */
		cordon_env_set(env, "HOME", a->home);
	}
	cordon_env_set(env, "SNAP_USER_DATA", user_data);
	cordon_env_set(env, "SNAP_USER_COMMON", user_common);
	cordon_env_set(env, "SNAP_REAL_HOME", a->home);
	cordon_env_set(env, "SNAP_UID", uid);
	cordon_env_set(env, "SNAP_EUID", uid);
	/* snapctl's credential, under both of snapd's names (cookie.h); a snap
	 * installed before cookies existed has none until its next change */
	if (cookie && cookie[0]) {
		cordon_env_set(env, "SNAP_COOKIE", cookie);
		cordon_env_set(env, "SNAP_CONTEXT", cookie);
	}
	/* A root caller's own root prefix (tests): snapctl finds that root's
	 * broker through it. Never set for anyone else, nor in production. */
	if (a->root && a->root[0] && strcmp(a->root, CORDON_SYSTEM_ROOT) != 0)
		cordon_env_set(env, "CORDON_ROOT", a->root);
	/* snap.yaml `environment:`: top level, then the app's, each value
	 * expanded against what is set so far (snapd's order). */
	for (size_t i = 0; i < p->n_env_user; i++) {
		_cleanup_free_ char *v = cordon_env_expand(env, p->env_user[i].value);
		cordon_env_set(env, p->env_user[i].name, v);
	}
}

void cordon_launch_rule_vars(const cordon_policy *p, const cordon_launch_args *a, cordon_env *vars)
{
	/* The launch-time variables of file rules come from what the launcher
	 * computed, never from the app's environment: snap.yaml's
	 * `environment:` is the snap's to write, and would otherwise move
	 * what a rule covers (SNAP_USER_DATA: /anywhere). $HOME in a rule is
	 * the user's real home (the app's HOME is its SNAP_USER_DATA). */
	_cleanup_free_ char *user_data =
	    xasprintf("%s/snap/%s/%s", a->home, p->instance_name, p->revision);
	_cleanup_free_ char *user_common =
	    xasprintf("%s/snap/%s/common", a->home, p->instance_name);
	_cleanup_free_ char *xdg =
	    xasprintf("/run/user/%u/snap.%s", (unsigned)a->uid, p->instance_name);
	cordon_env_set(vars, "HOME", a->home);
	cordon_env_set(vars, "SNAP_REAL_HOME", a->home);
	cordon_env_set(vars, "SNAP_USER_DATA", user_data);
	cordon_env_set(vars, "SNAP_USER_COMMON", user_common);
	cordon_env_set(vars, "XDG_RUNTIME_DIR", xdg);
	_cleanup_free_ char *run = xasprintf("/run/user/%u", (unsigned)a->uid);
	cordon_env_set(vars, "USER_RUNTIME_DIR", run);
}

static char *in_snap(const cordon_policy *p, const char *rel)
{
	if (rel[0] == '/')
		return xstrdup(rel);
	/* $SNAP as the command sees it: a parallel instance's revision is
	 * at /snap/<snap name>/<rev> in its namespace (mountns.c), and its
	 * view shows it there alone */
	const char *snap = p->mount_dir;
	for (size_t i = 0; i < p->n_env_static; i++)
		if (strcmp(p->env_static[i].name, "SNAP") == 0)
			snap = p->env_static[i].value;
	return xasprintf("%s/%s", snap, rel);
}

void cordon_launch_argv(const cordon_policy *p, const strv *command, const cordon_env *env,
			int argc, char **argv, strv *out)
{
	/* the command-chain runs before any of the app's commands, the
	 * service ones included (snap-exec) */
	for (size_t i = 0; i < p->chain.n; i++)
		strv_push_own(out, in_snap(p, p->chain.v[i]));
	for (size_t i = 0; i < command->n; i++) {
		_cleanup_free_ char *w = cordon_env_expand(env, command->v[i]);
		strv_push_own(out, i == 0 ? in_snap(p, w) : xstrdup(w));
	}
	for (int i = 0; i < argc; i++)
		strv_push(out, argv[i]);
}

/* ~/snap/<instance>/{<rev>,common,current}, made as the user (the home is
 * theirs: acting as root there would follow whatever links they planted). */
static int make_user_dirs(const cordon_launch_args *a, const cordon_policy *p, cordon_error **err)
{
	int old_uid = setfsuid(a->uid);
	int old_gid = setfsgid(a->gid);
	int r = 0;
	_cleanup_close_ int home = open(a->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (home < 0) {
		r = cordon_err(err, errno, "cannot open home directory %s", a->home);
		goto out;
	}
	struct {
		const char *name;
		mode_t mode;
	} steps[] = {{"snap", 0700}, {p->instance_name, 0755}};
	int dir = fcntl(home, F_DUPFD_CLOEXEC, 0);
	if (dir < 0)
		r = cordon_err(err, errno, "open %s", a->home);
	for (size_t i = 0; i < ARRAY_SIZE(steps) && dir >= 0; i++) {
		if (mkdirat(dir, steps[i].name, steps[i].mode) < 0 && errno != EEXIST) {
			r = cordon_err(err, errno, "create %s/snap/%s", a->home, p->instance_name);
			break;
		}
		int next =
		    openat(dir, steps[i].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			r = cordon_err(err, errno, "open %s/snap/%s", a->home, p->instance_name);
		close(dir);
		dir = next;
	}
	if (r == 0 && dir >= 0) {
		const char *leaves[] = {p->revision, "common"};
		for (size_t i = 0; i < ARRAY_SIZE(leaves) && r == 0; i++)
			if (mkdirat(dir, leaves[i], 0755) < 0 && errno != EEXIST)
				r = cordon_err(err, errno, "create %s/snap/%s/%s", a->home,
					       p->instance_name, leaves[i]);
		/* One byte more than the revision: a longer link reads as
		 * different instead of as a truncated match. */
		size_t want = strlen(p->revision);
		_cleanup_free_ char *cur = xmalloc(want + 1);
		ssize_t n = readlinkat(dir, "current", cur, want + 1);
		if (r == 0 && (n < 0 || (size_t)n != want || memcmp(cur, p->revision, want) != 0))
			r = fs_symlink_atomic_at(p->revision, dir, "current", err);
	}
	if (dir >= 0)
		close(dir);
out:
	setfsuid((uid_t)old_uid);
	setfsgid((gid_t)old_gid);
	return r;
}

/* $XDG_RUNTIME_DIR is made only where the user's runtime directory exists
 * (a login session made it); cordon never creates /run/user/<uid>. */
static void make_xdg_runtime_dir(const cordon_launch_args *a, const cordon_policy *p)
{
	if (p->confinement == CORDON_CLASSIC)
		return; /* its XDG_RUNTIME_DIR is the user's own */
	_cleanup_free_ char *parent = xasprintf("/run/user/%u", (unsigned)a->uid);
	_cleanup_close_ int fd = open(parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != a->uid)
		return;
	_cleanup_free_ char *leaf = xasprintf("snap.%s", p->instance_name);
	int old_uid = setfsuid(a->uid);
	int old_gid = setfsgid(a->gid);
	(void)mkdirat(fd, leaf, 0700);
	setfsuid((uid_t)old_uid);
	setfsgid((gid_t)old_gid);
}

/* Raise the effective set to the permitted one (after a uid switch with
 * PR_SET_KEEPCAPS the kernel empties the effective set). */
static int raise_effective(cordon_error **err)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return cordon_err(err, errno, "capget");
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return cordon_err(err, errno, "capset");
	return 0;
}

static int drop_to_caller(const cordon_launch_args *a, const cordon_policy *p, cordon_error **err)
{
	uint64_t keep = p->caps_keep;
	if (a->uid == 0 && a->gid == 0 && p->confinement != CORDON_STRICT)
		/* A root caller keeps what it had: classic is no sandbox at
		 * all, and devmode denies nothing (a capability check cannot
		 * be logged and allowed, only refused or left alone). This
		 * process holds no more than any program the caller execs:
		 * for uid 0, the caller's bounding set. */
		return 0;
	if ((a->uid != 0 || a->gid != 0) && p->confinement == CORDON_CLASSIC) {
		/* classic: become the caller and nothing else. Leaving uid 0
		 * clears the permitted and effective sets; the bounding set
		 * stays the caller's, so a program such as sudo works as it
		 * does outside (classic is no sandbox). */
		if (setresgid(a->gid, a->gid, a->gid) < 0)
			return cordon_err(err, errno, "setresgid %u", (unsigned)a->gid);
		if (setresuid(a->uid, a->uid, a->uid) < 0)
			return cordon_err(err, errno, "setresuid %u", (unsigned)a->uid);
		return 0;
	}
	if (a->uid != 0 || a->gid != 0) {
		/* Become the caller (real, effective and saved ids; the
		 * supplementary groups are the caller's already: a setuid
		 * exec does not change them) but keep the capabilities a
		 * moment longer, so that the bounding set can still be
		 * emptied below: no capability at all is left, bounding set
		 * included. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			return cordon_err(err, errno, "prctl(PR_SET_KEEPCAPS)");
		if (setresgid(a->gid, a->gid, a->gid) < 0)
			return cordon_err(err, errno, "setresgid %u", (unsigned)a->gid);
		if (setresuid(a->uid, a->uid, a->uid) < 0)
			return cordon_err(err, errno, "setresuid %u", (unsigned)a->uid);
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return cordon_err(err, errno, "prctl(PR_SET_KEEPCAPS)");
		int r = raise_effective(err);
		if (r < 0)
			return r;
		keep = 0;
	}
	return cordon_caps_drop(keep, err);
}

static int enter_apparmor(const cordon_policy *p, cordon_error **err)
{
	if (p->apparmor_profile == NULL || p->apparmor_profile[0] == '\0')
		return 0;
	if (!cordon_apparmor_enabled())
		return 0; /* no AppArmor in this kernel: Landlock alone enforces */
	_cleanup_free_ char *cmd = xasprintf("exec %s", p->apparmor_profile);
	int fd = open("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open AppArmor exec attribute");
	ssize_t n = write(fd, cmd, strlen(cmd));
	int e = errno;
	close(fd);
	if (n < 0)
		return cordon_err(err, e, "change AppArmor profile on exec to %s",
				  p->apparmor_profile);
	return 0;
}

/* The command's view: joined, or built once per label and user (view.h). A
 * granted file replaced while the view is built (useradd and passwd rename a
 * new /etc/passwd over the old, and a bind of the unlinked one fails with
 * ENOENT) makes the build start again from the snap's namespace, resolving
 * the targets anew. An attempt fails only if a replacement lands inside it
 * (a few ms): 20 attempts outlast a file replaced every 10 ms
 * (test_view_race.py), and only the caller's own view is delayed. */
#define VIEW_ATTEMPTS 20

static int enter_view(const cordon_ns_session *ns, const cordon_policy *p, const cordon_env *vars,
		      const cordon_caller *caller, cordon_targets *targets, cordon_error **err)
{
	_cleanup_close_ int snap_ns = -1;
	for (int attempt = 1;; attempt++) {
		int r = cordon_targets_resolve(p, vars, caller, targets, err);
		if (r == 0)
			r = cordon_view_join(ns, p->label, targets, caller, err);
		if (r != -ESTALE)
			return r;
		if (snap_ns < 0) {
			snap_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
			if (snap_ns < 0)
				return cordon_err(err, errno, "open the snap's mount namespace");
		}
		r = cordon_view_build(ns, p->label, targets, caller, err);
		if (r == -ENOSYS)
			/* no view on this kernel (< 5.12): still in the snap's
			 * namespace; debug confinement says so */
			return 0;
		if (r != -ENOENT || attempt == VIEW_ATTEMPTS)
			return r;
		if (setns(snap_ns, CLONE_NEWNS) < 0)
			return cordon_err(err, errno, "return to the snap's mount namespace");
		cordon_error_free(err);
		cordon_targets_free(targets);
	}
}

/* The snap's cookie (cookie.h) into out, or "" when it has none or the file
 * is not what the store writes (only root could have changed it). */
static void read_cookie(int state_fd, const cordon_paths *paths, const char *instance, char *out)
{
	out[0] = '\0';
	cordon_error *e = NULL;
	_cleanup_close_ int dir =
	    state_fd < 0 ? -ENOENT : cordon_cookie_dir_open_at(state_fd, paths->cookie_dir, &e);
	_cleanup_free_ char *name = cordon_cookie_file_name(instance);
	if (dir < 0 || cordon_cookie_read_at(dir, name, out, &e) < 0)
		out[0] = '\0';
	cordon_error_free(&e);
}

/* One attempt; *restart: it failed because the snap changed under it while
 * this process was still in the host's namespaces (see cordon_launch). */
static int launch_once(const cordon_launch_args *a, bool *restart, cordon_error **err)
{
	/* every cleanup variable before the first goto: none is skipped */
	_cleanup_policy_ cordon_policy p = {0};
	_cleanup_env_ cordon_env env = {0};
	_cleanup_env_ cordon_env vars = {0};
	_cleanup_strv_ strv argv = {0};
	_cleanup_strv_ strv shell = {0};
	_cleanup_targets_ cordon_targets targets = {0};
	cordon_ns_session ns = {.dirfd = -1, .host_ns = -1, .lock = -1};
	cordon_cwd cwd_dirs = {0};
	cordon_trace trace = {.fd = CORDON_TRACE_FD, .status_fd = -1};
	/* getcwd allocates: a working directory of any length is kept */
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	bool have_cwd = cwd != NULL;
	bool in_host = true; /* not yet in the snap's namespaces */
	cordon_paths paths;
	if (cordon_paths_init(&paths, a->root) < 0)
		return cordon_err_msg(err, EINVAL, "invalid root prefix");
	/* The policy and cookie directories are both in the state directory:
	 * one root-owned walk from / to it, then a checked step each
	 * (fs_open_dir_root_owned_at), instead of a whole walk each. */
	int r = label_check(a->label, err);
	_cleanup_close_ int state_fd = r < 0 ? -1 : fs_open_dir_root_owned(paths.state_dir, err);
	if (r == 0)
		r = state_fd < 0
			? cordon_err_prefix(err, "cannot trust compiled policy")
			: policy_load_at(fs_open_dir_root_owned_at(state_fd, "policy", err),
					 paths.policy_dir, a->label, &p, err);
	if (r < 0)
		goto out;
	if (a->learn && p.confinement != CORDON_STRICT) {
		r = cordon_err_msg(err, EINVAL, "--learn: %s is not strictly confined (%s)",
				   p.label, cordon_confinement_name(p.confinement));
		goto out;
	}
	const cordon_caller caller = {.uid = a->uid, .gid = a->gid};
	/* --command=NAME: an app without that command gets nothing set up */
	const strv *command = cordon_command_words(&p, a->command);
	if (a->command == CORDON_COMMAND_SHELL) {
		/* snap run --shell: the shell in the command's place, after
		 * the command-chain; everything else as for the app */
		strv_push(&shell, a->shell ? a->shell : CORDON_DEFAULT_SHELL);
		command = &shell;
	}
	if (command == NULL) {
		r = cordon_err_msg(err, ENOENT, "%s has no %s-command", p.label,
				   cordon_command_name(a->command));
		goto out;
	}
	/* sd_notify: the app may reach the service manager's notify socket
	 * (daemon: notify, daemon-notify), and the NOTIFY_SOCKET it was
	 * given is that socket (service.h): then, and only then, the
	 * variable stays and that one socket is granted, for writing (a
	 * path-name socket is connected to where writing is granted: the
	 * view mounts it, Landlock ABI 9 resolves it). A caller running the
	 * launcher by hand can name no other socket: the check is on the
	 * fixed path and root's ownership, never on what the caller may
	 * reach. */
	const char *notify = NULL;
	if ((p.flags & CORDON_POLICY_NOTIFY) &&
	    cordon_notify_socket_ok(a->notify_socket, paths.root))
		notify = a->notify_socket;
	if (notify && p.confinement == CORDON_STRICT)
		cordon_policy_add_fs(&p, notify, LANDLOCK_ACCESS_FS_WRITE_FILE, CORDON_FS_NOFOLLOW);

	/* snapctl: the snap's cookie, and the broker that takes it (started
	 * if none runs, from the host's namespaces and cgroups). Neither
	 * fails a launch: without them snapctl says what is missing. */
	char cookie[CORDON_COOKIE_LEN + 1] = "";
	read_cookie(state_fd, &paths, p.instance_name, cookie);
	close(state_fd); /* not needed further */
	state_fd = -1;
	cordon_error *broker_err = NULL;
	(void)cordon_snapctl_ensure_broker(&paths, a->root, &a->cgroup, &broker_err);
	cordon_error_free(&broker_err);

	/* The system bus: a label that needs it reaches its own filtering
	 * proxy (the store's bus proxy unit, running as root), shown in the
	 * view at the bus's standard path so that unmodified clients find
	 * it; the bus's own socket is never in the view. The socket's path
	 * is fixed by the label, beneath root's 0700 directory: resolved as
	 * the caller, it is reached by root's commands alone (the proxy
	 * speaks to the bus as root), and a user's command has no bus. */
	if ((p.flags & CORDON_POLICY_SYSTEM_BUS) && p.confinement == CORDON_STRICT) {
		_cleanup_free_ char *bus = cordon_paths_bus_proxy(&paths, p.label);
		cordon_policy_add_fs_at(&p, bus, CORDON_SYSTEM_BUS_SOCKET,
					LANDLOCK_ACCESS_FS_WRITE_FILE, CORDON_FS_NOFOLLOW);
	}

	/* 1. environment */
	cordon_launch_env(&p, a, notify, cookie, &env);
	explicit_bzero(cookie, sizeof cookie);
	if (p.confinement == CORDON_CLASSIC) {
		r = make_user_dirs(a, &p, err);
		if (r < 0)
			goto out;
	}
	make_xdg_runtime_dir(a, &p);
	cordon_launch_rule_vars(&p, a, &vars);

	if (p.confinement != CORDON_CLASSIC) {
		/* the revision's mount comes back on demand after a reboot */
		r = cordon_snap_ensure_mounted(p.source_kind, p.source_path, p.mount_dir, err);
		if (r == 0 && p.base_dir) /* and its base's, the root of its namespace */
			r = cordon_snap_ensure_mounted(p.base_source_kind, p.base_source_path,
						       p.base_dir, err);
		if (r < 0)
			goto out;
		/* 2. label cgroup and device control. devmode denies nothing:
		 * every device is allowed (the cgroup still names the label).
		 * Before the snap's lock is taken: out of the caller's own
		 * cgroup, which on a systemd host the caller may freeze. */
		if (p.confinement == CORDON_DEVMODE) {
			cordon_policy_add_dev(&p, 'c', -1, -1, NULL);
			cordon_policy_add_dev(&p, 'b', -1, -1, NULL);
		}
		cordon_cgroup_cfg cg = a->cgroup;
		cg.keep_service_unit = a->uid == 0 && a->gid == 0; /* cgroup.h */
		/* --learn: no label cgroup (its device filter would refuse
		 * what the run is to record) and no AppArmor profile */
		r = a->learn ? 0 : cordon_cgroup_enter(&cg, &p, getpid(), err);
		if (r < 0)
			goto out;
		/* AppArmor's exec attribute is a write to /proc, which the
		 * command's view mounts read-only: it goes first. */
		r = a->learn ? 0 : enter_apparmor(&p, err);
		if (r < 0)
			goto out;
		/* 3, 4. the snap's mount namespace with its private /tmp, and
		 * its IPC namespace */
		r = cordon_mountns_enter(&paths, &p, cordon_cgroup_parent(&a->cgroup),
					 a->lock_timeout_ms, &ns, err);
		if (r < 0)
			goto out;
		in_host = false;
		/* the pid that the kernel's denial records will name, with
		 * its label (launchlog.h): the snap's namespace still sees
		 * the host's run directory here, the view does not */
		cordon_launchlog_record(&paths, p.label, getpid(), a->uid);
		/* ~/snap/<snap>/<rev>: made holding the snap's lock, once the
		 * policy is known to be installed still, so a remove (which
		 * deletes it under that lock) leaves none behind */
		r = make_user_dirs(a, &p, err);
		if (r < 0)
			goto out;
		/* the command's file system view (view.h): what its policy
		 * grants and nothing else, resolved as the caller */
		/* --learn: no view. The command sees the snap's namespace (the
		 * host's tree, its /snap, private /tmp and content mounts) in
		 * a namespace of its own (the devpts step below), so that
		 * what lies outside its policy is there to be touched and
		 * recorded; nothing of it reaches the snap's namespace. */
		bool view = p.confinement == CORDON_STRICT && !a->learn;
		if (view && have_cwd)
			(void)cordon_view_cwd_open(cwd, &cwd_dirs); /* absent: no stand-in */
		if (view) {
			r = enter_view(&ns, &p, &vars, &caller, &targets, err);
			if (r < 0)
				goto out;
		}
		/* 5. this command's own devpts */
		r = cordon_devpts_new_instance(err);
		if (r == 0 && cwd_dirs.n > 0)
			r = cordon_view_stand_in(&cwd_dirs, err);
		cordon_view_cwd_free(&cwd_dirs);
		if (r < 0)
			goto out;
		cordon_ns_session_end(&ns);
		if (view) {
			r = cordon_targets_open_late(&targets, err);
			if (r < 0)
				goto out;
		}
	}
	r = cordon_shield_lower(&a->shield, err);
	if (r < 0)
		goto out;
	r = drop_to_caller(a, &p, err);
	if (r < 0)
		goto out;
	if (!have_cwd || chdir(cwd) < 0) {
		/* the working directory is kept when reachable */
		const char *home = cordon_env_get(&env, "HOME");
		if (chdir(home) < 0 && chdir("/") < 0) {
			r = cordon_err(err, errno, "chdir /");
			goto out;
		}
	}
	/* Socket activation: the unit's sockets, held close-on-exec through
	 * the privileged phase (main.c), now reach the app. Nothing is
	 * executed before the app from here on. */
	r = cordon_listen_fds_release(a->listen_fds + (a->snapctl_channel ? 1 : 0), err);
	if (r < 0)
		goto out;
	if (a->traced) {
		r = cordon_trace_prepare(&trace, err);
		if (r < 0)
			goto out;
	}
	if (p.confinement != CORDON_CLASSIC) {
		/* 6. seccomp (no_new_privs first: no setuid program run later
		 * can regain what the filter and the drop took) */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			r = cordon_err(err, errno, "set no_new_privs");
			goto out;
		}
		/* --learn: the learn filter in place of the denials of
		 * seccomp and Landlock (learn_filter.h), last, below */
		r = a->learn ? 0 : cordon_seccomp_load(p.seccomp, p.seccomp_len, err);
		if (r < 0)
			goto out;
		/* 7. file, network and IPC policy */
		if (p.confinement == CORDON_STRICT && !a->learn) {
			r = cordon_landlock_apply(&p, &targets, err);
			if (r < 0)
				goto out;
		}
	}
	cordon_launch_argv(&p, command, &env, a->argc, a->argv, &argv);
	if (a->learn) {
		r = cordon_learn_install(CORDON_LEARN_FD, err);
		if (r < 0)
			goto out;
	}
	if (a->traced) {
		/* the last step: nothing privileged is left (trace_handoff.h) */
		r = cordon_trace_handoff(&trace, err);
		if (r < 0)
			goto out;
	}
	execve(argv.v[0], argv.v, env.kv.v);
	if (a->command == CORDON_COMMAND_SHELL && p.chain.n == 0 &&
	    strcmp(shell.v[0], CORDON_DEFAULT_SHELL) != 0) {
		/* The caller's $SHELL is outside what the sandbox may exec
		 * (ENOENT in the view, EACCES from Landlock): the default
		 * shell, as snapd's /bin/bash. Behind a command-chain the
		 * chain's own exec of the shell fails instead, as in snapd. */
		strv_free(&argv);
		strv_free(&shell);
		strv_push(&shell, CORDON_DEFAULT_SHELL);
		cordon_launch_argv(&p, command, &env, a->argc, a->argv, &argv);
		execve(argv.v[0], argv.v, env.kv.v);
	}
	r = cordon_err(err, errno, "cannot run %s", argv.v[0]);
out:
	/* Failed before leaving the host's namespaces while the snap changed
	 * (its revision pruned, its cgroup set up by a launch of the new
	 * policy, its namespace refused to the old one): start again. */
	if (r < 0 && in_host && p.label)
		*restart = !fs_still_names(paths.policy_dir, p.label, (dev_t)p.file_dev,
					   (ino_t)p.file_ino);
	cordon_view_cwd_free(&cwd_dirs);
	cordon_ns_session_end(&ns);
	cordon_paths_free(&paths);
	if (trace.status_fd >= 0)
		close(trace.status_fd);
	return r;
}

/* A launch that read the policy of a revision a refresh replaced (or a
 * remove removed) before it took the snap's lock starts again from the
 * policy now installed: it never runs a pruned revision nor builds a
 * namespace for a snap that is gone (the store prunes and purges under the
 * same lock). A bounded number of attempts: a snap changed that often is
 * refused. 8, not fewer: only root changes snaps, each attempt costs one
 * more policy read, and under a stream of changes (a refresh and revert
 * every ~100 ms in the concurrency tests) 3 attempts still lost about one
 * launch in 1,700. */
#define LAUNCH_ATTEMPTS 8

int cordon_launch(const cordon_launch_args *a, cordon_error **err)
{
	for (int attempt = 1;; attempt++) {
		bool restart = false;
		int r = launch_once(a, &restart, err);
		if (!restart || attempt == LAUNCH_ATTEMPTS)
			return r;
		cordon_error_free(err);
	}
}
