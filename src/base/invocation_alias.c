/* An alias's entry, read (invocation_alias.h). */
#include "invocation_alias.h"
#include "fsutil.h"
#include "invocation.h"
#include "util.h"

#include <errno.h>
#include <string.h>

/* snapd's ValidAlias ([a-zA-Z0-9][-_.a-zA-Z0-9]*), bounded: no other name
 * is looked up at all. */
bool cordon_invocation_alias_shaped(const char *s)
{
	size_t n = 0;
	for (const char *c = s; *c; c++, n++) {
		bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9');
		if (!alnum && (n == 0 || (*c != '-' && *c != '_' && *c != '.')))
			return false;
	}
	return n > 0 && n <= CORDON_INVOCATION_NAME_MAX;
}

int cordon_invocation_alias(const char *snap_bin, const char *name, char **target,
			    cordon_error **err)
{
	*target = NULL;
	if (!cordon_invocation_alias_shaped(name))
		return 0;
	cordon_error *open_err = NULL;
	_cleanup_close_ int dfd = fs_open_dir_root_owned(snap_bin, &open_err);
	if (dfd == -ENOENT) {
		cordon_error_free(&open_err);
		return 0; /* no entry of anyone's */
	}
	if (dfd < 0) {
		*err = open_err;
		return dfd;
	}
	_cleanup_free_ char *link = fs_readlink_at(dfd, name);
	/* an app's entry points at the launcher by its absolute path */
	if (link == NULL || link[0] == '/' || strchr(link, '/') != NULL)
		return 0;
	*target = steal_ptr(link);
	return 0;
}
