/* YAML anchors and aliases in snap.yaml: an alias reads as the value its anchor
 * names, written out again (same YAML tree, same model), and hostile uses fail
 * with a positioned error: unknown and recursive aliases, expansion over the
 * node, byte, anchor and depth budgets ("billion laughs"), merge keys, keys
 * that repeat once expanded. */
#include "manifest_check.h"
#include "yaml_doc.h"

/* ---- "same as written out" ---- */

/* Two trees hold the same values (positions aside). */
static bool tree_equal(const ydoc_node *a, const ydoc_node *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind || a->type != b->type || a->plain != b->plain || a->n != b->n)
		return false;
	if (a->kind == YDOC_SCALAR)
		return a->len == b->len && strcmp(a->text, b->text) == 0 && a->b == b->b &&
		       a->i == b->i && (a->f == b->f || (a->f != a->f && b->f != b->f));
	size_t count = a->kind == YDOC_MAP ? 2 * a->n : a->n;
	for (size_t i = 0; i < count; i++)
		if (!tree_equal(&a->items[i], &b->items[i]))
			return false;
	return true;
}

static void dump_strv(buf *b, const char *what, const strv *s)
{
	buf_printf(b, " %s[", what);
	for (size_t i = 0; i < s->n; i++)
		buf_printf(b, "%s%s", i ? "," : "", s->v[i]);
	buf_adds(b, "]");
}

static void dump_env(buf *b, const cordon_env_map *env)
{
	buf_adds(b, " env{");
	for (size_t i = 0; i < env->n; i++)
		buf_printf(b, "%s=%s;", env->v[i].name, env->v[i].value);
	buf_adds(b, "}");
}

static void dump_value(buf *b, const cordon_yaml_value *v)
{
	buf_printf(b, "<%d:", (int)v->kind);
	if (v->scalar)
		buf_printf(b, "%s", v->scalar);
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			buf_printf(b, "%s=", v->keys[i]);
		dump_value(b, &v->items[i]);
	}
	buf_adds(b, ">");
}

/* The model, positions aside, as text: what the rest of cordon reads. */
static char *model_text(const cordon_manifest *m)
{
	_cleanup_buf_ buf b = {0};
	buf_printf(&b, "%s %s %s %s %s\n", m->name, m->version, m->summary ? m->summary : "-",
		   m->description ? m->description : "-", m->epoch);
	dump_env(&b, &m->environment);
	dump_strv(&b, "unknown", &m->unknown_keys);
	for (size_t i = 0; i < m->n_apps; i++) {
		const cordon_app *a = &m->apps[i];
		buf_printf(&b, "\napp %s cmd=%s daemon=%s", a->name, a->command ? a->command : "-",
			   a->daemon ? a->daemon : "-");
		dump_strv(&b, "chain", &a->command_chain);
		dump_strv(&b, "plugs", &a->plugs);
		dump_strv(&b, "slots", &a->slots);
		dump_strv(&b, "aliases", &a->aliases);
		dump_env(&b, &a->environment);
	}
	for (size_t i = 0; i < m->n_hooks; i++) {
		const cordon_hook *h = &m->hooks[i];
		buf_printf(&b, "\nhook %s", h->name);
		dump_strv(&b, "plugs", &h->plugs);
		dump_env(&b, &h->environment);
	}
	for (int plugs = 1; plugs >= 0; plugs--) {
		const cordon_port *ports = plugs ? m->plugs : m->slots;
		size_t n = plugs ? m->n_plugs : m->n_slots;
		for (size_t i = 0; i < n; i++) {
			const cordon_port *p = &ports[i];
			buf_printf(&b, "\n%s %s if=%s label=%s implicit=%d unscoped=%d",
				   plugs ? "plug" : "slot", p->name, p->interface,
				   p->label ? p->label : "-", p->implicit, p->unscoped);
			dump_strv(&b, "apps", &p->apps);
			dump_strv(&b, "hooks", &p->hooks);
			for (size_t k = 0; k < p->n_attrs; k++) {
				buf_printf(&b, " %s=", p->attrs[k].name);
				dump_value(&b, &p->attrs[k].value);
			}
		}
	}
	return buf_steal(&b);
}

