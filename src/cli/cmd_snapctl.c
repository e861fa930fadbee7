/* snapctl-daemon: the snapctl broker (store/snapctl_serve.h). A hidden
 * command: the launcher starts it (runtime/snapctl_spawn.h); root may also
 * run it by hand. */
#include "cli.h"
#include "config.h"
#include "snapctl_serve.h"
#include "snapctl_spawn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cmd_snapctl_daemon(int argc, char **argv, cordon_error **err)
{
	bool inherited = argc == 2 && strcmp(argv[1], CORDON_SNAPCTL_INHERITED_ARG) == 0;
	if (argc > 2 || (argc == 2 && !inherited))
		return cordon_err_msg(err, EINVAL, "usage: cordon snapctl-daemon");
	const char *root = getenv("CORDON_ROOT");
	root = root && root[0] ? root : CORDON_SYSTEM_ROOT[0] ? CORDON_SYSTEM_ROOT : NULL;
	return cordon_snapctl_serve(root, inherited, err);
}
