/* Validation of apps, as snapd's ValidateApp and friends (snap/validate.go)
 * plus the values snapd's YAML decoding refuses (daemon-scope,
 * restart-condition, durations). Daemon-only keys on a non-daemon app are
 * errors exactly where snapd makes them errors; elsewhere (stop-command on a
 * plain app, say) snapd accepts them and so does cordon. */
#include "manifest_validate_app.h"
#include "error.h"
#include "manifest.h"
#include "manifest_error.h"
#include "manifest_layout.h"
#include "manifest_names.h"
#include "manifest_timespec.h"
#include "name_index.h"
#include "util.h"
#include "yaml_doc.h"

#include <stdarg.h>
#include <string.h>

typedef struct appctx {
	const cordon_manifest *m;
	cordon_error **err;
	name_ref *apps; /* by name */
	name_ref *slots;
	const cordon_port *network_bind; /* the plug named network-bind, if any */
} appctx;

static bool one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return true;
	return false;
}

/* "app \"foo\": " + message */
static int app_error(appctx *c, const cordon_app *a, cordon_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int app_error(appctx *c, const cordon_app *a, cordon_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	_cleanup_free_ char *q = ydoc_quoted(a->name);
	if (pos.line == 0)
		pos = cordon_pos_at(a->line, a->col);
	return mv_error(c->m, pos, c->err, "app %s: %s", q, msg);
}

static bool is_service(const cordon_app *a)
{
	return a->daemon != NULL;
}

/* A key whose value must be one of a list. */
typedef struct enum_check {
	const char *value;
	cordon_app_key key;
	const char *name, *expected;
	const char *const *allowed;
} enum_check;

static int check_enums(appctx *c, const cordon_app *a, const enum_check *checks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (checks[i].value == NULL || one_of(checks[i].value, checks[i].allowed))
			continue;
		_cleanup_free_ char *q = ydoc_quoted(checks[i].value);
		return app_error(c, a, a->pos[checks[i].key], "invalid %s %s: expected %s",
				 checks[i].name, q, checks[i].expected);
	}
	return 0;
}

static int check_values(appctx *c, const cordon_app *a)
{
	static const char *const daemons[] = {"simple", "forking", "oneshot",
					      "dbus",	"notify",  NULL};
	static const char *const scopes[] = {"system", "user", NULL};
	static const char *const restarts[] = {"no",	      "never",	     "on-success",
					       "on-failure",  "on-abnormal", "on-abort",
					       "on-watchdog", "always",	     NULL};
	const enum_check checks[] = {
	    {a->daemon_scope, CORDON_APP_DAEMON_SCOPE, "daemon-scope", "system or user", scopes},
	    {a->restart_condition, CORDON_APP_RESTART_CONDITION, "restart-condition",
	     "never, on-success, on-failure, on-abnormal, on-abort, on-watchdog or always",
	     restarts},
	    {a->daemon, CORDON_APP_DAEMON, "daemon", "simple, forking, oneshot, notify or dbus",
	     daemons},
	};
	int r = check_enums(c, a, checks, ARRAY_SIZE(checks));
	if (r < 0)
		return r;
	if (a->daemon_scope && !is_service(a))
		return app_error(
		    c, a, a->pos[CORDON_APP_DAEMON_SCOPE],
		    "daemon-scope is only for daemons: expected a daemon: key with it");
	if (!mv_valid_app_name(a->name)) {
		_cleanup_free_ char *q = ydoc_quoted(a->name);
		return mv_error(c->m, cordon_pos_at(a->line, a->col), c->err,
				"invalid app name %s: expected letters, digits and single hyphens, "
				"starting and ending with a letter or digit",
				q);
	}
	const struct {
		const char *value, *name;
		cordon_app_key key;
	} cmds[] = {
	    {a->command, "command", CORDON_APP_COMMAND},
	    {a->stop_command, "stop-command", CORDON_APP_STOP_COMMAND},
	    {a->reload_command, "reload-command", CORDON_APP_RELOAD_COMMAND},
	    {a->post_stop_command, "post-stop-command", CORDON_APP_POST_STOP_COMMAND},
	    {a->bus_name, "bus-name", CORDON_APP_BUS_NAME},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (cmds[i].value == NULL || mv_valid_command(cmds[i].value))
			continue;
		_cleanup_free_ char *q = ydoc_quoted(cmds[i].value);
		return app_error(c, a, a->pos[cmds[i].key],
				 "%s %s contains illegal characters: expected letters, digits, "
				 "spaces and / . _ # : $ -",
				 cmds[i].name, q);
	}
	for (size_t i = 0; i < a->command_chain.n; i++) {
		if (mv_valid_command_chain(a->command_chain.v[i]))
			continue;
		_cleanup_free_ char *q = ydoc_quoted(a->command_chain.v[i]);
		return app_error(c, a, a->command_chain_pos[i],
				 "command-chain item %s contains illegal characters: expected "
				 "letters, digits and / . _ # : $ -",
				 q);
	}
	return 0;
}

