/* Unit tests of the snap.yaml validator, part two: apps (commands, daemons,
 * sockets, timers, durations, ordering, activation, aliases), hooks, plug and
 * slot names, and layouts. One case per rule, each with its exact error. */
#include "manifest_check.h"

#define APP(body) HEAD "apps:\n  a:\n" body
static void test_apps(void)
{
	bad(HEAD "apps:\n  foo_bar:\n    command: x\n",
	    SRC ":4:3: invalid app name \"foo_bar\": expected letters, digits and single hyphens, "
		"starting and ending with a letter or digit");
	bad(HEAD "apps:\n  -a:\n    command: x\n",
	    SRC ":4:3: invalid app name \"-a\": expected letters, digits and single hyphens, "
		"starting and ending with a letter or digit");
	cordon_manifest_free(ok(HEAD "apps:\n  Foo-2:\n    command: x\n"));
	bad(APP("    daemon: forever\n"),
	    SRC ":5:13: app \"a\": invalid daemon \"forever\": expected simple, forking, oneshot, "
		"notify or dbus");
	bad(APP("    daemon: simple\n    daemon-scope: global\n"),
	    SRC ":6:19: app \"a\": invalid daemon-scope \"global\": expected system or user");
	bad(APP("    daemon-scope: user\n"), SRC
	    ":5:19: app \"a\": daemon-scope is only for daemons: expected a daemon: key with it");
	bad(APP("    command: \"bin/x'y\"\n"), SRC
	    ":5:14: app \"a\": command \"bin/x'y\" contains illegal characters: expected letters, "
	    "digits, spaces and / . _ # : $ -");
	bad(APP("    stop-command: bin/stop;reboot\n"),
	    SRC ":5:19: app \"a\": stop-command \"bin/stop;reboot\" contains illegal characters: "
		"expected letters, digits, spaces and / . _ # : $ -");
	bad(APP("    bus-name: \"a`b\"\n"),
	    SRC ":5:15: app \"a\": bus-name \"a`b\" contains illegal characters: expected letters, "
		"digits, spaces and / . _ # : $ -");
	bad(APP("    command-chain: [bin/ok, bin/a b]\n"),
	    SRC ":5:29: app \"a\": command-chain item \"bin/a b\" contains illegal characters: "
		"expected letters, digits and / . _ # : $ -");
	cordon_manifest_free(ok(APP("    command: bin/x --flag $SNAP_DATA #1\n"
				    "    command-chain: [snap/command-chain/desktop-launch]\n")));
	/* restart */
	bad(APP("    daemon: simple\n    restart-condition: sometimes\n"),
	    SRC ":6:24: app \"a\": invalid restart-condition \"sometimes\": expected never, "
		"on-success, on-failure, on-abnormal, on-abort, on-watchdog or always");
	bad(APP("    restart-condition: always\n"),
	    SRC ":5:24: app \"a\": restart-condition is only for daemons: expected a daemon: key "
		"with it");
	bad(APP("    restart-delay: 10s\n"), SRC
	    ":5:20: app \"a\": restart-delay is only for daemons: expected a daemon: key with it");
	bad(APP("    daemon: simple\n    restart-delay: -10s\n"),
	    SRC ":6:20: app \"a\": restart-delay \"-10s\" is negative: expected a duration of zero "
		"or more");
	cordon_manifest_free(ok(APP("    restart-delay: 0\n")));
	/* timeouts */
	bad(APP("    daemon: simple\n    stop-timeout: 10\n"),
	    SRC ":6:19: app \"a\": invalid stop-timeout \"10\": time: missing unit in duration "
		"\"10\": expected a duration such as \"30s\", \"1m30s\" or \"500ms\"");
	bad(APP("    daemon: simple\n    start-timeout: 1d\n"),
	    SRC ":6:20: app \"a\": invalid start-timeout \"1d\": time: unknown unit \"d\" in "
		"duration \"1d\": expected a duration such as \"30s\", \"1m30s\" or \"500ms\"");
	bad(APP("    daemon: simple\n    watchdog-timeout: \"\"\n"),
	    SRC ":6:23: app \"a\": invalid watchdog-timeout \"\": time: invalid duration \"\": "
		"expected a duration such as \"30s\", \"1m30s\" or \"500ms\"");
	bad(APP("    watchdog-timeout: 1m\n"),
	    SRC ":5:23: app \"a\": watchdog-timeout is only for daemons: expected a daemon: key "
		"with it");
	bad(APP("    daemon: notify\n    stop-timeout: -1s\n"), SRC
	    ":6:19: app \"a\": stop-timeout \"-1s\" is negative: expected a duration of zero or "
	    "more");
	cordon_manifest_free(ok(APP("    daemon: simple\n    stop-timeout: 1h2m3.5s\n"
				    "    start-timeout: 250ms\n    watchdog-timeout: 1.5us\n")));
	/* modes */
	bad(APP("    daemon: simple\n    stop-mode: sigkill\n"), SRC
	    ":6:16: app \"a\": invalid stop-mode \"sigkill\": expected sigterm, sighup, sigusr1, "
	    "sigusr2 or sigint, optionally with \"-all\"");
	bad(APP("    stop-mode: sigterm\n"),
	    SRC ":5:16: app \"a\": stop-mode is only for daemons: expected a daemon: key with it");
	bad(APP("    daemon: simple\n    refresh-mode: never\n"),
	    SRC ":6:19: app \"a\": invalid refresh-mode \"never\": expected endure, restart or "
		"ignore-running");
	bad(APP("    daemon: simple\n    refresh-mode: ignore-running\n"),
	    SRC ":6:19: app \"a\": refresh-mode \"ignore-running\" is not for daemons: expected "
		"endure or restart");
	bad(APP("    refresh-mode: endure\n"),
	    SRC ":5:19: app \"a\": refresh-mode of an app that is not a daemon: expected "
		"\"ignore-running\"");
	cordon_manifest_free(ok(APP("    refresh-mode: ignore-running\n")));
	bad(APP("    daemon: simple\n    install-mode: later\n"),
	    SRC ":6:19: app \"a\": invalid install-mode \"later\": expected enable or disable");
	bad(APP("    install-mode: disable\n"), SRC
	    ":5:19: app \"a\": install-mode is only for daemons: expected a daemon: key with it");
	/* timers */
	bad(APP("    timer: mon\n"),
	    SRC ":5:12: app \"a\": timer is only for daemons: expected a daemon: key with it");
	bad(APP("    daemon: simple\n    timer: mon,10:00-12:00,mon2-wed3\n"),
	    SRC ":6:12: app \"a\": invalid timer \"mon,10:00-12:00,mon2-wed3\": cannot parse "
		"\"mon2-wed3\": invalid schedule fragment: expected a schedule such as "
		"\"mon-fri,9:00-17:00\"");
	bad(APP("    daemon: simple\n    timer: 25:00\n"),
	    SRC ":6:12: app \"a\": invalid timer \"25:00\": cannot parse \"25:00\": not a valid "
		"time: expected a schedule such as \"mon-fri,9:00-17:00\"");
	bad(APP("    daemon: simple\n    timer: funday\n"), SRC
	    ":6:12: app \"a\": invalid timer \"funday\": cannot parse \"funday\": \"funday\" is "
	    "not a valid weekday: expected a schedule such as \"mon-fri,9:00-17:00\"");
	bad(APP("    daemon: simple\n    timer: mon4-mon1\n"),
	    SRC ":6:12: app \"a\": invalid timer \"mon4-mon1\": cannot parse \"mon4-mon1\": "
		"unsupported schedule: expected a schedule such as \"mon-fri,9:00-17:00\"");
	bad(APP("    daemon: simple\n    timer: 9:00-10:00/0\n"),
	    SRC ":6:12: app \"a\": invalid timer \"9:00-10:00/0\": cannot parse \"9:00-10:00/0\": "
		"not a valid interval: expected a schedule such as \"mon-fri,9:00-17:00\"");
	bad(APP("    daemon: simple\n    timer: mon,,\n"),
	    SRC ":6:12: app \"a\": invalid timer \"mon,,\": cannot parse \"\": not a valid "
		"fragment: expected a schedule such as \"mon-fri,9:00-17:00\"");
	const char *timers[] = {"mon",
				"mon,10:00",
				"mon-fri,9:00-17:00/4",
				"0:00~24:00/96",
				"sat,sun,,mon1-fri,23:00~24:00",
				"mon1-tue2",
				"fri5",
				"9:00~9:30"};
	for (size_t i = 0; i < ARRAY_SIZE(timers); i++) {
		_cleanup_free_ char *y =
		    xasprintf(APP("    daemon: simple\n    timer: \"%s\"\n"), timers[i]);
		cordon_manifest_free(ok(y));
	}
}

