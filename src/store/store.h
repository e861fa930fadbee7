/* The store of installed snaps: install (and refresh), revert, remove. Every
 * change is journalled in state first (recovery.h), so an interruption at
 * any point (kill -9, power loss) leaves the old or the new installation
 * usable, and the next command completes or rolls back the rest. */
#pragma once
#include "context.h"

#include <stdbool.h>

typedef struct cordon_install_opts {
	bool dangerous;
	bool devmode;
	bool classic;
	const char *instance; /* --name foo_key, or NULL */
} cordon_install_opts;

typedef struct cordon_install_result {
	char *name;	/* instance name */
	char *revision; /* x1 */
	char *version;
	bool refreshed;
	char *warning; /* e.g. "flag --classic ignored for strictly confined snap" */
} cordon_install_result;
void cordon_install_result_free(cordon_install_result *r);

/* Open the context (context.h) and, when writable, finish or roll back
 * what an interrupted command left (recovery.h): every command's way in. */
int cordon_store_open(cordon_ctx *ctx, const char *root, const char *datadir, bool writable,
		      cordon_error **err);

int cordon_store_install(cordon_ctx *ctx, const char *path, const cordon_install_opts *o,
			 cordon_install_result *res, cordon_error **err);
int cordon_store_remove(cordon_ctx *ctx, const char *name, cordon_error **err);
int cordon_store_revert(cordon_ctx *ctx, const char *name, char **new_rev, cordon_error **err);
/* To the kept revision `want` (older or newer than the current one); NULL:
 * the previous one, as cordon_store_revert. */
int cordon_store_revert_to(cordon_ctx *ctx, const char *name, const char *want, char **new_rev,
			   cordon_error **err);

/* How many revisions are kept (snapd's refresh.retain default on classic). */
#define CORDON_RETAIN 2
