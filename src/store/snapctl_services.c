/* snapctl services, start, stop, restart: the caller's own daemons only
 * (snapd's ctlcmd services.go, start.go, stop.go, restart.go and the name
 * rules of helpers.go), driven through systemctl (systemd.h).
 *
 * start starts an app's sockets and timer where it has them (they start its
 * service), else its service; stop stops all of them; restart restarts (or
 * with --reload reloads, where the app can) the services. --enable and
 * --disable first record the choice in state and rewrite the enable links
 * (services.h) in one journaled change, then reload the managers. Where
 * systemd does not run nothing is changed: an error. */
#include "snapctl_cmds.h"
#include "manifest.h"
#include "state.h"
#include "systemd.h"
#include "txn.h"
#include "util.h"

#include <errno.h>
#include <string.h>

/* snapd's maybePatchServiceNames then getServiceInfos: the daemon apps of
 * the caller's snap that `names` say (none: all of them). A snap of a
 * parallel instance may name its services with its snap name
 * ($SNAP_NAME.app): *patched then, and the table drops the instance key. */
static int resolve(const cordon_loaded_snap *ls, const strv *names, strv *apps, bool *patched,
		   cordon_error **err)
{
	const char *instance = ls->row.name, *snap = ls->row.snap_name;
	const char *key = ls->row.instance_key;
	*patched = false;
	_cleanup_strv_ strv fixed = {0};
	size_t with_key = 0;
	for (size_t i = 0; i < names->n; i++) {
		const char *n = names->v[i];
		if (strcmp(n, snap) == 0) {
			strv_push(&fixed, instance);
			*patched = true;
			continue;
		}
		const char *dot = strchr(n, '.');
		size_t inst_len = dot ? (size_t)(dot - n) : strlen(n);
		const char *us = memchr(n, '_', inst_len);
		size_t snap_len = us ? (size_t)(us - n) : inst_len;
		if (snap_len == strlen(snap) && strncmp(n, snap, snap_len) == 0) {
			if (us == NULL) {
				strv_push_own(&fixed, xasprintf("%s%s", instance, dot ? dot : ""));
				*patched = true;
				continue;
			}
			with_key++;
			size_t klen = inst_len - snap_len - 1;
			if (klen != strlen(key) || strncmp(us + 1, key, klen) != 0)
				return cordon_err_msg(err, EINVAL,
						      "unexpected snap instance key: \"%.*s\"",
						      (int)klen, us + 1);
		}
		strv_push(&fixed, n);
	}
	if (with_key != 0 && with_key != names->n)
		return cordon_err_msg(err, EINVAL, "inconsistent use of snap instance key");
	const cordon_manifest *m = ls->m;
	bool all = fixed.n == 0;
	for (size_t i = 0; i < fixed.n && !all; i++)
		all = strcmp(fixed.v[i], instance) == 0;
	if (all) {
		for (size_t i = 0; i < m->n_apps; i++)
			if (m->apps[i].daemon)
				strv_push(apps, m->apps[i].name);
		return 0;
	}
	size_t plen = strlen(instance);
	for (size_t i = 0; i < fixed.n; i++) {
		const char *n = fixed.v[i];
		const cordon_app *a = NULL;
		if (strncmp(n, instance, plen) == 0 && n[plen] == '.')
			a = cordon_manifest_app(m, n + plen + 1);
		if (a == NULL || a->daemon == NULL)
			/* another snap's app is nothing this snap knows of */
			return cordon_err_msg(err, ENOENT, "unknown service: \"%s\"", names->v[i]);
		if (!strv_contains(apps, a->name))
			strv_push(apps, a->name);
	}
	return 0;
}

static bool user_daemon(const cordon_app *a)
{
	return a->daemon_scope && strcmp(a->daemon_scope, "user") == 0;
}

static bool activated(const cordon_app *a)
{
	return a->n_sockets > 0 || a->timer != NULL;
}

