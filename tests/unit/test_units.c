/* The daemon unit generator (compiler/units.h) against snapd's own
 * expectations (wrappers/internal/service_*_gen_test.go, wrappers/
 * dbus_test.go): the same snap.yaml gives the same text, but for cordon's
 * ExecStart= lines (the launcher and a label instead of `snap run`) and the
 * After=snapd.apparmor.service units.h explains. */
#include "check.h"
#include "manifest.h"
#include "units.h"
#include "units_timer.h"
#include "util.h"

#include <errno.h>
#include <regex.h>
#include <string.h>

#define L "/usr/lib/cordon/cordon-confine"

/* The cordon form of snapd's header for snap "snap", revision 44. */
#define UNIT_HEAD(app)                                                                             \
	"[Unit]\n# Auto-generated, DO NOT EDIT\n"                                                  \
	"Description=Service for snap application snap." app "\n"                                  \
	"Requires=snap-snap-44.mount\n"                                                            \
	"Wants=network.target\n"
#define AFTER "After=snap-snap-44.mount network.target\n"
#define SERVICE_HEAD(app)                                                                          \
	"X-Snappy=yes\n\n[Service]\nEnvironmentFile=-/etc/environment\n"                           \
	"ExecStart=" L " snap.snap." app "\n"                                                      \
	"SyslogIdentifier=snap." app "\n"
#define INSTALL "\n[Install]\nWantedBy=multi-user.target\n"
#define STOP_CMDS(app)                                                                             \
	"ExecStop=" L " --command=stop snap.snap." app "\n"                                        \
	"ExecReload=" L " --command=reload snap.snap." app "\n"                                    \
	"ExecStopPost=" L " --command=post-stop snap.snap." app "\n"

static cordon_manifest *load(const char *yaml)
{
	cordon_manifest *m = NULL;
	cordon_error *err = NULL;
	if (cordon_manifest_parse(yaml, strlen(yaml), "snap.yaml", &m, &err) < 0 ||
	    cordon_manifest_validate(m, &err) < 0) {
		/* every later check would read a missing manifest */
		fprintf(stderr, "manifest: %s\n%s", err->msg, yaml);
		exit(1);
	}
	return m;
}

static cordon_units_input input(const cordon_manifest *m, const char *instance)
{
	static char data[128], common[128];
	snprintf(data, sizeof data, "/var/snap/%s/44", instance);
	snprintf(common, sizeof common, "/var/snap/%s/common", instance);
	return (cordon_units_input){
	    .m = m,
	    .instance = instance,
	    .revision = "44",
	    .launcher = L,
	    .data_dir = data,
	    .common_dir = common,
	    .mount_unit = strcmp(instance, "snap") == 0 ? "snap-snap-44.mount" : NULL,
	    .timer_seed = 7,
	};
}

/* The units of YAML (system or user scope), as one string:
 * "== name ==\ntext" for each; errors as "error: msg". */
static char *gen(const char *yaml, const char *instance, bool user)
{
	_cleanup_manifest_ cordon_manifest *m = load(yaml);
	cordon_units_input in = input(m, instance);
	cordon_unit *u = NULL;
	size_t n = 0;
	cordon_error *err = NULL;
	if (cordon_units_generate(&in, user, &u, &n, &err) < 0) {
		char *s = xasprintf("error: %s", err->msg);
		cordon_error_free(&err);
		return s;
	}
	_cleanup_buf_ buf b = {0};
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "== %s ==\n%s", u[i].name, u[i].text);
	cordon_units_free(u, n);
	return buf_steal(&b);
}

static void check_gen(int line, const char *yaml, bool user, const char *want)
{
	_cleanup_free_ char *got = gen(yaml, "snap", user);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "line %d:\n", line);
	CHECK_STR(got, want);
}

static void test_classic(void)
{
	/* TestWriteSnapServiceUnitFileOnClassic */
	check_gen(__LINE__,
		  "name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/start\n"
		  "    stop-command: bin/stop\n    reload-command: bin/reload\n"
		  "    post-stop-command: bin/stop --post\n    stop-timeout: 10s\n"
		  "    daemon: simple\n",
		  false,
		  "== snap.snap.app.service ==\n" UNIT_HEAD("app") AFTER SERVICE_HEAD(
		      "app") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/"
			     "44\n" STOP_CMDS("app") "TimeoutStopSec=10s\nType=simple\n" INSTALL);
	/* TestGenerateSnapServiceOnCore: the defaults */
	check_gen(__LINE__,
		  "name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/start\n"
		  "    daemon: simple\n",
		  false,
		  "== snap.snap.app.service ==\n" UNIT_HEAD("app") AFTER SERVICE_HEAD(
		      "app") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/44\n"
			     "TimeoutStopSec=30s\nType=simple\n" INSTALL);
}

