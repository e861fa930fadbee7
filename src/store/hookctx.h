/* What a hook works with beside its snap (hooks.h runs it; snapctl_cmds.h
 * serves its snapctl from these). Types only, so that the snapctl commands
 * need not depend on the hook runner. */
#pragma once

typedef struct cordon_snapconf cordon_snapconf; /* snapconf.h */

/* The connection an interface hook (prepare-, connect-, disconnect-plug-
 * or -slot-) runs for: what `snapctl get :PORT` reads, and `snapctl set
 * :PORT` (prepare hooks) writes. Attributes are JSON objects as text: the
 * static ones from snap.yaml, the dynamic ones as the prepare hooks set
 * them (NULL: none). Owned by whoever runs the connection's hooks. */
typedef struct cordon_hook_conn {
	const char *plug_snap, *plug, *slot_snap, *slot;
	char *plug_static, *slot_static;
	char *plug_dynamic, *slot_dynamic;
} cordon_hook_conn;

typedef struct cordon_hook_opts {
	/* the configuration change the hook is part of (`cordon set`'s, for
	 * the configure hook it runs), which `snapctl get/set/unset` read and
	 * stage; NULL: one of the hook's own, committed if it succeeds */
	cordon_snapconf *conf;
	cordon_hook_conn *conn; /* interface hooks; else NULL */
} cordon_hook_opts;
