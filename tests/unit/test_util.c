/* Pure helpers: environment expansion, rule language, table output. */
#include "check.h"
#include "env.h"
#include "landlock_defs.h"
#include "rules.h"
#include "util.h"

#include "../../src/cli/table.h"

#include <errno.h>

static void test_env(void)
{
	cordon_env e = {0};
	cordon_env_set(&e, "SNAP", "/snap/foo/x1");
	cordon_env_set(&e, "A", "1");
	cordon_env_set(&e, "A", "2"); /* replaced in place, order kept */
	CHECK_INT(e.kv.n, 2);
	CHECK_STR(e.kv.v[1], "A=2");
	char *x = cordon_env_expand(&e, "$SNAP/bin:${SNAP}/x:$A$A:$UNSET:${UNSET}.:$:${open");
	CHECK_STR(x, "/snap/foo/x1/bin:/snap/foo/x1/x:22::.:$:${open");
	free(x);
	x = cordon_env_expand(&e, "$SNAPX $SNAP_ $1");
	CHECK_STR(x, "  $1");
	free(x);
	cordon_env_unset(&e, "SNAP");
	CHECK(cordon_env_get(&e, "SNAP") == NULL);
	CHECK_STR(cordon_env_get(&e, "A"), "2");
	cordon_env_free(&e);
}

static void test_rules(void)
{
	char *path = NULL;
	uint64_t access = 0;
	uint32_t flags = 0;
	cordon_error *err = NULL;
	CHECK_INT(cordon_rule_parse_file("rwc $SNAP_DATA", &path, &access, &flags, &err), 0);
	CHECK_STR(path, "$SNAP_DATA");
	CHECK(access == (CORDON_LL_R | CORDON_LL_W | CORDON_LL_C));
	CHECK_INT(flags, 0);
	free(path);
	CHECK_INT(cordon_rule_parse_file("r /dev/ttyUSB[0-9]*", &path, &access, &flags, &err), 0);
	CHECK_INT(flags, CORDON_FS_GLOB);
	free(path);
	CHECK_INT(cordon_rule_parse_file("rz /x", &path, &access, &flags, &err), -EINVAL);
	CHECK_STR(err->msg, "file rule \"rz /x\": rights must be letters of \"rwxci\"");
	CHECK_INT(cordon_rule_parse_file("r relative", &path, &access, &flags, &err), -EINVAL);
	CHECK_INT(cordon_rule_parse_file("r /a/../b", &path, &access, &flags, &err), -EINVAL);
	CHECK_INT(cordon_rule_parse_file("r", &path, &access, &flags, &err), -EINVAL);

	cordon_dev_rule d;
	CHECK_INT(cordon_rule_parse_device("c 136:*", &d, &err), 0);
	CHECK(d.type == 'c' && d.major == 136 && d.minor == -1 && d.path == NULL);
	CHECK_INT(cordon_rule_parse_device("b 8:1", &d, &err), 0);
	CHECK(d.type == 'b' && d.major == 8 && d.minor == 1);
	CHECK_INT(cordon_rule_parse_device("/dev/video*", &d, &err), 0);
	CHECK_STR(d.path, "/dev/video*");
	free(d.path);
	CHECK_INT(cordon_rule_parse_device("/etc/passwd", &d, &err), -EINVAL);
	CHECK_INT(cordon_rule_parse_device("x 1:3", &d, &err), -EINVAL);
	CHECK_INT(cordon_rule_parse_device("c *:3", &d, &err), -EINVAL);

	uint64_t net = 0;
	CHECK_INT(cordon_rule_parse_network("tcp-connect", &net, &err), 0);
	CHECK(net == LANDLOCK_ACCESS_NET_CONNECT_TCP);
	CHECK_INT(cordon_rule_parse_network("udp", &net, &err), -EINVAL);
	int cap;
	CHECK_INT(cordon_rule_parse_capability("net_admin", &cap, &err), 0);
	CHECK_INT(cap, 12);
	CHECK_STR(cordon_capability_name(25), "sys_time");
	CHECK_INT(cordon_rule_parse_capability("root", &cap, &err), -EINVAL);
	cordon_error_free(&err);
}

static int lookup(void *ctx, const char *name, strv *values)
{
	(void)ctx;
	if (strcmp(name, "SNAP") == 0) {
		strv_push(values, "/snap/a/x1");
		return 0;
	}
	if (strcmp(name, "slot:read") == 0) {
		strv_push(values, "/x");
		strv_push(values, "/y");
		return 0;
	}
	if (strcmp(name, "slot:none") == 0)
		return 0;
	if (strcmp(name, "loop") == 0) {
		strv_push(values, "${loop}");
		return 0;
	}
	return -ENOENT;
}

static void test_subst(void)
{
	strv out = {0};
	cordon_error *err = NULL;
	CHECK_INT(cordon_rule_subst("rx $SNAP/lib", lookup, NULL, &out, &err), 0);
	CHECK_INT(out.n, 1);
	CHECK_STR(out.v[0], "rx /snap/a/x1/lib");
	strv_free(&out);
	/* a list gives one rule per element; launch-time variables stay */
	CHECK_INT(cordon_rule_subst("ro ${slot:read} $SNAP_USER_DATA/t", lookup, NULL, &out, &err),
		  0);
	CHECK_INT(out.n, 2);
	CHECK_STR(out.v[0], "ro /x $SNAP_USER_DATA/t");
	CHECK_STR(out.v[1], "ro /y $SNAP_USER_DATA/t");
	strv_free(&out);
	CHECK_INT(cordon_rule_subst("r ${slot:none}", lookup, NULL, &out, &err), 0);
	CHECK_INT(out.n, 0);
	CHECK_INT(cordon_rule_subst("r $NOPE", lookup, NULL, &out, &err), -EINVAL);
	CHECK_STR(err->msg, "unknown variable \"NOPE\" in \"r $NOPE\"");
	CHECK_INT(cordon_rule_subst("r ${loop}", lookup, NULL, &out, &err), -ELOOP);
	CHECK_INT(cordon_rule_subst("r ${open", lookup, NULL, &out, &err), -EINVAL);
	strv_free(&out);
	cordon_error_free(&err);
}

static void test_table(void)
{
	table t;
	table_init(&t, 3);
	const char *h[] = {"Name", "Version", "Notes"};
	const char *r1[] = {"hello-world", "1.0", ""};
	const char *r2[] = {"a", "10.2.3", "devmode"};
	table_add(&t, h);
	table_add(&t, r1);
	table_add(&t, r2);
	buf out = {0};
	table_render(&t, &out);
	CHECK_STR(out.p, "Name         Version  Notes\n"
			 "hello-world  1.0      -\n"
			 "a            10.2.3   devmode\n");
	buf_free(&out);
	table_free(&t);
}

static void test_strv_buf(void)
{
	strv s = {0};
	strv_push(&s, "b");
	strv_push(&s, "a");
	strv_sort(&s);
	CHECK_STR(s.v[0], "a");
	CHECK(s.v[2] == NULL);
	CHECK(strv_contains(&s, "b") && !strv_contains(&s, "c"));
	strv_free(&s);
	buf b = {0};
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	CHECK(str_has_prefix(b.p, "0,1,2,") && str_has_suffix(b.p, "998,999,"));
	char *p = buf_steal(&b);
	CHECK(b.p == NULL && b.len == 0);
	free(p);
}

int main(void)
{
	test_env();
	test_rules();
	test_subst();
	test_table();
	test_strv_buf();
	return check_done("util");
}
