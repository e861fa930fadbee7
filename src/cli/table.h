/* Column output as snap prints it (Go's tabwriter, two spaces of padding,
 * no trailing blanks). Pure. */
#pragma once
#include "util.h"

typedef struct table {
	size_t ncols;
	strv cells; /* row-major */
} table;

void table_init(table *t, size_t ncols);
void table_add(table *t, const char *const *row);
/* Render into out (appended). */
void table_render(const table *t, buf *out);
void table_free(table *t);
