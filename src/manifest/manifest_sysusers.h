/* snap.yaml's system-usernames: the names a snap may ask for and the ids they
 * have, as snapd's (snap/system_usernames.go), and snapd's check of a snap's
 * list at install (overlord/snapstate/check_snap.go). Pure: the store creates
 * the users (store/sysusers.h), the compiler writes the ids into the seccomp
 * filter. */
#pragma once
#include "error.h"
#include "manifest.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The uid, which is also the gid, snapd gives a supported system username;
 * false for any other name. */
bool cordon_system_username_id(const char *name, uint32_t *id);

/* The ids of m's system-usernames, in the manifest's order (*ids NULL when
 * there are none), checked as snapd checks them at install: every name is a
 * supported one (`snap "foo" requires unsupported system username "daemon"`)
 * and every scope is "shared", the only one snapd implements. `instance`
 * names the snap in messages. */
int cordon_manifest_system_user_ids(const cordon_manifest *m, const char *instance, uint32_t **ids,
				    size_t *n, cordon_error **err);