static void test_types(void)
{
	const char *cmds = "    stop-command: bin/stop\n    reload-command: bin/reload\n"
			   "    post-stop-command: bin/stop --post\n    stop-timeout: 10s\n";
	_cleanup_free_ char *oneshot =
	    xasprintf("name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/start\n%s"
		      "    daemon: oneshot\n",
		      cmds);
	/* TestGenOneshotServiceFile: never restarted, stays active for ExecStop */
	check_gen(
	    __LINE__, oneshot, false,
	    "== snap.snap.app.service ==\n" UNIT_HEAD("app") AFTER
		SERVICE_HEAD("app") "Restart=no\nWorkingDirectory=/var/snap/snap/44\n" STOP_CMDS(
		    "app") "TimeoutStopSec=10s\nType=oneshot\nRemainAfterExit=yes\n" INSTALL);
	/* TestGenServiceFileWithBusNameOnly */
	_cleanup_free_ char *dbus =
	    xasprintf("name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/start\n%s"
		      "    bus-name: foo.bar.baz\n    daemon: dbus\n",
		      cmds);
	check_gen(__LINE__, dbus, false,
		  "== snap.snap.app.service ==\n" UNIT_HEAD("app") AFTER SERVICE_HEAD(
		      "app") "Restart=on-failure\nWorkingDirectory=/var/snap/"
			     "snap/44\n" STOP_CMDS("app") "TimeoutStopSec=10s\nType=dbus\nBusName="
							  "foo.bar.baz\n" INSTALL);
	/* TestGenServiceFileWithBusNameFromSlot: the last slot's name, no
	 * [Install] (the bus starts it), and one activation file a slot */
	_cleanup_free_ char *fromslot =
	    xasprintf("name: snap\nversion: 1.0\nslots:\n"
		      "  dbus-slot1: {interface: dbus, bus: system, name: org.example.Foo}\n"
		      "  dbus-slot2: {interface: dbus, bus: system, name: foo.bar.baz}\n"
		      "apps:\n  app:\n    command: bin/start\n%s"
		      "    daemon: dbus\n    activates-on: [dbus-slot1, dbus-slot2]\n",
		      cmds);
	check_gen(
	    __LINE__, fromslot, false,
	    "== snap.snap.app.service ==\n" UNIT_HEAD("app") AFTER SERVICE_HEAD(
		"app") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/"
		       "44\n" STOP_CMDS("app") "TimeoutStopSec=10s\nType=dbus\nBusName=foo.bar."
					       "baz\n"
					       "== org.example.Foo.service ==\n"
					       "[D-BUS Service]\nName=org.example.Foo\n"
					       "Comment=Bus name for snap application snap.app\n"
					       "SystemdService=snap.snap.app.service\n"
					       "Exec=" L " snap.snap.app\n"
					       "AssumedAppArmorLabel=snap.snap.app\nUser=root\nX-"
					       "Snap=snap\n"
					       "== foo.bar.baz.service ==\n"
					       "[D-BUS Service]\nName=foo.bar.baz\n"
					       "Comment=Bus name for snap application snap.app\n"
					       "SystemdService=snap.snap.app.service\n"
					       "Exec=" L " snap.snap.app\n"
					       "AssumedAppArmorLabel=snap.snap.app\nUser=root\nX-"
					       "Snap=snap\n");
	/* forking and notify: the type as written */
	check_gen(__LINE__,
		  "name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/start\n"
		  "    daemon: forking\n  n:\n    command: bin/n\n    daemon: notify\n",
		  false,
		  "== snap.snap.app.service ==\n" UNIT_HEAD("app") AFTER SERVICE_HEAD(
		      "app") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/44\n"
			     "TimeoutStopSec=30s\nType=forking\n" INSTALL
			     "== snap.snap.n.service ==\n" UNIT_HEAD("n") AFTER SERVICE_HEAD(
				 "n") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/44\n"
				      "TimeoutStopSec=30s\nType=notify\n" INSTALL);
}

