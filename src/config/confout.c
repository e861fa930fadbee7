/* `snap get`'s output (confout.h). */
#include "confout.h"
#include "confdoc.h"
#include "jsonval.h"

#include <string.h>

/* ---- Go's text/tabwriter, with snap's settings ----
 *
 * Cells end at '\t' or '\v', lines at '\n' or '\f'; the last cell of a line
 * is not in a column. A column block is a run of lines with a cell in that
 * column; its width is the widest cell's (in runes) plus the padding, at
 * least the minimal width. A '\f', or a line of one cell, flushes: the next
 * lines start new blocks. */

enum { TW_MINWIDTH = 5, TW_PADDING = 2 };

typedef struct tw_cell {
	size_t start, size, width;
} tw_cell;
typedef struct tw_line {
	tw_cell *c;
	size_t n;
} tw_line;
typedef struct tw {
	const char *text;
	tw_line *lines;
	size_t nlines;
	size_t widths[64]; /* one per column nesting level */
	size_t nwidths;
	buf *out;
} tw;

static void tw_add_line(tw *w)
{
	w->lines = xreallocarray(w->lines, w->nlines + 1, sizeof *w->lines);
	w->lines[w->nlines++] = (tw_line){0};
}

static void tw_reset(tw *w)
{
	for (size_t i = 0; i < w->nlines; i++)
		free(w->lines[i].c);
	w->nlines = 0;
	w->nwidths = 0;
	tw_add_line(w);
}

static size_t tw_terminate(tw *w, tw_cell cell)
{
	tw_line *l = &w->lines[w->nlines - 1];
	l->c = xreallocarray(l->c, l->n + 1, sizeof *l->c);
	l->c[l->n++] = cell;
	return l->n;
}

static void tw_write_lines(tw *w, size_t line0, size_t line1)
{
	for (size_t i = line0; i < line1; i++) {
		const tw_line *l = &w->lines[i];
		for (size_t j = 0; j < l->n; j++) {
			buf_add(w->out, w->text + l->c[j].start, l->c[j].size);
			if (j < w->nwidths)
				for (size_t k = l->c[j].width; k < w->widths[j]; k++)
					buf_addc(w->out, ' ');
		}
		if (i + 1 < w->nlines) /* the last buffered line has no newline yet */
			buf_addc(w->out, '\n');
	}
}

/* Go's Writer.format. */
static void tw_format(tw *w, size_t line0, size_t line1)
{
	size_t column = w->nwidths;
	for (size_t this = line0; this < line1; this ++) {
		if (column + 1 >= w->lines[this].n)
			continue; /* no cell in this column (the last is no cell) */
		tw_write_lines(w, line0, this);
		line0 = this;
		size_t width = TW_MINWIDTH;
		for (; this < line1; this ++) {
			const tw_line *l = &w->lines[this];
			if (column + 1 >= l->n)
				break;
			if (l->c[column].width + TW_PADDING > width)
				width = l->c[column].width + TW_PADDING;
		}
		if (w->nwidths == ARRAY_SIZE(w->widths))
			break; /* 64 columns: more than snap's two ever make */
		w->widths[w->nwidths++] = width;
		tw_format(w, line0, this);
		w->nwidths--;
		line0 = this;
	}
	tw_write_lines(w, line0, line1);
}

static void tw_flush(tw *w)
{
	tw_format(w, 0, w->nlines);
	tw_reset(w);
}

/* Runes, as utf8.RuneCount counts them in valid UTF-8 (what is printed here
 * always is: it comes out of jsonval's writer). */
static size_t runes(const char *s, size_t n)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		r += ((unsigned char)s[i] & 0xC0) != 0x80;
	return r;
}

void cordon_conf_tabwrite(const char *text, size_t len, buf *out)
{
	tw w = {.text = text, .out = out};
	tw_reset(&w);
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (ch != '\t' && ch != '\v' && ch != '\n' && ch != '\f')
			continue;
		tw_cell cell = {start, i - start, runes(text + start, i - start)};
		size_t ncells = tw_terminate(&w, cell);
		start = i + 1;
		if (ch == '\n' || ch == '\f') {
			tw_add_line(&w);
			if (ch == '\f' || ncells == 1)
				tw_flush(&w);
		}
	}
	if (start < len)
		tw_terminate(&w, (tw_cell){start, len - start, runes(text + start, len - start)});
	tw_flush(&w);
	for (size_t i = 0; i < w.nlines; i++)
		free(w.lines[i].c);
	free(w.lines);
}

/* ---- the table's rows: cmd_get.go's flattenConfig and byConfigPath ---- */

typedef struct row {
	char *path;
	buf value; /* a string's NUL bytes included, as Go prints them */
} row;

/* byConfigPath: bytewise, but '.' before everything, so that "a.b" comes
 * right after "a" and before "a-b". */
static int cmp_path(const void *pa, const void *pb)
{
	const unsigned char *a = (const unsigned char *)((const row *)pa)->path;
	const unsigned char *b = (const unsigned char *)((const row *)pb)->path;
	for (; *a && *a == *b; a++, b++)
		;
	int ca = *a == '.' ? 1 : *a ? *a + 1 : 0, cb = *b == '.' ? 1 : *b ? *b + 1 : 0;
	return ca - cb;
}

