/* libFuzzer harness: the interface-definition loader and the rule language.
 *
 * Definitions are data files (data/interfaces/NAME.yaml, and a site directory
 * root writes), so they are trusted more than snap.yaml; but a definition's
 * rules end up in every policy compiled with it, and attributes a snap
 * declares are substituted into them. Input: one definition file's bytes.
 *
 * The file is loaded both as an interface and as the default policy (the two
 * kinds of cordon_def_load()). Then each file and device rule is expanded as
 * the compiler expands it (cordon_rule_subst(), compile.c), with values for
 * every compile-time variable and two for each attribute reference, and the
 * results parsed again. Nothing is printed; everything is freed. */
#include "definitions.h"
#include "rules.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Like the compiler's lookup: the snap's variables, then attribute
 * references (a list: one expansion each). A value that names a variable
 * itself is expanded again, as a content plug's "$SNAP_DATA/x" is. */
static int lookup(void *ctx, const char *name, strv *values)
{
	static const char *const vars[][2] = {
	    {"SNAP", "/snap/foo/x1"},
	    {"SNAP_DATA", "/var/snap/foo/x1"},
	    {"SNAP_COMMON", "/var/snap/foo/common"},
	    {"SNAP_NAME", "foo"},
	    {"SNAP_INSTANCE_NAME", "foo_bar"},
	    {"SNAP_REVISION", "x1"},
	    {"slot:SNAP", "other"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		if (strcmp(name, vars[i][0]) == 0) {
			strv_push(values, vars[i][1]);
			return 0;
		}
	if (strncmp(name, "plug:", 5) == 0 || strncmp(name, "slot:", 5) == 0) {
		strv_push(values, "/dev/ttyUSB0");
		strv_push(values, "$SNAP_DATA/dir");
		return 0;
	}
	return -ENOENT;
}

static void expand(const cordon_grant *g)
{
	for (size_t i = 0; i < g->files.n; i++) {
		_cleanup_error_ cordon_error *err = NULL;
		_cleanup_strv_ strv lines = {0};
		if (cordon_rule_subst(g->files.v[i], lookup, NULL, &lines, &err) < 0)
			continue;
		for (size_t j = 0; j < lines.n; j++) {
			_cleanup_error_ cordon_error *e = NULL;
			_cleanup_free_ char *path = NULL;
			uint64_t access;
			uint32_t flags;
			cordon_rule_parse_file(lines.v[j], &path, &access, &flags, &e);
		}
	}
	for (size_t i = 0; i < g->devices.n; i++) {
		_cleanup_error_ cordon_error *err = NULL;
		_cleanup_strv_ strv lines = {0};
		if (cordon_rule_subst(g->devices.v[i], lookup, NULL, &lines, &err) < 0)
			continue;
		for (size_t j = 0; j < lines.n; j++) {
			_cleanup_error_ cordon_error *e = NULL;
			cordon_dev_rule d;
			if (cordon_rule_parse_device(lines.v[j], &d, &e) == 0)
				free(d.path);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int is_default = 0; is_default <= 1; is_default++) {
		_cleanup_error_ cordon_error *err = NULL;
		cordon_def *d = NULL;
		if (cordon_def_load((const char *)data, size, "fuzz.yaml", is_default, &d, &err) <
		    0)
			continue;
		expand(&d->plug);
		expand(&d->slot);
		cordon_def_free(d);
	}
	return 0;
}
