/* Landlock enforcement of a label's file, network and IPC policy (step 7).
 *
 * Best effort across kernels, without silent surprises: the ruleset handles
 * every right the running kernel's ABI knows, and what an older ABI cannot
 * enforce is named by cordon_landlock_missing() for `cordon debug confinement`. */
#pragma once
#include "error.h"
#include "policy.h"
#include "targets.h"

#include <stdint.h>

/* What one Landlock ABI can enforce. Pure: computed from the ABI number. */
typedef struct cordon_landlock_features {
	int abi;
	uint64_t fs;		 /* LANDLOCK_ACCESS_FS_* the ruleset handles */
	uint64_t net;		 /* LANDLOCK_ACCESS_NET_* the ABI knows (0 below 4) */
	uint64_t scoped;	 /* LANDLOCK_SCOPE_* the ABI knows (0 below 6) */
	uint32_t restrict_flags; /* flags for landlock_restrict_self */
} cordon_landlock_features;

void cordon_landlock_features_for(int abi, cordon_landlock_features *f);

/* The enforcement the given ABI lacks compared to the newest one cordon
 * knows, as one phrase ("ABI 2, no network rules, ..."), or NULL when
 * nothing is missing. abi 0 means Landlock is not available. Pure. */
char *cordon_landlock_missing(int abi);

/* The running kernel's Landlock ABI version; 0 when Landlock is not built in
 * or not enabled (not in the lsm= list); -errno when the kernel refuses it
 * to this process otherwise (EPERM: a seccomp filter): never "absent". */
int cordon_landlock_abi(void);

/* Restrict the calling thread (and what it execs) to the policy's file rules,
 * resolved and opened by cordon_targets_resolve (targets.h), TCP bind/connect
 * (p->net_handled: denied, no port allowed) and IPC scoping (p->scoped).
 * Where a rule grants writing, it also grants connecting to path-name
 * sockets beneath it (LANDLOCK_ACCESS_FS_RESOLVE_UNIX, ABI 9).
 *
 * Sets no_new_privs if the caller has not. Applies to the calling thread
 * only: call it single-threaded, after every privileged step, right before
 * exec. Returns 0 without doing anything when the kernel has no Landlock
 * (cordon_landlock_abi() == 0): the launcher decides whether that is fatal;
 * an error when Landlock is there but refused to this process. */
int cordon_landlock_apply(const cordon_policy *p, const cordon_targets *targets,
			  cordon_error **err);
