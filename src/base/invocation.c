/* The launcher invoked by name (invocation.h). */
#include "invocation.h"
#include "util.h"

#include <errno.h>
#include <string.h>

const char *cordon_invocation_base(const char *argv0)
{
	if (argv0 == NULL)
		return "";
	const char *slash = strrchr(argv0, '/');
	return slash ? slash + 1 : argv0;
}

bool cordon_invocation_is_launcher(const char *name)
{
	return strcmp(name, CORDON_LAUNCHER_NAME) == 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* s[0..n): letters of `ok`, hyphens only between two of them. */
static bool hyphenated(const char *s, size_t n, bool (*ok)(char))
{
	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-') {
			if (s[i + 1] == '-')
				return false;
		} else if (!ok(s[i])) {
			return false;
		}
	}
	return true;
}

static bool snap_char(char c)
{
	return is_lower(c) || is_digit(c);
}

static bool app_char(char c)
{
	return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

/* snapd's ValidateSnap: [a-z0-9-], 2 to 40 bytes, at least one letter. */
static bool valid_store_name(const char *s, size_t n)
{
	if (n < 2 || n > 40 || !hyphenated(s, n, snap_char))
		return false;
	for (size_t i = 0; i < n; i++)
		if (is_lower(s[i]))
			return true;
	return false;
}

/* "name" or "name_key", key ^[a-z0-9]{1,10}$. *store_len: the name's. */
static bool valid_instance(const char *s, size_t n, size_t *store_len)
{
	const char *us = memchr(s, '_', n);
	size_t sn = us ? (size_t)(us - s) : n;
	if (!valid_store_name(s, sn))
		return false;
	if (us) {
		size_t kn = n - sn - 1;
		if (kn < 1 || kn > 10)
			return false;
		for (size_t i = 0; i < kn; i++)
			if (!snap_char(us[1 + i]))
				return false;
	}
	*store_len = sn;
	return true;
}

int cordon_invocation_label(const char *name, char **label, cordon_error **err)
{
	*label = NULL;
	size_t n = strnlen(name, CORDON_INVOCATION_NAME_MAX + 1);
	if (n > CORDON_INVOCATION_NAME_MAX)
		return cordon_err_msg(err, EINVAL, "invalid command name: longer than %d bytes",
				      CORDON_INVOCATION_NAME_MAX);
	const char *dot = strchr(name, '.');
	size_t in = dot ? (size_t)(dot - name) : n;
	size_t store_len = 0;
	bool ok = valid_instance(name, in, &store_len);
	if (ok && dot)
		ok = strchr(dot + 1, '.') == NULL && hyphenated(dot + 1, n - in - 1, app_char);
	if (!ok) {
		/* echoed to a terminal: none of the caller's control bytes */
		_cleanup_free_ char *shown = xstrdup(name);
		for (char *c = shown; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
		return cordon_err_msg(err, EINVAL,
				      "invalid command name \"%s\": expected SNAP.APP or SNAP "
				      "(a /snap/bin entry)",
				      shown);
	}
	if (dot)
		*label = xasprintf("snap.%s", name);
	else
		*label = xasprintf("snap.%s.%.*s", name, (int)store_len, name);
	return 0;
}
