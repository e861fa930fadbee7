/* Driving the service manager around a change (services.h): stopping a
 * snap's units before it is replaced or removed, and the `services` entry's
 * reload, start and clean-up after. */
#include "services.h"
#include "fsutil.h"
#include "systemd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static bool user_scope(const cordon_app *a)
{
	return a->daemon_scope && strcmp(a->daemon_scope, "user") == 0;
}

/* The units the generator makes for app a (units.c): its service, its
 * sockets and its timer. */
static void app_units(const char *instance, const cordon_app *a, strv *out)
{
	strv_push_own(out, xasprintf("snap.%s.%s.service", instance, a->name));
	for (size_t i = 0; i < a->n_sockets; i++)
		strv_push_own(
		    out, xasprintf("snap.%s.%s.%s.socket", instance, a->name, a->sockets[i].name));
	if (a->timer)
		strv_push_own(out, xasprintf("snap.%s.%s.timer", instance, a->name));
}

/* Of these units, those the manager has loaded or still runs: stop refuses
 * a unit it never loaded. */
static int loaded_of(uid_t scope, const strv *units, strv *out, cordon_error **err)
{
	if (units->n == 0)
		return 0;
	cordon_unit_props *p = NULL;
	size_t n = 0;
	strv names = {0};
	for (size_t i = 0; i < units->n; i++)
		strv_push(&names, units->v[i]);
	int r = cordon_systemd_show(scope, (const char *const *)names.v, &p, &n, err);
	strv_free(&names);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (p[i].id && ((p[i].load_state && strcmp(p[i].load_state, "loaded") == 0) ||
				(p[i].active_state && strcmp(p[i].active_state, "inactive") != 0)))
			strv_push(out, p[i].id);
	cordon_unit_props_free(p, n);
	return r;
}

static int stop_in(uid_t scope, const strv *units, cordon_error **err)
{
	_cleanup_strv_ strv loaded = {0};
	int r = loaded_of(scope, units, &loaded, err);
	if (r == 0)
		r = cordon_systemctl_units(scope, "stop", &loaded, err);
	return r;
}

