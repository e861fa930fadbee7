/* The service commands' store side (service_ctl.h). */
#include "service_ctl.h"
#include "state.h"
#include "systemd.h"
#include "txn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void cordon_svc_refs_free(cordon_svc_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(refs[i].snap);
		free(refs[i].app);
	}
	free(refs);
}

char *cordon_svc_notes(const cordon_app *a)
{
	_cleanup_buf_ buf b = {0};
	if (a->daemon_scope && strcmp(a->daemon_scope, "user") == 0)
		buf_adds(&b, "user");
	const char *kinds[] = {a->timer ? "timer-activated" : NULL,
			       a->n_sockets ? "socket-activated" : NULL,
			       a->activates.n ? "dbus-activated" : NULL};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i]) {
			if (b.len)
				buf_addc(&b, ',');
			buf_adds(&b, kinds[i]);
		}
	return b.len ? buf_steal(&b) : xstrdup("-");
}

/* ---- which apps ---- */

typedef struct ref_list {
	cordon_svc_ref *v;
	size_t n;
} ref_list;

static void add_ref(ref_list *rs, const cordon_loaded_snap *ls, const cordon_app *a, bool named)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].snap, ls->row.name) == 0 &&
		    strcmp(rs->v[i].app, a->name) == 0) {
			rs->v[i].named |= named;
			return;
		}
	rs->v = xreallocarray(rs->v, rs->n + 1, sizeof *rs->v);
	rs->v[rs->n++] = (cordon_svc_ref){
	    .snap = xstrdup(ls->row.name),
	    .app = xstrdup(a->name),
	    .a = a,
	    .user = a->daemon_scope && strcmp(a->daemon_scope, "user") == 0,
	    .snap_disabled = ls->row.disabled,
	    .named = named,
	};
}

/* Every daemon app of the snap; false when it has none. */
static bool add_snap(ref_list *rs, const cordon_loaded_snap *ls)
{
	bool any = false;
	for (size_t i = 0; i < ls->m->n_apps; i++)
		if (ls->m->apps[i].daemon) {
			add_ref(rs, ls, &ls->m->apps[i], false);
			any = true;
		}
	return any;
}

static int cmp_ref(const void *x, const void *y)
{
	const cordon_svc_ref *a = x, *b = y;
	int c = strcmp(a->snap, b->snap);
	return c ? c : strcmp(a->app, b->app);
}

/* One name of the command line: snapd splits at the first dot (an
 * instance key has none). */
static int add_name(cordon_ctx *ctx, ref_list *rs, const char *name, cordon_error **err)
{
	const char *dot = strchr(name, '.');
	_cleanup_free_ char *snap = dot ? xstrndup(name, (size_t)(dot - name)) : xstrdup(name);
	const char *app = dot ? dot + 1 : NULL;
	const cordon_loaded_snap *ls = NULL;
	int r = cordon_ctx_snap(ctx, snap, &ls, err);
	if (r == -ENOENT)
		return app ? cordon_err_msg(err, ENOENT, "snap \"%s\" has no service \"%s\"", snap,
					    app)
			   : cordon_err_msg(err, ENOENT, "snap \"%s\" not found", snap);
	if (r < 0)
		return r;
	if (app == NULL)
		return add_snap(rs, ls)
			   ? 0
			   : cordon_err_msg(err, ENOENT, "snap \"%s\" has no services", snap);
	const cordon_app *a = cordon_manifest_app(ls->m, app);
	if (a == NULL || a->daemon == NULL)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" has no service \"%s\"", snap, app);
	add_ref(rs, ls, a, true);
	return 0;
}

