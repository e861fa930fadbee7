/* A snap's `layout:` compiled: the entries its namespace is made with
 * (runtime/layout.c) and the file rules that reach them. */
#pragma once
#include "input.h"
#include "policy.h"

/* Append the layouts of ls (variables $SNAP, $SNAP_DATA, $SNAP_COMMON
 * expanded, sorted by path so that parents come first) and, unless
 * classic, the rules granting each layout's path what its source is granted
 * by default: a $SNAP source read and execute, a $SNAP_DATA or
 * $SNAP_COMMON source and a tmpfs read, write, execute and create; a
 * symlink reaches only what its target is granted anyway. Nothing else. */
void cordon_compile_layouts(const cordon_loaded_snap *ls, bool rules, cordon_policy *p);

/* A digest of the layouts (for the namespace's stamp): "" without any. */
char *cordon_layouts_digest(const cordon_loaded_snap *ls);

/* What the root of the snap's namespace is made of, for its stamp
 * (cordon_ns_stamp): the base's revision directory and the layouts' digest;
 * NULL for the host's root with no layout. A namespace whose root changes
 * is replaced, never updated in place. */
char *cordon_ns_root_id(const cordon_compile_input *in);
