/* cordon-confine [--command=NAME] LABEL [ARGS...]: the launcher, the only
 * program of cordon that holds privilege. Invoked under another name (a
 * /snap/bin entry, a symlink to it: SNAP.APP [ARGS...] or SNAP [ARGS...]),
 * that name is the app and every argument is the app's (invocation.h). It reads the label's
 * compiled policy and nothing else about the snap, builds the sandbox, drops to the caller and
 * execs the app (or one of its service commands, service.h).
 *
 * Links only the runtime library: no YAML, no SQLite, no libseccomp. */
#include "config.h"
#include "fsutil.h"
#include "invocation.h"
#include "invocation_alias.h"
#include "launch.h"
#include "mountns.h"
#include "service.h"
#include "trace_handoff.h"
#include "learn_filter.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void die(const char *msg)
{
	fprintf(stderr, "error: %s\n", msg);
	exit(1);
}

/* Overrides (root prefix, test cgroup parent, forced device mechanism,
 * home) are honoured for root callers only: for anyone else they would
 * let the caller pick what a privileged program reads. */
static const char *root_only_env(bool caller_is_root, const char *name)
{
	if (!caller_is_root)
		return NULL;
	const char *v = getenv(name);
	return v && v[0] ? v : NULL;
}

/* The launcher must run from where it was installed: a hard link or a copy
 * elsewhere could be combined with helpers or data planted next to it
 * (CVE-2021-44730). For a privileged (setuid) run, /proc/self/exe must be the
 * installed path and the file must have a single link. */
static void check_own_location(void)
{
	_cleanup_free_ char *self = fs_readlink_at(AT_FDCWD, "/proc/self/exe");
	if (self == NULL)
		die("cannot read /proc/self/exe");
	const char *want = CORDON_LIBEXECDIR "/cordon-confine";
	struct stat st;
	if (strcmp(self, want) != 0 || stat(want, &st) < 0 || st.st_nlink != 1 || st.st_uid != 0)
		die("cordon-confine must run from " CORDON_LIBEXECDIR
		    " (a copy or hard link elsewhere is refused)");
}

/* Keep only what the launcher documents it keeps (launch.c's passthrough
 * list, plus the test overrides a root caller may give), before any
 * privileged work: no LD_PRELOAD, LD_LIBRARY_PATH, GCONV_PATH, LOCPATH,
 * MALLOC_*, … reaches libc's later work (NSS, iconv) or the app. */
static void scrub_environment(bool caller_is_root)
{
	static const char *const overrides[] = {"CORDON_ROOT", "CORDON_CGROUP_PARENT",
						"CORDON_DEVICE_CGROUP", "CORDON_LOCK_TIMEOUT",
						"HOME"};
	strv keep = {0};
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq == NULL)
			continue;
		_cleanup_free_ char *name = xstrndup(*e, (size_t)(eq - *e));
		bool ok = cordon_env_passthrough(name);
		for (size_t i = 0; caller_is_root && i < ARRAY_SIZE(overrides); i++)
			ok |= strcmp(name, overrides[i]) == 0;
		if (ok)
			strv_push(&keep, *e);
	}
	if (clearenv() != 0)
		die("cannot clear the environment");
	for (size_t i = 0; i < keep.n; i++)
		if (putenv(keep.v[i]) != 0) /* putenv keeps the pointer: keep is never freed */
			die("cannot set the environment");
}

/* A service manager's variable, copied before the environment is scrubbed
 * (the launch sets it for the app, launch.c); NULL if unset, longer than
 * any valid value or refused by `ok`. Kept until the exec. */
static const char *service_env(const char *name, size_t max, bool (*ok)(const char *))
{
	const char *v = getenv(name);
	if (v == NULL || strlen(v) > max || (ok && !ok(v)))
		return NULL;
	return xstrdup(v);
}

