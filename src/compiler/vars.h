/* Rule variables: a snap's own, and a connection's (${plug:ATTR},
 * ${slot:ATTR}, ${slot:SNAP}, ${plug:content}...), for cordon_rule_subst. */
#pragma once
#include "input.h"
#include "util.h"

/* The value of one of a snap's own rule variables ($SNAP, $SNAP_DATA,
 * $SNAP_COMMON, $SNAP_NAME, $SNAP_INSTANCE_NAME, $SNAP_REVISION), or NULL.
 * The one table of them: the compiled snap's, a connection's other end's
 * (${slot:SNAP}) and an attribute's owner's resolve here. */
const char *cordon_snap_var(const cordon_loaded_snap *s, const char *name);

/* The same for the snap being compiled, as it sees itself: $SNAP,
 * $SNAP_DATA and $SNAP_COMMON are its own namespace's (own_mount_dir...:
 * /snap/foo/x1 for the instance foo_key, as snapd's ExpandSnapVariables). */
const char *cordon_snap_own_var(const cordon_loaded_snap *s, const char *name);

/* vctx: a const cordon_conn_ends *. -ENOENT for a name it does not know. */
int cordon_conn_lookup(void *vctx, const char *name, strv *values);
