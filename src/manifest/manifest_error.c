/* mv_error (manifest_error.h), formatted by the loader's ydoc_error_at so that
 * the validators' errors and the parser's have one shape. */
#include "manifest_error.h"
#include "util.h"
#include "yaml_doc.h"

#include <stdarg.h>

int mv_error(const cordon_manifest *m, cordon_pos pos, cordon_error **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (pos.line == 0)
		pos = m->pos;
	return ydoc_error_at(err, m->source_name, pos.line, pos.col, "%s", msg);
}
