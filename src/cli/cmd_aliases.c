/* alias, unalias, aliases: as snap prints them (cmd/snap/cmd_alias.go,
 * cmd_unalias.go, cmd_aliases.go). */
#include "alias_change.h"
#include "cli.h"
#include "table.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* snap's showAliasChanges: "Added:" / "Removed:", then "  - SNAP.APP as
 * ALIAS" each (a tabwriter's empty first cell, two wide). */
static void print_changes(const char *label, const strv *v)
{
	if (v->n == 0)
		return;
	printf("%s:\n", label);
	for (size_t i = 0; i + 2 < v->n; i += 3) {
		_cleanup_free_ char *cmd = cordon_alias_join(v->v[i], v->v[i + 1]);
		printf("  - %s as %s\n", cmd, v->v[i + 2]);
	}
}

static int finish(cordon_ctx *ctx, int r, cordon_alias_change *c)
{
	cli_close(ctx);
	if (r == 0) {
		print_changes("Added", &c->added);
		print_changes("Removed", &c->removed);
	}
	cordon_alias_change_free(c);
	return r;
}

int cmd_alias(int argc, char **argv, cordon_error **err)
{
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return cordon_err_msg(err, EINVAL, "usage: cordon alias SNAP.APP ALIAS");
	cordon_ctx ctx;
	int r = cli_open(&ctx, true, "alias", err);
	if (r < 0)
		return r;
	cordon_alias_change c = {0};
	return finish(&ctx, cordon_store_alias(&ctx, argv[1], argv[2], &c, err), &c);
}

int cmd_unalias(int argc, char **argv, cordon_error **err)
{
	if (argc != 2 || argv[1][0] == '-')
		return cordon_err_msg(err, EINVAL, "usage: cordon unalias ALIAS|SNAP");
	cordon_ctx ctx;
	int r = cli_open(&ctx, true, "unalias", err);
	if (r < 0)
		return r;
	cordon_alias_change c = {0};
	return finish(&ctx, cordon_store_unalias(&ctx, argv[1], &c, err), &c);
}

int cmd_aliases(int argc, char **argv, cordon_error **err)
{
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return cordon_err_msg(err, EINVAL, "usage: cordon aliases [SNAP]");
	const char *snap = argc == 2 ? argv[1] : NULL;
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "aliases", err);
	if (r < 0)
		return r;
	cordon_alias_row *rows = NULL;
	size_t n = 0;
	r = ctx.state ? cordon_state_list_aliases(ctx.state, snap, &rows, &n, err) : 0;
	cli_close(&ctx);
	if (r < 0)
		return r;
	if (n == 0) {
		if (snap)
			fprintf(stderr, "No aliases are currently defined for snap \"%s\".\n",
				snap);
		else
			fprintf(stderr, "No aliases are currently defined.\n");
		fprintf(stderr,
			"\nUse 'cordon help alias' to learn how to create aliases manually.\n");
		return 0;
	}
	/* sorted as snap sorts: snap, command (SNAP.APP, or SNAP alone for
	 * the app named after it), alias */
	_cleanup_strv_ strv cmds = {0};
	for (size_t i = 0; i < n; i++)
		strv_push_own(&cmds, cordon_alias_join(rows[i].snap, rows[i].app));
	size_t *order = xcalloc(n, sizeof *order);
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		for (; j > 0; j--) {
			size_t o = order[j - 1];
			int c = strcmp(rows[o].snap, rows[i].snap);
			if (c == 0)
				c = strcmp(cmds.v[o], cmds.v[i]);
			if (c == 0)
				c = strcmp(rows[o].alias, rows[i].alias);
			if (c <= 0)
				break;
			order[j] = o;
		}
		order[j] = i;
	}
	table t;
	table_init(&t, 3);
	table_add(&t, (const char *const[]){"Command", "Alias", "Notes"});
	for (size_t k = 0; k < n; k++)
		table_add(&t,
			  (const char *const[]){cmds.v[order[k]], rows[order[k]].alias, "manual"});
	free(order);
	cli_print_table(&t);
	table_free(&t);
	cordon_alias_rows_free(rows, n);
	return 0;
}
