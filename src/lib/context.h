/* What every state-changing or state-reading command works with: the paths,
 * the state database, the data directory, and (for changes) the global lock. */
#pragma once
#include "error.h"
#include "cgroup.h"
#include "paths.h"
#include "state.h"

#include <stdbool.h>

typedef struct cordon_ctx {
	cordon_paths paths;
	cordon_state *state;
	char *datadir;   /* interfaces, seccomp template, policy templates */
	char *site_interfaces_dir;
	bool writable;
	int lock_fd;
	cordon_cgroup_cfg cgroup; /* where the launcher puts label cgroups */
} cordon_ctx;

/* root: CORDON_ROOT or NULL. writable: create the directory layout, take the
 * global lock (waiting for another cordon command to finish), open the
 * database read-write and finish or roll back what an interrupted command
 * left (store_recover). Read-only contexts never create anything. */
int cordon_ctx_open(cordon_ctx *ctx, const char *root, const char *datadir, bool writable,
		    cordon_error **err);
void cordon_ctx_close(cordon_ctx *ctx);

/* Test builds only (meson -Dfault_injection=true): if CORDON_FAULT names this
 * step, die at once with SIGKILL, as a power cut would. */
void cordon_fault(const char *step);
