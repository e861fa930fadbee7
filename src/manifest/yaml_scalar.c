/* Scalar resolution (yaml_scalar.h), as gopkg.in/yaml.v2's resolve(). */
#include "yaml_scalar.h"
#include "util.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Go's strconv.ParseInt(s, 0, 64): optional sign, then 0x/0o/0b prefixes or a
 * leading 0 for octal. */
static bool go_parse_int(const char *s, int64_t *out, bool *overflow)
{
	bool neg = false;
	*overflow = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1] != '\0')
		base = 8, s += 1;
	if (*s == '\0')
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (d >= base)
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			*overflow = true;
		else
			v = v * (uint64_t)base + (uint64_t)d;
	}
	if (*overflow)
		return false;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return *overflow = true, false;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX) {
			/* yaml.v2 makes this a uint64; a number is close enough. */
			*overflow = true;
			return false;
		}
		*out = (int64_t)v;
	}
	return true;
}

/* yaml.v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	} else {
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9')
				s++;
		}
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static double c_strtod(const char *s)
{
	/* The CLI may run under a locale with a decimal comma. */
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	double d = c ? strtod_l(s, NULL, c) : strtod(s, NULL);
	if (c)
		freelocale(c);
	return d;
}

ydoc_scalar ydoc_resolve_plain(const char *text, size_t len)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const trues[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
					    "True", "TRUE", "on",  "On",  "ON",	 NULL};
	static const char *const falses[] = {"n",     "N",     "no",  "No",  "NO",  "false",
					     "False", "FALSE", "off", "Off", "OFF", NULL};
	static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
	static const char *const pinfs[] = {".inf",  ".Inf",  ".INF", "+.inf",
					    "+.Inf", "+.INF", NULL};
	static const char *const ninfs[] = {"-.inf", "-.Inf", "-.INF", NULL};
	const char *s = text;
	ydoc_scalar v = {.type = YDOC_T_STR};
	if (in_list(s, nulls)) {
		v.type = YDOC_T_NULL;
	} else if (in_list(s, trues) || in_list(s, falses)) {
		v.type = YDOC_T_BOOL;
		v.b = in_list(s, trues);
	} else if (in_list(s, nans) || in_list(s, pinfs) || in_list(s, ninfs)) {
		v.type = YDOC_T_FLOAT;
		v.f = in_list(s, nans)	  ? __builtin_nan("")
		      : in_list(s, pinfs) ? __builtin_inf()
					  : -__builtin_inf();
	} else if (strchr("+-.0123456789", s[0])) {
		/* yaml.v2 drops underscores before trying numbers. */
		_cleanup_free_ char *plain = xmalloc(len + 1);
		size_t j = 0;
		for (size_t k = 0; k < len; k++)
			if (s[k] != '_')
				plain[j++] = s[k];
		plain[j] = '\0';
		bool overflow;
		int64_t i;
		if (go_parse_int(plain, &i, &overflow)) {
			v.type = YDOC_T_INT;
			v.i = i;
		} else if (yaml_style_float(plain)) {
			v.type = YDOC_T_FLOAT;
			v.f = c_strtod(plain);
		} else if (overflow) {
			v.type = YDOC_T_FLOAT;
			v.f = c_strtod(plain);
		}
		/* Anything else (timestamps included: yaml.v2 hands them to
		 * interface{} consumers as strings) stays a string. */
	}
	return v;
}
