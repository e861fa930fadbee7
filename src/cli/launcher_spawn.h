/* The launcher started with one of the CLI's channels as its fd 3 (the
 * strace handoff, trace_handoff.h; the learn listener, learn_filter.h), and
 * how its end is reported: as a shell reports a command's. */
#pragma once
#include "error.h"

#include <sys/types.h>

/* fork and execve(path, argv, envp) with fd as fd 3, open across the exec
 * (everything else of the CLI's is close-on-exec). The child's pid; the
 * caller still owns fd. */
pid_t cli_spawn_with_fd3(const char *path, char *const argv[], char *const envp[], int fd,
			 cordon_error **err);

/* waitpid, again after EINTR. */
pid_t cli_wait(pid_t pid, int *status);

/* An exit status as a shell gives it: the code, or 128 + the signal. */
int cli_shell_status(int status);