/* aliased and written_out load to the same YAML tree and the same model. */
static void same_at(const char *aliased, const char *written_out, const char *file, int line)
{
	_cleanup_error_ cordon_error *err = NULL;
	_cleanup_ydoc_ ydoc *da = NULL;
	_cleanup_ydoc_ ydoc *dw = NULL;
	check_count++;
	if (ydoc_load(aliased, strlen(aliased), SRC, &da, &err) < 0 ||
	    ydoc_load(written_out, strlen(written_out), SRC, &dw, &err) < 0) {
		check_failures++;
		fprintf(stderr, "%s:%d: unexpected error: %s\n", file, line, err->msg);
		return;
	}
	if (!tree_equal(da->root, dw->root)) {
		check_failures++;
		fprintf(stderr, "%s:%d: YAML trees differ\n", file, line);
	}
	cordon_manifest *ma = ok_at(aliased, file, line);
	cordon_manifest *mw = ok_at(written_out, file, line);
	if (ma && mw) {
		_cleanup_free_ char *ta = model_text(ma);
		_cleanup_free_ char *tw = model_text(mw);
		check_count++;
		if (strcmp(ta, tw) != 0) {
			check_failures++;
			fprintf(stderr,
				"%s:%d: models differ\n  aliased:\n%s\n  written out:\n%s\n", file,
				line, ta, tw);
		}
	}
	cordon_manifest_free(ma);
	cordon_manifest_free(mw);
}
#define same(aliased, written_out) same_at(aliased, written_out, __FILE__, __LINE__)

