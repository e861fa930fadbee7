/* libFuzzer harness: the snapctl protocol's decoders (base/snapctl_wire.h).
 *
 * cordon_snapctl_request_decode() runs in the root broker on whatever any
 * local user sends to its socket (mode 0666): the first parser between an
 * untrusted byte and root. Input: a request's payload (after its length).
 * What decodes is encoded again and must decode to the same; the response
 * decoder (the client's) gets the same bytes. Nothing is printed but a
 * mismatch. */
#include "snapctl_wire.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ cordon_error *err = NULL;
	cordon_snapctl_request r;
	if (cordon_snapctl_request_decode(data, size, &r, &err) == 0 &&
	    r.version == CORDON_SNAPCTL_VERSION) {
		_cleanup_buf_ buf again = {0};
		if (cordon_snapctl_request_encode(r.cookie, r.args.n, (const char *const *)r.args.v,
						  &again) != 0) {
			fprintf(stderr, "fuzz_snapctl: a decoded request does not encode\n");
			abort();
		}
		if (again.len - 4 != size || memcmp(again.p + 4, data, size) != 0) {
			fprintf(stderr, "fuzz_snapctl: a decoded request encodes differently\n");
			abort();
		}
	}
	cordon_snapctl_request_free(&r);
	cordon_error_free(&err);
	cordon_snapctl_response res;
	if (cordon_snapctl_response_decode(data, size, &res, &err) == 0) {
		_cleanup_buf_ buf again = {0};
		cordon_snapctl_response_encode(res.status, res.out, strlen(res.out), res.errout,
					       strlen(res.errout), &again);
		if (again.len - 4 != size || memcmp(again.p + 4, data, size) != 0) {
			fprintf(stderr, "fuzz_snapctl: a decoded response encodes differently\n");
			abort();
		}
	}
	cordon_snapctl_response_free(&res);
	return 0;
}