int main(int argc, char **argv)
{
	/* Nothing the caller opened reaches the sandbox but stdin, stdout and
	 * stderr (a leaked directory fd would be a way out of it), and the
	 * sockets of socket activation: fds 3.. when LISTEN_PID names this
	 * process (the pid `cordon run` and systemd exec'd in). Whoever runs
	 * the launcher by hand can only pass fds of their own, which they
	 * could give their own processes anyway; only sockets are taken
	 * (service.h). They are held open from here to the exec, so no fd
	 * the launcher opens (policy, locks, namespaces, the view) can get
	 * one of their numbers, and are close-on-exec until the app's exec. */
	/* --traced (`cordon run --strace` by a user): fd 3 is the caller's
	 * handoff pipe (trace_handoff.h), held as the sockets below are;
	 * never beside them. Only as the first argument, as --command. */
	bool launcher_named =
	    argc > 0 && cordon_invocation_is_launcher(cordon_invocation_base(argv[0]));
	bool traced = argc > 1 && strcmp(argv[1], "--traced") == 0 && launcher_named;
	/* --learn (`cordon run --learn`): fd 3 is the caller's learn socket
	 * (learn_filter.h), held the same way */
	bool learn = argc > 1 && strcmp(argv[1], "--learn") == 0 && launcher_named;
	int listen_fds = traced || learn ? 0
					 : cordon_listen_fds_count(getpid(), getenv("LISTEN_PID"),
								   getenv("LISTEN_FDS"));
	/* A hook's snapctl channel (store/hooks.c): fd 3, a socket, which the
	 * store passes to the hooks it runs as root. Only a root caller's is
	 * kept (any other caller could only talk to a server of its own), and
	 * never beside socket activation. Held and passed on as those are. */
	bool snapctl_channel = !traced && !learn && getuid() == 0 && listen_fds == 0 &&
			       streq_ptr(getenv("CORDON_SNAPCTL_FD"), "3");
	int held_fds = listen_fds + (snapctl_channel || traced || learn ? 1 : 0);
	unsigned first_closed = (unsigned)(CORDON_LISTEN_FDS_START + held_fds);
	if (syscall(SYS_close_range, first_closed, ~0U, 0U) < 0 && errno != ENOSYS)
		die("cannot close inherited file descriptors");
	cordon_error *err = NULL;
	if (traced || learn) { /* the program's name stays argv[0] */
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	int held = traced  ? cordon_trace_hold(&err)
		   : learn ? cordon_learn_hold(&err)
			   : cordon_listen_fds_hold(held_fds, &err);
	if (held < 0) {
		fprintf(stderr, "error: %s\n", err->msg);
		return 1;
	}
	/* Invoked by a /snap/bin entry's name: the name is the label, the
	 * arguments all the app's (no option of the launcher's is read, so an
	 * app's own `--command=x` reaches it). argv[0] is the caller's to set,
	 * so this is no more than `cordon-confine LABEL` with a name-shaped
	 * label: the same checks follow (own location, the policy lookup). */
	const char *invoked = cordon_invocation_base(argc > 0 ? argv[0] : NULL);
	bool by_entry = argc > 0 && !cordon_invocation_is_launcher(invoked);
	_cleanup_free_ char *entry_label = NULL;
	/* a name no alias can have is an entry's or nothing: refused now */
	if (by_entry && !cordon_invocation_alias_shaped(invoked) &&
	    cordon_invocation_label(invoked, &entry_label, &err) < 0) {
		fprintf(stderr, "error: %s\n", err->msg);
		cordon_error_free(&err);
		return 1;
	}
	/* --command=stop|reload|post-stop: a service's other commands;
	 * --command=shell: a shell in the app's sandbox (`cordon run --shell`) */
	enum cordon_command command = CORDON_COMMAND_MAIN;
	if (!by_entry && argc > 1 && str_has_prefix(argv[1], "--command=")) {
		int c = cordon_command_parse(argv[1] + strlen("--command="));
		if (c < 0) {
			fprintf(stderr,
				"error: unknown command \"%s\": expected stop, reload, "
				"post-stop or shell\n",
				argv[1] + strlen("--command="));
			return 1;
		}
		command = (enum cordon_command)c;
		argc--;
		argv++;
	}
	if (!by_entry && (argc < 2 || argv[1][0] == '-'))
		die("usage: cordon-confine [--command=NAME] LABEL [ARGS...] (use `cordon run`)");
	uid_t uid = getuid();
	gid_t gid = getgid();
	bool privileged_run = geteuid() != uid || getegid() != gid;
	if (privileged_run)
		check_own_location();
	if (geteuid() != 0)
		die("cordon-confine needs privilege (it is installed setuid root)");
	/* A setuid exec keeps the caller's effective group: whatever the
	 * privileged phase creates (cgroups, the namespace lock and stamp,
	 * the private /tmp's backing) would belong to that group. Root's
	 * group until the drop to the caller (launch.c). */
	if (getegid() != 0 && setresgid((gid_t)-1, 0, (gid_t)-1) < 0)
		die("cannot take root's group for the privileged phase");
	bool root = uid == 0;
	cordon_launch_args a = {0};
	a.command = command;
	a.pid = getpid();
	a.listen_fds = listen_fds;
	a.snapctl_channel = snapctl_channel;
	a.traced = traced;
	a.learn = learn;
	if (listen_fds > 0)
		a.listen_fdnames = service_env("LISTEN_FDNAMES", CORDON_LISTEN_FDS_MAX * 256,
					       cordon_listen_fdnames_ok);
	/* checked by the launch, which knows the policy (sun_path: 108 bytes) */
	a.notify_socket = service_env("NOTIFY_SOCKET", 107, NULL);
	a.watchdog_usec = service_env("WATCHDOG_USEC", 19, cordon_decimal_ok);
	a.watchdog_pid = service_env("WATCHDOG_PID", 19, cordon_decimal_ok);
	/* the caller's shell, checked (service.h); it runs as the caller once
	 * the whole sandbox is in place */
	if (command == CORDON_COMMAND_SHELL)
		a.shell = xstrdup(cordon_shell_path(getenv("SHELL")));
	scrub_environment(root);

	/* Before any privileged work, out of the caller's reach (shield.h). */
	if (cordon_shield_raise(&a.shield, &err) < 0) {
		fprintf(stderr, "error: %s\n", err->msg);
		cordon_error_free(&err);
		return 1;
	}
	if (by_entry) {
		a.argc = argc - 1;
		a.argv = argv + 1;
	} else {
		a.label = argv[1];
		a.argc = argc - 2;
		a.argv = argv + 2;
	}
	a.uid = uid;
	a.gid = gid;
	a.caller_env = environ;
	a.root = root_only_env(root, "CORDON_ROOT");
	if (a.root == NULL && CORDON_SYSTEM_ROOT[0])
		a.root = CORDON_SYSTEM_ROOT;
	/* Invoked by an entry's name, or an alias's: the label it stands
	 * for (invocation_alias.h), under the root the launch uses. */
	if (by_entry && entry_label == NULL) {
		_cleanup_free_ char *bin = xasprintf("%s/snap/bin", a.root ? a.root : "");
		_cleanup_free_ char *target = NULL;
		if (cordon_invocation_alias(bin, invoked, &target, &err) < 0 ||
		    cordon_invocation_label(target ? target : invoked, &entry_label, &err) < 0) {
			fprintf(stderr, "error: %s\n", err->msg);
			cordon_error_free(&err);
			return 1;
		}
	}
	if (by_entry)
		a.label = entry_label;
	a.cgroup.parent = root_only_env(root, "CORDON_CGROUP_PARENT");
	const char *mode = root_only_env(root, "CORDON_DEVICE_CGROUP");
	if (mode && strcmp(mode, "v1") == 0)
		a.cgroup.mode = CORDON_CGROUP_V1;
	else if (mode && strcmp(mode, "v2") == 0)
		a.cgroup.mode = CORDON_CGROUP_V2;
	/* The home comes from the password database; a root caller under a
	 * test root prefix may give it (tests must not write /root). */
	const char *home = a.root ? root_only_env(root, "HOME") : NULL;
	_cleanup_free_ char *pwbuf = NULL;
	if (home == NULL) {
		long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
		size_t len = sz > 0 ? (size_t)sz : 16384;
		pwbuf = xmalloc(len);
		struct passwd pw, *res = NULL;
		if (getpwuid_r(uid, &pw, pwbuf, len, &res) != 0 || res == NULL ||
		    pw.pw_dir[0] != '/')
			die("cannot find the caller's home directory in the password database");
		home = pw.pw_dir;
	}
	a.home = home;
	/* How long to wait for a snap's lock; a root caller may shorten it
	 * (tests). */
	a.lock_timeout_ms = CORDON_NS_LOCK_TIMEOUT_MS;
	const char *timeout = root_only_env(root, "CORDON_LOCK_TIMEOUT");
	if (timeout) {
		char *end = NULL;
		long ms = strtol(timeout, &end, 10);
		if (end == timeout || *end != '\0' || ms < 0 || ms > 3600 * 1000)
			die("CORDON_LOCK_TIMEOUT: expected milliseconds");
		a.lock_timeout_ms = (int)ms;
	}
	cordon_launch(&a, &err);
	fprintf(stderr, "error: %s\n", err ? err->msg : "launch failed");
	cordon_error_free(&err);
	return 1;
}
