/* libFuzzer harness: a snap's configuration (src/config).
 *
 * `snapctl set` will hand cordon keys and values from inside the sandbox,
 * and every `get` reads the stored document back: the JSON reader, the key
 * syntax, the patching and `get`'s output take what a confined snap sends.
 * Input: lines; the first is the stored document, the others `snap set`
 * arguments (key=value, key!). Checks, beyond the sanitizers:
 *
 *   - what the reader takes, the writer writes as JSON the reader takes
 *     back unchanged (compact and indented alike);
 *   - a committed document is an object within the limits;
 *   - `get -d` prints JSON. */
#include "confdoc.h"
#include "confout.h"
#include "jsonval.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void die(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_config: %s: %s\n", what, text);
	abort();
}

/* The compact text of written JSON read back: it must read. */
static char *again_of(const char *written, const char *what)
{
	json_object *w = NULL;
	if (cordon_json_parse(written, strlen(written), &w, NULL) < 0)
		die(what, written);
	char *again = cordon_json_text(w, NULL);
	json_object_put(w);
	return again;
}

/* The compact text of TEXT when it parses; NULL when not. */
static char *round_trip(const char *text, size_t len)
{
	json_object *v = NULL;
	if (cordon_json_parse(text, len, &v, NULL) < 0)
		return NULL;
	char *compact = cordon_json_text(v, NULL);
	_cleanup_free_ char *indented = cordon_json_text(v, "\t");
	json_object_put(v);
	_cleanup_free_ char *again = again_of(compact, "written JSON refused");
	/* Go sorts an object's keys by their bytes, then writes invalid UTF-8
	 * as U+FFFD: keys so replaced may sort otherwise the next time, as
	 * they do in Go ({"\x81a":1,"\xf3":2}). The text is stable from the
	 * second round on. */
	if (strcmp(again, compact) != 0 && strstr(compact, "\xEF\xBF\xBD")) {
		_cleanup_free_ char *third = again_of(again, "written JSON refused");
		if (strcmp(third, again) != 0)
			die("JSON changed on a third round", again);
		free(compact);
		compact = steal_ptr(again);
	}
	if (again && strcmp(again, compact) != 0)
		die("JSON changed on a second round", compact);
	_cleanup_free_ char *flat = again_of(indented, "indented JSON refused");
	if (strcmp(flat, compact) != 0)
		die("indented JSON reads differently", indented);
	return compact;
}

static void get_outputs(const char *doc, char **keys, size_t n)
{
	for (unsigned m = 0; m < 16; m++) {
		cordon_conf_get_opts o = {
		    .document = m & 1, .list = m & 2, .typed = m & 4, .tty = m & 8};
		_cleanup_buf_ buf out = {0};
		_cleanup_free_ char *warning = NULL;
		if (cordon_conf_get_output("fuzz", doc, keys, n, &o, &out, &warning, NULL) < 0 ||
		    !o.document)
			continue;
		char *back = round_trip(out.p, out.len);
		if (!back)
			die("get -d printed no JSON", out.p);
		free(back);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	free(round_trip((const char *)data, size));
	_cleanup_strv_ strv lines = {0};
	for (char *rest = text, *l; (l = strsep(&rest, "\n"));)
		strv_push(&lines, l);
	/* a document as the store would have it: only what commits wrote */
	_cleanup_free_ char *doc = round_trip(lines.v[0], strlen(lines.v[0]));
	if (doc && doc[0] != '{')
		free(steal_ptr(doc));
	cordon_conf_txn *t = NULL;
	if (cordon_conf_txn_new("fuzz", doc, &t, NULL) < 0)
		die("stored document refused", doc);
	cordon_conf_patches p = {0};
	_cleanup_strv_ strv keys = {0};
	for (size_t i = 1; i < lines.n; i++)
		strv_push_own(&keys, xstrndup(lines.v[i], strcspn(lines.v[i], "=!")));
	if (lines.n > 1 &&
	    cordon_conf_parse_set_args(lines.v + 1, lines.n - 1, CORDON_CONF_AUTO, &p, NULL) == 0 &&
	    cordon_conf_txn_patch(t, &p, NULL) == 0) {
		_cleanup_free_ char *now = NULL, *before = NULL, *next = NULL;
		(void)cordon_conf_txn_get(t, "", false, &now, NULL);
		(void)cordon_conf_txn_get(t, "", true, &before, NULL);
		if (cordon_conf_txn_commit(t, doc, &next, NULL) == 0 && next) {
			_cleanup_free_ char *back = round_trip(next, strlen(next));
			if (!back || back[0] != '{' || strlen(next) > CORDON_CONF_MAX_DOC)
				die("committed document", next);
			if (now && strcmp(now, next) != 0)
				die("commit differs from the staged document", next);
			get_outputs(next, keys.v, keys.n);
		}
	}
	get_outputs(doc, keys.v, keys.n);
	cordon_conf_patches_free(&p);
	cordon_conf_txn_free(t);
	return 0;
}
