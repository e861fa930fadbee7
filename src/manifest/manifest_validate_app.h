/* App rules (manifest_validate_app.c), a part of cordon_manifest_validate. */
#pragma once
#include "error.h"
#include "manifest.h"

/* Every app, as snapd's ValidateApp, then the before/after cycles. */
int mv_validate_apps(const cordon_manifest *m, cordon_error **err);
