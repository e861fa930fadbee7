/* `cordon get`'s output (src/config/confout.c) against what snap prints:
 * the expected strings of snapd's cmd/snapd/cli/cmd_get_test.go (getTests,
 * getNoConfigTests), on documents holding what its mock daemon answers;
 * the daemon's errors; and Go's tabwriter where a value has a tab or a
 * newline. */
#include "check.h"
#include "confout.h"
#include "util.h"

#include <string.h>

/* cmd_get_test.go's mock daemon, as one document: every key it answers for
 * (test-key3-a is answered with test-key3 and test-key4 there). */
static const char *doc =
    "{\"test-key1\":\"test-value1\",\"test-key2\":2,\"test-key3\":{\"a\":1,\"b\":2},"
    "\"test-key3-a\":9,\"test-key4\":{\"a\":3,\"b\":4},"
    "\"document\":{\"key1\":\"value1\",\"key2\":\"value2\"}}";
/* and what it answers for the whole document */
static const char *root_doc = "{\"foo\":{\"key1\":\"value1\",\"key2\":\"value2\"},\"bar\":100}";

#define WARNING                                                                                    \
	"WARNING: The output of 'cordon get' will become a list with columns - use -d or -l to "   \
	"force the output format."

/* Run `get FLAGS snapname KEYS` (space-separated) on DOCUMENT; compare
 * stdout, the warning and the error (NULL: none). */
