/* run: hand over to the launcher at once (with --pty: through a pty relay;
 * with --strace: under strace). */
#include "cli.h"
#include "config.h"
#include "hostinfo.h"
#include "learn_run.h"
#include "pty_relay.h"
#include "sandbox_features.h"
#include "strace_user.h"
#include "util.h"

#include <stdio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

#define RUN_USAGE                                                                                  \
	"usage: cordon run [--pty] [--shell | --command=NAME] [--strace[=OPTIONS] | --learn] "     \
	"SNAP.APP [ARGS...]"

/* Debian's strace. A fixed path: --strace runs as root, and root's PATH is
 * no business of a tool that execs on its behalf. */
#define STRACE_PATH "/usr/bin/strace"

/* --strace traces from outside the sandbox: the tracer is not confined and
 * the app is exactly as confined as untraced (only /proc's TracerPid
 * differs). For root, strace runs the launcher and follows the launch into
 * the app (a root caller can run the app as a user with strace's own `-u
 * USER`, as snapd does). For a user, who may not trace the setuid
 * launcher, the launcher hands the confined process over just before its
 * exec of the app and strace attaches to it then, as the user
 * (strace_user.h; README, "Debugging"). */
static int strace_args(const char *options, bool as_root, strv *out, cordon_error **err)
{
	if (access(STRACE_PATH, X_OK) < 0)
		return cordon_err(err, errno, "--strace needs %s (Debian: apt install strace)",
				  STRACE_PATH);
	strv_push(out, STRACE_PATH);
	strv_push(out, "-f"); /* the app, the launcher's exec of it, its children */
	/* the options as words split on blanks (no quoting, as snapd) */
	for (const char *o = options; o && *o;) {
		o += strspn(o, " \t");
		size_t n = strcspn(o, " \t");
		if (n > 0)
			strv_push_own(out, xstrndup(o, n));
		o += n;
	}
	if (as_root)
		strv_push(out, "--");
	return 0;
}

int cmd_run(int argc, char **argv, cordon_error **err)
{
	/* Flags come before the app's name, as with `snap run`: everything
	 * after it is the app's. Only string compares: without --pty the
	 * launch makes exactly the system calls it always made.
	 * --command=stop|reload|post-stop goes to the launcher as it is
	 * (it alone decides what runs); --shell is --command=shell. */
	bool pty = false, strace = false, learn = false;
	const char *command = NULL;
	const char *strace_options = NULL;
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "--pty") == 0 && !pty)
			pty = true;
		else if (str_has_prefix(argv[first], "--command=") && command == NULL)
			command = argv[first];
		else if (strcmp(argv[first], "--shell") == 0 && command == NULL)
			command = "--command=shell";
		else if (strcmp(argv[first], "--learn") == 0 && !learn && !strace)
			learn = true;
		else if (strcmp(argv[first], "--strace") == 0 && !strace && !learn)
			strace = true;
		else if (str_has_prefix(argv[first], "--strace=") && !strace && !learn) {
			strace = true;
			strace_options = argv[first] + strlen("--strace=");
		} else /* no snap or app name starts with one */
			return cordon_err_msg(err, EINVAL, "unknown option %s; " RUN_USAGE,
					      argv[first]);
	}
	if (argc <= first)
		return cordon_err_msg(err, EINVAL, RUN_USAGE);
	const char *target = argv[first];
	_cleanup_free_ char *label = NULL;
	const char *dot = strchr(target, '.');
	if (dot != NULL) {
		label = xasprintf("snap.%s", target);
	} else {
		/* `cordon run foo_x`: the app named like the snap */
		const char *us = strchr(target, '_');
		size_t n = us ? (size_t)(us - target) : strlen(target);
		label = xasprintf("snap.%s.%.*s", target, (int)n, target);
	}
	const char *confine = getenv("CORDON_CONFINE");
	if (confine == NULL || confine[0] == '\0')
		confine = CORDON_LIBEXECDIR "/cordon-confine";
	if (learn) {
		/* the app's own command only (no --pty, no other command):
		 * what it touches is what its plugs are for */
		if (pty || command)
			return cordon_err_msg(err, EINVAL,
					      "--learn runs the app alone; " RUN_USAGE);
		return learn_run(confine, label, argv + first + 1, environ, err);
	}
	_cleanup_strv_ strv args = {0};
	bool as_root = getuid() == 0 && geteuid() == 0;
	if (strace) {
		int r = strace_args(strace_options, as_root, &args, err);
		if (r < 0)
			return r;
	}
	if (strace && !as_root) {
		if (pty)
			return cordon_err_msg(err, EINVAL, "--pty with --strace needs root");
		_cleanup_strv_ strv largv = {0};
		if (command)
			strv_push(&largv, command);
		strv_push(&largv, label);
		for (int i = first + 1; i < argc; i++)
			strv_push(&largv, argv[i]);
		return strace_run_user(confine, largv.v, args.v, environ, err);
	}
	strv_push(&args, confine);
	if (command)
		strv_push(&args, command);
	strv_push(&args, label);
	for (int i = first + 1; i < argc; i++)
		strv_push(&args, argv[i]);
	const char *prog = args.v[0];
	if (pty) /* the app on a terminal of its own, relayed (pty_relay.h) */
		return pty_run(prog, args.v, environ, err);
	execve(prog, args.v, environ);
	return cordon_err(err, errno, "cannot run %s%s", strace ? "" : "the launcher ", prog);
}

