#include "definitions.h"
#include "rules.h"
#include "yaml_doc.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <string.h>

typedef struct loader {
	const char *source;
	cordon_error **err;
} loader;

#define at(l, n, ...) ydoc_error_at((l)->err, (l)->source, (n)->line, (n)->col, __VA_ARGS__)

static int get_str(loader *l, const ydoc_node *n, const char *key, char **out)
{
	if (n->kind != YDOC_SCALAR || n->type == YDOC_T_NULL)
		return at(l, n, "%s: expected a string", key);
	*out = xstrdup(n->text);
	return 0;
}

static int get_bool(loader *l, const ydoc_node *n, const char *key, bool *out)
{
	if (n->kind != YDOC_SCALAR || n->type != YDOC_T_BOOL)
		return at(l, n, "%s: expected true or false", key);
	*out = n->b;
	return 0;
}

static int get_list(loader *l, const ydoc_node *n, const char *key, strv *out)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_SEQ)
		return at(l, n, "%s: expected a list of strings", key);
	for (size_t i = 0; i < n->n; i++) {
		const ydoc_node *it = &n->items[i];
		if (it->kind != YDOC_SCALAR || it->type == YDOC_T_NULL)
			return at(l, it, "%s: expected a string", key);
		strv_push(out, it->text);
	}
	return 0;
}

/* Each rule is checked now, so a bad definition fails when it is loaded,
 * naming its line, not later at some install. */
static int check_rules(loader *l, const ydoc_node *list, const char *key)
{
	for (size_t i = 0; list->kind == YDOC_SEQ && i < list->n; i++) {
		const ydoc_node *it = &list->items[i];
		cordon_error *e = NULL;
		int r = 0;
		if (strcmp(key, "files") == 0) {
			char *path = NULL;
			uint64_t access;
			uint32_t flags;
			r = cordon_rule_parse_file(it->text, &path, &access, &flags, &e);
			free(path);
		} else if (strcmp(key, "devices") == 0) {
			cordon_dev_rule d;
			r = cordon_rule_parse_device(it->text, &d, &e);
			if (r == 0)
				free(d.path);
		} else if (strcmp(key, "network") == 0) {
			uint64_t net = 0;
			r = cordon_rule_parse_network(it->text, &net, &e);
		} else if (strcmp(key, "capabilities") == 0) {
			int cap;
			r = cordon_rule_parse_capability(it->text, &cap, &e);
		} else if (strcmp(key, "mounts") == 0) {
			char mode[8]; /* "ro" or "rw"; anything longer is refused */
			_cleanup_free_ char *src = NULL, *dst = NULL;
			if (sscanf(it->text, "%7s %ms %ms", mode, &src, &dst) != 3 ||
			    (strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0))
				r = cordon_err_msg(&e, EINVAL,
						   "mount \"%s\": expected \"ro|rw SOURCE TARGET\"",
						   it->text);
		}
		if (r < 0) {
			r = ydoc_error_at(l->err, l->source, it->line, it->col, "%s", e->msg);
			cordon_error_free(&e);
			return r;
		}
	}
	return 0;
}

