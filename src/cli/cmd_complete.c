/* complete: the names the bash completion (data/completion/cordon) offers,
 * one a line, read from state as `list` and `interface --all` read them: no
 * output parsing in the script, and a read-only open, as any user may. */
#include "cli.h"
#include "definitions.h"
#include "manifest.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define COMPLETE_USAGE "usage: cordon complete snaps|apps|interfaces"

/* snap.app, and the snap's own name for the app named like it (cmd_run.c
 * runs `cordon run foo_x` as foo_x.foo) */
static void print_apps(const cordon_snap_row *s, const cordon_manifest *m)
{
	for (size_t i = 0; i < m->n_apps; i++) {
		if (strcmp(m->apps[i].name, m->name) == 0)
			printf("%s\n", s->name);
		printf("%s.%s\n", s->name, m->apps[i].name);
	}
}

int cmd_complete(int argc, char **argv, cordon_error **err)
{
	if (argc != 2)
		return cordon_err_msg(err, EINVAL, COMPLETE_USAGE);
	bool snaps = strcmp(argv[1], "snaps") == 0, apps = strcmp(argv[1], "apps") == 0;
	bool ifaces = strcmp(argv[1], "interfaces") == 0;
	if (!snaps && !apps && !ifaces)
		return cordon_err_msg(err, EINVAL, COMPLETE_USAGE);
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "complete", err);
	if (r == 0 && ifaces) {
		const cordon_catalog *cat = NULL;
		r = cordon_ctx_catalog(&ctx, &cat, err);
		for (size_t i = 0; r == 0 && i < cat->n; i++)
			printf("%s\n", cat->defs[i]->name);
	}
	cordon_snap_row *rows = NULL;
	size_t n = 0;
	if (r == 0 && !ifaces && ctx.state)
		r = cordon_state_list_snaps(ctx.state, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (snaps) {
			printf("%s\n", rows[i].name);
			continue;
		}
		const cordon_loaded_snap *ls = NULL;
		r = cordon_ctx_snap(&ctx, rows[i].name, &ls, err);
		if (r == 0)
			print_apps(&rows[i], ls->m);
	}
	cordon_snap_rows_free(rows, n);
	cli_close(&ctx);
	return r;
}
