#include "snapctl_wire.h"

#include <errno.h>
#include <string.h>

static void put_u32(buf *b, uint32_t v)
{
	unsigned char le[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24)};
	buf_add(b, le, sizeof le);
}

static void put_str(buf *b, const char *s, size_t n)
{
	put_u32(b, (uint32_t)n);
	buf_add(b, s, n);
}

/* The frame's length, written once the payload is known. */
static void seal(buf *b, size_t start)
{
	uint32_t n = (uint32_t)(b->len - start - 4);
	unsigned char *p = (unsigned char *)b->p + start;
	p[0] = (unsigned char)n;
	p[1] = (unsigned char)(n >> 8);
	p[2] = (unsigned char)(n >> 16);
	p[3] = (unsigned char)(n >> 24);
}

int cordon_snapctl_request_encode(const char *cookie, size_t argc, const char *const *argv,
				  buf *out)
{
	size_t clen = strlen(cookie);
	size_t total = 12 + clen;
	if (argc > CORDON_SNAPCTL_MAX_ARGC || clen > CORDON_SNAPCTL_MAX_COOKIE)
		return -E2BIG;
	for (size_t i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (n > CORDON_SNAPCTL_MAX_ARG)
			return -E2BIG;
		total += 4 + n;
		if (total > CORDON_SNAPCTL_MAX_REQUEST)
			return -E2BIG;
	}
	size_t start = out->len;
	put_u32(out, 0);
	put_u32(out, CORDON_SNAPCTL_VERSION);
	put_str(out, cookie, clen);
	put_u32(out, (uint32_t)argc);
	for (size_t i = 0; i < argc; i++)
		put_str(out, argv[i], strlen(argv[i]));
	seal(out, start);
	return 0;
}

void cordon_snapctl_response_encode(int status, const char *out, size_t out_len, const char *errout,
				    size_t err_len, buf *frame)
{
	/* the broker keeps its answers within the limit (it cuts long output
	 * itself); what is left over here is cut, never sent */
	size_t room = CORDON_SNAPCTL_MAX_RESPONSE - 16;
	if (err_len > room)
		err_len = room;
	if (out_len > room - err_len)
		out_len = room - err_len;
	size_t start = frame->len;
	put_u32(frame, 0);
	put_u32(frame, CORDON_SNAPCTL_VERSION);
	put_u32(frame, (uint32_t)(status & 0xff));
	put_str(frame, out ? out : "", out ? out_len : 0);
	put_str(frame, errout ? errout : "", errout ? err_len : 0);
	seal(frame, start);
}

typedef struct reader {
	const unsigned char *p;
	size_t left;
} reader;

static bool get_u32(reader *r, uint32_t *v)
{
	if (r->left < 4)
		return false;
	*v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
	     (uint32_t)r->p[3] << 24;
	r->p += 4;
	r->left -= 4;
	return true;
}

/* A string of at most max bytes, no NUL inside; malloc'd, NUL-terminated. */
static bool get_str(reader *r, size_t max, char **out)
{
	uint32_t n;
	if (!get_u32(r, &n) || n > max || n > r->left || memchr(r->p, '\0', n) != NULL)
		return false;
	*out = xstrndup((const char *)r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

int cordon_snapctl_request_decode(const void *data, size_t len, cordon_snapctl_request *out,
				  cordon_error **err)
{
	memset(out, 0, sizeof *out);
	if (len > CORDON_SNAPCTL_MAX_REQUEST)
		return cordon_err_msg(err, EINVAL, "request too large");
	reader r = {.p = data, .left = len};
	if (!get_u32(&r, &out->version))
		return cordon_err_msg(err, EINVAL, "truncated request");
	if (out->version != CORDON_SNAPCTL_VERSION)
		return 0; /* the caller answers in the version it knows */
	uint32_t argc;
	if (!get_str(&r, CORDON_SNAPCTL_MAX_COOKIE, &out->cookie) || !get_u32(&r, &argc) ||
	    argc > CORDON_SNAPCTL_MAX_ARGC || argc > r.left / 4)
		goto bad;
	for (uint32_t i = 0; i < argc; i++) {
		char *a;
		if (!get_str(&r, CORDON_SNAPCTL_MAX_ARG, &a))
			goto bad;
		strv_push_own(&out->args, a);
	}
	if (r.left != 0)
		goto bad;
	return 0;
bad:
	cordon_snapctl_request_free(out);
	return cordon_err_msg(err, EINVAL, "malformed request");
}

int cordon_snapctl_response_decode(const void *data, size_t len, cordon_snapctl_response *out,
				   cordon_error **err)
{
	memset(out, 0, sizeof *out);
	reader r = {.p = data, .left = len};
	uint32_t status;
	if (len > CORDON_SNAPCTL_MAX_RESPONSE || !get_u32(&r, &out->version) ||
	    out->version != CORDON_SNAPCTL_VERSION || !get_u32(&r, &status) || status > 255 ||
	    !get_str(&r, CORDON_SNAPCTL_MAX_RESPONSE, &out->out) ||
	    !get_str(&r, CORDON_SNAPCTL_MAX_RESPONSE, &out->errout) || r.left != 0) {
		cordon_snapctl_response_free(out);
		return cordon_err_msg(err, EINVAL, "malformed response");
	}
	out->status = (int)status;
	return 0;
}

void cordon_snapctl_request_free(cordon_snapctl_request *r)
{
	free(r->cookie);
	strv_free(&r->args);
	memset(r, 0, sizeof *r);
}

void cordon_snapctl_response_free(cordon_snapctl_response *r)
{
	free(r->out);
	free(r->errout);
	memset(r, 0, sizeof *r);
}

bool cordon_cookie_valid(const char *s, size_t len)
{
	if (len != CORDON_COOKIE_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool cordon_cookie_equal(const char *a, const char *b)
{
	/* volatile: the compiler may not turn the loop into an early exit */
	volatile unsigned char diff = 0;
	for (size_t i = 0; i < CORDON_COOKIE_LEN; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return diff == 0;
}

void cordon_cookie_format(const unsigned char *bytes, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < CORDON_COOKIE_BYTES; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[CORDON_COOKIE_LEN] = '\0';
}