static void test_sockets(void)
{
#define SOCK(scope, plugs, sock)                                                                   \
	HEAD "apps:\n  a:\n    daemon: simple\n" scope "    plugs: [" plugs                        \
	     "]\n    sockets:\n      "                                                             \
	     "s:\n" sock
	bad(SOCK("", "", "        listen-stream: $SNAP_DATA/s\n"),
	    SRC ":8:7: app \"a\": sockets need the \"network-bind\" plug: expected network-bind "
		"in the app's plugs");
	/* classic snaps have no sandbox to open */
	cordon_manifest_free(ok("name: foo\nversion: 1\nconfinement: classic\n"
				"apps:\n  a:\n    daemon: simple\n    sockets:\n      s:\n"
				"        listen-stream: $SNAP_DATA/s\n"));
	/* a top-level network-bind that no app names is every app's */
	cordon_manifest_free(ok(HEAD "plugs:\n  network-bind:\napps:\n  a:\n    daemon: simple\n"
				     "    sockets:\n      s:\n        listen-stream: 8080\n"));
	bad(SOCK("", "network-bind",
		 "        listen-stream: $SNAP_DATA/s\n        socket-mode: 01000\n"),
	    SRC ":10:22: app \"a\": socket \"s\": socket-mode 01000 is out of range: expected at "
		"most 0777");
	bad(SOCK("", "network-bind", "        socket-mode: 0600\n"),
	    SRC ":8:7: app \"a\": socket \"s\" has no listen-stream: expected a path, an @abstract "
		"name or a [host:]port");
	bad(SOCK("", "network-bind", "        listen-stream: $SNAP_DATA//s\n"),
	    SRC ":9:24: app \"a\": socket \"s\": listen-stream \"$SNAP_DATA//s\" is not clean: "
		"expected \"$SNAP_DATA/s\"");
	bad(SOCK("", "network-bind", "        listen-stream: /run/s\n"), SRC
	    ":9:24: app \"a\": socket \"s\": listen-stream \"/run/s\": expected a system daemon "
	    "socket under $SNAP_DATA, $SNAP_COMMON or $XDG_RUNTIME_DIR");
	bad(SOCK("    daemon-scope: user\n", "network-bind",
		 "        listen-stream: $SNAP_DATA/s\n"),
	    SRC ":10:24: app \"a\": socket \"s\": listen-stream \"$SNAP_DATA/s\": expected a user "
		"daemon socket under $SNAP_USER_DATA, $SNAP_USER_COMMON or $XDG_RUNTIME_DIR");
	bad(SOCK("", "network-bind", "        listen-stream: \"@other.s\"\n"),
	    SRC ":9:24: app \"a\": socket \"s\": listen-stream \"@other.s\": expected a name "
		"starting with \"@snap.foo.\"");
	bad(SOCK("", "network-bind", "        listen-stream: 0.0.0.0:80\n"),
	    SRC ":9:24: app \"a\": socket \"s\": listen-stream address \"0.0.0.0\": expected one "
		"of 127.0.0.1, [::1], [::]");
	bad(SOCK("", "network-bind", "        listen-stream: 127.0.0.1:65536\n"),
	    SRC ":9:24: app \"a\": socket \"s\": listen-stream port \"65536\": expected a number "
		"from 1 to 65535");
	bad(HEAD "apps:\n  a:\n    daemon: simple\n    plugs: [network-bind]\n    sockets:\n"
		 "      Sock:\n        listen-stream: 80\n",
	    SRC ":8:7: app \"a\": invalid socket name \"Sock\": expected lowercase letters, digits "
		"and single hyphens, with at least one letter");
	bad("name: foo\nversion: 1\nconfinement: classic\napps:\n  a:\n    sockets:\n      s:\n"
	    "        listen-stream: $SNAP_DATA/s\n",
	    SRC
	    ":8:24: app \"a\": socket \"s\": sockets are only for daemons: expected a daemon: key");
	cordon_manifest *m = ok(SOCK("", "network-bind",
				     "        listen-stream: \"@snap.foo.sock\"\n"
				     "        socket-mode: 0640\n"
				     "      t:\n        listen-stream: \"[::1]:8080\"\n"));
	if (m && m->n_apps == 1 && m->apps[0].n_sockets == 2) {
		CHECK_STR(m->apps[0].sockets[0].socket_mode, "0640");
		CHECK_INT(m->apps[0].sockets[0].mode, 0640);
		CHECK_INT(m->apps[0].sockets[1].mode, -1);
	}
	cordon_manifest_free(m);
}

