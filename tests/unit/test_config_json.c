/* The configuration layer (src/config), its ground: JSON as Go's
 * encoding/json reads and writes it (numbers as written, its escaping, its
 * syntax errors), fmt's %v and strconv.Quote, and snapd's key syntax. */
#include "check.h"
#include "confdoc.h"
#include "confout.h"
#include "jsonval.h"
#include "util.h"

#include <string.h>

/* ---- JSON ---- */

/* The compact JSON of TEXT, or "ERR: message". */
static char *reparse(const char *text)
{
	json_object *v = NULL;
	cordon_error *err = NULL;
	if (cordon_json_parse(text, strlen(text), &v, &err) < 0) {
		char *s = xasprintf("ERR: %s", err->msg);
		cordon_error_free(&err);
		return s;
	}
	char *s = cordon_json_text(v, NULL);
	json_object_put(v);
	return s;
}

static void check_parse(const char *text, const char *want)
{
	_cleanup_free_ char *got = reparse(text);
	CHECK_STR(got, want);
}

static void test_json_parse(void)
{
	/* numbers as written */
	check_parse("1.50", "1.50");
	check_parse("1e3", "1e3");
	check_parse("-1.0E+2", "-1.0E+2");
	check_parse("1234567890", "1234567890");
	check_parse("18446744073709551615", "18446744073709551615");
	check_parse("-9223372036854775808", "-9223372036854775808");
	check_parse(" [1, 2.0 ,\n{\"b\": true, \"a\": null}]\t", "[1,2.0,{\"a\":null,\"b\":true}]");
	check_parse("{\"a\":1,\"a\":2}", "{\"a\":2}"); /* the last wins, as in Go */
	check_parse("\"\\ud83d\\ude00 \\u00e9\\/\"", "\"\xf0\x9f\x98\x80 \xc3\xa9/\"");
	check_parse("\"\\ud800x\"", "\"\xef\xbf\xbdx\"");
	check_parse("\"\\u0000\"", "\"\\u0000\"");
	/* Go's messages */
	check_parse("", "ERR: EOF");
	check_parse("  \n", "ERR: EOF");
	check_parse("[1,", "ERR: unexpected EOF");
	check_parse("\"abc", "ERR: unexpected EOF");
	check_parse("tru", "ERR: unexpected EOF");
	check_parse("notJSON", "ERR: invalid character 'o' in literal null (expecting 'u')");
	check_parse("trUe", "ERR: invalid character 'U' in literal true (expecting 'u')");
	check_parse("x", "ERR: invalid character 'x' looking for beginning of value");
	check_parse("[1,]", "ERR: invalid character ']' looking for beginning of value");
	check_parse("{\"a\" 1}", "ERR: invalid character '1' after object key");
	check_parse("{\"a\":1 \"b\"}", "ERR: invalid character '\"' after object key:value pair");
	check_parse("{1:2}",
		    "ERR: invalid character '1' looking for beginning of object key string");
	check_parse("[1 2]", "ERR: invalid character '2' after array element");
	check_parse("\"a\nb\"", "ERR: invalid character '\\n' in string literal");
	check_parse("\"\\q\"", "ERR: invalid character 'q' in string escape code");
	check_parse("\"\\u12x4\"",
		    "ERR: invalid character 'x' in \\u hexadecimal character escape");
	check_parse("-a", "ERR: invalid character 'a' in numeric literal");
	check_parse("1.e3", "ERR: invalid character 'e' after decimal point in numeric literal");
	check_parse("1e+", "ERR: unexpected EOF");
	check_parse("1ex", "ERR: invalid character 'x' in exponent of numeric literal");
	check_parse("'a'", "ERR: invalid character '\\'' looking for beginning of value");
	check_parse("\xc3\xa9", "ERR: invalid character '\xc3\x83' looking for beginning of value");
	/* what json-c alone would take and Go does not */
	check_parse("NaN", "ERR: invalid character 'N' looking for beginning of value");
	check_parse("01", "ERR: cannot parse json value");
	check_parse("1 2", "ERR: cannot parse json value");
	check_parse("[1]]", "ERR: cannot parse json value"); /* Go lets this one pass */
	check_parse("/*c*/1", "ERR: invalid character '/' looking for beginning of value");
	/* what cordon does not keep */
	check_parse("123456789012345678901234567890",
		    "ERR: integer 123456789012345678901234567890 does not fit in 64 bits");
	check_parse("18446744073709551616",
		    "ERR: integer 18446744073709551616 does not fit in 64 bits");
	check_parse("1e400", "1e400"); /* not an integer: kept as written */
	/* nesting: CORDON_JSON_MAX_DEPTH levels, not one more */
	for (int depth = CORDON_JSON_MAX_DEPTH; depth <= CORDON_JSON_MAX_DEPTH + 1; depth++) {
		_cleanup_buf_ buf deep = {0};
		for (int i = 0; i < depth; i++)
			buf_adds(&deep, i % 2 ? "[" : "{\"k\":");
		buf_adds(&deep, "1");
		for (int i = depth - 1; i >= 0; i--)
			buf_adds(&deep, i % 2 ? "]" : "}");
		_cleanup_free_ char *got = reparse(deep.p);
		if (depth == CORDON_JSON_MAX_DEPTH)
			CHECK_STR(got, deep.p);
		else
			CHECK_STR(got, "ERR: JSON nested more than 32 levels deep");
	}
}

