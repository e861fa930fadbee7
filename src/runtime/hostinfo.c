/* Host capabilities for confinement: detection and the report. */
#include "hostinfo.h"
#include "fsutil.h"
#include "view.h"
#include "cgroup.h"
#include "devices_bpf.h"
#include "landlock.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void cordon_hostinfo_free(cordon_hostinfo *h)
{
	free(h->cgroup_v1_devices);
	free(h->cgroup_v2);
	strv_free(&h->seccomp_actions);
	h->cgroup_v1_devices = h->cgroup_v2 = NULL;
}

/* The first line of a small /proc or /sys file, or NULL (missing or
 * unreadable: the caller decides what absence means). */
static char *read_small(const char *path)
{
	char *s = NULL;
	size_t len;
	if (fs_read_path(path, FS_KERNEL_TEXT_MAX, &s, &len, NULL) < 0)
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = s; (p = strstr(p, word)) != NULL; p += n)
		if ((p == s || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

static bool action_avail(uint32_t action)
{
	/* SECCOMP_GET_ACTION_AVAIL (4.14) only asks: no filter is installed. */
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static void detect_seccomp(cordon_hostinfo *h)
{
	/* PR_GET_SECCOMP is EINVAL on a kernel without CONFIG_SECCOMP. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return;
	h->seccomp_filter = action_avail(SECCOMP_RET_ERRNO);
	/* SECCOMP_RET_LOG and SECCOMP_FILTER_FLAG_LOG came together (4.14). */
	h->seccomp_log = h->seccomp_filter && action_avail(SECCOMP_RET_LOG);
	_cleanup_free_ char *logged = read_small("/proc/sys/kernel/seccomp/actions_logged");
	h->seccomp_errno_logged = logged && has_word(logged, "errno");
	_cleanup_free_ char *avail = read_small("/proc/sys/kernel/seccomp/actions_avail");
	for (const char *a = avail; a && *a;) {
		size_t n = strcspn(a, " ");
		if (n > 0)
			strv_push_own(&h->seccomp_actions, xstrndup(a, n));
		a += n;
		a += strspn(a, " ");
	}
}

bool cordon_apparmor_enabled(void)
{
	/* The module's own switch (Y unless built out or apparmor=0 at boot):
	 * sysfs is mounted wherever the launcher runs, securityfs not always. */
	int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char c = 'N';
	ssize_t n = read(fd, &c, 1);
	close(fd);
	return n == 1 && c == 'Y';
}

static void detect_userns(cordon_hostinfo *h)
{
	struct stat st;
	_cleanup_free_ char *max = read_small("/proc/sys/user/max_user_namespaces");
	h->userns = stat("/proc/self/ns/user", &st) == 0 && (max == NULL || atoi(max) > 0);
	if (!h->userns)
		return;
	/* Debian's knob, then Ubuntu's AppArmor restriction. */
	_cleanup_free_ char *deb = read_small("/proc/sys/kernel/unprivileged_userns_clone");
	_cleanup_free_ char *ubu =
	    read_small("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	/* Mainline has no such switch: allowed (max_user_namespaces > 0). */
	h->userns_unprivileged = (deb && atoi(deb) == 0) || (ubu && atoi(ubu) == 1) ? 0 : 1;
}

int cordon_hostinfo_detect(cordon_hostinfo *h, cordon_error **err)
{
	*h = (cordon_hostinfo){.devices_bpf = -1, .userns_unprivileged = -1};
	/* refused to this process (a seccomp filter): unusable here, as absent */
	h->landlock_abi = cordon_landlock_abi();
	if (h->landlock_abi < 0)
		h->landlock_abi = 0;
	detect_seccomp(h);
	cordon_cgroup_mounts m = {0};
	int ret = cordon_cgroup_find_mounts(&m, err);
	if (ret < 0)
		return ret;
	h->cgroup_v1_devices = steal_ptr(m.v1_devices);
	h->cgroup_v2 = steal_ptr(m.v2);
	/* Only worth a probe where the program is what cordon would use. */
	if (h->cgroup_v2 && !h->cgroup_v1_devices) {
		int probe = cordon_devices_bpf_probe();
		h->devices_bpf = probe < 0 ? -1 : probe;
	}
	h->apparmor = cordon_apparmor_enabled();
	detect_userns(h);
	h->no_view = !cordon_view_supported();
	return 0;
}

static void format_missing(const cordon_hostinfo *h, strv *out)
{
	_cleanup_free_ char *ll = cordon_landlock_missing(h->landlock_abi);
	if (ll)
		strv_push_own(out, xasprintf("landlock: %s", ll));
	if (!h->seccomp_filter)
		strv_push(out, "seccomp: no filter support, system calls not restricted");
	if (!h->cgroup_v1_devices && !h->cgroup_v2)
		strv_push(out, "devices: no cgroup v1 devices controller and no cgroup2 mounted, "
			       "device access not restricted");
	else if (!h->cgroup_v1_devices && h->devices_bpf == 0)
		strv_push(out, "devices: the kernel cannot load cgroup device programs, "
			       "device access not restricted");
	if (h->no_view)
		strv_push(out,
			  "view: the kernel has no mount_setattr (Linux < 5.12), file metadata "
			  "and path-name sockets not confined");
}

static void format_in_use(const cordon_hostinfo *h, strv *out)
{
	_cleanup_free_ char *ll_missing = cordon_landlock_missing(h->landlock_abi);
	if (ll_missing == NULL)
		strv_push_own(out,
			      xasprintf("landlock: ABI %d, file, TCP bind/connect and IPC "
					"rules%s",
					h->landlock_abi,
					h->landlock_abi >= 7 ? ", denials audit-logged"
							     : ", denials not logged (ABI < 7)"));
	if (h->seccomp_filter)
		strv_push(out, !h->seccomp_log ? "seccomp: filter, violations not logged (kernel "
						 "without SECCOMP_FILTER_FLAG_LOG)"
			       : !h->seccomp_errno_logged
				   ? "seccomp: filter, violations not logged (errno missing "
				     "from /proc/sys/kernel/seccomp/actions_logged)"
				   : "seccomp: filter, violations logged");
	if (h->cgroup_v1_devices)
		strv_push_own(out, xasprintf("devices: cgroup v1 devices controller at %s",
					     h->cgroup_v1_devices));
	else if (h->cgroup_v2 && h->devices_bpf != 0)
		strv_push_own(out,
			      xasprintf("devices: cgroup v2 device program at %s%s", h->cgroup_v2,
					h->devices_bpf < 0 ? " (not verified: needs root)" : ""));
	if (h->cgroup_v1_devices && h->cgroup_v2)
		strv_push_own(out, xasprintf("cgroups: hybrid, v1 devices at %s, cgroup2 at %s",
					     h->cgroup_v1_devices, h->cgroup_v2));
	else if (h->cgroup_v2)
		strv_push_own(out, xasprintf("cgroups: unified (v2) at %s", h->cgroup_v2));
	else if (h->cgroup_v1_devices)
		strv_push_own(out,
			      xasprintf("cgroups: v1 only, devices at %s", h->cgroup_v1_devices));
	strv_push(out, h->apparmor
			   ? "apparmor: enabled"
			   : "apparmor: not in the kernel, Landlock enforces file rules alone");
	if (!h->userns)
		strv_push(out, "user namespaces: not available");
	else
		strv_push_own(out, xasprintf("user namespaces: available, unprivileged %s",
					     h->userns_unprivileged == 1   ? "allowed"
					     : h->userns_unprivileged == 0 ? "restricted"
									   : "unknown"));
}

void cordon_hostinfo_format(const cordon_hostinfo *h, strv *lines)
{
	_cleanup_strv_ strv missing = {0};
	_cleanup_strv_ strv in_use = {0};
	format_missing(h, &missing);
	format_in_use(h, &in_use);
	strv_push(lines, missing.n ? "partial" : "strict");
	for (size_t i = 0; i < missing.n; i++)
		strv_push(lines, missing.v[i]);
	for (size_t i = 0; i < in_use.n; i++)
		strv_push(lines, in_use.v[i]);
}