static void test_forking_same_name(void)
{
	/* TestWriteSnapServiceUnitFileTypeForking: an app named after its snap
	 * keeps its label snap.<snap>.<app> (snapd's `snap run` shortens it) */
	_cleanup_free_ char *got =
	    gen("name: xkcd-webserver\nversion: 0.3.4\napps:\n  xkcd-webserver:\n"
		"    command: bin/foo start\n    stop-command: bin/foo stop\n"
		"    reload-command: bin/foo reload\n    post-stop-command: bin/foo post-stop\n"
		"    daemon: forking\n",
		"xkcd-webserver", false);
	CHECK_STR(got, "== snap.xkcd-webserver.xkcd-webserver.service ==\n"
		       "[Unit]\n# Auto-generated, DO NOT EDIT\n"
		       "Description=Service for snap application xkcd-webserver.xkcd-webserver\n"
		       "Wants=network.target\nAfter=network.target\nX-Snappy=yes\n\n"
		       "[Service]\nEnvironmentFile=-/etc/environment\n"
		       "ExecStart=" L " snap.xkcd-webserver.xkcd-webserver\n"
		       "SyslogIdentifier=xkcd-webserver.xkcd-webserver\n"
		       "Restart=on-failure\nWorkingDirectory=/var/snap/xkcd-webserver/44\n"
		       "ExecStop=" L " --command=stop snap.xkcd-webserver.xkcd-webserver\n"
		       "ExecReload=" L " --command=reload snap.xkcd-webserver.xkcd-webserver\n"
		       "ExecStopPost=" L " --command=post-stop snap.xkcd-webserver.xkcd-webserver\n"
		       "TimeoutStopSec=30s\nType=forking\n" INSTALL);
}

static void test_user(void)
{
	const char *yaml = "name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/start\n"
			   "    stop-command: bin/stop\n    reload-command: bin/reload\n"
			   "    post-stop-command: bin/stop --post\n    stop-timeout: 10s\n"
			   "    daemon: simple\n    daemon-scope: user\n"
			   "  sys:\n    command: bin/sys\n    daemon: simple\n";
	/* TestGenerateSnapUserServiceFile: no mount, network or [Install] of
	 * the system's; default.target */
	_cleanup_free_ char *got = gen(yaml, "snap", true);
	CHECK_STR(got, "== snap.snap.app.service ==\n"
		       "[Unit]\n# Auto-generated, DO NOT EDIT\n"
		       "Description=Service for snap application snap.app\n"
		       "X-Snappy=yes\n\n[Service]\nEnvironmentFile=-/etc/environment\n"
		       "ExecStart=" L " snap.snap.app\nSyslogIdentifier=snap.app\n"
		       "Restart=on-failure\nWorkingDirectory=/var/snap/snap/44\n" STOP_CMDS(
			   "app") "TimeoutStopSec=10s\nType=simple\n"
				  "\n[Install]\nWantedBy=default.target\n");
	/* each scope has its own */
	_cleanup_free_ char *sys = gen(yaml, "snap", false);
	CHECK(strstr(sys, "== snap.snap.sys.service ==") == sys);
	CHECK(strstr(sys, "snap.snap.app.service") == NULL);
}

static void test_after_before(void)
{
	/* TestServiceAfterBefore */
	check_gen(
	    __LINE__,
	    "name: snap\nversion: 1.0\napps:\n"
	    "  app:\n    command: bin/foo start\n    daemon: simple\n"
	    "    after: [bar, zed]\n    before: [foo, baz]\n"
	    "  foo: {command: x, daemon: forking}\n  bar: {command: x, daemon: forking}\n"
	    "  zed: {command: x, daemon: forking}\n  baz: {command: x, daemon: forking}\n",
	    false,
	    "== snap.snap.app.service ==\n" UNIT_HEAD(
		"app") "After=snap-snap-44.mount network.target snap.snap.bar.service "
		       "snap.snap.zed.service\n"
		       "Before=snap.snap.foo.service snap.snap.baz.service\n" SERVICE_HEAD(
			   "app") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/44\n"
				  "TimeoutStopSec=30s\nType=simple\n" INSTALL
				  "== snap.snap.foo.service ==\n" UNIT_HEAD("foo") AFTER SERVICE_HEAD(
				      "foo") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/"
					     "44\n"
					     "TimeoutStopSec=30s\nType=forking\n" INSTALL
					     "== snap.snap.bar.service ==\n" UNIT_HEAD("bar")
						 AFTER SERVICE_HEAD(
						     "bar") "Restart=on-failure\nWorkingDirectory=/"
							    "var/snap/snap/44\n"
							    "TimeoutStopSec=30s\nType="
							    "forking\n" INSTALL
							    "== snap.snap.zed.service "
							    "==\n" UNIT_HEAD("zed") AFTER SERVICE_HEAD(
								"zed") "Restart=on-"
								       "failure\nWorkingDirectory=/"
								       "var/snap/snap/44\n"
								       "TimeoutStopSec=30s\nType="
								       "forking\n" INSTALL
								       "== snap.snap.baz.service "
								       "==\n" UNIT_HEAD("baz")
									   AFTER SERVICE_HEAD(
									       "baz") "Restart=on-"
										      "failure\nWor"
										      "kingDirector"
										      "y=/var/snap/"
										      "snap/44\n"
										      "TimeoutStopS"
										      "ec="
										      "30s\nType="
										      "forking"
										      "\n" INSTALL);
}

