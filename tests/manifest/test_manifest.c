/* Unit tests of the snap.yaml parser and validator, part one: YAML-level
 * faults, limits, shapes, the snap as a whole, and the model built from valid
 * input (every plug/slot form, attribute types, environment order, the binding
 * rule, implicit ports). Apps, hooks, plug/slot names and layouts are in
 * test_manifest_apps.c. */
#include "manifest_check.h"
#include "manifest_names.h"

/* ---- YAML-level faults ---- */

static void test_yaml_faults(void)
{
	bad("name: foo\nversion: 1\napps: [a\n",
	    SRC ":4:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
		"sequence that started at 3:7)");
	bad("name: foo\n  version: 1\n",
	    SRC ":2:10: invalid YAML: mapping values are not allowed in this context");
	bad(HEAD "apps:\n\tbar:\n    command: x\n",
	    SRC ":4:1: invalid YAML: tab character in indentation (YAML indents with spaces only)");
	bad(HEAD "apps:\n  bar:\n  \tcommand: x\n",
	    SRC ":5:3: invalid YAML: tab character in indentation (YAML indents with spaces only)");
	bad(HEAD "name: bar\n",
	    SRC ":3:1: duplicate key \"name\" (first defined at 1:1): expected each key once");
	bad(HEAD "apps:\n  a:\n    command: x\n    command: y\n",
	    SRC ":6:5: duplicate key \"command\" (first defined at 5:5): expected each key once");
	bad(HEAD "plugs:\n  p:\n    interface: x\n    a: {k: 1, k: 2}\n",
	    SRC ":6:15: duplicate key \"k\" (first defined at 6:9): expected each key once");
	/* anchors and aliases are read as snapd reads them (the rest is in
	 * test_manifest_aliases.c) */
	cordon_manifest *am = ok("name: &n foo\nversion: 1\nsummary: *n\n");
	if (am)
		CHECK_STR(am->summary, "foo");
	cordon_manifest_free(am);
	bad(HEAD "summary: *s\n",
	    SRC ":3:10: unknown YAML alias \"s\": expected the name of an anchor defined earlier "
		"in the document");
	bad(HEAD "---\nname: bar\n", SRC ":3:1: a second YAML document: expected exactly one");
	bad("", SRC ":1:1: empty document: expected a map of snap.yaml keys");
	bad("# only a comment\n", SRC ":1:1: empty document: expected a map of snap.yaml keys");
	bad("---\n", SRC ":1:1: empty document: expected a map of snap.yaml keys");
	bad("- name\n- version\n",
	    SRC ":1:1: expected a map of snap.yaml keys at the top level, got a list");
	bad("just a string\n",
	    SRC ":1:1: expected a map of snap.yaml keys at the top level, got a string");
	bad("name: \"a\\0b\"\nversion: 1\n",
	    SRC ":1:7: NUL character in a string: expected text without NUL bytes");
	bad(HEAD "apps:\n  a:\n    <<: {command: x}\n",
	    SRC ":5:5: YAML merge keys (\"<<\") are not allowed: write the keys out");
	bad("name: !foo bar\nversion: 1\n",
	    SRC ":1:7: unsupported YAML tag \"!foo\": expected an untagged value");
	bad("name: foo\nversion: !!int abc\n",
	    SRC ":2:10: value \"abc\" does not match its tag: expected a valid !!int");
	bad(HEAD "summary: \xff\n", SRC ":3:10: invalid YAML: invalid leading UTF-8 octet");
	bad(HEAD "? [a]\n: b\n", SRC ":3:3: expected a scalar key, got a list");
	/* !!str keeps what would otherwise be a number */
	cordon_manifest *m = ok("name: foo\nversion: !!str 1.0\n");
	if (m)
		CHECK_STR(m->version, "1.0");
	cordon_manifest_free(m);
}

