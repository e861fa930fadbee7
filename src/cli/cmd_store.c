/* install, remove, revert, list, info, validate, pack */
#include "cli.h"
#include "manifest.h"
#include "manifest_names.h"
#include "pack.h"
#include "package.h"
#include "service_ctl.h"
#include "state.h"
#include "store.h"
#include "svc_format.h"
#include "table.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int want_args(int argc, int min, int max, const char *usage, cordon_error **err)
{
	if (argc < min || argc > max)
		return cordon_err_msg(err, EINVAL, "usage: cordon %s", usage);
	return 0;
}

/* Several snaps in one install or remove, as snap accepts them: each a
 * change of its own, one after the other (snapd's default per-snap
 * transactions), so one that fails leaves the others done; the command then
 * fails as snap's does on a change with failed tasks, naming each. */
typedef struct multi_failures {
	buf msg;
	size_t n;
} multi_failures;

static void multi_failed(multi_failures *f, const char *what, const char *name, cordon_error **err)
{
	if (f->n++ == 0)
		buf_adds(&f->msg, "cannot perform the following tasks:");
	buf_printf(&f->msg, "\n- %s snap \"%s\" (%s)", what, name, *err ? (*err)->msg : "failed");
	cordon_error_free(err);
}

static int multi_result(multi_failures *f, cordon_error **err)
{
	if (f->n == 0)
		return 0;
	int r = cordon_err_msg(err, EIO, "%s", f->msg.p);
	buf_free(&f->msg);
	return r;
}

static int install_one(const char *path, const cordon_install_opts *o, cordon_error **err)
{
	cordon_ctx ctx;
	int r = cli_open(&ctx, true, "install", err);
	if (r < 0)
		return r;
	cordon_install_result res = {0};
	r = cordon_store_install(&ctx, path, o, &res, err);
	cli_close(&ctx);
	if (r < 0)
		return cordon_err_prefix(err, "cannot install \"%s\"", path);
	if (res.warning)
		fprintf(stderr, "Warning: %s\n", res.warning);
	printf("%s %s %s\n", res.name, res.version, res.refreshed ? "refreshed" : "installed");
	fflush(stdout);
	cordon_install_result_free(&res);
	return 0;
}

int cmd_install(int argc, char **argv, cordon_error **err)
{
	cordon_install_opts o = {0};
	_cleanup_strv_ strv paths = {0};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dangerous") == 0)
			o.dangerous = true;
		else if (strcmp(argv[i], "--devmode") == 0)
			o.devmode = true;
		else if (strcmp(argv[i], "--classic") == 0)
			o.classic = true;
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			o.instance = argv[++i];
		else if (str_has_prefix(argv[i], "--name="))
			o.instance = argv[i] + 7;
		else if (argv[i][0] == '-')
			return cordon_err_msg(err, EINVAL, "unknown option %s", argv[i]);
		else if (argv[i][0] == '\0')
			return cordon_err_msg(err, EINVAL, "cannot install snap with empty name");
		else
			strv_push(&paths, argv[i]);
	}
	if (paths.n == 0)
		return cordon_err_msg(err, EINVAL,
				      "usage: cordon install [--dangerous] [--devmode|--classic] "
				      "[--name INSTANCE] PATH...");
	if (o.devmode && o.classic)
		return cordon_err_msg(err, EINVAL, "cannot use --devmode and --classic together");
	if (paths.n > 1 && o.instance)
		return cordon_err_msg(err, EINVAL,
				      "cannot use instance name when installing multiple snaps");
	if (paths.n == 1)
		return install_one(paths.v[0], &o, err);
	if (geteuid() != 0) /* once, not for each (cli_open's words) */
		return cordon_err_msg(err, EPERM, "cordon install requires root (try with sudo)");
	multi_failures f = {0};
	for (size_t i = 0; i < paths.n; i++)
		if (install_one(paths.v[i], &o, err) < 0)
			multi_failed(&f, "Install", paths.v[i], err);
	return multi_result(&f, err);
}