/* One field of a generated service: the line "KEY=..." or NULL. */
static char *field(const char *yaml_app_lines, const char *key)
{
	_cleanup_free_ char *yaml = xasprintf(
	    "name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/start\n%s", yaml_app_lines);
	_cleanup_free_ char *text = gen(yaml, "snap", false);
	_cleanup_free_ char *k = xasprintf("\n%s=", key);
	const char *p = strstr(text, k);
	if (!p)
		return NULL;
	p += strlen(k);
	return xstrndup(p, strcspn(p, "\n"));
}

static void check_field(const char *lines, const char *key, const char *want)
{
	_cleanup_free_ char *got = field(lines, key);
	if (!streq_ptr(got, want))
		fprintf(stderr, "%s%s\n", lines, key);
	CHECK_STR(got, want);
}

static void test_fields(void)
{
	/* TestKillModeSig, and the -all forms: the whole cgroup, systemd's default */
	static const char *const sigs[] = {"sigterm", "sighup", "sigusr1", "sigusr2", "sigint"};
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		_cleanup_free_ char *lines =
		    xasprintf("    daemon: simple\n    stop-mode: %s\n", sigs[i]);
		_cleanup_free_ char *all =
		    xasprintf("    daemon: simple\n    stop-mode: %s-all\n", sigs[i]);
		char up[16] = {0};
		for (size_t k = 0; sigs[i][k]; k++)
			up[k] = sigs[i][k] >= 'a' ? (char)(sigs[i][k] - 'a' + 'A') : sigs[i][k];
		check_field(lines, "KillMode", "process");
		check_field(lines, "KillSignal", up);
		check_field(all, "KillMode", NULL);
		check_field(all, "KillSignal", up);
	}
	check_field("    daemon: simple\n", "KillMode", NULL);
	check_field("    daemon: simple\n", "KillSignal", NULL);
	/* the KillSignal line follows Type= etc. in snapd's order */
	_cleanup_free_ char *text = gen("name: snap\nversion: 1\napps:\n  app:\n    command: x\n"
					"    daemon: simple\n    stop-mode: sighup\n",
					"snap", false);
	CHECK(strstr(text, "Type=simple\nKillMode=process\nKillSignal=SIGHUP\n\n[Install]"));

	/* TestRestartDelay, TestWriteSnapServiceUnitFileWithStartTimeout */
	check_field("    daemon: simple\n    restart-delay: 20s\n", "RestartSec", "20s");
	check_field("    daemon: simple\n    start-timeout: 10m\n", "TimeoutStartSec", "10m0s");
	check_field("    daemon: simple\n    watchdog-timeout: 1h30m\n", "WatchdogSec", "1h30m0s");
	check_field("    daemon: simple\n    restart-delay: 0\n", "RestartSec", NULL);
	check_field("    daemon: simple\n    stop-timeout: 0\n", "TimeoutStopSec", "30s");
	check_field("    daemon: simple\n    stop-timeout: 1.5s\n", "TimeoutStopSec", "1.5s");
	/* TestWriteSnapServiceUnitFileWithInvalidTimeout: at least 1µs */
	static const char *const durs[][2] = {{"stop-timeout", "TimeoutStopSec"},
					      {"start-timeout", "TimeoutStartSec"},
					      {"restart-delay", "RestartSec"},
					      {"watchdog-timeout", "WatchdogSec"}};
	for (size_t i = 0; i < ARRAY_SIZE(durs); i++) {
		_cleanup_free_ char *lines =
		    xasprintf("    daemon: simple\n    %s: 10ns\n", durs[i][0]);
		check_field(lines, durs[i][1], "1\xc2\xb5s");
	}

	/* TestWriteSnapServiceUnitFileRestart: every condition; never is "no" */
	static const char *const conds[][2] = {{"no", "no"},
					       {"never", "no"},
					       {"on-success", "on-success"},
					       {"on-failure", "on-failure"},
					       {"on-abnormal", "on-abnormal"},
					       {"on-abort", "on-abort"},
					       {"on-watchdog", "on-watchdog"},
					       {"always", "always"}};
	for (size_t i = 0; i < ARRAY_SIZE(conds); i++) {
		_cleanup_free_ char *lines =
		    xasprintf("    daemon: simple\n    restart-condition: %s\n", conds[i][0]);
		check_field(lines, "Restart", conds[i][1]);
	}
	/* a oneshot restarts never, and without stop-command does not remain */
	check_field("    daemon: oneshot\n    restart-condition: always\n", "Restart", "no");
	check_field("    daemon: oneshot\n", "RemainAfterExit", NULL);
}

