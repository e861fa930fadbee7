/* JSON as Go's encoding/json reads and writes it (jsonval.h). */
#include "jsonval.h"

#include <json-c/json_tokener.h>
#include <json-c/json_util.h>
#include <stdint.h>
#include <string.h>

/* ---- UTF-8, as Go's unicode/utf8 decodes it ---- */

#define RUNE_ERROR 0xFFFDu

/* The rune at s (n > 0 bytes left) and its length: utf8.DecodeRune, so an
 * invalid or short sequence (surrogates and overlong forms included) is
 * (RUNE_ERROR, 1), one replacement per byte, as Go's decoder makes it. */
static uint32_t decode_rune(const unsigned char *s, size_t n, size_t *size)
{
	unsigned char b = s[0];
	*size = 1;
	if (b < 0x80)
		return b;
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;
	uint32_t r;
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1;
		r = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		r = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F; /* no surrogate halves */
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		r = b & 0x07;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F; /* nothing past U+10FFFF */
	} else {
		return RUNE_ERROR;
	}
	if (n < need + 1 || s[1] < lo || s[1] > hi)
		return RUNE_ERROR;
	for (size_t k = 1; k <= need; k++) {
		if (k > 1 && (s[k] < 0x80 || s[k] > 0xBF))
			return RUNE_ERROR;
		r = r << 6 | (s[k] & 0x3F);
	}
	*size = need + 1;
	return r;
}

/* ---- the grammar check, with Go's messages (encoding/json/scanner.go) ---- */

typedef struct jscan {
	const unsigned char *s;
	size_t n, i;
	int depth;
	cordon_error **err;
} jscan;

/* Go's quoteChar: how its syntax errors show the offending byte. */
static void quote_char(unsigned char c, buf *out)
{
	static const char esc[] = "abtnvfr"; /* \a (7) .. \r (13) */
	buf_addc(out, '\'');
	if (c == '\'')
		buf_adds(out, "\\'");
	else if (c == '\\')
		buf_adds(out, "\\\\");
	else if (c >= 7 && c <= 13)
		buf_printf(out, "\\%c", esc[c - 7]);
	else if (c < 0x20 || c == 0x7F)
		buf_printf(out, "\\x%02x", c);
	else if (c < 0x7F)
		buf_addc(out, (char)c);
	else if (c <= 0xA0 || c == 0xAD) /* strconv.IsPrint says no */
		buf_printf(out, "\\u%04x", c);
	else /* string(byte) is the rune U+00XX */
		buf_printf(out, "%c%c", 0xC0 | c >> 6, 0x80 | (c & 0x3F));
	buf_addc(out, '\'');
}

static int scan_bad(jscan *sc, const char *context)
{
	if (sc->i >= sc->n)
		return cordon_err_msg(sc->err, EINVAL, "unexpected EOF");
	_cleanup_buf_ buf q = {0};
	quote_char(sc->s[sc->i], &q);
	return cordon_err_msg(sc->err, EINVAL, "invalid character %s %s", q.p, context);
}

static void skip_ws(jscan *sc)
{
	while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
				 sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
		sc->i++;
}

static bool at_digit(const jscan *sc)
{
	return sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9';
}

static int scan_string(jscan *sc)
{
	sc->i++; /* the opening quote */
	for (;;) {
		if (sc->i >= sc->n)
			return scan_bad(sc, "");
		unsigned char c = sc->s[sc->i];
		if (c == '"') {
			sc->i++;
			return 0;
		}
		if (c < 0x20)
			return scan_bad(sc, "in string literal");
		sc->i++;
		if (c != '\\')
			continue; /* other bytes, UTF-8 or not, are Go's to replace */
		if (sc->i >= sc->n)
			return scan_bad(sc, "");
		c = sc->s[sc->i];
		if (strchr("bfnrt\\/\"", c) && c) {
			sc->i++;
			continue;
		}
		if (c != 'u')
			return scan_bad(sc, "in string escape code");
		sc->i++;
		for (int k = 0; k < 4; k++, sc->i++)
			if (sc->i >= sc->n || !strchr("0123456789abcdefABCDEF", sc->s[sc->i]) ||
			    !sc->s[sc->i])
				return scan_bad(sc, "in \\u hexadecimal character escape");
	}
}

