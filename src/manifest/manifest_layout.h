/* Layout rules (manifest_layout.c), and the lexical path cleaning they and the
 * socket rules share. */
#pragma once
#include "error.h"
#include "manifest.h"

/* snapd's ValidateLayoutAll: every layout, then how they sit on each other. */
int mv_validate_layout(const cordon_manifest *m, cordon_error **err);
/* Go's path.Clean (lexical: "a//b/../c/" -> "a/c"). Caller frees. */
char *mv_clean_path(const char *path);
