/* The journal's entries and crash recovery (recovery.c says what each
 * entry means). */
#pragma once
#include "context.h"

#define CORDON_JOURNAL_INSTALL "install"
#define CORDON_JOURNAL_RECOMPILE "finish"
#define CORDON_JOURNAL_ROLL_FORWARD "links"
#define CORDON_JOURNAL_PURGE "purge"
#define CORDON_JOURNAL_NAMESPACE "namespace"
#define CORDON_JOURNAL_SERVICES "services"

/* Finish or undo what every journal entry says, oldest first; clean the
 * scratch directory of what dead commands left. */
int cordon_store_recover(cordon_ctx *ctx, cordon_error **err);

/* Is there anything for cordon_store_recover to do (journal entries, or
 * what a dead command staged)? Without the lock: a hint for read-only
 * commands, which then take it. */
int cordon_store_needs_recovery(cordon_ctx *ctx, bool *yes, cordon_error **err);

/* What a `links` entry asks for: the snap's current links and the removal
 * of its revisions state no longer lists. 1: those stay for now, a command
 * of the snap runs (the entry must stay). */
int cordon_snap_roll_forward(cordon_ctx *ctx, const char *name, cordon_error **err);
