/* Typed readers over a yaml_doc tree, for the snap.yaml parser: each takes a
 * node that should hold a string, a list of strings or a map of names to
 * strings, stores what it holds in the model's types, and otherwise fails
 * with "<src>:<line>:<col>: <path>: expected <what>, got <type>". Shapes
 * follow snapd's Go structs decoded by gopkg.in/yaml.v2: a string takes any
 * scalar and keeps its text ("version: 1.0" is "1.0") and null means absent,
 * so every section of the parser reads values the same way. */
#pragma once
#include "error.h"
#include "manifest.h"
#include "util.h"
#include "yaml_doc.h"

#include <stdbool.h>

/* Where errors go: the source's name for their "<src>:" and the error out. */
typedef struct yread {
	const char *src;
	cordon_error **err;
} yread;

/* "<src>:<line>:<col>: <msg>" at node n. Returns -EINVAL. */
int yread_error(const yread *in, const ydoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<path>: expected <what>, got <n's type>". */
int yread_type_error(const yread *in, const char *path, const ydoc_node *n, const char *what);
/* path + "." + key, the key quoted when it is not a plain word (caller frees);
 * key alone without prefix. */
char *yread_path(const char *prefix, const char *key);

/* A scalar's text into *out (replacing it): null is absent (NULL); so is ""
 * unless keep_empty (snapd's enumerated types reject an explicit ""). */
int yread_str(const yread *in, const char *path, const ydoc_node *n, bool keep_empty, char **out);
/* A list of scalars into *out (null is an empty list; items keep their text,
 * null items are ""). With dedup, repeated items are dropped (snapd keeps
 * these in maps). *pos_out, when pos_out is not NULL, receives the item
 * positions, parallel to *out. */
int yread_strv(const yread *in, const char *path, const ydoc_node *n, bool dedup, strv *out,
	       cordon_pos **pos_out);
/* environment: a map of names to scalars, kept in document order. */
int yread_env(const yread *in, const char *path, const ydoc_node *n, cordon_env_map *out);
