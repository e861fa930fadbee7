/* The snapctl protocol: what the `snapctl` client inside a sandbox and the
 * broker (`cordon snapctl-daemon`, root) say to each other over the broker's
 * socket. Pure: encoding and decoding only (snapctl_io.h moves the bytes).
 *
 * One request per connection, one response, each one frame: a 32-bit
 * little-endian length, then that many bytes.
 *
 *   request:  u32 version, str cookie, u32 argc, argc x str
 *   response: u32 version, u32 exit status (0-255), str stdout, str stderr
 *   str:      u32 length, the bytes (no NUL inside)
 *
 * Whoever can reach the socket can send anything: the broker runs as root
 * and every local user may connect, so the decoder trusts no length, count
 * or byte and the frame length is checked before anything is allocated.
 * The limits follow what a client can be given at all: execve caps one
 * argument at MAX_ARG_STRLEN (128 KiB) and all of them at a few MiB. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORDON_SNAPCTL_VERSION 1u

#define CORDON_SNAPCTL_MAX_REQUEST ((size_t)4 << 20)
#define CORDON_SNAPCTL_MAX_ARGC 65536u
#define CORDON_SNAPCTL_MAX_ARG ((size_t)128 << 10)
/* a cookie is 64 hexadecimal characters; more is refused before compare */
#define CORDON_SNAPCTL_MAX_COOKIE 256u
#define CORDON_SNAPCTL_MAX_RESPONSE ((size_t)16 << 20)

/* The per-snap cookie (cookie files, SNAP_COOKIE): 32 random bytes, hex. */
#define CORDON_COOKIE_BYTES 32u
#define CORDON_COOKIE_LEN (2 * CORDON_COOKIE_BYTES)

typedef struct cordon_snapctl_request {
	uint32_t version;
	char *cookie;
	strv args;
} cordon_snapctl_request;

typedef struct cordon_snapctl_response {
	uint32_t version;
	int status;
	char *out;
	char *errout;
} cordon_snapctl_response;

/* Append one frame (length included) to out. -E2BIG (nothing appended) when
 * the request would exceed a limit above: the client says so instead of
 * sending it. */
int cordon_snapctl_request_encode(const char *cookie, size_t argc, const char *const *argv,
				  buf *out);
void cordon_snapctl_response_encode(int status, const char *out, size_t out_len, const char *errout,
				    size_t err_len, buf *frame);

/* Decode a frame's payload (without its length). Any truncation, trailing
 * byte, count or length beyond the limits, or NUL inside a string: -EINVAL
 * and *err says what; out is then empty. A version other than ours is
 * decoded as far as the version (the caller answers it). */
int cordon_snapctl_request_decode(const void *data, size_t len, cordon_snapctl_request *out,
				  cordon_error **err);
int cordon_snapctl_response_decode(const void *data, size_t len, cordon_snapctl_response *out,
				   cordon_error **err);

void cordon_snapctl_request_free(cordon_snapctl_request *r);
void cordon_snapctl_response_free(cordon_snapctl_response *r);

/* Is s a well-formed cookie (CORDON_COOKIE_LEN lowercase hex digits)? */
bool cordon_cookie_valid(const char *s, size_t len);

/* Do two cookies of CORDON_COOKIE_LEN bytes match? In constant time: how
 * long the compare takes says nothing about how much of a guess was right. */
bool cordon_cookie_equal(const char *a, const char *b);

/* Hex of CORDON_COOKIE_BYTES random bytes, NUL-terminated (out: LEN + 1). */
void cordon_cookie_format(const unsigned char *bytes, char *out);
