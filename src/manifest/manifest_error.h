/* Errors about a parsed manifest, pointing into the snap.yaml it came from.
 * Every validator reports through this one function, so their messages all
 * read "<source_name>:<line>:<col>: <msg>", as the parser's do. */
#pragma once
#include "error.h"
#include "manifest.h"

/* "<src>:<line>:<col>: <msg>"; a 0:0 position (the thing is absent) falls
 * back to where the document starts. Returns -EINVAL. */
int mv_error(const cordon_manifest *m, cordon_pos pos, cordon_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