int cordon_svc_resolve(cordon_ctx *ctx, char *const *names, size_t n_names, cordon_svc_ref **out,
		       size_t *n, cordon_error **err)
{
	ref_list rs = {0};
	int r = 0;
	for (size_t i = 0; r == 0 && i < n_names; i++)
		r = add_name(ctx, &rs, names[i], err);
	if (r == 0 && n_names == 0 && ctx->state) {
		cordon_snap_row *snaps = NULL;
		size_t ns = 0;
		r = cordon_state_list_snaps(ctx->state, &snaps, &ns, err);
		for (size_t i = 0; r == 0 && i < ns; i++) {
			const cordon_loaded_snap *ls;
			r = cordon_ctx_snap(ctx, snaps[i].name, &ls, err);
			if (r == 0)
				add_snap(&rs, ls);
		}
		cordon_snap_rows_free(snaps, ns);
	}
	if (r < 0) {
		cordon_svc_refs_free(rs.v, rs.n);
		return r;
	}
	if (rs.n > 1)
		qsort(rs.v, rs.n, sizeof *rs.v, cmp_ref);
	*out = rs.v;
	*n = rs.n;
	return 0;
}

/* ---- their units ---- */

static char *service_unit(const cordon_svc_ref *r)
{
	return xasprintf("snap.%s.%s.service", r->snap, r->app);
}

/* The units that activate the app: its sockets (by unit name, as snapd
 * sorts them), then its timer. */
static void activator_units(const cordon_svc_ref *r, strv *out)
{
	_cleanup_strv_ strv socks = {0};
	for (size_t i = 0; i < r->a->n_sockets; i++)
		strv_push_own(&socks, xasprintf("snap.%s.%s.%s.socket", r->snap, r->app,
						r->a->sockets[i].name));
	strv_sort(&socks);
	for (size_t i = 0; i < socks.n; i++)
		strv_push(out, socks.v[i]);
	if (r->a->timer)
		strv_push_own(out, xasprintf("snap.%s.%s.timer", r->snap, r->app));
}

/* Activated (snapd's serviceIsActivated): something else starts its
 * service, which systemd then calls static. */
static bool activated(const cordon_app *a)
{
	return a->n_sockets > 0 || a->timer || a->activates.n > 0;
}

/* The managers a scope's units live in: the system's, or every running
 * user manager (user daemons run once per user). */
static int managers(bool user, uid_t **uids, size_t *n, cordon_error **err)
{
	if (!user) {
		*uids = xmalloc(sizeof **uids);
		(*uids)[0] = CORDON_SYSTEMD_SYSTEM;
		*n = 1;
		return 0;
	}
	return cordon_systemd_user_managers(uids, n, err);
}

static const char *manager_name(uid_t scope)
{
	return scope == CORDON_SYSTEMD_SYSTEM ? "" : " --user";
}

/* The ActiveState of each unit, parallel to units (NULL: not reported). */
static int active_states(uid_t scope, const strv *units, strv *states, cordon_error **err)
{
	cordon_unit_props *p = NULL;
	size_t np = 0;
	int r =
	    units->n ? cordon_systemd_show(scope, (const char *const *)units->v, &p, &np, err) : 0;
	for (size_t i = 0; r == 0 && i < units->n; i++) {
		const char *st = "";
		for (size_t k = 0; k < np; k++)
			if (p[k].id && p[k].active_state && strcmp(p[k].id, units->v[i]) == 0)
				st = p[k].active_state;
		strv_push(states, st);
	}
	cordon_unit_props_free(p, np);
	return r;
}

/* snapd's Active: as `systemctl is-active` says. */
static bool is_active(const char *state)
{
	return strcmp(state, "active") == 0 || strcmp(state, "reloading") == 0;
}

/* ---- status ---- */

/* snapd: an activated app is enabled when one of its activators is (a
 * D-Bus name always is); ours follow the app's row, as its links do. */
static bool enabled_of(const cordon_svc_ref *r, const cordon_service_row *rows, size_t n)
{
	if (r->snap_disabled)
		return false;
	if (r->a->activates.n > 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].app, r->app) == 0)
			return rows[i].enabled;
	/* no row yet: what the install gives it (services.c) */
	return !(r->a->install_mode && strcmp(r->a->install_mode, "disable") == 0);
}

