/* Writes the daemon units of snap.yaml files into a directory, for
 * units_verify.py to hand to `systemd-analyze verify`:
 *   units_print OUTDIR LAUNCHER SNAP.YAML...
 * OUTDIR/system/ gets system units, OUTDIR/user/ user units, OUTDIR/dbus/ the
 * D-Bus activation files (not units). Each snap is revision 1, its
 * directories under OUTDIR/var (which exist, for WorkingDirectory=), no mount
 * unit. Prints one line per file written. */
#include "manifest.h"
#include "testfile.h"
#include "units.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int write_file(const char *path, const char *text)
{
	_cleanup_fclose_ FILE *f = fopen(path, "we");
	if (!f || fputs(text, f) < 0)
		return -1;
	return 0;
}

static int one(const char *out, const char *launcher, const char *path)
{
	size_t len = 0;
	_cleanup_free_ char *text = test_read_file(path, &len);
	if (!text)
		return 1; /* test_read_file said why */
	_cleanup_manifest_ cordon_manifest *m = NULL;
	cordon_error *err = NULL;
	if (cordon_manifest_parse(text, len, path, &m, &err) < 0 ||
	    cordon_manifest_validate(m, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		cordon_error_free(&err);
		return 1;
	}
	_cleanup_free_ char *data = xasprintf("%s/var/%s/1", out, m->name);
	_cleanup_free_ char *common = xasprintf("%s/var/%s/common", out, m->name);
	_cleanup_free_ char *var = xasprintf("%s/var/%s", out, m->name);
	mkdir(var, 0755);
	mkdir(data, 0755);
	mkdir(common, 0755);
	cordon_units_input in = {.m = m,
				 .instance = m->name,
				 .revision = "1",
				 .launcher = launcher,
				 .data_dir = data,
				 .common_dir = common};
	for (int user = 0; user <= 1; user++) {
		cordon_unit *u = NULL;
		size_t n = 0;
		if (cordon_units_generate(&in, user, &u, &n, &err) < 0) {
			fprintf(stderr, "%s: %s\n", path, err->msg);
			cordon_error_free(&err);
			return 1;
		}
		for (size_t i = 0; i < n; i++) {
			const char *dir = u[i].kind == CORDON_UNIT_DBUS ? "dbus"
					  : user			? "user"
									: "system";
			_cleanup_free_ char *p = xasprintf("%s/%s/%s", out, dir, u[i].name);
			if (write_file(p, u[i].text) < 0) {
				fprintf(stderr, "%s: %s\n", p, strerror(errno));
				cordon_units_free(u, n);
				return 1;
			}
			printf("%s/%s\n", dir, u[i].name);
		}
		cordon_units_free(u, n);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s OUTDIR LAUNCHER SNAP.YAML...\n", argv[0]);
		return 2;
	}
	static const char *const sub[] = {"system", "user", "dbus", "var"};
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", argv[1], sub[i]);
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "%s: %s\n", p, strerror(errno));
			return 1;
		}
	}
	int rc = 0;
	for (int i = 3; i < argc; i++)
		rc |= one(argv[1], argv[2], argv[i]);
	return rc;
}
