/* The launch sequence: read the label's compiled policy, then environment,
 * cgroup + devices, the snap's mount namespace, the per-command devpts,
 * privileges, seccomp, Landlock, exec. Runs in the privileged launcher. */
#pragma once
#include "cgroup.h"
#include "env.h"
#include "error.h"
#include "policy.h"
#include "service.h"
#include "shield.h"

#include <sys/types.h>

typedef struct cordon_launch_args {
	const char *label;
	int argc;
	char **argv;	  /* the user's arguments for the command */
	const char *root; /* root prefix (root callers only), or NULL */
	const char *home; /* the user's home (passwd, or a root test override) */
	uid_t uid;	  /* the caller: real ids */
	gid_t gid;
	char **caller_env;
	cordon_cgroup_cfg cgroup;
	int lock_timeout_ms;  /* wait for the snap's lock (mountns.h) */
	cordon_shield shield; /* raised by the front end; lowered before the drop */

	/* Run as a service (service.h). The front end read these before it
	 * scrubbed its environment; the launch checks and passes them on. */
	enum cordon_command command; /* --command=NAME; MAIN by default */
	pid_t pid;		     /* the launcher's, which the app keeps */
	int listen_fds;		     /* fds 3..3+n-1 are the unit's sockets (held) */
	const char *listen_fdnames;  /* LISTEN_FDNAMES, checked; or NULL */
	const char *notify_socket;   /* NOTIFY_SOCKET as given (unchecked); or NULL */
	const char *watchdog_usec;   /* WATCHDOG_USEC, WATCHDOG_PID, checked; or NULL */
	const char *watchdog_pid;
	/* fd 3 is the snapctl channel of the hook this runs (store/hooks.c:
	 * a root caller's, held as the unit's sockets are), passed on with
	 * CORDON_SNAPCTL_FD=3 */
	bool snapctl_channel;
	/* CORDON_COMMAND_SHELL: the shell to run (cordon_shell_path) */
	const char *shell;
	/* --traced: fd 3 is the handoff fd of `cordon run --strace` by a user
	 * (trace_handoff.h) */
	bool traced;
	/* --learn: fd 3 is the learn socket of `cordon run --learn`
	 * (learn_filter.h); the run records instead of denying */
	bool learn;
} cordon_launch_args;

/* Returns only on failure. */
int cordon_launch(const cordon_launch_args *a, cordon_error **err);

/* Read and check the compiled policy of a label: the file and every directory
 * above it root-owned and not writable by group or others. */
int cordon_policy_load(const char *policy_dir, const char *label, cordon_policy *p,
		       cordon_error **err);

/* Step 1, pure: the environment of the command. `notify_socket`: the
 * NOTIFY_SOCKET the launch granted (launch.c), or NULL; `cookie`: the
 * snap's cookie (SNAP_COOKIE, SNAP_CONTEXT), or NULL or "" for none. */
void cordon_launch_env(const cordon_policy *p, const cordon_launch_args *a,
		       const char *notify_socket, const char *cookie, cordon_env *env);

/* Pure: the values of the launch-time variables of file rules ($HOME is the
 * real home), independent of the snap's environment. */
void cordon_launch_rule_vars(const cordon_policy *p, const cordon_launch_args *a, cordon_env *vars);

/* Pure: the argv to exec (command-chain, `command`: the app's command or one
 * of its service commands, user args), expanded. */
void cordon_launch_argv(const cordon_policy *p, const strv *command, const cordon_env *env,
			int argc, char **argv, strv *out);

/* Variables of the caller's environment passed through to the app. */
bool cordon_env_passthrough(const char *name);
