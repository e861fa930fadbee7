/* The sorted name index of name_index.h. */
#include "name_index.h"

#include <stdlib.h>
#include <string.h>

static int cmp_name_ref(const void *a, const void *b)
{
	const name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void name_index_sort(name_ref *refs, size_t n)
{
	if (n > 1)
		qsort(refs, n, sizeof *refs, cmp_name_ref);
}

const name_ref *name_index_find(const name_ref *refs, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(refs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(refs[lo].name, name) == 0 ? &refs[lo] : NULL;
}
