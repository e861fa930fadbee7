#include "svc_format.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

char *svc_join_snap_app(const char *snap, const char *app)
{
	return strcmp(snap, app) == 0 ? xstrdup(snap) : xasprintf("%s.%s", snap, app);
}

/* ---- journalctl's JSON ----
 *
 * One object per line; every value a string, null (a field too long
 * without --all), an array of byte values (a field that is not printable
 * UTF-8), or an array of those (a field with several values). Numbers are
 * taken as they come; nothing else occurs. */

typedef struct jp {
	const char *p, *end;
} jp;

static void ws(jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static bool eat(jp *j, char c)
{
	ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

static int hex4(jp *j, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		if (j->p >= j->end)
			return -EINVAL;
		char c = *j->p++;
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16u;
		if (d == 16)
			return -EINVAL;
		*v = *v << 4 | d;
	}
	return 0;
}

static void utf8(buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (char)(0xc0 | cp >> 6));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (char)(0xe0 | cp >> 12));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | cp >> 18));
		buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* A string (the opening quote next), decoded into out. */
static int string(jp *j, buf *out)
{
	if (!eat(j, '"'))
		return -EINVAL;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;
		if (c != '\\') {
			buf_addc(out, c);
			continue;
		}
		if (j->p >= j->end)
			return -EINVAL;
		c = *j->p++;
		const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
		const char *k = c ? strchr(from, c) : NULL;
		if (k) {
			buf_addc(out, to[k - from]);
			continue;
		}
		unsigned cp, lo;
		if (c != 'u' || hex4(j, &cp) < 0)
			return -EINVAL;
		/* a surrogate pair; a lone half becomes U+FFFD */
		if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
		    j->p[1] == 'u') {
			jp save = *j;
			j->p += 2;
			if (hex4(j, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000)
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			else
				*j = save;
		}
		if (cp >= 0xd800 && cp < 0xe000)
			cp = 0xfffd;
		utf8(out, cp);
	}
	return eat(j, '"') ? 0 : -EINVAL;
}

/* A number, appended as bytes of a byte array (0..255) when bytes. */
static int number(jp *j, buf *bytes)
{
	ws(j);
	const char *s = j->p;
	unsigned v = 0;
	bool digits = false;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && *j->p && strchr("0123456789.eE+-", *j->p)) {
		if (*j->p >= '0' && *j->p <= '9') {
			v = v * 10 + (unsigned)(*j->p - '0');
			if (v > 0xffffff)
				v = 0xffffff;
			digits = true;
		}
		j->p++;
	}
	if (!digits)
		return -EINVAL;
	if (bytes)
		buf_addc(bytes, (char)(s[0] == '-' ? 0 : v & 0xff));
	return 0;
}

/* A field's values (each decoded) and whether it was null. */
typedef struct field {
	strv values;
	bool null;
} field;

/* One value (not an array of values): a string, a byte array, null. */
static int scalar(jp *j, field *f)
{
	ws(j);
	_cleanup_buf_ buf b = {0};
	if (j->p < j->end && *j->p == '"') {
		if (string(j, &b) < 0)
			return -EINVAL;
	} else if (j->p < j->end && *j->p == '[') {
		j->p++;
		if (!eat(j, ']')) {
			do {
				if (number(j, &b) < 0)
					return -EINVAL;
			} while (eat(j, ','));
			if (!eat(j, ']'))
				return -EINVAL;
		}
	} else if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
		j->p += 4;
		f->null = true;
		return 0;
	} else if (j->end - j->p >= 4 && memcmp(j->p, "true", 4) == 0) {
		j->p += 4;
		buf_adds(&b, "true");
	} else if (j->end - j->p >= 5 && memcmp(j->p, "false", 5) == 0) {
		j->p += 5;
		buf_adds(&b, "false");
	} else {
		const char *s = j->p;
		if (number(j, NULL) < 0)
			return -EINVAL;
		buf_add(&b, s, (size_t)(j->p - s));
	}
	/* a byte array may hold NUL bytes: kept to the first, as a C
	 * string (the terminal gets nothing after it either) */
	strv_push(&f->values, b.p ? b.p : "");
	return 0;
}

/* A value: a scalar, or an array whose first element is a string or an
 * array (several values). */
