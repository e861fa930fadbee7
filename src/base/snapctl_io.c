#include "snapctl_io.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t cordon_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for `events` or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline, cordon_error **err)
{
	for (;;) {
		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - cordon_monotonic_ms();
			if (left <= 0)
				return cordon_err_msg(err, ETIMEDOUT, "timed out");
			timeout = left > 60000 ? 60000 : (int)left;
		}
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cordon_err(err, errno, "poll");
		if (n > 0)
			return 0;
	}
}

static int read_exact(int fd, void *data, size_t len, int64_t deadline, cordon_error **err)
{
	size_t got = 0;
	while (got < len) {
		int r = wait_fd(fd, POLLIN, deadline, err);
		if (r < 0)
			return r;
		ssize_t n = read(fd, (char *)data + got, len - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return cordon_err(err, errno, "read");
		if (n == 0)
			return cordon_err_msg(err, ECONNRESET, "connection closed");
		got += (size_t)n;
	}
	return 0;
}

int cordon_snapctl_read_frame(int fd, size_t max, int64_t deadline, buf *out, cordon_error **err)
{
	unsigned char le[4];
	int r = read_exact(fd, le, sizeof le, deadline, err);
	if (r < 0)
		return r;
	size_t n = (size_t)le[0] | (size_t)le[1] << 8 | (size_t)le[2] << 16 | (size_t)le[3] << 24;
	if (n > max)
		return cordon_err_msg(err, EMSGSIZE, "message of %zu bytes, more than %zu", n, max);
	/* grown as the bytes arrive: a length alone reserves no memory */
	char chunk[16384];
	while (n > 0) {
		size_t want = n < sizeof chunk ? n : sizeof chunk;
		r = read_exact(fd, chunk, want, deadline, err);
		if (r < 0)
			return r;
		buf_add(out, chunk, want);
		n -= want;
	}
	return 0;
}

int cordon_snapctl_write_all(int fd, const void *data, size_t len, int64_t deadline,
			     cordon_error **err)
{
	size_t done = 0;
	while (done < len) {
		int r = wait_fd(fd, POLLOUT, deadline, err);
		if (r < 0)
			return r;
		ssize_t n = send(fd, (const char *)data + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return cordon_err(err, errno, "write");
		done += (size_t)n;
	}
	return 0;
}
