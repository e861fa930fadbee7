#include "connections.h"
#include <stdlib.h>

/* Interfaces land with the interfaces work; until then a snap has no
 * connections and nothing is auto-connected. */
int cordon_connections_on_install(cordon_ctx *ctx, const char *instance, bool refresh,
				  cordon_error **err)
{
	(void)ctx;
	(void)instance;
	(void)refresh;
	(void)err;
	return 0;
}

int cordon_connections_on_remove(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	(void)ctx;
	(void)instance;
	(void)err;
	return 0;
}

int cordon_connections_grants(cordon_ctx *ctx, const cordon_manifest *m, const char *instance,
			      const char *app, const char *hook, cordon_grant_use **uses,
			      size_t *n, cordon_error **err)
{
	(void)ctx;
	(void)m;
	(void)instance;
	(void)app;
	(void)hook;
	(void)err;
	*uses = NULL;
	*n = 0;
	return 0;
}

void cordon_grant_uses_free(cordon_grant_use *uses, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(uses[i].origin);
		free(uses[i].owned);
	}
	free(uses);
}

int cordon_connections_mounts(cordon_ctx *ctx, const cordon_manifest *m, const char *instance,
			      const char *mount_dir, strv *out, cordon_error **err)
{
	(void)ctx;
	(void)m;
	(void)instance;
	(void)mount_dir;
	(void)out;
	(void)err;
	return 0;
}
