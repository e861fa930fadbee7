/* `cordon set` and `unset` (configure.h). */
#include "configure.h"
#include "hooks.h"

int cordon_snapconf_configure_hook(cordon_ctx *ctx, cordon_snapconf *c, cordon_error **err)
{
	/* the snap's configure hook (absent: nothing runs), whose failure
	 * refuses the change */
	cordon_hook_opts o = {.conf = c};
	return cordon_hook_run_with(ctx, c->snap, "configure", &o, err);
}

int cordon_store_configure(cordon_ctx *ctx, const char *snap, const cordon_conf_patches *p,
			   cordon_error **err)
{
	cordon_snapconf c;
	int r = cordon_snapconf_begin(ctx, snap, &c, err);
	if (r < 0)
		return r;
	r = cordon_snapconf_patch(&c, p, err);
	if (r == 0)
		r = cordon_snapconf_configure_hook(ctx, &c, err);
	if (r == 0)
		r = cordon_snapconf_commit(ctx, &c, err);
	cordon_snapconf_end(&c);
	return r;
}