static void test_sockets(void)
{
	/* TestGenerateSnapServiceWithSockets: no [Install] on the service */
	check_gen(
	    __LINE__,
	    "name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/foo start\n"
	    "    daemon: simple\n    plugs: [network-bind]\n    sockets:\n"
	    "      sock1:\n        listen-stream: $SNAP_DATA/sock1.socket\n"
	    "        socket-mode: 0666\n"
	    "      sock2:\n        listen-stream: $SNAP_DATA/sock2.socket\n"
	    "      sock3:\n        listen-stream: $SNAP_COMMON/sock3.socket\n"
	    "      sock4:\n        listen-stream: $XDG_RUNTIME_DIR/sock4.socket\n",
	    false,
	    "== snap.snap.app.service ==\n" UNIT_HEAD("app") AFTER SERVICE_HEAD(
		"app") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/44\n"
		       "TimeoutStopSec=30s\nType=simple\n"
		       "== snap.snap.app.sock1.socket ==\n"
		       "[Unit]\n# Auto-generated, DO NOT EDIT\n"
		       "Description=Socket sock1 for snap application snap.app\n"
		       "Requires=snap-snap-44.mount\nAfter=snap-snap-44.mount\nX-Snappy=yes\n\n"
		       "[Socket]\nService=snap.snap.app.service\nFileDescriptorName=sock1\n"
		       "ListenStream=/var/snap/snap/44/sock1.socket\nSocketMode=0666\n\n"
		       "[Install]\nWantedBy=sockets.target\n"
		       "== snap.snap.app.sock2.socket ==\n"
		       "[Unit]\n# Auto-generated, DO NOT EDIT\n"
		       "Description=Socket sock2 for snap application snap.app\n"
		       "Requires=snap-snap-44.mount\nAfter=snap-snap-44.mount\nX-Snappy=yes\n\n"
		       "[Socket]\nService=snap.snap.app.service\nFileDescriptorName=sock2\n"
		       "ListenStream=/var/snap/snap/44/sock2.socket\n\n"
		       "[Install]\nWantedBy=sockets.target\n"
		       "== snap.snap.app.sock3.socket ==\n"
		       "[Unit]\n# Auto-generated, DO NOT EDIT\n"
		       "Description=Socket sock3 for snap application snap.app\n"
		       "Requires=snap-snap-44.mount\nAfter=snap-snap-44.mount\nX-Snappy=yes\n\n"
		       "[Socket]\nService=snap.snap.app.service\nFileDescriptorName=sock3\n"
		       "ListenStream=/var/snap/snap/common/sock3.socket\n\n"
		       "[Install]\nWantedBy=sockets.target\n"
		       "== snap.snap.app.sock4.socket ==\n"
		       "[Unit]\n# Auto-generated, DO NOT EDIT\n"
		       "Description=Socket sock4 for snap application snap.app\n"
		       "Requires=snap-snap-44.mount\nAfter=snap-snap-44.mount\nX-Snappy=yes\n\n"
		       "[Socket]\nService=snap.snap.app.service\nFileDescriptorName=sock4\n"
		       "ListenStream=/run/user/0/snap.snap/sock4.socket\n\n"
		       "[Install]\nWantedBy=sockets.target\n");
	/* user daemons: the user manager's %h and %t */
	_cleanup_free_ char *user =
	    gen("name: snap\nversion: 1.0\napps:\n  app:\n    command: bin/start\n"
		"    daemon: simple\n    daemon-scope: user\n    plugs: [network-bind]\n"
		"    sockets:\n      d:\n        listen-stream: $SNAP_USER_DATA/d.sock\n"
		"      c:\n        listen-stream: $SNAP_USER_COMMON/c.sock\n"
		"      r:\n        listen-stream: $XDG_RUNTIME_DIR/r.sock\n",
		"snap", true);
	CHECK(strstr(user, "== snap.snap.app.d.socket ==\n[Unit]\n# Auto-generated, DO NOT "
			   "EDIT\nDescription=Socket d for snap application snap.app\n"
			   "X-Snappy=yes\n\n[Socket]\nService=snap.snap.app.service\n"
			   "FileDescriptorName=d\nListenStream=%h/snap/snap/44/d.sock\n\n"
			   "[Install]\nWantedBy=sockets.target\n"));
	CHECK(strstr(user, "\nListenStream=%h/snap/snap/common/c.sock\n"));
	CHECK(strstr(user, "\nListenStream=%t/snap.snap/r.sock\n"));
}

static void test_timer_unit(void)
{
	/* TestServiceTimerUnit, and TestServiceTimerServiceUnit's service (no
	 * [Install]: the timer starts it) */
	check_gen(
	    __LINE__,
	    "name: snap\nversion: 0.3.4\napps:\n  app:\n    command: bin/foo start\n"
	    "    daemon: simple\n    timer: 10:00-12:00/2\n",
	    false,
	    "== snap.snap.app.service ==\n" UNIT_HEAD("app") AFTER SERVICE_HEAD(
		"app") "Restart=on-failure\nWorkingDirectory=/var/snap/snap/44\n"
		       "TimeoutStopSec=30s\nType=simple\n"
		       "== snap.snap.app.timer ==\n"
		       "[Unit]\n# Auto-generated, DO NOT EDIT\n"
		       "Description=Timer app for snap application snap.app\n"
		       "Requires=snap-snap-44.mount\nAfter=snap-snap-44.mount\nX-Snappy=yes\n\n"
		       "[Timer]\nUnit=snap.snap.app.service\n"
		       "OnCalendar=*-*-* 10:00\nOnCalendar=*-*-* 11:00\n\n"
		       "[Install]\nWantedBy=timers.target\n");
}

