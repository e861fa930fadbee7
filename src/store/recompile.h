/* Compiling a snap's policy from state: the compiler's input gathered (the
 * snap, its connections with both ends, the definitions), the compiler run,
 * what it computed put in place (apply.h). */
#pragma once
#include "compile.h"
#include "context.h"

/* Compile and write the policy of the given apps and hooks of the snap's
 * current revision (apps == hooks == NULL: every label, and the files of
 * labels the revision no longer has removed). */
int cordon_recompile(cordon_ctx *ctx, const char *instance, const strv *apps, const strv *hooks,
		     cordon_error **err);

/* The snap's content mounts as state has them now, with the directories
 * they need made (apply.h), and the stamp a namespace holding them has. */
int cordon_snap_mounts(cordon_ctx *ctx, const char *instance, cordon_content_mount **mounts,
		       size_t *n, char **stamp, cordon_error **err);
