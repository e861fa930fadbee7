/* load FILE...: the time the kernel takes to load each raw seccomp filter
 * (what the launcher's seccomp step costs, bench/steps.sh "d_seccomp"), in a
 * fresh child each time (a filter cannot be unloaded), the files in turn so
 * that each meets the same load: RUNS (600) rounds. Prints the median, 10th
 * and 90th percentile of the seccomp(2) call alone, per file. For
 * bench/seccomp.sh. No privilege needed (no_new_privs). */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int nf = argc - 1;
	const char *r = getenv("RUNS");
	int runs = r ? atoi(r) : 600;
	if (nf < 1 || runs < 10) {
		fprintf(stderr, "usage: [RUNS=N] load FILE...\n");
		return 2;
	}
	struct sock_fprog *progs = calloc((size_t)nf, sizeof *progs);
	long long *t = calloc((size_t)nf * (size_t)runs, sizeof *t);
	for (int i = 0; i < nf; i++) {
		FILE *f = fopen(argv[i + 1], "re");
		char *b = malloc(BPF_MAXINSNS * sizeof(struct sock_filter));
		size_t n = f ? fread(b, 1, BPF_MAXINSNS * sizeof(struct sock_filter), f) : 0;
		if (f == NULL || n == 0 || n % sizeof(struct sock_filter)) {
			fprintf(stderr, "%s: not a raw filter\n", argv[i + 1]);
			return 1;
		}
		fclose(f);
		progs[i] =
		    (struct sock_fprog){.len = (unsigned short)(n / sizeof(struct sock_filter)),
					.filter = (struct sock_filter *)b};
	}
	for (int k = 0; k < runs; k++)
		for (int i = 0; i < nf; i++) {
			int pp[2];
			if (pipe(pp) < 0)
				return 1;
			pid_t c = fork();
			if (c == 0) {
				long long d = -1;
				if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
					long long a = now();
					if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
						    &progs[i]) == 0)
						d = now() - a;
				}
				(void)!write(pp[1], &d, sizeof d);
				_exit(0);
			}
			close(pp[1]);
			if (c < 0 ||
			    read(pp[0], &t[i * runs + k], sizeof(long long)) != sizeof(long long) ||
			    t[i * runs + k] < 0) {
				fprintf(stderr, "%s: the kernel refused it\n", argv[i + 1]);
				return 1;
			}
			close(pp[0]);
			waitpid(c, NULL, 0);
		}
	printf("| filter | instructions | median [us] | 10th percentile | 90th percentile |\n");
	printf("|:---|---:|---:|---:|---:|\n");
	for (int i = 0; i < nf; i++) {
		long long *v = t + i * runs;
		qsort(v, (size_t)runs, sizeof *v, cmp);
		printf("| %s | %u | %.0f | %.0f | %.0f |\n", argv[i + 1], progs[i].len,
		       v[runs / 2] / 1e3, v[runs / 10] / 1e3, v[runs * 9 / 10] / 1e3);
	}
	return 0;
}
