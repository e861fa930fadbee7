/* JSON values as snapd reads and writes them: Go's encoding/json. Pure code.
 *
 * A snap's configuration is JSON that snapd decodes with json.Decoder and
 * UseNumber (jsonutil.DecodeWithNumber) and prints with json.Marshal(Indent):
 * numbers stay as they were written ("1.50" prints 1.50), object keys come
 * out sorted, <, > and & as \u003c, \u003e, \u0026. json-c builds and holds
 * the values; what it does not do as Go does is done here:
 *
 *   - reading: json-c accepts what Go refuses (NaN, "1.", "00", raw control
 *     characters in strings, integers beyond 64 bits saturated), so the text
 *     is first checked against JSON's grammar with Go's error messages, and
 *     nested at most CORDON_JSON_MAX_DEPTH deep;
 *   - writing: json-c escapes '/' and keeps insertion order; Go's encoder is
 *     written out here, as is its %v (the `snap get` table's cells).
 *
 * A JSON null is NULL, as json-c has it. */
#pragma once
#include "error.h"
#include "util.h"

#include <json-c/json_object.h>
#include <json-c/linkhash.h> /* json_object_object_foreach needs it */
#include <stdbool.h>
#include <stddef.h>

/* Objects and arrays nested in one value or document, the outermost
 * included: a hostile or careless value cannot make every later reader
 * recurse without bound. */
#define CORDON_JSON_MAX_DEPTH 32

/* One JSON value, surrounded by whitespace at most, into *out (NULL for null;
 * the caller puts it). -EINVAL with Go's words ("invalid character 'x'
 * looking for beginning of value", "unexpected EOF", "EOF") when TEXT is
 * anything else; -ERANGE when it is JSON nested deeper than
 * CORDON_JSON_MAX_DEPTH or with an integer beyond 64 bits (json-c's int64
 * and uint64; Go keeps any). Other differences from Go, on purpose:
 * anything after the value is refused (Go's Decoder lets a trailing ']' or
 * '}' and what follows pass), and "-0" reads as 0 (json-c's integers). */
int cordon_json_parse(const char *text, size_t len, json_object **out, cordon_error **err);

/* Go's json.Marshal of V (indent NULL) or json.MarshalIndent(V, "", indent),
 * appended to OUT. A byte that is not UTF-8 becomes U+FFFD, as it does when
 * Go decodes it. */
void cordon_json_write(json_object *v, const char *indent, buf *out);
/* The same, as a new string. */
char *cordon_json_text(json_object *v, const char *indent);

/* Go's fmt "%v" of the decoded value: strings bare, arrays "[a b]", objects
 * "map[k:v]", null "<nil>". */
void cordon_json_format_v(json_object *v, buf *out);

/* A deep copy (json-c's keeps the text of numbers). */
json_object *cordon_json_copy(json_object *v);

/* Objects and arrays nested in V, V included (0 for a scalar). */
size_t cordon_json_depth(json_object *v);

/* Go's strconv.Quote of S, as snapd's %q messages show names. Caller frees. */
char *cordon_go_quote(const char *s);
