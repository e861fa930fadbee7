/* The seccomp rules of a snap with system-usernames. Such a snap keeps
 * CAP_SETUID, CAP_SETGID and CAP_CHOWN for a root caller (a root service
 * drops to its user), so the default template's unconditional setuid family
 * (between its "# @privilege-drop begin" and "# @privilege-drop end" lines)
 * would let it become anyone: it is cut out, and the argument-filtered rules
 * of data/seccomp/privilege-drop.txt, written for the snap's ids, take its
 * place. Pure text work; the compiler (compile.c) calls it. */
#pragma once
#include "error.h"

#include <stddef.h>
#include <stdint.h>

/* From the template: *tmpl_out, the same text with every line of the marked
 * section (marks included) emptied, so that messages keep their line
 * numbers. From privdrop (privilege-drop.txt's text): *rules_out, its rules
 * with ${uid} and ${gid} replaced by each of ids[0..n) in turn (a rule naming
 * neither is written once; comments once, as written). n >= 1. A template
 * without exactly one well-formed section, or an unknown ${...}, is an error:
 * compiling on would leave the unconditional rules beside the capabilities. */
int cordon_privdrop_apply(const char *tmpl, const char *privdrop, const uint32_t *ids, size_t n,
			  char **tmpl_out, char **rules_out, cordon_error **err);
