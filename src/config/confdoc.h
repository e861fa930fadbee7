/* A snap's configuration document and changes to it, as snapd has them
 * (overlord/configstate/config: helpers.go, transaction.go; client/clientutil/
 * config.go). Pure code: the store reads and writes the document's text.
 *
 * The document is a JSON object. Keys are dotted paths ("a.b.c") whose
 * segments match snapd's ^(?:[a-z0-9]+-?)*[a-z](?:-?[a-z0-9])*$ (and so do
 * the keys of objects set as values, as snapd requires of core26 snaps).
 * Setting "a.b.c" creates or updates the objects on the way; setting a key to
 * an object replaces what was there; setting null (`key!`, `unset`) removes
 * it; nulls inside objects are removed at the commit, objects emptied stay.
 *
 * A transaction holds the document as it was (the "previous" configuration
 * a configure hook asks for) and the changes staged on it, which commit onto
 * the document as it is then (snapd's Transaction.Commit): a hook's failure
 * drops them. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* Limits: anything past them is refused with a message, nothing changed.
 * Not snapd's (its state has none): a snap's document is read whole by every
 * `get` and `snapctl get`, by any user, and a hook could loop setting keys. */
#define CORDON_CONF_MAX_DOC (512 * 1024) /* bytes of the document, compact */
#define CORDON_CONF_MAX_PATCHES 1000	 /* keys one set or unset changes */
/* CORDON_JSON_MAX_DEPTH (jsonval.h) bounds the nesting of the document,
 * the segments of a key included. */

/* snapd's config.ParseKey: "" is the whole document (no segment); otherwise
 * each segment checked. -EINVAL `invalid option name: "Foo"`. */
int cordon_conf_parse_key(const char *key, strv *segments, cordon_error **err);

/* One change: set KEY to VALUE (JSON text), or unset it (VALUE NULL). */
typedef struct cordon_conf_patch {
	char *key;
	char *value;
} cordon_conf_patch;

typedef struct cordon_conf_patches {
	cordon_conf_patch *v;
	size_t n;
} cordon_conf_patches;
void cordon_conf_patches_free(cordon_conf_patches *p);
/* Add a change; a later one of the same key replaces it, as in snapd's
 * patch (a map). value: JSON text, or NULL to unset. */
void cordon_conf_patches_add(cordon_conf_patches *p, const char *key, const char *value);

/* How `snap set` reads a value: JSON where it parses, else the string as
 * given (AUTO); always a string (-s); JSON or an error (-t). */
typedef enum cordon_conf_mode {
	CORDON_CONF_AUTO,
	CORDON_CONF_STRING,
	CORDON_CONF_TYPED,
} cordon_conf_mode;

/* `snap set`'s arguments, key=value or key! (clientutil.ParseConfigValues,
 * its messages: `invalid configuration: "x" (want key=value)`, `failed to
 * parse JSON: ...`), added to OUT. */
int cordon_conf_parse_set_args(char *const *args, size_t n, cordon_conf_mode mode,
			       cordon_conf_patches *out, cordon_error **err);
/* `snap unset`'s arguments: keys. */
int cordon_conf_parse_unset_args(char *const *args, size_t n, cordon_conf_patches *out,
				 cordon_error **err);

typedef struct cordon_conf_txn cordon_conf_txn;

/* A transaction on SNAP's document DOC (JSON text; NULL or "" when it has
 * none). -EINVAL when DOC is not a JSON object. */
int cordon_conf_txn_new(const char *snap, const char *doc, cordon_conf_txn **out,
			cordon_error **err);
void cordon_conf_txn_free(cordon_conf_txn *t);
static inline void cleanup_conf_txnp(cordon_conf_txn **t)
{
	if (*t)
		cordon_conf_txn_free(*t);
}
#define _cleanup_conf_txn_ __attribute__((cleanup(cleanup_conf_txnp)))

/* Stage the changes, shallowest keys first (snapd's config.Patch): all of
 * them or, on error (snapd's messages: `invalid option name: "x"`, `snap "s"
 * option "a" is not a map`; or a limit), none. */
int cordon_conf_txn_patch(cordon_conf_txn *t, const cordon_conf_patches *p, cordon_error **err);

/* Whether anything is staged. */
bool cordon_conf_txn_changed(const cordon_conf_txn *t);

/* The value of KEY ("" = the document) as compact JSON, with the staged
 * changes (Transaction.Get), or as it was before them (previous:
 * GetPristine, for `snapctl get --previous`). -ENOENT with snapd's message
 * when there is none (`snap "s" has no "a.b" configuration option`, `snap
 * "s" has no configuration`), -EINVAL when a key crosses a non-object. */
int cordon_conf_txn_get(cordon_conf_txn *t, const char *key, bool previous, char **json,
			cordon_error **err);

/* The staged changes committed onto LATEST, the document as stored now (it
 * may have changed since the transaction began): *doc gets the new document
 * (compact JSON), or NULL when it is empty. -EINVAL when it would pass a
 * limit. */
int cordon_conf_txn_commit(cordon_conf_txn *t, const char *latest, char **doc, cordon_error **err);
