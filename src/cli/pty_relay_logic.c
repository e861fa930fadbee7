/* The pure part of `cordon run --pty` (see pty_relay.h): nothing here
 * touches the system. */
#include "pty_relay.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

unsigned char *pty_buf_tail(pty_buf *b, size_t *room)
{
	if (b->start > 0) {
		memmove(b->data, b->data + b->start, b->len);
		b->start = 0;
	}
	*room = PTY_BUF_SIZE - b->len;
	return b->data + b->len;
}

void pty_buf_produced(pty_buf *b, size_t n)
{
	b->len += n;
}

const unsigned char *pty_buf_head(const pty_buf *b, size_t max, size_t *n)
{
	*n = b->len < max ? b->len : max;
	return b->data + b->start;
}

void pty_buf_consumed(pty_buf *b, size_t n)
{
	b->start += n;
	b->len -= n;
	if (b->len == 0)
		b->start = 0;
}

int pty_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1; /* not reached: only ended children are reaped */
}

size_t pty_eof_sequence(bool canonical, unsigned char veof, int last, unsigned char out[2])
{
	/* _POSIX_VDISABLE: the app turned VEOF off; nothing can say "end" */
	if (!canonical || veof == 0)
		return 0;
	size_t n = 0;
	if (last >= 0 && last != '\n')
		out[n++] = veof; /* hands the partial line over as it is */
	out[n++] = veof;	 /* at the start of a line: read() returns 0 */
	return n;
}

enum pty_sig_action pty_signal_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
		return PTY_SIG_CHILD;
	case SIGWINCH:
		return PTY_SIG_RESIZE;
	case SIGINT:
	case SIGQUIT:
	case SIGTERM:
		return PTY_SIG_FORWARD;
	case SIGHUP:
		return PTY_SIG_HANGUP;
	case SIGTSTP:
		return PTY_SIG_SUSPEND;
	case SIGCONT:
		return PTY_SIG_RESUME;
	default:
		return PTY_SIG_IGNORE;
	}
}