static bool has_prefix_of(const char *s, const char *const *prefixes)
{
	for (; *prefixes; prefixes++)
		if (str_has_prefix(s, *prefixes))
			return true;
	return false;
}

/* snapd's validateSocketAddr: a clean path under the daemon's own
 * directories, an abstract socket named after the snap, or a loopback port. */
static int check_listen_stream(appctx *c, const cordon_app *a, const cordon_socket *s,
			       const char *sq)
{
	cordon_pos pos =
	    s->listen_stream_pos.line ? s->listen_stream_pos : cordon_pos_at(s->line, s->col);
	const char *v = s->listen_stream;
	if (v == NULL)
		return app_error(c, a, pos,
				 "socket %s has no listen-stream: expected a path, an @abstract "
				 "name or a [host:]port",
				 sq);
	_cleanup_free_ char *q = ydoc_quoted(v);
	if (v[0] == '/' || v[0] == '$') {
		_cleanup_free_ char *clean = mv_clean_path(v);
		if (strcmp(clean, v) != 0) {
			_cleanup_free_ char *qc = ydoc_quoted(clean);
			return app_error(c, a, pos,
					 "socket %s: listen-stream %s is not clean: expected %s",
					 sq, q, qc);
		}
		static const char *const sys[] = {"$SNAP_DATA/", "$SNAP_COMMON/",
						  "$XDG_RUNTIME_DIR/", NULL};
		static const char *const user[] = {"$SNAP_USER_DATA/", "$SNAP_USER_COMMON/",
						   "$XDG_RUNTIME_DIR/", NULL};
		const char *scope = a->daemon_scope ? a->daemon_scope : "";
		if (strcmp(scope, "system") == 0 && !has_prefix_of(v, sys))
			return app_error(
			    c, a, pos,
			    "socket %s: listen-stream %s: expected a system daemon "
			    "socket under $SNAP_DATA, $SNAP_COMMON or $XDG_RUNTIME_DIR",
			    sq, q);
		if (strcmp(scope, "user") == 0 && !has_prefix_of(v, user))
			return app_error(
			    c, a, pos,
			    "socket %s: listen-stream %s: expected a user daemon socket "
			    "under $SNAP_USER_DATA, $SNAP_USER_COMMON or "
			    "$XDG_RUNTIME_DIR",
			    sq, q);
		if (*scope == '\0')
			return app_error(c, a, pos,
					 "socket %s: sockets are only for daemons: expected a "
					 "daemon: key",
					 sq);
		return 0;
	}
	if (v[0] == '@') {
		/* An abstract socket must live in the snap's own namespace. */
		_cleanup_free_ char *prefix = xasprintf("@snap.%s.", c->m->name);
		if (str_has_prefix(v, prefix))
			return 0;
		_cleanup_free_ char *qp = ydoc_quoted(prefix);
		return app_error(c, a, pos,
				 "socket %s: listen-stream %s: expected a name starting "
				 "with %s",
				 sq, q, qp);
	}
	const char *colon = strrchr(v, ':');
	const char *port = colon ? colon + 1 : v;
	if (colon) {
		_cleanup_free_ char *host = xstrndup(v, (size_t)(colon - v));
		static const char *const hosts[] = {"127.0.0.1", "[::1]", "[::]", NULL};
		if (!one_of(host, hosts)) {
			_cleanup_free_ char *qh = ydoc_quoted(host);
			return app_error(c, a, pos,
					 "socket %s: listen-stream address %s: expected one of "
					 "127.0.0.1, [::1], [::]",
					 sq, qh);
		}
	}
	bool ok = *port != '\0' && strlen(port) <= 5;
	for (const char *k = port; ok && *k; k++)
		ok = *k >= '0' && *k <= '9';
	long n = ok ? strtol(port, NULL, 10) : 0;
	if (!ok || n < 1 || n > 65535) {
		_cleanup_free_ char *qp = ydoc_quoted(port);
		return app_error(c, a, pos,
				 "socket %s: listen-stream port %s: expected a number from 1 to "
				 "65535",
				 sq, qp);
	}
	return 0;
}

