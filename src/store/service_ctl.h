/* The service commands' store side: which daemon apps a command line names
 * (`cordon services|start|stop|restart|logs SNAP[.APP]...`), their state
 * (enabled: state's `services` rows; active: systemd), and acting on them
 * as snapd's servicestate does: start, stop, restart through systemctl,
 * --enable/--disable as a journaled change of the rows and enable links
 * (txn.h), the journal read with journalctl. The units and links
 * themselves are services.h's. */
#pragma once
#include "context.h"
#include "manifest.h"

#include <stdbool.h>
#include <sys/types.h>

typedef struct cordon_svc_ref {
	char *snap;	     /* instance name */
	char *app;	     /* app name */
	const cordon_app *a; /* the app of the snap's current revision (the
				context's cache: valid while state is unchanged) */
	bool user;	     /* daemon-scope: user */
	bool snap_disabled;  /* the snap is installed but disabled */
	bool named;	     /* named as SNAP.APP, not through its snap */
} cordon_svc_ref;
void cordon_svc_refs_free(cordon_svc_ref *refs, size_t n);

/* The Notes column of `cordon services` and `snapctl services` (snapd's
 * clientutil.ClientAppInfoNotes): "user", "timer-activated",
 * "socket-activated", "dbus-activated", joined by commas in that order, or
 * "-". Pure. */
char *cordon_svc_notes(const cordon_app *a);

/* The daemon apps that `names` (SNAP or SNAP.APP each; none: every
 * installed snap) name, by snap then app, each once. Errors as snapd's:
 * `snap "x" not found`, `snap "x" has no services`, `snap "x" has no
 * service "y"`. No snap with services and no names: *n is 0. */
int cordon_svc_resolve(cordon_ctx *ctx, char *const *names, size_t n_names, cordon_svc_ref **out,
		       size_t *n, cordon_error **err);

typedef enum cordon_svc_current {
	CORDON_SVC_UNKNOWN, /* "-": no systemd, or a user daemon seen globally */
	CORDON_SVC_INACTIVE,
	CORDON_SVC_ACTIVE,
} cordon_svc_current;

typedef struct cordon_svc_status {
	bool enabled; /* started at boot (for an activated app: its activators) */
	cordon_svc_current current;
} cordon_svc_status;

/* The state of each ref (out: n entries, parallel to refs). Current is the
 * systemd ActiveState of the app's service unit; for user daemons, as
 * snapd's global view for root ("-"), and for another caller that of its
 * own user manager when one runs. Where it cannot be known *note (else
 * NULL) says why, for the user: systemd not running, or its query failed. */
int cordon_svc_status_of(cordon_ctx *ctx, const cordon_svc_ref *refs, size_t n,
			 cordon_svc_status **out, char **note, cordon_error **err);

typedef enum cordon_svc_verb {
	CORDON_SVC_START,
	CORDON_SVC_STOP,
	CORDON_SVC_RESTART,
} cordon_svc_verb;

typedef struct cordon_svc_ctl {
	cordon_svc_verb verb;
	bool enable;  /* start --enable */
	bool disable; /* stop --disable */
	bool reload;  /* restart --reload: reload-or-restart */
} cordon_svc_ctl;

/* Start, stop or restart the refs' units in the system manager and, for
 * user daemons, in every running user manager, as snapd does: start starts
 * an activated app's sockets and timer (its service is theirs to start),
 * stop stops them and the service, restart restarts what runs, is enabled
 * or was named. --enable/--disable first change the rows and links
 * (journaled, with one daemon-reload of each manager); a failing start
 * leaves the enable in place, as `systemctl enable --now` does. Where
 * systemd does not run, nothing is changed: an error. ctx: writable. */
int cordon_svc_control(cordon_ctx *ctx, const cordon_svc_ref *refs, size_t n,
		       const cordon_svc_ctl *o, cordon_error **err);

/* `journalctl -o json` of the refs' units, started with its output on a
 * pipe (*fd, which the caller reads and closes; *pid to wait for): lines
 * < 0 for all of the journal, follow for -f. An error where systemd does
 * not run (no journal) or journalctl cannot be run. */
int cordon_svc_logs_start(const cordon_svc_ref *refs, size_t n, long lines, bool follow, pid_t *pid,
			  int *fd, cordon_error **err);
/* Wait for it: an error when it failed (its own message went to stderr). */
int cordon_svc_logs_wait(pid_t pid, cordon_error **err);
