/* The label's cgroup and its device access (step 2).
 *
 * One cgroup per label, <mount>/<parent>/<label>, shared by every process of
 * the label (cgroups do not pile up per run). Device access is restricted
 * (cgroup_devices.h) either with the cgroup v1 devices controller
 * (devices.deny/devices.allow) or, on cgroup v2, with a
 * BPF_PROG_TYPE_CGROUP_DEVICE program (devices_bpf.h). The process joins the
 * label's cgroup of the mechanism in use, so /proc/<pid>/cgroup names the
 * label ("N:devices:/cordon/snap.foo.bar" or "0::/cordon/snap.foo.bar").
 * Denied device access is EPERM. */
#pragma once
#include "error.h"
#include "policy.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Where the hierarchies that matter are mounted (NULL: not mounted). */
typedef struct cordon_cgroup_mounts {
	char *v1_devices; /* cgroup v1 hierarchy with the devices controller */
	char *v2;	  /* cgroup2 (unified) hierarchy */
} cordon_cgroup_mounts;

void cordon_cgroup_mounts_free(cordon_cgroup_mounts *m);

/* Pure: find the mounts in the text of a /proc/<pid>/mountinfo (the first
 * mount of each kind wins; octal escapes in mount points are decoded). */
void cordon_cgroup_parse_mountinfo(const char *text, cordon_cgroup_mounts *m);

/* Read /proc/self/mountinfo. */
int cordon_cgroup_find_mounts(cordon_cgroup_mounts *m, cordon_error **err);

enum cordon_cgroup_mode {
	CORDON_CGROUP_AUTO = 0, /* v1 where the v1 devices controller is mounted, else v2 */
	CORDON_CGROUP_V1 = 1,	/* devices.deny / devices.allow */
	CORDON_CGROUP_V2 = 2,	/* BPF device program on the cgroup2 directory */
};

typedef struct cordon_cgroup_cfg {
	/* One path component under each hierarchy's root: "cordon" in
	 * production; tests use their own ("cordon-test-XXXX"). NULL means
	 * "cordon". */
	const char *parent;
	enum cordon_cgroup_mode mode;
	/* A system service on cgroup v2 stays in the cgroup systemd made for
	 * its unit, <...>/<label>.service, which is then the label's
	 * tracking cgroup (as snapd does): the device program goes there,
	 * and systemd's stop and kill reach every process the service forks.
	 * Only for a root caller (the launcher sets it): a unit cgroup a user
	 * owns (a user manager's, delegated) would let the user move the
	 * command out of its device program; such a launch joins the label's
	 * cgroup as any other. */
	bool keep_service_unit;
} cordon_cgroup_cfg;

#include "config.h"
#define CORDON_CGROUP_PARENT CORDON_CGROUP_PARENT_NAME

/* The parent cgroup's name for cfg: its own, else the built-in default. The
 * one place that default is applied (launch, namespace discard, removal). */
const char *cordon_cgroup_parent(const cordon_cgroup_cfg *cfg);

/* Put `pid` into the label's cgroup (p->label) and apply p->devices there.
 * The device rules are in place before the process joins, so it never runs
 * with wider access. Fails (nothing joined) if the mechanism cfg asks for is
 * not available. */
int cordon_cgroup_enter(const cordon_cgroup_cfg *cfg, const cordon_policy *p, pid_t pid,
			cordon_error **err);

/* Move the calling process into <v2>/<parent>/<name>, a cgroup of cordon's
 * own (no device rules): for a root daemon started from a user's launch
 * (the snapctl broker), which must not stay in the caller's cgroup, where
 * on a systemd host the user may freeze it or kill it through cgroup.kill
 * (a user's cgroups below user@.service are delegated to them). Nothing to
 * do (0) where no cgroup2 hierarchy is mounted: cgroup v1 hierarchies are
 * root's alone. */
int cordon_cgroup_enter_own(const cordon_cgroup_cfg *cfg, const char *name, cordon_error **err);

/* Which mechanism cfg->mode resolves to on this host (V1 or V2), or a
 * negative errno when neither is usable. */
int cordon_cgroup_mode_effective(const cordon_cgroup_cfg *cfg, const cordon_cgroup_mounts *m);

/* rmdir the label's cgroup (and any below it) in every hierarchy; one still
 * in use (a process of the label runs: EBUSY) stays, and one already gone is
 * fine. A cgroup whose last process is exiting is waited for. */
int cordon_cgroup_remove_label(const cordon_cgroup_cfg *cfg, const char *label, cordon_error **err);

/* Remove every label cgroup under the parent, then the parent, in every
 * hierarchy (test cleanup). Returns 0 when nothing is left behind. */
int cordon_cgroup_remove_parent(const cordon_cgroup_cfg *cfg, cordon_error **err);
