/* cordon: install snaps and run their apps confined. */
#include "cli.h"
#include "config.h"
#include "recovery.h"
#include "store.h"
#include "table.h"
#include "usage.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *help;
} commands[] = {
    {"install", cmd_install,
     "install [--dangerous] [--devmode|--classic] [--name INSTANCE] PATH..."},
    {"remove", cmd_remove, "remove [--purge] NAME..."},
    {"revert", cmd_revert, "revert [--revision=REV] NAME"},
    {"list", cmd_list, "list [--all]"},
    {"info", cmd_info, "info [--verbose] NAME"},
    {"run", cmd_run,
     "run [--pty] [--shell | --command=NAME] [--strace[=OPTS] | --learn] SNAP.APP [ARGS...]"},
    {"validate", cmd_validate, "validate PATH"},
    {"pack", cmd_pack, "pack DIR [TARGET-DIR]"},
    {"connections", cmd_connections, "connections [SNAP] [--all]"},
    {"connect", cmd_connect, "connect SNAP:PLUG [SNAP[:SLOT]]"},
    {"disconnect", cmd_disconnect, "disconnect SNAP:PLUG [SNAP:SLOT] [--forget]"},
    {"interfaces", cmd_interfaces, "interfaces [SNAP]"},
    {"interface", cmd_interface, "interface [--all] [NAME]"},
    {"services", cmd_services, "services [SNAP[.APP]...]"},
    {"start", cmd_start, "start [--enable] SNAP[.APP]..."},
    {"stop", cmd_stop, "stop [--disable] SNAP[.APP]..."},
    {"restart", cmd_restart, "restart [--reload] SNAP[.APP]..."},
    {"logs", cmd_logs, "logs [-n N|all] [-f] [--abs-time] SNAP[.APP]..."},
    {"debug", cmd_debug, "debug confinement | sandbox-features | denials"},
    {"alias", cmd_alias, "alias SNAP.APP ALIAS"},
    {"unalias", cmd_unalias, "unalias ALIAS|SNAP"},
    {"aliases", cmd_aliases, "aliases [SNAP]"},
    {"get", cmd_get, "get [-d|-l|-t] SNAP [KEY...]"},
    {"set", cmd_set, "set [-t|-s] SNAP KEY=VALUE... [KEY!...]"},
    {"unset", cmd_unset, "unset SNAP KEY..."},
    /* hidden (no help): the snapctl broker, which the launcher starts */
    {"snapctl-daemon", cmd_snapctl_daemon, NULL},
    /* hidden: what the bash completion (data/completion/cordon) offers */
    {"complete", cmd_complete, NULL},
};

void cli_out(const char *s)
{
	fputs(s, stdout);
}

void cli_print_table(const table *t)
{
	_cleanup_buf_ buf out = {0};
	table_render(t, &out);
	cli_out(out.p ? out.p : "");
}

void cli_close(cordon_ctx *ctx)
{
	for (size_t i = 0; i < ctx->warnings.n; i++)
		fprintf(stderr, "Warning: %s\n", ctx->warnings.v[i]);
	cordon_ctx_close(ctx);
}

int cli_open(cordon_ctx *ctx, bool writable, const char *what, cordon_error **err)
{
	/* a context that could not open is still safe to close */
	memset(ctx, 0, sizeof *ctx);
	ctx->lock_fd = -1;
	if (writable && geteuid() != 0)
		return cordon_err_msg(err, EPERM, "cordon %s requires root (try with sudo)", what);
	const char *root = getenv("CORDON_ROOT");
	const char *datadir = getenv("CORDON_DATADIR");
	root = root && root[0] ? root : CORDON_SYSTEM_ROOT[0] ? CORDON_SYSTEM_ROOT : NULL;
	int r = cordon_store_open(ctx, root, datadir, writable, err);
	ctx->hook_out_fd = STDOUT_FILENO; /* what hooks print is the command's output */
	if (r < 0 && !writable && geteuid() == 0) {
		/* A database a killed first install left half-created (no
		 * schema yet, or a hot journal) cannot be read until a writer
		 * has opened it: root's read-only command is that writer,
		 * under the lock, as for any recovery. */
		cordon_error_free(err);
		cordon_ctx_close(ctx);
		r = cordon_store_open(ctx, root, datadir, true, err);
		if (r < 0)
			return r;
		cli_close(ctx);
		r = cordon_store_open(ctx, root, datadir, false, err);
		ctx->hook_out_fd = STDOUT_FILENO;
	}
	if (r < 0 || writable || geteuid() != 0 || ctx->state == NULL)
		return r;
	/* "The next command finishes or rolls back": a read-only command run
	 * by root after an interrupted one does the recovery first (waiting
	 * for the lock if the operation is in fact still running). */
	bool needed = false;
	r = cordon_store_needs_recovery(ctx, &needed, err);
	if (r < 0 || !needed)
		return r;
	cordon_ctx_close(ctx);
	r = cordon_store_open(ctx, root, datadir, true, err);
	if (r < 0)
		return r;
	cli_close(ctx);
	return cordon_store_open(ctx, root, datadir, false, err);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: cordon COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (commands[i].help == NULL)
			continue;
		const cli_usage *u = cli_usage_find(commands[i].name);
		fprintf(f, "  %-12s %s\n", commands[i].name, u ? u->summary : commands[i].help);
	}
	const char *own[] = {"help", "version"};
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		fprintf(f, "  %-12s %s\n", own[i], cli_usage_find(own[i])->summary);
	fprintf(f, "\nFor more information about a command, run 'cordon help COMMAND'.\n");
}

/* `cordon help [CMD]`, `cordon CMD --help`: snap's help goes to stdout */
static int help(const char *name)
{
	if (name == NULL) {
		usage(stdout);
		return 0;
	}
	const char *synopsis = NULL;
	bool known = strcmp(name, "help") == 0 || strcmp(name, "version") == 0;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].help && strcmp(name, commands[i].name) == 0) {
			known = true;
			synopsis = commands[i].help;
		}
	if (!known) {
		fprintf(stderr, "error: unknown command \"%s\", see 'cordon help'.\n", name);
		return 1;
	}
	_cleanup_free_ char *text = cli_usage_format(name, synopsis);
	fputs(text, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return help(NULL);
	if (strcmp(argv[1], "help") == 0) {
		if (argc > 3) {
			fprintf(stderr, "error: too many arguments for command\n");
			return 1;
		}
		if (argc == 3 && cli_usage_asked(argc - 1, argv + 1))
			return help("help");
		return help(argc == 3 ? argv[2] : NULL);
	}
	if (cli_usage_asked(argc - 1, argv + 1))
		return help(argv[1]);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("cordon %s\n", CORDON_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		cordon_error *err = NULL;
		int r = commands[i].fn(argc - 1, argv + 1, &err);
		fflush(stdout);
		if (r < 0) {
			fprintf(stderr, "error: %s\n", err ? err->msg : strerror(-r));
			cordon_error_free(&err);
			return 1;
		}
		return r;
	}
	fprintf(stderr, "error: unknown command \"%s\", see 'cordon help'\n", argv[1]);
	return 1;
}
