/* `cordon run --learn`: what an access recorded during a learn run means
 * for the snap. Pure code, shared with `cordon debug denials`:
 *  - would the label's compiled policy (its file rules, its TCP rules, its
 *    seccomp program, run here by a classic-BPF interpreter) allow it?
 *  - which interfaces would, from their plug side in the catalogue
 *    (data/interfaces/, the rule language of interfaces/rules.h)? Only
 *    rules that need no attribute: an interface whose rules name
 *    ${plug:...} or ${slot:...} (personal-files, system-files, content, a
 *    device slot) is never proposed, its paths being the plug's to say. */
#pragma once
#include "catalog.h"
#include "env.h"
#include "policy.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

enum cordon_learn_kind {
	CORDON_LEARN_FILE,    /* path, access (LANDLOCK_ACCESS_FS_*) */
	CORDON_LEARN_SOCKET,  /* family, type, protocol */
	CORDON_LEARN_CONNECT, /* TCP: family, port */
	CORDON_LEARN_BIND,    /* TCP: family, port */
};

typedef struct cordon_learn_access {
	enum cordon_learn_kind kind;
	char *path;
	uint64_t access;
	int family, type, protocol, port;
} cordon_learn_access;

/* Does the policy's seccomp program allow this call (x86-64 ABI)? */
bool cordon_learn_seccomp_allows(const uint8_t *bpf, size_t len, int nr, const uint64_t args[6]);

/* Would the label's policy allow it? vars: the launch-time variables
 * (runtime's cordon_launch_rule_vars). */
bool cordon_learn_allowed(const cordon_policy *p, const cordon_env *vars,
			  const cordon_learn_access *a);

/* Would the plug side of `def` allow it, connected? */
bool cordon_learn_def_allows(const cordon_def *def, const cordon_env *vars,
			     const cordon_learn_access *a);

/* The fewest interfaces (greedy: most accesses first, then by name) whose
 * plugs allow the accesses: names into `plugs` (sorted), and the indices
 * of accesses no interface allows into `none`. */
void cordon_learn_suggest(const cordon_catalog *c, const cordon_env *vars,
			  const cordon_learn_access *acc, size_t n, strv *plugs, size_t *none,
			  size_t *n_none);

/* "read /media/x", "connect TCP port 80 (AF_INET)", "socket AF_INET stream" */
char *cordon_learn_describe(const cordon_learn_access *a);

/* AF_ name of a family, or NULL; and back (-1: unknown) */
const char *cordon_learn_family_name(int family);
int cordon_learn_family_parse(const char *name);
