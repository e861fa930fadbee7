/* The system bus proxies a snap gets (compiler/busproxy.h): who needs the
 * bus, what each may own and talk to, the units and the bus policy written
 * for them, and the service that Requires its proxy (units.h). */
#include "busproxy.h"
#include "check.h"
#include "manifest.h"
#include "units.h"
#include "util.h"

#include <string.h>

#define HELPER "/usr/libexec/cordon/cordon-dbus-proxy"
#define SOCKETS "/run/cordon/dbus"

static const char SVC[] = "name: svc\nversion: '1'\n"
			  "apps:\n"
			  "  db:\n    command: db\n    daemon: dbus\n    bus-name: org.ex.Svc\n"
			  "    slots: [svc]\n"
			  "  tool:\n    command: tool\n    slots: [tool, sess]\n"
			  "  plain:\n    command: plain\n"
			  "  user:\n    command: u\n    daemon: simple\n    daemon-scope: user\n"
			  "    slots: [svc]\n"
			  "slots:\n"
			  "  svc: {interface: dbus, bus: system, name: org.ex.Svc}\n"
			  "  tool: {interface: dbus, bus: system, name: org.ex.Tool}\n"
			  "  sess: {interface: dbus, bus: session, name: org.ex.Sess}\n";

static const char CLI[] = "name: cli\nversion: '1'\n"
			  "apps:\n"
			  "  c:\n    command: c\n    daemon: simple\n    plugs: [svc, sess, off]\n"
			  "  d:\n    command: d\n"
			  "plugs:\n"
			  "  svc: {interface: dbus, bus: system, name: org.ex.Svc}\n"
			  "  sess: {interface: dbus, bus: session, name: org.ex.Sess}\n"
			  "  off: {interface: dbus, bus: system, name: org.ex.Other}\n";

static cordon_manifest *load(const char *yaml)
{
	cordon_manifest *m = NULL;
	cordon_error *err = NULL;
	if (cordon_manifest_parse(yaml, strlen(yaml), "snap.yaml", &m, &err) < 0 ||
	    cordon_manifest_validate(m, &err) < 0) {
		fprintf(stderr, "manifest: %s\n", err->msg);
		exit(1);
	}
	return m;
}

static char *joined(const strv *v)
{
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, "");
	for (size_t i = 0; i < v->n; i++)
		buf_printf(&b, i ? " %s" : "%s", v->v[i]);
	return buf_steal(&b);
}

static char *access_of(const cordon_compile_input *in, const char *app)
{
	cordon_bus_access a;
	cordon_bus_access_of(in, cordon_manifest_app(in->snap->m, app), &a);
	_cleanup_strv_ strv args = {0};
	cordon_busproxy_filter_args(&a, &args);
	_cleanup_free_ char *j = joined(&args);
	char *s = xasprintf("%s%s%s", a.needed ? "needed" : "none", j[0] ? " " : "", j);
	cordon_bus_access_free(&a);
	return s;
}

