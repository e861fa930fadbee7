/* get, set, unset: a snap's configuration, as snap's commands
 * (cmd/snapd/cli/cmd_get.go, cmd_set.go, cmd_unset.go). */
#include "cli.h"
#include "confdoc.h"
#include "confout.h"
#include "configure.h"
#include "snapconf.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Options anywhere, short ones grouped ("-dl"), "--" ending them, as
 * go-flags reads them: each letter of FLAGS sets its bool in SET (same
 * order); the rest of the arguments are left in ARGS. */
static int parse_flags(int argc, char **argv, const char *flags, bool *set, strv *args,
		       cordon_error **err)
{
	bool options = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = false;
		} else if (options && a[0] == '-' && a[1] == '-') {
			return cordon_err_msg(err, EINVAL, "unknown flag `%s'", a + 2);
		} else if (options && a[0] == '-' && a[1]) {
			for (const char *f = a + 1; *f; f++) {
				const char *at = strchr(flags, *f);
				if (!at)
					return cordon_err_msg(err, EINVAL, "unknown flag `%c'", *f);
				set[at - flags] = true;
			}
		} else {
			strv_push(args, a);
		}
	}
	return 0;
}

int cmd_get(int argc, char **argv, cordon_error **err)
{
	bool f[3] = {false}; /* -d -l -t */
	_cleanup_strv_ strv args = {0};
	int r = parse_flags(argc, argv, "dlt", f, &args, err);
	if (r < 0)
		return r;
	if (args.n < 1)
		return cordon_err_msg(err, EINVAL, "usage: cordon get [-d|-l|-t] SNAP [KEY...]");
	cordon_conf_get_opts o = {
	    .document = f[0], .list = f[1], .typed = f[2], .tty = isatty(STDOUT_FILENO) == 1};
	cordon_ctx ctx;
	r = cli_open(&ctx, false, "get", err);
	_cleanup_free_ char *doc = NULL, *warning = NULL;
	if (r == 0)
		r = cordon_snapconf_document(&ctx, args.v[0], &doc, err);
	cli_close(&ctx);
	_cleanup_buf_ buf out = {0};
	if (r == 0)
		r = cordon_conf_get_output(args.v[0], doc, args.v + 1, args.n - 1, &o, &out,
					   &warning, err);
	if (r < 0)
		return r;
	if (warning)
		fprintf(stderr, "%s\n", warning);
	fwrite(out.p, 1, out.len, stdout);
	return 0;
}

/* Change the configuration of argv[0] as the patches say. */
static int configure(const char *what, const char *snap, const cordon_conf_patches *p,
		     cordon_error **err)
{
	cordon_ctx ctx;
	int r = cli_open(&ctx, true, what, err);
	if (r == 0)
		r = cordon_store_configure(&ctx, snap, p, err);
	cli_close(&ctx);
	return r;
}

int cmd_set(int argc, char **argv, cordon_error **err)
{
	bool f[2] = {false}; /* -t -s */
	_cleanup_strv_ strv args = {0};
	int r = parse_flags(argc, argv, "ts", f, &args, err);
	if (r < 0)
		return r;
	if (f[0] && f[1])
		return cordon_err_msg(err, EINVAL, "cannot use -t and -s together");
	if (args.n < 2)
		return cordon_err_msg(err, EINVAL,
				      "usage: cordon set [-t|-s] SNAP KEY=VALUE... [KEY!...]");
	cordon_conf_mode mode = f[0]   ? CORDON_CONF_TYPED
				: f[1] ? CORDON_CONF_STRING
				       : CORDON_CONF_AUTO;
	cordon_conf_patches p = {0};
	r = cordon_conf_parse_set_args(args.v + 1, args.n - 1, mode, &p, err);
	if (r == 0)
		r = configure("set", args.v[0], &p, err);
	cordon_conf_patches_free(&p);
	return r;
}

int cmd_unset(int argc, char **argv, cordon_error **err)
{
	bool f[1] = {false};
	_cleanup_strv_ strv args = {0};
	int r = parse_flags(argc, argv, "", f, &args, err);
	if (r < 0)
		return r;
	if (args.n < 2)
		return cordon_err_msg(err, EINVAL, "usage: cordon unset SNAP KEY...");
	cordon_conf_patches p = {0};
	r = cordon_conf_parse_unset_args(args.v + 1, args.n - 1, &p, err);
	if (r == 0)
		r = configure("unset", args.v[0], &p, err);
	cordon_conf_patches_free(&p);
	return r;
}
