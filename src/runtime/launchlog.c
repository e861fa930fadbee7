#include "launchlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void cordon_launchlog_record(const cordon_paths *paths, const char *label, pid_t pid, uid_t uid)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return;
	char line[512];
	int n = snprintf(line, sizeof line, "%lld.%09ld %d %u %s\n", (long long)ts.tv_sec,
			 ts.tv_nsec, (int)pid, (unsigned)uid, label);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	/* run_dir is root's (the snapctl broker and the namespaces live
	 * there): the log is made in it by root, never followed through a
	 * symlink. */
	_cleanup_close_ int dir =
	    open(paths->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dir < 0)
		return;
	struct stat st;
	if (fstat(dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
		return;
	_cleanup_close_ int fd =
	    openat(dir, "launches", O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		return;
	if (st.st_size + n > CORDON_LAUNCHLOG_MAX)
		(void)renameat(dir, "launches", dir, "launches.old");
}

void cordon_launchlog_parse(const char *text, size_t len, cordon_launchlog *out)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break; /* a line being written: not yet a record */
		char line[512];
		size_t l = (size_t)(nl - p);
		if (l < sizeof line) {
			memcpy(line, p, l);
			line[l] = '\0';
			long long sec;
			long nsec;
			int pid;
			unsigned uid;
			int off = 0;
			/* a time the launcher cannot have written is no record
			 * (and would overflow the milliseconds) */
			if (sscanf(line, "%lld.%ld %d %u %n", &sec, &nsec, &pid, &uid, &off) == 4 &&
			    off > 0 && line[off] != '\0' && sec >= 0 && sec <= 1000000000000LL &&
			    nsec >= 0 && nsec < 1000000000L) {
				out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
				out->v[out->n++] = (cordon_launch_rec){
				    .ms = sec * 1000 + nsec / 1000000,
				    .pid = pid,
				    .uid = uid,
				    .label = xstrdup(line + off),
				};
			}
		}
		p = nl + 1;
	}
}

/* An audit record's time is the kernel's coarse clock (one tick behind at
 * worst: up to 10 ms at HZ=100), the launch log's the precise one: a denial
 * in the command's first milliseconds can carry a time before its launch's.
 * The slack is far too short for a pid to be used again in between (that
 * takes the whole pid space going round). */
#define LAUNCH_CLOCK_SLACK_MS 100

const cordon_launch_rec *cordon_launchlog_find(const cordon_launchlog *log, pid_t pid, int64_t ms)
{
	for (size_t i = log->n; i-- > 0;)
		if (log->v[i].pid == pid && log->v[i].ms <= ms + LAUNCH_CLOCK_SLACK_MS)
			return &log->v[i];
	return NULL;
}

void cordon_launchlog_free(cordon_launchlog *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->v[i].label);
	free(log->v);
	*log = (cordon_launchlog){0};
}
