/* cordon debug denials [--follow] [--since TIME] [SNAP[.APP]]: the kernel's
 * denial records of confined commands, one line each, with the interface
 * that would allow each (denial_explain.h).
 *
 * Sources. The kernel log (/dev/kmsg) holds what was denied before: seccomp
 * records always (the filters are loaded with SECCOMP_FILTER_FLAG_LOG, which
 * logs even while audit is off), Landlock's only while audit is on, and both
 * through printk's rate limit. --follow reads the audit netlink socket's
 * read-only multicast group (AUDIT_NLGRP_READLOG: needs CAP_AUDIT_READ, and
 * takes nothing from an audit daemon), and turns audit on for its own
 * duration when it is off, restoring it on exit: Landlock records nothing
 * while audit is off. Labels come from the launch log (launchlog.h). */
#include "catalog.h"
#include "config.h"
#include "cli.h"
#include "connections_view.h"
#include "denial_explain.h"
#include "denial_record.h"
#include "denial_source.h"
#include "fsutil.h"
#include "launchlog.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DENIALS_USAGE "usage: cordon debug denials [--follow] [--since TIME] [SNAP[.APP]]"

typedef struct snap_plugs {
	char *instance;
	cordon_conn_view *rows;
	size_t n_rows;
	denial_plug *plugs;
	size_t n;
} snap_plugs;

typedef struct denials_ctx {
	cordon_ctx ctx;
	const cordon_catalog *cat;
	const char *default_seccomp;
	cordon_launchlog log;
	char *filter; /* SNAP or SNAP.APP, or NULL */
	int64_t since_ms;
	bool all_users; /* root: everyone's */
	bool reread;	/* the launch log is ours to read again */
	snap_plugs *snaps;
	size_t n_snaps;
	denial_list list;
	size_t printed; /* list.v[0..printed) are done */
} denials_ctx;

static volatile sig_atomic_t stop_following;

static void on_signal(int sig)
{
	(void)sig;
	stop_following = 1;
}

/* --since: "10m", "2h", "30s", "1d" ago, or "YYYY-MM-DD HH:MM[:SS]" (local
 * time), or "@EPOCH". */
static int parse_since(const char *s, int64_t *ms, cordon_error **err)
{
	char *end;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (s[0] == '@') {
		long long v = strtoll(s + 1, &end, 10);
		if (end != s + 1 && *end == '\0') {
			*ms = v * 1000;
			return 0;
		}
	}
	long long v = strtoll(s, &end, 10);
	if (end != s && v >= 0 && end[0] && !end[1]) {
		static const struct {
			char c;
			int64_t ms;
		} units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}};
		for (size_t i = 0; i < 4; i++)
			if (end[0] == units[i].c) {
				*ms = (int64_t)now.tv_sec * 1000 - v * units[i].ms;
				return 0;
			}
	}
	static const char *const fmts[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
					   "%Y-%m-%d %H:%M", "%Y-%m-%d"};
	for (size_t i = 0; i < 4; i++) {
		struct tm tm = {.tm_isdst = -1};
		const char *e = strptime(s, fmts[i], &tm);
		if (e && *e == '\0') {
			*ms = (int64_t)mktime(&tm) * 1000;
			return 0;
		}
	}
	return cordon_err_msg(err, EINVAL,
			      "--since %s: expected a duration (30s, 10m, 2h, 1d), "
			      "YYYY-MM-DD[ HH:MM[:SS]] or @EPOCH",
			      s);
}

static const snap_plugs *plugs_of(denials_ctx *c, const char *instance)
{
	for (size_t i = 0; i < c->n_snaps; i++)
		if (strcmp(c->snaps[i].instance, instance) == 0)
			return &c->snaps[i];
	c->snaps = xrealloc(c->snaps, (c->n_snaps + 1) * sizeof *c->snaps);
	snap_plugs *s = &c->snaps[c->n_snaps++];
	*s = (snap_plugs){.instance = xstrdup(instance)};
	cordon_error *err = NULL;
	if (cordon_connections_view(&c->ctx, instance, true, &s->rows, &s->n_rows, &err) < 0) {
		cordon_error_free(&err); /* removed since: no plugs */
		s->rows = NULL;
		s->n_rows = 0;
	}
	s->plugs = xmalloc((s->n_rows + 1) * sizeof *s->plugs);
	size_t pl = strlen(instance);
	for (size_t i = 0; i < s->n_rows; i++) {
		const cordon_conn_view *r = &s->rows[i];
		if (strncmp(r->plug, instance, pl) != 0 || r->plug[pl] != ':')
			continue;
		s->plugs[s->n++] = (denial_plug){.plug = r->plug + pl + 1,
						 .interface = r->interface,
						 .connected = strcmp(r->slot, "-") != 0};
	}
	return s;
}

/* "snap.<instance>.<app>" or "snap.<instance>.hook.<hook>": the instance
 * (malloc'd), or NULL. */
