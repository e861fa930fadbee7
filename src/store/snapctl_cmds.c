/* snapctl's commands: the dispatch, the uid rule, is-connected (snapd's
 * ctlcmd.go, is_connected.go). services, start, stop, restart are in
 * snapctl_services.c, configuration in snapctl_config.c. */
#include "snapctl_cmds.h"
#include "manifest.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cordon_snapctl_reply_free(cordon_snapctl_reply *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
	r->status = 0;
}

int snapctl_req_ctx(snapctl_req *q, bool writable, cordon_ctx **out, cordon_error **err)
{
	if (q->given) {
		*out = q->given;
		return 0;
	}
	if (!q->opened) {
		/* read-only opens never create or recover anything; a
		 * writable one is a store command's (the lock, recovery) */
		if (q->open == NULL)
			return cordon_err_msg(err, EINVAL, "internal error: no context to work in");
		int r = q->open(&q->own, q->root, writable, err);
		if (r < 0) {
			cordon_ctx_close(&q->own);
			return r;
		}
		q->opened = true;
	}
	*out = &q->own;
	return 0;
}

static snapctl_opt *find_opt(snapctl_opt *opts, size_t n, const char *name, size_t len, char c)
{
	for (size_t i = 0; i < n; i++)
		if ((name && strlen(opts[i].name) == len &&
		     strncmp(opts[i].name, name, len) == 0) ||
		    (!name && c && opts[i].short_name == c))
			return &opts[i];
	return NULL;
}

int snapctl_parse(size_t argc, char *const *argv, snapctl_opt *opts, size_t n_opts, strv *pos,
		  cordon_error **err)
{
	bool options = true;
	for (size_t i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!options || a[0] != '-' || a[1] == '\0') {
			strv_push(pos, a);
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options = false;
			continue;
		}
		snapctl_opt *o;
		const char *value = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			o = find_opt(opts, n_opts, a + 2, len, 0);
			if (o == NULL)
				return cordon_err_msg(err, EINVAL, "unknown flag `%.*s'", (int)len,
						      a + 2);
			value = eq ? eq + 1 : NULL;
		} else {
			o = a[2] == '\0' ? find_opt(opts, n_opts, NULL, 0, a[1]) : NULL;
			if (o == NULL)
				return cordon_err_msg(err, EINVAL, "unknown flag `%s'", a + 1);
		}
		if (o->takes_value && value == NULL) {
			if (i + 1 >= argc)
				return cordon_err_msg(err, EINVAL,
						      "expected argument for flag `--%s'", o->name);
			value = argv[++i];
		} else if (!o->takes_value && value != NULL) {
			return cordon_err_msg(err, EINVAL,
					      "bool flag `--%s' cannot have an argument", o->name);
		}
		o->seen = true;
		o->value = value;
	}
	return 0;
}

/* snapd's nonRootAllowed: what a caller who is not root may run. */
static const char *const non_root_allowed[] = {
    "get",   "services", "set-health", "is-connected", "system-mode", "refresh",
    "model", "version",	 "is-ready",   "tasks",	       "change",
};

/* snapd's isAllowedToRun: root anything; others the commands above, and
 * help wherever it is asked for before "--". */
static bool allowed_to_run(uid_t uid, size_t argc, char *const *argv)
{
	if (uid == 0)
		return true;
	for (size_t i = 0; i < argc; i++) {
		for (size_t k = 0; i == 0 && k < ARRAY_SIZE(non_root_allowed); k++)
			if (strcmp(argv[0], non_root_allowed[k]) == 0)
				return true;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
		if (strcmp(argv[i], "--") == 0)
			break;
	}
	return false;
}

static const char usage[] =
    "Usage:\n"
    "  snapctl [OPTIONS] <command>\n"
    "\n"
    "The snapctl tool is used by snaps to communicate with the system\n"
    "(cordon) from their apps and hooks.\n"
    "\n"
    "Available commands:\n"
    "  get           The get command prints configuration options for the current snap.\n"
    "  is-connected  Return success if the given plug or slot is connected\n"
    "  restart       Restart services\n"
    "  services      Query the status of services\n"
    "  set           Changes configuration options\n"
    "  start         Start services\n"
    "  stop          Stop services\n"
    "  unset         Remove configuration options\n";

