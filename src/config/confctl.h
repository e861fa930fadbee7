/* snapctl's side of a snap's configuration and of interface attributes, as
 * snapd's overlord/hookstate/ctlcmd (get.go, set.go) prints and changes
 * them. Pure code: the store hands in the values and documents. */
#pragma once
#include "error.h"
#include "manifest.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* `snapctl get`'s output (printPatch) for KEYS, each with its value as
 * compact JSON text or NULL when it has none (left out): with one key and
 * no -d, that value alone (a string bare unless typed, none as an empty
 * line, or "null" when typed); otherwise the object {key: value...}, as
 * Go's json.MarshalIndent with a tab. Appended to OUT. */
void cordon_conf_snapctl_print(char *const *keys, char *const *values, size_t n, bool document,
			       bool typed, buf *out);

/* A plug's or slot's attributes from snap.yaml as a JSON object (compact
 * text): what snapd's "static" attributes are. */
char *cordon_conf_attrs_json(const cordon_attr *attrs, size_t n);

/* snapd's getAttribute: KEY (dotted) in the static attributes, else in the
 * dynamic ones (JSON objects as text; NULL: none), its value as compact JSON
 * into *json. -ENOENT `snap "s" has no "a.b" attribute`, -EINVAL `invalid
 * option name: ...` or `snap "s" attribute "a" is not a map`. */
int cordon_conf_attr_get(const char *snap, const char *static_attrs, const char *dynamic_attrs,
			 const char *key, char **json, cordon_error **err);

/* snapd's setInterfaceAttribute: KEY set to VALUE (JSON text) in the dynamic
 * attributes (*dynamic: a JSON object as text or NULL; replaced), refused
 * with `attribute "k" cannot be overwritten` when the key's first segment is
 * a static attribute. Limits as for configuration (confdoc.h). */
int cordon_conf_attr_set(const char *snap, const char *static_attrs, char **dynamic,
			 const char *key, const char *value, cordon_error **err);
