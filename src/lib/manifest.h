/* The package model: what meta/snap.yaml says, parsed (manifest_parse.c, with
 * libyaml), then validated as snapd validates (manifest_validate.c). Pure code.
 * Every node keeps its line and column so errors can point at the source. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

/* A YAML value kept with its type (plug/slot attributes, unknown keys). */
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
	int line, col;  /* 1-based position of the value */
	char *scalar;   /* original text of a scalar (all scalar kinds) */
	bool b;         /* CORDON_Y_BOOL */
	int64_t i;      /* CORDON_Y_INT */
	double f;       /* CORDON_Y_FLOAT */
	size_t n;       /* LIST / MAP: number of items */
	char **keys;    /* MAP: keys, in document order */
	struct cordon_yaml_value *items; /* LIST / MAP values */
} cordon_yaml_value;

typedef struct cordon_attr {
	char *name;
	cordon_yaml_value value;
} cordon_attr;

typedef struct cordon_env_entry {
	char *name, *value;
	int line, col;
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
	cordon_attr *attrs; /* all keys but `interface`, document order */
	bool implicit;
	bool top_level;     /* declared under the top-level plugs:/slots: */
	strv apps;          /* apps bound to it (snapd's binding rule applied) */
	strv hooks;         /* hooks bound to it */
	int line, col;
} cordon_port;

typedef struct cordon_socket {
	char *name;
	char *listen_stream;
	char *socket_mode; /* as written (octal), or NULL */
	int line, col;
} cordon_socket;

typedef struct cordon_app {
	char *name;
	char *command;
	strv command_chain;
	char *daemon;       /* simple|forking|oneshot|notify|dbus, or NULL */
	char *daemon_scope; /* system|user, or NULL */
	char *stop_command;
	char *reload_command;
	char *post_stop_command;
	char *stop_mode;
	char *stop_timeout;
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
	bool activates_set;
	strv activates;
	strv after, before;
	strv aliases;
	strv plugs; /* names as written under the app */
	strv slots;
	cordon_env_map environment;
	size_t n_sockets;
	cordon_socket *sockets;
	int line, col;
} cordon_app;

typedef struct cordon_hook {
	char *name;
	strv command_chain;
	strv plugs, slots;
	cordon_env_map environment;
	int line, col;
} cordon_hook;

typedef struct cordon_layout {
	char *path;   /* the key: where it appears */
	char *kind;   /* bind | bind-file | symlink | type */
	char *target; /* value of the kind (for type: tmpfs) */
	char *user, *group, *mode;
	int line, col;
} cordon_layout;

typedef struct cordon_system_user {
	char *name;
	char *scope;
	int line, col;
} cordon_system_user;

typedef struct cordon_manifest {
	char *name;
	char *version;
	char *summary, *description, *title;
	char *base;
	char *confinement; /* strict (default) | devmode | classic */
	char *grade;       /* stable (default) | devel */
	char *type;        /* app (default) | base | core | gadget | kernel | os | snapd */
	strv architectures;
	char *epoch;
	char *license;
	strv assumes;
	cordon_env_map environment;
	size_t n_plugs, n_slots;
	cordon_port *plugs; /* declared + implicit, in order of appearance */
	cordon_port *slots;
	size_t n_apps, n_hooks;
	cordon_app *apps;
	cordon_hook *hooks;
	size_t n_layout;
	cordon_layout *layout;
	size_t n_system_users;
	cordon_system_user *system_users;
	strv unknown_keys; /* top-level keys cordon does not use (kept, not errors) */
	char *source_name; /* "meta/snap.yaml" or the file name given, for errors */
} cordon_manifest;

/* Parse YAML text (at most 1 MiB). Errors read
 * "<source_name>:<line>:<col>: <what is wrong>: <what was expected>". */
int cordon_manifest_parse(const char *text, size_t len, const char *source_name,
			  cordon_manifest **out, cordon_error **err);

/* Validate as snapd does; the first error found is returned, with position. */
int cordon_manifest_validate(const cordon_manifest *m, cordon_error **err);

/* Validate a snap or instance name, an instance key, and "name_key". */
bool cordon_valid_snap_name(const char *name);
bool cordon_valid_instance_key(const char *key);

void cordon_manifest_free(cordon_manifest *m);
static inline void cleanup_manifestp(cordon_manifest **m)
{
	if (*m)
		cordon_manifest_free(*m);
}
#define _cleanup_manifest_ __attribute__((cleanup(cleanup_manifestp)))

const cordon_app *cordon_manifest_app(const cordon_manifest *m, const char *name);
const cordon_hook *cordon_manifest_hook(const cordon_manifest *m, const char *name);
const cordon_port *cordon_manifest_plug(const cordon_manifest *m, const char *name);
const cordon_port *cordon_manifest_slot(const cordon_manifest *m, const char *name);
