/* A snap's configuration document and transactions on it (confdoc.h), after
 * snapd's overlord/configstate/config. */
#include "confdoc.h"
#include "jsonval.h"

#include <string.h>

/* ---- keys ---- */

/* One segment: snapd's ^(?:[a-z0-9]+-?)*[a-z](?:-?[a-z0-9])*$, which is
 * lower-case letters, digits and single dashes between them, with at least
 * one letter. */
static bool valid_segment(const char *s, size_t n)
{
	bool letter = false;
	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			letter = true;
		else if (c == '-' && s[i + 1] == '-')
			return false;
		else if (!(c >= '0' && c <= '9') && c != '-')
			return false;
	}
	return letter;
}

static int invalid_name(const char *name, size_t n, cordon_error **err)
{
	_cleanup_free_ char *raw = xstrndup(name, n);
	_cleanup_free_ char *q = cordon_go_quote(raw);
	return cordon_err_msg(err, EINVAL, "invalid option name: %s", q);
}

int cordon_conf_parse_key(const char *key, strv *segments, cordon_error **err)
{
	_cleanup_strv_ strv out = {0};
	for (const char *p = key; *key;) {
		const char *dot = strchrnul(p, '.');
		size_t n = (size_t)(dot - p);
		if (!valid_segment(p, n))
			return invalid_name(p, n, err);
		strv_push_own(&out, xstrndup(p, n));
		if (!*dot)
			break;
		p = dot + 1;
	}
	*segments = out;
	memset(&out, 0, sizeof out);
	return 0;
}

/* snapd's validateMapKeys: the keys of every object in a value. */
static int check_value_keys(json_object *v, cordon_error **err)
{
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			int r = check_value_keys(json_object_array_get_idx(v, i), err);
			if (r < 0)
				return r;
		}
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, sub)
		{
			if (!valid_segment(k, strlen(k)))
				return invalid_name(k, strlen(k), err);
			int r = check_value_keys(sub, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The first n segments, dotted: how snapd names a key in its messages. */
static char *quoted_path(const strv *seg, size_t n)
{
	_cleanup_buf_ buf b = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(&b, '.');
		buf_adds(&b, seg->v[i]);
	}
	_cleanup_free_ char *path = buf_steal(&b);
	return cordon_go_quote(path);
}

static int not_a_map(const char *snap, const strv *seg, size_t n, cordon_error **err)
{
	_cleanup_free_ char *qs = cordon_go_quote(snap), *qk = quoted_path(seg, n);
	return cordon_err_msg(err, EINVAL, "snap %s option %s is not a map", qs, qk);
}

/* ---- patches and `snap set`'s arguments ---- */

void cordon_conf_patches_free(cordon_conf_patches *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].value);
	}
	free(p->v);
	memset(p, 0, sizeof *p);
}

void cordon_conf_patches_add(cordon_conf_patches *p, const char *key, const char *value)
{
	cordon_conf_patch *slot = NULL;
	for (size_t i = 0; i < p->n && !slot; i++)
		if (strcmp(p->v[i].key, key) == 0)
			slot = &p->v[i];
	if (!slot) {
		p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
		slot = &p->v[p->n++];
		slot->key = xstrdup(key);
	} else {
		free(slot->value);
	}
	slot->value = value ? xstrdup(value) : NULL;
}

/* The JSON of KEY's value TEXT, as ParseConfigValues reads it. */
static int arg_value(const char *key, const char *text, cordon_conf_mode mode, char **json,
		     cordon_error **err)
{
	size_t len = strlen(text);
	/* a value past the document's limit cannot be stored: say so before
	 * reading it */
	if (len > CORDON_CONF_MAX_DOC)
		return cordon_err_msg(err, EFBIG,
				      "value of \"%s\" is %zu bytes, more than the "
				      "limit of %d",
				      key, len, CORDON_CONF_MAX_DOC);
	json_object *v = NULL;
	cordon_error *perr = NULL;
	int r = mode == CORDON_CONF_STRING ? -EINVAL : cordon_json_parse(text, len, &v, &perr);
	if (r == 0) {
		*json = cordon_json_text(v, NULL);
		json_object_put(v);
		return 0;
	}
	/* JSON that cordon cannot keep as it is: not a string instead */
	if (r == -ERANGE)
		r = cordon_err_msg(err, ERANGE, "cannot set \"%s\": %s", key, perr->msg);
	else if (mode == CORDON_CONF_TYPED)
		r = cordon_err_msg(err, EINVAL, "failed to parse JSON: %s", perr->msg);
	cordon_error_free(&perr);
	if (r < 0 && r != -EINVAL)
		return r;
	if (mode == CORDON_CONF_TYPED)
		return r;
	v = json_object_new_string_len(text, (int)len);
	*json = cordon_json_text(v, NULL);
	json_object_put(v);
	return 0;
}

