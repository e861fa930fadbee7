/* cordon's rule language, shared by the default policy and every interface
 * definition (data/policy/default.yaml, data/interfaces/NAME.yaml). Pure code.
 *
 *   file rule     "<rights> <path>"   rights from r w x c i (landlock_defs.h),
 *                                     path absolute or starting with a variable
 *   device rule   "c 1:3" "c 136:*" "b 8:*" or a node glob "/dev/ttyUSB[0-9]*"
 *   network       "tcp-connect" "tcp-bind"
 *   capability    "net_admin", "sys_time", ... (CAP_ names, lower case)
 *
 * Variables: compile-time ones ($SNAP, $SNAP_DATA, $SNAP_COMMON, $SNAP_NAME,
 * $SNAP_INSTANCE_NAME, $SNAP_REVISION, and attribute references
 * ${plug:NAME} / ${slot:NAME} / ${slot:SNAP}) are substituted by the compiler;
 * launch-time ones ($HOME, $SNAP_USER_DATA, $SNAP_USER_COMMON,
 * $XDG_RUNTIME_DIR, $SNAP_REAL_HOME) are kept for the launcher. */
#pragma once
#include "error.h"
#include "policy.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

/* Launch-time variables the launcher knows. */
bool cordon_rule_is_launch_var(const char *name, size_t len);

int cordon_rule_parse_rights(const char *s, size_t len, uint64_t *access);
int cordon_rule_parse_file(const char *line, char **path, uint64_t *access, uint32_t *flags,
			   cordon_error **err);
int cordon_rule_parse_device(const char *line, cordon_dev_rule *out, cordon_error **err);
int cordon_rule_parse_network(const char *word, uint64_t *net_allowed, cordon_error **err);
int cordon_rule_parse_capability(const char *name, int *cap, cordon_error **err);
const char *cordon_capability_name(int cap);

/* Substitution of compile-time variables. lookup returns the value of a
 * variable, or NULL if it is unknown (an error) — launch-time variables are
 * left in place without asking. A value that is a list (attributes) is given
 * as several results: the rule is then expanded once per element. */
typedef int (*cordon_var_lookup)(void *ctx, const char *name, strv *values);
int cordon_rule_subst(const char *in, cordon_var_lookup lookup, void *ctx, strv *out,
		      cordon_error **err);