static int check_sockets(appctx *c, const cordon_app *a)
{
	if (a->n_sockets == 0)
		return 0;
	/* The app's plugs include the top-level ones nobody names. A classic
	 * snap has no sandbox to open, so snapd does not ask it for the plug
	 * (snapd PR 15938, "cleanly support socket activation for classic"). */
	const cordon_port *nb = c->network_bind;
	bool classic = c->m->confinement && strcmp(c->m->confinement, "classic") == 0;
	if (!classic && !strv_contains(&a->plugs, "network-bind") && !(nb && nb->unscoped))
		return app_error(c, a, a->pos[CORDON_APP_SOCKETS],
				 "sockets need the \"network-bind\" plug: expected network-bind "
				 "in the app's plugs");
	for (size_t i = 0; i < a->n_sockets; i++) {
		const cordon_socket *s = &a->sockets[i];
		_cleanup_free_ char *sq = ydoc_quoted(s->name);
		if (!mv_valid_socket_name(s->name))
			return app_error(c, a, cordon_pos_at(s->line, s->col),
					 "invalid socket name %s: expected lowercase letters, "
					 "digits and single hyphens, with at least one letter",
					 sq);
		if (s->mode > 0777)
			return app_error(c, a, s->socket_mode_pos,
					 "socket %s: socket-mode %#llo is out of range: expected "
					 "at most 0777",
					 sq, (unsigned long long)s->mode);
		int r = check_listen_stream(c, a, s, sq);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_activates(appctx *c, const cordon_app *a)
{
	if (a->activates.n == 0)
		return 0;
	if (!is_service(a))
		return app_error(c, a, a->pos[CORDON_APP_ACTIVATES_ON],
				 "activates-on is only for daemons: expected a daemon: key");
	for (size_t i = 0; i < a->activates.n; i++) {
		const name_ref *r = name_index_find(c->slots, c->m->n_slots, a->activates.v[i]);
		if (r == NULL)
			continue; /* the parser refuses undeclared ones */
		const cordon_port *slot = &c->m->slots[r->idx];
		_cleanup_free_ char *q = ydoc_quoted(slot->name);
		if (strcmp(slot->interface, "dbus") != 0)
			return app_error(c, a, a->activates_pos[i],
					 "activates-on slot %s does not use the dbus interface: "
					 "expected a dbus slot",
					 q);
		/* A system daemon activates on the system bus, a user one on the session bus. */
		const char *want = strcmp(a->daemon_scope, "user") == 0 ? "session" : "system";
		const char *bus = NULL;
		for (size_t k = 0; k < slot->n_attrs; k++)
			if (!strcmp(slot->attrs[k].name, "bus") &&
			    slot->attrs[k].value.kind == CORDON_Y_STRING)
				bus = slot->attrs[k].value.scalar;
		if (bus == NULL || strcmp(bus, want) != 0) {
			_cleanup_free_ char *qb = ydoc_quoted(bus ? bus : "");
			return app_error(
			    c, a, a->activates_pos[i],
			    "activates-on slot %s is on bus %s: expected bus \"%s\" for "
			    "a %s daemon",
			    q, qb, want, a->daemon_scope);
		}
	}
	return 0;
}

static int check_duration(appctx *c, const cordon_app *a, cordon_app_key key, const char *name,
			  const char *value)
{
	if (value == NULL)
		return 0;
	int64_t ns;
	_cleanup_free_ char *why = NULL;
	_cleanup_free_ char *q = ydoc_quoted(value);
	if (!cordon_parse_duration(value, &ns, &why))
		return app_error(c, a, a->pos[key],
				 "invalid %s %s: %s: expected a duration such as \"30s\", "
				 "\"1m30s\" or \"500ms\"",
				 name, q, why);
	if (ns == 0)
		return 0;
	if (!is_service(a))
		return app_error(c, a, a->pos[key],
				 "%s is only for daemons: expected a daemon: key with it", name);
	if (ns < 0)
		return app_error(c, a, a->pos[key],
				 "%s %s is negative: expected a duration of zero or more", name, q);
	return 0;
}

static int check_order_names(appctx *c, const cordon_app *a, const strv *deps,
			     const cordon_pos *pos)
{
	for (size_t i = 0; i < deps->n; i++) {
		_cleanup_free_ char *q = ydoc_quoted(deps->v[i]);
		if (!is_service(a))
			return app_error(
			    c, a, pos[i],
			    "before/after is only for daemons: expected a daemon: key");
		const name_ref *r = name_index_find(c->apps, c->m->n_apps, deps->v[i]);
		if (r == NULL)
			return app_error(c, a, pos[i],
					 "before/after names app %s, which does not exist: "
					 "expected an app of this snap",
					 q);
		const cordon_app *other = &c->m->apps[r->idx];
		if (!is_service(other))
			return app_error(c, a, pos[i],
					 "before/after names app %s, which is not a daemon: "
					 "expected a daemon",
					 q);
		if (strcmp(other->daemon_scope, a->daemon_scope) != 0)
			return app_error(
			    c, a, pos[i],
			    "before/after names daemon %s, whose daemon-scope differs: "
			    "expected a %s daemon",
			    q, a->daemon_scope);
	}
	return 0;
}

static int check_modes(appctx *c, const cordon_app *a)
{
	static const char *const stops[] = {"sigterm", "sigterm-all", "sighup",	 "sighup-all",
					    "sigusr1", "sigusr1-all", "sigusr2", "sigusr2-all",
					    "sigint",  "sigint-all",  NULL};
	static const char *const refreshes[] = {"endure", "restart", "ignore-running", NULL};
	static const char *const installs[] = {"enable", "disable", NULL};
	const enum_check checks[] = {
	    {a->stop_mode, CORDON_APP_STOP_MODE, "stop-mode",
	     "sigterm, sighup, sigusr1, sigusr2 or sigint, optionally with \"-all\"", stops},
	    {a->refresh_mode, CORDON_APP_REFRESH_MODE, "refresh-mode",
	     "endure, restart or ignore-running", refreshes},
	    {a->install_mode, CORDON_APP_INSTALL_MODE, "install-mode", "enable or disable",
	     installs},
	};
	int r = check_enums(c, a, checks, ARRAY_SIZE(checks));
	if (r < 0)
		return r;
	if (a->stop_mode && !is_service(a))
		return app_error(c, a, a->pos[CORDON_APP_STOP_MODE],
				 "stop-mode is only for daemons: expected a daemon: key with it");
	if (a->refresh_mode) {
		bool ignore = strcmp(a->refresh_mode, "ignore-running") == 0;
		if (is_service(a) && ignore)
			return app_error(c, a, a->pos[CORDON_APP_REFRESH_MODE],
					 "refresh-mode \"ignore-running\" is not for daemons: "
					 "expected endure or restart");
		if (!is_service(a) && !ignore)
			return app_error(c, a, a->pos[CORDON_APP_REFRESH_MODE],
					 "refresh-mode of an app that is not a daemon: expected "
					 "\"ignore-running\"");
	}
	if (a->install_mode && !is_service(a))
		return app_error(
		    c, a, a->pos[CORDON_APP_INSTALL_MODE],
		    "install-mode is only for daemons: expected a daemon: key with it");
	if (a->timer) {
		if (!is_service(a))
			return app_error(
			    c, a, a->pos[CORDON_APP_TIMER],
			    "timer is only for daemons: expected a daemon: key with it");
		_cleanup_free_ char *why = NULL;
		cordon_schedule sched;
		bool ok = cordon_schedule_parse(a->timer, &sched, &why);
		cordon_schedule_clear(&sched);
		if (!ok) {
			_cleanup_free_ char *q = ydoc_quoted(a->timer);
			return app_error(c, a, a->pos[CORDON_APP_TIMER],
					 "invalid timer %s: %s: expected a schedule such as "
					 "\"mon-fri,9:00-17:00\"",
					 q, why);
		}
	}
	return 0;
}

static int validate_app(appctx *c, const cordon_app *a)
{
	int r = check_values(c, a);
	if (r == 0)
		r = check_sockets(c, a);
	if (r == 0)
		r = check_activates(c, a);
	/* durations first (snapd refuses bad ones while decoding the YAML) */
	if (r == 0)
		r = check_duration(c, a, CORDON_APP_RESTART_DELAY, "restart-delay",
				   a->restart_delay);
	if (r == 0 && a->restart_condition && !is_service(a))
		r = app_error(
		    c, a, a->pos[CORDON_APP_RESTART_CONDITION],
		    "restart-condition is only for daemons: expected a daemon: key with it");
	if (r == 0)
		r = check_order_names(c, a, &a->before, a->before_pos);
	if (r == 0)
		r = check_order_names(c, a, &a->after, a->after_pos);
	if (r == 0)
		r = check_duration(c, a, CORDON_APP_START_TIMEOUT, "start-timeout",
				   a->start_timeout);
	if (r == 0)
		r = check_duration(c, a, CORDON_APP_STOP_TIMEOUT, "stop-timeout", a->stop_timeout);
	if (r == 0)
		r = check_duration(c, a, CORDON_APP_WATCHDOG_TIMEOUT, "watchdog-timeout",
				   a->watchdog_timeout);
	if (r == 0)
		r = check_modes(c, a);
	return r;
}

/* A slot activates one app only. */
static int check_activators(appctx *c)
{
	const cordon_manifest *m = c->m;
	size_t total = 0;
	for (size_t i = 0; i < m->n_apps; i++)
		total += m->apps[i].activates.n;
	_cleanup_free_ name_ref *refs = xcalloc(total ? total : 1, sizeof *refs);
	size_t n = 0;
	for (size_t i = 0; i < m->n_apps; i++)
		for (size_t j = 0; j < m->apps[i].activates.n; j++)
			refs[n++] = (name_ref){m->apps[i].activates.v[j], i * (total + 1) + j};
	name_index_sort(refs, n);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(refs[i].name, refs[i - 1].name) != 0)
			continue;
		const cordon_app *first = &m->apps[refs[i - 1].idx / (total + 1)];
		const cordon_app *a = &m->apps[refs[i].idx / (total + 1)];
		_cleanup_free_ char *q = ydoc_quoted(refs[i].name);
		_cleanup_free_ char *qa = ydoc_quoted(first->name);
		return app_error(c, a, a->activates_pos[refs[i].idx % (total + 1)],
				 "activates-on slot %s is already activated by app %s: expected "
				 "one app per slot",
				 q, qa);
	}
	return 0;
}

