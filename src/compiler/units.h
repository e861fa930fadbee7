/* systemd units for a snap's daemons (`daemon:` apps), written as snapd
 * writes them (wrappers/internal/service_unit_gen.go, service_socket_gen.go,
 * service_timer_gen.go; wrappers/dbus.go for D-Bus activation), so that a
 * snap's services behave under cordon as under snapd. Pure: the store writes
 * the files, enables and starts them.
 *
 * The launcher convention: a unit runs `LAUNCHER snap.<instance>.<app>` to
 * start the app (ExecStart=), and `LAUNCHER --command=stop|reload|post-stop
 * snap.<instance>.<app>` for the app's stop-command (ExecStop=),
 * reload-command (ExecReload=) and post-stop-command (ExecStopPost=): the
 * launcher looks the command up in the snap's manifest, as `snap run
 * --command=` does.
 *
 * What cordon leaves out of snapd's text, and why:
 *  - After=snapd.apparmor.service: that unit loads snapd's AppArmor profiles
 *    at boot; cordon has no such unit (its store loads a profile when it
 *    writes it). A boot-time loader would be ordered here.
 *  - OOMScoreAdjust= (snapd's vitality-hint), Slice= and the journal
 *    namespace (quota groups), the interfaces' service snippets, the
 *    core-only Wants=usr-lib-snapd.mount: cordon has none of these yet.
 *  - success-exit-status (SuccessExitStatus=): the manifest does not read it.
 *  - `snap run --timer="<schedule>"` in a timer's ExecStart=: snapd's runner
 *    checks the schedule again, because OnCalendar= cannot say "from the
 *    first Monday to the following Tuesday" and fires on a superset of such
 *    days (see units_timer.c). cordon's launcher has no such check yet, so a
 *    timer with week numbers in a weekday range ("mon1-tue") fires on more
 *    days than under snapd. Plain weekdays, "mon2" and clock spans are exact.
 */
#pragma once
#include "error.h"
#include "manifest.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cordon_unit_kind {
	CORDON_UNIT_SERVICE, /* snap.<instance>.<app>.service */
	CORDON_UNIT_SOCKET,  /* snap.<instance>.<app>.<socket>.socket */
	CORDON_UNIT_TIMER,   /* snap.<instance>.<app>.timer */
	/* Not a systemd unit: a D-Bus service activation file, <bus-name>.service,
	 * for the bus's services directory (system-services for a system daemon,
	 * the session's services for a user daemon), one per activates-on slot. */
	CORDON_UNIT_DBUS,
	/* A system unit: the filtering proxy between an app and the system
	 * bus, snap.<instance>.<app>.dbus-proxy.service (busproxy.h). */
	CORDON_UNIT_BUS_PROXY,
	/* Not a systemd unit: the system bus's policy for the snap's slots'
	 * names, snap.<instance>.conf, for <state>/dbus-1/system.d. */
	CORDON_UNIT_BUS_POLICY,
} cordon_unit_kind;

typedef struct cordon_unit {
	cordon_unit_kind kind;
	char *name;	       /* the file name */
	char *text;	       /* its contents */
	const cordon_app *app; /* the daemon it is for (borrowed from the manifest) */
	/* What snapd enables (and starts) at install: an app's socket and timer
	 * units, else its service; never the service of a socket-, timer- or
	 * D-Bus-activated app (each is started by its activator), never a D-Bus
	 * file. The app's install-mode: disable is not applied here: snapd
	 * enables the unit anyway when the install hook asked (snapctl start
	 * --enable); app->install_mode says it. app->refresh_mode (endure:
	 * left running across a refresh) is the store's concern too. */
	bool enable;
	/* the target whose .wants/ directory enables it (its [Install]
	 * WantedBy=); NULL when enable is false */
	const char *wanted_by;
} cordon_unit;

typedef struct cordon_units_input {
	const cordon_manifest *m; /* validated (cordon_manifest_validate) */
	const char *instance;	  /* foo or foo_key */
	const char *revision;	  /* x3, 44 */
	const char *launcher;	  /* absolute path of cordon-confine */
	/* /var/snap/foo/x3 and /var/snap/foo/common as the daemon sees them:
	 * WorkingDirectory=, and $SNAP_DATA, $SNAP_COMMON in a listen-stream */
	const char *data_dir, *common_dir;
	/* The systemd mount unit of the revision's mount (snapd:
	 * snap-foo-x3.mount), which system units Require and come After; NULL
	 * for none. */
	const char *mount_unit;
	/* Where a spread timer event ("9:00~11:00") falls in its window: snapd
	 * draws it at random; cordon from this seed, so that regenerating gives
	 * the same text. Give each machine its own. */
	uint64_t timer_seed;
	/* Apps whose service reaches the system bus through its proxy
	 * (busproxy.h): it Requires= the proxy and starts After= it. NULL:
	 * none. */
	const strv *bus_apps;
} cordon_units_input;

/* The units of the snap's system daemons (user_scope false) or of its user
 * daemons (true: for the user manager, `systemctl --user`), apps in manifest
 * order and for each: the service, its sockets (manifest order), its timer,
 * its D-Bus activation files. *out is NULL and *n 0 when there are none.
 * -EINVAL when a path of IN cannot be written in a unit as it is (not
 * absolute; blanks, quotes, '%', '$', '\\' or control characters: systemd
 * would split or expand it), or a value of the manifest would break a line. */
int cordon_units_generate(const cordon_units_input *in, bool user_scope, cordon_unit **out,
			  size_t *n, cordon_error **err);
void cordon_units_free(cordon_unit *u, size_t n);