static void test_oncalendar(void)
{
	/* TestTimerGenerateSchedules: exact, or (spread) a pattern */
	static const struct {
		const char *in;
		const char *want; /* events joined with '|' */
		bool regex;
	} cases[] = {
	    {"9:00-11:00,,20:00-22:00", "*-*-* 09:00|*-*-* 20:00", false},
	    {"9:00-11:00/2,,20:00", "*-*-* 09:00|*-*-* 10:00|*-*-* 20:00", false},
	    {"9:00~11:00/2,,20:00",
	     "^\\*-\\*-\\* 09:[0-5][0-9]\\|\\*-\\*-\\* 10:[0-5][0-9]\\|"
	     "\\*-\\*-\\* 20:00$",
	     true},
	    {"mon,10:00,,fri,15:00", "Mon *-*-* 10:00|Fri *-*-* 15:00", false},
	    {"mon-fri,10:00-11:00", "Mon,Tue,Wed,Thu,Fri *-*-* 10:00", false},
	    {"fri-mon,10:00-11:00", "Fri,Sat,Sun,Mon *-*-* 10:00", false},
	    {"mon5,10:00", "Mon *-*-22,23,24,25,26,27,28,29,30,31 10:00", false},
	    {"mon2,10:00", "Mon *-*-8,9,10,11,12,13,14 10:00", false},
	    {"mon2,mon1,10:00", "Mon *-*-8,9,10,11,12,13,14 10:00|Mon *-*-1,2,3,4,5,6,7 10:00",
	     false},
	    {"mon1-mon3,10:00", "*-*-8,9,10,11,12,13,14 10:00|*-*-1,2,3,4,5,6,7 10:00", false},
	    {"mon,10:00~12:00,,fri,15:00",
	     "^Mon \\*-\\*-\\* 1[01]:[0-5][0-9]\\|Fri \\*-\\*-\\* 15:00$", true},
	    {"23:00~24:00/4",
	     "^\\*-\\*-\\* 23:[01][0-9]\\|\\*-\\*-\\* 23:[12][0-9]\\|\\*-\\*-\\* 23:[34][0-9]\\|"
	     "\\*-\\*-\\* 23:[45][0-9]$",
	     true},
	    {"23:00~01:00/4",
	     "^\\*-\\*-\\* 23:[0-2][0-9]\\|\\*-\\*-\\* 23:[3-5][0-9]\\|\\*-\\*-\\* 00:[0-2][0-9]\\|"
	     "\\*-\\*-\\* 00:[3-5][0-9]$",
	     true},
	    {"23:00-01:00/4", "*-*-* 23:00|*-*-* 23:30|*-*-* 00:00|*-*-* 00:30", false},
	    {"24:00", "*-*-* 00:00", false},
	    {"fri-mon1,10:00", "*-*-22,23,24,25,26,27,28,29,30,31 10:00|*-*-1,2,3,4,5,6,7 10:00",
	     false},
	    {"mon5-fri,10:00",
	     "*-*-29,30,31 10:00|*-*-1,2,3,4,5,6,7 10:00|*-*-22,23,24,25,26,27,28 10:00", false},
	    {"mon4-fri,10:00",
	     "*-*-29,30,31 10:00|*-*-1,2,3,4,5,6,7 10:00|*-*-22,23,24,25,26,27,28 10:00", false},
	    {"mon-fri2,10:00", "*-*-1,2,3,4,5,6,7 10:00|*-*-8,9,10,11,12,13,14 10:00", false},
	    {"mon-fri5,10:00", "*-*-29,30,31 10:00|*-*-22,23,24,25,26,27,28 10:00", false},
	    {"mon1-mon,10:00", "*-*-8,9,10,11,12,13,14 10:00|*-*-1,2,3,4,5,6,7 10:00", false},
	    {"mon", "Mon *-*-*", false},
	    {"mon,fri", "Mon *-*-*|Fri *-*-*", false},
	    {"mon2,mon1", "Mon *-*-8,9,10,11,12,13,14|Mon *-*-1,2,3,4,5,6,7", false},
	    /* beyond snapd's table: its loop never ends on a span ending on a
	     * Saturday */
	    {"mon-sat", "Mon,Tue,Wed,Thu,Fri,Sat *-*-*", false},
	    {"sat-sun,9:00", "Sat,Sun *-*-* 09:00", false},
	    {"0:00-24:00/4", "*-*-* 00:00|*-*-* 06:00|*-*-* 12:00|*-*-* 18:00", false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_strv_ strv ev = {0};
		cordon_error *err = NULL;
		int r = cordon_timer_oncalendar(cases[i].in, 42, &ev, &err);
		CHECK_INT(r, 0);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", cases[i].in, err->msg);
			cordon_error_free(&err);
			continue;
		}
		_cleanup_buf_ buf b = {0};
		for (size_t k = 0; k < ev.n; k++)
			buf_printf(&b, k ? "|%s" : "%s", ev.v[k]);
		_cleanup_free_ char *got = buf_steal(&b);
		if (!cases[i].regex) {
			if (strcmp(got, cases[i].want))
				fprintf(stderr, "schedule %s\n", cases[i].in);
			CHECK_STR(got, cases[i].want);
			continue;
		}
		regex_t re;
		CHECK_INT(regcomp(&re, cases[i].want, REG_NOSUB), 0);
		bool ok = regexec(&re, got, 0, NULL, 0) == 0;
		if (!ok)
			fprintf(stderr, "schedule %s: %s !~ %s\n", cases[i].in, got, cases[i].want);
		CHECK(ok);
		regfree(&re);
	}
	/* spread events: the same seed, the same text; each seed spreads
	 * anywhere in the window but its last 5 minutes */
	bool seen_low = false, seen_high = false;
	for (uint64_t seed = 0; seed < 200; seed++) {
		_cleanup_strv_ strv a = {0}, b = {0};
		cordon_error *err = NULL;
		CHECK_INT(cordon_timer_oncalendar("10:00~10:20", seed, &a, &err), 0);
		CHECK_INT(cordon_timer_oncalendar("10:00~10:20", seed, &b, &err), 0);
		CHECK_STR(a.v[0], b.v[0]);
		int min = atoi(a.v[0] + strlen("*-*-* 10:"));
		CHECK(strncmp(a.v[0], "*-*-* 10:", 9) == 0 && min >= 0 && min < 15);
		seen_low |= min < 3;
		seen_high |= min > 12;
	}
	CHECK(seen_low && seen_high);

	/* TestServiceTimerUnitBadTimer, and the parser's other refusals */
	static const char *const bad[][2] = {
	    {"bad-timer", "cannot parse \"bad-timer\": \"bad\" is not a valid weekday"},
	    {"mon-tue-wed", "cannot parse \"mon-tue-wed\": invalid week span"},
	    {"mon4-mon1", "cannot parse \"mon4-mon1\": unsupported schedule"},
	    {"10:00/0", "cannot parse \"10:00/0\": not a valid interval"},
	    {"25:00", "cannot parse \"25:00\": not a valid time"},
	    {"10:00,mon", "cannot parse \"mon\": invalid schedule fragment"},
	    {"mon,,", "cannot parse \"\": not a valid fragment"},
	    {"", "cannot parse \"\": not a valid fragment"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_strv_ strv ev = {0};
		cordon_error *err = NULL;
		CHECK_INT(cordon_timer_oncalendar(bad[i][0], 0, &ev, &err), -EINVAL);
		CHECK_STR(err ? err->msg : NULL, bad[i][1]);
		CHECK_INT(ev.n, 0);
		cordon_error_free(&err);
	}
}

static void test_go_duration(void)
{
	static const struct {
		int64_t ns;
		const char *want;
	} cases[] = {
	    {0, "0s"},
	    {1, "1ns"},
	    {1000, "1\xc2\xb5s"},
	    {1500, "1.5\xc2\xb5s"},
	    {500000000, "500ms"},
	    {1500000000, "1.5s"},
	    {30000000000, "30s"},
	    {90000000000, "1m30s"},
	    {600000000000, "10m0s"},
	    {3600000000000, "1h0m0s"},
	    {-2000000000, "-2s"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = cordon_go_duration(cases[i].ns);
		CHECK_STR(got, cases[i].want);
	}
}

static void test_dbus_scopes(void)
{
	/* TestGenerateDBusActivationFile: User=root for the system bus only */
	const char *yaml = "name: snapname\nversion: 1.0\nslots:\n"
			   "  system1: {interface: dbus, bus: system, name: org.example.Foo}\n"
			   "  session1: {interface: dbus, bus: session, name: org.example.Foo}\n"
			   "apps:\n"
			   "  system-svc:\n    command: bin/start-system\n    daemon: simple\n"
			   "    activates-on: [system1]\n"
			   "  session-svc:\n    command: bin/start-session\n    daemon: simple\n"
			   "    daemon-scope: user\n    activates-on: [session1]\n";
	_cleanup_free_ char *sys = gen(yaml, "snapname", false);
	_cleanup_free_ char *usr = gen(yaml, "snapname", true);
	CHECK(strstr(sys, "== org.example.Foo.service ==\n[D-BUS Service]\n"
			  "Name=org.example.Foo\n"
			  "Comment=Bus name for snap application snapname.system-svc\n"
			  "SystemdService=snap.snapname.system-svc.service\n"
			  "Exec=" L " snap.snapname.system-svc\n"
			  "AssumedAppArmorLabel=snap.snapname.system-svc\n"
			  "User=root\nX-Snap=snapname\n"));
	CHECK(strstr(usr, "== org.example.Foo.service ==\n[D-BUS Service]\n"
			  "Name=org.example.Foo\n"
			  "Comment=Bus name for snap application snapname.session-svc\n"
			  "SystemdService=snap.snapname.session-svc.service\n"
			  "Exec=" L " snap.snapname.session-svc\n"
			  "AssumedAppArmorLabel=snap.snapname.session-svc\n"
			  "X-Snap=snapname\n"));
	/* a simple daemon activated on the bus gets no BusName= */
	CHECK(strstr(sys, "BusName") == NULL);
	CHECK(strstr(sys, "[Install]") == NULL);
}

static void test_enable_and_input(void)
{
	_cleanup_manifest_ cordon_manifest *m =
	    load("name: foo\nversion: 1.0\napps:\n"
		 "  plain: {command: x, daemon: simple, install-mode: disable}\n"
		 "  timed: {command: x, daemon: simple, timer: mon}\n"
		 "  sock:\n    command: x\n    daemon: simple\n    plugs: [network-bind]\n"
		 "    sockets: {s: {listen-stream: $SNAP_COMMON/s}}\n"
		 "  cli: {command: x}\n");
	cordon_units_input in = input(m, "foo_key");
	cordon_unit *u = NULL;
	size_t n = 0;
	cordon_error *err = NULL;
	CHECK_INT(cordon_units_generate(&in, false, &u, &n, &err), 0);
	CHECK_INT(n, 5);
	static const struct {
		cordon_unit_kind kind;
		const char *name;
		bool enable;
	} want[] = {
	    {CORDON_UNIT_SERVICE, "snap.foo_key.plain.service", true},
	    {CORDON_UNIT_SERVICE, "snap.foo_key.timed.service", false},
	    {CORDON_UNIT_TIMER, "snap.foo_key.timed.timer", true},
	    {CORDON_UNIT_SERVICE, "snap.foo_key.sock.service", false},
	    {CORDON_UNIT_SOCKET, "snap.foo_key.sock.s.socket", true},
	};
	for (size_t i = 0; i < n && i < ARRAY_SIZE(want); i++) {
		CHECK_INT(u[i].kind, want[i].kind);
		CHECK_STR(u[i].name, want[i].name);
		CHECK_INT(u[i].enable, want[i].enable);
	}
	/* install-mode is the app's, for the store */
	CHECK_STR(u[0].app->install_mode, "disable");
	/* an instance: its own names, label and directories; no mount unit */
	CHECK(strstr(u[0].text, "\nDescription=Service for snap application foo_key.plain\n"
				"Wants=network.target\nAfter=network.target\nX-Snappy=yes\n"));
	CHECK(strstr(u[0].text, "\nExecStart=" L " snap.foo_key.plain\n"));
	CHECK(strstr(u[0].text, "\nWorkingDirectory=/var/snap/foo_key/44\n"));
	CHECK(strstr(u[4].text, "\nListenStream=/var/snap/foo_key/common/s\n"));
	cordon_units_free(u, n);

	/* no daemons: nothing */
	CHECK_INT(cordon_units_generate(&in, true, &u, &n, &err), 0);
	CHECK(u == NULL && n == 0);

	/* paths systemd would split or expand */
	static const char *const paths[] = {"relative/confine", "/a b/confine", "/a%i/confine",
					    "/a$X/confine",	"/a\"/confine", "/a\n/confine"};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		in.launcher = paths[i];
		CHECK_INT(cordon_units_generate(&in, false, &u, &n, &err), -EINVAL);
		CHECK(u == NULL && n == 0);
		cordon_error_free(&err);
	}
	in.launcher = L;
	in.data_dir = "/var/snap/50%";
	CHECK_INT(cordon_units_generate(&in, false, &u, &n, &err), -EINVAL);
	cordon_error_free(&err);
}

int main(void)
{
	test_classic();
	test_types();
	test_forking_same_name();
	test_user();
	test_after_before();
	test_fields();
	test_sockets();
	test_timer_unit();
	test_oncalendar();
	test_go_duration();
	test_dbus_scopes();
	test_enable_and_input();
	return check_done("units");
}
