/* The package model: what meta/snap.yaml says, as plain structs, with their
 * destructors and lookups (manifest.c). It sits at the bottom of this folder
 * and depends on nothing here: the YAML loader (yaml_doc.h) sits beside it,
 * and the parser (manifest_parse.c, manifest_ports.c) and the validators
 * (manifest_validate*.c, manifest_layout.c, manifest_timespec.c) are built on
 * both. The two entry points below are declared here so that a user of the
 * library needs this one header. The name rules (snap names, instance keys)
 * are in manifest_names.h.
 * Pure code. Every node keeps its line and column so errors can point at the
 * source: "<source_name>:<line>:<col>: <what is wrong>: <what was expected>". */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

/* A 1-based source position; 0:0 when the thing is absent. */
typedef struct cordon_pos {
	int line, col;
} cordon_pos;

static inline cordon_pos cordon_pos_at(int line, int col)
{
	return (cordon_pos){line, col};
}

/* A YAML value kept with its type (plug/slot attributes). Types follow snapd's
 * YAML library: "yes" is a bool, 0644 an integer (420), 2024-01-01 a string. */
typedef enum cordon_yaml_kind {
	CORDON_Y_NULL,
	CORDON_Y_BOOL,
	CORDON_Y_INT,
	CORDON_Y_FLOAT,
	CORDON_Y_STRING,
	CORDON_Y_LIST,
	CORDON_Y_MAP,
} cordon_yaml_kind;

typedef struct cordon_yaml_value {
	cordon_yaml_kind kind;
	int line, col;			 /* 1-based position of the value */
	char *scalar;			 /* original text of a scalar (all scalar kinds) */
	bool b;				 /* CORDON_Y_BOOL */
	int64_t i;			 /* CORDON_Y_INT */
	double f;			 /* CORDON_Y_FLOAT */
	size_t n;			 /* LIST / MAP: number of items */
	char **keys;			 /* MAP: keys, in document order */
	struct cordon_yaml_value *items; /* LIST / MAP values */
} cordon_yaml_value;

typedef struct cordon_attr {
	char *name;
	cordon_yaml_value value;
} cordon_attr;

typedef struct cordon_env_entry {
	char *name, *value; /* scalars keep their text ("1.0", "yes"); null is "" */
	int line, col;	    /* of the name */
} cordon_env_entry;

typedef struct cordon_env_map {
	size_t n;
	cordon_env_entry *v; /* document order */
} cordon_env_map;

/* A plug or slot declared at the top level, by an app/hook, or implied by an
 * app/hook naming an undeclared one (implicit = true, interface = its name). */
typedef struct cordon_port {
	char *name;
	char *interface;
	size_t n_attrs;
	cordon_attr *attrs; /* all keys but `interface` and `label`, document order */
	char *label;	    /* `label:` (snapd keeps it apart from the attributes) */
	bool implicit;
	bool top_level;		  /* declared under the top-level plugs:/slots: */
	bool unscoped;		  /* named by no app or hook, so bound to all of them */
	strv apps;		  /* apps bound to it (snapd's binding rule applied), app order */
	strv hooks;		  /* hooks bound to it, hook order */
	int line, col;		  /* the declaration, or the first app/hook naming it */
	cordon_pos interface_pos; /* the interface value, else the declaration */
} cordon_port;

typedef struct cordon_socket {
	char *name;
	char *listen_stream;
	char *socket_mode; /* as written (octal), or NULL */
	int64_t mode;	   /* socket_mode as YAML reads it (0640 -> 416); -1 when unset */
	int line, col;
	cordon_pos listen_stream_pos, socket_mode_pos;
} cordon_socket;

/* The keys of an app, to find where each one's value was written. */
typedef enum cordon_app_key {
	CORDON_APP_COMMAND,
	CORDON_APP_COMMAND_CHAIN,
	CORDON_APP_DAEMON,
	CORDON_APP_DAEMON_SCOPE,
	CORDON_APP_STOP_COMMAND,
	CORDON_APP_RELOAD_COMMAND,
	CORDON_APP_POST_STOP_COMMAND,
	CORDON_APP_STOP_MODE,
	CORDON_APP_STOP_TIMEOUT,
	CORDON_APP_START_TIMEOUT,
	CORDON_APP_WATCHDOG_TIMEOUT,
	CORDON_APP_RESTART_CONDITION,
	CORDON_APP_RESTART_DELAY,
	CORDON_APP_REFRESH_MODE,
	CORDON_APP_INSTALL_MODE,
	CORDON_APP_TIMER,
	CORDON_APP_BUS_NAME,
	CORDON_APP_COMMON_ID,
	CORDON_APP_DESKTOP,
	CORDON_APP_COMPLETER,
	CORDON_APP_AUTOSTART,
	CORDON_APP_ACTIVATES_ON,
	CORDON_APP_AFTER,
	CORDON_APP_BEFORE,
	CORDON_APP_ALIASES,
	CORDON_APP_PLUGS,
	CORDON_APP_SLOTS,
	CORDON_APP_ENVIRONMENT,
	CORDON_APP_SOCKETS,
	CORDON_APP_N_KEYS
} cordon_app_key;

