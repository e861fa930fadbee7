/* Running a helper program (apparmor_parser, mksquashfs, unsquashfs) and
 * waiting for it. */
#pragma once
#include "error.h"

#include <stdbool.h>

/* Run argv[0], found in PATH, with this environment, stdout on /dev/null when
 * mute_stdout, and wait for it. < 0: it could not be run or waited for (err
 * says which, naming `hint`, e.g. the package holding it). 0: it ran, and
 * *ok says whether it exited 0: the caller words its own failure. */
int cordon_run(const char *const argv[], bool mute_stdout, const char *hint, bool *ok,
	       cordon_error **err);