/* 1: not installed (*err set) */
static int remove_one(const char *name, cordon_error **err)
{
	cordon_ctx ctx;
	int r = cli_open(&ctx, true, "remove", err);
	if (r < 0)
		return r;
	r = cordon_store_remove(&ctx, name, err);
	cli_close(&ctx);
	_cleanup_free_ char *missing = xasprintf("snap \"%s\" is not installed", name);
	if (r == -ENOENT && *err && strcmp((*err)->msg, missing) == 0)
		return 1;
	if (r < 0)
		return cordon_err_prefix(err, "cannot remove \"%s\"", name);
	printf("%s removed\n", name);
	fflush(stdout);
	return 0;
}

/* snap.ValidateInstanceName: a snap name, then _<key> */
static bool valid_instance_name(const char *name)
{
	const char *us = strchr(name, '_');
	_cleanup_free_ char *snap = xstrndup(name, us ? (size_t)(us - name) : strlen(name));
	return cordon_valid_snap_name(snap) && (us == NULL || cordon_valid_instance_key(us + 1));
}

int cmd_remove(int argc, char **argv, cordon_error **err)
{
	_cleanup_strv_ strv names = {0};
	for (int i = 1; i < argc; i++) {
		/* cordon keeps no snapshot of a removed snap's data: every
		 * remove is snapd's `remove --purge` (README) */
		if (strcmp(argv[i], "--purge") == 0)
			continue;
		if (argv[i][0] == '-')
			return cordon_err_msg(err, EINVAL, "unknown option %s", argv[i]);
		if (!strv_contains(&names, argv[i])) /* snapd deduplicates */
			strv_push(&names, argv[i]);
	}
	if (names.n == 0)
		return cordon_err_msg(err, EINVAL, "usage: cordon remove [--purge] NAME...");
	if (names.n == 1) {
		/* snap: a snap not installed is said so, and is no failure */
		int r = remove_one(names.v[0], err);
		if (r == 1) {
			fprintf(stderr, "%s\n", (*err)->msg);
			cordon_error_free(err);
			return 0;
		}
		return r;
	}
	if (geteuid() != 0) /* once, not for each (cli_open's words) */
		return cordon_err_msg(err, EPERM, "cordon remove requires root (try with sudo)");
	/* snapd (snapstate.RemoveMany) refuses the whole list first if a
	 * name is no valid instance name */
	_cleanup_buf_ buf quoted = {0}, invalid = {0};
	for (size_t i = 0; i < names.n; i++) {
		buf_printf(&quoted, "%s\"%s\"", i ? ", " : "", names.v[i]);
		if (!valid_instance_name(names.v[i]))
			buf_printf(&invalid, "%s%s", invalid.len ? ", " : "", names.v[i]);
	}
	if (invalid.len > 0)
		return cordon_err_msg(err, EINVAL,
				      "cannot remove %s: cannot remove invalid snap names: %s",
				      quoted.p, invalid.p);
	multi_failures f = {0};
	_cleanup_strv_ strv missing = {0};
	for (size_t i = 0; i < names.n; i++) {
		int r = remove_one(names.v[i], err);
		if (r == 1) {
			cordon_error_free(err);
			strv_push(&missing, names.v[i]);
		} else if (r < 0) {
			multi_failed(&f, "Remove", names.v[i], err);
		}
	}
	for (size_t i = 0; i < missing.n; i++)
		printf("%s not installed\n", missing.v[i]);
	return multi_result(&f, err);
}

/* snap.ParseRevision: x<N> (a local revision) or <N>, N > 0 */
static bool revision_valid(const char *s)
{
	const char *d = s[0] == 'x' ? s + 1 : s;
	if (d[0] < '1' || d[0] > '9')
		return false;
	return strspn(d, "0123456789") == strlen(d) && strlen(d) < 10;
}

