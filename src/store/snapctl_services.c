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
#include "service_ctl.h"
#include "systemd.h"
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
		strv_push_own(&cells, cordon_svc_notes(a));
	}
	cordon_service_rows_free(rows, nrows);
	render(&cells, 4, out);
	return 0;
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
	/* the caller's own apps, named: then as `cordon start|stop|restart`
	 * does it (service_ctl.h) */
	cordon_svc_ref *refs = xcalloc(apps.n + 1, sizeof *refs);
	for (size_t i = 0; i < apps.n; i++) {
		const cordon_app *a = cordon_manifest_app(ls->m, apps.v[i]);
		refs[i] = (cordon_svc_ref){.snap = xstrdup(ls->row.name),
					   .app = xstrdup(a->name),
					   .a = a,
					   .user = user_daemon(a),
					   .snap_disabled = ls->row.disabled,
					   .named = true};
	}
	cordon_svc_ctl o = {.verb = start  ? CORDON_SVC_START
				    : stop ? CORDON_SVC_STOP
					   : CORDON_SVC_RESTART,
			    .enable = start && opt.seen,
			    .disable = stop && opt.seen,
			    .reload = !start && !stop && opt.seen};
	r = cordon_svc_control(ctx, refs, apps.n, &o, err);
	cordon_svc_refs_free(refs, apps.n);
	return r;
}