static void check_write(json_object *v, const char *indent, const char *want)
{
	_cleanup_free_ char *got = cordon_json_text(v, indent);
	CHECK_STR(got, want);
}

static void test_json_write(void)
{
	/* encoding/json's escaping: HTML characters, line separators, controls */
	json_object *s =
	    json_object_new_string("<a href=\"x\">&amp;</a>\t\b\f\x01\x7f\xe2\x80\xa8\\");
	check_write(
	    s, NULL,
	    "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\\t\\b\\f\\u0001\x7f"
	    "\\u2028\\\\\"");
	json_object_put(s);
	/* bytes that are not UTF-8 become U+FFFD, one per byte */
	s = json_object_new_string_len("a\xff\xe2\x82z\xed\xa0\x80", 8);
	check_write(
	    s, NULL,
	    "\"a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	json_object_put(s);
	/* MarshalIndent(v, "", "\t"): keys sorted, empty containers compact */
	json_object *v = NULL;
	const char *doc = "{\"b\":[1,{}],\"a\":{\"y\":[],\"x\":1.0}}";
	CHECK_INT(cordon_json_parse(doc, strlen(doc), &v, NULL), 0);
	check_write(
	    v, "\t",
	    "{\n\t\"a\": {\n\t\t\"x\": 1.0,\n\t\t\"y\": []\n\t},\n\t\"b\": [\n\t\t1,\n\t\t{}\n"
	    "\t]\n}");
	check_write(v, NULL, "{\"a\":{\"x\":1.0,\"y\":[]},\"b\":[1,{}]}");
	json_object_put(v);
	/* fmt's %v of decoded values */
	const char *arr = "[1,\"a b\",null,true,[],{\"k\":[2],\"j\":{}}]";
	CHECK_INT(cordon_json_parse(arr, strlen(arr), &v, NULL), 0);
	_cleanup_buf_ buf b = {0};
	cordon_json_format_v(v, &b);
	CHECK_STR(b.p, "[1 a b <nil> true [] map[j:map[] k:[2]]]");
	json_object_put(v);
	/* strconv.Quote, for names in messages */
	_cleanup_free_ char *q = cordon_go_quote("a\"b\\c\n\x01\xff\xc3\xa9\xc2\x85");
	CHECK_STR(q, "\"a\\\"b\\\\c\\n\\x01\\xff\xc3\xa9\\u0085\"");
}

/* ---- keys ---- */

static void test_keys(void)
{
	const char *good[] = {"a", "a1", "1a", "a-b", "1-a", "a-1-b", "abc.def-1.x9", "0a0"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		_cleanup_strv_ strv seg = {0};
		cordon_error *err = NULL;
		CHECK_INT(cordon_conf_parse_key(good[i], &seg, &err), 0);
		if (err)
			fprintf(stderr, "  %s: %s\n", good[i], err->msg);
		cordon_error_free(&err);
	}
	/* snapd's transaction_test.go: invalid option names */
	const char *bad[][2] = {
	    {"BAD", "invalid option name: \"BAD\""},
	    {"42", "invalid option name: \"42\""},
	    {".bad", "invalid option name: \"\""},
	    {"bad.", "invalid option name: \"\""},
	    {"bad..bad", "invalid option name: \"\""},
	    {"one.bad--bad.two", "invalid option name: \"bad--bad\""},
	    {"one.-bad.two", "invalid option name: \"-bad\""},
	    {"one.bad-.two", "invalid option name: \"bad-\""},
	    {"a_b", "invalid option name: \"a_b\""},
	    {"a b", "invalid option name: \"a b\""},
	    {"caf\xc3\xa9", "invalid option name: \"caf\xc3\xa9\""},
	    {"a\n", "invalid option name: \"a\\n\""},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_strv_ strv seg = {0};
		cordon_error *err = NULL;
		CHECK_INT(cordon_conf_parse_key(bad[i][0], &seg, &err), -EINVAL);
		CHECK_STR(err ? err->msg : NULL, bad[i][1]);
		cordon_error_free(&err);
	}
	_cleanup_strv_ strv seg = {0};
	CHECK_INT(cordon_conf_parse_key("", &seg, NULL), 0);
	CHECK_INT(seg.n, 0);
	CHECK_INT(cordon_conf_parse_key("a.b-c.d", &seg, NULL), 0);
	CHECK_INT(seg.n, 3);
	CHECK_STR(seg.v[1], "b-c");
}

int main(void)
{
	test_json_parse();
	test_json_write();
	test_keys();
	return check_done("config_json");
}
