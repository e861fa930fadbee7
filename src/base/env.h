/* An ordered environment (NAME=value list) with $VAR / ${VAR} expansion.
 * Pure code; used by the launcher (step 1) and for launch-time path variables. */
#pragma once
#include "util.h"

typedef struct cordon_env {
	strv kv; /* "NAME=value", in order of first definition */
} cordon_env;

const char *cordon_env_get(const cordon_env *e, const char *name);
void cordon_env_set(cordon_env *e, const char *name, const char *value);
void cordon_env_unset(cordon_env *e, const char *name);
/* Expand $NAME and ${NAME} from e; unknown names expand to "" (as snapd's
 * os.Expand-based expansion does). "$$" is not special. */
char *cordon_env_expand(const cordon_env *e, const char *in);
void cordon_env_free(cordon_env *e);
static inline void cleanup_envp(cordon_env *e)
{
	cordon_env_free(e);
}
#define _cleanup_env_ __attribute__((cleanup(cleanup_envp)))
