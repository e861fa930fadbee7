/* `cordon run --learn`'s report: the snap.yaml change that adds plugs to
 * an app, as a unified diff against the snap's meta/snap.yaml text. Pure
 * text work on the file as its author wrote it (comments and layout kept):
 * the app's `plugs:` in flow (`[a, b]`) or block (`- a`) form is extended,
 * or a `plugs: [...]` line is added under the app. */
#pragma once
#include "util.h"

/* `want`: the interfaces to plug (sorted). Those the app plugs already go
 * to `plugged` (they need `cordon connect`, not an edit); the diff adds
 * the rest (*diff NULL when nothing is to add). Returns -1 when the text
 * has no recognisable `apps:` entry for the app. */
int learn_yaml_diff(const char *yaml, const char *app, const strv *want, strv *plugged,
		    char **diff);
