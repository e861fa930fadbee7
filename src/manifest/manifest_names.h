/* The name rules of snap.yaml, as snapd's (snap/naming/validate.go,
 * snap/validate.go): what a snap, instance key, app, hook, plug, slot,
 * interface, socket and alias may be called, and the characters a command may
 * hold. Pure predicates on strings: the validators use them on a parsed
 * manifest, the rest of cordon on names a user types (`--name`, `snap_key`). */
#pragma once
#include <stdbool.h>

/* A snap name or an instance name "name_key" (what `--name` takes). */
bool cordon_valid_snap_name(const char *name);
/* A snap name proper, without instance key (what snap.yaml's name: takes). */
bool cordon_valid_store_name(const char *name);
bool cordon_valid_instance_key(const char *key);

bool mv_valid_plug_slot_name(const char *s); /* also interface and hook names */
bool mv_valid_app_name(const char *s);
bool mv_valid_socket_name(const char *s); /* snapd's isValidName, no length limit */
bool mv_valid_alias(const char *s);
/* snapd's appContentWhitelist and commandChainContentWhitelist. */
bool mv_valid_command(const char *s);
bool mv_valid_command_chain(const char *s);