static int load_grant(loader *l, const ydoc_node *n, const char *what, cordon_grant *g,
		      char **seccomp_file)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return at(l, n, "%s: expected a map", what);
	for (size_t i = 0; i < n->n; i++) {
		const ydoc_node *k = &n->items[2 * i], *v = &n->items[2 * i + 1];
		const char *key = k->text;
		strv *list = NULL;
		if (strcmp(key, "files") == 0)
			list = &g->files;
		else if (strcmp(key, "devices") == 0)
			list = &g->devices;
		else if (strcmp(key, "network") == 0)
			list = &g->network;
		else if (strcmp(key, "capabilities") == 0)
			list = &g->capabilities;
		else if (strcmp(key, "mounts") == 0)
			list = &g->mounts;
		int r;
		if (list != NULL) {
			r = get_list(l, v, key, list);
			if (r == 0)
				r = check_rules(l, v, key);
		} else if (strcmp(key, "seccomp") == 0) {
			r = get_str(l, v, key, &g->seccomp);
		} else if (strcmp(key, "apparmor") == 0) {
			r = get_str(l, v, key, &g->apparmor);
		} else if (strcmp(key, "ipc") == 0) {
			/* SysV IPC: each snap has its own namespace; "host"
			 * keeps the host's (the X server's MIT-SHM, say) */
			if (v->kind != YDOC_SCALAR || strcmp(v->text, "host") != 0)
				r = at(l, v, "%s: expected \"host\"", key);
			else
				g->host_ipc = true, r = 0;
		} else if (strcmp(key, "notify-socket") == 0) {
			/* the socket's path is the service manager's, known
			 * only at launch: the launcher grants it (launch.c) */
			r = get_bool(l, v, key, &g->notify);
		} else if (strcmp(key, "seccomp-file") == 0 && seccomp_file != NULL) {
			r = get_str(l, v, key, seccomp_file);
			if (r == 0 && (strchr(*seccomp_file, '/') || (*seccomp_file)[0] == '.'))
				r = at(l, v, "%s: expected a file name", key);
		} else {
			r = at(l, k, "unknown key \"%s\"", key);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct {
	const char *name;
	enum cordon_attr_type type;
} attr_types[] = {
    {"string", CORDON_ATTR_STRING},
    {"bool", CORDON_ATTR_BOOL},
    {"path", CORDON_ATTR_PATH},
    {"paths", CORDON_ATTR_PATHS},
    {"home-paths", CORDON_ATTR_HOME_PATHS},
    {"snap-path", CORDON_ATTR_SNAP_PATH},
    {"snap-paths", CORDON_ATTR_SNAP_PATHS},
};

/* glibc's regcomp() builds one copy of an atom per count of its repetition:
 * `x{m,n}` n copies, `x{m,}` m + 1, `x+` two (x x*), and nested repetitions
 * multiply: "((a{1,200}){1,200}){1,200}" or "a" and twenty-five "+" take
 * gigabytes (found by tests/fuzz/fuzz_definitions). This estimates the size
 * regcomp() would build: an atom counts one, a group what it holds (every
 * branch of an alternation added), a repetition multiplies the atom before
 * it; `*` and `?` loop without copies. Brackets and escapes are atoms. */
#define PATTERN_MAX_LEN 1024
#define PATTERN_MAX_SIZE 10000

typedef struct pattern_group {
	unsigned long done; /* the atoms of this group before the last one */
	unsigned long last; /* the last atom's size: what a repetition repeats */
} pattern_group;

/* Repeat the last atom of g n times; false past the bound. */
static bool pattern_repeat(pattern_group *g, unsigned long n)
{
	if (n > PATTERN_MAX_SIZE || (g->last && n > PATTERN_MAX_SIZE / g->last))
		return false;
	g->last *= n ? n : 1;
	return true;
}

static bool pattern_atom(pattern_group *g, unsigned long size)
{
	g->done += g->last;
	g->last = size;
	return g->done <= PATTERN_MAX_SIZE;
}

static bool pattern_bounded(const char *p)
{
	if (strlen(p) > PATTERN_MAX_LEN)
		return false;
	/* one group per open parenthesis, so never deeper than the text */
	_cleanup_free_ pattern_group *stack = xcalloc(strlen(p) + 1, sizeof *stack);
	size_t depth = 0;
	for (const char *c = p; *c; c++) {
		pattern_group *g = &stack[depth];
		bool ok = true;
		if (*c == '\\') {
			if (c[1])
				c++;
			ok = pattern_atom(g, 1);
		} else if (*c == '[') {
			c++;
			if (*c == '^')
				c++;
			if (*c == ']')
				c++; /* a leading ] is a member */
			while (*c && *c != ']')
				c++;
			if (!*c)
				return true; /* unterminated: regcomp refuses it */
			ok = pattern_atom(g, 1);
		} else if (*c == '(') {
			ok = pattern_atom(g, 0);
			stack[++depth] = (pattern_group){0};
		} else if (*c == ')') {
			if (depth == 0)
				return true; /* unbalanced: regcomp refuses it */
			unsigned long size = g->done + g->last;
			depth--;
			ok = size <= PATTERN_MAX_SIZE && pattern_atom(&stack[depth], size);
		} else if (*c == '|') {
			ok = pattern_atom(g, 0);
		} else if (*c == '+') {
			ok = pattern_repeat(g, 2);
		} else if (*c == '{') {
			/* {m}, {m,} (m + 1 copies) or {m,n} (n copies) */
			char *end;
			unsigned long m = strtoul(c + 1, &end, 10), n = m;
			if (*end == ',' && isdigit((unsigned char)end[1]))
				n = strtoul(end + 1, &end, 10);
			else if (*end == ',')
				n = m + 1;
			ok = pattern_repeat(g, n > m ? n : m);
			c = *end == '}' ? end : end - 1;
		} else if (*c != '*' && *c != '?') {
			ok = pattern_atom(g, 1);
		}
		if (!ok)
			return false;
	}
	return stack[depth].done + stack[depth].last <= PATTERN_MAX_SIZE;
}

/* "TYPE[!] [~REGEX]": required with !, every string matching REGEX. */
static int load_attrs(loader *l, const ydoc_node *n, cordon_attr_spec **out, size_t *count)
{
	if (n->kind != YDOC_MAP)
		return at(l, n, "attributes: expected a map of attribute: type");
	for (size_t i = 0; i < n->n; i++) {
		const ydoc_node *k = &n->items[2 * i], *v = &n->items[2 * i + 1];
		if (v->kind != YDOC_SCALAR)
			return at(l, v, "attribute %s: expected a type", k->text);
		const char *t = v->text;
		size_t tl = strcspn(t, " !");
		bool required = t[tl] == '!';
		const char *rest = t + tl + (required ? 1 : 0);
		while (*rest == ' ')
			rest++;
		int type = -1;
		for (size_t j = 0; j < ARRAY_SIZE(attr_types); j++)
			if (strlen(attr_types[j].name) == tl &&
			    strncmp(attr_types[j].name, t, tl) == 0)
				type = (int)attr_types[j].type;
		if (type < 0 || (*rest && *rest != '~'))
			return at(l, v,
				  "attribute type \"%s\": expected string, bool, path, paths, "
				  "home-paths, snap-path or snap-paths, then ! when required, then "
				  "~REGEX",
				  t);
		char *pattern = NULL;
		if (*rest == '~') {
			if (!pattern_bounded(rest + 1))
				return at(l, v,
					  "attribute %s: regular expression over %d characters or "
					  "too large to compile (its repetitions multiply past %d)",
					  k->text, PATTERN_MAX_LEN, PATTERN_MAX_SIZE);
			regex_t re;
			if (regcomp(&re, rest + 1, REG_EXTENDED | REG_NOSUB) != 0)
				return at(l, v, "attribute %s: invalid regular expression",
					  k->text);
			regfree(&re);
			pattern = xstrdup(rest + 1);
		}
		*out = xreallocarray(*out, *count + 1, sizeof **out);
		(*out)[(*count)++] = (cordon_attr_spec){.name = xstrdup(k->text),
							.type = (enum cordon_attr_type)type,
							.required = required,
							.pattern = pattern};
	}
	return 0;
}

int cordon_def_load(const char *text, size_t len, const char *source, bool is_default,
		    cordon_def **out, cordon_error **err)
{
	_cleanup_ydoc_ ydoc *doc = NULL;
	int r = ydoc_load(text, len, source, &doc, err);
	if (r < 0)
		return r;
	loader l = {.source = source, .err = err};
	if (doc->root == NULL || doc->root->kind != YDOC_MAP)
		return ydoc_error_at(err, source, doc->line, doc->col, "expected a map");
	cordon_def *d = xcalloc(1, sizeof *d);
	d->source = xstrdup(source);
	const ydoc_node *root = doc->root;
	for (size_t i = 0; i < root->n && r == 0; i++) {
		const ydoc_node *k = &root->items[2 * i], *v = &root->items[2 * i + 1];
		const char *key = k->text;
		if (strcmp(key, "name") == 0) {
			r = get_str(&l, v, key, &d->name);
		} else if (strcmp(key, "summary") == 0) {
			r = get_str(&l, v, key, &d->summary);
		} else if (is_default && strcmp(key, "policy") == 0) {
			r = load_grant(&l, v, key, &d->plug, &d->seccomp_file);
		} else if (!is_default && strcmp(key, "auto-connect") == 0) {
			if (v->kind == YDOC_SCALAR && v->type == YDOC_T_BOOL)
				d->auto_connect = v->b ? CORDON_AUTO_YES : CORDON_AUTO_NO;
			else if (v->kind == YDOC_SCALAR && strcmp(v->text, "classic") == 0)
				d->auto_connect = CORDON_AUTO_CLASSIC;
			else if (v->kind == YDOC_SCALAR && strcmp(v->text, "content") == 0)
				d->auto_connect = CORDON_AUTO_CONTENT;
			else
				r = at(&l, v, "%s: expected true, false, classic or content", key);
		} else if (!is_default && strcmp(key, "privileged") == 0) {
			r = get_bool(&l, v, key, &d->privileged);
		} else if (!is_default && strcmp(key, "implicit-slot") == 0) {
			r = get_bool(&l, v, key, &d->implicit_slot);
		} else if (!is_default && strcmp(key, "plug") == 0) {
			r = load_grant(&l, v, key, &d->plug, NULL);
		} else if (!is_default && strcmp(key, "slot") == 0) {
			r = load_grant(&l, v, key, &d->slot, NULL);
		} else if (!is_default && strcmp(key, "plug-attributes") == 0) {
			r = load_attrs(&l, v, &d->plug_attrs, &d->n_plug_attrs);
		} else if (!is_default && strcmp(key, "slot-attributes") == 0) {
			r = load_attrs(&l, v, &d->slot_attrs, &d->n_slot_attrs);
		} else if (strcmp(key, "description") == 0) {
			/* documentation only */
		} else {
			r = at(&l, k, "unknown key \"%s\"", key);
		}
	}
	if (r == 0 && d->name == NULL)
		r = ydoc_error_at(err, source, root->line, root->col, "missing key \"name\"");
	if (r == 0 && d->summary == NULL)
		r = ydoc_error_at(err, source, root->line, root->col, "missing key \"summary\"");
	if (r == 0 && d->privileged && d->auto_connect != CORDON_AUTO_NO)
		r = ydoc_error_at(err, source, root->line, root->col,
				  "a privileged interface never auto-connects");
	if (r < 0) {
		cordon_def_free(d);
		return r;
	}
	*out = d;
	return 0;
}

void cordon_grant_free(cordon_grant *g)
{
	strv_free(&g->files);
	strv_free(&g->devices);
	strv_free(&g->network);
	strv_free(&g->capabilities);
	strv_free(&g->mounts);
	free(g->seccomp);
	free(g->apparmor);
	memset(g, 0, sizeof *g);
}

static void attrs_free(cordon_attr_spec *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].pattern);
	}
	free(a);
}

void cordon_def_free(cordon_def *d)
{
	if (d == NULL)
		return;
	free(d->name);
	free(d->summary);
	free(d->source);
	cordon_grant_free(&d->plug);
	cordon_grant_free(&d->slot);
	attrs_free(d->plug_attrs, d->n_plug_attrs);
	attrs_free(d->slot_attrs, d->n_slot_attrs);
	free(d->seccomp_file);
	free(d);
}
