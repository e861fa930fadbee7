/* Shared between the manifest_*.c files; not part of the library's API. */
#pragma once
#include "manifest.h"
#include "yaml_doc.h"

#include <stdarg.h>

/* ---- parsing (manifest_parse.c, manifest_ports.c) ---- */

typedef struct mparse {
	cordon_manifest *m;
	const char *src;
	cordon_error **err;
} mparse;

/* "<src>:<line>:<col>: <msg>" at node n. */
int mp_error(mparse *p, const ydoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<path>: expected <what>, got <n's type>". */
int mp_type_error(mparse *p, const char *path, const ydoc_node *n, const char *what);
/* path + "." + key, the key quoted when it is not a plain word. */
char *mp_path(const char *prefix, const char *key);
/* A list of scalars into *out (null is an empty list; items keep their text,
 * null items are ""). With dedup, repeated items are dropped (snapd keeps
 * these in maps). *pos_out receives item positions, parallel to *out. */
int mp_strv(mparse *p, const char *path, const ydoc_node *n, bool dedup, strv *out,
	    cordon_pos **pos_out);
/* environment: a map of names to scalars, kept in document order. */
int mp_env(mparse *p, const char *path, const ydoc_node *n, cordon_env_map *out);

/* manifest_ports.c */
int mp_ports(mparse *p, const ydoc_node *n, bool plugs);
int mp_system_users(mparse *p, const ydoc_node *n);
/* Create implicit ports and apply snapd's binding rule (after apps and hooks). */
int mp_bind_ports(mparse *p);
void mp_port_clear(cordon_port *port);
void mp_yaml_value_clear(cordon_yaml_value *v);

/* manifest_parse.c: the apps: section lives with the top level. */
void mp_env_clear(cordon_env_map *env);

/* ---- validation (manifest_validate*.c) ---- */

/* "<src>:<line>:<col>: <msg>"; a 0:0 position falls back to the document's. */
int mv_error(const cordon_manifest *m, cordon_pos pos, cordon_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline cordon_pos mv_pos(int line, int col)
{
	return (cordon_pos){line, col};
}

bool mv_valid_plug_slot_name(const char *s); /* also interface and hook names */
bool mv_valid_app_name(const char *s);
bool mv_valid_socket_name(const char *s); /* snapd's isValidName, no length limit */
bool mv_valid_alias(const char *s);
/* snapd's appContentWhitelist and commandChainContentWhitelist. */
bool mv_valid_command(const char *s);
bool mv_valid_command_chain(const char *s);

/* manifest_validate_app.c: every app, then before/after cycles. */
int mv_validate_apps(const cordon_manifest *m, cordon_error **err);
/* manifest_layout.c */
int mv_validate_layout(const cordon_manifest *m, cordon_error **err);
/* Go's path.Clean (lexical: "a//b/../c/" -> "a/c"). */
char *mv_clean_path(const char *path);

/* A name -> index lookup built by sorting, so hostile inputs with many names
 * cost O(n log n), not O(n^2). */
typedef struct name_ref {
	const char *name;
	size_t idx;
} name_ref;
void name_index_sort(name_ref *refs, size_t n);
/* The entry with that name and the smallest idx, or NULL. */
const name_ref *name_index_find(const name_ref *refs, size_t n, const char *name);

/* ---- timers and durations (manifest_timespec.c) ---- */

/* Go's time.ParseDuration. Returns false with *why set (caller frees) on error. */
bool cordon_parse_duration(const char *s, int64_t *ns, char **why);
/* snapd's timeutil.ParseSchedule (the v2 timer syntax). Same error contract. */
bool cordon_parse_schedule(const char *s, char **why);