int cmd_revert(int argc, char **argv, cordon_error **err)
{
	const char *name = NULL, *want = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--revision") == 0 && i + 1 < argc)
			want = argv[++i];
		else if (str_has_prefix(argv[i], "--revision="))
			want = argv[i] + strlen("--revision=");
		else if (argv[i][0] == '-')
			return cordon_err_msg(err, EINVAL, "unknown option %s", argv[i]);
		else if (name == NULL)
			name = argv[i];
		else
			return cordon_err_msg(err, EINVAL, "too many arguments for command");
	}
	if (name == NULL)
		return cordon_err_msg(err, EINVAL, "usage: cordon revert [--revision=REV] NAME");
	if (want && !revision_valid(want))
		return cordon_err_msg(err, EINVAL, "invalid snap revision: \"%s\"", want);
	cordon_ctx ctx;
	_cleanup_free_ char *rev = NULL;
	int r = cli_open(&ctx, true, "revert", err);
	if (r < 0)
		return r;
	if (r == 0)
		r = cordon_store_revert_to(&ctx, name, want, &rev, err);
	cordon_rev_row row = {0};
	if (r == 0)
		r = cordon_state_get_revision(ctx.state, name, rev, &row, err);
	cli_close(&ctx);
	if (r < 0)
		return cordon_err_prefix(err, "cannot revert \"%s\"", name);
	printf("%s reverted to %s\n", name, row.version);
	cordon_rev_row_free(&row);
	return 0;
}

static const char *notes_for(const cordon_snap_row *s, bool disabled)
{
	if (disabled)
		return "disabled";
	if (strcmp(s->confinement, "devmode") == 0)
		return "devmode";
	if (strcmp(s->confinement, "classic") == 0)
		return "classic";
	return "-";
}

int cmd_list(int argc, char **argv, cordon_error **err)
{
	bool all = argc == 2 && strcmp(argv[1], "--all") == 0;
	if (argc > 2 || (argc == 2 && !all))
		return cordon_err_msg(err, EINVAL, "usage: cordon list [--all]");
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "list", err);
	cordon_snap_row *snaps = NULL;
	size_t n = 0;
	if (r == 0 && ctx.state)
		r = cordon_state_list_snaps(ctx.state, &snaps, &n, err);
	table t;
	table_init(&t, 6);
	const char *hdr[] = {"Name", "Version", "Rev", "Tracking", "Publisher", "Notes"};
	table_add(&t, hdr);
	for (size_t i = 0; r == 0 && i < n; i++) {
		cordon_rev_row *revs = NULL;
		size_t nr = 0;
		r = cordon_state_list_revisions(ctx.state, snaps[i].name, &revs, &nr, err);
		for (size_t j = 0; r == 0 && j < nr; j++) {
			bool current = strcmp(revs[j].revision, snaps[i].current) == 0;
			if (!current && !all)
				continue;
			const char *row[] = {snaps[i].name,
					     revs[j].version,
					     revs[j].revision,
					     "-",
					     "-",
					     notes_for(&snaps[i], !current)};
			table_add(&t, row);
		}
		cordon_rev_rows_free(revs, nr);
	}
	if (r == 0) {
		if (n == 0) {
			fprintf(stderr, "No snaps are installed yet.\n");
		} else {
			cli_print_table(&t);
		}
	}
	table_free(&t);
	cordon_snap_rows_free(snaps, n);
	cli_close(&ctx);
	return r;
}

/* snap's strutil.SizeToStr */
static char *size_str(long long size)
{
	const char *suffixes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (size < 1000)
			return xasprintf("%lld%s", size, suffixes[i]);
		size /= 1000;
	}
	return xasprintf("%lld", size);
}