static void test_ordering_activation(void)
{
	bad(APP("    after: [b]\n  b:\n    daemon: simple\n"),
	    SRC ":5:13: app \"a\": before/after is only for daemons: expected a daemon: key");
	bad(APP("    daemon: simple\n    after: [c]\n"),
	    SRC ":6:13: app \"a\": before/after names app \"c\", which does not exist: expected an "
		"app of this snap");
	bad(APP("    daemon: simple\n    before: [b]\n  b:\n    command: b\n"),
	    SRC ":6:14: app \"a\": before/after names app \"b\", which is not a daemon: expected a "
		"daemon");
	bad(APP("    daemon: simple\n    after: [b]\n  b:\n    daemon: simple\n    daemon-scope: "
		"user\n"),
	    SRC ":6:13: app \"a\": before/after names daemon \"b\", whose daemon-scope differs: "
		"expected a system daemon");
	bad(APP("    daemon: simple\n    after: [b]\n  b:\n    daemon: simple\n    after: [a]\n"),
	    SRC ":4:3: apps are part of a before/after cycle: \"a\", \"b\": expected an order that "
		"can be satisfied");
	bad(APP("    daemon: simple\n    after: [a]\n"),
	    SRC ":4:3: apps are part of a before/after cycle: \"a\": expected an order that can be "
		"satisfied");
	cordon_manifest_free(
	    ok(APP("    daemon: simple\n    before: [b]\n  b:\n    daemon: simple\n"
		   "  c:\n    daemon: simple\n    after: [b]\n")));
	/* activates-on */
#define DBUS "slots:\n  d:\n    interface: dbus\n    bus: system\n    name: org.foo\n"
	bad(HEAD DBUS "apps:\n  a:\n    activates-on: [d]\n",
	    SRC ":10:19: app \"a\": activates-on is only for daemons: expected a daemon: key");
	bad(HEAD "apps:\n  a:\n    daemon: dbus\n    activates-on: [d]\n",
	    SRC ":6:20: activates-on names slot \"d\", which the snap does not declare: expected a "
		"slot of the snap");
	bad(HEAD "slots:\n  d: network\napps:\n  a:\n    daemon: dbus\n    activates-on: [d]\n", SRC
	    ":8:20: app \"a\": activates-on slot \"d\" does not use the dbus interface: expected "
	    "a dbus slot");
	bad(HEAD DBUS
	    "apps:\n  a:\n    daemon: dbus\n    daemon-scope: user\n    activates-on: [d]\n",
	    SRC ":12:20: app \"a\": activates-on slot \"d\" is on bus \"system\": expected bus "
		"\"session\" for a user daemon");
	bad(HEAD DBUS "apps:\n  a:\n    daemon: dbus\n    activates-on: [d]\n"
		      "  b:\n    daemon: dbus\n    activates-on: [d]\n",
	    SRC ":14:20: app \"b\": activates-on slot \"d\" is already activated by app \"a\": "
		"expected one app per slot");
	cordon_manifest *m = ok(HEAD DBUS "apps:\n  a:\n    daemon: dbus\n    activates-on: [d]\n"
					  "  b:\n    command: b\n");
	if (m) {
		const cordon_port *d = cordon_manifest_slot(m, "d");
		CHECK(d && d->apps.n == 1 && strcmp(d->apps.v[0], "a") == 0);
		CHECK(d && !d->unscoped);
	}
	cordon_manifest_free(m);
	/* aliases */
	bad(APP("    aliases: [\"a b\"]\n"), SRC
	    ":5:15: invalid alias \"a b\" for app \"a\": expected letters, digits, \"-\", \"_\" "
	    "and \".\", starting with a letter or digit");
	bad(APP("    aliases: [x]\n  b:\n    aliases: [x]\n"),
	    SRC ":7:15: alias \"x\" is already set for app \"a\": expected each alias once");
}

