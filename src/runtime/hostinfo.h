/* What confinement this host can give, for `cordon debug confinement`.
 *
 * Detection (cordon_hostinfo_detect) touches the system; formatting
 * (cordon_hostinfo_format) is pure, so every layout can be unit-tested with
 * made-up inputs. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>

typedef struct cordon_hostinfo {
	int landlock_abi;	   /* 0: no Landlock */
	bool seccomp_filter;	   /* seccomp filter mode available */
	bool seccomp_log;	   /* SECCOMP_FILTER_FLAG_LOG (and RET_LOG) available */
	bool seccomp_errno_logged; /* "errno" in /proc/sys/kernel/seccomp/actions_logged */
	strv seccomp_actions;	   /* /proc/sys/kernel/seccomp/actions_avail, its words */
	char *cgroup_v1_devices;   /* mount of the cgroup v1 devices controller, or NULL */
	char *cgroup_v2;	   /* mount of cgroup2, or NULL */
	int devices_bpf;	   /* cgroup device programs: 1 loadable, 0 not, -1 unknown */
	bool apparmor;		   /* AppArmor enabled in the kernel */
	bool userns;		   /* user namespaces available */
	int userns_unprivileged;   /* 1 allowed, 0 restricted, -1 unknown */
	bool no_view;		   /* no mount_setattr (Linux < 5.12): no file system view */
} cordon_hostinfo;

int cordon_hostinfo_detect(cordon_hostinfo *h, cordon_error **err);
void cordon_hostinfo_free(cordon_hostinfo *h);

/* Whether the kernel enforces AppArmor: the one test the launcher (change
 * profile on exec), the store (load profiles) and the report share. */
bool cordon_apparmor_enabled(void);

/* The report, one string per line: "strict" or "partial"; then one line per
 * missing or incomplete mechanism, naming it ("landlock: ABI 2, no network
 * rules"); then one informational line per mechanism in use. "partial" iff
 * there is at least one missing line. Lines are appended to `lines`. */
void cordon_hostinfo_format(const cordon_hostinfo *h, strv *lines);
