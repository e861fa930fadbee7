/* The user's runtime directory (/run/user/<uid>) as a confined command sees
 * it: an empty tmpfs over /run/user holding only the snap's own runtime
 * directory and the entries its policy grants (a Wayland or PulseAudio
 * socket for a connected interface).
 *
 * Why: Landlock (up to ABI 7) does not mediate connect() on pathname unix
 * sockets, and /run/user/<uid> holds the session bus and systemd's user
 * manager socket: through either, a confined process could ask an unconfined
 * one to run anything (systemd-run --user). snapd leaves this to AppArmor's
 * D-Bus and unix rules; without AppArmor, what the command cannot see it
 * cannot connect to. Done in the per-command mount namespace: the snap's is
 * shared by every user. */
#pragma once
#include "env.h"
#include "error.h"
#include "policy.h"

#include <sys/types.h>

/* vars: the launch-time rule variables (USER_RUNTIME_DIR, XDG_RUNTIME_DIR).
 * Nothing is done where /run/user does not exist. */
int cordon_runtime_view(const cordon_policy *p, const cordon_env *vars, uid_t uid, gid_t gid,
			cordon_error **err);