static void test_hooks(void)
{
	bad(HEAD "hooks:\n  Install:\n", SRC ":4:3: invalid hook name \"Install\": " PORT_RULE);
	bad(HEAD "hooks:\n  change-view-Foo:\n",
	    SRC ":4:3: invalid hook name \"change-view-Foo\": " PORT_RULE);
	/* malformed stays an error even where snapd's patterns would match */
	bad(HEAD "hooks:\n  connect-plug-a--b:\n",
	    SRC ":4:3: invalid hook name \"connect-plug-a--b\": " PORT_RULE);
	bad(HEAD "hooks:\n  post-install-:\n",
	    SRC ":4:3: invalid hook name \"post-install-\": " PORT_RULE);
	/* a hook snapd does not support is still parsed (a wrong shape fails as
	 * in snapd's yaml.Unmarshal)... */
	bad(HEAD "hooks:\n  post-install: [x]\n",
	    SRC ":4:17: hooks.post-install: expected a map, got a list");
	bad(HEAD "hooks:\n  install:\n    command-chain: [\"a b\"]\n",
	    SRC ":5:21: hook \"install\": command-chain item \"a b\" contains illegal characters: "
		"expected letters, digits and / . _ # : $ -");
	bad(HEAD "hooks:\n  default-configure:\n",
	    SRC ":4:3: hook \"default-configure\" needs a \"configure\" hook: expected both or "
		"neither");
	cordon_manifest *m =
	    ok(HEAD "hooks:\n  install:\n  configure:\n    environment: {A: b}\n"
		    "  connect-plug-foo:\n  prepare-slot-x1:\n  observe-view-x:\n");
	if (m) {
		CHECK_INT(m->n_hooks, 5);
		const cordon_hook *h = cordon_manifest_hook(m, "configure");
		CHECK(h && h->environment.n == 1);
	}
	cordon_manifest_free(m);

	/* ...then dropped, as snapd drops it: not in the model, binding no
	 * port, creating no implicit one, its contents never validated */
	m = ok(HEAD "plugs:\n  net: network\n"
		    "hooks:\n  post-install:\n    plugs: [home, net]\n"
		    "    command-chain: [\"not valid\"]\n"
		    "  install:\n  connect-foo-bar:\n  plug-connected:\n"
		    "  connect-plug:\n  change-view:\n  configure:\n    plugs: [home]\n");
	if (m) {
		CHECK_INT(m->n_hooks, 2);
		if (m->n_hooks == 2) {
			CHECK_STR(m->hooks[0].name, "install");
			CHECK_STR(m->hooks[1].name, "configure");
		}
		CHECK(cordon_manifest_hook(m, "post-install") == NULL);
		CHECK(cordon_manifest_hook(m, "connect-foo-bar") == NULL);
		CHECK_INT(m->n_plugs, 2);
		const cordon_port *p = cordon_manifest_plug(m, "net");
		CHECK(p && p->unscoped);
		if (p)
			STRV_IS(p->hooks, "install", "configure");
		p = cordon_manifest_plug(m, "home");
		CHECK(p && p->implicit);
		if (p) {
			STRV_IS(p->hooks, "configure");
			CHECK_INT(p->line, 15); /* configure's mention, not post-install's */
			CHECK_INT(p->col, 13);
		}
	}
	cordon_manifest_free(m);
	/* dropping the only hook leaves none (and "default-configure" still
	 * needs "configure") */
	m = ok(HEAD "hooks:\n  post-install:\n    plugs: [home]\n");
	if (m)
		CHECK(m->n_hooks == 0 && m->n_plugs == 0);
	cordon_manifest_free(m);
	bad(HEAD "hooks:\n  default-configure:\n  configures:\n",
	    SRC ":4:3: hook \"default-configure\" needs a \"configure\" hook: expected both or "
		"neither");
}

