/* The launcher invoked by name (base/invocation.h): which names map to which
 * label, and that nothing else does. */
#include "check.h"
#include "invocation.h"
#include "invocation_alias.h"
#include "util.h"

#include <errno.h>
#include <string.h>

static void ok(const char *name, const char *want)
{
	char *label = NULL;
	cordon_error *err = NULL;
	CHECK_INT(cordon_invocation_label(name, &label, &err), 0);
	CHECK_STR(label, want);
	free(label);
	cordon_error_free(&err);
}

static void refused(const char *name, const char *msg)
{
	char *label = (char *)"unset";
	cordon_error *err = NULL;
	CHECK_INT(cordon_invocation_label(name, &label, &err), -EINVAL);
	CHECK(label == NULL);
	CHECK(err != NULL);
	if (err && msg)
		CHECK_STR(err->msg, msg);
	cordon_error_free(&err);
}

static void test_base(void)
{
	CHECK_STR(cordon_invocation_base("/snap/bin/foo.bar"), "foo.bar");
	CHECK_STR(cordon_invocation_base("foo.bar"), "foo.bar");
	CHECK_STR(cordon_invocation_base("a/"), "");
	CHECK_STR(cordon_invocation_base(NULL), "");
	CHECK(cordon_invocation_is_launcher("cordon-confine"));
	CHECK(!cordon_invocation_is_launcher("cordon-confine.x"));
}

static void test_labels(void)
{
	ok("foo.bar", "snap.foo.bar");
	ok("foo", "snap.foo.foo");
	ok("foo_x1.bar", "snap.foo_x1.bar");
	ok("foo_x1", "snap.foo_x1.foo");
	ok("a-b9.My-App2", "snap.a-b9.My-App2");
	ok("f0", "snap.f0.f0");
	/* the longest: a 40-byte name, a 10-byte key */
	ok("abcdefghijabcdefghijabcdefghijabcdefghij_0123456789.x",
	   "snap.abcdefghijabcdefghijabcdefghijabcdefghij_0123456789.x");
}

static void test_refused(void)
{
	refused("", "invalid command name \"\": expected SNAP.APP or SNAP (a /snap/bin entry)");
	refused("..", NULL);
	refused(".", NULL);
	refused("foo.", NULL);
	refused(".bar", NULL);
	refused("foo..bar", NULL);
	refused("foo.bar.baz", NULL);
	refused("a/b", NULL);
	refused("../x", NULL);
	refused("foo/.bar", NULL);
	refused("f", NULL);	  /* a snap name has 2 bytes at least */
	refused("12", NULL);	  /* and a letter */
	refused("Foo.bar", NULL); /* lower case */
	refused("-foo.bar", NULL);
	refused("foo-.bar", NULL);
	refused("fo--o.bar", NULL);
	refused("foo.-bar", NULL);
	refused("foo.bar-", NULL);
	refused("foo.b--ar", NULL);
	refused("foo.b_ar", NULL);
	refused("foo_.bar", NULL);
	refused("foo_X.bar", NULL);
	refused("foo_12345678901.bar", NULL); /* key over 10 bytes */
	refused("foo_a_b.bar", NULL);
	refused("abcdefghijabcdefghijabcdefghijabcdefghijk.x", NULL); /* 41 */
	refused("foo.bar baz", NULL);
	refused("foo.b\x1b[2J", "invalid command name \"foo.b?[2J\": expected SNAP.APP or SNAP (a "
				"/snap/bin entry)");
	refused("foo.\xc3\xa9", NULL);
	ok("cordon-confine.x", "snap.cordon-confine.x"); /* a name like any: the policy decides */
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	refused(longname, "invalid command name: longer than 256 bytes");
	longname[256] = '\0';
	refused(longname, NULL); /* 256 bytes: refused by its shape (over 40) */
}

/* Which names are looked up in /snap/bin as an alias may be (snapd's
 * ValidAlias, bounded); every entry's name is one of them. */
static void test_alias_shaped(void)
{
	const char *yes[] = {"ll", "x", "hello.world", "a_b-c.D9", "hello_x1.app", "9"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		CHECK(cordon_invocation_alias_shaped(yes[i]));
	const char *no[] = {"", ".x", "-x", "_x", "a/b", "..", "a b", "caf\xc3\xa9", "x\n"};
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		CHECK(!cordon_invocation_alias_shaped(no[i]));
	char longest[258];
	memset(longest, 'a', sizeof longest - 1);
	longest[256] = '\0';
	CHECK(cordon_invocation_alias_shaped(longest));
	longest[256] = 'a';
	longest[257] = '\0';
	CHECK(!cordon_invocation_alias_shaped(longest));
}

int main(void)
{
	test_alias_shaped();
	test_base();
	test_labels();
	test_refused();
	return check_done("invocation");
}
