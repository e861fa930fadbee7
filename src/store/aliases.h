/* Manual aliases, as snapd's (overlord/snapstate/aliasesv2.go): `cordon
 * alias SNAP.APP ALIAS` makes /snap/bin/ALIAS a symlink to the app's own
 * entry (ALIAS -> SNAP.APP, relative, as snapd's), which the launcher
 * follows once (base/invocation.h). An alias is refused when its command
 * namespace (the name up to its first '.') is an installed snap's, or
 * another snap has it; an install is refused when its snap's command
 * namespace is another snap's alias. Aliases follow the snap's current
 * revision: one to an app that revision lacks (or that is a daemon) is
 * dropped by the refresh or revert, and the snap's remove takes them all.
 * State holds them (state_aliases.c); the entries are written with the
 * snap's others (snapbin.c), so every change is journaled as any other
 * (txn.h). */
#pragma once
#include "context.h"
#include "manifest.h"
#include "util.h"

/* snapd's ValidAlias: ^[a-zA-Z0-9][-_.a-zA-Z0-9]*$ (pure). */
bool cordon_alias_name_valid(const char *alias);

/* What `snap` prints for an app: "<instance>.<app>", or "<instance>" when
 * the app is named after the instance (snap.JoinSnapApp). Malloc'd. */
char *cordon_alias_join(const char *instance, const char *app);

/* The snap's aliases that its manifest still serves: their names and the
 * entries they point at (snapbin.h's names), in the same order. */
int cordon_aliases_entries(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
			   strv *names, strv *targets, cordon_error **err);

/* Inside an install's, refresh's or revert's transaction, the snap's
 * manifest `m` about to be current: drop its aliases to apps `m` lacks or
 * runs as daemons (snapd's refreshAliases). */
int cordon_aliases_adopt(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
			 cordon_error **err);

/* Before an install: is the snap's command namespace another snap's
 * alias? (snapd's checkSnapAliasConflict) */
int cordon_aliases_check_install(cordon_ctx *ctx, const char *instance, cordon_error **err);
