#include "paths.h"
#include "util.h"

#include <errno.h>
#include <string.h>

int cordon_paths_init(cordon_paths *p, const char *root)
{
	memset(p, 0, sizeof *p);
	if (root == NULL)
		root = "";
	if (root[0] != '\0' && root[0] != '/')
		return -EINVAL;
	size_t n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		n--;
	p->root = xstrndup(root, n);
	p->snap_mount = xasprintf("%s/snap", p->root);
	p->var_snap = xasprintf("%s/var/snap", p->root);
	p->state_dir = xasprintf("%s/var/lib/cordon", p->root);
	p->db_path = xasprintf("%s/state.db", p->state_dir);
	p->lock_path = xasprintf("%s/lock", p->state_dir);
	p->blobs_dir = xasprintf("%s/snaps", p->state_dir);
	p->policy_dir = xasprintf("%s/policy", p->state_dir);
	p->apparmor_dir = xasprintf("%s/apparmor", p->state_dir);
	p->scratch_dir = xasprintf("%s/tmp", p->state_dir);
	p->run_dir = xasprintf("%s/run/cordon", p->root);
	p->ns_dir = xasprintf("%s/ns", p->run_dir);
	p->tmp_dir = xasprintf("%s/tmp", p->run_dir);
	p->cookie_dir = xasprintf("%s/cookie", p->state_dir);
	p->snapctl_dir = xasprintf("%s/snapctl", p->run_dir);
	p->snapctl_socket = xasprintf("%s/snapctl.socket", p->snapctl_dir);
	p->snapctl_lock = xasprintf("%s/snapctl.lock", p->run_dir);
	return 0;
}

void cordon_paths_free(cordon_paths *p)
{
	char **fields[] = {&p->root,	     &p->snap_mount,  &p->var_snap,    &p->state_dir,
			   &p->db_path,	     &p->lock_path,   &p->blobs_dir,   &p->policy_dir,
			   &p->apparmor_dir, &p->scratch_dir, &p->run_dir,     &p->ns_dir,
			   &p->tmp_dir,	     &p->cookie_dir,  &p->snapctl_dir, &p->snapctl_socket,
			   &p->snapctl_lock};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}

char *cordon_label_app(const char *instance, const char *app)
{
	return xasprintf("snap.%s.%s", instance, app);
}

char *cordon_label_hook(const char *instance, const char *hook)
{
	return xasprintf("snap.%s.hook.%s", instance, hook);
}

char *cordon_paths_mount_dir(const cordon_paths *p, const char *instance, const char *rev)
{
	return xasprintf("%s/%s/%s", p->snap_mount, instance, rev);
}

char *cordon_paths_data_dir(const cordon_paths *p, const char *instance, const char *rev)
{
	return xasprintf("%s/%s/%s", p->var_snap, instance, rev);
}

char *cordon_paths_common_dir(const cordon_paths *p, const char *instance)
{
	return xasprintf("%s/%s/common", p->var_snap, instance);
}

char *cordon_paths_blob(const cordon_paths *p, const char *instance, const char *rev)
{
	return xasprintf("%s/%s_%s.snap", p->blobs_dir, instance, rev);
}

char *cordon_paths_bus_proxy_dir(const cordon_paths *p)
{
	return xasprintf("%s/dbus", p->run_dir);
}

char *cordon_paths_bus_proxy(const cordon_paths *p, const char *label)
{
	return xasprintf("%s/dbus/%s", p->run_dir, label);
}
