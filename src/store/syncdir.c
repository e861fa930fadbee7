/* A directory of entries written from state (syncdir.h). */
#include "syncdir.h"
#include "fsutil.h"

#include <fcntl.h>

int cordon_syncdir_open(const char *dir, bool make, int *dfd, cordon_error **err)
{
	*dfd = -1;
	if (make) {
		int fd = fs_mkdir_p(dir, 0755, 0, 0, err);
		if (fd < 0)
			return fd;
		*dfd = fd;
		return 0;
	}
	int fd = fs_open_dir(dir, O_RDONLY, NULL);
	*dfd = fd < 0 ? -1 : fd;
	return 0;
}
