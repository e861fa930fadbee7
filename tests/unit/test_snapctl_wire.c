/* The snapctl protocol (base/snapctl_wire.h): round trips, and every way a
 * request from an untrusted client can be malformed. */
#include "check.h"
#include "error.h"
#include "snapctl_wire.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static const char cookie[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static uint32_t le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static void put32(buf *b, uint32_t v)
{
	unsigned char le[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24)};
	buf_add(b, le, 4);
}

/* decode the payload of a request frame: 0 or -EINVAL */
static int decode(const buf *frame, cordon_snapctl_request *r)
{
	cordon_error *err = NULL;
	int ret = cordon_snapctl_request_decode(frame->p + 4, frame->len - 4, r, &err);
	cordon_error_free(&err);
	return ret;
}

static void test_round_trip(void)
{
	const char *argv[] = {"services", "", "snapa.svc", "--global"};
	buf f = {0};
	CHECK_INT(cordon_snapctl_request_encode(cookie, 4, argv, &f), 0);
	CHECK_INT(le32(f.p), f.len - 4);
	cordon_snapctl_request r;
	CHECK_INT(decode(&f, &r), 0);
	CHECK_INT(r.version, CORDON_SNAPCTL_VERSION);
	CHECK_STR(r.cookie, cookie);
	CHECK_INT(r.args.n, 4);
	for (size_t i = 0; i < 4 && i < r.args.n; i++)
		CHECK_STR(r.args.v[i], argv[i]);
	cordon_snapctl_request_free(&r);

	/* every cut of it is refused, as is a byte more */
	for (size_t cut = 4; cut < f.len; cut++) {
		cordon_error *err = NULL;
		CHECK_INT(cordon_snapctl_request_decode(f.p + 4, cut - 4, &r, &err), -EINVAL);
		CHECK(r.cookie == NULL && r.args.n == 0);
		cordon_error_free(&err);
	}
	buf_addc(&f, 'x');
	CHECK_INT(decode(&f, &r), -EINVAL);
	buf_free(&f);

	buf resp = {0};
	cordon_snapctl_response_encode(3, "out\n", 4, "error: x\n", 9, &resp);
	CHECK_INT(le32(resp.p), resp.len - 4);
	cordon_snapctl_response res;
	cordon_error *err = NULL;
	CHECK_INT(cordon_snapctl_response_decode(resp.p + 4, resp.len - 4, &res, &err), 0);
	CHECK_INT(res.status, 3);
	CHECK_STR(res.out, "out\n");
	CHECK_STR(res.errout, "error: x\n");
	cordon_snapctl_response_free(&res);
	buf_free(&resp);
}

static void test_malformed(void)
{
	cordon_snapctl_request r;
	/* a NUL inside an argument */
	buf f = {0};
	put32(&f, 0);
	put32(&f, 1);
	put32(&f, 0); /* empty cookie */
	put32(&f, 1);
	put32(&f, 3);
	buf_add(&f, "a\0b", 3);
	CHECK_INT(decode(&f, &r), -EINVAL);
	buf_free(&f);
	/* an argument count no payload could hold (nothing allocated for it) */
	put32(&f, 0);
	put32(&f, 1);
	put32(&f, 0);
	put32(&f, 0xffffffffu);
	CHECK_INT(decode(&f, &r), -EINVAL);
	buf_free(&f);
	/* a string length past the end */
	put32(&f, 0);
	put32(&f, 1);
	put32(&f, 0x7fffffffu);
	CHECK_INT(decode(&f, &r), -EINVAL);
	buf_free(&f);
	/* a cookie longer than any */
	put32(&f, 0);
	put32(&f, 1);
	put32(&f, CORDON_SNAPCTL_MAX_COOKIE + 1);
	for (size_t i = 0; i <= CORDON_SNAPCTL_MAX_COOKIE; i++)
		buf_addc(&f, 'a');
	put32(&f, 0);
	CHECK_INT(decode(&f, &r), -EINVAL);
	buf_free(&f);
	/* another version: decoded that far, for the broker to answer */
	put32(&f, 0);
	put32(&f, 7);
	buf_add(&f, "whatever", 8);
	CHECK_INT(decode(&f, &r), 0);
	CHECK_INT(r.version, 7);
	CHECK(r.cookie == NULL && r.args.n == 0);
	cordon_snapctl_request_free(&r);
	buf_free(&f);
	/* no version at all */
	put32(&f, 0);
	buf_add(&f, "ab", 2);
	CHECK_INT(decode(&f, &r), -EINVAL);
	buf_free(&f);
	/* a response with a status out of range */
	put32(&f, 1);
	put32(&f, 256);
	put32(&f, 0);
	put32(&f, 0);
	cordon_snapctl_response res;
	cordon_error *err = NULL;
	CHECK_INT(cordon_snapctl_response_decode(f.p, f.len, &res, &err), -EINVAL);
	cordon_error_free(&err);
	buf_free(&f);
}

