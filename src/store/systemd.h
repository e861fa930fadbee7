/* Talking to systemd: whether it runs, and systemctl (of the system manager
 * or of one user's manager) run with a fixed path, a clean environment and
 * its output captured. cordon drives units only through systemctl, as
 * snapd does, and writes unit files itself (services.h). */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <sys/types.h>

/* sd_booted(): systemd is the init system (it made /run/systemd/system).
 * Where it is not (a container without it, this machine's SysV init),
 * units are written and nothing is started. */
bool cordon_systemd_booted(void);

/* The scope of a systemctl run: the system manager (uid SYSTEMD_SYSTEM), or
 * the manager of the user with that uid (`systemctl --user`, run as that
 * user with its runtime directory: it talks to the manager's private
 * socket, no session bus needed; a caller who is not root can reach its
 * own only). */
#define CORDON_SYSTEMD_SYSTEM ((uid_t)-1)

typedef struct cordon_systemctl_result {
	int status;   /* exit status; 128+N: killed by signal N */
	char *out;    /* what it printed on stdout */
	char *errout; /* on stderr, for messages */
} cordon_systemctl_result;

/* Run `systemctl --no-pager ARGS` (NULL-terminated) in that scope and wait
 * for it. < 0: it could not be run. Else res says how it went; the caller
 * words failures (cordon_systemctl_error). */
int cordon_systemctl(uid_t scope, const char *const *args, cordon_systemctl_result *res,
		     cordon_error **err);
void cordon_systemctl_result_free(cordon_systemctl_result *r);

/* `systemctl VERB UNITS...` in that manager; 0 and nothing run for no unit;
 * a failure is an error with systemctl's message. */
int cordon_systemctl_units(uid_t scope, const char *verb, const strv *units, cordon_error **err);

/* An error for a systemctl run that failed: "WHAT: <its stderr>". */
int cordon_systemctl_error(const cordon_systemctl_result *r, cordon_error **err, const char *what);

/* Users whose systemd manager runs now (its private socket exists), in
 * uid order: the managers user daemons are started in. */
int cordon_systemd_user_managers(uid_t **uids, size_t *n, cordon_error **err);

/* `systemctl show` output of several units (blocks of KEY=VALUE lines
 * separated by blank lines), parsed: one unit's value of KEY, or NULL. */
typedef struct cordon_unit_props {
	char *id, *load_state, *active_state, *sub_state, *unit_file_state;
	char *main_pid; /* MainPID: "0" when none */
} cordon_unit_props;
void cordon_unit_props_parse(const char *show_out, cordon_unit_props **units, size_t *n);
void cordon_unit_props_free(cordon_unit_props *u, size_t n);
/* Properties of the loaded units matching a glob (snap.foo.*) or named. */
int cordon_systemd_show(uid_t scope, const char *const *units, cordon_unit_props **out, size_t *n,
			cordon_error **err);
