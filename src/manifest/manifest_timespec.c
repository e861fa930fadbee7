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

static bool parse_error(char **why, const char *what, const char *reason)
{
	_cleanup_free_ char *q = ydoc_quoted(what);
	return fail(why, "cannot parse %s: %s", q, reason);
}

/* timeutil.ParseClock: ^([0-9]|0[0-9]|1[0-9]|2[0-3]):([0-5][0-9])$|^24:00$ */
static bool parse_clock(const char *s, size_t n, cordon_clock *c)
{
	if (n == 5 && memcmp(s, "24:00", 5) == 0) {
		*c = (cordon_clock){24, 0};
		return true;
	}
	size_t h;
	if (n == 4 && is_digit(s[0]) && s[1] == ':')
		h = 1;
	else if (n == 5 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':' &&
		 (s[0] == '0' || s[0] == '1' || (s[0] == '2' && s[1] <= '3')))
		h = 2;
	else
		return false;
	if (!(s[h + 1] >= '0' && s[h + 1] <= '5' && is_digit(s[h + 2])))
		return false;
	c->hour = h == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
	c->minute = (s[h + 1] - '0') * 10 + (s[h + 2] - '0');
	return true;
}

/* timeutil.parseWeekday: sun..sat, optionally followed by a week 1-5. */
static bool parse_weekday(const char *s, size_t n, cordon_week *w)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	if (n != 3 && n != 4)
		return false;
	w->pos = CORDON_EVERY_WEEK;
	if (n == 4) {
		if (s[3] < '1' || s[3] > '5')
			return false;
		w->pos = (unsigned)(s[3] - '0');
	}
	for (int d = 0; d < (int)ARRAY_SIZE(days); d++)
		if (memcmp(s, days[d], 3) == 0) {
			w->wday = d;
			return true;
		}
	return false;
}

static bool parse_week_span(const char *frag, cordon_week_span *out, char **why)
{
	const char *dash = strchr(frag, '-');
	if (dash && strchr(dash + 1, '-'))
		return parse_error(why, frag, "invalid week span");
	size_t n1 = dash ? (size_t)(dash - frag) : strlen(frag);
	if (!parse_weekday(frag, n1, &out->start)) {
		_cleanup_free_ char *w = xstrndup(frag, n1);
		_cleanup_free_ char *qw = ydoc_quoted(w);
		_cleanup_free_ char *reason = xasprintf("%s is not a valid weekday", qw);
		return parse_error(why, frag, reason);
	}
	out->end = out->start;
	if (dash && !parse_weekday(dash + 1, strlen(dash + 1), &out->end)) {
		_cleanup_free_ char *qw = ydoc_quoted(dash + 1);
		_cleanup_free_ char *reason = xasprintf("%s is not a valid weekday", qw);
		return parse_error(why, frag, reason);
	}
	if (out->start.pos != CORDON_EVERY_WEEK && out->end.pos != CORDON_EVERY_WEEK) {
		/* Both ends numbered: mon4-mon1 runs backwards. */
		if (out->end.pos < out->start.pos)
			return parse_error(why, frag, "unsupported schedule");
		/* The deprecated "mon1-tue2" is read as "mon1-tue", anchored at
		 * its start (snapd's own reduction), not refused. */
		if (out->start.wday != out->end.wday || out->start.pos != out->end.pos)
			out->end.pos = CORDON_EVERY_WEEK;
	}
	return true;
}

static bool parse_clock_span(const char *frag, cordon_clock_span *out, char **why)
{
	*out = (cordon_clock_span){0};
	_cleanup_free_ char *rest = xstrdup(frag);
	char *slash = strchr(rest, '/');
	if (slash) {
		/* timespan [ "/" count ]: ParseUint(count, 10, 32), not 0;
		 * exactly one '/' */
		const char *c = slash + 1;
		bool ok = *c != '\0' && strchr(c, '/') == NULL && strlen(c) <= 10;
		for (const char *k = c; ok && *k; k++)
			ok = is_digit(*k);
		unsigned long long v = ok ? strtoull(c, NULL, 10) : 0;
		if (v == 0 || v > UINT32_MAX)
			return parse_error(why, frag, "not a valid interval");
		out->split = (unsigned)v;
		*slash = '\0';
	}
	char *tilde = strchr(rest, '~');
	if (tilde) {
		out->spread = true; /* "~" spreads the event over the span */
		*tilde = '-';
	}
	bool ok;
	char *dash = strchr(rest, '-');
	if (strcmp(rest, "-") == 0) {
		out->start = (cordon_clock){0, 0}; /* the whole day */
		out->end = (cordon_clock){24, 0};
		ok = true;
	} else if (dash) {
		/* "9:00-11:00": SplitN on the first '-' */
		ok = parse_clock(rest, (size_t)(dash - rest), &out->start) &&
		     parse_clock(dash + 1, strlen(dash + 1), &out->end);
	} else {
		ok = parse_clock(rest, strlen(rest), &out->start);
		out->end = out->start;
	}
	if (!ok)
		return parse_error(why, frag, "not a valid time");
	return true;
}

/* eventset = wdaylist / timelist / wdaylist "," timelist */
static bool parse_event_set(const char *set, cordon_event_set *s, char **why)
{
	bool expect_time = false;
	for (const char *p = set;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0)
			return parse_error(why, set, "not a valid fragment");
		_cleanup_free_ char *frag = xstrndup(p, n);
		bool ok;
		if (strchr(frag, ':')) {
			s->clocks = xreallocarray(s->clocks, s->n_clocks + 1, sizeof *s->clocks);
			ok = parse_clock_span(frag, &s->clocks[s->n_clocks++], why);
			expect_time = true;
		} else if (!expect_time) {
			s->weeks = xreallocarray(s->weeks, s->n_weeks + 1, sizeof *s->weeks);
			ok = parse_week_span(frag, &s->weeks[s->n_weeks++], why);
		} else {
			ok = parse_error(why, frag, "invalid schedule fragment");
		}
		if (!ok || !comma)
			return ok;
		p = comma + 1;
	}
}

void cordon_schedule_clear(cordon_schedule *s)
{
	for (size_t i = 0; i < s->n_sets; i++) {
		free(s->sets[i].weeks);
		free(s->sets[i].clocks);
	}
	free(s->sets);
	*s = (cordon_schedule){0};
}

bool cordon_schedule_parse(const char *spec, cordon_schedule *out, char **why)
{
	/* eventlist = eventset *( ",," eventset ) */
	*out = (cordon_schedule){0};
	for (const char *p = spec;;) {
		const char *sep = strstr(p, ",,");
		_cleanup_free_ char *set = sep ? xstrndup(p, (size_t)(sep - p)) : xstrdup(p);
		out->sets = xreallocarray(out->sets, out->n_sets + 1, sizeof *out->sets);
		out->sets[out->n_sets] = (cordon_event_set){0};
		if (!parse_event_set(set, &out->sets[out->n_sets++], why)) {
			cordon_schedule_clear(out);
			return false;
		}
		if (!sep)
			return true;
		p = sep + 2;
	}
}
