/* Shared by the manifest unit tests: parse + validate a snippet, and assert
 * either success or the exact error text. */
#pragma once
#include "check.h"
#include "manifest.h"

#include <string.h>

#define SRC "meta/snap.yaml"
#define HEAD "name: foo\nversion: 1.0\n"

static inline cordon_manifest *load(const char *yaml, cordon_error **err)
{
	cordon_manifest *m = NULL;
	if (cordon_manifest_parse(yaml, strlen(yaml), SRC, &m, err) < 0)
		return NULL;
	if (cordon_manifest_validate(m, err) < 0) {
		cordon_manifest_free(m);
		return NULL;
	}
	return m;
}

static inline cordon_manifest *ok_at(const char *yaml, const char *file, int line)
{
	_cleanup_error_ cordon_error *err = NULL;
	cordon_manifest *m = load(yaml, &err);
	check_count++;
	if (m == NULL) {
		check_failures++;
		fprintf(stderr, "%s:%d: unexpected error: %s\n", file, line, err->msg);
	}
	return m;
}
#define ok(yaml) ok_at(yaml, __FILE__, __LINE__)

static inline void bad_at(const char *yaml, const char *want, const char *file, int line)
{
	_cleanup_error_ cordon_error *err = NULL;
	cordon_manifest *m = load(yaml, &err);
	check_count++;
	if (m) {
		check_failures++;
		fprintf(stderr, "%s:%d: accepted, want: %s\n", file, line, want);
		cordon_manifest_free(m);
		return;
	}
	if (strcmp(err->msg, want) != 0) {
		check_failures++;
		fprintf(stderr, "%s:%d: wrong error\n  got:  %s\n  want: %s\n", file, line,
			err->msg, want);
	}
	CHECK_INT(err->code, EINVAL);
}
#define bad(yaml, want) bad_at(yaml, want, __FILE__, __LINE__)

#define NAME_RULE                                                                                  \
	"expected 2-40 lowercase letters, digits and hyphens, with at least one letter and no "    \
	"leading, trailing or double hyphen"
#define PORT_RULE                                                                                  \
	"expected lowercase letters, digits and single hyphens, starting with a letter and not "   \
	"ending with a hyphen"

static inline bool strv_is(const strv *s, const char *const *want, size_t n)
{
	if (s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->v[i], want[i]) != 0)
			return false;
	return true;
}
#define STRV_IS(s, ...)                                                                            \
	CHECK(strv_is(&(s), (const char *const[]){__VA_ARGS__},                                    \
		      sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))