static int fill_enabled(cordon_ctx *ctx, const cordon_svc_ref *refs, size_t n,
			cordon_svc_status *out, cordon_error **err)
{
	for (size_t i = 0; i < n;) {
		cordon_service_row *rows = NULL;
		size_t nrows = 0;
		int r = cordon_state_list_services(ctx->state, refs[i].snap, &rows, &nrows, err);
		if (r < 0)
			return r;
		size_t j = i;
		for (; j < n && strcmp(refs[j].snap, refs[i].snap) == 0; j++)
			out[j].enabled = enabled_of(&refs[j], rows, nrows);
		cordon_service_rows_free(rows, nrows);
		i = j;
	}
	return 0;
}

/* Current of the refs of one scope, from one manager. */
static int fill_current(uid_t scope, bool user, const cordon_svc_ref *refs, size_t n,
			cordon_svc_status *out, cordon_error **err)
{
	_cleanup_strv_ strv units = {0}, states = {0};
	for (size_t i = 0; i < n; i++)
		if (refs[i].user == user && !refs[i].snap_disabled)
			strv_push_own(&units, service_unit(&refs[i]));
	int r = active_states(scope, &units, &states, err);
	for (size_t i = 0, k = 0; r == 0 && i < n; i++)
		if (refs[i].user == user && !refs[i].snap_disabled)
			out[i].current =
			    is_active(states.v[k++]) ? CORDON_SVC_ACTIVE : CORDON_SVC_INACTIVE;
	return r;
}

/* A caller other than root sees its own user manager's services, as with
 * snapd; root sees user daemons globally, where no one state exists. */
static bool own_manager_runs(uid_t uid)
{
	uid_t *uids = NULL;
	size_t n = 0;
	bool found = false;
	if (cordon_systemd_user_managers(&uids, &n, NULL) == 0)
		for (size_t i = 0; i < n && !found; i++)
			found = uids[i] == uid;
	free(uids);
	return found;
}

int cordon_svc_status_of(cordon_ctx *ctx, const cordon_svc_ref *refs, size_t n,
			 cordon_svc_status **out, char **note, cordon_error **err)
{
	*note = NULL;
	*out = xcalloc(n + 1, sizeof **out);
	int r = fill_enabled(ctx, refs, n, *out, err);
	if (r < 0) {
		free(*out);
		*out = NULL;
		return r;
	}
	for (size_t i = 0; i < n; i++)
		(*out)[i].current =
		    refs[i].snap_disabled ? CORDON_SVC_INACTIVE : CORDON_SVC_UNKNOWN;
	if (!cordon_systemd_booted()) {
		*note = xstrdup("systemd is not running on this system: no service runs");
		return 0;
	}
	bool any_user = false;
	for (size_t i = 0; i < n; i++)
		any_user |= refs[i].user;
	cordon_error *e = NULL;
	r = fill_current(CORDON_SYSTEMD_SYSTEM, false, refs, n, *out, &e);
	uid_t me = geteuid();
	if (r == 0 && any_user && me != 0 && own_manager_runs(me))
		r = fill_current(me, true, refs, n, *out, &e);
	if (r < 0) {
		/* the table still says what state says */
		*note = xasprintf("cannot ask systemd whether services run: %s",
				  e ? e->msg : "unknown error");
		for (size_t i = 0; i < n; i++)
			if (!refs[i].snap_disabled)
				(*out)[i].current = CORDON_SVC_UNKNOWN;
	}
	cordon_error_free(&e);
	return 0;
}

/* ---- start, stop, restart ---- */

/* --enable/--disable: the rows, and the links recompiling writes from them
 * (services.c), in one journaled change. Its `services` entries stay
 * until the caller has acted (cordon_txn_services_done): a kill before
 * leaves the next command to start what state says runs. *changed: false
 * when every row already said so (nothing journaled or written). */
