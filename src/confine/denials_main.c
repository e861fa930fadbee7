/* cordon-denials: the kernel's denial records of the caller's own confined
 * commands, for `cordon debug denials` run by a user (cmd_denials.c).
 * Installed setuid root: the kernel log is root's where dmesg_restrict is
 * set, the audit stream needs CAP_AUDIT_READ, and the launch log
 * (launchlog.h) is root's 0600. It never hands on a record of another
 * user: an event goes out only when its launch was the caller's and the
 * process denied ran as the caller; then its launch line ("L " + the launch
 * log's line) and its records ("R TYPE TEXT"), which the CLI reads as it
 * reads the kernel's. It takes no path and no root prefix from a caller who
 * is not root (CORDON_ROOT is root's alone, as for the launcher), and it
 * never changes audit's state: `--follow` reads what audit records, and
 * says when audit is off.
 *
 *   cordon-denials [--follow] */
#include "config.h"
#include "denial_record.h"
#include "denial_source.h"
#include "launchlog.h"
#include "paths.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct reader {
	cordon_paths paths;
	uid_t uid;
	cordon_launchlog log;
	denial_list list;
	size_t done;
} reader;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void read_log(reader *r)
{
	static const char *const names[] = {"launches.old", "launches"};
	cordon_launchlog_free(&r->log);
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", r->paths.run_dir, names[i]);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		buf b = {0};
		char chunk[8192];
		ssize_t n;
		while ((n = read(fd, chunk, sizeof chunk)) > 0 && b.len < (16u << 20))
			buf_add(&b, chunk, (size_t)n);
		if (b.len)
			cordon_launchlog_parse(b.p, b.len, &r->log);
		buf_free(&b);
	}
}

static void emit(reader *r, const denial *d)
{
	if (!denial_is_denial(d))
		return;
	const cordon_launch_rec *rec = denial_find_launch(&r->list, d, &r->log);
	if (rec == NULL && (r->log.n == 0 || r->log.v[r->log.n - 1].ms < d->ms)) {
		read_log(r);
		rec = denial_find_launch(&r->list, d, &r->log);
	}
	/* the caller's launch, and the caller's process: nothing else */
	if (rec == NULL || rec->uid != r->uid || denial_uid(&r->list, d, rec) != (int64_t)r->uid)
		return;
	printf("L %lld.%03lld000000 %d %u %s\n", (long long)(rec->ms / 1000),
	       (long long)(rec->ms % 1000), (int)rec->pid, (unsigned)rec->uid, rec->label);
	for (size_t i = 0; i < d->raw.n; i++)
		printf("R %s\n", d->raw.v[i]);
}

static void flush(reader *r, size_t upto)
{
	for (; r->done < upto; r->done++)
		emit(r, &r->list.v[r->done]);
	fflush(stdout);
}

static void add(void *ctx, int type, const char *text)
{
	reader *r = ctx;
	denial_list_add(&r->list, type, text);
}

int main(int argc, char **argv)
{
	bool follow = argc == 2 && strcmp(argv[1], "--follow") == 0;
	if (argc > 2 || (argc == 2 && !follow)) {
		fprintf(stderr, "usage: cordon-denials [--follow]\n");
		return 2;
	}
	reader r = {.uid = getuid()};
	const char *root = r.uid == 0 ? getenv("CORDON_ROOT") : NULL;
	if (root == NULL || root[0] == '\0')
		root = CORDON_SYSTEM_ROOT[0] ? CORDON_SYSTEM_ROOT : NULL;
	if (cordon_paths_init(&r.paths, root) < 0) {
		fprintf(stderr, "cordon-denials: invalid root prefix\n");
		return 1;
	}
	/* what goes out is the caller's; what comes in is the kernel's */
	signal(SIGPIPE, SIG_DFL);
	read_log(&r);
	cordon_error *err = NULL;
	if (denial_kmsg_read(add, &r, &err) < 0) {
		fprintf(stderr, "cordon-denials: %s\n", err->msg);
		return 1;
	}
	flush(&r, r.list.n);
	if (!follow)
		return 0;
	denial_audit_session a;
	if (denial_audit_open(&a, false, &err) < 0) {
		fprintf(stderr, "cordon-denials: %s\n", err->msg);
		return 1;
	}
	if (!a.was_enabled)
		fprintf(stderr,
			"kernel audit is off: only seccomp's denials are recorded "
			"(root's `cordon debug denials --follow` turns audit on while it runs)\n");
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (!stop) {
		struct pollfd p[2] = {{.fd = a.fd, .events = POLLIN}, {.fd = STDOUT_FILENO}};
		int n = poll(p, 2, 200);
		if (n > 0 && (p[1].revents & (POLLERR | POLLHUP)))
			break; /* the CLI is gone */
		if (n <= 0) {
			flush(&r, r.list.n);
			continue;
		}
		if (denial_audit_read(&a, add, &r, &err) < 0) {
			fprintf(stderr, "cordon-denials: %s\n", err->msg);
			break;
		}
		/* an event's records interleave with the next one's (a
		 * domain freed meanwhile): events go out when the stream is
		 * quiet, or when many wait */
		if (r.list.n - r.done > 64)
			flush(&r, r.list.n - 16);
	}
	flush(&r, r.list.n);
	denial_audit_close(&a, NULL);
	return 0;
}
