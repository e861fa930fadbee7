/* The typed readers of yaml_read.h. */
#include "yaml_read.h"
#include "manifest.h"
#include "name_index.h"
#include "util.h"
#include "yaml_doc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int yread_error(const yread *in, const ydoc_node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return ydoc_error_at(in->err, in->src, n->line, n->col, "%s", msg);
}

int yread_type_error(const yread *in, const char *path, const ydoc_node *n, const char *what)
{
	return yread_error(in, n, "%s: expected %s, got %s", path, what, ydoc_type_name(n->type));
}

static bool plain_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

char *yread_path(const char *prefix, const char *key)
{
	_cleanup_free_ char *k = plain_word(key) ? xstrdup(key) : ydoc_quoted(key);
	return prefix ? xasprintf("%s.%s", prefix, k) : steal_ptr(k);
}

int yread_str(const yread *in, const char *path, const ydoc_node *n, bool keep_empty, char **out)
{
	if (n->kind != YDOC_SCALAR)
		return yread_type_error(in, path, n, "a string");
	free(*out);
	*out = NULL;
	if (n->type == YDOC_T_NULL || (n->len == 0 && !keep_empty))
		return 0;
	*out = xstrdup(n->text);
	return 0;
}

int yread_strv(const yread *in, const char *path, const ydoc_node *n, bool dedup, strv *out,
	       cordon_pos **pos_out)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_SEQ)
		return yread_type_error(in, path, n, "a list");
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i].kind != YDOC_SCALAR) {
			_cleanup_free_ char *ip = xasprintf("%s[%zu]", path, i);
			return yread_type_error(in, ip, &n->items[i], "a string");
		}
	}
	/* Repeats are found by sorting, not pairwise, whatever the list's size. */
	_cleanup_free_ bool *repeat = xcalloc(n->n ? n->n : 1, sizeof *repeat);
	if (dedup) {
		_cleanup_free_ name_ref *refs = xcalloc(n->n ? n->n : 1, sizeof *refs);
		for (size_t i = 0; i < n->n; i++)
			refs[i] =
			    (name_ref){n->items[i].type == YDOC_T_NULL ? "" : n->items[i].text, i};
		name_index_sort(refs, n->n);
		for (size_t i = 1; i < n->n; i++)
			if (strcmp(refs[i].name, refs[i - 1].name) == 0)
				repeat[refs[i].idx] = true;
	}
	cordon_pos *pos = pos_out ? xcalloc(n->n ? n->n : 1, sizeof *pos) : NULL;
	for (size_t i = 0; i < n->n; i++) {
		const ydoc_node *it = &n->items[i];
		if (repeat[i])
			continue;
		if (pos)
			pos[out->n] = cordon_pos_at(it->line, it->col);
		strv_push(out, it->type == YDOC_T_NULL ? "" : it->text);
	}
	if (pos_out) {
		free(*pos_out);
		*pos_out = pos;
	}
	return 0;
}

int yread_env(const yread *in, const char *path, const ydoc_node *n, cordon_env_map *out)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return yread_type_error(in, path, n, "a map of variable names to values");
	cordon_env_map_clear(out);
	out->v = xcalloc(n->n ? n->n : 1, sizeof *out->v);
	for (size_t k = 0; k < n->n; k++) {
		const ydoc_node *key = &n->items[2 * k], *val = &n->items[2 * k + 1];
		if (val->kind != YDOC_SCALAR) {
			_cleanup_free_ char *vp = yread_path(path, key->text);
			return yread_type_error(in, vp, val, "a string");
		}
		/* A number or bool is kept as written: "1.10" stays "1.10". */
		out->v[out->n++] = (cordon_env_entry){
		    .name = xstrdup(key->text),
		    .value = xstrdup(val->type == YDOC_T_NULL ? "" : val->text),
		    .line = key->line,
		    .col = key->col,
		};
	}
	return 0;
}