static int set_enabled(cordon_ctx *ctx, const cordon_svc_ref *refs, size_t n,
		       const cordon_svc_status *st, bool on, cordon_txn *t, bool *changed,
		       cordon_error **err)
{
	_cleanup_strv_ strv snaps = {0};
	for (size_t i = 0; i < n; i++)
		if (st[i].enabled != on && refs[i].a->activates.n == 0 &&
		    !strv_contains(&snaps, refs[i].snap))
			strv_push(&snaps, refs[i].snap);
	*changed = snaps.n > 0;
	if (snaps.n == 0)
		return 0;
	int r = cordon_txn_begin(ctx, on ? "enable" : "disable", &snaps, NULL, &snaps, t, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = cordon_state_put_service(ctx->state, refs[i].snap, refs[i].app, on, false, err);
	for (size_t i = 0; i < snaps.n; i++)
		cordon_txn_recompile(t, snaps.v[i], NULL, NULL);
	return r == 0 ? cordon_txn_commit(t, err) : cordon_txn_abort(t, r, err);
}

/* The units VERB acts on in one manager (states: their ActiveState, for
 * restart), as snapd's wrappers choose them. */
static void verb_units(const cordon_svc_ctl *o, const cordon_svc_ref *refs,
		       const cordon_svc_status *st, size_t n, bool user, const strv *states,
		       strv *out)
{
	/* start: activators first, then the services nothing activates */
	for (size_t pass = 0; o->verb == CORDON_SVC_START && pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			if (refs[i].user != user)
				continue;
			if (pass == 0)
				activator_units(&refs[i], out);
			else if (!activated(refs[i].a))
				strv_push_own(out, service_unit(&refs[i]));
		}
	if (o->verb == CORDON_SVC_STOP)
		for (size_t i = 0; i < n; i++)
			if (refs[i].user == user) {
				activator_units(&refs[i], out);
				strv_push_own(out, service_unit(&refs[i]));
			}
	if (o->verb != CORDON_SVC_RESTART)
		return;
	/* restart: what runs, is enabled or was named; of an activated app
	 * its activators (not on reload) and its service if it runs */
	for (size_t i = 0, k = 0; i < n; i++) {
		if (refs[i].user != user)
			continue;
		_cleanup_strv_ strv acts = {0};
		activator_units(&refs[i], &acts);
		bool wanted = refs[i].named || st[i].enabled;
		for (size_t a = 0; a < acts.n; a++, k++)
			if (!o->reload && (wanted || is_active(states->v[k])))
				strv_push(out, acts.v[a]);
		bool running = is_active(states->v[k++]);
		if (running || (acts.n == 0 && wanted))
			strv_push_own(out, service_unit(&refs[i]));
	}
}

/* Every unit of the scope's refs, in verb_units' order for restart. */
static void all_units(const cordon_svc_ref *refs, size_t n, bool user, strv *out)
{
	for (size_t i = 0; i < n; i++)
		if (refs[i].user == user) {
			activator_units(&refs[i], out);
			strv_push_own(out, service_unit(&refs[i]));
		}
}

static void keep_first(int r, cordon_error **e, int *first, cordon_error **err)
{
	if (r >= 0)
		return;
	if (*first == 0) {
		*first = r;
		*err = *e;
		*e = NULL;
	} else {
		cordon_error_free(e);
	}
}

static int daemon_reload(uid_t scope, cordon_error **err)
{
	const char *args[] = {"daemon-reload", NULL};
	cordon_systemctl_result res;
	int r = cordon_systemctl(scope, args, &res, err);
	if (r == 0 && res.status != 0) {
		_cleanup_free_ char *what =
		    xasprintf("systemctl%s daemon-reload", manager_name(scope));
		r = cordon_systemctl_error(&res, err, what);
	}
	cordon_systemctl_result_free(&res);
	return r;
}

/* One manager: after an enable change its daemon-reload (as `systemctl
 * enable` does: the manager reads the links), then the verb. */
static int act_in(uid_t scope, bool reload_first, const cordon_svc_ctl *o,
		  const cordon_svc_ref *refs, const cordon_svc_status *st, size_t n,
		  cordon_error **err)
{
	bool user = scope != CORDON_SYSTEMD_SYSTEM;
	int r = reload_first ? daemon_reload(scope, err) : 0;
	if (r < 0)
		return r;
	_cleanup_strv_ strv all = {0}, states = {0}, units = {0};
	if (o->verb == CORDON_SVC_RESTART) {
		all_units(refs, n, user, &all);
		r = active_states(scope, &all, &states, err);
		if (r < 0)
			return r;
	}
	verb_units(o, refs, st, n, user, &states, &units);
	const char *verb = o->verb == CORDON_SVC_START	? "start"
			   : o->verb == CORDON_SVC_STOP ? "stop"
			   : o->reload			? "reload-or-restart"
							: "restart";
	return cordon_systemctl_units(scope, verb, &units, err);
}

static const char *verb_word(cordon_svc_verb v)
{
	return v == CORDON_SVC_START ? "start" : v == CORDON_SVC_STOP ? "stop" : "restart";
}

int cordon_svc_control(cordon_ctx *ctx, const cordon_svc_ref *refs, size_t n,
		       const cordon_svc_ctl *o, cordon_error **err)
{
	/* snapd fails here too (systemctl cannot reach a manager); nothing
	 * is recorded that no manager would act on */
	if (!cordon_systemd_booted())
		return cordon_err_msg(err, EHOSTDOWN,
				      "systemd is not running on this system: cannot %s services",
				      verb_word(o->verb));
	/* what state says is enabled (restart and --enable/--disable ask) */
	cordon_svc_status *st = xcalloc(n + 1, sizeof *st);
	int r = fill_enabled(ctx, refs, n, st, err);
	if (r < 0) {
		free(st);
		return r;
	}
	cordon_txn t = {0};
	bool changed = false;
	if (o->enable || o->disable)
		r = set_enabled(ctx, refs, n, st, o->enable, &t, &changed, err);
	if (r < 0) {
		cordon_txn_free(&t);
		free(st);
		return r;
	}
	if (changed) {
		_cleanup_free_ char *fault = xasprintf("%s-services", t.what);
		cordon_fault(fault);
		for (size_t i = 0; i < n; i++)
			if (refs[i].a->activates.n == 0)
				st[i].enabled = o->enable && !refs[i].snap_disabled;
	}
	int first = 0;
	cordon_error *e = NULL;
	for (int user = 0; user < 2; user++) {
		bool any = false;
		for (size_t i = 0; i < n; i++)
			any |= refs[i].user == (bool)user;
		uid_t *uids = NULL;
		size_t nm = 0;
		if (any)
			keep_first(managers(user, &uids, &nm, &e), &e, &first, err);
		for (size_t m = 0; m < nm; m++)
			keep_first(act_in(uids[m], changed, o, refs, st, n, &e), &e, &first, err);
		free(uids);
	}
	if (changed) {
		/* done or not, the entries go: a unit that fails to start
		 * would fail again at every later command (as in the settle
		 * of any change); the error says so now */
		cordon_txn_services_done(&t);
		cordon_txn_settle(&t);
	}
	cordon_txn_free(&t);
	free(st);
	return first;
}

/* ---- logs ---- */

/* In the child: never returns. */
static void journal_child(int out, char *const *argv)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0)
		_exit(126);
	/* nothing of the caller's reaches journalctl; stderr is the
	 * user's, for its own messages (no permission to read the journal) */
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	/* -f runs until the user stops cordon: journalctl goes with it */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		_exit(126);
	const char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8",
			      "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0", NULL};
	execve("/usr/bin/journalctl", argv, (char *const *)envp);
	execve("/bin/journalctl", argv, (char *const *)envp);
	_exit(127);
}

