/* Listing connections: the rows of `cordon connections`, which `interfaces`
 * and `interface` (interfaces_view.h) are views of. Reads state; changes
 * nothing. */
#pragma once
#include "context.h"

#include <stdbool.h>
#include <stddef.h>

/* One row of `cordon connections`. plug/slot "-" when unconnected. */
typedef struct cordon_conn_view {
	char *interface; /* content[<attr>] for content */
	char *plug, *slot, *notes;
} cordon_conn_view;
/* snap NULL: every connection (all: and every unconnected plug and slot);
 * "system": the system's slots. Sorted as snap sorts. */
int cordon_connections_view(cordon_ctx *ctx, const char *snap, bool all, cordon_conn_view **rows,
			    size_t *n, cordon_error **err);
void cordon_conn_views_free(cordon_conn_view *rows, size_t n);
