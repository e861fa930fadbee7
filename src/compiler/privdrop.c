#include "privdrop.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MARK_BEGIN "# @privilege-drop begin"
#define MARK_END "# @privilege-drop end"

/* The line [s, s+len) is `mark`, trailing blanks aside. */
static bool is_mark(const char *s, size_t len, const char *mark)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	return len == strlen(mark) && memcmp(s, mark, len) == 0;
}

static int cut_section(const char *tmpl, buf *out, cordon_error **err)
{
	enum { BEFORE, INSIDE, AFTER } state = BEFORE;
	unsigned line = 0;
	for (const char *s = tmpl; *s;) {
		const char *nl = strchrnul(s, '\n');
		size_t len = (size_t)(nl - s);
		line++;
		bool begin = is_mark(s, len, MARK_BEGIN), end = is_mark(s, len, MARK_END);
		if (begin && state != BEFORE)
			return cordon_err_msg(
			    err, EINVAL, "seccomp template line %u: a second \"" MARK_BEGIN "\"",
			    line);
		if (end && state != INSIDE)
			return cordon_err_msg(err, EINVAL,
					      "seccomp template line %u: \"" MARK_END
					      "\" without \"" MARK_BEGIN "\" before it",
					      line);
		if (begin)
			state = INSIDE;
		if (state != INSIDE)
			buf_add(out, s, len);
		if (end)
			state = AFTER;
		if (*nl)
			buf_addc(out, '\n');
		s = *nl ? nl + 1 : nl;
	}
	if (state != AFTER)
		return cordon_err_msg(err, EINVAL,
				      "seccomp template: no \"" MARK_BEGIN "\" ... \"" MARK_END
				      "\" section to replace for system-usernames");
	return 0;
}

/* One rule line with ${uid} and ${gid} replaced by id; *named: it held one. */
static int subst_line(const char *s, size_t len, uint32_t id, unsigned line, buf *out, bool *named,
		      cordon_error **err)
{
	*named = false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '$') {
			buf_addc(out, s[i]);
			continue;
		}
		size_t rest = len - i;
		if (rest >= 6 &&
		    (memcmp(&s[i], "${uid}", 6) == 0 || memcmp(&s[i], "${gid}", 6) == 0)) {
			buf_printf(out, "%u", (unsigned)id);
			*named = true;
			i += 5;
			continue;
		}
		return cordon_err_msg(
		    err, EINVAL,
		    "privilege-drop.txt:%u: unknown variable in \"%.*s\": expected "
		    "${uid} or ${gid}",
		    line, (int)len, s);
	}
	buf_addc(out, '\n');
	return 0;
}

static bool comment_or_blank(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == len || s[i] == '#' || s[i] == '\r';
}

/* Users after the first get only the rules naming them: the others (root's)
 * are already there once. The first user's copy is the file line for line,
 * so an error in the file is reported at its own line number. */
static int expand(const char *text, const uint32_t *ids, size_t n, buf *out, cordon_error **err)
{
	for (size_t k = 0; k < n; k++) {
		unsigned line = 0;
		for (const char *s = text; *s;) {
			const char *nl = strchrnul(s, '\n');
			size_t len = (size_t)(nl - s);
			line++;
			if (comment_or_blank(s, len)) {
				if (k == 0) {
					buf_add(out, s, len);
					buf_addc(out, '\n');
				}
			} else {
				_cleanup_buf_ buf one = {0};
				bool named;
				int r = subst_line(s, len, ids[k], line, &one, &named, err);
				if (r < 0)
					return r;
				if (k == 0 || named)
					buf_add(out, one.p, one.len);
			}
			s = *nl ? nl + 1 : nl;
		}
	}
	return 0;
}

int cordon_privdrop_apply(const char *tmpl, const char *privdrop, const uint32_t *ids, size_t n,
			  char **tmpl_out, char **rules_out, cordon_error **err)
{
	*tmpl_out = NULL;
	*rules_out = NULL;
	if (n == 0)
		return cordon_err_msg(err, EINVAL, "no system-usernames to drop privileges to");
	_cleanup_buf_ buf t = {0}, rules = {0};
	int r = cut_section(tmpl, &t, err);
	if (r == 0)
		r = expand(privdrop, ids, n, &rules, err);
	if (r < 0)
		return r;
	*tmpl_out = buf_steal(&t);
	*rules_out = buf_steal(&rules);
	return 0;
}
