/* The cordon command line: one function per subcommand. Each returns an exit
 * status (>= 0) or a negative errno with *err set; only main() prints errors. */
#pragma once
#include "context.h"
#include "error.h"

typedef int (*cli_cmd_fn)(int argc, char **argv, cordon_error **err);

int cmd_install(int argc, char **argv, cordon_error **err);
int cmd_remove(int argc, char **argv, cordon_error **err);
int cmd_revert(int argc, char **argv, cordon_error **err);
int cmd_list(int argc, char **argv, cordon_error **err);
int cmd_info(int argc, char **argv, cordon_error **err);
int cmd_validate(int argc, char **argv, cordon_error **err);
int cmd_pack(int argc, char **argv, cordon_error **err);
int cmd_run(int argc, char **argv, cordon_error **err);
int cmd_debug(int argc, char **argv, cordon_error **err);
/* cmd_denials.c: `debug denials` */
int cmd_debug_denials(int argc, char **argv, cordon_error **err);
int cmd_connections(int argc, char **argv, cordon_error **err);
int cmd_connect(int argc, char **argv, cordon_error **err);
int cmd_disconnect(int argc, char **argv, cordon_error **err);
int cmd_interfaces(int argc, char **argv, cordon_error **err);
int cmd_interface(int argc, char **argv, cordon_error **err);
/* cmd_config.c */
int cmd_get(int argc, char **argv, cordon_error **err);
int cmd_set(int argc, char **argv, cordon_error **err);
int cmd_unset(int argc, char **argv, cordon_error **err);
int cmd_services(int argc, char **argv, cordon_error **err);
int cmd_start(int argc, char **argv, cordon_error **err);
int cmd_stop(int argc, char **argv, cordon_error **err);
int cmd_restart(int argc, char **argv, cordon_error **err);
int cmd_logs(int argc, char **argv, cordon_error **err);
/* cmd_aliases.c */
int cmd_alias(int argc, char **argv, cordon_error **err);
int cmd_unalias(int argc, char **argv, cordon_error **err);
int cmd_aliases(int argc, char **argv, cordon_error **err);
int cmd_snapctl_daemon(int argc, char **argv, cordon_error **err);
/* cmd_complete.c: the names the bash completion offers */
int cmd_complete(int argc, char **argv, cordon_error **err);

/* Open the context: root prefix from CORDON_ROOT, data from CORDON_DATADIR.
 * writable contexts require root. `what` names the command for messages. */
int cli_open(cordon_ctx *ctx, bool writable, const char *what, cordon_error **err);

/* Close it, first telling the user what it left to the next command
 * (ctx->warnings). */
void cli_close(cordon_ctx *ctx);

/* Write all of s to stdout. */
void cli_out(const char *s);

/* Render a table (table.h) to stdout. */
struct table;
void cli_print_table(const struct table *t);
