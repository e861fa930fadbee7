/* run: hand over to the launcher at once (with --pty: through a pty relay). */
#include "cli.h"
#include "config.h"
#include "hostinfo.h"
#include "pty_relay.h"
#include "util.h"

#include <stdio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

#define RUN_USAGE "usage: cordon run [--pty] [--command=NAME] SNAP.APP [ARGS...]"

int cmd_run(int argc, char **argv, cordon_error **err)
{
	/* Flags come before the app's name, as with `snap run`: everything
	 * after it is the app's. Only string compares: without --pty the
	 * launch makes exactly the system calls it always made.
	 * --command=stop|reload|post-stop goes to the launcher as it is
	 * (it alone decides what runs). */
	bool pty = false;
	const char *command = NULL;
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "--pty") == 0 && !pty)
			pty = true;
		else if (str_has_prefix(argv[first], "--command=") && command == NULL)
			command = argv[first];
		else /* no snap or app name starts with one */
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
	char **args = xcalloc((size_t)argc + 3, sizeof *args);
	size_t n = 0;
	args[n++] = (char *)confine;
	if (command)
		args[n++] = (char *)command;
	args[n++] = label;
	for (int i = first + 1; i < argc; i++)
		args[n++] = argv[i];
	if (pty) {
		/* the app on a terminal of its own, relayed (pty_relay.h) */
		int r = pty_run(confine, args, environ, err);
		free(args);
		return r;
	}
	execve(confine, args, environ);
	int e = errno;
	free(args);
	return cordon_err(err, e, "cannot run the launcher %s", confine);
}

int cmd_debug(int argc, char **argv, cordon_error **err)
{
	if (argc != 2 || strcmp(argv[1], "confinement") != 0)
		return cordon_err_msg(err, EINVAL, "usage: cordon debug confinement");
	cordon_hostinfo h;
	int r = cordon_hostinfo_detect(&h, err);
	if (r < 0)
		return r;
	_cleanup_strv_ strv lines = {0};
	cordon_hostinfo_format(&h, &lines);
	cordon_hostinfo_free(&h);
	for (size_t i = 0; i < lines.n; i++)
		printf("%s\n", lines.v[i]);
	return 0;
}
