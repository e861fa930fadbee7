/* A directory of entries the store writes from state (unit files, /snap/bin
 * links, desktop files), opened to bring it to what state says. */
#pragma once
#include "error.h"

#include <stdbool.h>

/* make: something is to be written there, so the directory is made (root
 * 0755, fs_mkdir_p) if missing. Otherwise it is only opened if it exists:
 * *dfd -1 and 0 returned when it does not (nothing of anyone's to remove). */
int cordon_syncdir_open(const char *dir, bool make, int *dfd, cordon_error **err);