/* An integer without fraction or exponent becomes json-c's int64 or
 * uint64, which would saturate silently past them. */
static bool integer_fits(const unsigned char *p, size_t n)
{
	bool neg = p[0] == '-';
	const char *max = neg ? "9223372036854775808" : "18446744073709551615";
	p += neg;
	n -= neg;
	size_t mn = strlen(max);
	return n < mn || (n == mn && memcmp(p, max, n) <= 0);
}

static int scan_number(jscan *sc)
{
	size_t start = sc->i;
	bool integer = true;
	if (sc->s[sc->i] == '-')
		sc->i++;
	if (sc->i < sc->n && sc->s[sc->i] == '0') {
		sc->i++;
	} else if (at_digit(sc)) {
		while (at_digit(sc))
			sc->i++;
	} else {
		return scan_bad(sc, "in numeric literal");
	}
	if (sc->i < sc->n && sc->s[sc->i] == '.') {
		integer = false;
		sc->i++;
		if (!at_digit(sc))
			return scan_bad(sc, "after decimal point in numeric literal");
		while (at_digit(sc))
			sc->i++;
	}
	if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
		integer = false;
		sc->i++;
		if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
			sc->i++;
		if (!at_digit(sc))
			return scan_bad(sc, "in exponent of numeric literal");
		while (at_digit(sc))
			sc->i++;
	}
	if (integer && !integer_fits(sc->s + start, sc->i - start))
		return cordon_err_msg(sc->err, ERANGE, "integer %.*s does not fit in 64 bits",
				      (int)(sc->i - start), (const char *)sc->s + start);
	return 0;
}

static int scan_literal(jscan *sc, const char *word)
{
	for (size_t k = 1; word[k]; k++) {
		sc->i++;
		if (sc->i >= sc->n || sc->s[sc->i] != (unsigned char)word[k]) {
			_cleanup_free_ char *ctx =
			    xasprintf("in literal %s (expecting '%c')", word, word[k]);
			return scan_bad(sc, ctx);
		}
	}
	sc->i++;
	return 0;
}

static int scan_value(jscan *sc);

static int scan_container(jscan *sc, bool object)
{
	if (++sc->depth > CORDON_JSON_MAX_DEPTH)
		return cordon_err_msg(sc->err, ERANGE, "JSON nested more than %d levels deep",
				      CORDON_JSON_MAX_DEPTH);
	sc->i++;
	skip_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == (object ? '}' : ']')) {
		sc->i++;
		sc->depth--;
		return 0;
	}
	for (;;) {
		int r;
		if (object) {
			if (sc->i >= sc->n || sc->s[sc->i] != '"')
				return scan_bad(sc, "looking for beginning of object key string");
			if ((r = scan_string(sc)) < 0)
				return r;
			skip_ws(sc);
			if (sc->i >= sc->n || sc->s[sc->i] != ':')
				return scan_bad(sc, "after object key");
			sc->i++;
		}
		if ((r = scan_value(sc)) < 0)
			return r;
		skip_ws(sc);
		if (sc->i < sc->n && sc->s[sc->i] == ',') {
			sc->i++;
			skip_ws(sc);
			continue;
		}
		if (sc->i < sc->n && sc->s[sc->i] == (object ? '}' : ']')) {
			sc->i++;
			sc->depth--;
			return 0;
		}
		return scan_bad(sc, object ? "after object key:value pair" : "after array element");
	}
}