static int value(jp *j, field *f)
{
	ws(j);
	if (j->p < j->end && *j->p == '[') {
		const char *q = j->p + 1;
		while (q < j->end && (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'))
			q++;
		if (q < j->end && (*q == '"' || *q == '[' || *q == 'n')) {
			j->p = q;
			do {
				if (scalar(j, f) < 0)
					return -EINVAL;
			} while (eat(j, ','));
			return eat(j, ']') ? 0 : -EINVAL;
		}
	}
	return scalar(j, f);
}

enum { F_TIME, F_MESSAGE, F_SID, F_PID, F_SYSLOG_PID, F_N };
static const char *const wanted[F_N] = {"__REALTIME_TIMESTAMP", "MESSAGE", "SYSLOG_IDENTIFIER",
					"_PID", "SYSLOG_PID"};

static void fields_free(field *f)
{
	for (int i = 0; i < F_N; i++)
		strv_free(&f[i].values);
}

static int parse(const char *json, size_t len, field *f, bool *seen)
{
	jp j = {json, json + len};
	if (!eat(&j, '{'))
		return -EINVAL;
	if (eat(&j, '}'))
		return 0;
	do {
		_cleanup_buf_ buf key = {0};
		if (string(&j, &key) < 0 || !eat(&j, ':'))
			return -EINVAL;
		field scratch = {0};
		field *into = &scratch;
		for (int i = 0; i < F_N; i++)
			if (key.p && strcmp(key.p, wanted[i]) == 0 && !seen[i]) {
				into = &f[i];
				seen[i] = true;
			}
		int r = value(&j, into);
		strv_free(&scratch.values);
		if (r < 0)
			return r;
	} while (eat(&j, ','));
	if (!eat(&j, '}'))
		return -EINVAL;
	ws(&j);
	return j.p == j.end ? 0 : -EINVAL;
}

/* Go's time.RFC3339: 2006-01-02T15:04:05Z07:00 ("Z" for UTC). */
static void rfc3339(const field *t, bool utc, buf *out)
{
	long long us = 0;
	bool ok = t->values.n == 1;
	for (const char *c = ok ? t->values.v[0] : ""; ok && *c; c++) {
		ok = *c >= '0' && *c <= '9' && us < (INT64_MAX - 9) / 10;
		us = us * 10 + (*c - '0');
	}
	/* no time: Go's zero time, as snapd prints it */
	time_t s = ok ? (time_t)(us / 1000000) : 0;
	struct tm tm;
	if (!ok || (utc ? gmtime_r(&s, &tm) : localtime_r(&s, &tm)) == NULL) {
		buf_adds(out, "0001-01-01T00:00:00Z");
		return;
	}
	char b[64];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_adds(out, b);
	long off = utc ? 0 : tm.tm_gmtoff;
	if (off == 0) {
		buf_addc(out, 'Z');
		return;
	}
	char sign = off < 0 ? '-' : '+';
	off = off < 0 ? -off : off;
	buf_printf(out, "%c%02ld:%02ld", sign, off / 3600, off / 60 % 60);
}

/* snapd's SID and PID: one non-empty value, else none. */
static const char *one(const field *f)
{
	return f->values.n == 1 && f->values.v[0][0] ? f->values.v[0] : NULL;
}

int svc_journal_line(const char *json, size_t len, bool utc, buf *out)
{
	field f[F_N] = {0};
	bool seen[F_N] = {0};
	int r = parse(json, len, f, seen);
	if (r < 0) {
		fields_free(f);
		return r;
	}
	rfc3339(&f[F_TIME], utc, out);
	const char *sid = one(&f[F_SID]);
	const char *pid = one(&f[F_PID]) ? one(&f[F_PID]) : one(&f[F_SYSLOG_PID]);
	buf_printf(out, " %s[%s]: ", sid ? sid : "-", pid ? pid : "-");
	if (!seen[F_MESSAGE])
		buf_adds(out, "-");
	else if (f[F_MESSAGE].null)
		buf_adds(out, "- (error decoding original message: message key \"MESSAGE\" "
			      "truncated)");
	for (size_t i = 0; i < f[F_MESSAGE].values.n && !f[F_MESSAGE].null; i++) {
		if (i)
			buf_addc(out, '\n');
		buf_adds(out, f[F_MESSAGE].values.v[i]);
	}
	fields_free(f);
	return 0;
}