static void test_port_names(void)
{
	bad(HEAD "plugs:\n  Net: network\n", SRC ":4:3: invalid plug name \"Net\": " PORT_RULE);
	bad(HEAD "slots:\n  s-: x\n", SRC ":4:3: invalid slot name \"s-\": " PORT_RULE);
	bad(HEAD "plugs:\n  p: Network\n",
	    SRC ":4:6: invalid interface name \"Network\" for plug \"p\": " PORT_RULE);
	bad(HEAD "slots:\n  s:\n    interface: a--b\n",
	    SRC ":5:16: invalid interface name \"a--b\" for slot \"s\": " PORT_RULE);
	/* an app's undeclared plug is implicit, and its name is its interface */
	bad(APP("    plugs: [network, home_dir]\n"),
	    SRC ":5:22: invalid plug name \"home_dir\": " PORT_RULE);
	bad(HEAD "plugs:\n  x: network\nslots:\n  x: network\n", SRC
	    ":6:3: slot \"x\" has the name of the plug at 4:3: expected plugs and slots to have "
	    "distinct names");
	bad(APP("    plugs: [x]\n    slots: [x]\n"),
	    SRC ":6:13: slot \"x\" has the name of the plug at 5:13: expected plugs and slots to "
		"have distinct names");
}

static void test_layout(void)
{
#define LAYOUT(path, body) HEAD "layout:\n  " path ":\n" body
	bad(LAYOUT("/usr/foo*", "    bind: $SNAP/foo\n"),
	    SRC ":4:3: layout \"/usr/foo*\": the path contains '*', an AppArmor pattern character: "
		"expected a literal path");
	bad(LAYOUT("usr/foo", "    bind: $SNAP/foo\n"),
	    SRC ":4:3: layout \"usr/foo\": relative path: expected an absolute path");
	bad(LAYOUT("/foo", "    bind: $SNAP/foo\n"), SRC
	    ":4:3: layout \"/foo\": creates the new top-level directory \"/foo\": expected a path "
	    "under /bin, /etc, /lib, /lib64, /meta, /mnt, /opt, /root, /sbin, /snap, /srv, /usr, "
	    "/var or /writable");
	bad(HEAD "layout:\n  /usr/a:\n    bind: $SNAP/x\n  /usr/b:\n    bind-file: $SNAP/x\n", SRC
	    ":7:16: layout \"/usr/b\": uses \"$SNAP/x\" as a file, but layout \"/usr/a\" uses it "
	    "as a directory: expected one kind per source");
	bad(LAYOUT("/snap/bar/x", "    bind: $SNAP/foo\n"),
	    SRC ":4:3: layout \"/snap/bar/x\": the path is in the space of another snap: expected "
		"a path outside /snap or under /snap/foo");
	bad(LAYOUT("/usr/$HOME", "    bind: $SNAP/foo\n"), SRC
	    ":4:3: layout \"/usr/$HOME\": the path uses the unknown variable \"$HOME\": expected "
	    "$SNAP, $SNAP_DATA or $SNAP_COMMON");
	bad(LAYOUT("/usr/./foo", "    bind: $SNAP/foo\n"),
	    SRC ":4:3: layout \"/usr/./foo\": the path is not absolute and clean: expected a path "
		"such as /usr/share/foo");
	bad(LAYOUT("/var/lib/snapd/x", "    bind: $SNAP/foo\n"),
	    SRC ":4:3: layout \"/var/lib/snapd/x\": the path is in an off-limits area "
		"(/var/lib/snapd): expected a path outside /boot, /dev, /home, /lib/firmware, "
		"/lib/modules, /lost+found, /media, /proc, /run, /sys, /tmp, /usr/lib/firmware, "
		"/usr/lib/modules, /var/lib/snapd, /var/run and /var/snap");
	bad(LAYOUT("$SNAP_DATA/x", "    type: tmpfs\n"), SRC
	    ":4:3: layout \"$SNAP_DATA/x\": the path is in an off-limits area (/var/snap): "
	    "expected a path outside /boot, /dev, /home, /lib/firmware, /lib/modules, "
	    "/lost+found, /media, /proc, /run, /sys, /tmp, /usr/lib/firmware, /usr/lib/modules, "
	    "/var/lib/snapd, /var/run and /var/snap");
	bad(HEAD "layout:\n  /usr/a:\n    type: tmpfs\n  /usr/a/b:\n    type: tmpfs\n",
	    SRC ":6:3: layout \"/usr/a/b\": the path is underneath layout \"/usr/a\": expected "
		"layouts that do not nest");
	bad(HEAD "layout:\n  $SNAP/a:\n    type: tmpfs\n  /snap/foo/x1/a:\n    type: tmpfs\n",
	    SRC ":6:3: layout \"/snap/foo/x1/a\": the path is underneath layout \"$SNAP/a\": "
		"expected layouts that do not nest");
	bad(LAYOUT("/usr/foo", "    user: root\n"),
	    SRC ":4:3: layout \"/usr/foo\": sets 0 of bind, bind-file, type and symlink: expected "
		"exactly one");
	bad(LAYOUT("/usr/foo", "    bind: $SNAP/a\n    symlink: $SNAP/b\n"),
	    SRC ":4:3: layout \"/usr/foo\": sets 2 of bind, bind-file, type and symlink: expected "
		"exactly one");
	bad(LAYOUT("/usr/foo", "    bind: /etc\n"),
	    SRC ":5:11: layout \"/usr/foo\": bind source \"/etc\" is outside the snap: expected a "
		"path under $SNAP, $SNAP_DATA or $SNAP_COMMON");
	bad(LAYOUT("/usr/foo", "    bind-file: $SNAP_USER_DATA/x\n"),
	    SRC ":5:16: layout \"/usr/foo\": bind source \"$SNAP_USER_DATA/x\" uses the unknown "
		"variable \"$SNAP_USER_DATA\": expected $SNAP, $SNAP_DATA or $SNAP_COMMON");
	bad(LAYOUT("/usr/foo", "    bind: $SNAP/../x\n"), SRC
	    ":5:11: layout \"/usr/foo\": bind source \"$SNAP/../x\": expected an absolute, clean "
	    "path");
	bad(LAYOUT("/usr/foo", "    symlink: /etc/passwd\n"),
	    SRC ":5:14: layout \"/usr/foo\": symlink target \"/etc/passwd\" is outside the snap: "
		"expected a path under $SNAP, $SNAP_DATA or $SNAP_COMMON");
	bad(LAYOUT("/usr/foo", "    bind: $SNAP/[x]\n"),
	    SRC ":5:11: layout \"/usr/foo\": bind source \"$SNAP/[x]\" contains '[', an AppArmor "
		"pattern character: expected a literal path");
	bad(LAYOUT("/usr/foo", "    type: ext4\n"),
	    SRC ":5:11: layout \"/usr/foo\": invalid type \"ext4\": expected tmpfs");
	bad(LAYOUT("/usr/foo", "    type: tmpfs\n    user: daemon\n"),
	    SRC ":6:11: layout \"/usr/foo\": invalid user \"daemon\": expected root");
	bad(LAYOUT("/usr/foo", "    type: tmpfs\n    group: adm\n"),
	    SRC ":6:12: layout \"/usr/foo\": invalid group \"adm\": expected root");
	bad(LAYOUT("/usr/foo", "    type: tmpfs\n    mode: 0789\n"),
	    SRC ":6:11: layout \"/usr/foo\": invalid mode \"0789\": expected an octal mode such as "
		"0755");
	bad(LAYOUT("/usr/foo", "    type: tmpfs\n    mode: 4755\n"),
	    SRC ":6:11: layout \"/usr/foo\": invalid mode 04755: expected permission bits and the "
		"sticky bit only (at most 01777)");
	cordon_manifest *m = ok(HEAD "layout:\n  /usr/share/foo:\n    bind: $SNAP/usr/share/foo\n"
				     "  /etc/foo.conf:\n    bind-file: $SNAP_DATA/etc/foo.conf\n"
				     "  /opt/x:\n    symlink: $SNAP_COMMON/x\n"
				     "  /var/cache/foo:\n    type: tmpfs\n    mode: 01777\n"
				     "    user: root\n    group: root\n");
	if (m && m->n_layout == 4) {
		CHECK_STR(m->layout[0].kind, "bind");
		CHECK_STR(m->layout[0].target, "$SNAP/usr/share/foo");
		CHECK_STR(m->layout[1].kind, "bind-file");
		CHECK_STR(m->layout[2].kind, "symlink");
		CHECK_STR(m->layout[3].kind, "type");
		CHECK_STR(m->layout[3].target, "tmpfs");
		CHECK_STR(m->layout[3].mode, "01777");
	}
	cordon_manifest_free(m);
}

int main(void)
{
	test_apps();
	test_sockets();
	test_ordering_activation();
	test_hooks();
	test_port_names();
	test_layout();
	return check_done("test_manifest_apps");
}