/* Kahn's algorithm over the daemons, as snapd's SortServices. */
static int check_cycles(appctx *c)
{
	const cordon_manifest *m = c->m;
	size_t n = m->n_apps;
	_cleanup_free_ size_t *pred = xcalloc(n ? n : 1, sizeof *pred);
	_cleanup_free_ size_t *queue = xcalloc(n ? n : 1, sizeof *queue);
	/* edges from -> to, grouped by "from" through a counting sort */
	size_t nedges = 0;
	for (size_t i = 0; i < n; i++)
		nedges += m->apps[i].before.n + m->apps[i].after.n;
	_cleanup_free_ size_t *efrom = xcalloc(nedges ? nedges : 1, sizeof *efrom);
	_cleanup_free_ size_t *eto = xcalloc(nedges ? nedges : 1, sizeof *eto);
	size_t e = 0;
	for (size_t i = 0; i < n; i++) {
		const cordon_app *a = &m->apps[i];
		if (!is_service(a))
			continue;
		for (int before = 0; before < 2; before++) {
			const strv *deps = before ? &a->before : &a->after;
			for (size_t j = 0; j < deps->n; j++) {
				const name_ref *r = name_index_find(c->apps, n, deps->v[j]);
				if (r == NULL || !is_service(&m->apps[r->idx]))
					continue;
				efrom[e] = before ? i : r->idx;
				eto[e] = before ? r->idx : i;
				pred[eto[e]]++;
				e++;
			}
		}
	}
	_cleanup_free_ size_t *start = xcalloc(n + 1, sizeof *start);
	_cleanup_free_ size_t *adj = xcalloc(e ? e : 1, sizeof *adj);
	for (size_t k = 0; k < e; k++)
		start[efrom[k] + 1]++;
	for (size_t i = 0; i < n; i++)
		start[i + 1] += start[i];
	_cleanup_free_ size_t *fill = xcalloc(n ? n : 1, sizeof *fill);
	for (size_t k = 0; k < e; k++)
		adj[start[efrom[k]] + fill[efrom[k]]++] = eto[k];
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < n; i++)
		if (pred[i] == 0)
			queue[tail++] = i;
	while (head < tail) {
		size_t v = queue[head++];
		for (size_t k = start[v]; k < start[v + 1]; k++)
			if (--pred[adj[k]] == 0)
				queue[tail++] = adj[k];
	}
	if (tail == n)
		return 0;
	_cleanup_buf_ buf names = {0};
	cordon_pos pos = {0, 0};
	for (size_t i = 0; i < n; i++) {
		if (pred[i] == 0)
			continue;
		if (pos.line == 0)
			pos = cordon_pos_at(m->apps[i].line, m->apps[i].col);
		buf_adds(&names, names.len ? ", " : "");
		ydoc_quote(&names, m->apps[i].name, 64);
	}
	return mv_error(m, pos, c->err,
			"apps are part of a before/after cycle: %s: expected an order that can "
			"be satisfied",
			names.p);
}

int mv_validate_apps(const cordon_manifest *m, cordon_error **err)
{
	appctx c = {.m = m, .err = err};
	_cleanup_free_ name_ref *apps = xcalloc(m->n_apps ? m->n_apps : 1, sizeof *apps);
	_cleanup_free_ name_ref *slots = xcalloc(m->n_slots ? m->n_slots : 1, sizeof *slots);
	for (size_t i = 0; i < m->n_apps; i++)
		apps[i] = (name_ref){m->apps[i].name, i};
	for (size_t i = 0; i < m->n_slots; i++)
		slots[i] = (name_ref){m->slots[i].name, i};
	name_index_sort(apps, m->n_apps);
	name_index_sort(slots, m->n_slots);
	c.apps = apps;
	c.slots = slots;
	c.network_bind = cordon_manifest_plug(m, "network-bind");
	int r = 0;
	for (size_t i = 0; r == 0 && i < m->n_apps; i++)
		r = validate_app(&c, &m->apps[i]);
	if (r == 0)
		r = check_activators(&c);
	if (r == 0)
		r = check_cycles(&c);
	return r;
}