static void print_description(buf *out, const char *d)
{
	buf_adds(out, "description: |\n");
	if (d == NULL || d[0] == '\0') {
		buf_adds(out, "  \n");
		return;
	}
	const char *p = d;
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		buf_printf(out, "  %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/* snap info's services: "  foo.baz: simple, enabled, active" ("-" where
 * systemd does not run, or for a user daemon seen by root). */
static int print_services(cordon_ctx *ctx, const cordon_snap_row *s, buf *out, cordon_error **err)
{
	cordon_svc_ref *refs = NULL;
	cordon_svc_status *st = NULL;
	size_t n = 0;
	_cleanup_free_ char *note = NULL;
	char *const names[] = {s->name};
	int r = cordon_svc_resolve(ctx, names, 1, &refs, &n, err);
	if (r == 0)
		r = cordon_svc_status_of(ctx, refs, n, &st, &note, err);
	if (r == 0)
		buf_adds(out, "services:\n");
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *name = s->instance_key[0]
						? xasprintf("%s.%s", s->name, refs[i].app)
						: svc_join_snap_app(s->name, refs[i].app);
		const char *cur = st[i].current == CORDON_SVC_ACTIVE	 ? "active"
				  : st[i].current == CORDON_SVC_INACTIVE ? "inactive"
									 : "-";
		buf_printf(out, "  %s: %s, %s, %s\n", name, refs[i].a->daemon,
			   st[i].enabled ? "enabled" : "disabled", cur);
	}
	free(st);
	cordon_svc_refs_free(refs, n);
	return r;
}

/* snap info --verbose's notes (cmd_info.go maybePrintNotes), as far as
 * cordon has them: no store (private), no try mode, no disabling, no
 * validation sets */
static void print_notes(buf *out, const cordon_snap_row *s, const cordon_manifest *m)
{
	const char *declared = m->confinement ? m->confinement : "strict";
	bool devmode = strcmp(s->confinement, "devmode") == 0;
	buf_adds(out, "notes:\n");
	buf_printf(out, "  private:           %s\n", "false");
	buf_printf(out, "  confinement:       %s\n", declared);
	buf_printf(out, "  devmode:           %s\n", devmode ? "true" : "false");
	buf_printf(out, "  jailmode:          %s\n",
		   strcmp(declared, "devmode") == 0 && !devmode ? "true" : "false");
	buf_adds(out, "  trymode:           false\n");
	buf_adds(out, "  enabled:           true\n");
	buf_adds(out, "  broken:            false\n");
	buf_adds(out, "  ignore-validation: false\n");
}