static void test_limits(void)
{
	/* nesting: 64 levels are fine, 65 are not */
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, HEAD "x: ");
	for (int i = 0; i < 63; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 63; i++)
		buf_addc(&b, ']');
	buf_addc(&b, '\n');
	cordon_manifest *m = ok(b.p);
	cordon_manifest_free(m);
	buf_free(&b);
	buf_adds(&b, HEAD "x: ");
	for (int i = 0; i < 64; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 64; i++)
		buf_addc(&b, ']');
	buf_addc(&b, '\n');
	bad(b.p, SRC ":3:67: nesting deeper than 64 levels: expected a flatter document");
	buf_free(&b);

	/* size: exactly 1 MiB is fine, one byte more is not (checked before parsing) */
	size_t mib = 1024 * 1024;
	char *big = xmalloc(mib + 2);
	memset(big, '#', mib + 1);
	memcpy(big, HEAD, strlen(HEAD));
	big[mib - 1] = '\n';
	big[mib] = '\0';
	_cleanup_error_ cordon_error *err = NULL;
	cordon_manifest *mm = NULL;
	CHECK_INT(cordon_manifest_parse(big, mib, SRC, &mm, &err), 0);
	cordon_manifest_free(mm);
	mm = NULL;
	CHECK_INT(cordon_manifest_parse(big, mib + 1, SRC, &mm, &err), -EINVAL);
	CHECK(mm == NULL);
	CHECK_STR(err ? err->msg : NULL,
		  SRC ":1:1: file too large: 1048577 bytes, at most 1048576 allowed");
	free(big);
}

/* ---- shapes ---- */

static void test_types(void)
{
	bad(HEAD "apps: [a]\n", SRC ":3:7: apps: expected a map of app names, got a list");
	bad(HEAD "apps:\n  a: bin/a\n", SRC ":4:6: apps.a: expected a map, got a string");
	bad(HEAD "apps:\n  a:\n    plugs: network\n",
	    SRC ":5:12: apps.a.plugs: expected a list, got a string");
	bad(HEAD "apps:\n  a:\n    plugs: [{x: y}]\n",
	    SRC ":5:13: apps.a.plugs[0]: expected a string, got a map");
	bad(HEAD "apps:\n  a:\n    command: [a, b]\n",
	    SRC ":5:14: apps.a.command: expected a string, got a list");
	bad(HEAD "environment:\n  A: [1]\n",
	    SRC ":4:6: environment.A: expected a string, got a list");
	bad(HEAD "environment: [A]\n",
	    SRC ":3:14: environment: expected a map of variable names to values, got a list");
	bad(HEAD "apps:\n  a:\n    sockets: [s]\n",
	    SRC ":5:14: apps.a.sockets: expected a map of socket names, got a list");
	bad(HEAD "apps:\n  a:\n    sockets:\n      s:\n        socket-mode: \"0640\"\n",
	    SRC ":7:22: apps.a.sockets.s.socket-mode: expected a file mode such as 0660, got "
		"\"0640\"");
	bad(HEAD "layout: [a]\n", SRC ":3:9: layout: expected a map of paths, got a list");
	bad(HEAD "layout:\n  /usr/foo: bind\n",
	    SRC ":4:13: layout.\"/usr/foo\": expected a map, got a string");
	bad(HEAD "hooks: [install]\n", SRC ":3:8: hooks: expected a map of hook names, got a list");
	bad(HEAD "architectures: amd64\n",
	    SRC ":3:16: architectures: expected a list, got a string");
	bad(HEAD "summary: {a: b}\n", SRC ":3:10: summary: expected a string, got a map");
	bad(HEAD "plugs: [network]\n", SRC ":3:8: plugs: expected a map of plug names, got a list");
	bad(HEAD "plugs:\n  p: 1\n",
	    SRC ":4:6: plugs.p: expected an interface name, null or a map of attributes, got an "
		"integer");
	bad(HEAD "slots:\n  s: [a]\n",
	    SRC ":4:6: slots.s: expected an interface name, null or a map of attributes, got a "
		"list");
	bad(HEAD "plugs:\n  p:\n    interface: 1\n", SRC
	    ":5:16: plugs.p.interface: expected the plug's interface as a string, got an integer");
	bad(HEAD "plugs:\n  p:\n    label: [x]\n",
	    SRC ":5:12: plugs.p.label: expected the plug's label as a string, got a list");
	bad(HEAD "plugs:\n  p:\n    1: x\n",
	    SRC ":5:5: plugs.p: attribute key \"1\" is an integer: expected a string");
	bad(HEAD "plugs:\n  p:\n    $x: 1\n", SRC ":5:5: plugs.p: attribute \"$x\" is reserved: "
						  "names starting with \"$\" belong to snapd");
	bad(HEAD "plugs:\n  p:\n    \"\": 1\n", SRC ":5:5: plugs.p: empty attribute name");
	bad(HEAD "plugs:\n  p:\n    a:\n",
	    SRC ":5:7: plugs.p.a: null is not a valid attribute value: expected a string, number, "
		"bool, list or map");
	bad(HEAD "slots:\n  s:\n    a: {true: 1}\n",
	    SRC ":5:9: slots.s.a: key \"true\" is a bool: expected a string key");
	bad(HEAD "epoch: [1]\n",
	    SRC ":3:8: epoch: expected a number, \"N*\" or a map of read/write lists, got a list");
	bad(HEAD "system-usernames:\n  snap_daemon: 1\n", SRC
	    ":4:16: system-usernames.snap_daemon: expected a scope such as \"shared\" or a map, "
	    "got an integer");
	bad(HEAD "system-usernames:\n  snap_daemon:\n", SRC
	    ":4:15: system-usernames.snap_daemon: no scope given: expected \"shared\" or {scope: "
	    "shared}");
	bad(HEAD "system-usernames:\n  snap_daemon: {scope: 1}\n",
	    SRC ":4:24: system-usernames.snap_daemon.scope: expected a string, got an integer");
	bad(HEAD "layouts:\n  /usr/foo: {bind: $SNAP/foo}\n",
	    SRC ":3:1: unknown key \"layouts\": the key is \"layout\" (singular)");
}