/* snapd's ClientAppInfoNotes. */
static char *notes(const cordon_app *a)
{
	_cleanup_buf_ buf b = {0};
	const char *words[] = {user_daemon(a) ? "user" : NULL, a->timer ? "timer-activated" : NULL,
			       a->n_sockets ? "socket-activated" : NULL,
			       a->activates.n ? "dbus-activated" : NULL};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (words[i])
			buf_printf(&b, "%s%s", b.len ? "," : "", words[i]);
	return b.len ? buf_steal(&b) : xstrdup("-");
}

/* What state says of the app: enabled (the row, else install-mode's
 * default; nothing of a disabled snap). */
static bool enabled_of(const cordon_loaded_snap *ls, const cordon_app *a,
		       const cordon_service_row *rows, size_t n)
{
	if (ls->row.disabled)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].app, a->name) == 0)
			return rows[i].enabled;
	return !(a->install_mode && strcmp(a->install_mode, "disable") == 0);
}

/* "active", "inactive", or "-" where it cannot be known (no systemd, a
 * user daemon seen globally, no manager of the caller's). */
static void current_states(const strv *units, uid_t scope, strv *out)
{
	cordon_unit_props *p = NULL;
	size_t n = 0;
	bool known = cordon_systemd_booted() && units->n > 0;
	if (known && cordon_systemd_show(scope, (const char *const *)units->v, &p, &n, NULL) < 0)
		known = false;
	for (size_t i = 0; i < units->n; i++) {
		const char *state = known ? "inactive" : "-";
		for (size_t k = 0; known && k < n; k++)
			if (p[k].id && strcmp(p[k].id, units->v[i]) == 0 && p[k].active_state &&
			    strcmp(p[k].active_state, "active") == 0)
				state = "active";
		strv_push(out, state);
	}
	cordon_unit_props_free(p, n);
}

static bool manager_runs(uid_t uid)
{
	uid_t *uids = NULL;
	size_t n = 0;
	bool yes = false;
	if (cordon_systemd_user_managers(&uids, &n, NULL) == 0)
		for (size_t i = 0; i < n; i++)
			yes |= uids[i] == uid;
	free(uids);
	return yes;
}

/* Go's tabwriter as snapctl uses it (minimum width 5, padding 2): every
 * column but the last as wide as its widest cell and two more. */
static void render(const strv *cells, size_t ncols, buf *out)
{
	size_t w[4] = {0};
	for (size_t i = 0; i < cells->n; i++) {
		size_t n = strlen(cells->v[i]) + 2;
		if (n > w[i % ncols])
			w[i % ncols] = n < 5 ? 5 : n;
	}
	for (size_t i = 0; i < cells->n; i++) {
		size_t c = i % ncols;
		buf_adds(out, cells->v[i]);
		for (size_t k = strlen(cells->v[i]); c + 1 < ncols && k < w[c]; k++)
			buf_addc(out, ' ');
		if (c + 1 == ncols)
			buf_addc(out, '\n');
	}
}

static int load(snapctl_req *q, bool writable, cordon_ctx **ctx, const cordon_loaded_snap **ls,
		cordon_error **err)
{
	int r = snapctl_req_ctx(q, writable, ctx, err);
	if (r == 0)
		r = cordon_ctx_snap(*ctx, q->caller->instance, ls, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed",
				      q->caller->instance);
	return r;
}