static void add_row(row **rows, size_t *n, char *path, json_object *v, bool doc)
{
	*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
	row *r = &(*rows)[(*n)++];
	*r = (row){.path = path};
	if (doc)
		buf_adds(&r->value, "{...}");
	else
		cordon_json_format_v(v, &r->value);
}

static void render_table(json_object *conf, bool root, buf *out)
{
	row *rows = NULL;
	size_t n = 0;
	json_object_object_foreach(conf, k, v)
	{
		if (!json_object_is_type(v, json_type_object)) {
			add_row(&rows, &n, xstrdup(k), v, false);
		} else if (root) {
			add_row(&rows, &n, xstrdup(k), v, true);
		} else {
			json_object_object_foreach(v, kk, vv)
			{
				add_row(&rows, &n, xasprintf("%s.%s", k, kk), vv,
					json_object_is_type(vv, json_type_object));
			}
		}
	}
	if (n) /* qsort wants an array, even of none */
		qsort(rows, n, sizeof *rows, cmp_path);
	_cleanup_buf_ buf text = {0};
	buf_adds(&text, "Key\tValue\n");
	for (size_t i = 0; i < n; i++) {
		buf_printf(&text, "%s\t", rows[i].path);
		buf_add(&text, rows[i].value.p, rows[i].value.len);
		buf_addc(&text, '\n');
		free(rows[i].path);
		buf_free(&rows[i].value);
	}
	free(rows);
	cordon_conf_tabwrite(text.p, text.len, out);
}

/* ---- get ---- */

static void output_json(json_object *v, buf *out)
{
	cordon_json_write(v, "\t", out);
	buf_addc(out, '\n');
}

/* What the daemon answers: the document, or {key: value} of each key. */
static int answer(const char *snap, const char *doc, char *const *keys, size_t n,
		  json_object **conf, cordon_error **err)
{
	_cleanup_conf_txn_ cordon_conf_txn *t = NULL;
	int r = cordon_conf_txn_new(snap, doc, &t, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *json = NULL;
	if (n == 0) {
		r = cordon_conf_txn_get(t, "", true, &json, err);
		if (r == -ENOENT) { /* no configuration: an empty document */
			cordon_error_free(err);
			*conf = json_object_new_object();
			return 0;
		}
		return r < 0 ? r : cordon_json_parse(json, strlen(json), conf, err);
	}
	json_object *c = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		json_object *v = NULL;
		/* "" would name the document (snapd's keys are a comma-separated
		 * list, where it is dropped): not a key */
		if (!keys[i][0])
			r = cordon_err_msg(err, EINVAL, "invalid option name: \"\"");
		/* nothing is staged: "previous" is the document, read without
		 * the copy that applying changes would make for each key */
		if (r == 0)
			r = cordon_conf_txn_get(t, keys[i], true, &json, err);
		if (r == 0)
			r = cordon_json_parse(json, strlen(json), &v, err);
		free(steal_ptr(json));
		if (r < 0) {
			json_object_put(c);
			return r;
		}
		json_object_object_add(c, keys[i], v);
	}
	*conf = c;
	return 0;
}

static int no_configuration(const char *snap, cordon_error **err)
{
	_cleanup_free_ char *q = cordon_go_quote(snap);
	return cordon_err_msg(err, ENOENT, "snap %s has no configuration", q);
}

int cordon_conf_get_output(const char *snap, const char *doc, char *const *keys, size_t n,
			   const cordon_conf_get_opts *o, buf *out, char **warning,
			   cordon_error **err)
{
	*warning = NULL;
	if (o->document && o->typed)
		return cordon_err_msg(err, EINVAL, "cannot use -d and -t together");
	if (o->document && o->list)
		return cordon_err_msg(err, EINVAL, "cannot use -d and -l together");
	json_object *conf = NULL;
	int r = answer(snap, doc, keys, n, &conf, err);
	if (r < 0)
		return r;
	bool empty = n == 0 && json_object_object_length(conf) == 0;
	if (o->document) {
		output_json(conf, out);
	} else if (empty) {
		r = no_configuration(snap, err);
	} else if (o->list) {
		render_table(conf, n == 0, out);
	} else {
		/* one key: its value, unless it is an object */
		json_object *v = conf;
		if (n == 1) {
			json_object *one = json_object_object_get(conf, keys[0]);
			if (!json_object_is_type(one, json_type_object))
				v = one;
		}
		if (v == conf && o->tty) {
			render_table(conf, n == 0, out);
		} else if (v == conf) {
			*warning =
			    xstrdup("WARNING: The output of 'cordon get' will become a list "
				    "with columns - use -d or -l to force the output format.");
			output_json(conf, out);
		} else if (v == NULL && !o->typed) { /* Println("") */
			buf_addc(out, '\n');
		} else if (json_object_is_type(v, json_type_string) && !o->typed) {
			buf_add(out, json_object_get_string(v),
				(size_t)json_object_get_string_len(v));
			buf_addc(out, '\n');
		} else {
			output_json(v, out);
		}
	}
	json_object_put(conf);
	return r;
}
