/* The users and groups a snap's system-usernames name, made at install as
 * snapd makes them (osutil.EnsureSnapUserGroup, called by
 * overlord/snapstate/check_snap.go before anything of the snap is installed).
 *
 * They are the host's: /etc/passwd and /etc/group through the shadow tools,
 * whatever CORDON_ROOT says (the kernel and every program resolve names
 * there). Nothing removes them, as in snapd: files a snap's service left
 * owned by its user keep meaning that user after a remove and a reinstall,
 * and other snaps may share the name. */
#pragma once
#include "error.h"
#include "manifest.h"

/* For each of m's system-usernames (checked first, as
 * cordon_manifest_system_user_ids does: an unsupported name or scope is
 * refused before anything is made): the group and the user of that name with
 * its fixed id (the same number for both), and the "snapd-range-<base>-root"
 * pair snapd adds at the base of the id's 65536 range (systemd-nspawn then
 * sees the range taken and does not give it to a container). Missing ones are
 * created with groupadd/useradd --system: no home, no login shell, exact ids.
 * Idempotent. An existing user or group with another id, a user without its
 * group or the reverse, or the id held by another name is an error naming it;
 * all of these are checked before anything is created. */
int cordon_sysusers_ensure(const cordon_manifest *m, const char *instance, cordon_error **err);
