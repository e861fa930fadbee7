/* `cordon run --pty`: the app on a pseudo-terminal of its own, relayed to
 * the caller's terminal by the unprivileged CLI.
 *
 * Why: without it the app inherits the caller's terminal, and a child that
 * calls setsid() keeps that terminal open after the app exits and reads what
 * the user then types into their shell (snapd and flatpak share this; TIOCSTI
 * is refused by seccomp, reading is not). With --pty the app's session only
 * ever holds the slave of a new pty; when the app exits the CLI closes the
 * master, which hangs the slave up: whatever still holds it reads EOF/EIO.
 *
 * pty_relay.c holds the system part (the pty, the fork, the terminal mode,
 * the poll loop); pty_relay_logic.c the pure decisions it takes (buffers,
 * exit status, end of input, what each signal means). */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

/* Run the launcher `path` with `argv`/`envp` (exactly what the normal path
 * would execve) in a child that has a new pty as its controlling terminal
 * and 0/1/2, and relay between that pty and the caller's 0/1 until the
 * child exits. Returns the child's status as a shell reports it (its exit
 * code, or 128+N when killed by signal N), or a negative errno with *err set.
 * Prints nothing (only main() does). */
int pty_run(const char *path, char *const argv[], char *const envp[], cordon_error **err);

/* ---- pure helpers (pty_relay_logic.c) ---- */

/* One direction of the relay: bytes read but not yet written. */
#define PTY_BUF_SIZE 16384
typedef struct pty_buf {
	unsigned char data[PTY_BUF_SIZE];
	size_t start, len; /* the pending bytes are data[start, start + len) */
} pty_buf;

/* Where the next read may go and how much fits (moves the pending bytes to
 * the front first, so the room is contiguous). */
unsigned char *pty_buf_tail(pty_buf *b, size_t *room);
void pty_buf_produced(pty_buf *b, size_t n);
/* The pending bytes, and how many of them one write should take (at most
 * `max`: see the callers). */
const unsigned char *pty_buf_head(const pty_buf *b, size_t max, size_t *n);
void pty_buf_consumed(pty_buf *b, size_t n);
static inline size_t pty_buf_room(const pty_buf *b)
{
	return PTY_BUF_SIZE - b->len;
}

/* A waitpid() status as a shell reports it: the exit code, or 128+N for a
 * process killed by signal N. */
int pty_exit_status(int wstatus);

/* The bytes that tell a program reading a pty in canonical mode that its
 * input ended: VEOF ends a pending partial line, and a VEOF at the start of
 * a line reads as end of file. `last` is the last byte relayed (-1: none).
 * In non-canonical mode there is no such thing: 0 bytes. Returns how many
 * of out[0..1] to send. */
size_t pty_eof_sequence(bool canonical, unsigned char veof, int last, unsigned char out[2]);

/* What the relay does with a signal it receives. */
enum pty_sig_action {
	PTY_SIG_IGNORE,
	PTY_SIG_CHILD,	 /* SIGCHLD: reap the app? */
	PTY_SIG_RESIZE,	 /* SIGWINCH: copy the window size to the pty */
	PTY_SIG_FORWARD, /* SIGINT, SIGQUIT, SIGTERM: to the app's process group */
	PTY_SIG_HANGUP,	 /* SIGHUP: hang the app's terminal up */
	PTY_SIG_SUSPEND, /* SIGTSTP: give the terminal back, stop */
	PTY_SIG_RESUME,	 /* SIGCONT: take the terminal again (raw mode, size) */
};
enum pty_sig_action pty_signal_action(int sig);
