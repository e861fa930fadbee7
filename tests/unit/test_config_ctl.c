/* snapctl's side of configuration and attributes (src/config/confctl.c):
 * `snapctl get`'s printing as snapd's ctlcmd printPatch does it (the cases
 * of overlord/hookstate/ctlcmd/get_test.go: one key bare or as JSON, -t,
 * -d, several keys as an object, missing keys left out), and getAttribute /
 * setInterfaceAttribute over static and dynamic attributes. */
#include "check.h"
#include "confctl.h"
#include "util.h"

#include <errno.h>
#include <string.h>

static void check_print(char *const *keys, char *const *values, size_t n, bool doc, bool typed,
			const char *want)
{
	_cleanup_buf_ buf out = {0};
	cordon_conf_snapctl_print(keys, values, n, doc, typed, &out);
	buf_addc(&out, '\0');
	CHECK_STR(out.p, want);
}

static void test_print(void)
{
	char *k1[] = {"test-key1"};
	char *s[] = {"\"test-value1\""};
	check_print(k1, s, 1, false, false, "test-value1\n");
	check_print(k1, s, 1, false, true, "\"test-value1\"\n");
	check_print(k1, s, 1, true, false, "{\n\t\"test-key1\": \"test-value1\"\n}\n");
	char *num[] = {"2"};
	check_print(k1, num, 1, false, false, "2\n");
	char *obj[] = {"{\"b\":2,\"a\":1}"};
	check_print(k1, obj, 1, false, false, "{\n\t\"a\": 1,\n\t\"b\": 2\n}\n");
	char *none[] = {NULL};
	check_print(k1, none, 1, false, false, "\n");
	check_print(k1, none, 1, false, true, "null\n");
	check_print(k1, none, 1, true, false, "{}\n");
	char *k2[] = {"b", "a", "c"};
	char *v2[] = {"\"x<y\"", "[1,2]", NULL};
	check_print(k2, v2, 3, false, false,
		    "{\n\t\"a\": [\n\t\t1,\n\t\t2\n\t],\n\t\"b\": \"x\\u003cy\"\n}\n");
	char *nul[] = {"null"};
	check_print(k1, nul, 1, false, true, "null\n");
}

static void test_attrs(void)
{
	const char *st = "{\"content\":\"stuff\",\"extra\":{\"depth\":2},\"list\":[1]}";
	char *dyn = NULL, *v = NULL;
	cordon_error *err = NULL;
	CHECK_INT(cordon_conf_attr_get("pl", st, dyn, "content", &v, &err), 0);
	CHECK_STR(v, "\"stuff\"");
	free(v);
	v = NULL;
	CHECK_INT(cordon_conf_attr_get("pl", st, dyn, "extra.depth", &v, &err), 0);
	CHECK_STR(v, "2");
	free(v);
	v = NULL;
	CHECK_INT(cordon_conf_attr_get("pl", st, dyn, "nope", &v, &err), -ENOENT);
	CHECK_STR(err ? err->msg : NULL, "snap \"pl\" has no \"nope\" attribute");
	cordon_error_free(&err);
	CHECK_INT(cordon_conf_attr_get("pl", st, dyn, "extra.x", &v, &err), -ENOENT);
	/* missing from the static ones, snapd looks in the dynamic ones and
	 * reports that lookup's error: no "extra" there at all */
	CHECK_STR(err ? err->msg : NULL, "snap \"pl\" has no \"extra\" attribute");
	cordon_error_free(&err);
	CHECK_INT(cordon_conf_attr_get("pl", st, dyn, "list.x", &v, &err), -EINVAL);
	CHECK_STR(err ? err->msg : NULL, "snap \"pl\" attribute \"list\" is not a map");
	cordon_error_free(&err);
	CHECK_INT(cordon_conf_attr_get("pl", st, dyn, "Bad", &v, &err), -EINVAL);
	CHECK_STR(err ? err->msg : NULL, "invalid option name: \"Bad\"");
	cordon_error_free(&err);
	/* dynamic ones: set where no static one is, then read after them */
	CHECK_INT(cordon_conf_attr_set("pl", st, &dyn, "dyn.a", "42", &err), 0);
	CHECK_STR(dyn, "{\"dyn\":{\"a\":42}}");
	CHECK_INT(cordon_conf_attr_get("pl", st, dyn, "dyn", &v, &err), 0);
	CHECK_STR(v, "{\"a\":42}");
	free(v);
	v = NULL;
	CHECK_INT(cordon_conf_attr_set("pl", st, &dyn, "extra.more", "1", &err), -EPERM);
	CHECK_STR(err ? err->msg : NULL, "attribute \"extra.more\" cannot be overwritten");
	cordon_error_free(&err);
	CHECK_STR(dyn, "{\"dyn\":{\"a\":42}}");
	free(dyn);
}

static void test_yaml_attrs(void)
{
	cordon_yaml_value items[2] = {{.kind = CORDON_Y_INT, .i = 7, .scalar = "7"},
				      {.kind = CORDON_Y_STRING, .scalar = "x"}};
	char *keys[] = {"n", "s"};
	cordon_attr attrs[] = {
	    {.name = "content", .value = {.kind = CORDON_Y_STRING, .scalar = "stuff"}},
	    {.name = "read", .value = {.kind = CORDON_Y_LIST, .n = 2, .items = items}},
	    {.name = "m", .value = {.kind = CORDON_Y_MAP, .n = 2, .keys = keys, .items = items}},
	    {.name = "b", .value = {.kind = CORDON_Y_BOOL, .b = true}},
	};
	char *json = cordon_conf_attrs_json(attrs, 4);
	CHECK_STR(json, "{\"b\":true,\"content\":\"stuff\",\"m\":{\"n\":7,\"s\":\"x\"},"
			"\"read\":[7,\"x\"]}");
	free(json);
}

int main(void)
{
	test_print();
	test_attrs();
	test_yaml_attrs();
	return check_done("config_ctl");
}
