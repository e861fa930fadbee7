#include "error.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set(cordon_error **err, int code, char *msg)
{
	if (code <= 0)
		code = EINVAL;
	if (err == NULL) {
		free(msg);
		return -code;
	}
	cordon_error_free(err);
	cordon_error *e = xmalloc(sizeof *e);
	e->code = code;
	e->msg = msg;
	*err = e;
	return -code;
}

int cordon_err(cordon_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *ctx = xvasprintf(fmt, ap);
	va_end(ap);
	if (errnum <= 0)
		return set(err, EINVAL, ctx);
	char *msg = xasprintf("%s: %s", ctx, strerror(errnum));
	free(ctx);
	return set(err, errnum, msg);
}

int cordon_err_msg(cordon_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return set(err, code, msg);
}

int cordon_err_prefix(cordon_error **err, const char *fmt, ...)
{
	if (err == NULL || *err == NULL)
		return -EINVAL;
	va_list ap;
	va_start(ap, fmt);
	char *ctx = xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = msg;
	return -(*err)->code;
}

int cordon_err_append(cordon_error **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *more = xvasprintf(fmt, ap);
	va_end(ap);
	if (err == NULL) {
		free(more);
		return -EIO;
	}
	if (*err == NULL)
		return set(err, EIO, more);
	char *msg = xasprintf("%s; %s", (*err)->msg, more);
	free(more);
	free((*err)->msg);
	(*err)->msg = msg;
	return -(*err)->code;
}

void cordon_error_free(cordon_error **err)
{
	if (err == NULL || *err == NULL)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}
