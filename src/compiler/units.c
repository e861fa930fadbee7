/* A snap's daemons as systemd units: snapd's templates (wrappers/internal/
 * service_*_gen.go, wrappers/dbus.go) written out line by line, in their
 * order, so that a diff against snapd's tests shows only what units.h says
 * cordon leaves out. */
#include "units.h"
#include "manifest_timespec.h"
#include "units_timer.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* snapd's timeout.DefaultTimeout: the stop timeout it always writes. */
#define DEFAULT_STOP_TIMEOUT_NS (30LL * 1000000000LL)

typedef struct gen {
	const cordon_units_input *in;
	bool user;
	cordon_unit *units;
	size_t n;
} gen;

/* A path goes into ExecStart=, WorkingDirectory= and ListenStream= as it is:
 * systemd splits ExecStart= at blanks, reads quotes and backslashes, and
 * expands '%' specifiers and '$' variables, so any of them would change
 * what runs or where. */
static int check_path(const char *what, const char *p, cordon_error **err)
{
	if (!p || p[0] != '/')
		return cordon_err_msg(err, EINVAL, "units: %s: expected an absolute path", what);
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if (*c <= ' ' || *c == 0x7f || strchr("\"'\\%$", *c))
			return cordon_err_msg(err, EINVAL,
					      "units: %s %s: expected a path without blanks, "
					      "quotes, '%%', '$', '\\' or control characters",
					      what, p);
	return 0;
}

/* A manifest value on a line of its own: a newline would start a directive
 * of the snap's choosing. Validation already refuses these; this keeps the
 * generator safe on its own. */
static int check_value(const char *what, const char *v, cordon_error **err)
{
	for (const unsigned char *c = (const unsigned char *)v; c && *c; c++)
		if (*c < ' ' || *c == 0x7f)
			return cordon_err_msg(err, EINVAL,
					      "units: %s: control character in a unit value", what);
	return 0;
}

static void add_unit(gen *g, cordon_unit_kind kind, const cordon_app *app, char *name, char *text,
		     const char *wanted_by)
{
	g->units = xreallocarray(g->units, g->n + 1, sizeof *g->units);
	g->units[g->n++] = (cordon_unit){kind, name, text, app, wanted_by != NULL, wanted_by};
}

/* A duration field as snapd writes it: absent when 0, at least 1µs
 * (ensureMinSystemdDuration: systemd ignores anything shorter), in Go's
 * notation. NULL when the field is not written. */
static int duration_field(const char *what, const char *value, int64_t dflt, char **out,
			  cordon_error **err)
{
	int64_t ns = 0;
	*out = NULL;
	if (value) {
		_cleanup_free_ char *why = NULL;
		if (!cordon_parse_duration(value, &ns, &why))
			return cordon_err_msg(err, EINVAL, "units: %s: %s", what, why);
	}
	if (ns == 0)
		ns = dflt; /* serviceStopTimeout: "0" is the default too */
	if (ns == 0)
		return 0;
	if (ns > 0 && ns < 1000)
		ns = 1000;
	*out = cordon_go_duration(ns);
	return 0;
}

static bool is_activated(const cordon_app *a)
{
	return a->n_sockets > 0 || a->timer || a->activates.n > 0;
}

/* The `name` attribute of a dbus slot (validation makes it a string). */
static const char *slot_bus_name(const cordon_manifest *m, const char *slot)
{
	const cordon_port *p = cordon_manifest_slot(m, slot);
	for (size_t i = 0; p && i < p->n_attrs; i++)
		if (strcmp(p->attrs[i].name, "name") == 0 &&
		    p->attrs[i].value.kind == CORDON_Y_STRING)
			return p->attrs[i].value.scalar;
	return NULL;
}

/* After=/Before= name the snap's own apps' services (generateServiceNames:
 * a name that is not an app is dropped). */
static void app_services(const gen *g, const strv *apps, strv *out)
{
	for (size_t i = 0; i < apps->n; i++)
		if (cordon_manifest_app(g->in->m, apps->v[i]))
			strv_push_own(out,
				      xasprintf("snap.%s.%s.service", g->in->instance, apps->v[i]));
}

static void add_list(buf *b, const char *key, const strv *v)
{
	if (v->n == 0)
		return;
	buf_printf(b, "%s=", key);
	for (size_t i = 0; i < v->n; i++)
		buf_printf(b, i ? " %s" : "%s", v->v[i]);
	buf_addc(b, '\n');
}

/* Restart=: snapd's default on-failure; "never" is systemd's "no". */
static const char *restart_condition(const cordon_app *a)
{
	if (strcmp(a->daemon, "oneshot") == 0)
		return "no"; /* systemd refuses any other for a oneshot */
	if (!a->restart_condition)
		return "on-failure";
	if (strcmp(a->restart_condition, "never") == 0)
		return "no";
	return a->restart_condition;
}

