/* The transaction helper (txn.h) on a scratch root: what it journals, what a
 * commit leaves, and its abort path: an undo that fails too is reported with
 * the change's own error, never dropped. Opening the context runs no
 * recovery; the store's entry point does. Needs root (the layout is root's). */
#include "check.h"
#include "context.h"
#include "fsutil.h"
#include "recovery.h"
#include "store.h"
#include "txn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[] = "/tmp/cordon-test-txn-XXXXXX";
static char *datadir;

static size_t pending_count(cordon_ctx *ctx, const char *op)
{
	cordon_pending_row *rows = NULL;
	size_t n = 0, count = 0;
	cordon_error *err = NULL;
	CHECK_INT(cordon_state_list_pending(ctx->state, &rows, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		count += op == NULL || strcmp(rows[i].op, op) == 0;
	cordon_pending_rows_free(rows, n);
	cordon_error_free(&err);
	return count;
}

/* A journal entry recovery cannot carry out: every undo that replays the
 * journal fails on it. */
static void plant_bad_entry(cordon_ctx *ctx)
{
	cordon_error *err = NULL;
	CHECK_INT(cordon_state_add_pending(ctx->state, "bogus", "ghost", "", NULL, &err), 0);
	cordon_error_free(&err);
}

static void test_open_runs_no_recovery(void)
{
	cordon_ctx ctx;
	cordon_error *err = NULL;
	CHECK_INT(cordon_ctx_open(&ctx, root, datadir, true, &err), 0);
	plant_bad_entry(&ctx);
	cordon_ctx_close(&ctx);
	/* the context opens with the entry there; the store's way in fails
	 * on it, naming it */
	CHECK_INT(cordon_ctx_open(&ctx, root, datadir, true, &err), 0);
	CHECK_INT(pending_count(&ctx, "bogus"), 1);
	cordon_ctx_close(&ctx);
	CHECK_INT(cordon_store_open(&ctx, root, datadir, true, &err), -EINVAL);
	CHECK(err && strstr(err->msg, "unknown journal entry \"bogus\"") != NULL);
	cordon_error_free(&err);
	cordon_ctx_close(&ctx);
	CHECK_INT(cordon_ctx_open(&ctx, root, datadir, true, &err), 0);
	CHECK_INT(cordon_state_delete_pending_op(ctx.state, "bogus", &err), 0);
	cordon_ctx_close(&ctx);
}

static void test_abort_reports_undo_failure(cordon_ctx *ctx)
{
	cordon_error *err = NULL;
	plant_bad_entry(ctx);
	strv touches = {0};
	strv_push(&touches, "a");
	cordon_txn t;
	CHECK_INT(cordon_txn_begin(ctx, "test", &touches, NULL, NULL, &t, &err), 0);
	/* the change fails; its undo replays the journal and fails too */
	int r = cordon_err_msg(&err, EEXIST, "the change failed");
	CHECK_INT(cordon_txn_abort(&t, r, &err), -EEXIST);
	CHECK(err != NULL);
	if (err) {
		CHECK_INT(err->code, EEXIST);
		CHECK_STR(err->msg, "the change failed; undoing the test failed too: cannot finish "
				    "an interrupted operation: unknown journal entry \"bogus\"");
	}
	cordon_error_free(&err);
	cordon_txn_free(&t);
	/* its own entry was dropped (no file was rewritten), the bad one
	 * stays for the next command to report */
	CHECK_INT(pending_count(ctx, CORDON_JOURNAL_RECOMPILE), 0);
	CHECK_INT(pending_count(ctx, "bogus"), 1);
	CHECK_INT(cordon_state_delete_pending_op(ctx->state, "bogus", &err), 0);
	strv_free(&touches);

	/* the control: an undo that succeeds leaves the change's error as it
	 * was */
	CHECK_INT(cordon_txn_begin(ctx, "test", NULL, NULL, NULL, &t, &err), 0);
	r = cordon_err_msg(&err, EEXIST, "the change failed");
	CHECK_INT(cordon_txn_abort(&t, r, &err), -EEXIST);
	CHECK(err && strcmp(err->msg, "the change failed") == 0);
	cordon_error_free(&err);
	cordon_txn_free(&t);
}

static void test_journal_and_commit(cordon_ctx *ctx)
{
	cordon_error *err = NULL;
	strv touches = {0};
	strv_push(&touches, "a");
	strv_push(&touches, "a");
	strv_push(&touches, ""); /* the system: nothing to journal */
	strv_push(&touches, "b");
	cordon_txn t;
	CHECK_INT(cordon_txn_begin(ctx, "test", &touches, "c", NULL, &t, &err), 0);
	CHECK_INT(t.ids.n, 2);
	CHECK_INT(t.journaled.n, 3);
	/* inside the transaction the entries are gone already; they were
	 * committed before it (a kill now leaves them) */
	CHECK_INT(pending_count(ctx, NULL), 0);
	CHECK_INT(cordon_txn_commit(&t, &err), 0);
	cordon_txn_free(&t);
	CHECK_INT(pending_count(ctx, NULL), 0);

	/* a rollback brings them back: what recovery replays after a kill */
	CHECK_INT(cordon_txn_begin(ctx, "test", &touches, NULL, NULL, &t, &err), 0);
	cordon_state_rollback(ctx->state);
	t.begun = false;
	CHECK_INT(pending_count(ctx, CORDON_JOURNAL_RECOMPILE), 2);
	CHECK_INT(cordon_state_delete_pending_op(ctx->state, CORDON_JOURNAL_RECOMPILE, &err), 0);
	cordon_txn_free(&t);

	/* recompiling a snap no entry covers is refused before anything is
	 * written, and the change undone */
	CHECK_INT(cordon_txn_begin(ctx, "test", &touches, "c", NULL, &t, &err), 0);
	cordon_txn_recompile(&t, "d", NULL, NULL);
	CHECK_INT(cordon_txn_commit(&t, &err), -EINVAL);
	CHECK(err && strstr(err->msg, "test would recompile d, which it did not journal") != NULL);
	CHECK(!t.wrote);
	cordon_error_free(&err);
	cordon_txn_free(&t);
	CHECK_INT(pending_count(ctx, NULL), 0);
	strv_free(&touches);
}

static void test_recompile_merges(void)
{
	cordon_txn t = {0};
	strv apps = {0}, hooks = {0};
	strv_push(&apps, "one");
	cordon_txn_recompile(&t, "a", &apps, NULL);
	cordon_txn_recompile(&t, "a", &apps, &hooks);
	cordon_txn_recompile(&t, "", NULL, NULL); /* the system: nothing */
	CHECK_INT(t.n_todo, 1);
	CHECK_INT(t.todo[0].apps.n, 1);
	CHECK(!t.todo[0].whole);
	cordon_txn_recompile(&t, "a", NULL, NULL);
	CHECK(t.todo[0].whole);
	cordon_txn_refresh_ns(&t, "a");
	cordon_txn_refresh_ns(&t, "a");
	CHECK_INT(t.ns_dirty.n, 1);
	strv_free(&apps);
	strv_free(&hooks);
	cordon_txn_free(&t);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("txn: skipped (needs root)\n");
		return 77;
	}
	const char *src = getenv("CORDON_SRCDIR");
	datadir = xasprintf("%s/data", src ? src : ".");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_recompile_merges();
	test_open_runs_no_recovery();
	cordon_ctx ctx;
	cordon_error *err = NULL;
	if (cordon_ctx_open(&ctx, root, datadir, true, &err) < 0) {
		fprintf(stderr, "open: %s\n", err->msg);
		return 1;
	}
	test_abort_reports_undo_failure(&ctx);
	test_journal_and_commit(&ctx);
	cordon_ctx_close(&ctx);
	if (fs_rm_rf_at(AT_FDCWD, root, &err) < 0) {
		fprintf(stderr, "cleanup: %s\n", err->msg);
		return 1;
	}
	free(datadir);
	return check_done("txn");
}
