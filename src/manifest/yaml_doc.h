/* A small, hostile-input-safe YAML document loader over libyaml's event API.
 * Pure code: text in, tree out.
 *
 * snap.yaml comes from the package being installed, so it is attacker-controlled
 * input parsed by the privileged CLI. The loader therefore refuses what a
 * metadata file never needs and an attacker would love: merge keys, nesting
 * deeper than YDOC_MAX_DEPTH (stack exhaustion in every recursive consumer),
 * more than one document, duplicate keys at any level (two readers could
 * disagree on which one wins), NUL bytes inside strings (C would see a shorter
 * string than the YAML says) and input over YDOC_MAX_INPUT bytes.
 *
 * Anchors and aliases are accepted, because snapd's parser accepts them and real
 * snaps use them (one plug list shared by every app). An alias is expanded into
 * a deep copy of its anchored node, so consumers see a plain tree and every check
 * above (depth, duplicate keys, merge keys) applies to the expanded document.
 * What aliases add is budgeted: at most YDOC_MAX_ALIAS_NODES nodes and
 * YDOC_MAX_ALIAS_BYTES bytes of scalar text in total ("billion laughs" fails at
 * the alias that crosses the budget, before it is copied), at most
 * YDOC_MAX_ANCHORS anchor definitions (each alias is looked up among them), no
 * alias to an anchor defined later or to a node that encloses the alias.
 *
 * Plain scalars are resolved to a type the way gopkg.in/yaml.v2 (snapd's
 * parser) resolves them (yaml_scalar.h), so "version: 1.0" keeps its text
 * "1.0" and an attribute "allow: yes" is a bool, as in snapd. */
#pragma once
#include "error.h"
#include "util.h"
#include "yaml_scalar.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YDOC_MAX_INPUT (1024 * 1024)
#define YDOC_MAX_DEPTH 64
/* Nodes and scalar bytes that alias expansion may add to a document, in total.
 * A real snap.yaml expands to a few hundred nodes; the cap keeps the cost of a
 * hostile one near what the plain 1 MiB input could cost anyway (~10 MB). */
#define YDOC_MAX_ALIAS_NODES 100000
#define YDOC_MAX_ALIAS_BYTES YDOC_MAX_INPUT
/* Anchor definitions per document (aliases are resolved by a linear scan). */
#define YDOC_MAX_ANCHORS 256

typedef enum ydoc_kind {
	YDOC_SCALAR,
	YDOC_SEQ,
	YDOC_MAP,
} ydoc_kind;

typedef struct ydoc_node {
	ydoc_kind kind;
	ydoc_type type;
	int line, col; /* 1-based, where the node starts */
	/* scalars */
	char *text; /* NUL-terminated, never contains NUL */
	size_t len;
	bool plain; /* unquoted and untagged: subject to type resolution */
	bool b;
	int64_t i;
	double f;
	/* containers: a sequence holds n items; a map holds n pairs stored as
	 * items[2k] (key) and items[2k + 1] (value), in document order. */
	size_t n;
	struct ydoc_node *items;
} ydoc_node;

typedef struct ydoc {
	ydoc_node *root; /* NULL for an empty stream or document */
	int line, col;	 /* where the document starts (1:1 for an empty one) */
	char *source_name;
} ydoc;

/* Load exactly one YAML document. Errors read "<source_name>:<line>:<col>: <msg>". */
int ydoc_load(const char *text, size_t len, const char *source_name, ydoc **out,
	      cordon_error **err);
void ydoc_free(ydoc *doc);

static inline void cleanup_ydocp(ydoc **d)
{
	if (*d)
		ydoc_free(*d);
}
#define _cleanup_ydoc_ __attribute__((cleanup(cleanup_ydocp)))

/* "a map", "a list", "a string", "an integer", "a number", "a bool", "null". */
const char *ydoc_type_name(ydoc_type t);

/* Map lookup by key text; NULL when absent. */
const ydoc_node *ydoc_map_get(const ydoc_node *map, const char *key);

/* Record "<source>:<line>:<col>: <fmt...>" in *err; returns -EINVAL. */
int ydoc_error_at(cordon_error **err, const char *source_name, int line, int col, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

/* Append s (at most max bytes of it) to b as a double-quoted string with every
 * byte outside printable ASCII escaped, so input cannot inject terminal escape
 * sequences or fake lines into an error message. */
void ydoc_quote(buf *b, const char *s, size_t max);
/* Same, returning a new string (caller frees). */
char *ydoc_quoted(const char *s);
