/* A snap's desktop file, sanitized as snapd's (wrappers/desktop.go) before
 * it is installed where the desktop reads it (desktop.h). What the snap
 * ships is its author's to write, and the desktop runs what the file says
 * outside any sandbox: only the keys snapd allows are kept, Exec= names the
 * app's /snap/bin entry (a launch through the launcher, into the app's
 * sandbox), Icon= stays inside the snap. Pure: unit-tested. */
#pragma once
#include "manifest.h"
#include "util.h"

typedef struct cordon_desktop_ctx {
	const char *instance; /* foo_key */
	const cordon_manifest *m;
	const char *file;     /* the file's name in meta/gui, e.g. app.desktop */
	const char *snap_bin; /* <root>/snap/bin */
	const char *snap_dir; /* <root>/snap/<instance>/current: ${SNAP} */
} cordon_desktop_ctx;

/* Is `name` a desktop file of meta/gui cordon installs:
 * [A-Za-z0-9.-]+ ending ".desktop" (no '_': the installed name
 * <instance>_<name> names its snap by its last '_')? */
bool cordon_desktop_name_ok(const char *name);

/* The sanitized text (malloc'd) of the file's `text` (len bytes):
 *   - lines kept: blank lines, comments, group headers [Desktop Entry],
 *     [Desktop Action ID] and snapd's shortcut groups, and the keys of
 *     snapd's allowlist (Name[locale]=, Exec=, Icon=... ), each key once
 *     per group; every other line, a line before the first group, and
 *     text that is not UTF-8 or holds a control character, dropped;
 *   - Exec= names one of the snap's apps (SNAP.APP, or SNAP for the app
 *     named after it, as snapd's entries) and becomes
 *     Exec=<snap_bin>/<entry> with its arguments only when each is a field
 *     code (%f %F %u %U %i %c %k) or a plain word ([A-Za-z0-9_=,.:/@+-]),
 *     never anything a shell or the spec's quoting would read; a daemon's is
 *     Exec=/usr/bin/false; an unknown command is the app the file is named
 *     after (snapd), else the line is dropped;
 *   - Icon= a path only as ${SNAP}/... in canonical form (no "..", "." or
 *     "//"), an icon name "snap.<snap>.x" renamed "snap.<instance>.x",
 *     another "snap." name dropped;
 *   - ${SNAP} becomes snap_dir; X-SnapInstanceName= follows [Desktop Entry]
 *     and X-SnapAppName= precedes each Exec=. */
char *cordon_desktop_sanitize(const cordon_desktop_ctx *c, const char *text, size_t len);
