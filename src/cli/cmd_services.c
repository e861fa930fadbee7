/* services, start, stop, restart, logs: a snap's daemons, as snap shows and
 * drives them (snapd's cmd/snap/cmd_services.go). */
#include "cli.h"
#include "service_ctl.h"
#include "svc_format.h"
#include "table.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *current_word(cordon_svc_current c)
{
	return c == CORDON_SVC_ACTIVE ? "active" : c == CORDON_SVC_INACTIVE ? "inactive" : "-";
}

int cmd_services(int argc, char **argv, cordon_error **err)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return cordon_err_msg(err, EINVAL,
					      "unknown option %s; usage: cordon services "
					      "[SNAP[.APP]...]",
					      argv[i]);
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "services", err);
	cordon_svc_ref *refs = NULL;
	cordon_svc_status *st = NULL;
	size_t n = 0;
	_cleanup_free_ char *note = NULL;
	if (r == 0)
		r = cordon_svc_resolve(&ctx, argv + 1, (size_t)argc - 1, &refs, &n, err);
	if (r == 0 && n == 0)
		fprintf(stderr, "There are no services provided by installed snaps.\n");
	if (r == 0 && n > 0)
		r = cordon_svc_status_of(&ctx, refs, n, &st, &note, err);
	if (r == 0 && n > 0) {
		table t;
		table_init(&t, 4);
		const char *hdr[] = {"Service", "Startup", "Current", "Notes"};
		table_add(&t, hdr);
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *name = xasprintf("%s.%s", refs[i].snap, refs[i].app);
			_cleanup_free_ char *notes = cordon_svc_notes(refs[i].a);
			const char *row[] = {name, st[i].enabled ? "enabled" : "disabled",
					     current_word(st[i].current), notes};
			table_add(&t, row);
		}
		cli_print_table(&t);
		table_free(&t);
		if (note) {
			fflush(stdout);
			fprintf(stderr, "%s\n", note);
		}
	}
	free(st);
	cordon_svc_refs_free(refs, n);
	cli_close(&ctx);
	return r;
}

/* start, stop, restart: [FLAG] SNAP[.APP]... */
static int control(int argc, char **argv, cordon_svc_ctl *o, const char *flag, bool *flag_set,
		   const char *done, cordon_error **err)
{
	const char *cmd = argv[0];
	int first = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], flag) == 0)
			*flag_set = true;
		else if (argv[i][0] == '-')
			return cordon_err_msg(err, EINVAL, "unknown option %s", argv[i]);
		else if (first == 0)
			first = i;
	}
	if (first == 0)
		return cordon_err_msg(err, EINVAL, "usage: cordon %s [%s] SNAP[.APP]...", cmd,
				      flag);
	_cleanup_strv_ strv names = {0};
	for (int i = first; i < argc; i++)
		if (strcmp(argv[i], flag) != 0)
			strv_push(&names, argv[i]);
	cordon_ctx ctx;
	int r = cli_open(&ctx, true, cmd, err);
	cordon_svc_ref *refs = NULL;
	size_t n = 0;
	if (r == 0)
		r = cordon_svc_resolve(&ctx, names.v, names.n, &refs, &n, err);
	if (r == 0)
		r = cordon_svc_control(&ctx, refs, n, o, err);
	cordon_svc_refs_free(refs, n);
	cli_close(&ctx);
	if (r == 0)
		printf("%s\n", done);
	return r;
}

int cmd_start(int argc, char **argv, cordon_error **err)
{
	cordon_svc_ctl o = {.verb = CORDON_SVC_START};
	return control(argc, argv, &o, "--enable", &o.enable, "Started.", err);
}

int cmd_stop(int argc, char **argv, cordon_error **err)
{
	cordon_svc_ctl o = {.verb = CORDON_SVC_STOP};
	return control(argc, argv, &o, "--disable", &o.disable, "Stopped.", err);
}

int cmd_restart(int argc, char **argv, cordon_error **err)
{
	cordon_svc_ctl o = {.verb = CORDON_SVC_RESTART};
	return control(argc, argv, &o, "--reload", &o.reload, "Restarted.", err);
}

/* snap logs' -n: a non-negative number, or "all" (-1). */
static int parse_lines(const char *s, long *out, cordon_error **err)
{
	if (strcmp(s, "all") == 0) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT32_MAX)
		return cordon_err_msg(err, EINVAL,
				      "invalid argument for flag ‘-n’: expected a non-negative "
				      "integer argument, or “all”.");
	*out = v;
	return 0;
}

/* Print journalctl's entries as snap's lines until it ends (-f: until the
 * user stops cordon, which stops journalctl: see cordon_svc_logs_start). */
static int relay(int fd, bool follow, bool utc, cordon_error **err)
{
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		int e = errno;
		close(fd);
		return cordon_err(err, e, "read journalctl's output");
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	_cleanup_buf_ buf out = {0};
	while ((len = getline(&line, &cap, f)) > 0) {
		out.len = 0;
		if (svc_journal_line(line, (size_t)len, utc, &out) < 0)
			continue; /* not an entry: nothing snap would print */
		buf_addc(&out, '\n');
		if (fwrite(out.p, 1, out.len, stdout) != out.len)
			break;
		if (follow)
			fflush(stdout);
	}
	free(line);
	fclose(f);
	return 0;
}

int cmd_logs(int argc, char **argv, cordon_error **err)
{
	long lines = 10;
	bool follow = false, utc = false;
	_cleanup_strv_ strv names = {0};
	int r = 0;
	for (int i = 1; r == 0 && i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0)
			follow = true;
		else if (strcmp(a, "--abs-time") == 0)
			utc = true;
		else if (strcmp(a, "-n") == 0 && i + 1 < argc)
			r = parse_lines(argv[++i], &lines, err);
		else if (str_has_prefix(a, "-n="))
			r = parse_lines(a + 3, &lines, err);
		else if (str_has_prefix(a, "-n") && a[2])
			r = parse_lines(a + 2, &lines, err);
		else if (a[0] == '-')
			r = cordon_err_msg(err, EINVAL, "unknown option %s", a);
		else
			strv_push(&names, a);
	}
	if (r == 0 && names.n == 0)
		r = cordon_err_msg(err, EINVAL,
				   "usage: cordon logs [-n N|all] [-f] [--abs-time] SNAP[.APP]...");
	if (r < 0)
		return r;
	cordon_ctx ctx;
	r = cli_open(&ctx, false, "logs", err);
	cordon_svc_ref *refs = NULL;
	size_t n = 0;
	pid_t pid = -1;
	int fd = -1;
	if (r == 0)
		r = cordon_svc_resolve(&ctx, names.v, names.n, &refs, &n, err);
	if (r == 0)
		r = cordon_svc_logs_start(refs, n, lines, follow, &pid, &fd, err);
	cordon_svc_refs_free(refs, n);
	cli_close(&ctx);
	if (r < 0)
		return r;
	r = relay(fd, follow, utc, err);
	fflush(stdout);
	/* waited for in any case: journalctl ends once its pipe is closed */
	cordon_error *e = NULL;
	int w = cordon_svc_logs_wait(pid, r < 0 ? &e : err);
	cordon_error_free(&e);
	return r < 0 ? r : w;
}
