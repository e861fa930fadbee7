/* Device access on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program assembled
 * by hand from the rule list (no libbpf, no compiler at launch). The kernel
 * runs it on every open/mknod of a device node by a task of the cgroup; a
 * return of 0 makes the access fail with EPERM. */
#pragma once
#include "error.h"

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

/* Access bits, the same values as BPF_DEVCG_ACC_* (mknod, read, write). */
enum {
	CORDON_DEV_ACC_MKNOD = 1u << 0,
	CORDON_DEV_ACC_READ = 1u << 1,
	CORDON_DEV_ACC_WRITE = 1u << 2,
	CORDON_DEV_ACC_ALL = 7u,
};

/* A device rule resolved to numbers. major/minor -1 = any. */
typedef struct cordon_dev_allow {
	char type; /* 'c' or 'b' */
	int32_t major, minor;
	uint32_t access; /* CORDON_DEV_ACC_* */
} cordon_dev_allow;

/* Pure: the program allowing exactly `rules` (and nothing else). *insns is
 * malloc'd. Each rule is one block of compare-and-skip instructions; the
 * program ends with "return 0" (deny). */
void cordon_devices_bpf_assemble(const cordon_dev_allow *rules, size_t n, struct bpf_insn **insns,
				 size_t *n_insns);

/* Load the program for `rules` and attach it to the cgroup2 directory
 * `cgroup_fd` (an O_RDONLY directory fd) without BPF_F_ALLOW_MULTI, so it
 * replaces the program a previous launch of the label attached: a policy
 * change takes effect at the next launch and programs never pile up. */
int cordon_devices_bpf_attach(int cgroup_fd, const cordon_dev_allow *rules, size_t n,
			      cordon_error **err);

/* Detach the (single, non-multi) device program of a cgroup, if any. */
int cordon_devices_bpf_detach(int cgroup_fd, cordon_error **err);

/* Number of device programs attached directly to the cgroup (BPF_PROG_QUERY),
 * or a negative errno. */
int cordon_devices_bpf_count(int cgroup_fd, cordon_error **err);

/* Can this kernel load a device program? 1 yes, 0 no, -EPERM when the
 * caller lacks the privilege to find out. */
int cordon_devices_bpf_probe(void);