int cordon_conf_parse_set_args(char *const *args, size_t n, cordon_conf_mode mode,
			       cordon_conf_patches *out, cordon_error **err)
{
	for (size_t i = 0; i < n; i++) {
		const char *a = args[i], *eq = strchr(a, '=');
		if (!eq && str_has_suffix(a, "!")) {
			_cleanup_free_ char *key = xstrndup(a, strlen(a) - 1);
			if (!key[0])
				return cordon_err_msg(err, EINVAL,
						      "configuration keys cannot be empty (use "
						      "key! to unset a key)");
			cordon_conf_patches_add(out, key, NULL);
			continue;
		}
		if (!eq) {
			_cleanup_free_ char *q = cordon_go_quote(a);
			return cordon_err_msg(err, EINVAL,
					      "invalid configuration: %s (want key=value)", q);
		}
		if (eq == a)
			return cordon_err_msg(err, EINVAL, "configuration keys cannot be empty");
		_cleanup_free_ char *key = xstrndup(a, (size_t)(eq - a)), *json = NULL;
		int r = arg_value(key, eq + 1, mode, &json, err);
		if (r < 0)
			return r;
		cordon_conf_patches_add(out, key, json);
	}
	return 0;
}

int cordon_conf_parse_unset_args(char *const *args, size_t n, cordon_conf_patches *out,
				 cordon_error **err)
{
	for (size_t i = 0; i < n; i++) {
		if (!args[i][0])
			return cordon_err_msg(err, EINVAL, "configuration keys cannot be empty");
		cordon_conf_patches_add(out, args[i], NULL);
	}
	return 0;
}

/* ---- the staged changes (snapd's Transaction.changes) ----
 *
 * A tree of objects to merge into what the document has at their place,
 * with values that replace what is there at the leaves: "a.b=1" stages
 * {a: merge {b: 1}}, "a={...}" stages {a: {...}}. */

typedef struct change change;
typedef struct centry {
	char *key;
	change *merge;	    /* merge into the object there, or */
	bool set;	    /* replace it with value */
	json_object *value; /* NULL: null (unset) */
} centry;
struct change {
	centry *e;
	size_t n;
};

static void change_free(change *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].key);
		change_free(c->e[i].merge);
		json_object_put(c->e[i].value);
	}
	free(c->e);
	free(c);
}

static change *change_copy(const change *c)
{
	change *d = xcalloc(1, sizeof *d);
	d->n = c->n;
	d->e = xcalloc(c->n ? c->n : 1, sizeof *d->e);
	for (size_t i = 0; i < c->n; i++) {
		d->e[i].key = xstrdup(c->e[i].key);
		d->e[i].merge = c->e[i].merge ? change_copy(c->e[i].merge) : NULL;
		d->e[i].set = c->e[i].set;
		d->e[i].value = cordon_json_copy(c->e[i].value);
	}
	return d;
}

static centry *change_entry(change *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->e[i].key, key) == 0)
			return &c->e[i];
	c->e = xreallocarray(c->e, c->n + 1, sizeof *c->e);
	centry *e = &c->e[c->n++];
	memset(e, 0, sizeof *e);
	e->key = xstrdup(key);
	return e;
}

/* Set seg[pos..] inside OBJ, a value staged whole (PatchConfig on the
 * decoded json.RawMessage): objects made on the way. */
static int patch_value(const char *snap, const strv *seg, size_t pos, json_object *obj,
		       json_object *value, cordon_error **err)
{
	const char *key = seg->v[pos];
	if (pos + 1 == seg->n) {
		json_object_object_add(obj, key, value);
		return 0;
	}
	json_object *child = NULL;
	if (!json_object_object_get_ex(obj, key, &child) || child == NULL) {
		child = json_object_new_object();
		json_object_object_add(obj, key, child);
	} else if (!json_object_is_type(child, json_type_object)) {
		/* snapd: "internal error: unexpected configuration type" */
		json_object_put(value);
		return not_a_map(snap, seg, pos + 1, err);
	}
	return patch_value(snap, seg, pos + 1, child, value, err);
}

/* snapd's PatchConfig on the changes: VALUE (owned) at seg[pos..]. */
static int patch_change(const char *snap, const strv *seg, size_t pos, change *c,
			json_object *value, cordon_error **err)
{
	centry *e = change_entry(c, seg->v[pos]);
	if (pos + 1 == seg->n) {
		change_free(e->merge);
		json_object_put(e->value);
		e->merge = NULL;
		e->set = true;
		e->value = value;
		return 0;
	}
	if (!e->set) {
		if (!e->merge)
			e->merge = xcalloc(1, sizeof *e->merge);
		return patch_change(snap, seg, pos + 1, e->merge, value, err);
	}
	if (e->value == NULL) /* unset earlier, set again below: a new object */
		e->value = json_object_new_object();
	if (!json_object_is_type(e->value, json_type_object)) {
		json_object_put(value);
		return not_a_map(snap, seg, pos + 1, err);
	}
	return patch_value(snap, seg, pos + 1, e->value, value, err);
}