static bool wants_help(size_t argc, char *const *argv)
{
	for (size_t i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

/* ---- is-connected ---- */

static bool has_port(const cordon_manifest *m, const char *name)
{
	return cordon_manifest_plug(m, name) != NULL || cordon_manifest_slot(m, name) != NULL;
}

/* 0 connected, 1 not (snapd's UnsuccessfulError with code 1); --list
 * prints the snap's connected plugs and slots, each once, sorted. */
static int is_connected(snapctl_req *q, size_t argc, char *const *argv, buf *out,
			cordon_error **err)
{
	snapctl_opt opts[] = {{.name = "list"},
			      {.name = "pid", .takes_value = true},
			      {.name = "apparmor-label", .takes_value = true}};
	_cleanup_strv_ strv pos = {0};
	int r = snapctl_parse(argc, argv, opts, ARRAY_SIZE(opts), &pos, err);
	if (r < 0)
		return r;
	if (pos.n > 1)
		return cordon_err_msg(err, EINVAL, "too many arguments for command");
	const char *name = pos.n ? pos.v[0] : NULL;
	bool list = opts[0].seen;
	if (name && list)
		return cordon_err_msg(err, EINVAL,
				      "cannot specify both a plug/slot name and --list");
	if (!name && !list)
		return cordon_err_msg(err, EINVAL,
				      "must specify either a plug/slot name or --list");
	const char *instance = q->caller->instance;
	cordon_ctx *ctx;
	r = snapctl_req_ctx(q, false, &ctx, err);
	const cordon_loaded_snap *ls = NULL;
	if (r == 0)
		r = cordon_ctx_snap(ctx, instance, &ls, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT,
				      "internal error: cannot get snap info: snap \"%s\" "
				      "is not installed",
				      instance);
	if (r < 0)
		return r;
	if (name && !has_port(ls->m, name))
		return cordon_err_msg(err, ENOENT, "snap \"%s\" has no plug or slot named \"%s\"",
				      instance, name);
	/* --pid and --apparmor-label ask about another process's snap, which
	 * snapd allows for pulseaudio, audio-record and cups-control slots
	 * only; cordon has no such slot to offer */
	for (size_t i = 1; i < ARRAY_SIZE(opts); i++)
		if (opts[i].seen) {
			if (!name)
				return cordon_err_msg(err, EINVAL,
						      "cannot use --%s check without "
						      "plug/slot",
						      opts[i].name);
			return cordon_err_msg(err, EINVAL, "cannot use --%s check with %s:%s",
					      opts[i].name, instance, name);
		}
	cordon_conn_row *rows[2] = {NULL, NULL};
	size_t n[2] = {0, 0};
	r = cordon_state_connections_from_plugs(ctx->state, instance, &rows[0], &n[0], err);
	if (r == 0)
		r = cordon_state_connections_to_slots(ctx->state, instance, &rows[1], &n[1], err);
	_cleanup_strv_ strv names = {0};
	bool found = false;
	for (int side = 0; r == 0 && side < 2; side++)
		for (size_t i = 0; i < n[side]; i++) {
			const char *port = side == 0 ? rows[side][i].plug : rows[side][i].slot;
			found |= name && strcmp(port, name) == 0;
			if (!strv_contains(&names, port))
				strv_push(&names, port);
		}
	cordon_conn_rows_free(rows[0], n[0]);
	cordon_conn_rows_free(rows[1], n[1]);
	if (r < 0)
		return r;
	if (list) {
		strv_sort(&names);
		for (size_t i = 0; i < names.n; i++)
			buf_printf(out, "%s\n", names.v[i]);
		return 0;
	}
	return found ? 0 : 1;
}

/* ---- the dispatch ---- */

static void reply_error(cordon_snapctl_reply *reply, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void reply_error(cordon_snapctl_reply *reply, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	buf_printf(&reply->err, "error: %s\n", msg);
	reply->status = 1;
}

static bool is_command(const char *name)
{
	static const char *const known[] = {"get",   "set",  "unset",	"is-connected",
					    "start", "stop", "restart", "services"};
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strcmp(name, known[i]) == 0)
			return true;
	return false;
}

void cordon_snapctl_run(cordon_ctx *ctx, const char *root, cordon_snapctl_open_fn open,
			const cordon_snapctl_caller *caller, size_t argc, char *const *argv,
			cordon_snapctl_reply *reply)
{
	memset(reply, 0, sizeof *reply);
	if (argc == 0) {
		reply_error(reply, "snapctl cannot run without args");
		return;
	}
	/* the uid first, whatever the command and context (snapd's order) */
	if (!allowed_to_run(caller->uid, argc, argv)) {
		reply_error(reply, "cannot use \"%s\" with uid %u, try with sudo", argv[0],
			    (unsigned)caller->uid);
		return;
	}
	if (wants_help(argc, argv)) {
		buf_adds(&reply->out, usage);
		return;
	}
	const char *cmd = argv[0];
	if (!is_command(cmd)) {
		reply_error(reply, "snapctl: unknown command \"%s\", see 'snapctl --help'", cmd);
		return;
	}
	if (caller->instance == NULL) {
		reply_error(reply,
			    "snapctl: cannot invoke snapctl operation commands (here \"%s\") from "
			    "outside of a snap",
			    cmd);
		return;
	}
	snapctl_req q = {.given = ctx, .root = root, .open = open, .caller = caller};
	cordon_error *err = NULL;
	int r;
	if (strcmp(cmd, "is-connected") == 0)
		r = is_connected(&q, argc - 1, argv + 1, &reply->out, &err);
	else if (strcmp(cmd, "services") == 0)
		r = snapctl_services(&q, argc - 1, argv + 1, &reply->out, &err);
	else if (strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0 ||
		 strcmp(cmd, "restart") == 0)
		r = snapctl_service_control(&q, cmd, argc - 1, argv + 1, &err);
	else {
		/* configuration: read-only for get; set and unset change state
		 * (the store's lock, as any change) */
		bool get = strcmp(cmd, "get") == 0;
		cordon_ctx *c = NULL;
		r = snapctl_req_ctx(&q, !get, &c, &err);
		if (r == 0 && get)
			r = cordon_snapctl_get(c, caller, argc - 1, argv + 1, &reply->out, &err);
		else if (r == 0 && strcmp(cmd, "set") == 0)
			r = cordon_snapctl_set(c, caller, argc - 1, argv + 1, &reply->out, &err);
		else if (r == 0)
			r = cordon_snapctl_unset(c, caller, argc - 1, argv + 1, &reply->out, &err);
	}
	if (q.opened) {
		/* what a change left to the next command, as the CLI says it */
		for (size_t i = 0; i < q.own.warnings.n; i++)
			buf_printf(&reply->err, "Warning: %s\n", q.own.warnings.v[i]);
		cordon_ctx_close(&q.own);
	}
	if (r < 0)
		reply_error(reply, "snapctl: %s", err ? err->msg : strerror(-r));
	else
		reply->status = r;
	cordon_error_free(&err);
}
