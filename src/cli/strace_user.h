/* `cordon run --strace` by a user (not root): the launcher builds the
 * sandbox as always, then hands the confined process over just before it
 * execs the app (runtime/trace_handoff.h); this side starts Debian's
 * strace as the user on that pid, and waits for both. The tracer is the
 * user's own unconfined process; the app is exactly as confined as
 * untraced, and strace never sees the launcher's privileged phase. */
#pragma once
#include "error.h"

/* Run the launcher `confine` with `largv` (its argv from the label on,
 * NULL-terminated; "--traced" is put first) traced by `strace_argv` (strace
 * and its options, NULL-terminated; "-p PID" is appended). Returns the
 * app's status as a shell reports it, or a negative errno with *err set. */
int strace_run_user(const char *confine, char *const largv[], char *const strace_argv[],
		    char *const envp[], cordon_error **err);
