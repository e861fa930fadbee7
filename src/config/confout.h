/* What `snap get` prints, for `cordon get`: the daemon's answer
 * (daemon/api_snap_conf.go, getSnapConf) printed as cmd/snapd/cli/cmd_get.go
 * prints it. Pure code.
 *
 *   - one key whose value is not an object: the value; a string bare unless
 *     -t, anything else as JSON;
 *   - several keys, an object, or no key (the whole document): on a
 *     terminal the `Key  Value` table (nested objects shown one level down,
 *     deeper ones and, for the whole document, every object as `{...}`);
 *     elsewhere the JSON, with a warning on stderr (snap's transition to
 *     the table);
 *   - -d: the JSON of {key: value...} (or the document), tab-indented,
 *     keys sorted; -l: the table.
 *
 * The table is Go's text/tabwriter as snap sets it up, so a value with a
 * tab or a newline breaks the columns exactly as it does for snap. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct cordon_conf_get_opts {
	bool document; /* -d */
	bool list;     /* -l */
	bool typed;    /* -t */
	bool tty;      /* stdout is a terminal */
} cordon_conf_get_opts;

/* snap get SNAP KEYS... of SNAP's document DOC (JSON text; NULL when it has
 * none): stdout's text appended to OUT, stderr's in *warning (or NULL).
 * snapd's errors: `cannot use -d and -t together`, `snap "s" has no "k"
 * configuration option`, `snap "s" has no configuration`, `invalid option
 * name: "K"`. */
int cordon_conf_get_output(const char *snap, const char *doc, char *const *keys, size_t n,
			   const cordon_conf_get_opts *o, buf *out, char **warning,
			   cordon_error **err);

/* Go's text/tabwriter.NewWriter(w, 5, 3, 2, ' ', 0) (snap's tabWriter())
 * over TEXT, flushed at the end, appended to OUT. */
void cordon_conf_tabwrite(const char *text, size_t len, buf *out);
