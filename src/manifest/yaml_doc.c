/* YAML document loader: libyaml events -> ydoc_node tree, with the limits
 * described in yaml_doc.h. The tree is built with an explicit, bounded stack
 * of open containers, so hostile nesting costs neither C stack nor memory
 * beyond YDOC_MAX_DEPTH frames.
 *
 * Aliases: once a container is closed its items array is never reallocated
 * again (only the ydoc_node struct that points to it moves, into its parent),
 * and a scalar's text never moves. So the anchor table keeps a shallow copy of
 * each anchored node, borrowing the tree's arrays and strings, and an alias
 * deep-copies from it. The table owns nothing but its names and is only read
 * while the tree is alive. */
#include "yaml_doc.h"
#include "error.h"
#include "util.h"
#include "yaml_scalar.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

int ydoc_error_at(cordon_error **err, const char *source_name, int line, int col, const char *fmt,
		  ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return cordon_err_msg(err, EINVAL, "%s:%d:%d: %s", source_name, line, col, msg);
}

void ydoc_quote(buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	buf_addc(b, '"');
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c == '\n') {
			buf_adds(b, "\\n");
		} else if (c == '\t') {
			buf_adds(b, "\\t");
		} else if (c < 0x20 || c >= 0x7f) {
			buf_printf(b, "\\x%02x", c);
		} else {
			buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
	if (n > max)
		buf_adds(b, "...");
}

char *ydoc_quoted(const char *s)
{
	_cleanup_buf_ buf b = {0};
	/* Long enough for any name snapd accepts, short enough that a 1 MiB
	 * scalar does not become a 4 MiB error message. */
	ydoc_quote(&b, s, 200);
	return buf_steal(&b);
}

const char *ydoc_type_name(ydoc_type t)
{
	switch (t) {
	case YDOC_T_NULL:
		return "null";
	case YDOC_T_BOOL:
		return "a bool";
	case YDOC_T_INT:
		return "an integer";
	case YDOC_T_FLOAT:
		return "a number";
	case YDOC_T_STR:
		return "a string";
	case YDOC_T_SEQ:
		return "a list";
	case YDOC_T_MAP:
		return "a map";
	}
	return "a value";
}

const ydoc_node *ydoc_map_get(const ydoc_node *map, const char *key)
{
	if (map == NULL || map->kind != YDOC_MAP)
		return NULL;
	for (size_t k = 0; k < map->n; k++)
		if (strcmp(map->items[2 * k].text, key) == 0)
			return &map->items[2 * k + 1];
	return NULL;
}

static void node_clear(ydoc_node *n)
{
	free(n->text);
	/* Recursion depth is bounded by YDOC_MAX_DEPTH. */
	size_t count = n->kind == YDOC_MAP ? 2 * n->n : n->n;
	for (size_t i = 0; i < count; i++)
		node_clear(&n->items[i]);
	free(n->items);
	memset(n, 0, sizeof *n);
}

void ydoc_free(ydoc *doc)
{
	if (doc == NULL)
		return;
	if (doc->root) {
		node_clear(doc->root);
		free(doc->root);
	}
	free(doc->source_name);
	free(doc);
}

/* A plain scalar's type and value, as yaml.v2 reads it. */
static void resolve_plain(ydoc_node *n)
{
	ydoc_scalar v = ydoc_resolve_plain(n->text, n->len);
	n->type = v.type;
	n->b = v.b;
	n->i = v.i;
	n->f = v.f;
}

/* ---- the loader ---- */

/* The size of a subtree: its nodes, its scalar bytes, and its height in
 * containers (a scalar is 0, "[]" is 1, "[[x]]" is 2). */
typedef struct weight {
	size_t nodes, bytes;
	int height;
} weight;

typedef struct frame {
	ydoc_node node;
	size_t count, cap; /* nodes in node.items (2 per pair for maps) */
	weight kids;	   /* the children's weights: nodes and bytes summed, max height */
	size_t anchor;	   /* index in loader.anchors, or SIZE_MAX */
} frame;

typedef struct anchor_def {
	char *name;
	bool open;	/* a container that has not ended yet: its aliases would recurse */
	ydoc_node view; /* shallow copy of the node: text and items belong to the tree */
	weight w;
} anchor_def;

