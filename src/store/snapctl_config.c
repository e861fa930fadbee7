/* snapctl's side of configuration (snapctl_config.h): to be wired to the
 * configuration API once it exists. */
#include "snapctl_config.h"

#include <errno.h>

static int not_yet(cordon_error **err)
{
	return cordon_err_msg(err, ENOTSUP, "configuration is not available yet");
}

int cordon_snapctl_get(cordon_ctx *ctx, const char *instance, size_t argc, char *const *argv,
		       buf *out, cordon_error **err)
{
	return not_yet(err);
}

int cordon_snapctl_set(cordon_ctx *ctx, const char *instance, size_t argc, char *const *argv,
		       buf *out, cordon_error **err)
{
	return not_yet(err);
}

int cordon_snapctl_unset(cordon_ctx *ctx, const char *instance, size_t argc, char *const *argv,
			 buf *out, cordon_error **err)
{
	return not_yet(err);
}
