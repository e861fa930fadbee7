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
	struct cordon_catalog *catalog;  /* interface definitions, loaded on demand */
	size_t n_loaded;
	struct cordon_loaded_snap **loaded; /* manifests read so far */
	strv ns_dirty; /* snaps whose namespace to refresh after the commit */
} cordon_ctx;

/* A snap's current revision as state has it, with its manifest and paths. */
typedef struct cordon_loaded_snap {
	cordon_snap_row row;
	cordon_rev_row rev;
	struct cordon_manifest *m;
	char *mount_dir, *data_dir, *common_dir;
} cordon_loaded_snap;

/* The interface catalogue (shipped + site-local definitions). */
int cordon_ctx_catalog(cordon_ctx *ctx, const struct cordon_catalog **out, cordon_error **err);

/* The snap's current revision (-ENOENT, err untouched, if not installed).
 * Cached for the context's life and reloaded when the current revision in
 * state changes (inside a transaction too). */
int cordon_ctx_snap(cordon_ctx *ctx, const char *instance, const cordon_loaded_snap **out,
		    cordon_error **err);

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
