/* What every state-changing or state-reading command works with: the paths,
 * the state database, the data directory, and (for changes) the global lock;
 * and what it has read so far (catalogue, default policy, snaps). */
#pragma once
#include "error.h"
#include "catalog.h"
#include "cgroup.h"
#include "compile.h"
#include "paths.h"
#include "state.h"

#include <stdbool.h>

typedef struct cordon_ctx {
	cordon_paths paths;
	cordon_state *state;
	char *datadir; /* interfaces, seccomp template, policy templates */
	char *site_interfaces_dir;
	bool writable;
	int lock_fd;
	cordon_cgroup_cfg cgroup; /* where the launcher puts label cgroups */
	cordon_catalog *catalog;  /* interface definitions, loaded on demand */
	cordon_def *defaults;	  /* the default policy, loaded on demand */
	char *seccomp_template;	  /* its seccomp template */
	char *seccomp_privdrop;	  /* privilege-drop.txt (compiler/privdrop.h) */
	size_t n_loaded;
	cordon_loaded_snap **loaded; /* manifests read so far */
	/* What a committed change could not finish and left to the next
	 * command or launch, for the user: the change itself stands. */
	strv warnings;
	/* Where the output of the hooks a change runs goes as they run (the
	 * CLI's stdout); -1 (cli_open sets 1): kept for errors only. */
	int hook_out_fd;
} cordon_ctx;

/* The interface catalogue (shipped + site-local definitions). */
int cordon_ctx_catalog(cordon_ctx *ctx, const cordon_catalog **out, cordon_error **err);

/* The default policy and its seccomp template (data directory); privilege-drop.txt
 * is loaded with them (ctx->seccomp_privdrop). */
int cordon_ctx_defaults(cordon_ctx *ctx, const cordon_def **def, const char **seccomp_template,
			cordon_error **err);

/* The snap's current revision (-ENOENT, err untouched, if not installed).
 * Cached for the context's life and reloaded when the current revision in
 * state changes (inside a transaction too). */
int cordon_ctx_snap(cordon_ctx *ctx, const char *instance, const cordon_loaded_snap **out,
		    cordon_error **err);

/* root: CORDON_ROOT or NULL. writable: create the directory layout, take the
 * global lock (waiting for another cordon command to finish) and open the
 * database read-write. Read-only contexts never create anything. What an
 * interrupted command left is the store's business (cordon_store_open). */
int cordon_ctx_open(cordon_ctx *ctx, const char *root, const char *datadir, bool writable,
		    cordon_error **err);
void cordon_ctx_close(cordon_ctx *ctx);

/* Test builds only (meson -Dfault_injection=true): if CORDON_FAULT names this
 * step, die at once with SIGKILL, as a power cut would. */
void cordon_fault(const char *step);
