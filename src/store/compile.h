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

/* Compile only the given apps and hooks of the snap (NULL, NULL: all, and
 * remove files of labels the revision no longer has). */
int cordon_compile_labels(cordon_ctx *ctx, const char *instance, const strv *apps,
			  const strv *hooks, cordon_error **err);

/* The stamp of a snap's namespace: its revision and its mounts (triples).
 * A preserved namespace with another stamp is rebuilt when unused. */
char *cordon_ns_stamp(const char *revision, const strv *mounts);