static void test_expansion(void)
{
	/* snapd's own test-snapd-xdg-portal-permission-store: a plug list and an
	 * environment shared by every app */
	same(HEAD "apps:\n"
		  "  a:\n    command: a\n    plugs: &p\n      - portal\n"
		  "    environment: &e\n      X: one\n      Y: 1.10\n"
		  "  b:\n    command: b\n    plugs: *p\n    environment: *e\n"
		  "  c:\n    command: c\n    plugs: *p\n    environment: *e\n",
	     HEAD
	     "apps:\n"
	     "  a:\n    command: a\n    plugs:\n      - portal\n"
	     "    environment:\n      X: one\n      Y: 1.10\n"
	     "  b:\n    command: b\n    plugs: [portal]\n    environment: {X: one, Y: 1.10}\n"
	     "  c:\n    command: c\n    plugs: [portal]\n    environment: {X: one, Y: 1.10}\n");
	/* scalars keep their resolved type (and quoting) through an alias; an
	 * alias may be a key; aliases nest inside anchored values */
	same(HEAD "summary: &s \"same text\"\ndescription: *s\n"
		  "plugs:\n  p:\n    interface: x\n    flag: &t yes\n    flag2: *t\n"
		  "    num: &n 0x10\n    list: &l [*n, *t, &q 'q']\n    again: *l\n"
		  "    map: &m {*q : *l}\n    maps: [*m, *m]\n",
	     HEAD "summary: \"same text\"\ndescription: \"same text\"\n"
		  "plugs:\n  p:\n    interface: x\n    flag: yes\n    flag2: yes\n"
		  "    num: 0x10\n    list: [0x10, yes, 'q']\n    again: [0x10, yes, 'q']\n"
		  "    map: {'q': [0x10, yes, 'q']}\n"
		  "    maps: [{'q': [0x10, yes, 'q']}, {'q': [0x10, yes, 'q']}]\n");
	/* a name defined again: an alias names the definition that started
	 * last before it, even one nested in the value of an earlier one (as
	 * yaml.v2, which records an anchor when its node starts) */
	same(HEAD "plugs:\n  p:\n    interface: x\n    a: &v one\n    b: *v\n    c: &v two\n"
		  "    d: *v\n    e: &v [&v three, *v]\n    f: *v\n",
	     HEAD "plugs:\n  p:\n    interface: x\n    a: one\n    b: one\n    c: two\n"
		  "    d: two\n    e: [three, three]\n    f: three\n");
	/* aliases of null, of an empty list and of an empty map */
	same(HEAD "environment: &z\nhooks:\n  install: *z\n  configure: &em {}\n"
		  "apps:\n  a:\n    plugs: &el []\n    slots: *el\n    environment: *em\n",
	     HEAD "environment:\nhooks:\n  install:\n  configure: {}\n"
		  "apps:\n  a:\n    plugs: []\n    slots: []\n    environment: {}\n");
	/* a whole app, and anchors on apps: a copy of an app is a second app */
	same(HEAD "apps:\n  a: &app\n    command: bin/x\n    plugs: [network]\n  b: *app\n",
	     HEAD "apps:\n  a:\n    command: bin/x\n    plugs: [network]\n"
		  "  b:\n    command: bin/x\n    plugs: [network]\n");

	/* the copy stands where the alias is; what it holds keeps its own place */
	cordon_manifest *m = ok(HEAD "apps:\n  a:\n    plugs: &p [home]\n  b:\n    plugs: *p\n");
	if (m) {
		const cordon_port *p = cordon_manifest_plug(m, "home");
		CHECK(p && p->implicit);
		if (p) {
			STRV_IS(p->apps, "a", "b");
			CHECK_INT(p->line, 5); /* first mention: under a, at 5:16 */
			CHECK_INT(p->col, 16);
		}
		const cordon_app *b = cordon_manifest_app(m, "b");
		CHECK(b && b->pos[CORDON_APP_PLUGS].line == 7 &&
		      b->pos[CORDON_APP_PLUGS].col == 12);
	}
	cordon_manifest_free(m);
	bad(HEAD "x: &c [1]\napps:\n  a:\n    command: *c\n",
	    SRC ":6:14: apps.a.command: expected a string, got a list");
}

/* ---- hostile or wrong uses ---- */

static void test_alias_errors(void)
{
	bad(HEAD "summary: *s\n",
	    SRC ":3:10: unknown YAML alias \"s\": expected the name of an anchor defined "
		"earlier in the document");
	/* no forward references */
	bad(HEAD "summary: *s\ndescription: &s x\n",
	    SRC ":3:10: unknown YAML alias \"s\": expected the name of an anchor defined "
		"earlier in the document");
	/* no recursion, however deep the alias sits in its anchor's value */
	bad(HEAD "x: &a [1, *a]\n",
	    SRC ":3:11: YAML alias \"a\" is inside the value it refers to: expected an anchor "
		"whose value ends before the alias");
	bad(HEAD "x: &a\n  k: [{j: *a}]\n",
	    SRC ":4:11: YAML alias \"a\" is inside the value it refers to: expected an anchor "
		"whose value ends before the alias");
	bad("&r {name: foo, version: 1, x: *r}\n",
	    SRC ":1:31: YAML alias \"r\" is inside the value it refers to: expected an anchor "
		"whose value ends before the alias");
	/* duplicate keys are found in the expanded document */
	bad(HEAD "x: &k summary\nsummary: a\n*k : b\n",
	    SRC ":5:1: duplicate key \"summary\" (first defined at 4:1): expected each key once");
	bad(HEAD "plugs:\n  p:\n    interface: x\n    a: &m {k: 1}\n    b: {*m : 2}\n",
	    SRC ":7:9: expected a scalar key, got a map");
	/* merge keys stay refused, with or without an alias */
	bad(HEAD "apps:\n  a: &a {command: x}\n  b:\n    <<: *a\n",
	    SRC ":6:5: YAML merge keys (\"<<\") are not allowed: write the keys out");
	bad(HEAD "apps:\n  a: &a {command: x}\n  b: {<<: [*a], daemon: simple}\n",
	    SRC ":5:7: YAML merge keys (\"<<\") are not allowed: write the keys out");
}