int snapctl_services(snapctl_req *q, size_t argc, char *const *argv, buf *out, cordon_error **err)
{
	snapctl_opt opts[] = {{.name = "global", .short_name = 'g'},
			      {.name = "user", .short_name = 'u'}};
	_cleanup_strv_ strv names = {0}, apps = {0};
	int r = snapctl_parse(argc, argv, opts, ARRAY_SIZE(opts), &names, err);
	if (r < 0)
		return r;
	if (opts[0].seen && opts[1].seen)
		return cordon_err_msg(err, EINVAL, "cannot combine --global and --user switches.");
	cordon_ctx *ctx;
	const cordon_loaded_snap *ls;
	bool patched;
	r = load(q, false, &ctx, &ls, err);
	if (r == 0)
		r = resolve(ls, &names, &apps, &patched, err);
	if (r < 0 || apps.n == 0)
		return r;
	strv_sort(&apps);
	cordon_service_row *rows = NULL;
	size_t nrows = 0;
	r = cordon_state_list_services(ctx->state, ls->row.name, &rows, &nrows, err);
	if (r < 0)
		return r;
	uid_t uid = q->caller->uid;
	bool global = (uid == 0 && !opts[1].seen) || (uid != 0 && opts[0].seen);
	_cleanup_strv_ strv sys_units = {0}, user_units = {0}, sys_state = {0}, user_state = {0};
	for (size_t i = 0; i < apps.n; i++) {
		const cordon_app *a = cordon_manifest_app(ls->m, apps.v[i]);
		strv_push_own(user_daemon(a) ? &user_units : &sys_units,
			      xasprintf("snap.%s.%s.service", ls->row.name, a->name));
	}
	current_states(&sys_units, CORDON_SYSTEMD_SYSTEM, &sys_state);
	/* user daemons: as the caller's own manager has them (none for root,
	 * whose view is the global one, as snapd's) */
	if (!global && manager_runs(uid))
		current_states(&user_units, uid, &user_state);
	else
		for (size_t i = 0; i < user_units.n; i++)
			strv_push(&user_state, "-");
	const char *snap = patched ? ls->row.snap_name : ls->row.name;
	_cleanup_strv_ strv cells = {0};
	const char *hdr[] = {"Service", "Startup", "Current", "Notes"};
	for (size_t i = 0; i < ARRAY_SIZE(hdr); i++)
		strv_push(&cells, hdr[i]);
	for (size_t i = 0, s = 0, u = 0; i < apps.n; i++) {
		const cordon_app *a = cordon_manifest_app(ls->m, apps.v[i]);
		strv_push_own(&cells, xasprintf("%s.%s", snap, a->name));
		strv_push(&cells, enabled_of(ls, a, rows, nrows) ? "enabled" : "disabled");
		strv_push(&cells, user_daemon(a) ? user_state.v[u++] : sys_state.v[s++]);
		strv_push_own(&cells, notes(a));
	}
	cordon_service_rows_free(rows, nrows);
	render(&cells, 4, out);
	return 0;
}

/* --enable / --disable: the rows and the enable links the whole-snap
 * recompile writes from them (services.c), in one journaled change. */
static int set_enabled(cordon_ctx *ctx, const char *instance, const strv *apps, bool on,
		       cordon_error **err)
{
	strv snaps = {0};
	strv_push(&snaps, instance);
	cordon_txn t = {0};
	int r = cordon_txn_begin(ctx, on ? "snapctl-enable" : "snapctl-disable", &snaps, NULL, NULL,
				 &t, err);
	if (r == 0) {
		for (size_t i = 0; r == 0 && i < apps->n; i++)
			r = cordon_state_put_service(ctx->state, instance, apps->v[i], on, false,
						     err);
		cordon_txn_recompile(&t, instance, NULL, NULL);
		r = r == 0 ? cordon_txn_commit(&t, err) : cordon_txn_abort(&t, r, err);
		if (r == 0)
			cordon_txn_settle(&t);
	}
	cordon_txn_free(&t);
	strv_free(&snaps);
	return r;
}

/* systemctl ARGS... in one manager. */
static int ctl(uid_t scope, const char *verb, const strv *units, cordon_error **err)
{
	if (units->n == 0)
		return 0;
	strv args = {0};
	strv_push(&args, verb);
	for (size_t i = 0; i < units->n; i++)
		strv_push(&args, units->v[i]);
	cordon_systemctl_result res;
	int r = cordon_systemctl(scope, (const char *const *)args.v, &res, err);
	strv_free(&args);
	if (r == 0 && res.status != 0) {
		_cleanup_free_ char *what = xasprintf("systemctl %s", verb);
		r = cordon_systemctl_error(&res, err, what);
	}
	cordon_systemctl_result_free(&res);
	return r;
}