/* stop-mode: sigterm, sighup, sigusr1, sigusr2, sigint, each optionally
 * -all. Without -all only the main process gets the signal
 * (KillMode=process); with it, or with no stop-mode, the whole cgroup
 * (systemd's default, control-group, not written). */
static void stop_mode(buf *b, const char *mode)
{
	static const char *const modes[] = {"sigterm", "sighup", "sigusr1", "sigusr2", "sigint"};
	if (!mode || !*mode)
		return;
	size_t n = strlen(mode);
	bool all = str_has_suffix(mode, "-all");
	if (all)
		n -= 4;
	if (!all)
		buf_adds(b, "KillMode=process\n");
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strlen(modes[i]) == n && memcmp(mode, modes[i], n) == 0) {
			buf_adds(b, "KillSignal=");
			for (size_t k = 0; k < n; k++)
				buf_addc(b, mode[k] >= 'a' && mode[k] <= 'z'
						? (char)(mode[k] - 'a' + 'A')
						: mode[k]);
			buf_addc(b, '\n');
		}
}

static int service_unit(gen *g, const cordon_app *a, cordon_error **err)
{
	const cordon_units_input *in = g->in;
	const char *inst = in->instance;
	_cleanup_free_ char *stop = NULL, *start = NULL, *restart = NULL, *watchdog = NULL;
	int r;
	if ((r = duration_field("stop-timeout", a->stop_timeout, DEFAULT_STOP_TIMEOUT_NS, &stop,
				err)) < 0 ||
	    (r = duration_field("start-timeout", a->start_timeout, 0, &start, err)) < 0 ||
	    (r = duration_field("restart-delay", a->restart_delay, 0, &restart, err)) < 0 ||
	    (r = duration_field("watchdog-timeout", a->watchdog_timeout, 0, &watchdog, err)) < 0)
		return r;
	const char *bus = NULL;
	if (strcmp(a->daemon, "dbus") == 0) {
		bus = a->bus_name;
		/* snapd: the last activates-on slot's name */
		if (!bus && a->activates.n > 0)
			bus = slot_bus_name(in->m, a->activates.v[a->activates.n - 1]);
	}
	if ((r = check_value("bus-name", bus, err)) < 0)
		return r;

	_cleanup_strv_ strv after = {0}, before = {0};
	if (!g->user) {
		if (in->mount_unit)
			strv_push(&after, in->mount_unit);
		strv_push(&after, "network.target");
	}
	app_services(g, &a->after, &after);
	app_services(g, &a->before, &before);
	/* its bus: the proxy is listening once its unit is started (busproxy.c) */
	_cleanup_free_ char *proxy = NULL;
	if (!g->user && in->bus_apps && strv_contains(in->bus_apps, a->name)) {
		proxy = xasprintf("snap.%s.%s.dbus-proxy.service", inst, a->name);
		strv_push(&after, proxy);
	}

	_cleanup_buf_ buf b = {0};
	buf_adds(&b, "[Unit]\n# Auto-generated, DO NOT EDIT\n");
	buf_printf(&b, "Description=Service for snap application %s.%s\n", inst, a->name);
	if (!g->user) {
		if (in->mount_unit)
			buf_printf(&b, "Requires=%s\n", in->mount_unit);
		buf_adds(&b, "Wants=network.target\n");
		if (proxy)
			buf_printf(&b, "Requires=%s\n", proxy);
	}
	add_list(&b, "After", &after);
	add_list(&b, "Before", &before);
	buf_adds(&b, "X-Snappy=yes\n\n[Service]\nEnvironmentFile=-/etc/environment\n");
	buf_printf(&b, "ExecStart=%s snap.%s.%s\n", in->launcher, inst, a->name);
	buf_printf(&b, "SyslogIdentifier=%s.%s\n", inst, a->name);
	buf_printf(&b, "Restart=%s\n", restart_condition(a));
	if (restart)
		buf_printf(&b, "RestartSec=%s\n", restart);
	buf_printf(&b, "WorkingDirectory=%s\n", in->data_dir);
	static const struct {
		const char *key, *command;
		size_t off;
	} cmds[] = {
	    {"ExecStop", "stop", offsetof(cordon_app, stop_command)},
	    {"ExecReload", "reload", offsetof(cordon_app, reload_command)},
	    {"ExecStopPost", "post-stop", offsetof(cordon_app, post_stop_command)},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (*(char *const *)((const char *)a + cmds[i].off))
			buf_printf(&b, "%s=%s --command=%s snap.%s.%s\n", cmds[i].key, in->launcher,
				   cmds[i].command, inst, a->name);
	if (stop)
		buf_printf(&b, "TimeoutStopSec=%s\n", stop);
	if (start)
		buf_printf(&b, "TimeoutStartSec=%s\n", start);
	buf_printf(&b, "Type=%s\n", a->daemon);
	/* a oneshot with a stop command stays "active" so that the stop
	 * command runs at stop */
	if (strcmp(a->daemon, "oneshot") == 0 && a->stop_command)
		buf_adds(&b, "RemainAfterExit=yes\n");
	if (bus)
		buf_printf(&b, "BusName=%s\n", bus);
	if (watchdog)
		buf_printf(&b, "WatchdogSec=%s\n", watchdog);
	stop_mode(&b, a->stop_mode);
	/* an activated service is started by its socket, timer or bus */
	const char *wanted_by = NULL;
	if (!is_activated(a)) {
		wanted_by = g->user ? "default.target" : "multi-user.target";
		buf_printf(&b, "\n[Install]\nWantedBy=%s\n", wanted_by);
	}
	add_unit(g, CORDON_UNIT_SERVICE, a, xasprintf("snap.%s.%s.service", inst, a->name),
		 buf_steal(&b), wanted_by);
	return 0;
}

/* strings.Replace(s, from, to, -1) */
static char *replace_all(const char *s, const char *from, const char *to)
{
	_cleanup_buf_ buf b = {0};
	size_t n = strlen(from);
	for (const char *hit; (hit = strstr(s, from)); s = hit + n) {
		buf_add(&b, s, (size_t)(hit - s));
		buf_adds(&b, to);
	}
	buf_adds(&b, s);
	return buf_steal(&b);
}

/* renderListenStream: the snap's variables as the daemon's manager sees
 * them. A system daemon runs as root: its $XDG_RUNTIME_DIR is root's,
 * /run/user/0/snap.<instance>. A user daemon's are the user manager's
 * specifiers, %h (home) and %t (runtime directory). */
static char *listen_stream(const gen *g, const char *ls)
{
	const cordon_units_input *in = g->in;
	struct {
		const char *var;
		char *value;
	} subst[3];
	if (!g->user) {
		subst[0].var = "$SNAP_DATA";
		subst[0].value = xstrdup(in->data_dir);
		subst[1].var = "$XDG_RUNTIME_DIR";
		subst[1].value = xasprintf("/run/user/0/snap.%s", in->instance);
		subst[2].var = "$SNAP_COMMON";
		subst[2].value = xstrdup(in->common_dir);
	} else {
		subst[0].var = "$SNAP_USER_DATA";
		subst[0].value = xasprintf("%%h/snap/%s/%s", in->instance, in->revision);
		subst[1].var = "$SNAP_USER_COMMON";
		subst[1].value = xasprintf("%%h/snap/%s/common", in->instance);
		subst[2].var = "$XDG_RUNTIME_DIR";
		subst[2].value = xasprintf("%%t/snap.%s", in->instance);
	}
	char *s = xstrdup(ls);
	for (size_t i = 0; i < ARRAY_SIZE(subst); i++) {
		char *next = replace_all(s, subst[i].var, subst[i].value);
		free(s);
		free(subst[i].value);
		s = next;
	}
	return s;
}

static int socket_units(gen *g, const cordon_app *a, cordon_error **err)
{
	const cordon_units_input *in = g->in;
	for (size_t i = 0; i < a->n_sockets; i++) {
		const cordon_socket *s = &a->sockets[i];
		int r = check_value("listen-stream", s->listen_stream, err);
		if (r < 0)
			return r;
		_cleanup_free_ char *ls =
		    listen_stream(g, s->listen_stream ? s->listen_stream : "");
		_cleanup_buf_ buf b = {0};
		buf_adds(&b, "[Unit]\n# Auto-generated, DO NOT EDIT\n");
		buf_printf(&b, "Description=Socket %s for snap application %s.%s\n", s->name,
			   in->instance, a->name);
		if (!g->user && in->mount_unit)
			buf_printf(&b, "Requires=%s\nAfter=%s\n", in->mount_unit, in->mount_unit);
		buf_adds(&b, "X-Snappy=yes\n\n[Socket]\n");
		buf_printf(&b, "Service=snap.%s.%s.service\n", in->instance, a->name);
		/* the daemon finds its socket by this name (sd_listen_fds_with_names) */
		buf_printf(&b, "FileDescriptorName=%s\n", s->name);
		buf_printf(&b, "ListenStream=%s\n", ls);
		if (s->mode > 0)
			buf_printf(&b, "SocketMode=%04llo\n", (unsigned long long)s->mode);
		buf_adds(&b, "\n[Install]\nWantedBy=sockets.target\n");
		add_unit(g, CORDON_UNIT_SOCKET, a,
			 xasprintf("snap.%s.%s.%s.socket", in->instance, a->name, s->name),
			 buf_steal(&b), "sockets.target");
	}
	return 0;
}

static int timer_unit(gen *g, const cordon_app *a, cordon_error **err)
{
	const cordon_units_input *in = g->in;
	_cleanup_strv_ strv events = {0};
	/* each app's spread events fall apart from another's */
	uint64_t seed = hash64(a->name, strlen(a->name), in->timer_seed);
	int r = cordon_timer_oncalendar(a->timer, seed, &events, err);
	if (r < 0)
		return cordon_err_prefix(err, "units: app %s: timer", a->name);
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, "[Unit]\n# Auto-generated, DO NOT EDIT\n");
	buf_printf(&b, "Description=Timer %s for snap application %s.%s\n", a->name, in->instance,
		   a->name);
	if (!g->user && in->mount_unit)
		buf_printf(&b, "Requires=%s\nAfter=%s\n", in->mount_unit, in->mount_unit);
	buf_adds(&b, "X-Snappy=yes\n\n[Timer]\n");
	buf_printf(&b, "Unit=snap.%s.%s.service\n", in->instance, a->name);
	for (size_t i = 0; i < events.n; i++)
		buf_printf(&b, "OnCalendar=%s\n", events.v[i]);
	buf_adds(&b, "\n[Install]\nWantedBy=timers.target\n");
	add_unit(g, CORDON_UNIT_TIMER, a, xasprintf("snap.%s.%s.timer", in->instance, a->name),
		 buf_steal(&b), "timers.target");
	return 0;
}

