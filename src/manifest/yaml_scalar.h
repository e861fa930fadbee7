/* What a YAML scalar means: its type, resolved as gopkg.in/yaml.v2 (snapd's
 * parser) resolves a plain (unquoted, untagged) scalar. snap.yaml must mean to
 * cordon what it means to snapd: "version: 1.0" keeps its text "1.0", an
 * attribute "allow: yes" is a bool, a mode 0644 the integer 420 and
 * 2024-01-01 a string. Pure code, kept apart from the loader (yaml_doc.c) so
 * that it can be read, and changed, against yaml.v2's resolve.go alone. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a scalar resolves to (yaml.v2 rules); containers resolve to themselves. */
typedef enum ydoc_type {
	YDOC_T_NULL,
	YDOC_T_BOOL,
	YDOC_T_INT,
	YDOC_T_FLOAT,
	YDOC_T_STR,
	YDOC_T_SEQ,
	YDOC_T_MAP,
} ydoc_type;

typedef struct ydoc_scalar {
	ydoc_type type; /* YDOC_T_NULL, _BOOL, _INT, _FLOAT or _STR */
	bool b;		/* YDOC_T_BOOL */
	int64_t i;	/* YDOC_T_INT */
	double f;	/* YDOC_T_FLOAT */
} ydoc_scalar;

/* The type and value of the plain scalar text (len bytes, NUL-terminated).
 * Integers are Go's strconv.ParseInt(s, 0, 64) after yaml.v2 drops
 * underscores (0x, 0o, 0b and a leading 0 for octal); an integer too large
 * for int64 is a float; anything else that is not null or a bool
 * (timestamps included) is a string. The fields that do not apply are 0. */
ydoc_scalar ydoc_resolve_plain(const char *text, size_t len);
