/* The launcher with a channel as fd 3 (launcher_spawn.h). */
#include "launcher_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHANNEL_FD 3

pid_t cli_spawn_with_fd3(const char *path, char *const argv[], char *const envp[], int fd,
			 cordon_error **err)
{
	pid_t pid = fork();
	if (pid < 0)
		return cordon_err(err, errno, "fork");
	if (pid == 0) {
		/* dup2 onto itself would keep close-on-exec */
		if (fd == CHANNEL_FD ? fcntl(CHANNEL_FD, F_SETFD, 0) < 0 : dup2(fd, CHANNEL_FD) < 0)
			_exit(127);
		execve(path, argv, envp);
		_exit(127);
	}
	return pid;
}

pid_t cli_wait(pid_t pid, int *status)
{
	pid_t r;
	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

int cli_shell_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}
