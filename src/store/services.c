/* A snap's daemons on the host (services.h). */
#include "services.h"
#include "syncdir.h"
#include "busproxy.h"
#include "config.h"
#include "fsutil.h"
#include "systemd.h"
#include "units.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LAUNCHER CORDON_LIBEXECDIR "/cordon-confine"
#define BUS_PROXY CORDON_LIBEXECDIR "/cordon-dbus-proxy"
#define UNIT_MAX (1u << 20)

/* The targets a generated unit can be wanted by (units.c), per scope: the
 * .wants directories where the snap's enable links may be. */
static const char *const wants_system[] = {"multi-user.target", "sockets.target", "timers.target",
					   NULL};
static const char *const wants_user[] = {"default.target", "sockets.target", "timers.target", NULL};

char *cordon_unit_dir(const cordon_ctx *ctx, bool user)
{
	return xasprintf("%s/etc/systemd/%s", ctx->paths.root, user ? "user" : "system");
}

/* Where each kind of file goes (services.h). */
enum where { W_UNITS, W_ACTIVATION, W_BUS_POLICY };

static char *scope_dir(const cordon_ctx *ctx, bool user, enum where w)
{
	if (w == W_UNITS)
		return cordon_unit_dir(ctx, user);
	if (w == W_BUS_POLICY)
		return xasprintf("%s/dbus-1/system.d", ctx->paths.state_dir);
	return xasprintf("%s/dbus-1/%s", ctx->paths.state_dir,
			 user ? "services" : "system-services");
}

static enum where where_of(cordon_unit_kind k)
{
	return k == CORDON_UNIT_DBUS	     ? W_ACTIVATION
	       : k == CORDON_UNIT_BUS_POLICY ? W_BUS_POLICY
					     : W_UNITS;
}

unsigned cordon_services_scopes(const cordon_manifest *m)
{
	unsigned s = 0;
	for (size_t i = 0; m && i < m->n_apps; i++)
		if (m->apps[i].daemon)
			s |= m->apps[i].daemon_scope && strcmp(m->apps[i].daemon_scope, "user") == 0
				 ? CORDON_SVC_USER
				 : CORDON_SVC_SYSTEM;
	return s;
}

bool cordon_services_use_bus(const cordon_manifest *m)
{
	for (size_t i = 0; m && i < m->n_plugs; i++)
		if (strcmp(m->plugs[i].interface, "dbus") == 0)
			return true;
	for (size_t i = 0; m && i < m->n_slots; i++)
		if (strcmp(m->slots[i].interface, "dbus") == 0)
			return true;
	for (size_t i = 0; m && i < m->n_apps; i++)
		if (m->apps[i].daemon && strcmp(m->apps[i].daemon, "dbus") == 0)
			return true;
	return false;
}

static bool default_enabled(const cordon_app *a)
{
	return !(a->install_mode && strcmp(a->install_mode, "disable") == 0);
}

int cordon_services_adopt(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
			  cordon_error **err)
{
	cordon_service_row *rows = NULL;
	size_t n = 0;
	int r = cordon_state_list_services(ctx->state, instance, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const cordon_app *a = cordon_manifest_app(m, rows[i].app);
		if (a == NULL || a->daemon == NULL)
			r = cordon_state_delete_service(ctx->state, instance, rows[i].app, err);
	}
	for (size_t i = 0; r == 0 && i < m->n_apps; i++)
		if (m->apps[i].daemon)
			r = cordon_state_put_service(ctx->state, instance, m->apps[i].name,
						     default_enabled(&m->apps[i]), true, err);
	cordon_service_rows_free(rows, n);
	return r;
}

/* A per-machine seed for where spread timer events fall (units.h): the
 * machine id's hash, so regenerating gives the same text. */
static uint64_t timer_seed(void)
{
	_cleanup_free_ char *id = NULL;
	size_t len = 0;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	if (fs_read_path("/etc/machine-id", 4096, &id, &len, NULL) == 0)
		for (size_t i = 0; i < len; i++)
			h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
	return h;
}

static bool is_ours(const char *name, const char *prefix)
{
	return str_has_prefix(name, prefix);
}

/* A temporary name fsutil writes a file or link under before its rename
 * (`.<name>.tmp`, `.<name>.lnk`), left by a command killed in between: the
 * snap's (prefix snap.<instance>.), or any in a directory only cordon
 * writes (prefix NULL: the D-Bus files'). Changes hold the global lock, so
 * no live command is writing one. */
static bool is_leftover(const char *name, const char *prefix)
{
	return name[0] == '.' && (prefix == NULL || str_has_prefix(name + 1, prefix)) &&
	       (str_has_suffix(name, ".tmp") || str_has_suffix(name, ".lnk"));
}

