/* Putting compiled policy in place (the compiler computes, this writes). */
#pragma once
#include "compile.h"
#include "context.h"

/* Write each label's policy file and AppArmor profile (NULL: the profile
 * file is removed), atomically; load the profiles where the kernel has
 * AppArmor. */
int cordon_apply_labels(cordon_ctx *ctx, const cordon_compiled *c, size_t n, cordon_error **err);

/* Remove the files of the snap's labels not in `keep` (NULL: all of them). */
int cordon_apply_remove_labels(cordon_ctx *ctx, const char *instance, const strv *keep,
			       cordon_error **err);

/* What the snap's content mounts need: each source a real directory of the
 * slot snap (a `write` one under its $SNAP_DATA or $SNAP_COMMON made when
 * missing, as snapd does), each mount point a real directory (made when
 * under the snap's own writable directories). Never through a symlink. */
int cordon_apply_mount_dirs(const cordon_loaded_snap *snap, const cordon_content_mount *m, size_t n,
			    cordon_error **err);
