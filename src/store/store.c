/* The store's changes: install (and refresh), remove, revert, each
 * journaled (recovery.h) and run as one transaction (txn.h); and the entry
 * point that finishes what an interrupted command left. */
#include "store.h"
#include "aliases.h"
#include "connections.h"
#include "fsutil.h"
#include "hooks.h"
#include "manifest.h"
#include "bases.h"
#include "manifest_names.h"
#include "package.h"
#include "recovery.h"
#include "revisions.h"
#include "userdata.h"
#include "services.h"
#include "snapmount.h"
#include "sysusers.h"
#include "txn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cordon_install_result_free(cordon_install_result *r)
{
	free(r->name);
	free(r->revision);
	free(r->version);
	free(r->warning);
	memset(r, 0, sizeof *r);
}

int cordon_store_open(cordon_ctx *ctx, const char *root, const char *datadir, bool writable,
		      cordon_error **err)
{
	int r = cordon_ctx_open(ctx, root, datadir, writable, err);
	if (r == 0 && writable)
		r = cordon_store_recover(ctx, err);
	if (r == 0 && writable)
		cordon_cgroups_sweep(ctx); /* what earlier removes had to leave */
	return r;
}

static char *now_iso8601(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char b[64]; /* the fixed format is 20 characters */
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(b);
}

/* ---- install ---- */

static int check_confinement(const cordon_manifest *m, const cordon_install_opts *o,
			     char **confinement, char **warning, cordon_error **err)
{
	const char *c = m->confinement ? m->confinement : "strict";
	if (strcmp(c, "classic") == 0) {
		if (!o->classic)
			return cordon_err_msg(err, EPERM,
					      "snap \"%s\" requires classic confinement which is "
					      "only available with --classic",
					      m->name);
		*confinement = xstrdup("classic");
		return 0;
	}
	if (o->classic)
		*warning = xstrdup("flag --classic ignored for strictly confined snap");
	if (strcmp(c, "devmode") == 0 && !o->devmode)
		return cordon_err_msg(err, EPERM,
				      "snap \"%s\" requires devmode or confinement override; "
				      "use --devmode",
				      m->name);
	*confinement = xstrdup(o->devmode || strcmp(c, "devmode") == 0 ? "devmode" : "strict");
	return 0;
}

/* Remove revisions beyond the retained ones (oldest first), never the current. */
static int drop_old_revisions(cordon_ctx *ctx, const char *name, const char *current,
			      cordon_error **err)
{
	cordon_rev_row *revs = NULL;
	size_t n = 0;
	int r = cordon_state_list_revisions(ctx->state, name, &revs, &n, err);
	if (r < 0)
		return r;
	size_t extra = n > CORDON_RETAIN ? n - CORDON_RETAIN : 0;
	for (size_t i = 0; i < n && extra > 0 && r == 0; i++) {
		if (strcmp(revs[i].revision, current) == 0)
			continue;
		r = cordon_state_delete_revision(ctx->state, name, revs[i].revision, err);
		extra--;
	}
	cordon_rev_rows_free(revs, n);
	return r;
}

static int validate_instance(const cordon_manifest *m, const cordon_install_opts *o,
			     char **instance, char **key, cordon_error **err)
{
	/* <mount>/bin holds every snap's /snap/bin entries (snapbin.h): a snap
	 * of that name would be mounted there, and its removal would take them
	 * all */
	if (strcmp(o->instance ? o->instance : m->name, "bin") == 0)
		return cordon_err_msg(err, EINVAL,
				      "cannot install snap \"bin\": /snap/bin holds the snaps' "
				      "commands");
	if (o->instance == NULL) {
		*instance = xstrdup(m->name);
		*key = xstrdup("");
		return 0;
	}
	const char *us = strchr(o->instance, '_');
	size_t nl = us ? (size_t)(us - o->instance) : strlen(o->instance);
	if (strncmp(o->instance, m->name, nl) != 0 || m->name[nl] != '\0')
		return cordon_err_msg(err, EINVAL,
				      "cannot install snap \"%s\" under the name \"%s\": "
				      "instance name must start with the snap name",
				      m->name, o->instance);
	if (us != NULL && !cordon_valid_instance_key(us + 1))
		return cordon_err_msg(err, EINVAL, "invalid instance key: \"%s\"", us + 1);
	*instance = xstrdup(o->instance);
	*key = xstrdup(us ? us + 1 : "");
	return 0;
}

