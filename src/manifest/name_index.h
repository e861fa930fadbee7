/* A name -> index lookup built by sorting, for every place that matches names
 * in a snap.yaml (repeated list items, ports named by apps, app order, layout
 * paths...): hostile inputs with many names cost O(n log n), not O(n^2). */
#pragma once
#include <stddef.h>

typedef struct name_ref {
	const char *name;
	size_t idx;
} name_ref;

/* Sort by name, then idx, so that equal names are adjacent and in order. */
void name_index_sort(name_ref *refs, size_t n);
/* The entry with that name and the smallest idx, or NULL. */
const name_ref *name_index_find(const name_ref *refs, size_t n, const char *name);
