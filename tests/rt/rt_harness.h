/* Shared helpers of the runtime tests that run as root against the real
 * kernel: run an operation in a forked child (where a mechanism is applied
 * for good) and get back the errno it ended with; a scratch directory that is
 * removed at the end. */
#pragma once
#include "check.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a child returns when its setup (not the operation under test) failed:
 * never a valid errno, so it matches no expectation. */
#define RT_SETUP_FAILED (-1000)
/* The child died without reporting. */
#define RT_NO_REPORT (-1001)
/* The child found the case cannot run on this host. */
#define RT_SKIP (-1002)

typedef int (*rt_child_fn)(void *arg);

#define RT_CHILD_TIMEOUT 30 /* seconds */

/* Fork; the child runs fn(arg) and reports its int through a pipe. */
static inline int rt_run(rt_child_fn fn, void *arg)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("pipe2");
		return RT_SETUP_FAILED;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return RT_SETUP_FAILED;
	}
	if (pid == 0) {
		close(p[0]);
		/* A stuck child dies and reports nothing (RT_NO_REPORT) rather
		 * than hang the test before it cleans up. */
		alarm(RT_CHILD_TIMEOUT);
		int r = fn(arg);
		if (write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	int r;
	ssize_t n;
	do
		n = read(p[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(r) ? r : RT_NO_REPORT;
}

/* errno of a call that returns -1 on failure, 0 when it worked. */
#define RT_ERRNO(call) ((call) < 0 ? errno : 0)

/* open and close; 0 or the errno. */
static inline int rt_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* A process that sleeps until killed: a target outside every sandbox. */
static inline pid_t rt_sleeper(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10 * RT_CHILD_TIMEOUT); /* outlives the test, never forever */
		for (;;)
			pause();
	}
	return pid;
}

static inline void rt_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static inline char *rt_scratch(void)
{
	char tmpl[] = "/tmp/cordon-rt-XXXXXX";
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	return strdup(tmpl);
}

static inline int rt_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

static inline void rt_scratch_remove(const char *dir)
{
	if (dir && nftw(dir, rt_rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		fprintf(stderr, "warning: could not remove %s: %s\n", dir, strerror(errno));
}

static inline void rt_write_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, content, strlen(content)) < 0) {
		fprintf(stderr, "setup: write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static inline void rt_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "setup: mkdir %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* Root tests skip (exit 77, meson's "skipped") when not run as root. */
static inline void rt_require_root(const char *name)
{
	if (geteuid() != 0) {
		printf("%s: skipped (needs root)\n", name);
		exit(77);
	}
}

#define EXPECT_INT(label, got, want)                                                               \
	do {                                                                                       \
		long long _g = (got), _w = (want);                                                 \
		check_count++;                                                                     \
		if (_g != _w) {                                                                    \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", __FILE__, __LINE__,    \
				label, _g, _w);                                                    \
		} else {                                                                           \
			printf("ok   %-60s %lld\n", label, _w);                                    \
		}                                                                                  \
	} while (0)

/* Compare and say which case: the harness's CHECK_INT plus a label. */
#define EXPECT_ERRNO(label, got, want)                                                             \
	do {                                                                                       \
		int _g = (got), _w = (want);                                                       \
		check_count++;                                                                     \
		if (_g != _w) {                                                                    \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: %s: got %d (%s), want %d (%s)\n", __FILE__,        \
				__LINE__, label, _g, _g > 0 ? strerror(_g) : "-", _w,              \
				_w > 0 ? strerror(_w) : "ok");                                     \
		} else {                                                                           \
			printf("ok   %-60s %s\n", label, _w ? strerror(_w) : "allowed");           \
		}                                                                                  \
	} while (0)