static void check_get(const char *document, const char *flags, const char *keys, bool tty,
		      const char *want_out, const char *want_warning, const char *want_err)
{
	cordon_conf_get_opts o = {.document = strchr(flags, 'd') != NULL,
				  .list = strchr(flags, 'l') != NULL,
				  .typed = strchr(flags, 't') != NULL,
				  .tty = tty};
	_cleanup_strv_ strv k = {0};
	_cleanup_free_ char *copy = xstrdup(keys);
	for (char *save, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		strv_push(&k, tok);
	_cleanup_buf_ buf out = {0};
	_cleanup_free_ char *warning = NULL;
	cordon_error *err = NULL;
	int r = cordon_conf_get_output("snapname", document, k.v, k.n, &o, &out, &warning, &err);
	if (want_err) {
		CHECK(r < 0);
		CHECK_STR(err ? err->msg : NULL, want_err);
	} else {
		CHECK_INT(r, 0);
		if (err)
			fprintf(stderr, "  get %s %s: %s\n", flags, keys, err->msg);
		CHECK_STR(out.p ? out.p : "", want_out);
		CHECK_STR(warning, want_warning);
	}
	cordon_error_free(&err);
}

static void test_snapd_get_tests(void)
{
	check_get(doc, "", "test-key1", false, "test-value1\n", NULL, NULL);
	check_get(doc, "", "test-key2", false, "2\n", NULL, NULL);
	check_get(doc, "t", "test-key1", false, "\"test-value1\"\n", NULL, NULL);
	check_get(doc, "t", "test-key2", false, "2\n", NULL, NULL);
	check_get(doc, "d", "test-key1", false, "{\n\t\"test-key1\": \"test-value1\"\n}\n", NULL,
		  NULL);
	check_get(doc, "l", "test-key1", false, "Key        Value\ntest-key1  test-value1\n", NULL,
		  NULL);
	check_get(doc, "l", "test-key1 test-key2", false,
		  "Key        Value\ntest-key1  test-value1\ntest-key2  2\n", NULL, NULL);
	check_get(
	    doc, "", "document", false,
	    "{\n\t\"document\": {\n\t\t\"key1\": \"value1\",\n\t\t\"key2\": \"value2\"\n\t}\n}\n",
	    WARNING, NULL);
	check_get(doc, "", "document", true,
		  "Key            Value\ndocument.key1  value1\ndocument.key2  value2\n", NULL,
		  NULL);
	check_get(doc, "d", "test-key1 test-key2", false,
		  "{\n\t\"test-key1\": \"test-value1\",\n\t\"test-key2\": 2\n}\n", NULL, NULL);
	check_get(doc, "l", "document", false,
		  "Key            Value\ndocument.key1  value1\ndocument.key2  value2\n", NULL,
		  NULL);
	check_get(
	    doc, "d", "document", false,
	    "{\n\t\"document\": {\n\t\t\"key1\": \"value1\",\n\t\t\"key2\": \"value2\"\n\t}\n}\n",
	    NULL, NULL);
	check_get(root_doc, "l", "", false, "Key  Value\nbar  100\nfoo  {...}\n", NULL, NULL);
	check_get(
	    doc, "l", "test-key3 test-key3-a test-key4", false,
	    "Key          Value\ntest-key3.a  1\ntest-key3.b  2\ntest-key3-a  9\ntest-key4.a  "
	    "3\ntest-key4.b  4\n",
	    NULL, NULL);
	check_get(root_doc, "d", "", false,
		  "{\n\t\"bar\": 100,\n\t\"foo\": {\n\t\t\"key1\": \"value1\",\n\t\t\"key2\": "
		  "\"value2\"\n\t}\n}\n",
		  NULL, NULL);
	check_get(doc, "", "test-key1 test-key2", true,
		  "Key        Value\ntest-key1  test-value1\ntest-key2  2\n", NULL, NULL);
	check_get(doc, "", "test-key1 test-key2", false,
		  "{\n\t\"test-key1\": \"test-value1\",\n\t\"test-key2\": 2\n}\n", WARNING, NULL);
	/* getNoConfigTests */
	check_get(NULL, "l", "", false, NULL, NULL, "snap \"snapname\" has no configuration");
	check_get(NULL, "", "", false, NULL, NULL, "snap \"snapname\" has no configuration");
	check_get(NULL, "d", "", false, "{}\n", NULL, NULL);
	check_get("{}", "d", "", false, "{}\n", NULL, NULL);
	/* flags */
	check_get(doc, "dt", "test-key1", false, NULL, NULL, "cannot use -d and -t together");
	check_get(doc, "dl", "test-key1", false, NULL, NULL, "cannot use -d and -l together");
}

/* What the real daemon answers where the mock above says nothing. */
static void test_daemon_answers(void)
{
	const char *d =
	    "{\"a\":{\"b\":{\"c\":1.50,\"d\":[1,\"x y\",null,{\"k\":true}]},\"e\":\"<&>\"},"
	    "\"n\":-2e3,\"s\":\"two\\nlines\",\"empty\":{}}";
	check_get(d, "", "missing-key", false, NULL, NULL,
		  "snap \"snapname\" has no \"missing-key\" configuration option");
	check_get(d, "", "a.x.y", false, NULL, NULL,
		  "snap \"snapname\" has no \"a.x\" configuration option");
	check_get(d, "", "n.x", false, NULL, NULL, "snap \"snapname\" option \"n\" is not a map");
	check_get(d, "", "Bad", false, NULL, NULL, "invalid option name: \"Bad\"");
	check_get(d, "", "a a.b.c Bad", false, NULL, NULL, "invalid option name: \"Bad\"");
	check_get(d, "", "a.b.c", false, "1.50\n", NULL, NULL);
	check_get(d, "", "n", false, "-2e3\n", NULL, NULL);
	check_get(d, "", "s", false, "two\nlines\n", NULL, NULL);
	check_get(d, "t", "s", false, "\"two\\nlines\"\n", NULL, NULL);
	check_get(d, "", "a.e", false, "<&>\n", NULL, NULL);
	check_get(d, "t", "a.e", false, "\"\\u003c\\u0026\\u003e\"\n", NULL, NULL);
	check_get(d, "", "a.b.d", false,
		  "[\n\t1,\n\t\"x y\",\n\tnull,\n\t{\n\t\t\"k\": true\n\t}\n]\n", NULL, NULL);
	/* the whole document: objects as {...}; one key: one level down */
	check_get(d, "", "", true,
		  "Key    Value\na      {...}\nempty  {...}\nn      -2e3\ns      two\nlines\n",
		  NULL, NULL);
	check_get(d, "", "a", true, "Key  Value\na.b  {...}\na.e  <&>\n", NULL, NULL);
	check_get(d, "l", "a.b", false,
		  "Key    Value\na.b.c  1.50\na.b.d  [1 x y <nil> map[k:true]]\n", NULL, NULL);
	check_get(d, "l", "empty", false, "Key  Value\n", NULL, NULL);
	check_get(d, "", "empty", false, "{\n\t\"empty\": {}\n}\n", WARNING, NULL);
	check_get(d, "d", "a.b.c n", false, "{\n\t\"a.b.c\": 1.50,\n\t\"n\": -2e3\n}\n", NULL,
		  NULL);
	check_get(d, "", "", false,
		  "{\n\t\"a\": {\n\t\t\"b\": {\n\t\t\t\"c\": 1.50,\n\t\t\t\"d\": [\n\t\t\t\t1,\n"
		  "\t\t\t\t\"x y\",\n\t\t\t\tnull,\n\t\t\t\t{\n\t\t\t\t\t\"k\": true\n\t\t\t\t}\n"
		  "\t\t\t]\n\t\t},\n\t\t\"e\": \"\\u003c\\u0026\\u003e\"\n\t},\n\t\"empty\": {},\n"
		  "\t\"n\": -2e3,\n\t\"s\": \"two\\nlines\"\n}\n",
		  WARNING, NULL);
}

static void check_tab(const char *in, const char *want)
{
	_cleanup_buf_ buf out = {0};
	cordon_conf_tabwrite(in, strlen(in), &out);
	CHECK_STR(out.p ? out.p : "", want);
}

/* Go's text/tabwriter.NewWriter(w, 5, 3, 2, ' ', 0): what it makes of
 * values that hold its own control characters. */
static void test_tabwriter(void)
{
	check_tab("", "");
	check_tab("Key\tValue\na\t1\n", "Key  Value\na    1\n");
	check_tab("Key\tValue\nlong-key\t1\n", "Key       Value\nlong-key  1\n");
	/* a line of one cell ends the column block: what follows is aligned
	 * anew */
	check_tab("Key\tValue\na\tx\ny\nlong-key\t1\n", "Key  Value\na    x\ny\nlong-key  1\n");
	/* a tab in a value makes one more column */
	check_tab("Key\tValue\na\tx\ty\nbb\tz\n", "Key  Value\na    x    y\nbb   z\n");
	check_tab("Key\tValue\na\tlong-x\ty\nbb\tz\tw\n",
		  "Key  Value\na    long-x  y\nbb   z       w\n");
	/* \v ends a cell, \f a line and the block */
	check_tab("Key\tValue\na\vx\fbbbbbb\t1\n", "Key  Value\na    x\nbbbbbb  1\n");
	/* widths in runes */
	check_tab("Key\tValue\n\xc3\xa9t\xc3\xa9\t1\nab\t2\n",
		  "Key  Value\n\xc3\xa9t\xc3\xa9  1\nab   2\n");
	/* text after the last newline */
	check_tab("a\tb\nc", "a    b\nc");
	/* empty cells, empty lines (outputs of Go 1.19's text/tabwriter) */
	check_tab("a\t\tb\n\tc\td\n\n\tx\n", "a         b\n     c    d\n\n     x\n");
	check_tab("x\ty\tz\n\t\t\nlonger\tq\n", "x       y    z\n             \nlonger  q\n");
	/* a NUL byte in a string is printed, as Go prints it */
	cordon_conf_get_opts o = {.list = true};
	_cleanup_buf_ buf out = {0};
	_cleanup_free_ char *warning = NULL;
	CHECK_INT(
	    cordon_conf_get_output("s", "{\"a\":\"x\\u0000y\"}", NULL, 0, &o, &out, &warning, NULL),
	    0);
	CHECK(out.len == 20 && memcmp(out.p, "Key  Value\na    x\0y\n", 20) == 0);
}

int main(void)
{
	test_snapd_get_tests();
	test_daemon_answers();
	test_tabwriter();
	return check_done("config_get");
}