static int scan_value(jscan *sc)
{
	skip_ws(sc);
	if (sc->i >= sc->n)
		return scan_bad(sc, "");
	switch (sc->s[sc->i]) {
	case '{':
		return scan_container(sc, true);
	case '[':
		return scan_container(sc, false);
	case '"':
		return scan_string(sc);
	case 't':
		return scan_literal(sc, "true");
	case 'f':
		return scan_literal(sc, "false");
	case 'n':
		return scan_literal(sc, "null");
	default:
		if (sc->s[sc->i] == '-' || at_digit(sc))
			return scan_number(sc);
		return scan_bad(sc, "looking for beginning of value");
	}
}

int cordon_json_parse(const char *text, size_t len, json_object **out, cordon_error **err)
{
	*out = NULL;
	jscan sc = {.s = (const unsigned char *)text, .n = len, .err = err};
	skip_ws(&sc);
	if (sc.i == sc.n) /* what Go's Decoder says of empty input */
		return cordon_err_msg(err, EINVAL, "EOF");
	int r = scan_value(&sc);
	if (r < 0)
		return r;
	skip_ws(&sc);
	if (sc.i < sc.n) /* jsonutil.DecodeWithNumber's words */
		return cordon_err_msg(err, EINVAL, "cannot parse json value");
	/* The checked text has no NUL byte outside \u escapes; json-c wants
	 * one after a top-level number to know that it ended. */
	_cleanup_free_ char *z = xstrndup(text, len);
	json_tokener *tok = json_tokener_new_ex(CORDON_JSON_MAX_DEPTH + 1);
	if (!tok)
		abort(); /* out of memory, as xmalloc */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *v = json_tokener_parse_ex(tok, z, (int)len + 1);
	enum json_tokener_error e = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (e != json_tokener_success) {
		json_object_put(v);
		return cordon_err_msg(err, EINVAL, "%s", json_tokener_error_desc(e));
	}
	*out = v;
	return 0;
}

/* ---- writing, as Go's encoder ---- */

/* encoding/json's appendString with escapeHTML, as Marshal calls it. */
static void write_string(const char *str, size_t n, buf *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	buf_addc(out, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			switch (c) {
			case '"':
			case '\\':
				buf_addc(out, '\\');
				buf_addc(out, (char)c);
				break;
			case '\b':
				buf_adds(out, "\\b");
				break;
			case '\f':
				buf_adds(out, "\\f");
				break;
			case '\n':
				buf_adds(out, "\\n");
				break;
			case '\r':
				buf_adds(out, "\\r");
				break;
			case '\t':
				buf_adds(out, "\\t");
				break;
			default:
				/* control characters; <, > and & because a browser
				 * could read JSON served as HTML as markup */
				if (c < 0x20 || c == '<' || c == '>' || c == '&')
					buf_printf(out, "\\u00%c%c", hex[c >> 4], hex[c & 0xF]);
				else
					buf_addc(out, (char)c);
			}
			continue;
		}
		size_t size;
		uint32_t r = decode_rune(s + i, n - i, &size);
		if (r == RUNE_ERROR && size == 1)
			buf_adds(out, "\xEF\xBF\xBD"); /* what Go's decoder makes of it */
		else if (r == 0x2028 || r == 0x2029)   /* line separators end JavaScript lines */
			buf_printf(out, "\\u202%c", hex[r & 0xF]);
		else
			buf_add(out, s + i, size);
		i += size;
	}
	buf_addc(out, '"');
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of object V, sorted bytewise as Go sorts map keys. */
static const char **sorted_keys(json_object *v, size_t *n)
{
	size_t len = (size_t)json_object_object_length(v), k = 0;
	const char **keys = xcalloc(len ? len : 1, sizeof *keys);
	json_object_object_foreach(v, key, val)
	{
		(void)val;
		keys[k++] = key;
	}
	qsort(keys, k, sizeof *keys, cmp_keys);
	*n = k;
	return keys;
}

static void newline(const char *indent, int level, buf *out)
{
	if (!indent)
		return;
	buf_addc(out, '\n');
	for (int i = 0; i < level; i++)
		buf_adds(out, indent);
}