/* The billion laughs: every level is 10 aliases of the one before. */
static const char laughs[] = HEAD "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
				  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
				  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
				  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
				  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
				  "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
				  "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
				  "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
				  "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

static void test_budgets(void)
{
	/* a: 11 nodes, b adds 110, c 1110, d 11110: 12330 so far; each *d adds
	 * 11111 and the eighth one would reach 101218 */
	bad(laughs, SRC ":7:36: YAML alias expansion exceeds 100000 nodes");
	/* it fails fast: the eighth *d is never copied */
	ydoc *d = NULL;
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(ydoc_load(laughs, strlen(laughs), SRC, &d, &err), -EINVAL);
	CHECK(d == NULL);

	/* exactly 100000 nodes from aliases are fine, one more is not:
	 * *a is 10 nodes (the list and its 9 items), used 10000 times */
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, HEAD "x: &a [0, 0, 0, 0, 0, 0, 0, 0, 0]\ny: [");
	for (int i = 0; i < 10000; i++)
		buf_adds(&b, i ? ", *a" : "*a");
	buf_adds(&b, "]\n");
	cordon_manifest *m = ok(b.p);
	cordon_manifest_free(m);
	buf_free(&b);
	/* the 10001st alias is refused by the budget, even one to a scalar */
	buf_adds(&b, HEAD "x: &a [0, 0, 0, 0, 0, 0, 0, 0, 0]\ns: &s 0\ny: [");
	for (int i = 0; i < 10000; i++)
		buf_adds(&b, "*a, ");
	buf_adds(&b, "*s]\n");
	bad(b.p, SRC ":5:40005: YAML alias expansion exceeds 100000 nodes");
	buf_free(&b);

	/* text is budgeted too: a 600 KB string can be aliased once, not twice */
	size_t big = 600 * 1000;
	buf_adds(&b, HEAD "x: &t ");
	for (size_t i = 0; i < big; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "\ny: *t\nz: *t\n");
	bad(b.p, SRC ":5:4: YAML alias expansion exceeds 1048576 bytes of text");
	buf_free(&b);

	/* anchors: 256 are fine, the 257th is not */
	buf_adds(&b, HEAD "x: [");
	for (int i = 0; i < 256; i++)
		buf_printf(&b, "%s&a%d 0", i ? ", " : "", i);
	buf_adds(&b, "]\ny: [*a0, *a255]\n");
	m = ok(b.p);
	cordon_manifest_free(m);
	buf_free(&b);
	buf_adds(&b, HEAD "x: [");
	for (int i = 0; i < 257; i++)
		buf_printf(&b, "%s&a%d 0", i ? ", " : "", i);
	buf_adds(&b, "]\n");
	/* "x: [" and 256 of "&aN 0, " (1 to 3 digits) before the 257th */
	bad(b.p, SRC ":3:2199: too many YAML anchors (anchor \"a256\" is over 256): expected a "
		     "snap.yaml of a sensible size");
	buf_free(&b);

	/* depth: the copy counts from where the alias stands. A 63-deep value
	 * fits as a top-level value (64 levels with the top map), not one
	 * level further in. */
	buf_adds(&b, HEAD "x: &deep ");
	for (int i = 0; i < 63; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 63; i++)
		buf_addc(&b, ']');
	buf_adds(&b, "\ny: *deep\n");
	m = ok(b.p);
	cordon_manifest_free(m);
	buf_adds(&b, "z: [*deep]\n");
	bad(b.p, SRC ":5:5: nesting deeper than 64 levels: expected a flatter document");
	buf_free(&b);
}

int main(void)
{
	test_expansion();
	test_alias_errors();
	test_budgets();
	return check_done("test_manifest_aliases");
}
