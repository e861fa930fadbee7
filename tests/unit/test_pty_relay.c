/* The pure part of `cordon run --pty` (src/cli/pty_relay_logic.c): the
 * relay's buffers, the exit status it reports, the end of input it sends and
 * what it does with each signal. */
#include "check.h"

#include "../../src/cli/pty_relay.h"

#include <signal.h>
#include <sys/wait.h>

static void test_buf(void)
{
	static pty_buf b;
	size_t room, n;
	CHECK_INT(pty_buf_room(&b), PTY_BUF_SIZE);
	unsigned char *t = pty_buf_tail(&b, &room);
	CHECK_INT(room, PTY_BUF_SIZE);
	memcpy(t, "abcdef", 6);
	pty_buf_produced(&b, 6);
	/* a write takes at most what it is offered */
	const unsigned char *h = pty_buf_head(&b, 4, &n);
	CHECK_INT(n, 4);
	CHECK(memcmp(h, "abcd", 4) == 0);
	pty_buf_consumed(&b, 2); /* a partial write */
	h = pty_buf_head(&b, PTY_BUF_SIZE, &n);
	CHECK_INT(n, 4);
	CHECK(memcmp(h, "cdef", 4) == 0);
	CHECK_INT(pty_buf_room(&b), PTY_BUF_SIZE - 4);
	/* the room is contiguous: what is pending moves to the front */
	t = pty_buf_tail(&b, &room);
	CHECK_INT(room, PTY_BUF_SIZE - 4);
	CHECK(t == b.data + 4);
	CHECK(memcmp(b.data, "cdef", 4) == 0);
	memcpy(t, "gh", 2);
	pty_buf_produced(&b, 2);
	h = pty_buf_head(&b, PTY_BUF_SIZE, &n);
	CHECK_INT(n, 6);
	CHECK(memcmp(h, "cdefgh", 6) == 0);
	pty_buf_consumed(&b, 6);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.start, 0);
	/* full */
	t = pty_buf_tail(&b, &room);
	pty_buf_produced(&b, room);
	CHECK_INT(pty_buf_room(&b), 0);
	pty_buf_tail(&b, &room);
	CHECK_INT(room, 0);
}

static void test_exit_status(void)
{
	CHECK_INT(pty_exit_status(0), 0);
	CHECK_INT(pty_exit_status(3 << 8), 3);
	CHECK_INT(pty_exit_status(255 << 8), 255);
	CHECK_INT(pty_exit_status(SIGKILL), 137);
	CHECK_INT(pty_exit_status(SIGINT), 130);
	CHECK_INT(pty_exit_status(SIGSEGV | 0x80), 128 + SIGSEGV); /* core dumped */
}

static void test_eof(void)
{
	unsigned char out[2] = {0, 0};
	/* nothing sent, or a whole line last: one VEOF reads as end of file */
	CHECK_INT(pty_eof_sequence(true, 4, -1, out), 1);
	CHECK_INT(out[0], 4);
	CHECK_INT(pty_eof_sequence(true, 4, '\n', out), 1);
	/* a partial line: the first VEOF hands it over, the second ends */
	CHECK_INT(pty_eof_sequence(true, 4, 'x', out), 2);
	CHECK(out[0] == 4 && out[1] == 4);
	/* non-canonical, or VEOF disabled: nothing means "end" */
	CHECK_INT(pty_eof_sequence(false, 4, 'x', out), 0);
	CHECK_INT(pty_eof_sequence(true, 0, 'x', out), 0);
}

static void test_signals(void)
{
	CHECK_INT(pty_signal_action(SIGCHLD), PTY_SIG_CHILD);
	CHECK_INT(pty_signal_action(SIGWINCH), PTY_SIG_RESIZE);
	CHECK_INT(pty_signal_action(SIGINT), PTY_SIG_FORWARD);
	CHECK_INT(pty_signal_action(SIGQUIT), PTY_SIG_FORWARD);
	CHECK_INT(pty_signal_action(SIGTERM), PTY_SIG_FORWARD);
	CHECK_INT(pty_signal_action(SIGHUP), PTY_SIG_HANGUP);
	CHECK_INT(pty_signal_action(SIGTSTP), PTY_SIG_SUSPEND);
	CHECK_INT(pty_signal_action(SIGCONT), PTY_SIG_RESUME);
	CHECK_INT(pty_signal_action(SIGUSR1), PTY_SIG_IGNORE);
}

int main(void)
{
	test_buf();
	test_exit_status();
	test_eof();
	test_signals();
	return check_done("pty_relay");
}