typedef struct loader {
	const char *text;
	size_t len;
	const char *src;
	cordon_error **err;
	frame stack[YDOC_MAX_DEPTH];
	int depth;
	ydoc_node *root;
	int ndocs;
	anchor_def *anchors; /* grows up to YDOC_MAX_ANCHORS */
	size_t n_anchors, cap_anchors;
	size_t alias_nodes, alias_bytes; /* what aliases have added so far */
} loader;

static int lerr(loader *l, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lerr(loader *l, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return ydoc_error_at(l->err, l->src, (int)m.line + 1, (int)m.column + 1, "%s", msg);
}

/* Byte offset -> 1-based line and column (in characters). */
static void offset_pos(const char *text, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* libyaml reports a tab used for indentation as "found character that cannot
 * start any token"; say what is actually wrong. Returns true (and fills the
 * position of the tab) when the failing line is tab-indented. */
static bool tab_indent(const loader *l, size_t line0, int *col)
{
	size_t i = 0, ln = 0;
	while (i < l->len && ln < line0) {
		if (l->text[i++] == '\n')
			ln++;
	}
	for (int c = 1; i < l->len && (l->text[i] == ' ' || l->text[i] == '\t'); i++, c++) {
		if (l->text[i] == '\t') {
			*col = c;
			return true;
		}
	}
	return false;
}

static int parser_error(loader *l, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown error";
	if (p->error == YAML_READER_ERROR) {
		int line, col;
		offset_pos(l->text, l->len, p->problem_offset, &line, &col);
		return ydoc_error_at(l->err, l->src, line, col, "invalid YAML: %s", problem);
	}
	int col;
	if (p->error == YAML_SCANNER_ERROR && tab_indent(l, p->problem_mark.line, &col))
		return ydoc_error_at(l->err, l->src, (int)p->problem_mark.line + 1, col,
				     "invalid YAML: tab character in indentation "
				     "(YAML indents with spaces only)");
	if (p->context)
		return lerr(l, p->problem_mark, "invalid YAML: %s (%s that started at %d:%d)",
			    problem, p->context, (int)p->context_mark.line + 1,
			    (int)p->context_mark.column + 1);
	return lerr(l, p->problem_mark, "invalid YAML: %s", problem);
}

/* Record an anchor definition; *idx is its index (SIZE_MAX without anchor).
 * A name may be defined again: as in yaml.v2, an alias names the definition
 * that started last before it. */
static int add_anchor(loader *l, const yaml_event_t *ev, const yaml_char_t *name, size_t *idx)
{
	*idx = SIZE_MAX;
	if (name == NULL)
		return 0;
	if (l->n_anchors == YDOC_MAX_ANCHORS) {
		_cleanup_free_ char *q = ydoc_quoted((const char *)name);
		return lerr(l, ev->start_mark,
			    "too many YAML anchors (anchor %s is over %d): expected a snap.yaml "
			    "of a sensible size",
			    q, YDOC_MAX_ANCHORS);
	}
	if (l->n_anchors == l->cap_anchors) {
		l->cap_anchors = l->cap_anchors ? 2 * l->cap_anchors : 8;
		l->anchors = xreallocarray(l->anchors, l->cap_anchors, sizeof *l->anchors);
	}
	*idx = l->n_anchors++;
	l->anchors[*idx] = (anchor_def){.name = xstrdup((const char *)name), .open = true};
	return 0;
}

static void close_anchor(loader *l, size_t idx, const ydoc_node *n, weight w)
{
	if (idx == SIZE_MAX)
		return;
	l->anchors[idx].open = false;
	l->anchors[idx].view = *n;
	l->anchors[idx].w = w;
}

static const anchor_def *find_anchor(const loader *l, const char *name)
{
	for (size_t i = l->n_anchors; i-- > 0;)
		if (strcmp(l->anchors[i].name, name) == 0)
			return &l->anchors[i];
	return NULL;
}

/* Recursion depth is the copy's height, which the caller bounded. */
static void node_copy(ydoc_node *dst, const ydoc_node *src)
{
	*dst = *src;
	if (src->text)
		dst->text = xstrndup(src->text, src->len);
	size_t count = src->kind == YDOC_MAP ? 2 * src->n : src->n;
	if (count == 0) {
		dst->items = NULL;
		return;
	}
	dst->items = xreallocarray(NULL, count, sizeof *dst->items);
	for (size_t i = 0; i < count; i++)
		node_copy(&dst->items[i], &src->items[i]);
}

/* Tags: accept the standard ones that agree with the node, refuse the rest
 * (local tags and !!binary, !!timestamp... mean nothing to snap.yaml). */
static int apply_tag(loader *l, const yaml_event_t *ev, const yaml_char_t *tag, ydoc_node *n)
{
	if (tag == NULL)
		return 0;
	const char *t = (const char *)tag;
	if (strcmp(t, "!") == 0) {
		if (n->kind == YDOC_SCALAR)
			n->type = YDOC_T_STR, n->plain = false;
		return 0;
	}
	if (n->kind == YDOC_SEQ && strcmp(t, TAG_PREFIX "seq") == 0)
		return 0;
	if (n->kind == YDOC_MAP && strcmp(t, TAG_PREFIX "map") == 0)
		return 0;
	if (n->kind == YDOC_SCALAR && strcmp(t, TAG_PREFIX "str") == 0) {
		n->type = YDOC_T_STR;
		n->plain = false;
		return 0;
	}
	static const struct {
		const char *name;
		ydoc_type type;
	} typed[] = {
	    {TAG_PREFIX "int", YDOC_T_INT},
	    {TAG_PREFIX "float", YDOC_T_FLOAT},
	    {TAG_PREFIX "bool", YDOC_T_BOOL},
	    {TAG_PREFIX "null", YDOC_T_NULL},
	};
	for (size_t k = 0; n->kind == YDOC_SCALAR && k < ARRAY_SIZE(typed); k++) {
		if (strcmp(t, typed[k].name) != 0)
			continue;
		resolve_plain(n);
		if (n->type == YDOC_T_INT && typed[k].type == YDOC_T_FLOAT) {
			n->type = YDOC_T_FLOAT;
			n->f = (double)n->i;
		}
		n->plain = false;
		if (n->type == typed[k].type)
			return 0;
		_cleanup_free_ char *q = ydoc_quoted(n->text);
		return lerr(l, ev->start_mark,
			    "value %s does not match its tag: expected a valid !!%s", q,
			    typed[k].name + strlen(TAG_PREFIX));
	}
	/* Show "tag:yaml.org,2002:binary" as it was written, "!!binary". */
	_cleanup_free_ char *shown =
	    str_has_prefix(t, TAG_PREFIX) ? xasprintf("!!%s", t + strlen(TAG_PREFIX)) : xstrdup(t);
	_cleanup_free_ char *q = ydoc_quoted(shown);
	return lerr(l, ev->start_mark, "unsupported YAML tag %s: expected an untagged value", q);
}

static void frame_push_child(frame *f, ydoc_node *child)
{
	if (f->count == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		f->node.items = xreallocarray(f->node.items, f->cap, sizeof *f->node.items);
	}
	f->node.items[f->count++] = *child;
	memset(child, 0, sizeof *child);
}

/* Hand a finished node, of weight w, to its parent (or make it the root). */
static int add_node(loader *l, ydoc_node *n, weight w)
{
	if (l->depth == 0) {
		l->root = xmalloc(sizeof *l->root);
		*l->root = *n;
		memset(n, 0, sizeof *n);
		return 0;
	}
	frame *f = &l->stack[l->depth - 1];
	if (f->node.kind == YDOC_MAP && f->count % 2 == 0) {
		int r = 0;
		if (n->kind != YDOC_SCALAR)
			r = ydoc_error_at(l->err, l->src, n->line, n->col,
					  "expected a scalar key, got %s", ydoc_type_name(n->type));
		/* Merge keys stay refused, aliases or not. yaml.v2 applies a
		 * merge where it meets "<<" and lets later keys overwrite
		 * earlier ones, so an explicit key written before "<<" loses
		 * to the merged value (the merge spec says explicit keys win).
		 * Any tree built here would either follow the spec and differ
		 * from what snapd reads, or copy that quirk, and duplicate-key
		 * detection would have to tell "overridden" from "repeated".
		 * No snap in the corpus needs them. */
		else if (n->plain && strcmp(n->text, "<<") == 0)
			r = ydoc_error_at(
			    l->err, l->src, n->line, n->col,
			    "YAML merge keys (\"<<\") are not allowed: write the keys out");
		if (r < 0) {
			node_clear(n);
			return r;
		}
	}
	frame_push_child(f, n);
	f->kids.nodes += w.nodes;
	f->kids.bytes += w.bytes;
	if (w.height > f->kids.height)
		f->kids.height = w.height;
	return 0;
}

typedef struct keyref {
	const ydoc_node *key;
	size_t idx;
} keyref;

static int cmp_keyref(const void *a, const void *b)
{
	const keyref *x = a, *y = b;
	int c = strcmp(x->key->text, y->key->text);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sort-based, so a map with many keys costs O(n log n), whatever the keys. */
static int check_duplicates(loader *l, const ydoc_node *map)
{
	if (map->n < 2)
		return 0;
	_cleanup_free_ keyref *refs = xreallocarray(NULL, map->n, sizeof *refs);
	for (size_t k = 0; k < map->n; k++)
		refs[k] = (keyref){&map->items[2 * k], k};
	qsort(refs, map->n, sizeof *refs, cmp_keyref);
	/* Report the repeat that comes first in the document. */
	const keyref *dup = NULL, *first = NULL;
	for (size_t k = 1; k < map->n; k++) {
		if (strcmp(refs[k].key->text, refs[k - 1].key->text) != 0)
			continue;
		size_t g = k - 1;
		while (g > 0 && strcmp(refs[g - 1].key->text, refs[k].key->text) == 0)
			g--;
		if (dup == NULL || refs[k].idx < dup->idx)
			dup = &refs[k], first = &refs[g];
	}
	if (dup == NULL)
		return 0;
	_cleanup_free_ char *q = ydoc_quoted(dup->key->text);
	return ydoc_error_at(l->err, l->src, dup->key->line, dup->key->col,
			     "duplicate key %s (first defined at %d:%d): expected each key once", q,
			     first->key->line, first->key->col);
}

static int open_container(loader *l, const yaml_event_t *ev, ydoc_kind kind)
{
	const yaml_char_t *anchor =
	    kind == YDOC_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	const yaml_char_t *tag =
	    kind == YDOC_MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	if (l->depth >= YDOC_MAX_DEPTH)
		return lerr(l, ev->start_mark,
			    "nesting deeper than %d levels: expected a flatter document",
			    YDOC_MAX_DEPTH);
	size_t idx;
	int r = add_anchor(l, ev, anchor, &idx);
	if (r < 0)
		return r;
	frame *f = &l->stack[l->depth];
	memset(f, 0, sizeof *f);
	f->anchor = idx;
	f->node.kind = kind;
	f->node.type = kind == YDOC_MAP ? YDOC_T_MAP : YDOC_T_SEQ;
	f->node.line = (int)ev->start_mark.line + 1;
	f->node.col = (int)ev->start_mark.column + 1;
	l->depth++;
	return apply_tag(l, ev, tag, &f->node);
}

static int close_container(loader *l)
{
	frame *f = &l->stack[--l->depth];
	ydoc_node n = f->node;
	n.n = n.kind == YDOC_MAP ? f->count / 2 : f->count;
	weight w = {1 + f->kids.nodes, f->kids.bytes, 1 + f->kids.height};
	size_t idx = f->anchor;
	memset(f, 0, sizeof *f);
	int r = n.kind == YDOC_MAP ? check_duplicates(l, &n) : 0;
	if (r == 0) {
		close_anchor(l, idx, &n, w);
		r = add_node(l, &n, w);
	}
	if (r < 0)
		node_clear(&n);
	return r;
}

static int on_alias(loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const anchor_def *a = find_anchor(l, name);
	_cleanup_free_ char *q = ydoc_quoted(name);
	if (a == NULL)
		return lerr(l, ev->start_mark,
			    "unknown YAML alias %s: expected the name of an anchor defined "
			    "earlier in the document",
			    q);
	/* "&a [*a]": a copy would contain itself. */
	if (a->open)
		return lerr(l, ev->start_mark,
			    "YAML alias %s is inside the value it refers to: expected an anchor "
			    "whose value ends before the alias",
			    q);
	/* The copy must fit in the same depth as any other node, or every
	 * recursive consumer loses its bound. */
	if (l->depth + a->w.height > YDOC_MAX_DEPTH)
		return lerr(l, ev->start_mark,
			    "nesting deeper than %d levels: expected a flatter document",
			    YDOC_MAX_DEPTH);
	/* Checked before copying: the whole expansion never costs more than
	 * the budget, however many levels of aliases-of-aliases it has. */
	if (a->w.nodes > YDOC_MAX_ALIAS_NODES - l->alias_nodes)
		return lerr(l, ev->start_mark, "YAML alias expansion exceeds %d nodes",
			    YDOC_MAX_ALIAS_NODES);
	if (a->w.bytes > YDOC_MAX_ALIAS_BYTES - l->alias_bytes)
		return lerr(l, ev->start_mark, "YAML alias expansion exceeds %d bytes of text",
			    YDOC_MAX_ALIAS_BYTES);
	l->alias_nodes += a->w.nodes;
	l->alias_bytes += a->w.bytes;
	ydoc_node n;
	node_copy(&n, &a->view);
	/* The copy stands where the alias is; what it holds keeps the
	 * positions of the text it came from. */
	n.line = (int)ev->start_mark.line + 1;
	n.col = (int)ev->start_mark.column + 1;
	int r = add_node(l, &n, a->w);
	if (r < 0)
		node_clear(&n);
	return r;
}

static int on_scalar(loader *l, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	if (memchr(v, '\0', len))
		return lerr(l, ev->start_mark,
			    "NUL character in a string: expected text without NUL bytes");
	ydoc_node n = {
	    .kind = YDOC_SCALAR,
	    .line = (int)ev->start_mark.line + 1,
	    .col = (int)ev->start_mark.column + 1,
	    .text = xstrndup(v, len),
	    .len = len,
	    .plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE,
	};
	if (n.plain && ev->data.scalar.tag == NULL)
		resolve_plain(&n);
	else
		n.type = YDOC_T_STR, n.plain = false;
	weight w = {1, len, 0};
	size_t idx = SIZE_MAX;
	int r = apply_tag(l, ev, ev->data.scalar.tag, &n);
	if (r == 0)
		r = add_anchor(l, ev, ev->data.scalar.anchor, &idx);
	if (r == 0) {
		close_anchor(l, idx, &n, w);
		r = add_node(l, &n, w);
	}
	if (r < 0)
		node_clear(&n);
	return r;
}

static int on_event(loader *l, const yaml_event_t *ev, bool *done)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++l->ndocs > 1)
			return lerr(l, ev->start_mark,
				    "a second YAML document: expected exactly one");
		return 0;
	case YAML_ALIAS_EVENT:
		return on_alias(l, ev);
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev);
	case YAML_SEQUENCE_START_EVENT:
		return open_container(l, ev, YDOC_SEQ);
	case YAML_MAPPING_START_EVENT:
		return open_container(l, ev, YDOC_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return close_container(l);
	case YAML_STREAM_END_EVENT:
		*done = true;
		return 0;
	default:
		return 0;
	}
}