/* The hooks of an install, run inside its transaction once the new policy
 * is written and before the commit (hooks.h): any failure undoes the whole
 * install, as snapd undoes the change. snapd's order: `install` (first
 * install) or `post-refresh` (a refresh), `default-configure` (first
 * install), then `configure`. snapd runs `configure` after the services
 * start; here every hook runs before the commit, so that a failing one
 * leaves no service of the snap having run. */
static int install_hooks(cordon_ctx *ctx, const char *instance, bool refresh, cordon_error **err)
{
	const char *first[] = {"install", "default-configure", "configure", NULL};
	const char *again[] = {"post-refresh", "configure", NULL};
	const char **hooks = refresh ? again : first;
	int r = 0;
	for (size_t i = 0; r == 0 && hooks[i]; i++)
		r = cordon_hook_run(ctx, instance, hooks[i], err);
	return r;
}

/* The snaps on the base `instance` (journaled with the change as its
 * neighbours) compiled again, their namespaces made anew. */
static int bases_follow(cordon_txn *t, const char *instance, cordon_error **err)
{
	_cleanup_strv_ strv users = {0};
	int r = cordon_bases_users(t->ctx, instance, &users, err);
	for (size_t i = 0; r == 0 && i < users.n; i++) {
		cordon_txn_recompile(t, users.v[i], NULL, NULL);
		cordon_txn_refresh_ns(t, users.v[i]);
	}
	return r;
}

