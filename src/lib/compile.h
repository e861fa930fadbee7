/* The policy compiler: from the manifest of a snap's current revision, the
 * interface definitions and the connections in state, compute the compiled
 * policy of every label of the snap, and write each atomically. */
#pragma once
#include "context.h"
#include "manifest.h"
#include "policy.h"

/* Compile and write the policy of every app and hook of the snap's current
 * revision; remove files of labels the revision no longer has. */
int cordon_compile_snap(cordon_ctx *ctx, const char *instance, cordon_error **err);

/* Remove every compiled policy and AppArmor profile of the snap. */
int cordon_compile_remove_snap(cordon_ctx *ctx, const char *instance, cordon_error **err);
