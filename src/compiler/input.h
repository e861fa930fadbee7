/* What the compiler reads: a snap as state has it, and its connections
 * with both ends resolved. The store fills these (store/recompile.c). */
#pragma once
#include "definitions.h"
#include "manifest.h"
#include "state.h"

#include <stddef.h>

/* A snap's current revision as state has it, with its manifest and paths. */
typedef struct cordon_loaded_snap {
	cordon_snap_row row;
	cordon_rev_row rev;
	struct cordon_manifest *m;
	char *mount_dir, *data_dir, *common_dir;
	/* The same as the snap sees them in its own namespace: a parallel
	 * instance foo_key finds its own directories at /snap/foo,
	 * /var/snap/foo (snapd's remapping, mountns.c); the same strings as
	 * above without an instance key. */
	char *own_mount_dir, *own_data_dir, *own_common_dir;
} cordon_loaded_snap;

/* One connection, both ends resolved. */
typedef struct cordon_conn_ends {
	const cordon_conn_row *row;
	const cordon_def *def;
	const cordon_loaded_snap *plug_snap;
	const cordon_loaded_snap *slot_snap; /* NULL: the system */
	const cordon_port *plug;
	const cordon_port *slot; /* NULL: a system slot */
} cordon_conn_ends;

/* Everything one snap's compilation reads. */
typedef struct cordon_compile_input {
	const cordon_loaded_snap *snap;
	/* the snap's base, installed (the root of its namespace); NULL: none
	 * (no `base:`, or `base: none`): the host's root */
	const cordon_loaded_snap *base;
	const cordon_def *defaults;   /* the default policy (data/policy/default.yaml) */
	const char *seccomp_template; /* the text of its seccomp template */
	/* data/seccomp/privilege-drop.txt: what replaces the template's
	 * unconditional setuid family for a snap with system-usernames
	 * (privdrop.h); NULL: such a snap does not compile */
	const char *seccomp_privdrop;
	/* the connections of the snap's plugs, then those to its slots (a
	 * connection of the snap to itself is in both), in state's order */
	const cordon_conn_ends *plugs, *slots;
	size_t n_plugs, n_slots;
	/* the root prefix of every system path ("" or NULL in production):
	 * $CORDON_ROOT in rules, for paths of cordon's own such as the
	 * snapctl socket */
	const char *root;
} cordon_compile_input;