int cordon_services_stop_for_change(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
				    bool refresh, cordon_error **err)
{
	(void)ctx;
	if (m == NULL || !cordon_systemd_booted())
		return 0;
	_cleanup_strv_ strv sys = {0}, usr = {0};
	for (size_t i = 0; i < m->n_apps; i++) {
		const cordon_app *a = &m->apps[i];
		if (a->daemon == NULL)
			continue;
		/* endure: the running process outlives the refresh (snapd's
		 * refresh-mode); a remove stops it all the same */
		if (refresh && a->refresh_mode && strcmp(a->refresh_mode, "endure") == 0)
			continue;
		app_units(instance, a, user_scope(a) ? &usr : &sys);
	}
	int r = stop_in(CORDON_SYSTEMD_SYSTEM, &sys, err);
	if (r < 0 || usr.n == 0)
		return r;
	uid_t *uids = NULL;
	size_t n = 0;
	r = cordon_systemd_user_managers(&uids, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = stop_in(uids[i], &usr, err);
	free(uids);
	return r;
}

/* The snap's enabled units in one manager's directory: its links in the
 * .wants directories (services.c makes exactly those). */
static void linked_units(cordon_ctx *ctx, bool user, const char *instance, strv *out)
{
	_cleanup_free_ char *dir = cordon_unit_dir(ctx, user);
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", instance);
	_cleanup_close_ int dfd = fs_open_dir(dir, O_RDONLY, NULL);
	if (dfd < 0)
		return;
	_cleanup_strv_ strv dirs = {0};
	if (fs_list_dir_at(dfd, &dirs, NULL) < 0)
		return;
	for (size_t i = 0; i < dirs.n; i++) {
		if (!str_has_suffix(dirs.v[i], ".wants"))
			continue;
		_cleanup_close_ int wfd =
		    openat(dfd, dirs.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_strv_ strv names = {0};
		if (wfd < 0 || fs_list_dir_at(wfd, &names, NULL) < 0)
			continue;
		for (size_t k = 0; k < names.n; k++)
			if (str_has_prefix(names.v[k], prefix) && !strv_contains(out, names.v[k]))
				strv_push(out, names.v[k]);
	}
	strv_sort(out);
}

bool cordon_services_any_enabled(cordon_ctx *ctx, const char *instance)
{
	_cleanup_strv_ strv units = {0};
	linked_units(ctx, false, instance, &units);
	linked_units(ctx, true, instance, &units);
	return units.n > 0;
}

/* Units of the snap the manager still runs but whose file is gone (an app
 * a refresh dropped, a removed snap's endure service). */
static int stop_orphans(uid_t scope, const char *instance, cordon_error **err)
{
	_cleanup_free_ char *glob = xasprintf("snap.%s.*", instance);
	const char *units[] = {glob, NULL};
	cordon_unit_props *p = NULL;
	size_t n = 0;
	int r = cordon_systemd_show(scope, units, &p, &n, err);
	_cleanup_strv_ strv gone = {0};
	for (size_t i = 0; r == 0 && i < n; i++)
		if (p[i].id && p[i].load_state && strcmp(p[i].load_state, "not-found") == 0 &&
		    p[i].active_state && strcmp(p[i].active_state, "inactive") != 0)
			strv_push(&gone, p[i].id);
	cordon_unit_props_free(p, n);
	if (r == 0)
		r = cordon_systemctl_units(scope, "stop", &gone, err);
	return r;
}

/* A failure is kept (the first) while the other snaps and managers are
 * still brought in line. */
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

/* The snap's daemon apps in the order their before/after ask (snapd's
 * snap.SortServices; ties by manifest order). A cycle, which validation
 * refuses, would leave the rest in manifest order. */
static void order_apps(const cordon_manifest *m, strv *out)
{
	size_t n = m->n_apps;
	bool *done = xcalloc(n + 1, sizeof *done);
	for (size_t placed = 0; placed < n;) {
		size_t pick = n;
		for (size_t i = 0; i < n && pick == n; i++) {
			const cordon_app *a = &m->apps[i];
			if (done[i])
				continue;
			bool ready = true;
			for (size_t j = 0; j < n && ready; j++) {
				const cordon_app *b = &m->apps[j];
				if (done[j] || j == i)
					continue;
				/* b must start first: a is after b, or b before a */
				if (strv_contains(&a->after, b->name) ||
				    strv_contains(&b->before, a->name))
					ready = false;
			}
			if (ready)
				pick = i;
		}
		if (pick == n) /* a cycle: the rest as they come */
			for (pick = 0; pick < n && done[pick]; pick++)
				;
		done[pick] = true;
		placed++;
		if (m->apps[pick].daemon)
			strv_push(out, m->apps[pick].name);
	}
	free(done);
}

static bool has_ordering(const cordon_manifest *m)
{
	for (size_t i = 0; i < m->n_apps; i++)
		if (m->apps[i].daemon && (m->apps[i].after.n || m->apps[i].before.n))
			return true;
	return false;
}

/* Start the snap's enabled units. One `systemctl start` makes a job per unit
 * and systemd orders jobs only within one transaction, so apps with
 * before/after are started one after the other in that order, as snapd
 * does (systemd issue #8102); others in one call. */
static int start_units(cordon_ctx *ctx, uid_t scope, const char *instance, const strv *units,
		       cordon_error **err)
{
	const cordon_loaded_snap *ls = NULL;
	if (units->n == 0)
		return 0;
	if (cordon_ctx_snap(ctx, instance, &ls, NULL) < 0 || !has_ordering(ls->m))
		return cordon_systemctl_units(scope, "start", units, err);
	_cleanup_strv_ strv apps = {0}, started = {0};
	order_apps(ls->m, &apps);
	int first = 0;
	cordon_error *e = NULL;
	for (size_t i = 0; i < apps.n; i++) {
		_cleanup_free_ char *prefix = xasprintf("snap.%s.%s.", instance, apps.v[i]);
		_cleanup_strv_ strv mine = {0};
		for (size_t k = 0; k < units->n; k++)
			if (str_has_prefix(units->v[k], prefix)) {
				strv_push(&mine, units->v[k]);
				strv_push(&started, units->v[k]);
			}
		keep_first(cordon_systemctl_units(scope, "start", &mine, &e), &e, &first, err);
	}
	_cleanup_strv_ strv rest = {0};
	for (size_t k = 0; k < units->n; k++)
		if (!strv_contains(&started, units->v[k]))
			strv_push(&rest, units->v[k]);
	keep_first(cordon_systemctl_units(scope, "start", &rest, &e), &e, &first, err);
	return first;
}

static int settle_manager(cordon_ctx *ctx, uid_t scope, bool user, const strv *instances,
			  cordon_error **err)
{
	int first = 0;
	cordon_error *e = NULL;
	const char *reload[] = {"daemon-reload", NULL};
	cordon_systemctl_result res;
	int r = cordon_systemctl(scope, reload, &res, &e);
	if (r == 0 && res.status != 0)
		r = cordon_systemctl_error(&res, &e, "systemctl daemon-reload");
	cordon_systemctl_result_free(&res);
	if (r < 0) {
		*err = e;
		return r; /* no start on units the manager has not read */
	}
	if (!user)
		cordon_services_reload_bus(ctx);
	for (size_t i = 0; i < instances->n; i++) {
		_cleanup_strv_ strv units = {0};
		if (!user)
			keep_first(cordon_services_restart_proxies(ctx, instances->v[i], &e), &e,
				   &first, err);
		linked_units(ctx, user, instances->v[i], &units);
		keep_first(start_units(ctx, scope, instances->v[i], &units, &e), &e, &first, err);
		keep_first(stop_orphans(scope, instances->v[i], &e), &e, &first, err);
	}
	return first;
}

int cordon_services_settle(cordon_ctx *ctx, const strv *instances, cordon_error **err)
{
	if (instances->n == 0 || !cordon_systemd_booted())
		return 0;
	int first = 0;
	cordon_error *e = NULL;
	keep_first(settle_manager(ctx, CORDON_SYSTEMD_SYSTEM, false, instances, &e), &e, &first,
		   err);
	uid_t *uids = NULL;
	size_t n = 0;
	keep_first(cordon_systemd_user_managers(&uids, &n, &e), &e, &first, err);
	for (size_t i = 0; i < n; i++)
		keep_first(settle_manager(ctx, uids[i], true, instances, &e), &e, &first, err);
	free(uids);
	return first;
}
