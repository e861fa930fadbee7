/* Moving snapctl frames (snapctl_wire.h) over a stream socket, with a
 * deadline: the broker gives a client a few seconds to send its request,
 * so a client that stalls holds nothing for long. Used by the client and
 * the broker alike. */
#pragma once
#include "error.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds: what deadlines are measured in. */
int64_t cordon_monotonic_ms(void);

/* Read one frame: its 4-byte length (more than max: -EMSGSIZE, and nothing
 * of the payload is read or allocated), then the payload into out. deadline:
 * a cordon_monotonic_ms() value (-ETIMEDOUT once passed) or -1 for none. The
 * peer closing before a whole frame: -ECONNRESET. */
int cordon_snapctl_read_frame(int fd, size_t max, int64_t deadline, buf *out, cordon_error **err);

/* Write all of data (MSG_NOSIGNAL: a peer that went away is an error, not a
 * SIGPIPE), by the deadline (or -1). */
int cordon_snapctl_write_all(int fd, const void *data, size_t len, int64_t deadline,
			     cordon_error **err);