/* generateDBusActivationFile: the bus starts the app by asking systemd for
 * its service (SystemdService=); Exec= is what a bus without systemd would
 * run. AssumedAppArmorLabel= lets the bus apply the app's label's rules to
 * the name before the daemon is even running. */
static int dbus_files(gen *g, const cordon_app *a, cordon_error **err)
{
	const cordon_units_input *in = g->in;
	for (size_t i = 0; i < a->activates.n; i++) {
		const char *bus = slot_bus_name(in->m, a->activates.v[i]);
		if (!bus)
			return cordon_err_msg(err, EINVAL,
					      "units: app %s: activates-on slot %s has no bus name",
					      a->name, a->activates.v[i]);
		int r = check_value("bus name", bus, err);
		if (r < 0)
			return r;
		if (strchr(bus, '/'))
			return cordon_err_msg(err, EINVAL, "units: app %s: bus name %s", a->name,
					      bus);
		_cleanup_buf_ buf b = {0};
		buf_printf(&b, "[D-BUS Service]\nName=%s\n", bus);
		buf_printf(&b, "Comment=Bus name for snap application %s.%s\n", in->instance,
			   a->name);
		buf_printf(&b, "SystemdService=snap.%s.%s.service\n", in->instance, a->name);
		buf_printf(&b, "Exec=%s snap.%s.%s\n", in->launcher, in->instance, a->name);
		buf_printf(&b, "AssumedAppArmorLabel=snap.%s.%s\n", in->instance, a->name);
		if (!g->user)
			buf_adds(&b, "User=root\n");
		buf_printf(&b, "X-Snap=%s\n", in->instance);
		add_unit(g, CORDON_UNIT_DBUS, a, xasprintf("%s.service", bus), buf_steal(&b), NULL);
	}
	return 0;
}

