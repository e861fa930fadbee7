/* cordon pack DIR [TARGET-DIR]: validate, then build <name>_<version>_<arch>.snap
 * with mksquashfs, as `snap pack` does. */
#pragma once
#include "error.h"
#include "manifest.h"

/* Pure: the file name snap pack gives a package. */
char *cordon_pack_filename(const cordon_manifest *m, const char *host_arch);

int cordon_pack(const char *dir, const char *target_dir, char **out_path, cordon_error **err);