static void test_limits(void)
{
	/* the client refuses what the broker would: nothing appended */
	buf f = {0};
	char *big = xmalloc(CORDON_SNAPCTL_MAX_ARG + 2);
	memset(big, 'x', CORDON_SNAPCTL_MAX_ARG + 1);
	big[CORDON_SNAPCTL_MAX_ARG + 1] = '\0';
	const char *one[] = {big};
	CHECK_INT(cordon_snapctl_request_encode(cookie, 1, one, &f), -E2BIG);
	CHECK_INT(f.len, 0);
	big[CORDON_SNAPCTL_MAX_ARG] = '\0'; /* exactly the limit: fine */
	CHECK_INT(cordon_snapctl_request_encode(cookie, 1, one, &f), 0);
	buf_free(&f);
	size_t n = CORDON_SNAPCTL_MAX_REQUEST / CORDON_SNAPCTL_MAX_ARG + 1;
	const char **many = xcalloc(n, sizeof *many);
	for (size_t i = 0; i < n; i++)
		many[i] = big;
	CHECK_INT(cordon_snapctl_request_encode(cookie, n, many, &f), -E2BIG);
	CHECK_INT(f.len, 0);
	free(many);
	free(big);
	const char **lots = xcalloc(CORDON_SNAPCTL_MAX_ARGC + 1, sizeof *lots);
	for (size_t i = 0; i <= CORDON_SNAPCTL_MAX_ARGC; i++)
		lots[i] = "";
	CHECK_INT(cordon_snapctl_request_encode(cookie, CORDON_SNAPCTL_MAX_ARGC + 1, lots, &f),
		  -E2BIG);
	CHECK_INT(cordon_snapctl_request_encode(cookie, CORDON_SNAPCTL_MAX_ARGC, lots, &f), 0);
	cordon_snapctl_request r;
	CHECK_INT(decode(&f, &r), 0);
	CHECK_INT(r.args.n, CORDON_SNAPCTL_MAX_ARGC);
	cordon_snapctl_request_free(&r);
	free(lots);
	buf_free(&f);
	/* a response over the limit is cut, never sent whole */
	char *huge = xmalloc(CORDON_SNAPCTL_MAX_RESPONSE);
	memset(huge, 'y', CORDON_SNAPCTL_MAX_RESPONSE);
	cordon_snapctl_response_encode(0, huge, CORDON_SNAPCTL_MAX_RESPONSE, "e", 1, &f);
	CHECK(f.len - 4 <= CORDON_SNAPCTL_MAX_RESPONSE);
	cordon_snapctl_response res;
	cordon_error *err = NULL;
	CHECK_INT(cordon_snapctl_response_decode(f.p + 4, f.len - 4, &res, &err), 0);
	CHECK_STR(res.errout, "e");
	cordon_snapctl_response_free(&res);
	free(huge);
	buf_free(&f);
}

static void test_cookies(void)
{
	CHECK(cordon_cookie_valid(cookie, strlen(cookie)));
	CHECK(!cordon_cookie_valid(cookie, strlen(cookie) - 1));
	char upper[sizeof cookie];
	memcpy(upper, cookie, sizeof cookie);
	upper[10] = 'A';
	CHECK(!cordon_cookie_valid(upper, strlen(upper)));
	CHECK(!cordon_cookie_valid("", 0));
	CHECK(cordon_cookie_equal(cookie, cookie));
	char other[sizeof cookie];
	memcpy(other, cookie, sizeof cookie);
	other[63] = '0';
	CHECK(!cordon_cookie_equal(cookie, other));
	other[63] = cookie[63];
	other[0] = '1';
	CHECK(!cordon_cookie_equal(cookie, other));
	unsigned char bytes[CORDON_COOKIE_BYTES];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(i * 37 + 5);
	char out[CORDON_COOKIE_LEN + 1];
	cordon_cookie_format(bytes, out);
	CHECK_INT(strlen(out), CORDON_COOKIE_LEN);
	CHECK(cordon_cookie_valid(out, strlen(out)));
	CHECK(strncmp(out, "052a4f74", 8) == 0);
}

int main(void)
{
	test_round_trip();
	test_malformed();
	test_limits();
	test_cookies();
	return check_done("snapctl_wire");
}