int ydoc_load(const char *text, size_t len, const char *source_name, ydoc **out, cordon_error **err)
{
	*out = NULL;
	/* Checked before libyaml sees a byte: the limit bounds every cost below. */
	if (len > YDOC_MAX_INPUT)
		return ydoc_error_at(err, source_name, 1, 1,
				     "file too large: %zu bytes, at most %d allowed", len,
				     YDOC_MAX_INPUT);
	loader l = {.text = text, .len = len, .src = source_name, .err = err};
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return cordon_err_msg(err, ENOMEM, "%s: cannot initialize the YAML parser",
				      source_name);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);

	int r = 0;
	bool done = false;
	int line = 1, col = 1;
	bool first = true;
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			r = parser_error(&l, &p);
			break;
		}
		if (first && ev.type == YAML_DOCUMENT_START_EVENT) {
			line = (int)ev.start_mark.line + 1;
			col = (int)ev.start_mark.column + 1;
			first = false;
		}
		r = on_event(&l, &ev, &done);
		yaml_event_delete(&ev);
		if (r < 0)
			break;
	}
	yaml_parser_delete(&p);
	for (size_t i = 0; i < l.n_anchors; i++)
		free(l.anchors[i].name);
	free(l.anchors);
	while (l.depth > 0) {
		frame *f = &l.stack[--l.depth];
		f->node.n = f->node.kind == YDOC_MAP ? f->count / 2 : f->count;
		if (f->node.kind == YDOC_MAP && f->count % 2)
			node_clear(&f->node.items[f->count - 1]);
		node_clear(&f->node);
	}
	if (r < 0) {
		if (l.root) {
			node_clear(l.root);
			free(l.root);
		}
		return r;
	}
	ydoc *d = xcalloc(1, sizeof *d);
	d->root = l.root;
	d->line = line;
	d->col = col;
	d->source_name = xstrdup(source_name);
	*out = d;
	return 0;
}
