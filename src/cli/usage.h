/* Each command's help, as snap's `snap help CMD` / `snap CMD --help` print
 * it: the synopsis, what the command does, its options (pure). */
#pragma once
#include <stdbool.h>

typedef struct cli_usage {
	const char *name;
	const char *synopsis;	 /* after "cordon " */
	const char *summary;	 /* one line, for `cordon help` */
	const char *description; /* paragraphs, each line ending in \n */
	const char *options;	 /* "  --opt  text\n" lines, or NULL */
} cli_usage;

/* The entry of a command, or NULL. */
const cli_usage *cli_usage_find(const char *name);

/* Whether the arguments of a command (argv[0] the command's name) ask for
 * its help: -h or --help among its options. Options end at "--", and
 * run's at the app's name (what follows is the app's, --help included). */
bool cli_usage_asked(int argc, char *const *argv);

/* The text `cordon help NAME` prints (malloc'd). A command without an
 * entry (none today; a command added without one) shows FALLBACK, its
 * synopsis from the command table. */
char *cli_usage_format(const char *name, const char *fallback);
