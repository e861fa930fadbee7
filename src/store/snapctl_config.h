/* snapctl get, set and unset: a snap's own configuration, from its apps
 * (and hooks). The broker calls one function per command with the snap the
 * request's cookie names (never one the request names) and the command's
 * arguments as given (options included: `get -d`, `set -t`, `get :plug
 * attr`...); what it returns is snapctl's exit status (>= 0) and stdout, or
 * an error (< 0, *err), which snapctl prints as "error: snapctl: MSG".
 *
 * Not built yet: configuration lives in the state database (the
 * configuration API, state_config.c) and these are its snapctl side. Until
 * then each says so. The caller has checked the uid already (set and unset:
 * root only, as snapd). */
#pragma once
#include "context.h"

/* ctx: read-only (or the store's own while it runs a hook). */
int cordon_snapctl_get(cordon_ctx *ctx, const char *instance, size_t argc, char *const *argv,
		       buf *out, cordon_error **err);

/* ctx: writable (the store's lock held), or the store's own in a hook. */
int cordon_snapctl_set(cordon_ctx *ctx, const char *instance, size_t argc, char *const *argv,
		       buf *out, cordon_error **err);
int cordon_snapctl_unset(cordon_ctx *ctx, const char *instance, size_t argc, char *const *argv,
			 buf *out, cordon_error **err);
