/* Interface definitions' attribute patterns (definitions.c): what glibc's
 * regcomp() would take gigabytes to compile is refused at load, naming the
 * attribute; every pattern the shipped definitions use still loads. */
#include "check.h"
#include "definitions.h"
#include "util.h"

#include <errno.h>
#include <string.h>

/* The error of loading a definition whose plug attribute "a" has `type`,
 * or "(loaded)". */
static char *load_with(const char *type)
{
	_cleanup_free_ char *text =
	    xasprintf("name: x\nsummary: x\nplug-attributes:\n  a: '%s'\n", type);
	cordon_def *d = NULL;
	_cleanup_error_ cordon_error *err = NULL;
	if (cordon_def_load(text, strlen(text), "x.yaml", false, &d, &err) == 0) {
		cordon_def_free(d);
		return xstrdup("(loaded)");
	}
	return xstrdup(err ? err->msg : "(no message)");
}

static void check_loads(const char *type)
{
	_cleanup_free_ char *got = load_with(type);
	CHECK_STR(got, "(loaded)");
}

static void check_refused(const char *type)
{
	_cleanup_free_ char *got = load_with(type);
	CHECK(strstr(got, "attribute a: regular expression over 1024 characters or too large "
			  "to compile (its repetitions multiply past 10000)") != NULL);
	if (strstr(got, "regular expression over") == NULL)
		fprintf(stderr, "  %s: %s\n", type, got);
}

static void test_patterns(void)
{
	/* the shipped ones (dbus, serial-port) and ordinary intervals */
	check_loads("string! ~^(system|session)$");
	check_loads("path! ~^/dev/tty(mxc|USB|ACM|AMA|XRUSB|S|O|MFD|SC)[0-9]+$");
	check_loads("string ~^[0-9]{1,3}(\\.[0-9]{1,3}){3}$");
	check_loads("string ~^a{1000}$");
	check_loads("string ~^(a{10}){100}$");
	/* braces in brackets and escaped are characters, not intervals */
	check_loads("string ~^[{]{2}[]{]\\{5000}$");
	check_loads("string ~^a*(b+c?)*$");

	/* sequential repetitions add up */
	check_loads("string ~a{1000}b{1000}c+d+e+f+g+h+i+j+k+l+m+");
	check_loads("string ~(a{10}){100}");

	/* nested ones multiply: gigabytes in regcomp() */
	check_refused("string ~((((a{1,200}){1,200}){1,200}){1,200})");
	check_refused("string ~(a{10}){1001}");
	check_refused("string ~a{10001}");
	check_refused("string ~a{20000,}");
	check_refused("string ~a{1,99999999999999999999999}");
	check_refused("string ~a+++++++++++++++++++++++++");
	check_refused("string ~((((((((((((((a)+)+)+)+)+)+)+)+)+)+)+)+)+)+");
	check_refused("string ~(a|b{5000}|c{5001})");
	check_loads("string ~(x{100}(a{1,200})+)+|y{9000}");
	check_refused("string ~(x{100}(a{1,200})+)+|y{9001}");
	_cleanup_free_ char *long_re = xmalloc(1100);
	memset(long_re, 'a', 1099);
	long_re[1099] = '\0';
	_cleanup_free_ char *long_type = xasprintf("string ~%s", long_re);
	check_refused(long_type);

	/* what regcomp() refuses is still its error */
	_cleanup_free_ char *bad = load_with("string ~a(");
	CHECK_STR(bad, "x.yaml:4:6: attribute a: invalid regular expression");
}

int main(void)
{
	test_patterns();
	return check_done("definitions");
}