int snapctl_service_control(snapctl_req *q, const char *verb, size_t argc, char *const *argv,
			    cordon_error **err)
{
	bool start = strcmp(verb, "start") == 0, stop = strcmp(verb, "stop") == 0;
	snapctl_opt opt = {.name = start ? "enable" : stop ? "disable" : "reload"};
	_cleanup_strv_ strv names = {0}, apps = {0};
	int r = snapctl_parse(argc, argv, &opt, 1, &names, err);
	if (r < 0)
		return r;
	if (names.n == 0)
		return cordon_err_msg(err, EINVAL,
				      "the required argument `<service> (at least 1 "
				      "argument)` was not provided");
	bool change = opt.seen && (start || stop);
	if (change && q->given)
		/* snapd queues them until its hook is done; not built */
		return cordon_err_msg(err, ENOTSUP, "cannot use --%s from a hook", opt.name);
	cordon_ctx *ctx;
	const cordon_loaded_snap *ls;
	bool patched;
	r = load(q, change, &ctx, &ls, err);
	if (r == 0)
		r = resolve(ls, &names, &apps, &patched, err);
	if (r < 0)
		return r;
	/* nothing recorded that no manager would act on (the services CLI
	 * says the same) */
	if (!cordon_systemd_booted())
		return cordon_err_msg(err, EHOSTDOWN,
				      "systemd is not running on this system: cannot %s services",
				      verb);
	const char *instance = ls->row.name;
	_cleanup_strv_ strv sys_units = {0}, user_units = {0};
	strv *units[2] = {&sys_units, &user_units};
	for (size_t i = 0; i < apps.n; i++) {
		const cordon_app *a = cordon_manifest_app(ls->m, apps.v[i]);
		strv *u = units[user_daemon(a)];
		/* start: what activates the service; stop: that and the
		 * service; restart: the service */
		bool activators = stop || (start && activated(a));
		for (size_t k = 0; activators && k < a->n_sockets; k++)
			strv_push_own(u, xasprintf("snap.%s.%s.%s.socket", instance, a->name,
						   a->sockets[k].name));
		if (activators && a->timer)
			strv_push_own(u, xasprintf("snap.%s.%s.timer", instance, a->name));
		if (!start || !activated(a))
			strv_push_own(u, xasprintf("snap.%s.%s.service", instance, a->name));
	}
	if (change) {
		r = set_enabled(ctx, instance, &apps, start, err);
		if (r < 0)
			return r;
	}
	const char *word = start      ? "start"
			   : stop     ? "stop"
			   : opt.seen ? "reload-or-restart"
				      : "restart";
	const char *reload[] = {"daemon-reload", NULL};
	for (int user = 0; user < 2; user++) {
		if (units[user]->n == 0)
			continue;
		uid_t *uids = NULL;
		size_t n = 0;
		if (user)
			r = cordon_systemd_user_managers(&uids, &n, err);
		else {
			uids = xmalloc(sizeof *uids);
			uids[n++] = CORDON_SYSTEMD_SYSTEM;
		}
		for (size_t m = 0; r == 0 && m < n; m++) {
			cordon_systemctl_result res = {0};
			/* the manager reads the links an enable change wrote */
			if (change && (r = cordon_systemctl(uids[m], reload, &res, err)) == 0 &&
			    res.status != 0)
				r = cordon_systemctl_error(&res, err, "systemctl daemon-reload");
			cordon_systemctl_result_free(&res);
			if (r == 0)
				r = ctl(uids[m], word, units[user], err);
		}
		free(uids);
		if (r < 0)
			return r;
	}
	return 0;
}
