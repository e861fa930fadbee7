/* t0 PROGRAM ARGS...: fork, pass the fork's CLOCK_MONOTONIC time in T0,
 * exec PROGRAM, wait, and write "TS f_app_exec_exit_wait <ms>" (the whole
 * launch, as hyperfine sees it) to stderr. For bench/steps.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
int main(int argc, char **argv)
{
	char b[32];
	long long t = now();
	snprintf(b, sizeof b, "%lld", t);
	setenv("T0", b, 1);
	pid_t p = fork();
	if (!p) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	fprintf(stderr, "TS f_app_exec_exit_wait %.3f\n", (now() - t) / 1e6);
	return 0;
}
