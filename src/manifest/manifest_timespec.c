/* Time syntax in snap.yaml, checked exactly as snapd checks it:
 * durations (stop-timeout, restart-delay...) are Go's time.ParseDuration, and
 * timer: is snapd's timeutil.ParseSchedule (the "v2" schedule syntax:
 * "mon2-fri,0:00~10:00,,mon5-fri,0:00-10:00"). The reasons returned are
 * snapd's own wording, so a developer can search for them. */
#include "manifest_timespec.h"
#include "util.h"
#include "yaml_doc.h"

#include <stdarg.h>
#include <string.h>

/* ---- Go's time.ParseDuration ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool fail(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(char **why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	*why = xvasprintf(fmt, ap);
	va_end(ap);
	return false;
}

bool cordon_parse_duration(const char *orig, int64_t *ns, char **why)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
	    {"ns", 1ULL},
	    {"us", 1000ULL},
	    {"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
	    {"\xce\xbcs", 1000ULL}, /* U+03BC Greek mu */
	    {"ms", 1000000ULL},
	    {"s", 1000000000ULL},
	    {"m", 60ULL * 1000000000ULL},
	    {"h", 3600ULL * 1000000000ULL},
	};
	const uint64_t limit = 1ULL << 63;
	const char *s = orig;
	_cleanup_free_ char *q = ydoc_quoted(orig);
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return true;
	}
	if (*s == '\0')
		return fail(why, "time: invalid duration %s", q);
	uint64_t d = 0;
	while (*s) {
		uint64_t v = 0, f = 0;
		double scale = 1;
		if (!(*s == '.' || is_digit(*s)))
			return fail(why, "time: invalid duration %s", q);
		const char *start = s;
		for (; is_digit(*s); s++) {
			if (v > limit / 10)
				return fail(why, "time: invalid duration %s", q);
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > limit)
				return fail(why, "time: invalid duration %s", q);
		}
		bool pre = s != start, post = false;
		if (*s == '.') {
			s++;
			const char *fs = s;
			bool overflow = false;
			for (; is_digit(*s); s++) {
				if (overflow)
					continue;
				if (f > (UINT64_MAX >> 1) / 10) {
					overflow = true; /* Go drops digits it cannot hold */
					continue;
				}
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
			post = s != fs;
		}
		if (!pre && !post)
			return fail(why, "time: invalid duration %s", q);
		size_t ulen = 0;
		while (s[ulen] && s[ulen] != '.' && !is_digit(s[ulen]))
			ulen++;
		if (ulen == 0)
			return fail(why, "time: missing unit in duration %s", q);
		_cleanup_free_ char *u = xstrndup(s, ulen);
		s += ulen;
		uint64_t unit = 0;
		for (size_t k = 0; k < ARRAY_SIZE(units) && !unit; k++)
			if (strcmp(u, units[k].name) == 0)
				unit = units[k].ns;
		if (unit == 0) {
			_cleanup_free_ char *qu = ydoc_quoted(u);
			return fail(why, "time: unknown unit %s in duration %s", qu, q);
		}
		if (v > limit / unit)
			return fail(why, "time: invalid duration %s", q);
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > limit)
				return fail(why, "time: invalid duration %s", q);
		}
		d += v;
		if (d > limit)
			return fail(why, "time: invalid duration %s", q);
	}
	if (neg) {
		*ns = d == limit ? INT64_MIN : -(int64_t)d;
		return true;
	}
	if (d > limit - 1)
		return fail(why, "time: invalid duration %s", q);
	*ns = (int64_t)d;
	return true;
}

/* ---- snapd's timeutil.ParseSchedule ---- */

/* ^([0-9]|0[0-9]|1[0-9]|2[0-3]):([0-5][0-9])$|^24:00$ */
static bool valid_clock(const char *s, size_t n)
{
	if (n == 5 && memcmp(s, "24:00", 5) == 0)
		return true;
	size_t h;
	if (n == 4 && is_digit(s[0]) && s[1] == ':')
		h = 1;
	else if (n == 5 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':' &&
		 (s[0] == '0' || s[0] == '1' || (s[0] == '2' && s[1] <= '3')))
		h = 2;
	else
		return false;
	return s[h + 1] >= '0' && s[h + 1] <= '5' && is_digit(s[h + 2]);
}