static char *label_instance(const char *label)
{
	if (strncmp(label, "snap.", 5) != 0)
		return NULL;
	const char *dot = strchr(label + 5, '.');
	return dot ? xstrndup(label + 5, (size_t)(dot - label - 5)) : NULL;
}

static bool label_wanted(const char *filter, const char *label)
{
	if (filter == NULL)
		return true;
	_cleanup_free_ char *want = xasprintf("snap.%s", filter);
	size_t n = strlen(want);
	/* SNAP: every label of the snap; SNAP.APP: that one */
	return strcmp(label, want) == 0 ||
	       (strchr(filter, '.') == NULL && strncmp(label, want, n) == 0 && label[n] == '.');
}

static void read_launchlog(denials_ctx *c);

/* The home of uid in /etc/passwd, read as a file: this program is static,
 * and NSS would load modules built against another libc (revisions.c). */
static char *passwd_home(uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	if (f == NULL)
		return NULL;
	char *home = NULL;
	struct passwd pw, *res;
	char line[4096];
	while (home == NULL && fgetpwent_r(f, &pw, line, sizeof line, &res) == 0)
		if (pw.pw_uid == uid && pw.pw_dir)
			home = xstrdup(pw.pw_dir);
	fclose(f);
	return home;
}

static void print_denial(denials_ctx *c, const denial *d)
{
	if (!denial_is_denial(d) || d->ms < c->since_ms)
		return;
	const cordon_launch_rec *rec = denial_find_launch(&c->list, d, &c->log);
	if (rec == NULL && c->reread && (c->log.n == 0 || c->log.v[c->log.n - 1].ms < d->ms)) {
		/* launched after the log was read (--follow) */
		read_launchlog(c);
		rec = denial_find_launch(&c->list, d, &c->log);
	}
	if (rec == NULL || !label_wanted(c->filter, rec->label))
		return; /* not a confined command's */
	int64_t uid = denial_uid(&c->list, d, rec);
	if (!c->all_users && (uid != (int64_t)getuid() || rec->uid != getuid()))
		return;
	_cleanup_free_ char *instance = label_instance(rec->label);
	denial_snap s = {.instance = instance, .uid = (uid_t)uid};
	/* $HOME of the rules: as the launcher has it (the password
	 * database; under a test root prefix, a root caller's $HOME) */
	const char *env_home = getenv("HOME");
	_cleanup_free_ char *home = c->ctx.paths.root[0] && uid == 0 && getuid() == 0 && env_home
					? xstrdup(env_home)
					: passwd_home((uid_t)uid);
	s.home = home;
	if (instance) {
		const snap_plugs *sp = plugs_of(c, instance);
		s.plugs = sp->plugs;
		s.n_plugs = sp->n;
	}
	_cleanup_free_ char *op = denial_operation(d, c->cat);
	_cleanup_free_ char *hint = denial_suggestion(d, c->cat, c->default_seccomp, &s);
	time_t t = (time_t)(d->ms / 1000);
	struct tm tm;
	char when[32] = "?";
	if (localtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s %s %s: %s; %s\n", when, rec->label, denial_mechanism(d), op, hint);
}

/* Print the events before `keep_from` (the newest may still get records). */
static void flush(denials_ctx *c, size_t keep_from)
{
	for (; c->printed < keep_from; c->printed++)
		print_denial(c, &c->list.v[c->printed]);
	fflush(stdout);
}

static void read_launchlog(denials_ctx *c)
{
	static const char *const names[] = {"launches.old", "launches"};
	cordon_launchlog_free(&c->log);
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", c->ctx.paths.run_dir, names[i]);
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		cordon_error *err = NULL;
		if (fs_read_path(path, 16 << 20, &text, &len, &err) < 0) {
			cordon_error_free(&err);
			continue;
		}
		cordon_launchlog_parse(text, len, &c->log);
	}
}

static void add_record(void *ctx, int type, const char *text)
{
	denials_ctx *c = ctx;
	denial_list_add(&c->list, type, text);
}

static int follow(denials_ctx *c, cordon_error **err)
{
	denial_audit_session a;
	int r = denial_audit_open(&a, true, err);
	if (r < 0)
		return r;
	if (!a.was_enabled)
		fprintf(stderr, "kernel audit turned on until this command ends (Landlock "
				"records denials only while audit is on)\n");
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (!stop_following) {
		struct pollfd p = {.fd = a.fd, .events = POLLIN};
		int n = poll(&p, 1, 200);
		if (n < 0 && errno != EINTR) {
			r = cordon_err(err, errno, "poll");
			break;
		}
		if (n <= 0) {
			/* quiet: every event is whole */
			read_launchlog(c);
			flush(c, c->list.n);
			continue;
		}
		r = denial_audit_read(&a, add_record, c, err);
		if (r < 0)
			break;
		/* an event's records interleave with the next one's (a
		 * domain freed meanwhile): events go out when the stream is
		 * quiet, or when many wait */
		if (c->list.n - c->printed > 64)
			flush(c, c->list.n - 16);
	}
	flush(c, c->list.n);
	cordon_error *rerr = NULL;
	int rr = denial_audit_close(&a, &rerr);
	if (r >= 0 && rr < 0) {
		*err = rerr;
		return rr;
	}
	cordon_error_free(&rerr);
	return r < 0 ? r : 0;
}