/* ---- the snap as a whole ---- */

static void test_names_versions(void)
{
	bad("version: 1\n", SRC ":1:1: missing required key \"name\": expected the snap's name");
	bad("name: foo\n",
	    SRC ":1:1: missing required key \"version\": expected the snap's version");
	bad("name: \"\"\nversion: 1\n", SRC ":1:7: empty snap name: " NAME_RULE);
	bad("name:\nversion: 1\n", SRC ":1:6: empty snap name: " NAME_RULE);
	bad("name: Foo\nversion: 1\n", SRC ":1:7: invalid snap name \"Foo\": " NAME_RULE);
	bad("name: a\nversion: 1\n", SRC ":1:7: invalid snap name \"a\": " NAME_RULE);
	bad("name: 123\nversion: 1\n", SRC ":1:7: invalid snap name \"123\": " NAME_RULE);
	bad("name: a--b\nversion: 1\n", SRC ":1:7: invalid snap name \"a--b\": " NAME_RULE);
	bad("name: -ab\nversion: 1\n", SRC ":1:7: invalid snap name \"-ab\": " NAME_RULE);
	bad("name: foo_bar\nversion: 1\n", SRC ":1:7: invalid snap name \"foo_bar\": " NAME_RULE);
	bad("name: abcdefghijklmnopqrstuvwxyzabcdefghijklmno\nversion: 1\n", SRC
	    ":1:7: invalid snap name \"abcdefghijklmnopqrstuvwxyzabcdefghijklmno\": " NAME_RULE);
	cordon_manifest_free(ok("name: abcdefghijklmnopqrstuvwxyzabcdefghijklmn\nversion: 1\n"));
	cordon_manifest_free(ok("name: 0ad\nversion: 1\n"));

	bad("name: foo\nversion: \"\"\n", SRC ":2:10: invalid snap version: cannot be empty");
	bad("name: foo\nversion:\n", SRC ":2:9: invalid snap version: cannot be empty");
	bad("name: foo\nversion: -1.0-\n",
	    SRC ":2:10: invalid snap version \"-1.0-\": must start with an ASCII alphanumeric (and "
		"not '-'), and must end with an ASCII alphanumeric or one of '+' or '~' (and not "
		"'-')");
	bad("name: foo\nversion: \"1 0\"\n",
	    SRC ":2:10: invalid snap version \"1 0\": must be printable, non-whitespace ASCII");
	bad("name: foo\nversion: 1_0!x\n",
	    SRC ":2:10: invalid snap version \"1_0!x\": contains invalid characters: \"_\", \"!\"");
	bad("name: foo\nversion: 123456789012345678901234567890123\n",
	    SRC ":2:10: invalid snap version \"123456789012345678901234567890123\": cannot be "
		"longer than 32 characters (got: 33)");
	bad("name: foo\nversion: .1_2.\n",
	    SRC ":2:10: invalid snap version \".1_2.\": must start with an ASCII alphanumeric (and "
		"not '.'), must end with an ASCII alphanumeric or one of '+' or '~' (and not '.'), "
		"and contains invalid characters: \"_\"");
	/* numbers keep their text */
	cordon_manifest *m = ok("name: foo\nversion: 1.10\n");
	if (m)
		CHECK_STR(m->version, "1.10");
	cordon_manifest_free(m);
	m = ok("name: foo\nversion: 1:2.3+git~4-5\n");
	cordon_manifest_free(m);

	CHECK(cordon_valid_snap_name("foo"));
	CHECK(cordon_valid_snap_name("foo_bar1"));
	CHECK(!cordon_valid_snap_name("foo_"));
	CHECK(!cordon_valid_snap_name("foo_BAR"));
	CHECK(!cordon_valid_snap_name("foo_abcdefghijk"));
	CHECK(!cordon_valid_store_name("foo_bar"));
	CHECK(cordon_valid_instance_key("abc123"));
	CHECK(!cordon_valid_instance_key(""));
	CHECK(!cordon_valid_instance_key("a-b"));
}