#define DEBUG_USAGE                                                                                \
	"usage: cordon debug confinement | cordon debug denials [--follow] [--since TIME] "        \
	"[SNAP[.APP]] | cordon debug sandbox-features [--required "                                \
	"BACKEND:FEATURE]..."

/* snap debug sandbox-features: every line, or with --required only the
 * check (an error names the first feature missing) */
static int sandbox_features(const cordon_hostinfo *h, int argc, char **argv, cordon_error **err)
{
	_cleanup_strv_ strv required = {0};
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--required") == 0 && i + 1 < argc)
			strv_push(&required, argv[++i]);
		else if (str_has_prefix(argv[i], "--required="))
			strv_push(&required, argv[i] + strlen("--required="));
		else
			return cordon_err_msg(err, EINVAL, DEBUG_USAGE);
	}
	_cleanup_strv_ strv backends = {0}, features = {0}, lines = {0};
	cordon_sandbox_features(h, &backends, &features);
	for (size_t i = 0; i < required.n; i++)
		if (!cordon_sandbox_features_has(&backends, &features, required.v[i]))
			return cordon_err_msg(err, ENOENT, "sandbox feature not available: \"%s\"",
					      required.v[i]);
	if (required.n > 0)
		return 0;
	cordon_sandbox_features_format(&backends, &features, &lines);
	for (size_t i = 0; i < lines.n; i++)
		printf("%s\n", lines.v[i]);
	return 0;
}

int cmd_debug(int argc, char **argv, cordon_error **err)
{
	if (argc >= 2 && strcmp(argv[1], "denials") == 0)
		return cmd_debug_denials(argc - 1, argv + 1, err);
	bool features = argc >= 2 && strcmp(argv[1], "sandbox-features") == 0;
	if (!features && (argc != 2 || strcmp(argv[1], "confinement") != 0))
		return cordon_err_msg(err, EINVAL, DEBUG_USAGE);
	cordon_hostinfo h;
	int r = cordon_hostinfo_detect(&h, err);
	if (r < 0)
		return r;
	if (features) {
		r = sandbox_features(&h, argc, argv, err);
		cordon_hostinfo_free(&h);
		return r;
	}
	_cleanup_strv_ strv lines = {0};
	cordon_hostinfo_format(&h, &lines);
	cordon_hostinfo_free(&h);
	for (size_t i = 0; i < lines.n; i++)
		printf("%s\n", lines.v[i]);
	return 0;
}