/* One line of cordon-denials: "L <launch log line>" or "R TYPE TEXT". */
static void helper_line(denials_ctx *c, const char *line)
{
	if (strncmp(line, "L ", 2) == 0) {
		_cleanup_free_ char *l = xasprintf("%s\n", line + 2);
		cordon_launchlog_parse(l, strlen(l), &c->log);
	} else if (strncmp(line, "R ", 2) == 0) {
		char *end;
		long type = strtol(line + 2, &end, 10);
		if (end != line + 2 && *end == ' ')
			denial_list_add(&c->list, (int)type, end + 1);
	}
}

/* A user's view: the setuid reader hands over the records of the caller's
 * own commands (src/confine/denials_main.c), read here as the kernel's. */
static int via_helper(denials_ctx *c, bool follow_on, cordon_error **err)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cordon_err(err, errno, "pipe");
	const char *helper = CORDON_LIBEXECDIR "/cordon-denials";
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return cordon_err(err, e, "fork");
	}
	if (pid == 0) {
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		char *args[] = {(char *)helper, follow_on ? (char *)"--follow" : NULL, NULL};
		execv(helper, args);
		_exit(127);
	}
	close(fds[1]);
	struct sigaction sa = {.sa_handler = on_signal};
	if (follow_on) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	_cleanup_buf_ buf pending = {0};
	bool eof = false;
	while (!eof && !stop_following) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		int n = poll(&p, 1, 200);
		if (n <= 0) {
			flush(c, c->list.n); /* quiet: every event is whole */
			continue;
		}
		char chunk[65536];
		ssize_t got = read(fds[0], chunk, sizeof chunk);
		if (got <= 0) {
			eof = got == 0 || errno != EINTR;
			continue;
		}
		buf_add(&pending, chunk, (size_t)got);
		size_t start = 0;
		for (size_t i = 0; i < pending.len; i++)
			if (pending.p[i] == '\n') {
				pending.p[i] = '\0';
				helper_line(c, pending.p + start);
				start = i + 1;
			}
		memmove(pending.p, pending.p + start, pending.len - start);
		pending.len -= start;
		if (follow_on && c->list.n - c->printed > 64)
			flush(c, c->list.n - 16);
	}
	flush(c, c->list.n);
	close(fds[0]);
	if (!eof)
		kill(pid, SIGTERM); /* ours: the caller's own real uid */
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (eof && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return cordon_err_msg(err, EIO, "%s failed", helper);
	return 0;
}

static void denials_free(denials_ctx *c)
{
	for (size_t i = 0; i < c->n_snaps; i++) {
		free(c->snaps[i].instance);
		free(c->snaps[i].plugs);
		cordon_conn_views_free(c->snaps[i].rows, c->snaps[i].n_rows);
	}
	free(c->snaps);
	cordon_launchlog_free(&c->log);
	denial_list_free(&c->list);
	cli_close(&c->ctx);
}

int cmd_debug_denials(int argc, char **argv, cordon_error **err)
{
	bool follow_on = false;
	const char *since = NULL, *filter = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0)
			follow_on = true;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			since = argv[++i];
		else if (strncmp(argv[i], "--since=", 8) == 0)
			since = argv[i] + 8;
		else if (argv[i][0] != '-' && filter == NULL)
			filter = argv[i];
		else
			return cordon_err_msg(err, EINVAL, DENIALS_USAGE);
	}
	denials_ctx c = {.filter = (char *)filter, .all_users = getuid() == 0};
	if (since) {
		int r = parse_since(since, &c.since_ms, err);
		if (r < 0)
			return r;
	}
	int r = cli_open(&c.ctx, false, "debug denials", err);
	if (r < 0)
		goto out;
	r = cordon_ctx_catalog(&c.ctx, &c.cat, err);
	if (r < 0)
		goto out;
	const cordon_def *defaults;
	r = cordon_ctx_defaults(&c.ctx, &defaults, &c.default_seccomp, err);
	if (r < 0)
		goto out;
	if (geteuid() != 0) {
		r = via_helper(&c, follow_on, err);
		goto out;
	}
	c.reread = true;
	read_launchlog(&c);
	r = denial_kmsg_read(add_record, &c, err);
	if (r < 0)
		goto out;
	flush(&c, c.list.n);
	if (follow_on) {
		r = follow(&c, err);
	} else if (!denial_audit_enabled()) {
		fprintf(stderr, "note: kernel audit is off: Landlock's denials (files, TCP ports) "
				"are not recorded, seccomp's are; `cordon debug denials --follow` "
				"turns audit on while it runs, or `auditctl -e 1`\n");
	}
out:
	denials_free(&c);
	return r < 0 ? r : 0;
}