static void test_snap_fields(void)
{
	bad(HEAD "type: application2\n",
	    SRC ":3:7: invalid snap type \"application2\": expected app, gadget, kernel, base, os "
		"or snapd");
	bad(HEAD "type: \"\"\n",
	    SRC ":3:7: invalid snap type \"\": expected app, gadget, kernel, base, os or snapd");
	bad(HEAD "confinement: loose\n",
	    SRC ":3:14: invalid confinement \"loose\": expected strict, devmode or classic");
	bad(HEAD "grade: beta\n", SRC ":3:8: invalid grade \"beta\": expected stable or devel");
	bad(HEAD "title: 12345678901234567890123456789012345678901\n",
	    SRC ":3:8: title is too long: expected at most 40 characters, got 41");
	cordon_manifest_free(ok(HEAD
				"title: \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"\n"));
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, HEAD "description: ");
	for (int i = 0; i < 4097; i++)
		buf_addc(&b, 'x');
	buf_addc(&b, '\n');
	bad(b.p, SRC ":3:14: description is too long: expected at most 4096 characters, got 4097");
	bad(HEAD "license: GPL-3.0 AND\n",
	    SRC ":3:10: invalid license \"GPL-3.0 AND\": missing license after AND: expected an "
		"SPDX license expression");
	bad(HEAD "license: MIT Apache-2.0\n",
	    SRC ":3:10: invalid license \"MIT Apache-2.0\": unexpected string: \"Apache-2.0\": "
		"expected an SPDX license expression");
	bad(HEAD "license: (MIT\n", SRC
	    ":3:10: invalid license \"(MIT\": expected \")\": expected an SPDX license expression");
	cordon_manifest_free(
	    ok(HEAD "license: (MIT OR GPL-2.0+) AND Apache-2.0 WITH LLVM-exception\n"));
	bad(HEAD "type: base\nbase: core22\n",
	    SRC ":4:7: a snap of type \"base\" cannot have a base (got \"core22\"): expected no "
		"base, or \"none\"");
	cordon_manifest_free(ok(HEAD "type: os\nbase: none\n"));
	bad(HEAD "base: none\napps:\n  a:\n    command: a\n", SRC
	    ":3:7: base \"none\" cannot have apps or hooks: expected a base snap to run them on");
	bad(HEAD "base: core_x\n",
	    SRC ":3:7: base \"core_x\" names a snap instance: expected a snap name without "
		"\"_<key>\"");
	bad(HEAD "base: Core\n", SRC ":3:7: invalid base name \"Core\": " NAME_RULE);
	bad(HEAD "system-usernames:\n  b@d: shared\n",
	    SRC ":4:3: invalid system username \"b@d\": expected lowercase letters, digits, \"-\", "
		"\".\" and \"_\", or a name enclosed in \"_\"");
	bad(HEAD "apps:\n  a:\n    common-id: org.foo\n  b:\n    common-id: org.foo\n",
	    SRC ":7:16: common-id \"org.foo\" is already used by app \"a\": expected a unique "
		"common-id");
	/* epoch */
	bad(HEAD "epoch: 01\n",
	    SRC ":3:8: invalid epoch number \"01\": expected base 10 with no zero padding");
	bad(HEAD "epoch: 0*\n", SRC ":3:8: invalid epoch \"0*\": 0* is not an epoch");
	bad(HEAD "epoch: 4294967296\n",
	    SRC ":3:8: invalid epoch number \"4294967296\": epoch numbers must be less than 2^32");
	bad(HEAD "epoch: {read: []}\n",
	    SRC ":3:15: epoch.read: an epoch list cannot be explicitly empty");
	bad(HEAD "epoch: {read: [2, 1]}\n",
	    SRC ":3:8: invalid epoch: lists must be in ascending order");
	bad(HEAD "epoch: {read: [1, 2], write: [3]}\n",
	    SRC ":3:8: invalid epoch: read and write lists must have a common epoch");
	bad(HEAD "epoch: {write: [0,1,2,3,4,5,6,7,8,9,10]}\n",
	    SRC ":3:8: invalid epoch: lists must not have more than 10 entries");
	bad(HEAD "epoch: {read: 1}\n",
	    SRC ":3:15: epoch.read: expected a list of epoch numbers, got an integer");
	const struct {
		const char *in, *out;
	} epochs[] = {
	    {"", "0"},
	    {"epoch: 0\n", "0"},
	    {"epoch: 5\n", "5"},
	    {"epoch: 5*\n", "5*"},
	    {"epoch: {read: [4, 5], write: [5]}\n", "5*"},
	    {"epoch: {read: [1, 2, 3], write: [1, 3]}\n", "{\"read\":[1,2,3],\"write\":[1,3]}"},
	    {"epoch: {write: [7]}\n", "7"},
	    {"epoch: {read: [2, 3]}\n", "3*"},
	    {"epoch: {read: [1, 3]}\n", "{\"read\":[1,3],\"write\":[3]}"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(epochs); i++) {
		_cleanup_free_ char *y = xasprintf(HEAD "%s", epochs[i].in);
		cordon_manifest *m = ok(y);
		if (m)
			CHECK_STR(m->epoch, epochs[i].out);
		cordon_manifest_free(m);
	}
}

/* ---- apps ---- */

/* ---- positive cases: the model ---- */

static const cordon_attr *attr(const cordon_port *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_attrs; i++)
		if (strcmp(p->attrs[i].name, name) == 0)
			return &p->attrs[i];
	return NULL;
}

static void test_port_forms(void)
{
	cordon_manifest *m = ok(HEAD "plugs:\n"
				     "  net:\n"		 /* null: interface = name */
				     "  home-rw: home\n" /* string: the interface */
				     "  empty: {}\n"	 /* empty map: interface = name */
				     "  content-x:\n"
				     "    interface: content\n"
				     "    label: Shared libs\n"
				     "    target: $SNAP/lib\n"
				     "    s: '42'\n"
				     "    i: 0x10\n"
				     "    o: 0644\n"
				     "    f: 1.5\n"
				     "    b: yes\n"
				     "    d: 2024-01-01\n"
				     "    l: [a, 1, false]\n"
				     "    m: {k: v, num: -3}\n"
				     "slots:\n"
				     "  s1:\n"
				     "  s2: dbus\n");
	if (m == NULL)
		return;
	CHECK_INT(m->n_plugs, 4);
	CHECK_INT(m->n_slots, 2);
	const cordon_port *p = cordon_manifest_plug(m, "net");
	CHECK(p && strcmp(p->interface, "net") == 0 && p->n_attrs == 0 && p->top_level &&
	      !p->implicit);
	CHECK_INT(p ? p->line : 0, 4);
	CHECK_INT(p ? p->col : 0, 3);
	p = cordon_manifest_plug(m, "home-rw");
	CHECK(p && strcmp(p->interface, "home") == 0);
	CHECK(p && p->interface_pos.line == 5 && p->interface_pos.col == 12);
	p = cordon_manifest_plug(m, "empty");
	CHECK(p && strcmp(p->interface, "empty") == 0 && p->n_attrs == 0);
	p = cordon_manifest_plug(m, "content-x");
	CHECK(p && strcmp(p->interface, "content") == 0);
	CHECK_STR(p ? p->label : NULL, "Shared libs");
	CHECK_INT(p ? p->n_attrs : 0, 9); /* interface and label are not attributes */
	const cordon_attr *a = attr(p, "target");
	CHECK(a && a->value.kind == CORDON_Y_STRING && !strcmp(a->value.scalar, "$SNAP/lib"));
	CHECK(a && a->value.line == 10 && a->value.col == 13);
	a = attr(p, "s");
	CHECK(a && a->value.kind == CORDON_Y_STRING && !strcmp(a->value.scalar, "42"));
	a = attr(p, "i");
	CHECK(a && a->value.kind == CORDON_Y_INT && a->value.i == 16 &&
	      !strcmp(a->value.scalar, "0x10"));
	a = attr(p, "o");
	CHECK(a && a->value.kind == CORDON_Y_INT && a->value.i == 0644);
	a = attr(p, "f");
	CHECK(a && a->value.kind == CORDON_Y_FLOAT && a->value.f == 1.5);
	a = attr(p, "b");
	CHECK(a && a->value.kind == CORDON_Y_BOOL && a->value.b);
	a = attr(p, "d");
	CHECK(a && a->value.kind == CORDON_Y_STRING && !strcmp(a->value.scalar, "2024-01-01"));
	a = attr(p, "l");
	CHECK(a && a->value.kind == CORDON_Y_LIST && a->value.n == 3);
	if (a && a->value.n == 3) {
		CHECK(a->value.items[0].kind == CORDON_Y_STRING);
		CHECK(a->value.items[1].kind == CORDON_Y_INT && a->value.items[1].i == 1);
		CHECK(a->value.items[2].kind == CORDON_Y_BOOL && !a->value.items[2].b);
	}
	a = attr(p, "m");
	CHECK(a && a->value.kind == CORDON_Y_MAP && a->value.n == 2);
	if (a && a->value.n == 2) {
		CHECK_STR(a->value.keys[0], "k");
		CHECK_STR(a->value.keys[1], "num");
		CHECK(a->value.items[1].kind == CORDON_Y_INT && a->value.items[1].i == -3);
	}
	/* declaration order is kept */
	CHECK_STR(m->plugs[0].name, "net");
	CHECK_STR(m->plugs[3].name, "content-x");
	CHECK_STR(m->slots[1].interface, "dbus");
	cordon_manifest_free(m);
}

static void test_environment(void)
{
	cordon_manifest *m =
	    ok(HEAD "environment:\n  Z: last-but-first\n  A: 1.10\n  B: yes\n  C:\n"
		    "  D: $SNAP/bin:$PATH\n"
		    "apps:\n  a:\n    environment:\n      X: \"2\"\n      Y: 0x1F\n");
	if (m == NULL)
		return;
	CHECK_INT(m->environment.n, 5);
	if (m->environment.n == 5) {
		const char *names[] = {"Z", "A", "B", "C", "D"};
		const char *values[] = {"last-but-first", "1.10", "yes", "", "$SNAP/bin:$PATH"};
		for (size_t i = 0; i < 5; i++) {
			CHECK_STR(m->environment.v[i].name, names[i]);
			CHECK_STR(m->environment.v[i].value, values[i]);
		}
		CHECK_INT(m->environment.v[1].line, 5);
		CHECK_INT(m->environment.v[1].col, 3);
	}
	const cordon_app *a = cordon_manifest_app(m, "a");
	CHECK(a && a->environment.n == 2);
	if (a && a->environment.n == 2) {
		CHECK_STR(a->environment.v[0].value, "2");
		CHECK_STR(a->environment.v[1].value, "0x1F");
	}
	cordon_manifest_free(m);
}

static void test_binding(void)
{
	/* unscoped: bound to every app and hook; scoped: only to who names it */
	cordon_manifest *m = ok(HEAD "plugs:\n  everywhere: network\n  only-b: home\n"
				     "slots:\n  slot-all: x11\n"
				     "apps:\n  a:\n    command: a\n"
				     "  b:\n    command: b\n    plugs: [only-b, camera, camera]\n"
				     "  c:\n    command: c\n    plugs: [camera]\n"
				     "hooks:\n  install:\n    plugs: [only-b, hook-only]\n"
				     "  configure:\n");
	if (m == NULL)
		return;
	const cordon_port *p = cordon_manifest_plug(m, "everywhere");
	CHECK(p && p->unscoped);
	if (p) {
		STRV_IS(p->apps, "a", "b", "c");
		STRV_IS(p->hooks, "install", "configure");
	}
	p = cordon_manifest_plug(m, "only-b");
	CHECK(p && !p->unscoped && !p->implicit);
	if (p) {
		STRV_IS(p->apps, "b");
		STRV_IS(p->hooks, "install");
	}
	p = cordon_manifest_plug(m, "camera");
	CHECK(p && p->implicit && !p->top_level && !strcmp(p->interface, "camera"));
	if (p) {
		STRV_IS(p->apps, "b", "c");
		CHECK_INT(p->hooks.n, 0);
		CHECK_INT(p->line, 13); /* its first mention */
		CHECK_INT(p->col, 21);
	}
	p = cordon_manifest_plug(m, "hook-only");
	CHECK(p && p->implicit && p->apps.n == 0 && p->hooks.n == 1);
	const cordon_port *s = cordon_manifest_slot(m, "slot-all");
	if (s) {
		STRV_IS(s->apps, "a", "b", "c");
		STRV_IS(s->hooks, "install", "configure");
	}
	/* declared first, then implicit ones in order of first mention */
	CHECK_INT(m->n_plugs, 4);
	if (m->n_plugs == 4) {
		CHECK_STR(m->plugs[2].name, "camera");
		CHECK_STR(m->plugs[3].name, "hook-only");
	}
	/* the app keeps its list as written, without repeats */
	const cordon_app *b = cordon_manifest_app(m, "b");
	if (b)
		STRV_IS(b->plugs, "only-b", "camera");
	cordon_manifest_free(m);

	/* implicit slots too, and a snap without apps */
	m = ok(HEAD "apps:\n  a:\n    slots: [foo-service]\n");
	if (m) {
		const cordon_port *sl = cordon_manifest_slot(m, "foo-service");
		CHECK(sl && sl->implicit && !strcmp(sl->interface, "foo-service"));
	}
	cordon_manifest_free(m);
	m = ok(HEAD "plugs:\n  network:\n");
	if (m) {
		const cordon_port *n = cordon_manifest_plug(m, "network");
		CHECK(n && n->unscoped && n->apps.n == 0 && n->hooks.n == 0);
	}
	cordon_manifest_free(m);
}

static void test_model(void)
{
	cordon_manifest *m =
	    ok("name: foo\nversion: 2\nsummary: s\ndescription: |\n  d\n"
	       "title: T\nbase: core24\nconfinement: devmode\ngrade: devel\n"
	       "type: app\narchitectures: [amd64, arm64]\nlicense: MIT\n"
	       "assumes: [snapd2.60]\nadopt-info: x\nlinks: {website: [x]}\n"
	       "system-usernames:\n  snap_daemon: shared\n  _daemon_: {scope: shared}\n"
	       "apps:\n  svc:\n    command: bin/svc\n    daemon: simple\n"
	       "    stop-command: bin/stop\n    reload-command: bin/reload\n"
	       "    post-stop-command: bin/post\n    stop-mode: sigterm-all\n"
	       "    restart-condition: on-failure\n    refresh-mode: endure\n"
	       "    install-mode: disable\n    bus-name: org.foo\n"
	       "    common-id: org.foo.svc\n    completer: c.bash\n"
	       "    autostart: svc.desktop\n    desktop: svc.desktop\n"
	       "    success-exit-status: [42]\n"
	       "    after: [other]\n    aliases: [svc-alias]\n"
	       "  other:\n    daemon: oneshot\n    daemon-scope: system\n");
	if (m == NULL)
		return;
	CHECK_STR(m->summary, "s");
	CHECK_STR(m->description, "d\n");
	CHECK_STR(m->title, "T");
	CHECK_STR(m->base, "core24");
	CHECK_STR(m->confinement, "devmode");
	CHECK_STR(m->grade, "devel");
	STRV_IS(m->architectures, "amd64", "arm64");
	STRV_IS(m->assumes, "snapd2.60");
	STRV_IS(m->unknown_keys, "adopt-info", "links");
	CHECK_INT(m->n_system_users, 2);
	if (m->n_system_users == 2) {
		CHECK_STR(m->system_users[0].name, "snap_daemon");
		CHECK_STR(m->system_users[0].scope, "shared");
		CHECK_STR(m->system_users[1].scope, "shared");
	}
	const cordon_app *a = cordon_manifest_app(m, "svc");
	if (a) {
		CHECK_STR(a->daemon_scope, "system"); /* snapd's default */
		CHECK_STR(a->stop_mode, "sigterm-all");
		CHECK_STR(a->restart_condition, "on-failure");
		CHECK_STR(a->post_stop_command, "bin/post");
		CHECK_STR(a->autostart, "svc.desktop");
		STRV_IS(a->after, "other");
		CHECK_INT(a->pos[CORDON_APP_DAEMON].line, 22);
		CHECK_INT(a->pos[CORDON_APP_DAEMON].col, 13);
		CHECK_INT(a->line, 20);
	}
	CHECK(cordon_manifest_app(m, "nope") == NULL);
	CHECK(cordon_manifest_hook(m, "install") == NULL);
	CHECK(cordon_manifest_plug(m, "x") == NULL);
	CHECK(cordon_manifest_slot(m, "x") == NULL);
	CHECK_STR(m->source_name, SRC);
	cordon_manifest_free(m);

	/* defaults stay unset (NULL); "base: ##BASE##" is a comment, so no base */
	m = ok("name: foo\nbase: ##BASE##\nversion: 1.0\napps:\n  a:\n    command: true\n");
	if (m) {
		CHECK(m->base == NULL && m->confinement == NULL && m->type == NULL);
		CHECK_STR(m->apps[0].command, "true");
		CHECK_STR(m->epoch, "0");
	}
	cordon_manifest_free(m);
}

/* Error messages never carry raw control characters from the input. */
static void test_quoting(void)
{
	bad("name: \"a\\e[31mb\\nc\"\nversion: 1\n",
	    SRC ":1:7: invalid snap name \"a\\x1b[31mb\\nc\": " NAME_RULE);
}

int main(void)
{
	test_yaml_faults();
	test_limits();
	test_types();
	test_names_versions();
	test_snap_fields();
	test_port_forms();
	test_environment();
	test_binding();
	test_model();
	test_quoting();
	return check_done("test_manifest");
}
