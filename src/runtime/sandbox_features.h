/* `cordon debug sandbox-features`: what this host's kernel gives cordon,
 * in snapd's format (`snap debug sandbox-features`): one line per
 * mechanism, backends sorted, `name:` padded to one column, then its
 * features separated by blanks; `--required BACKEND:FEATURE` checks one.
 *
 * Pure: computed from a detected cordon_hostinfo (hostinfo.h), so every
 * kernel can be described in a unit test. */
#pragma once
#include "hostinfo.h"
#include "util.h"

#include <stdbool.h>

/* The backends (sorted) and, at the same index, each one's features as one
 * blank-separated string. A mechanism the kernel lacks has no line (snapd
 * leaves out apparmor where it is absent). */
void cordon_sandbox_features(const cordon_hostinfo *h, strv *backends, strv *features);

/* The lines as snapd's tab writer aligns them: "name:" padded with blanks
 * to the longest name's width plus 2 (and at least 5). */
void cordon_sandbox_features_format(const strv *backends, const strv *features, strv *lines);

/* Whether "BACKEND:FEATURE" is among them (a feature may itself hold a
 * colon: "seccomp:kernel:errno"). */
bool cordon_sandbox_features_has(const strv *backends, const strv *features, const char *req);
