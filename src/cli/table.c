#include "table.h"

#include <string.h>

void table_init(table *t, size_t ncols)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
}

void table_add(table *t, const char *const *row)
{
	for (size_t i = 0; i < t->ncols; i++)
		strv_push(&t->cells, row[i] && row[i][0] ? row[i] : "-");
}

void table_render(const table *t, buf *out)
{
	size_t rows = t->ncols ? t->cells.n / t->ncols : 0;
	size_t *w = xcalloc(t->ncols, sizeof *w);
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t n = strlen(t->cells.v[r * t->ncols + c]);
			if (n > w[c])
				w[c] = n;
		}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells.v[r * t->ncols + c];
			buf_adds(out, cell);
			if (c + 1 < t->ncols)
				for (size_t k = strlen(cell); k < w[c] + 2; k++)
					buf_addc(out, ' ');
		}
		buf_addc(out, '\n');
	}
	free(w);
}

void table_free(table *t)
{
	strv_free(&t->cells);
}
