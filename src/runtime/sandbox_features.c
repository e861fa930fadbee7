/* snapd's sandbox-features report, computed from the host's facts. */
#include "sandbox_features.h"

#include <string.h>

/* Landlock's rights by the ABI that brought them, named after the kernel's
 * constants (LANDLOCK_ACCESS_FS_WRITE_FILE: fs:write_file). cordon asks
 * for every one the kernel has (landlock.c drops the newer ones). */
static const struct {
	int abi;
	const char *name;
} landlock_rights[] = {
    {1, "fs:execute"},
    {1, "fs:write_file"},
    {1, "fs:read_file"},
    {1, "fs:read_dir"},
    {1, "fs:remove_dir"},
    {1, "fs:remove_file"},
    {1, "fs:make_char"},
    {1, "fs:make_dir"},
    {1, "fs:make_reg"},
    {1, "fs:make_sock"},
    {1, "fs:make_fifo"},
    {1, "fs:make_block"},
    {1, "fs:make_sym"},
    {2, "fs:refer"},
    {3, "fs:truncate"},
    {4, "net:bind_tcp"},
    {4, "net:connect_tcp"},
    {5, "fs:ioctl_dev"},
    {6, "scope:abstract_unix_socket"},
    {6, "scope:signal"},
    {7, "log:audit"}, /* restrict_self's log flags: denials audit-logged */
    {9, "fs:resolve_unix"},
};

static void add(strv *backends, strv *features, const char *name, buf *b)
{
	if (b->len == 0)
		return;
	strv_push(backends, name);
	strv_push_own(features, buf_steal(b));
}

static void word(buf *b, const char *w)
{
	if (b->len)
		buf_addc(b, ' ');
	buf_adds(b, w);
}

void cordon_sandbox_features(const cordon_hostinfo *h, strv *backends, strv *features)
{
	_cleanup_buf_ buf b = {0};
	/* in snapd's order: sorted by name */
	if (h->apparmor) {
		/* profiles are generated per label and entered at exec */
		word(&b, "kernel:enabled");
		word(&b, "policy:per-label");
	}
	add(backends, features, "apparmor", &b);

	if (h->cgroup_v1_devices)
		word(&b, "v1-devices");
	if (h->cgroup_v2)
		word(&b, "v2");
	if (h->cgroup_v1_devices || h->cgroup_v2)
		word(&b, "per-label"); /* snap.SNAP.APP, as /proc/PID/cgroup shows */
	/* the device filter cordon uses here: v1 where mounted (cgroup.h) */
	if (h->cgroup_v1_devices)
		word(&b, "device-filter:v1");
	else if (h->cgroup_v2 && h->devices_bpf != 0)
		word(&b, "device-filter:bpf");
	add(backends, features, "cgroup", &b);

	word(&b, "classic devmode strict");
	add(backends, features, "confinement-options", &b);

	if (h->landlock_abi > 0) {
		_cleanup_free_ char *abi = xasprintf("abi:%d", h->landlock_abi);
		word(&b, abi);
		for (size_t i = 0; i < ARRAY_SIZE(landlock_rights); i++)
			if (landlock_rights[i].abi <= h->landlock_abi)
				word(&b, landlock_rights[i].name);
	}
	add(backends, features, "landlock", &b);

	/* the snap's namespace, preserved; the command's own on top of it */
	word(&b, "mount-namespace per-snap-persistency private-tmp private-dev-shm "
		 "devpts-newinstance");
	if (!h->no_view)
		word(&b, "command-view");
	add(backends, features, "mount", &b);

	word(&b, "ipc mnt"); /* the namespaces cordon makes (per snap) */
	add(backends, features, "namespace", &b);

	if (h->seccomp_filter) {
		word(&b, "bpf-argument-filtering");
		if (h->seccomp_log)
			word(&b, "bpf-actlog");
		if (h->seccomp_log && h->seccomp_errno_logged)
			word(&b, "denials-logged");
		/* what the kernel offers (actions_avail), as snapd lists it */
		for (size_t i = 0; i < h->seccomp_actions.n; i++) {
			_cleanup_free_ char *k = xasprintf("kernel:%s", h->seccomp_actions.v[i]);
			word(&b, k);
		}
	}
	add(backends, features, "seccomp", &b);
}

void cordon_sandbox_features_format(const strv *backends, const strv *features, strv *lines)
{
	size_t width = 5;
	for (size_t i = 0; i < backends->n; i++)
		if (strlen(backends->v[i]) + 1 + 2 > width)
			width = strlen(backends->v[i]) + 1 + 2;
	for (size_t i = 0; i < backends->n; i++) {
		int pad = (int)(width - strlen(backends->v[i]) - 1);
		strv_push_own(lines,
			      xasprintf("%s:%*s%s", backends->v[i], pad, "", features->v[i]));
	}
}

bool cordon_sandbox_features_has(const strv *backends, const strv *features, const char *req)
{
	const char *colon = strchr(req, ':');
	if (colon == NULL || colon[1] == '\0')
		return false;
	size_t n = (size_t)(colon - req);
	for (size_t i = 0; i < backends->n; i++) {
		if (strlen(backends->v[i]) != n || strncmp(backends->v[i], req, n) != 0)
			continue;
		for (const char *f = features->v[i]; *f;) {
			size_t len = strcspn(f, " ");
			if (len == strlen(colon + 1) && strncmp(f, colon + 1, len) == 0)
				return true;
			f += len;
			f += strspn(f, " ");
		}
	}
	return false;
}
