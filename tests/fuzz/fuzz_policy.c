/* libFuzzer harness: the compiled-policy reader of the launcher.
 *
 * cordon_policy_decode() runs in the setuid launcher on the file of the label
 * being launched: the last parser between a damaged (or planted) file and
 * root. Input: the file's bytes. What decodes is encoded and decoded again,
 * and must come back the same. Nothing is printed but such a mismatch.
 *
 * The format ends with a checksum of everything before it, which random
 * mutations almost never get right; the checks after it (a complete policy,
 * a seccomp filter) would then never run. So an input that ends with an END
 * record is decoded twice: as it is, and with the checksum fixed up. */
#include "policy.h"
#include "util.h"

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The END record (policy_format.c): u16 tag 0 | u16 0 | u32 8 | u64 hash. */
#define END_SIZE 16

/* What decodes must survive a round trip: encoded again, it decodes, and
 * encodes to the same bytes (the compiler and the launcher agree on what a
 * file means, whatever wrote it). */
static void decode(const uint8_t *data, size_t size)
{
	_cleanup_error_ cordon_error *err = NULL;
	_cleanup_policy_ cordon_policy p = {0}, q = {0};
	if (cordon_policy_decode(data, size, &p, &err) < 0)
		return;
	_cleanup_buf_ buf a = {0}, b = {0};
	cordon_policy_encode(&p, &a);
	if (cordon_policy_decode(a.p, a.len, &q, &err) < 0) {
		fprintf(stderr, "fuzz_policy: re-encoded policy refused: %s\n", err->msg);
		abort();
	}
	cordon_policy_encode(&q, &b);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
		fprintf(stderr, "fuzz_policy: encoding not stable across a round trip\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode(data, size);
	static const uint8_t end_header[8] = {0, 0, 0, 0, 8, 0, 0, 0};
	if (size < 16 + END_SIZE || memcmp(data + size - END_SIZE, end_header, 8) != 0)
		return 0;
	uint64_t want = htole64(hash64(data, size - END_SIZE, 0));
	if (memcmp(data + size - 8, &want, 8) == 0)
		return 0; /* already decoded as it is */
	_cleanup_free_ uint8_t *fixed = xmalloc(size);
	memcpy(fixed, data, size - 8);
	memcpy(fixed + size - 8, &want, 8);
	decode(fixed, size);
	return 0;
}