/* A group of journalctl matches: `fixed` and any of `values` (the values
 * of one field are alternatives); groups are alternatives, "+" between. */
static void match_group(strv *argv, bool *any, const char *fixed, const strv *values)
{
	if (values->n == 0)
		return;
	if (*any)
		strv_push(argv, "+");
	if (fixed)
		strv_push(argv, fixed);
	for (size_t i = 0; i < values->n; i++)
		strv_push(argv, values->v[i]);
	*any = true;
}

int cordon_svc_logs_start(const cordon_svc_ref *refs, size_t n, long lines, bool follow, pid_t *pid,
			  int *fd, cordon_error **err)
{
	if (!cordon_systemd_booted())
		return cordon_err_msg(err, EHOSTDOWN,
				      "systemd is not running on this system: services have no "
				      "journal to show");
	_cleanup_strv_ strv argv = {0};
	/* snapd's journalctl call (systemd.go: jctl), the fields it reads
	 * named; --all: a long message in full, not null */
	strv_push(&argv, "journalctl");
	strv_push(&argv, "-o");
	strv_push(&argv, "json");
	strv_push(&argv, "--no-pager");
	strv_push(&argv, "--all");
	strv_push(&argv, "--output-fields=MESSAGE,SYSLOG_IDENTIFIER,_PID,SYSLOG_PID");
	if (lines < 0) {
		strv_push(&argv, "--no-tail");
	} else {
		strv_push(&argv, "-n");
		strv_push_own(&argv, xasprintf("%ld", lines));
	}
	if (follow)
		strv_push(&argv, "-f");
	/* Matches, not -u/--user-unit: those two cannot be alternatives of
	 * each other, and --user-unit matches the caller's own _UID only.
	 * What `journalctl -u` matches of a system unit: its lines and PID 1's
	 * about it. A user daemon's lines: on cgroup v2 its process leaves
	 * the unit's (delegated) cgroup for the label's (see cgroup.h), where
	 * journald finds no unit, so by that cgroup too (the launcher's
	 * compiled parent: systemd starts it with no override); its user
	 * manager's lines about it (every user's instance, for root). Only
	 * fields journald sets itself (_*) say who wrote a line. */
	_cleanup_strv_ strv sys = {0}, usr = {0}, cg = {0}, about_sys = {0}, about_usr = {0};
	cordon_cgroup_cfg defaults = {0};
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *unit = service_unit(&refs[i]);
		if (refs[i].user) {
			strv_push_own(&usr, xasprintf("_SYSTEMD_USER_UNIT=%s", unit));
			strv_push_own(&cg, xasprintf("_SYSTEMD_CGROUP=/%s/snap.%s.%s",
						     cordon_cgroup_parent(&defaults), refs[i].snap,
						     refs[i].app));
			strv_push_own(&about_usr, xasprintf("USER_UNIT=%s", unit));
		} else {
			strv_push_own(&sys, xasprintf("_SYSTEMD_UNIT=%s", unit));
			strv_push_own(&about_sys, xasprintf("UNIT=%s", unit));
		}
	}
	bool any = false;
	match_group(&argv, &any, NULL, &sys);
	match_group(&argv, &any, "_PID=1", &about_sys);
	match_group(&argv, &any, NULL, &usr);
	match_group(&argv, &any, NULL, &cg);
	match_group(&argv, &any, "_SYSTEMD_USER_UNIT=init.scope", &about_usr);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cordon_err(err, errno, "run journalctl: pipe");
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return cordon_err(err, e, "run journalctl: fork");
	}
	if (child == 0)
		journal_child(p[1], argv.v);
	close(p[1]);
	*pid = child;
	*fd = p[0];
	return 0;
}

int cordon_svc_logs_wait(pid_t pid, cordon_error **err)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cordon_err(err, errno, "wait for journalctl");
	if (WIFSIGNALED(status))
		return cordon_err_msg(err, EIO, "journalctl was killed by signal %d",
				      WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		return cordon_err_msg(err, ENOENT, "cannot run journalctl (package systemd)");
	if (WEXITSTATUS(status) != 0)
		return cordon_err_msg(err, EIO, "journalctl exited with status %d",
				      WEXITSTATUS(status));
	return 0;
}
