/* Shared by connections.c and connections_view.c. */
#pragma once
#include "context.h"

#include <stdbool.h>

/* SQL NULL as an argument of conn_query (text arguments end with NULL). */
extern const char conn_arg_null[];
#define ARG_NULL conn_arg_null

/* Query rows of text columns; each row is ncols strings appended to out.
 * Arguments: text, ending with NULL. */
int conn_query(cordon_ctx *ctx, strv *out, int ncols, cordon_error **err, const char *sql, ...);

/* "", "system", "core" or "snapd": the system's implicit slots. */
bool conn_is_system(const char *snap);