int cordon_units_generate(const cordon_units_input *in, bool user_scope, cordon_unit **out,
			  size_t *n, cordon_error **err)
{
	*out = NULL;
	*n = 0;
	int r;
	if (!in->m || !in->instance || !in->revision)
		return cordon_err_msg(err, EINVAL, "units: no snap, instance or revision");
	if ((r = check_path("launcher", in->launcher, err)) < 0 ||
	    (r = check_path("data directory", in->data_dir, err)) < 0 ||
	    (r = check_path("common directory", in->common_dir, err)) < 0 ||
	    (r = check_value("mount unit", in->mount_unit, err)) < 0)
		return r;
	gen g = {in, user_scope, NULL, 0};
	for (size_t i = 0; i < in->m->n_apps && r == 0; i++) {
		const cordon_app *a = &in->m->apps[i];
		if (!a->daemon)
			continue;
		bool user = a->daemon_scope && strcmp(a->daemon_scope, "user") == 0;
		if (user != user_scope)
			continue;
		if ((r = service_unit(&g, a, err)) < 0 || (r = socket_units(&g, a, err)) < 0 ||
		    (a->timer && (r = timer_unit(&g, a, err)) < 0) ||
		    (r = dbus_files(&g, a, err)) < 0)
			break;
	}
	if (r < 0) {
		cordon_units_free(g.units, g.n);
		return r;
	}
	*out = g.units;
	*n = g.n;
	return 0;
}

void cordon_units_free(cordon_unit *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].name);
		free(u[i].text);
	}
	free(u);
}
