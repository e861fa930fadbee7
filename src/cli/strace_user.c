#include "strace_user.h"
#include "launcher_spawn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int strace_run_user(const char *confine, char *const largv[], char *const strace_argv[],
		    char *const envp[], cordon_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cordon_err(err, errno, "pipe");
	_cleanup_strv_ strv args = {0};
	strv_push(&args, confine);
	strv_push(&args, "--traced");
	for (size_t i = 0; largv[i]; i++)
		strv_push(&args, largv[i]);
	pid_t app = cli_spawn_with_fd3(confine, args.v, envp, p[1], err);
	if (app < 0) {
		close(p[0]);
		close(p[1]);
		return app;
	}
	close(p[1]);
	/* the launcher's pid once it is confined and traceable; EOF if it
	 * failed before (it printed why) */
	char line[32];
	size_t got = 0;
	while (got < sizeof line - 1) {
		ssize_t n = read(p[0], line + got, sizeof line - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	close(p[0]);
	line[got] = '\0';
	int status = 0;
	char *end = NULL;
	long pid = strtol(line, &end, 10);
	if (got == 0 || pid != (long)app || *end != '\n') {
		if (got > 0)
			kill(app, SIGKILL); /* not the handoff it should be */
		if (cli_wait(app, &status) < 0)
			return cordon_err(err, errno, "wait for the launcher");
		if (got == 0)
			return cli_shell_status(status); /* the launcher's own error */
		return cordon_err_msg(err, EPROTO, "the launcher's handoff was not its pid");
	}
	_cleanup_strv_ strv targv = {0};
	for (size_t i = 0; strace_argv[i]; i++)
		strv_push(&targv, strace_argv[i]);
	strv_push(&targv, "-p");
	strv_push_own(&targv, xasprintf("%ld", pid));
	pid_t tracer = fork();
	if (tracer < 0) {
		int e = errno;
		kill(app, SIGKILL);
		cli_wait(app, &status);
		return cordon_err(err, e, "fork");
	}
	if (tracer == 0) {
		execve(targv.v[0], targv.v, envp);
		_exit(127);
	}
	/* As system(3): an interrupt from the terminal is the app's (and
	 * strace's) to handle; this process waits for both. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int tstatus = 0;
	bool app_done = false, tracer_done = false;
	int e = 0;
	while (!app_done || !tracer_done) {
		int st = 0;
		pid_t r = waitpid(-1, &st, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			break;
		}
		if (r == app) {
			app_done = true;
			status = st;
		} else if (r == tracer) {
			tracer_done = true;
			tstatus = st;
			/* strace failed (an option it refuses, an attach it
			 * could not make): the launcher would wait for a
			 * tracer that never comes */
			if (!app_done && WIFEXITED(st) && WEXITSTATUS(st) != 0)
				kill(app, SIGKILL);
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (!app_done)
		return cordon_err(err, e, "wait for the app");
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && tracer_done &&
	    WIFEXITED(tstatus) && WEXITSTATUS(tstatus) != 0)
		return cordon_err_msg(err, ECHILD, "strace failed (exit status %d)",
				      WEXITSTATUS(tstatus));
	return cli_shell_status(status);
}