typedef struct cordon_app {
	char *name;
	char *command;
	strv command_chain;
	char *daemon;	    /* simple|forking|oneshot|notify|dbus, or NULL */
	char *daemon_scope; /* system|user; "system" when daemon is set and this is not */
	char *stop_command;
	char *reload_command;
	char *post_stop_command;
	char *stop_mode;
	char *stop_timeout; /* durations as written ("10s"), checked as Go durations */
	char *start_timeout;
	char *watchdog_timeout;
	char *restart_condition;
	char *restart_delay;
	char *refresh_mode;
	char *install_mode;
	char *timer;
	char *bus_name;
	char *common_id;
	char *desktop;
	char *completer;
	char *autostart;
	bool activates_set; /* the snap.yaml key is `activates-on` */
	strv activates;
	strv after, before;
	strv aliases;
	strv plugs; /* names as written under the app (duplicates dropped) */
	strv slots;
	cordon_env_map environment;
	size_t n_sockets;
	cordon_socket *sockets;
	int line, col;
	cordon_pos pos[CORDON_APP_N_KEYS]; /* where each key's value is */
	/* positions of list items, parallel to the strv of the same name */
	cordon_pos *command_chain_pos, *activates_pos, *after_pos, *before_pos, *aliases_pos;
	cordon_pos *plugs_pos, *slots_pos;
} cordon_app;

typedef struct cordon_hook {
	char *name;
	strv command_chain;
	strv plugs, slots;
	cordon_env_map environment;
	int line, col;
	cordon_pos *command_chain_pos, *plugs_pos, *slots_pos;
} cordon_hook;

typedef struct cordon_layout {
	char *path;   /* the key: where it appears */
	char *kind;   /* bind | bind-file | symlink | type (the first one written) */
	char *target; /* value of the kind (for type: tmpfs) */
	char *user, *group, *mode;
	unsigned n_kinds; /* how many of bind, bind-file, symlink, type were set */
	int line, col;
	cordon_pos target_pos, user_pos, group_pos, mode_pos;
} cordon_layout;

typedef struct cordon_system_user {
	char *name;
	char *scope;
	int line, col;
} cordon_system_user;

/* The top-level keys cordon reads, to find where each one's value was written. */
typedef enum cordon_key {
	CORDON_KEY_NAME,
	CORDON_KEY_VERSION,
	CORDON_KEY_SUMMARY,
	CORDON_KEY_DESCRIPTION,
	CORDON_KEY_TITLE,
	CORDON_KEY_BASE,
	CORDON_KEY_CONFINEMENT,
	CORDON_KEY_GRADE,
	CORDON_KEY_TYPE,
	CORDON_KEY_ARCHITECTURES,
	CORDON_KEY_EPOCH,
	CORDON_KEY_LICENSE,
	CORDON_KEY_ASSUMES,
	CORDON_KEY_ENVIRONMENT,
	CORDON_KEY_PLUGS,
	CORDON_KEY_SLOTS,
	CORDON_KEY_APPS,
	CORDON_KEY_HOOKS,
	CORDON_KEY_LAYOUT,
	CORDON_KEY_SYSTEM_USERNAMES,
	CORDON_KEY_N
} cordon_key;

typedef struct cordon_manifest {
	char *name;
	char *version;
	char *summary, *description, *title;
	char *base;
	char *confinement; /* strict (default) | devmode | classic */
	char *grade;	   /* stable (default) | devel */
	char *type;	   /* app (default) | base | gadget | kernel | os | snapd */
	strv architectures;
	char *epoch; /* "0" when absent; the map form as snapd prints it */
	char *license;
	strv assumes;
	cordon_env_map environment;
	size_t n_plugs, n_slots;
	cordon_port *plugs; /* top-level declarations in document order, then implicit ones */
	cordon_port *slots;
	size_t n_apps, n_hooks;
	cordon_app *apps;   /* document order */
	cordon_hook *hooks; /* document order */
	size_t n_layout;
	cordon_layout *layout;
	size_t n_system_users;
	cordon_system_user *system_users;
	strv unknown_keys; /* top-level keys cordon does not use (kept, not errors) */
	char *source_name; /* "meta/snap.yaml" or the file name given, for errors */
	cordon_pos pos;	   /* where the document starts */
	cordon_pos key_pos[CORDON_KEY_N]; /* where each top-level key's value is */
} cordon_manifest;

/* Parse YAML text (at most 1 MiB). Errors read
 * "<source_name>:<line>:<col>: <what is wrong>: <what was expected>".
 * In manifest_parse.c. */
int cordon_manifest_parse(const char *text, size_t len, const char *source_name,
			  cordon_manifest **out, cordon_error **err);

/* Validate as snapd does; the first error found is returned, with position.
 * In manifest_validate.c. */
int cordon_manifest_validate(const cordon_manifest *m, cordon_error **err);

/* Destructors: each frees what its argument owns and leaves it zeroed, so the
 * parser can drop a half-built part (a hook snapd ignores, the implicit ports
 * of a failed binding) with the code that frees a whole manifest. */
void cordon_yaml_value_clear(cordon_yaml_value *v);
void cordon_env_map_clear(cordon_env_map *env);
void cordon_port_clear(cordon_port *port);
void cordon_hook_clear(cordon_hook *h);
void cordon_manifest_free(cordon_manifest *m);
static inline void cleanup_manifestp(cordon_manifest **m)
{
	if (*m)
		cordon_manifest_free(*m);
}
#define _cleanup_manifest_ __attribute__((cleanup(cleanup_manifestp)))

const cordon_app *cordon_manifest_app(const cordon_manifest *m, const char *name);
const cordon_hook *cordon_manifest_hook(const cordon_manifest *m, const char *name);
/* Add an undeclared hook found in meta/hooks (snapd's implicit hooks): 1
 * added, 0 skipped (declared already, or a name snapd does not support). */
int cordon_manifest_add_implicit_hook(cordon_manifest *m, const char *name);
const cordon_port *cordon_manifest_plug(const cordon_manifest *m, const char *name);
const cordon_port *cordon_manifest_slot(const cordon_manifest *m, const char *name);