static void test_slot_snap(void)
{
	_cleanup_manifest_ cordon_manifest *m = load(SVC);
	cordon_loaded_snap ls = {.m = m};
	ls.row.name = "svc";
	cordon_compile_input in = {.snap = &ls};
	const struct {
		const char *app, *want;
	} cases[] = {
	    {"db", "needed --own=org.ex.Svc"},
	    /* the session bus is not mediated: its slot gives nothing */
	    {"tool", "needed --own=org.ex.Tool"},
	    {"plain", "none"},
	    /* a user daemon's bus is the session's */
	    {"user", "none"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = access_of(&in, cases[i].app);
		CHECK_STR(got, cases[i].want);
	}

	cordon_unit *u = NULL;
	size_t n = 0;
	_cleanup_strv_ strv bus_apps = {0};
	cordon_error *err = NULL;
	cordon_busproxy_input bi = {.in = &in, .helper = HELPER, .socket_dir = SOCKETS};
	CHECK_INT(cordon_busproxy_units(&bi, &u, &n, &bus_apps, &err), 0);
	CHECK_INT(n, 3);
	CHECK_STR(u[0].name, "snap.svc.db.dbus-proxy.service");
	CHECK_STR(u[0].text, "[Unit]\n# Auto-generated, DO NOT EDIT\n"
			     "Description=D-Bus proxy for snap application svc.db\n"
			     "After=dbus.service\nX-Snappy=yes\n\n[Service]\nType=forking\n"
			     "ExecStart=" HELPER " " SOCKETS "/snap.svc.db --own=org.ex.Svc\n"
			     "Restart=on-failure\n");
	/* a daemon's proxy is pulled in by the daemon; another app's enabled */
	CHECK(!u[0].enable);
	CHECK_STR(u[1].name, "snap.svc.tool.dbus-proxy.service");
	CHECK(u[1].enable);
	CHECK_STR(u[1].wanted_by, "multi-user.target");
	CHECK(strstr(u[1].text, "\n[Install]\nWantedBy=multi-user.target\n") != NULL);
	CHECK_INT(u[2].kind, CORDON_UNIT_BUS_POLICY);
	CHECK_STR(u[2].name, "snap.svc.conf");
	CHECK(strstr(u[2].text, "<policy user=\"root\">\n    <allow own=\"org.ex.Svc\"/>\n") !=
	      NULL);
	CHECK(strstr(u[2].text, "<allow own=\"org.ex.Tool\"/>") != NULL);
	CHECK(strstr(u[2].text, "org.ex.Sess") == NULL);
	_cleanup_free_ char *apps = joined(&bus_apps);
	CHECK_STR(apps, "db");

	/* the daemon's service Requires its proxy and starts after it */
	cordon_units_input ui = {.m = m,
				 .instance = "svc",
				 .revision = "1",
				 .launcher = "/usr/libexec/cordon/cordon-confine",
				 .data_dir = "/var/snap/svc/1",
				 .common_dir = "/var/snap/svc/common",
				 .bus_apps = &bus_apps};
	cordon_unit *s = NULL;
	size_t ns = 0;
	CHECK_INT(cordon_units_generate(&ui, false, &s, &ns, &err), 0);
	CHECK_INT(ns, 1);
	CHECK(strstr(s[0].text, "Wants=network.target\n"
				"Requires=snap.svc.db.dbus-proxy.service\n"
				"After=network.target snap.svc.db.dbus-proxy.service\n") != NULL);
	cordon_units_free(s, ns);
	cordon_units_free(u, n);

	/* what cannot go into a unit as it is */
	bi.socket_dir = "/run/cor don/dbus";
	u = NULL;
	n = 0;
	CHECK(cordon_busproxy_units(&bi, &u, &n, &bus_apps, &err) < 0);
	cordon_error_free(&err);
	cordon_units_free(u, n);
}

static void test_plug_snap(void)
{
	_cleanup_manifest_ cordon_manifest *sm = load(SVC);
	_cleanup_manifest_ cordon_manifest *cm = load(CLI);
	cordon_loaded_snap sls = {.m = sm}, cls = {.m = cm};
	sls.row.name = "svc";
	cls.row.name = "cli";
	cordon_conn_row rows[] = {
	    {.plug_snap = "cli", .plug = "svc", .slot_snap = "svc", .slot = "svc"},
	    /* a connection to a slot of another bus or name (made before
	     * connect refused it) grants nothing */
	    {.plug_snap = "cli", .plug = "off", .slot_snap = "svc", .slot = "tool"},
	    {.plug_snap = "cli", .plug = "sess", .slot_snap = "svc", .slot = "sess"},
	};
	cordon_conn_ends ends[ARRAY_SIZE(rows)];
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		ends[i] = (cordon_conn_ends){.row = &rows[i],
					     .plug_snap = &cls,
					     .slot_snap = &sls,
					     .plug = cordon_manifest_plug(cm, rows[i].plug),
					     .slot = cordon_manifest_slot(sm, rows[i].slot)};
	cordon_compile_input in = {.snap = &cls, .plugs = ends, .n_plugs = ARRAY_SIZE(ends)};
	_cleanup_free_ char *c = access_of(&in, "c");
	CHECK_STR(c, "needed --talk=org.ex.Svc");
	/* d is not bound to the plugs (c names them) */
	_cleanup_free_ char *d = access_of(&in, "d");
	CHECK_STR(d, "none");
	in.n_plugs = 0;
	_cleanup_free_ char *none = access_of(&in, "c");
	CHECK_STR(none, "none");
}

int main(void)
{
	test_slot_snap();
	test_plug_snap();
	return check_done("busproxy");
}
