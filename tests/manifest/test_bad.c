/* Bad inputs: each file in tests/manifest/bad holds one fault and starts with
 * "# expect: <the exact error>". The file is parsed as meta/snap.yaml, so
 * positions count that first line. The over-1-MiB case is generated here
 * rather than committed. */
#include "check.h"
#include "manifest.h"
#include "testfile.h"

#define EXPECT "# expect: "

static void check_file(const char *dir, const char *file)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	size_t len = 0;
	_cleanup_free_ char *text = test_read_file(path, &len);
	check_count++;
	if (text == NULL || strncmp(text, EXPECT, strlen(EXPECT)) != 0) {
		check_failures++;
		fprintf(stderr, "%s: first line must be \"" EXPECT "<error>\"\n", file);
		return;
	}
	const char *start = text + strlen(EXPECT);
	_cleanup_free_ char *want = xstrndup(start, strcspn(start, "\n"));
	_cleanup_error_ cordon_error *err = NULL;
	_cleanup_manifest_ cordon_manifest *m = NULL;
	if (cordon_manifest_parse(text, len, "meta/snap.yaml", &m, &err) == 0)
		cordon_manifest_validate(m, &err);
	if (err == NULL || strcmp(err->msg, want) != 0) {
		check_failures++;
		fprintf(stderr, "%s:\n  got:  %s\n  want: %s\n", file,
			err ? err->msg : "(accepted)", want);
	}
}

static void oversize(void)
{
	size_t n = 1024 * 1024 + 1;
	_cleanup_free_ char *text = xmalloc(n);
	memset(text, ' ', n);
	memcpy(text, "name: foo\nversion: 1\n", 21);
	_cleanup_error_ cordon_error *err = NULL;
	_cleanup_manifest_ cordon_manifest *m = NULL;
	CHECK_INT(cordon_manifest_parse(text, n, "meta/snap.yaml", &m, &err), -EINVAL);
	CHECK_STR(err ? err->msg : NULL,
		  "meta/snap.yaml:1:1: file too large: 1048577 bytes, at most 1048576 allowed");
}

int main(void)
{
	_cleanup_free_ char *dir = test_src_path("tests/manifest/bad");
	_cleanup_strv_ strv files = {0};
	CHECK_INT(test_list_yaml(dir, &files), 0);
	CHECK(files.n >= 45);
	for (size_t i = 0; i < files.n; i++)
		check_file(dir, files.v[i]);
	oversize();
	printf("bad inputs: %zu files + 1 generated\n", files.n);
	return check_done("test_manifest_bad");
}