/* snapd's applyChanges + commitChange, in place on the object DOC. */
static void apply_changes(json_object *doc, const change *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const centry *e = &c->e[i];
		if (e->set) {
			json_object_object_add(doc, e->key, cordon_json_copy(e->value));
			continue;
		}
		/* a merge onto nothing or onto a non-object starts afresh */
		json_object *cur = NULL;
		if (!json_object_object_get_ex(doc, e->key, &cur) ||
		    !json_object_is_type(cur, json_type_object)) {
			cur = json_object_new_object();
			json_object_object_add(doc, e->key, cur);
		}
		apply_changes(cur, e->merge);
	}
}

/* snapd's purgeNulls: null members of objects go, at any depth through
 * objects (not inside arrays); an object left empty stays. */
static void purge_nulls(json_object *obj)
{
	_cleanup_strv_ strv gone = {0};
	json_object_object_foreach(obj, k, v)
	{
		if (v == NULL)
			strv_push(&gone, k);
		else if (json_object_is_type(v, json_type_object))
			purge_nulls(v);
	}
	for (size_t i = 0; i < gone.n; i++)
		json_object_object_del(obj, gone.v[i]);
}

/* ---- the transaction ---- */

struct cordon_conf_txn {
	char *snap;
	json_object *pristine; /* the document when the transaction began */
	change *changes;
};

static int parse_document(const char *snap, const char *text, json_object **out, cordon_error **err)
{
	if (!text || !text[0]) {
		*out = json_object_new_object();
		return 0;
	}
	int r = cordon_json_parse(text, strlen(text), out, err);
	if (r == 0 && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		r = cordon_err_msg(err, EINVAL, "not a JSON object");
	}
	if (r < 0)
		return cordon_err_prefix(err, "configuration of snap \"%s\"", snap);
	return 0;
}

int cordon_conf_txn_new(const char *snap, const char *doc, cordon_conf_txn **out,
			cordon_error **err)
{
	json_object *pristine;
	int r = parse_document(snap, doc, &pristine, err);
	if (r < 0)
		return r;
	cordon_conf_txn *t = xcalloc(1, sizeof *t);
	t->snap = xstrdup(snap);
	t->pristine = pristine;
	t->changes = xcalloc(1, sizeof *t->changes);
	*out = t;
	return 0;
}

void cordon_conf_txn_free(cordon_conf_txn *t)
{
	if (!t)
		return;
	free(t->snap);
	json_object_put(t->pristine);
	change_free(t->changes);
	free(t);
}

bool cordon_conf_txn_changed(const cordon_conf_txn *t)
{
	return t->changes->n > 0;
}

/* snapd's getFromConfig: the value at SEG in DOC (borrowed). */
static int get_from(const char *snap, json_object *doc, const strv *seg, json_object **out,
		    cordon_error **err)
{
	_cleanup_free_ char *qs = cordon_go_quote(snap);
	if (seg->n == 0) {
		if (json_object_object_length(doc) == 0)
			return cordon_err_msg(err, ENOENT, "snap %s has no configuration", qs);
		*out = doc;
		return 0;
	}
	json_object *cur = doc;
	for (size_t pos = 0;; pos++) {
		json_object *v = NULL;
		if (!json_object_object_get_ex(cur, seg->v[pos], &v)) {
			_cleanup_free_ char *qk = quoted_path(seg, pos + 1);
			return cordon_err_msg(err, ENOENT, "snap %s has no %s configuration option",
					      qs, qk);
		}
		if (pos + 1 == seg->n) {
			*out = v;
			return 0;
		}
		if (v == NULL) { /* a null decodes as an empty object */
			_cleanup_free_ char *qk = quoted_path(seg, pos + 2);
			return cordon_err_msg(err, ENOENT, "snap %s has no %s configuration option",
					      qs, qk);
		}
		if (!json_object_is_type(v, json_type_object))
			return not_a_map(snap, seg, pos + 1, err);
		cur = v;
	}
}

/* The document the changes make of BASE (owned, consumed). */
static json_object *changed_document(json_object *base, const change *c)
{
	apply_changes(base, c);
	purge_nulls(base);
	return base;
}

