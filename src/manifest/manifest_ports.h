/* The parser's plugs:, slots: and system-usernames: sections, and snapd's rule
 * binding ports to apps and hooks (manifest_ports.c), which manifest_parse.c
 * calls once apps and hooks are parsed: binding needs all of them. */
#pragma once
#include "manifest.h"
#include "yaml_doc.h"
#include "yaml_read.h"

#include <stdbool.h>

/* The top-level plugs: (plugs true) or slots: section, into m's declared ports. */
int mp_ports(const yread *in, cordon_manifest *m, const ydoc_node *n, bool plugs);
int mp_system_users(const yread *in, cordon_manifest *m, const ydoc_node *n);
/* Drop the hooks snapd ignores, create implicit ports and apply snapd's
 * binding rule (after apps and hooks are parsed). */
int mp_bind_ports(const yread *in, cordon_manifest *m);