int cmd_info(int argc, char **argv, cordon_error **err)
{
	bool verbose = false;
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--verbose") == 0)
			verbose = true;
		else if (argv[i][0] == '-')
			return cordon_err_msg(err, EINVAL, "unknown option %s", argv[i]);
		else if (name == NULL)
			name = argv[i];
		else
			return cordon_err_msg(err, EINVAL, "usage: cordon info [--verbose] NAME");
	}
	if (name == NULL)
		return cordon_err_msg(err, EINVAL, "usage: cordon info [--verbose] NAME");
	cordon_ctx ctx;
	int r = cli_open(&ctx, false, "info", err);
	cordon_snap_row s = {0};
	cordon_rev_row rev = {0};
	cordon_manifest *m = NULL;
	if (r == 0 && ctx.state == NULL)
		r = -ENOENT;
	if (r == 0)
		r = cordon_state_get_snap(ctx.state, name, &s, err);
	if (r == -ENOENT)
		r = cordon_err_msg(err, ENOENT, "no snap found for \"%s\"", name);
	if (r == 0)
		r = cordon_state_get_revision(ctx.state, s.name, s.current, &rev, err);
	if (r == 0)
		r = cordon_manifest_parse(rev.manifest, strlen(rev.manifest), "meta/snap.yaml", &m,
					  err);
	_cleanup_buf_ buf out = {0};
	if (r == 0) {
		buf_printf(&out, "name:      %s\n", s.name);
		buf_printf(&out, "summary:   %s\n", m->summary && m->summary[0] ? m->summary : "-");
		buf_printf(&out, "publisher: -\n");
		buf_printf(&out, "license:   %s\n", m->license ? m->license : "unset");
		print_description(&out, m->description);
		bool any_cmd = false, any_svc = false;
		for (size_t i = 0; i < m->n_apps; i++) {
			const cordon_app *a = &m->apps[i];
			if (a->daemon) {
				any_svc = true;
				continue;
			}
			if (!any_cmd)
				buf_adds(&out, "commands:\n");
			any_cmd = true;
			if (strcmp(a->name, m->name) == 0 && s.instance_key[0] == '\0')
				buf_printf(&out, "  - %s\n", s.name);
			else
				buf_printf(&out, "  - %s.%s\n", s.name, a->name);
		}
		if (any_svc)
			r = print_services(&ctx, &s, &out, err);
		/* the block after the notes is aligned on its longest key, as
		 * snap's tabwriter does: refresh-date's in verbose mode */
		int w = verbose ? 14 : 11;
		if (verbose)
			print_notes(&out, &s, m);
		if (m->type && strcmp(m->type, "app") != 0)
			buf_printf(&out, "%-*s%s\n", w,
				   "type:", strcmp(m->type, "os") == 0 ? "core" : m->type);
		if (verbose && m->base && m->base[0])
			buf_printf(&out, "%-*s%s\n", w, "base:", m->base);
		buf_printf(&out, "%-*s-\n", w, "tracking:");
		if (verbose && rev.installed_at && rev.installed_at[0])
			buf_printf(&out, "%-*s%s\n", w, "refresh-date:", rev.installed_at);
		_cleanup_free_ char *size = NULL;
		struct stat st;
		if (rev.source_kind == 1 && stat(rev.source_path, &st) == 0)
			size = size_str((long long)st.st_size);
		else
			size = xstrdup("-");
		const char *notes = notes_for(&s, false);
		buf_printf(&out, "%-*s%s (%s) %s %s\n", w, "installed:", rev.version, rev.revision,
			   size, notes);
	}
	if (r == 0)
		cli_out(out.p);
	if (m)
		cordon_manifest_free(m);
	cordon_rev_row_free(&rev);
	cordon_snap_row_free(&s);
	cli_close(&ctx);
	return r;
}

int cmd_validate(int argc, char **argv, cordon_error **err)
{
	int r = want_args(argc, 2, 2, "validate PATH", err);
	if (r < 0)
		return r;
	cordon_package pkg;
	/* root mounts a .snap in its scratch space, which a writable context
	 * makes and locks (validate changes no state) */
	cordon_ctx ctx;
	const char *scratch = NULL;
	bool have_ctx = false;
	if (geteuid() == 0 && !str_has_suffix(argv[1], ".yaml")) {
		r = cli_open(&ctx, true, "validate", err);
		if (r < 0)
			return r;
		have_ctx = true;
		scratch = ctx.paths.scratch_dir;
	}
	r = cordon_package_open(argv[1], scratch, &pkg, err);
	if (r == 0) {
		const cordon_manifest *m = pkg.manifest;
		printf("valid: %s %s (%zu app%s, %zu hook%s, %zu plug%s, %zu slot%s)\n", m->name,
		       m->version, m->n_apps, m->n_apps == 1 ? "" : "s", m->n_hooks,
		       m->n_hooks == 1 ? "" : "s", m->n_plugs, m->n_plugs == 1 ? "" : "s",
		       m->n_slots, m->n_slots == 1 ? "" : "s");
	}
	cordon_package_close(&pkg);
	if (have_ctx)
		cli_close(&ctx);
	if (r < 0)
		return cordon_err_prefix(err, "invalid snap \"%s\"", argv[1]);
	return 0;
}

int cmd_pack(int argc, char **argv, cordon_error **err)
{
	int r = want_args(argc, 2, 3, "pack DIR [TARGET-DIR]", err);
	if (r < 0)
		return r;
	_cleanup_free_ char *out = NULL;
	r = cordon_pack(argv[1], argc == 3 ? argv[2] : NULL, &out, err);
	if (r < 0)
		return cordon_err_prefix(err, "cannot pack \"%s\"", argv[1]);
	const char *base = strrchr(out, '/');
	printf("built: %s\n", base ? base + 1 : out);
	return 0;
}