/* "9:00-11:00": SplitN on the first '-'. */
static bool clock_range(const char *s)
{
	const char *dash = strchr(s, '-');
	return dash && valid_clock(s, (size_t)(dash - s)) &&
	       valid_clock(dash + 1, strlen(dash + 1));
}

/* wday = sun|mon|...|sat, optionally followed by a week number 1-5.
 * Returns the week number (0 for every week) or -1. */
static int weekday(const char *s, size_t n)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	if (n != 3 && n != 4)
		return -1;
	int pos = 0;
	if (n == 4) {
		if (s[3] < '1' || s[3] > '5')
			return -1;
		pos = s[3] - '0';
	}
	for (size_t d = 0; d < ARRAY_SIZE(days); d++)
		if (memcmp(s, days[d], 3) == 0)
			return pos;
	return -1;
}

static bool week_span(const char *frag, char **why)
{
	_cleanup_free_ char *q = ydoc_quoted(frag);
	const char *dash = strchr(frag, '-');
	if (dash && strchr(dash + 1, '-'))
		return fail(why, "cannot parse %s: invalid week span", q);
	size_t n1 = dash ? (size_t)(dash - frag) : strlen(frag);
	_cleanup_free_ char *w1 = xstrndup(frag, n1);
	int start = weekday(frag, n1);
	if (start < 0) {
		_cleanup_free_ char *qw = ydoc_quoted(w1);
		return fail(why, "cannot parse %s: %s is not a valid weekday", q, qw);
	}
	int end = start;
	if (dash) {
		end = weekday(dash + 1, strlen(dash + 1));
		if (end < 0) {
			_cleanup_free_ char *qw = ydoc_quoted(dash + 1);
			return fail(why, "cannot parse %s: %s is not a valid weekday", q, qw);
		}
	}
	/* Both ends numbered: mon4-mon1 runs backwards. (snapd re-anchors
	 * mon1-tue2 at its start instead of refusing it.) */
	if (start && end && end < start)
		return fail(why, "cannot parse %s: unsupported schedule", q);
	return true;
}

static bool clock_span(const char *frag, char **why)
{
	_cleanup_free_ char *q = ydoc_quoted(frag);
	_cleanup_free_ char *rest = xstrdup(frag);
	char *slash = strchr(rest, '/');
	if (slash) {
		/* timespan [ "/" count ]: exactly one '/', count 1..2^32-1 */
		const char *c = slash + 1;
		bool ok = *c != '\0' && strchr(c, '/') == NULL && strlen(c) <= 10;
		for (const char *k = c; ok && *k; k++)
			ok = is_digit(*k);
		if (!ok || strtoull(c, NULL, 10) == 0 || strtoull(c, NULL, 10) > UINT32_MAX)
			return fail(why, "cannot parse %s: not a valid interval", q);
		*slash = '\0';
	}
	char *tilde = strchr(rest, '~');
	if (tilde)
		*tilde = '-'; /* "~" spreads the event over the span */
	bool ok;
	if (strcmp(rest, "-") == 0)
		ok = true; /* the whole day */
	else if (strchr(rest, '-'))
		ok = clock_range(rest);
	else
		ok = valid_clock(rest, strlen(rest));
	if (!ok)
		return fail(why, "cannot parse %s: not a valid time", q);
	return true;
}

/* eventset = wdaylist / timelist / wdaylist "," timelist */
static bool event_set(const char *set, char **why)
{
	bool expect_time = false;
	const char *p = set;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0) {
			_cleanup_free_ char *q = ydoc_quoted(set);
			return fail(why, "cannot parse %s: not a valid fragment", q);
		}
		_cleanup_free_ char *frag = xstrndup(p, n);
		if (strchr(frag, ':')) {
			if (!clock_span(frag, why))
				return false;
			expect_time = true;
		} else if (!expect_time) {
			if (!week_span(frag, why))
				return false;
		} else {
			_cleanup_free_ char *q = ydoc_quoted(frag);
			return fail(why, "cannot parse %s: invalid schedule fragment", q);
		}
		if (!comma)
			return true;
		p = comma + 1;
	}
}

bool cordon_parse_schedule(const char *spec, char **why)
{
	/* eventlist = eventset *( ",," eventset ) */
	const char *p = spec;
	for (;;) {
		const char *sep = strstr(p, ",,");
		_cleanup_free_ char *set = sep ? xstrndup(p, (size_t)(sep - p)) : xstrdup(p);
		if (!event_set(set, why))
			return false;
		if (!sep)
			return true;
		p = sep + 2;
	}
}