int cordon_store_install(cordon_ctx *ctx, const char *path, const cordon_install_opts *o,
			 cordon_install_result *res, cordon_error **err)
{
	memset(res, 0, sizeof *res);
	_cleanup_free_ char *instance = NULL, *key = NULL, *confinement = NULL, *rev = NULL;
	_cleanup_free_ char *source = NULL, *mnt = NULL, *manifest_text = NULL, *now = NULL;
	_cleanup_free_ char *snap_name = NULL;
	_cleanup_strv_ strv neighbours = {0}, svc = {0};
	cordon_snap_row old = {0};
	cordon_package pkg;
	cordon_txn t = {0};
	int r = cordon_package_open(path, ctx->paths.scratch_dir, &pkg, err);
	if (r < 0)
		goto out;
	cordon_fault("install-staged"); /* nothing journaled: recovery cleans */
	const cordon_manifest *m = pkg.manifest;
	r = validate_instance(m, o, &instance, &key, err);
	if (r == 0)
		r = check_confinement(m, o, &confinement, &res->warning, err);
	if (r == 0) /* no store to fetch a base from: it is there, or nothing is made */
		r = cordon_bases_check_install(ctx, instance, m, err);
	if (r < 0)
		goto out;
	if (pkg.kind == CORDON_PKG_YAML) {
		r = cordon_err_msg(err, EINVAL,
				   "a bare snap.yaml cannot be installed; give the "
				   "directory that holds meta/snap.yaml");
		goto out;
	}

	r = cordon_state_get_snap(ctx->state, instance, &old, err);
	bool existing = r == 0;
	if (r < 0 && r != -ENOENT)
		goto out;
	int64_t seq = existing ? old.next_seq : 1;
	rev = xasprintf("x%lld", (long long)seq);
	/* An undone install's revision (state never listed it) stays on disk
	 * while a command of the snap runs (recovery.c): never reuse its
	 * number. Local revisions may have gaps. */
	for (;;) {
		_cleanup_free_ char *dir = cordon_paths_mount_dir(&ctx->paths, instance, rev);
		if (faccessat(AT_FDCWD, dir, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			break;
		free(rev);
		rev = xasprintf("x%lld", (long long)++seq);
	}

	/* the catalogue and the default policy first: a broken site
	 * definition stops the install before anything is journaled or made */
	const cordon_catalog *cat;
	const cordon_def *defaults;
	const char *template;
	r = cordon_ctx_catalog(ctx, &cat, err);
	if (r == 0)
		r = cordon_ctx_defaults(ctx, &defaults, &template, err);
	if (r == 0) /* snapd's checkSnap: no other snap's alias in its namespace */
		r = cordon_aliases_check_install(ctx, instance, err);
	if (r == 0) /* before the journal, as snapd's checkSnap; never undone */
		r = cordon_sysusers_ensure(m, instance, err);
	if (r < 0)
		goto out;
	/* pre-refresh, of the revision still current: its failure stops the
	 * refresh before anything is journaled or changed */
	if (existing) {
		r = cordon_hook_run(ctx, instance, "pre-refresh", err);
		if (r < 0)
			goto out;
	}
	/* 1. journal: from here on, an interruption is rolled back */
	r = cordon_state_add_pending(ctx->state, CORDON_JOURNAL_INSTALL, instance, rev, NULL, err);
	if (r < 0)
		goto out;
	cordon_fault("install-journal");

	/* 2. the package: the private copy of a .snap becomes the blob */
	enum cordon_source_kind kind;
	if (pkg.kind == CORDON_PKG_SNAPFILE) {
		kind = CORDON_SOURCE_SQUASHFS;
		source = cordon_paths_blob(&ctx->paths, instance, rev);
		if (rename(pkg.copy_path, source) < 0) {
			r = cordon_err(err, errno, "store %s", source);
			goto undo;
		}
		free(pkg.copy_path);
		pkg.copy_path = NULL;
	} else {
		kind = CORDON_SOURCE_DIR;
		source = xstrdup(pkg.path);
	}
	cordon_package_close(&pkg); /* releases the staging mount */
	cordon_fault("install-blob");

	/* 3. mount the revision read-only */
	mnt = cordon_paths_mount_dir(&ctx->paths, instance, rev);
	int mfd = fs_mkdir_p(mnt, 0755, 0, 0, err);
	if (mfd < 0) {
		r = mfd;
		goto undo;
	}
	close(mfd);
	r = cordon_snap_mount(kind, source, mnt, err);
	if (r < 0)
		goto undo;
	cordon_fault("install-mount");

	/* 4. data: SNAP_DATA carried over from the current revision */
	r = cordon_revision_make_data_dirs(ctx, instance, existing ? old.current : NULL, rev, err);
	if (r < 0)
		goto undo;
	/* and each user's ~/snap/<instance>/<rev> (undone with the revision:
	 * cordon_revision_remove_files takes it) */
	r = cordon_user_data_copy(ctx, instance, existing ? old.current : NULL, rev, err);
	if (r < 0)
		goto undo;
	cordon_fault("install-data");

	/* 5. commit point: state and compiled policy in one transaction. The
	 * manifest is read again from what is now mounted: it is what runs.
	 * The other snaps auto-connection may recompile are journaled with
	 * it; this snap's own files are covered by the install entry. */
	cordon_package mounted;
	unsigned new_scopes = 0;
	bool new_bus = false;
	r = cordon_package_open(mnt, NULL, &mounted, err);
	if (r == 0) {
		manifest_text = steal_ptr(mounted.yaml);
		res->version = xstrdup(mounted.manifest->version);
		r = cordon_connections_neighbours(ctx, instance, mounted.manifest, &neighbours,
						  err);
		new_scopes = cordon_services_scopes(mounted.manifest);
		new_bus = cordon_services_use_bus(mounted.manifest);
	}
	if (r == 0 && existing) /* the snaps on a base name its revision */
		r = cordon_bases_users(ctx, instance, &neighbours, err);
	cordon_package_close(&mounted);
	if (r < 0)
		goto undo;
	/* The services: journaled before the old revision's are stopped
	 * (services.h), so that a kill from here on restarts them */
	const cordon_loaded_snap *cur = NULL;
	if (existing) {
		r = cordon_ctx_snap(ctx, instance, &cur, err);
		if (r < 0)
			goto undo;
	}
	if (cordon_services_scopes(cur ? cur->m : NULL) || new_scopes || new_bus)
		strv_push(&svc, instance);
	r = cordon_txn_begin(ctx, "install", &neighbours, instance, &svc, &t, err);
	if (r < 0)
		goto out; /* undone */
	/* the old revision's services stop before it is replaced, but for
	 * those that endure (snapd's refresh-mode) */
	if (cur)
		r = cordon_services_stop_for_change(ctx, instance, cur->m, true, err);
	cordon_fault("install-stopped");
	now = now_iso8601();
	const char *us = strchr(instance, '_');
	snap_name = us ? xstrndup(instance, (size_t)(us - instance)) : xstrdup(instance);
	cordon_snap_row row = {.name = instance,
			       .snap_name = snap_name,
			       .instance_key = key,
			       .current = rev,
			       .next_seq = seq + 1,
			       .confinement = confinement,
			       .disabled = false};
	cordon_rev_row rrow = {.snap = instance,
			       .revision = rev,
			       .seq = seq,
			       .version = res->version,
			       .source_kind = kind,
			       .source_path = source,
			       .manifest = manifest_text,
			       .installed_at = now};
	if (r == 0)
		r = cordon_state_put_snap(ctx->state, &row, err);
	if (r == 0)
		r = cordon_state_put_revision(ctx->state, &rrow, err);
	if (r == 0)
		r = drop_old_revisions(ctx, instance, rev, err);
	const cordon_loaded_snap *now_snap = NULL;
	if (r == 0)
		r = cordon_ctx_snap(ctx, instance, &now_snap, err);
	if (r == 0)
		r = cordon_services_adopt(ctx, instance, now_snap->m, err);
	if (r == 0) /* aliases to apps the new revision lacks go */
		r = cordon_aliases_adopt(ctx, instance, now_snap->m, err);
	/* committed, the install entry becomes the roll-forward of the
	 * links: the policy is written before the commit, and stands */
	if (r == 0)
		r = cordon_state_delete_pending_op(ctx->state, CORDON_JOURNAL_INSTALL, err);
	if (r == 0)
		r = cordon_state_add_pending(ctx->state, CORDON_JOURNAL_ROLL_FORWARD, instance, rev,
					     NULL, err);
	if (r == 0)
		r = cordon_connections_on_install(&t, instance, existing, o->dangerous, err);
	if (r == 0)
		cordon_txn_recompile(&t, instance, NULL, NULL);
	if (r == 0 && existing) /* a base's snaps: their root is its new revision */
		r = bases_follow(&t, instance, err);
	if (r == 0)
		r = cordon_txn_prepare(&t, err);
	if (r == 0) /* the auto-connections' hooks, then the snap's own */
		r = cordon_connections_run_hooks(&t, err);
	if (r == 0)
		r = install_hooks(ctx, instance, existing, err);
	cordon_fault("install-hooks");
	r = r == 0 ? cordon_txn_commit(&t, err) : cordon_txn_abort(&t, r, err);
	if (r < 0)
		goto out; /* undone */
	cordon_fault("install-commit");

	/* 6. roll forward: current symlinks, old revisions removed. The
	 * install is done: what fails from here on is a warning, and the
	 * journal makes the next command finish it. */
	cordon_error *late = NULL;
	r = cordon_snap_roll_forward(ctx, instance, &late);
	cordon_fault("install-finish");
	if (r == 0) /* else (1) the entry stays: the old revision runs */
		r = cordon_state_delete_pending_op(ctx->state, CORDON_JOURNAL_ROLL_FORWARD, &late);
	if (r < 0)
		cordon_txn_warn(&t, &late);
	cordon_txn_settle(&t);
	r = 0;
	res->name = steal_ptr(instance);
	res->revision = steal_ptr(rev);
	res->refreshed = existing;
	goto out;

undo:;
	/* Not committed, and no transaction begun: undo the revision's files
	 * now, as recovery would after a crash. */
	cordon_error *undo_err = NULL;
	cordon_package_close(&pkg);
	if (cordon_store_recover(ctx, &undo_err) < 0)
		cordon_err_append(err, "undoing the install failed too: %s", undo_err->msg);
	cordon_error_free(&undo_err);
out:
	cordon_txn_free(&t);
	cordon_package_close(&pkg);
	cordon_snap_row_free(&old);
	return r;
}

/* ---- remove and revert ---- */

int cordon_store_remove(cordon_ctx *ctx, const char *name, cordon_error **err)
{
	cordon_snap_row snap = {0};
	int r = cordon_state_get_snap(ctx->state, name, &snap, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", name);
	if (r < 0)
		return r;
	cordon_snap_row_free(&snap);
	r = cordon_bases_check_remove(ctx, name, err);
	if (r < 0)
		return r;
	/* the plug snaps connected to its slots are recompiled inside the
	 * transaction: journaled first, as for an install */
	_cleanup_strv_ strv neighbours = {0};
	r = cordon_connections_neighbours(ctx, name, NULL, &neighbours, err);
	const cordon_loaded_snap *cur = NULL;
	if (r == 0)
		r = cordon_ctx_snap(ctx, name, &cur, err);
	if (r < 0)
		return r;
	_cleanup_strv_ strv svc = {0};
	if (cordon_services_scopes(cur->m) || cordon_services_use_bus(cur->m))
		strv_push(&svc, name);
	cordon_txn t;
	r = cordon_txn_begin(ctx, "remove", &neighbours, NULL, &svc, &t, err);
	if (r == 0) {
		/* every service stops, endure or not; journaled above, so a
		 * remove killed before its commit starts them again */
		r = cordon_services_stop_for_change(ctx, name, cur->m, false, err);
		cordon_fault("remove-stopped");
		/* the remove hook, once the services are stopped (snapd's
		 * order); its failure is reported and the removal goes on */
		cordon_error *hook_err = NULL;
		if (r == 0 && cordon_hook_run(ctx, name, "remove", &hook_err) < 0)
			strv_push_own(
			    &ctx->warnings,
			    xasprintf("%s; the snap is removed all the same",
				      hook_err ? hook_err->msg : "the remove hook failed"));
		cordon_error_free(&hook_err);
		if (r == 0)
			cordon_connections_remove_hooks(ctx, name);
		if (r == 0)
			r = cordon_connections_on_remove(&t, name, err);
		if (r == 0)
			r = cordon_state_delete_snap(ctx->state, name, err);
		if (r == 0)
			r = cordon_state_add_pending(ctx->state, CORDON_JOURNAL_PURGE, name, "",
						     NULL, err);
		r = r == 0 ? cordon_txn_commit(&t, err) : cordon_txn_abort(&t, r, err);
	}
	if (r == 0) {
		cordon_fault("remove-commit");
		cordon_txn_finish(&t); /* the purge */
	}
	cordon_txn_free(&t);
	return r;
}

int cordon_store_revert(cordon_ctx *ctx, const char *name, char **new_rev, cordon_error **err)
{
	return cordon_store_revert_to(ctx, name, NULL, new_rev, err);
}

int cordon_store_revert_to(cordon_ctx *ctx, const char *name, const char *want, char **new_rev,
			   cordon_error **err)
{
	cordon_snap_row snap = {0};
	int r = cordon_state_get_snap(ctx->state, name, &snap, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", name);
	if (r < 0)
		return r;
	cordon_rev_row *revs = NULL;
	size_t n = 0;
	r = cordon_state_list_revisions(ctx->state, name, &revs, &n, err);
	const cordon_rev_row *target = NULL;
	int64_t cur_seq = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(revs[i].revision, snap.current) == 0)
			cur_seq = revs[i].seq;
	/* the newest revision older than the current one, as snap revert;
	 * or the one asked for, older or newer, with snapd's errors
	 * (snapstate.RevertToRevision) */
	for (size_t i = 0; r == 0 && i < n; i++)
		if (want ? strcmp(revs[i].revision, want) == 0 : revs[i].seq < cur_seq)
			target = &revs[i];
	if (r == 0 && want && strcmp(want, snap.current) == 0)
		r = cordon_err_msg(err, EEXIST, "already on requested revision");
	else if (r == 0 && want && target == NULL)
		r = cordon_err_msg(err, ENOENT, "cannot find revision %s for snap \"%s\"", want,
				   name);
	else if (r == 0 && target == NULL)
		r = cordon_err_msg(err, ENOENT, "no revision to revert to");
	/* A revert is a refresh to an older revision: the snaps connected to
	 * either revision's slots or plugs may be recompiled (content plugs
	 * follow the slot snap to the revision it now runs), journaled first
	 * with the snap itself, so a kill anywhere before the commit
	 * recompiles them all from the state that stayed. */
	cordon_manifest *older = NULL;
	_cleanup_strv_ strv touches = {0};
	if (r == 0)
		r = cordon_manifest_parse(target->manifest, strlen(target->manifest),
					  "meta/snap.yaml", &older, err);
	if (r == 0)
		r = cordon_connections_neighbours(ctx, name, older, &touches, err);
	if (r == 0) /* a base's snaps follow it back */
		r = cordon_bases_users(ctx, name, &touches, err);
	if (r == 0 && cordon_bases_name(older)) /* and a snap goes back onto an installed base */
		r = cordon_bases_check_install(ctx, name, older, err);
	cordon_txn t = {0};
	const cordon_loaded_snap *cur = NULL;
	if (r == 0)
		r = cordon_ctx_snap(ctx, name, &cur, err);
	_cleanup_strv_ strv svc = {0};
	if (r == 0 && (cordon_services_scopes(cur->m) || cordon_services_scopes(older) ||
		       cordon_services_use_bus(cur->m) || cordon_services_use_bus(older)))
		strv_push(&svc, name);
	if (r == 0) {
		strv_push(&touches, name);
		free(snap.current);
		snap.current = xstrdup(target->revision);
		r = cordon_txn_begin(ctx, "revert", &touches, NULL, &svc, &t, err);
		if (r == 0) {
			/* as for a refresh: endure services keep running */
			r = cordon_services_stop_for_change(ctx, name, cur->m, true, err);
			cordon_fault("revert-stopped");
			if (r == 0)
				r = cordon_state_put_snap(ctx->state, &snap, err);
			if (r == 0)
				r = cordon_services_adopt(ctx, name, older, err);
			if (r == 0)
				r = cordon_aliases_adopt(ctx, name, older, err);
			if (r == 0)
				r = cordon_state_add_pending(ctx->state,
							     CORDON_JOURNAL_ROLL_FORWARD, name,
							     target->revision, NULL, err);
			/* that revision was installed once: its plugs passed
			 * the privileged-interface check then */
			if (r == 0)
				r = cordon_connections_on_install(&t, name, true, true, err);
			if (r == 0)
				cordon_txn_recompile(&t, name, NULL, NULL);
			if (r == 0)
				r = bases_follow(&t, name, err);
			/* a revert runs no refresh hook (snapd), but configure */
			if (r == 0)
				r = cordon_txn_prepare(&t, err);
			if (r == 0)
				r = cordon_hook_run(ctx, name, "configure", err);
			r = r == 0 ? cordon_txn_commit(&t, err) : cordon_txn_abort(&t, r, err);
		}
	}
	if (r == 0) {
		cordon_fault("revert-commit");
		*new_rev = xstrdup(target->revision);
		cordon_txn_finish(&t); /* the links */
	}
	if (older)
		cordon_manifest_free(older);
	cordon_txn_free(&t);
	cordon_rev_rows_free(revs, n);
	cordon_snap_row_free(&snap);
	return r;
}
