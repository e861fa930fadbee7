/* The label's device rules: a policy's rules resolved to major:minor
 * allowances, and applied to the label's cgroup (cgroup.h) with the cgroup v1
 * devices controller or the cgroup v2 device program (devices_bpf.h). */
#pragma once
#include "cgroup_dir.h"
#include "devices_bpf.h"
#include "error.h"
#include "policy.h"

#include <stddef.h>

/* Resolve p->devices to cordon_dev_allow entries (read, write and mknod):
 * numeric rules are copied, path rules are globbed and each match's st_rdev
 * taken (missing nodes are skipped: a device plugged in
 * later is picked up at the next launch). Duplicates are removed; the result
 * is sorted. *out is malloc'd. */
int cordon_devices_resolve(const cordon_policy *p, cordon_dev_allow **out, size_t *n,
			   cordon_error **err);

/* Pure: the cgroup v1 devices.allow line for a rule: "c 1:3 rwm", "c 136:* rwm". */
char *cordon_dev_allow_v1_line(const cordon_dev_allow *a);

/* cgroup v1: make the devices.list of the label's v1 devices cgroup `d` say
 * exactly `a` (deny all, then allow each), and check it does. */
int cordon_devices_apply_v1(const cg_dir *d, const cordon_dev_allow *a, size_t n,
			    cordon_error **err);

/* cgroup v2: attach the device program allowing exactly `a` to the label's
 * cgroup2 directory `d`. */
int cordon_devices_apply_v2(const cg_dir *d, const cordon_dev_allow *a, size_t n,
			    cordon_error **err);