/* Write one file when its contents differ. */
static int put_file(int dirfd, const char *dir, const char *name, const char *text,
		    cordon_error **err)
{
	_cleanup_free_ char *old = NULL;
	size_t len = 0;
	if (fs_read_at(dirfd, name, UNIT_MAX, &old, &len, NULL) == 0 && len == strlen(text) &&
	    memcmp(old, text, len) == 0)
		return 0;
	int r = fs_write_atomic_at(dirfd, name, text, strlen(text), 0644, err);
	return r < 0 ? cordon_err_prefix(err, "write %s/%s", dir, name) : 0;
}

/* The enable links of one manager's directory: `want` (unit names, each
 * with its target) made, every other link of the snap removed. */
static int put_links(int dirfd, const char *dir, bool user, const char *prefix,
		     const cordon_unit *u, size_t n, const strv *enabled, cordon_error **err)
{
	const char *const *targets = user ? wants_user : wants_system;
	for (size_t t = 0; targets[t]; t++) {
		_cleanup_free_ char *wants = xasprintf("%s.wants", targets[t]);
		bool needed = false;
		for (size_t i = 0; i < n && !needed; i++)
			needed = u[i].wanted_by && strcmp(u[i].wanted_by, targets[t]) == 0 &&
				 strv_contains(enabled, u[i].name);
		_cleanup_close_ int wfd = -1;
		if (needed) {
			wfd = fs_ensure_dir_at(dirfd, wants, 0755, 0, 0, err);
			if (wfd < 0)
				return cordon_err_prefix(err, "%s/%s", dir, wants);
		} else {
			wfd = openat(dirfd, wants, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (wfd < 0)
				continue;
		}
		for (size_t i = 0; i < n; i++) {
			if (!u[i].wanted_by || strcmp(u[i].wanted_by, targets[t]) != 0 ||
			    !strv_contains(enabled, u[i].name))
				continue;
			/* the link systemctl enable makes: to the unit as the
			 * service manager sees it */
			_cleanup_free_ char *to =
			    xasprintf("/etc/systemd/%s/%s", user ? "user" : "system", u[i].name);
			_cleanup_free_ char *cur = fs_readlink_at(wfd, u[i].name);
			if (cur && strcmp(cur, to) == 0)
				continue;
			if (fs_symlink_atomic_at(to, wfd, u[i].name, err) < 0)
				return cordon_err_prefix(err, "enable %s", u[i].name);
		}
		_cleanup_strv_ strv names = {0};
		int r = fs_list_dir_at(wfd, &names, err);
		for (size_t i = 0; r == 0 && i < names.n; i++) {
			if (is_leftover(names.v[i], prefix)) {
				if (unlinkat(wfd, names.v[i], 0) < 0 && errno != ENOENT)
					r = cordon_err(err, errno, "remove %s", names.v[i]);
				continue;
			}
			if (!is_ours(names.v[i], prefix))
				continue;
			bool keep = false;
			for (size_t k = 0; k < n && !keep; k++)
				keep = strcmp(u[k].name, names.v[i]) == 0 && u[k].wanted_by &&
				       strcmp(u[k].wanted_by, targets[t]) == 0 &&
				       strv_contains(enabled, u[k].name);
			if (!keep && unlinkat(wfd, names.v[i], 0) < 0 && errno != ENOENT)
				r = cordon_err(err, errno, "disable %s", names.v[i]);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Remove the snap's files of a directory that `keep` does not name. `owned`
 * says whether a file is the snap's (by name, or for D-Bus files by their
 * X-Snap= line). */
static int prune_dir(int dirfd, const char *dir, const char *instance, enum where w,
		     const cordon_unit *keep, size_t n, cordon_error **err)
{
	bool dbus = w == W_ACTIVATION;
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", instance);
	_cleanup_free_ char *mark = xasprintf("\nX-Snap=%s\n", instance);
	_cleanup_strv_ strv names = {0};
	int r = fs_list_dir_at(dirfd, &names, err);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		const char *name = names.v[i];
		bool kept = false;
		for (size_t k = 0; k < n && !kept; k++)
			kept = strcmp(keep[k].name, name) == 0;
		if (kept)
			continue;
		if (is_leftover(name, dbus ? NULL : prefix)) {
			if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
				r = cordon_err(err, errno, "remove %s/%s", dir, name);
			continue;
		}
		if (dbus) {
			_cleanup_free_ char *text = NULL;
			size_t len = 0;
			if (!str_has_suffix(name, ".service") ||
			    fs_read_at(dirfd, name, UNIT_MAX, &text, &len, NULL) < 0 ||
			    strstr(text, mark) == NULL)
				continue;
		} else {
			struct stat st;
			if (!is_ours(name, prefix) ||
			    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
		}
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			r = cordon_err(err, errno, "remove %s/%s", dir, name);
	}
	return r;
}

/* One manager's files of one kind: units and links, D-Bus activation
 * files, or the bus policy. */
static int put_scope(cordon_ctx *ctx, const char *instance, bool user, enum where w,
		     const cordon_unit *u, size_t n, const strv *enabled, cordon_error **err)
{
	if (user && w == W_BUS_POLICY)
		return 0; /* the session bus is not mediated */
	_cleanup_free_ char *dir = scope_dir(ctx, user, w);
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", instance);
	size_t mine = 0;
	for (size_t i = 0; i < n; i++)
		mine += where_of(u[i].kind) == w;
	_cleanup_close_ int dfd = -1;
	int r = cordon_syncdir_open(dir, mine > 0, &dfd, err);
	if (r < 0 || dfd < 0)
		return r; /* or nothing of anyone's there */
	/* only this kind of file here */
	cordon_unit *sel = xcalloc(mine + 1, sizeof *sel);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (where_of(u[i].kind) == w)
			sel[k++] = u[i];
	for (size_t i = 0; r == 0 && i < k; i++)
		r = put_file(dfd, dir, sel[i].name, sel[i].text, err);
	if (r == 0 && w == W_UNITS)
		r = put_links(dfd, dir, user, prefix, sel, k, enabled, err);
	if (r == 0)
		r = prune_dir(dfd, dir, instance, w, sel, k, err);
	free(sel);
	return r;
}

static int enabled_units(cordon_ctx *ctx, const cordon_loaded_snap *ls, const cordon_unit *u,
			 size_t n, strv *out, cordon_error **err)
{
	cordon_service_row *rows = NULL;
	size_t nrows = 0;
	int r = cordon_state_list_services(ctx->state, ls->row.name, &rows, &nrows, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!u[i].enable || ls->row.disabled)
			continue;
		bool on = default_enabled(u[i].app);
		for (size_t k = 0; k < nrows; k++)
			if (strcmp(rows[k].app, u[i].app->name) == 0)
				on = rows[k].enabled;
		if (on)
			strv_push(out, u[i].name);
	}
	cordon_service_rows_free(rows, nrows);
	return 0;
}

int cordon_services_write(cordon_ctx *ctx, const cordon_compile_input *ci, cordon_error **err)
{
	const cordon_loaded_snap *ls = ci->snap;
	const char *instance = ls->row.name;
	/* the bus proxies first: the services that need one Require it */
	_cleanup_strv_ strv bus_apps = {0};
	_cleanup_free_ char *sockets = cordon_paths_bus_proxy_dir(&ctx->paths);
	cordon_busproxy_input bi = {.in = ci, .helper = BUS_PROXY, .socket_dir = sockets};
	cordon_unit *proxies = NULL;
	size_t n_proxies = 0;
	int r = cordon_busproxy_units(&bi, &proxies, &n_proxies, &bus_apps, err);
	if (r < 0)
		return r;
	cordon_units_input in = {.m = ls->m,
				 .instance = instance,
				 .revision = ls->row.current,
				 .launcher = LAUNCHER,
				 .data_dir = ls->data_dir,
				 .common_dir = ls->common_dir,
				 .mount_unit = NULL,
				 .timer_seed = timer_seed(),
				 .bus_apps = &bus_apps};
	for (int user = 0; r == 0 && user < 2; user++) {
		cordon_unit *u = NULL;
		size_t n = 0;
		_cleanup_strv_ strv enabled = {0};
		r = cordon_units_generate(&in, user, &u, &n, err);
		if (r == 0 && !user) { /* the proxies are system units */
			u = xreallocarray(u, n + n_proxies + 1, sizeof *u);
			memcpy(u + n, proxies, n_proxies * sizeof *u);
			n += n_proxies;
			free(proxies);
			proxies = NULL;
			n_proxies = 0;
		}
		if (r == 0)
			r = enabled_units(ctx, ls, u, n, &enabled, err);
		for (enum where w = W_UNITS; r == 0 && w <= W_BUS_POLICY; w++)
			r = put_scope(ctx, instance, user, w, u, n, &enabled, err);
		cordon_units_free(u, n);
	}
	cordon_units_free(proxies, n_proxies);
	return r;
}

int cordon_services_remove_files(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	int r = 0;
	strv none = {0};
	for (int user = 0; r == 0 && user < 2; user++)
		for (enum where w = W_UNITS; r == 0 && w <= W_BUS_POLICY; w++)
			r = put_scope(ctx, instance, user, w, NULL, 0, &none, err);
	return r;
}