static int check_limits(const char *snap, json_object *doc, char **text, cordon_error **err)
{
	size_t depth = cordon_json_depth(doc);
	if (depth > CORDON_JSON_MAX_DEPTH)
		return cordon_err_msg(err, EINVAL,
				      "configuration of snap \"%s\" would be nested %zu levels "
				      "deep, more than %d",
				      snap, depth, CORDON_JSON_MAX_DEPTH);
	char *s = cordon_json_text(doc, NULL);
	size_t n = strlen(s);
	if (n > CORDON_CONF_MAX_DOC) {
		free(s);
		return cordon_err_msg(
		    err, EFBIG,
		    "configuration of snap \"%s\" would take %zu bytes, more than "
		    "the limit of %d",
		    snap, n, CORDON_CONF_MAX_DOC);
	}
	if (text)
		*text = s;
	else
		free(s);
	return 0;
}

/* snapd's Transaction.Set of one key, into the changes C. */
static int set_one(cordon_conf_txn *t, change *c, const cordon_conf_patch *p, cordon_error **err)
{
	json_object *value = NULL;
	if (p->value) {
		int r = cordon_json_parse(p->value, strlen(p->value), &value, err);
		if (r < 0)
			return cordon_err_prefix(err, "value of \"%s\"", p->key);
	}
	_cleanup_strv_ strv seg = {0};
	int r = check_value_keys(value, err);
	if (r == 0)
		r = cordon_conf_parse_key(p->key, &seg, err);
	if (r == 0 && seg.n == 0)
		r = cordon_err_msg(err, EINVAL, "internal error: key cannot be an empty string");
	if (r == 0 && seg.n + cordon_json_depth(value) > CORDON_JSON_MAX_DEPTH)
		r = cordon_err_msg(err, EINVAL, "option \"%s\" is nested more than %d levels deep",
				   p->key, CORDON_JSON_MAX_DEPTH);
	/* traversing a non-object of the document as it was goes unnoticed
	 * by the patching below (snapd checks the same) */
	json_object *ignored;
	if (r == 0 && seg.n > 1) {
		r = get_from(t->snap, t->pristine, &seg, &ignored, err);
		if (r == -ENOENT) {
			r = 0;
			if (err)
				cordon_error_free(err);
		}
	}
	if (r < 0) {
		json_object_put(value);
		return r;
	}
	return patch_change(t->snap, &seg, 0, c, value, err);
}

static size_t key_depth(const char *key)
{
	size_t d = 0;
	for (; *key; key++)
		d += *key == '.';
	return d;
}

int cordon_conf_txn_patch(cordon_conf_txn *t, const cordon_conf_patches *p, cordon_error **err)
{
	if (p->n > CORDON_CONF_MAX_PATCHES)
		return cordon_err_msg(
		    err, E2BIG, "cannot change %zu options at once, more than the limit of %d",
		    p->n, CORDON_CONF_MAX_PATCHES);
	/* shallowest first (snapd's sortPatchKeysByDepth): "a={} a.b=1"
	 * sets a, then b in it */
	_cleanup_free_ size_t *order = xcalloc(p->n ? p->n : 1, sizeof *order);
	size_t k = 0, deepest = 0;
	for (size_t i = 0; i < p->n; i++)
		deepest = key_depth(p->v[i].key) > deepest ? key_depth(p->v[i].key) : deepest;
	for (size_t d = 0; d <= deepest; d++)
		for (size_t i = 0; i < p->n; i++)
			if (key_depth(p->v[i].key) == d)
				order[k++] = i;
	change *work = change_copy(t->changes);
	int r = 0;
	for (size_t i = 0; i < p->n && r == 0; i++)
		r = set_one(t, work, &p->v[order[i]], err);
	if (r == 0) {
		json_object *doc = changed_document(cordon_json_copy(t->pristine), work);
		r = check_limits(t->snap, doc, NULL, err);
		json_object_put(doc);
	}
	if (r < 0) {
		change_free(work);
		return r;
	}
	change_free(t->changes);
	t->changes = work;
	return 0;
}

int cordon_conf_txn_get(cordon_conf_txn *t, const char *key, bool previous, char **json,
			cordon_error **err)
{
	_cleanup_strv_ strv seg = {0};
	int r = cordon_conf_parse_key(key, &seg, err);
	if (r < 0)
		return r;
	json_object *doc = previous ? json_object_get(t->pristine)
				    : changed_document(cordon_json_copy(t->pristine), t->changes);
	json_object *v;
	r = get_from(t->snap, doc, &seg, &v, err);
	if (r == 0)
		*json = cordon_json_text(v, NULL);
	json_object_put(doc);
	return r;
}

int cordon_conf_txn_commit(cordon_conf_txn *t, const char *latest, char **doc, cordon_error **err)
{
	*doc = NULL;
	json_object *base;
	int r = parse_document(t->snap, latest, &base, err);
	if (r < 0)
		return r;
	json_object *d = changed_document(base, t->changes);
	_cleanup_free_ char *text = NULL;
	r = check_limits(t->snap, d, &text, err);
	if (r == 0 && json_object_object_length(d) > 0)
		*doc = steal_ptr(text);
	json_object_put(d);
	return r;
}
