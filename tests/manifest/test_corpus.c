/* The snapd corpus: every meta/snap.yaml of snapd's own test snaps
 * (tests/corpus/snapd-test-snaps) must parse and validate, except the ones
 * listed below, each with its exact error and the reason. Names saying "bad"
 * or "broken" are mostly valid metadata that fails at run time (a hook that
 * exits 1, a service that crashes), so they must be accepted. */
#include "check.h"
#include "manifest.h"
#include "testfile.h"

/* Files snapd itself rejects, each with cordon's exact error and the reason.
 * None today: snapd accepts every file of the corpus, and so does cordon (the
 * last exception, test-snapd-xdg-portal-permission-store.yaml, went when
 * anchors and aliases were allowed). */
static const struct rejection {
	const char *file, *error, *why;
} rejections[] = {
    {NULL, NULL, NULL}, /* end */
};

static size_t n_rejections(void)
{
	size_t n = 0;
	while (rejections[n].file)
		n++;
	return n;
}

static const struct rejection *expected_rejection(const char *file)
{
	for (const struct rejection *r = rejections; r->file; r++)
		if (strcmp(r->file, file) == 0)
			return r;
	return NULL;
}

static cordon_manifest *load(const char *dir, const char *file, cordon_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	size_t len = 0;
	_cleanup_free_ char *text = test_read_file(path, &len);
	if (text == NULL)
		return NULL;
	cordon_manifest *m = NULL;
	if (cordon_manifest_parse(text, len, file, &m, err) == 0 &&
	    cordon_manifest_validate(m, err) < 0) {
		cordon_manifest_free(m);
		m = NULL;
	}
	return m;
}

/* A few files checked for what they mean, not just that they load. */
static void spot_checks(const char *dir)
{
	_cleanup_error_ cordon_error *err = NULL;
	cordon_manifest *m = load(dir, "test-snapd-number-version.yaml", &err);
	CHECK(m && strcmp(m->version, "2.10") == 0);
	cordon_manifest_free(m);

	m = load(dir, "test-snapd-control-consumer.yaml", &err);
	if (m) {
		/* declared with attributes, named by one app: bound to it only */
		const cordon_port *p = cordon_manifest_plug(m, "snapd-control-with-manage");
		CHECK(p && strcmp(p->interface, "snapd-control") == 0 && p->apps.n == 1 &&
		      strcmp(p->apps.v[0], "manage") == 0);
		/* implicit, named by two apps */
		p = cordon_manifest_plug(m, "snapd-control");
		CHECK(p && p->implicit && p->apps.n == 2);
	}
	cordon_manifest_free(m);

	m = load(dir, "test-snapd-prompt-handler.yaml", &err);
	if (m) {
		/* a map without "interface": the interface is the plug's name;
		 * no app names it, so it binds to every app */
		const cordon_port *p = cordon_manifest_plug(m, "snap-interfaces-requests-control");
		CHECK(p && strcmp(p->interface, p->name) == 0 && p->unscoped && p->apps.n == 1);
	}
	cordon_manifest_free(m);

	m = load(dir, "socket-activation.yaml", &err);
	if (m && m->n_apps == 1 && m->apps[0].n_sockets == 4) {
		CHECK_STR(m->apps[0].sockets[0].socket_mode, "0640");
		CHECK_INT(m->apps[0].sockets[0].mode, 0640);
	}
	cordon_manifest_free(m);

	/* anchors on the first app's plugs and environment, aliases in four
	 * more: the same as if written out in each */
	m = load(dir, "test-snapd-xdg-portal-permission-store.yaml", &err);
	CHECK(m && m->n_apps == 5);
	if (m && m->n_apps == 5) {
		for (size_t i = 0; i < m->n_apps; i++) {
			const cordon_app *a = &m->apps[i];
			CHECK(a->plugs.n == 1 &&
			      strcmp(a->plugs.v[0], "xdg-portal-permission-store") == 0);
			CHECK(a->environment.n == 3 &&
			      strcmp(a->environment.v[2].name, "DBUS_IFACE_NAME") == 0 &&
			      strcmp(a->environment.v[2].value,
				     "org.freedesktop.impl.portal.PermissionStore") == 0);
		}
		const cordon_port *p = cordon_manifest_plug(m, "xdg-portal-permission-store");
		CHECK(p && p->implicit && p->apps.n == 5);
	}
	cordon_manifest_free(m);

	m = load(dir, "test-snapd-tools.yaml", &err);
	if (m) {
		const cordon_app *a = cordon_manifest_app(m, "env");
		CHECK(a && a->environment.n == 3 &&
		      strcmp(a->environment.v[1].value, "${EXTRA_GLOBAL}-nested") == 0);
	}
	cordon_manifest_free(m);
}

int main(void)
{
	_cleanup_free_ char *dir = test_src_path("tests/corpus/snapd-test-snaps");
	_cleanup_strv_ strv files = {0};
	CHECK_INT(test_list_yaml(dir, &files), 0);
	/* the folder holds 103 files today; fewer means it was not found */
	CHECK(files.n >= 100);
	size_t seen = 0, accepted = 0;
	for (size_t i = 0; i < files.n; i++) {
		const char *file = files.v[i];
		const struct rejection *want = expected_rejection(file);
		_cleanup_error_ cordon_error *err = NULL;
		cordon_manifest *m = load(dir, file, &err);
		check_count++;
		if (want) {
			seen++;
			if (m || err == NULL || strcmp(err->msg, want->error) != 0) {
				check_failures++;
				fprintf(stderr, "%s: want rejection (%s)\n  got:  %s\n  want: %s\n",
					file, want->why, err ? err->msg : "(accepted)",
					want->error);
			}
		} else if (m == NULL) {
			check_failures++;
			fprintf(stderr, "%s: rejected: %s\n", file, err ? err->msg : "?");
		} else {
			accepted++;
		}
		cordon_manifest_free(m);
	}
	CHECK_INT(seen, n_rejections());
	printf("corpus: %zu files, %zu accepted, %zu rejected as expected\n", files.n, accepted,
	       seen);
	spot_checks(dir);
	return check_done("test_manifest_corpus");
}
