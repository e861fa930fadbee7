/* Errors as values: a failing function returns a negative errno-style code
 * and fills *err with a message that carries its context. Only main() prints. */
#pragma once
#include <stdarg.h>

typedef struct cordon_error {
	int code;  /* positive errno value (or EINVAL for semantic errors) */
	char *msg; /* "context: strerror" */
} cordon_error;

/* Record an error. If errnum > 0, ": strerror(errnum)" is appended.
 * Returns -errnum (or -EINVAL when errnum is 0) so callers can
 * `return cordon_err(err, errno, "open %s", path);`. If *err is already set
 * the old error is freed and replaced. */
int cordon_err(cordon_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, without strerror; code is EINVAL unless given. */
int cordon_err_msg(cordon_error **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix context to an existing error: "ctx: old". Returns -(*err)->code. */
int cordon_err_prefix(cordon_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Add what a second failure says to the first ("first; ctx: second"), the
 * code staying the first's: a failure while undoing a change must reach the
 * user with the change's own. Without a first error, the text becomes one
 * (EIO). Returns -(*err)->code. */
int cordon_err_append(cordon_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cordon_error_free(cordon_error **err);

static inline void cordon_error_cleanup(cordon_error **err)
{
	cordon_error_free(err);
}
#define _cleanup_error_ __attribute__((cleanup(cordon_error_cleanup)))
