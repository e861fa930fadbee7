#include "manifest_sysusers.h"
#include "util.h"

#include <errno.h>
#include <string.h>

/* snapd's SupportedSystemUsernames. The ids are fixed so that files a snap
 * leaves owned by its user mean the same user on every host (the snap is
 * read-only and cannot chown to a per-host id), and they sit in the range
 * snapd reserves (584788 = 0x80000 + 60500, away from useradd's system and
 * regular ranges, docker's, LXD's and podman's subordinate ids). snapd
 * restricts snap_microk8s, snap_aziotedge and snap_aziotdu to the store's
 * snaps of those names, and only when the snap has a store id; every cordon
 * install is local, without one, so snapd too lets any local snap use them. */
static const struct {
	const char *name;
	uint32_t id;
} supported[] = {
    {"snap_daemon", 584788}, /* deprecated by snapd in favour of _daemon_ */
    {"snap_microk8s", 584789}, {"snap_aziotedge", 584790},
    {"snap_aziotdu", 584791},  {"_daemon_", 584792},
};

bool cordon_system_username_id(const char *name, uint32_t *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(supported); i++)
		if (strcmp(supported[i].name, name) == 0) {
			*id = supported[i].id;
			return true;
		}
	return false;
}

int cordon_manifest_system_user_ids(const cordon_manifest *m, const char *instance, uint32_t **ids,
				    size_t *n, cordon_error **err)
{
	*ids = NULL;
	*n = 0;
	if (m->n_system_users == 0)
		return 0;
	_cleanup_free_ uint32_t *v = xcalloc(m->n_system_users, sizeof *v);
	for (size_t i = 0; i < m->n_system_users; i++) {
		const cordon_system_user *u = &m->system_users[i];
		if (!cordon_system_username_id(u->name, &v[i]))
			return cordon_err_msg(err, EINVAL,
					      "snap \"%s\" requires unsupported system username "
					      "\"%s\"",
					      instance, u->name);
		if (strcmp(u->scope, "shared") == 0)
			continue;
		if (strcmp(u->scope, "private") == 0 || strcmp(u->scope, "external") == 0)
			return cordon_err_msg(err, EINVAL,
					      "snap \"%s\" requires unsupported user scope \"%s\" "
					      "for this version of cordon",
					      instance, u->scope);
		return cordon_err_msg(err, EINVAL,
				      "snap \"%s\" requires unsupported user scope \"%s\"",
				      instance, u->scope);
	}
	*ids = steal_ptr(v);
	*n = m->n_system_users;
	return 0;
}
