#include "run_program.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

int cordon_run(const char *const argv[], bool mute_stdout, const char *hint, bool *ok,
	       cordon_error **err)
{
	*ok = false;
	posix_spawn_file_actions_t fa;
	int r = posix_spawn_file_actions_init(&fa);
	if (r != 0)
		return cordon_err(err, r, "run %s", argv[0]);
	if (mute_stdout)
		r = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	if (r == 0)
		r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return cordon_err(err, r, "run %s%s%s%s", argv[0], hint ? " (" : "",
				  hint ? hint : "", hint ? ")" : "");
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cordon_err(err, errno, "wait for %s", argv[0]);
	*ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return 0;
}