static void write_value(json_object *v, const char *indent, int level, buf *out)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_adds(out, "null");
		break;
	case json_type_boolean:
		buf_adds(out, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_int:
	case json_type_double:
		/* an integer in its one form, a double as it was written */
		buf_adds(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		break;
	case json_type_string:
		write_string(json_object_get_string(v), (size_t)json_object_get_string_len(v), out);
		break;
	case json_type_array: {
		size_t n = json_object_array_length(v);
		buf_addc(out, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addc(out, ',');
			newline(indent, level + 1, out);
			write_value(json_object_array_get_idx(v, i), indent, level + 1, out);
		}
		if (n)
			newline(indent, level, out);
		buf_addc(out, ']');
		break;
	}
	case json_type_object: {
		size_t n;
		_cleanup_free_ const char **keys = sorted_keys(v, &n);
		buf_addc(out, '{');
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addc(out, ',');
			newline(indent, level + 1, out);
			write_string(keys[i], strlen(keys[i]), out);
			buf_adds(out, indent ? ": " : ":");
			write_value(json_object_object_get(v, keys[i]), indent, level + 1, out);
		}
		if (n)
			newline(indent, level, out);
		buf_addc(out, '}');
		break;
	}
	}
}

void cordon_json_write(json_object *v, const char *indent, buf *out)
{
	write_value(v, indent, 0, out);
}

char *cordon_json_text(json_object *v, const char *indent)
{
	buf b = {0};
	cordon_json_write(v, indent, &b);
	return buf_steal(&b);
}

void cordon_json_format_v(json_object *v, buf *out)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_adds(out, "<nil>");
		break;
	case json_type_string:
		buf_add(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_array: {
		size_t n = json_object_array_length(v);
		buf_addc(out, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addc(out, ' ');
			cordon_json_format_v(json_object_array_get_idx(v, i), out);
		}
		buf_addc(out, ']');
		break;
	}
	case json_type_object: {
		size_t n;
		_cleanup_free_ const char **keys = sorted_keys(v, &n);
		buf_adds(out, "map[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addc(out, ' ');
			buf_printf(out, "%s:", keys[i]);
			cordon_json_format_v(json_object_object_get(v, keys[i]), out);
		}
		buf_addc(out, ']');
		break;
	}
	default: /* booleans and numbers print as JSON has them */
		write_value(v, NULL, 0, out);
	}
}

json_object *cordon_json_copy(json_object *v)
{
	json_object *c = NULL;
	if (v && json_object_deep_copy(v, &c, NULL) < 0)
		abort(); /* json-c fails only when out of memory */
	return c;
}

size_t cordon_json_depth(json_object *v)
{
	size_t deepest = 0;
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			size_t d = cordon_json_depth(json_object_array_get_idx(v, i));
			deepest = d > deepest ? d : deepest;
		}
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			(void)key;
			size_t d = cordon_json_depth(val);
			deepest = d > deepest ? d : deepest;
		}
	} else {
		return 0;
	}
	return deepest + 1;
}

char *cordon_go_quote(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	buf b = {0};
	buf_addc(&b, '"');
	for (size_t i = 0; i < n;) {
		size_t size;
		uint32_t r = decode_rune(s + i, n - i, &size);
		if (r == RUNE_ERROR && size == 1)
			buf_printf(&b, "\\x%02x", s[i]);
		else if (r == '"' || r == '\\')
			buf_printf(&b, "\\%c", (char)r);
		else if (r >= 7 && r <= 13)
			buf_printf(&b, "\\%c", "abtnvfr"[r - 7]);
		else if (r < 0x20 || r == 0x7F)
			buf_printf(&b, "\\x%02x", r);
		else if ((r >= 0x80 && r <= 0xA0) || r == 0xAD || r == 0x2028 || r == 0x2029 ||
			 r == 0xFEFF)
			buf_printf(&b, "\\u%04x", r); /* not strconv.IsPrint */
		else
			buf_add(&b, s + i, size);
		i += size;
	}
	buf_addc(&b, '"');
	return buf_steal(&b);
}
