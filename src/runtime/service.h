/* What a service manager hands the launcher when it runs an app as a systemd
 * service: the command to run (`--command=stop|reload|post-stop`, snap-exec's
 * names), the sockets of socket activation (sd_listen_fds(3): LISTEN_FDS,
 * LISTEN_PID, LISTEN_FDNAMES, the fds from 3 on) and the notify socket
 * (sd_notify(3): NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID).
 *
 * The setuid launcher also runs for anyone who starts it by hand with an
 * environment and fds of their choosing: every value is checked here, and
 * what fails a check is dropped as if it had never been given. */
#pragma once
#include "error.h"
#include "policy.h"

#include <stdbool.h>
#include <sys/types.h>

enum cordon_command {
	CORDON_COMMAND_MAIN = 0, /* the app's `command` */
	CORDON_COMMAND_STOP,
	CORDON_COMMAND_RELOAD,
	CORDON_COMMAND_POST_STOP,
	/* `cordon run --shell`: a shell instead of the app's command, in the
	 * app's sandbox, after its command-chain (snap-exec's "shell") */
	CORDON_COMMAND_SHELL,
};

/* Pure: "stop", "reload", "post-stop", "shell"; -1 for any other name. */
int cordon_command_parse(const char *name);
const char *cordon_command_name(enum cordon_command c);

/* Pure: the words of the policy's command `c` (command-chain not included),
 * or NULL when the app has none (a hook, or no stop-command...), and for
 * CORDON_COMMAND_SHELL, whose words the launch makes (cordon_shell_path). */
const strv *cordon_command_words(const cordon_policy *p, enum cordon_command c);

/* Pure: the shell `cordon run --shell` runs: the caller's SHELL (read
 * before the environment is scrubbed) when it is an absolute path of plain
 * characters without a "." or ".." component (no `$`: the launch expands
 * variables in command words), else /bin/sh. The shell runs as the caller,
 * after the whole sandbox is applied: naming one grants nothing the
 * sandbox would not exec anyway. */
const char *cordon_shell_path(const char *shell);
#define CORDON_DEFAULT_SHELL "/bin/sh"

/* At most this many sockets are taken over (systemd passes one per
 * Listen*= line of the unit; snapd's `sockets:` make one each). */
#define CORDON_LISTEN_FDS_MAX 64
/* systemd's SD_LISTEN_FDS_START */
#define CORDON_LISTEN_FDS_START 3

/* Pure: how many fds from 3 on are the sockets of socket activation, from
 * LISTEN_PID and LISTEN_FDS (either may be NULL): n when LISTEN_PID is
 * `self` and LISTEN_FDS a number 1..CORDON_LISTEN_FDS_MAX, else 0. */
int cordon_listen_fds_count(pid_t self, const char *listen_pid, const char *listen_fds);

/* fds 3 .. 3+n-1 must each be an open socket (else an error: the caller
 * said they were); they are made close-on-exec for the launcher's own
 * phase, so nothing it might start inherits them. */
int cordon_listen_fds_hold(int n, cordon_error **err);

/* Just before the app runs (no exec in between): the same fds lose
 * close-on-exec and reach it. */
int cordon_listen_fds_release(int n, cordon_error **err);

/* Pure: LISTEN_FDNAMES as sd_listen_fds_with_names(3) reads it: names of
 * printable ASCII without blanks, ':'-separated, bounded. */
bool cordon_listen_fdnames_ok(const char *names);

/* Pure: WATCHDOG_USEC and WATCHDOG_PID are decimal numbers. */
bool cordon_decimal_ok(const char *s);

/* Whether NOTIFY_SOCKET `value` names the system service manager's notify
 * socket: exactly <root>/run/systemd/notify (root: the launcher's root
 * prefix, "" in production), every directory on the way root-owned and not
 * writable by group or others (walked without following symlinks), the
 * socket itself root's. An abstract socket ('@') never is. */
bool cordon_notify_socket_ok(const char *value, const char *root);
