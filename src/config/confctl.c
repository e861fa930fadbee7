/* snapctl's side of configuration and attributes (confctl.h). */
#include "confctl.h"
#include "confdoc.h"
#include "jsonval.h"

#include <errno.h>
#include <string.h>

void cordon_conf_snapctl_print(char *const *keys, char *const *values, size_t n, bool document,
			       bool typed, buf *out)
{
	json_object *print = NULL;
	bool single = !document && n == 1;
	if (single) {
		if (values[0] && cordon_json_parse(values[0], strlen(values[0]), &print, NULL) < 0)
			print = NULL;
	} else {
		/* a map: Go's encoder sorts its keys (cordon_json_write) */
		print = json_object_new_object();
		for (size_t i = 0; i < n; i++) {
			json_object *v = NULL;
			if (values[i] == NULL ||
			    cordon_json_parse(values[i], strlen(values[i]), &v, NULL) < 0)
				continue;
			json_object_object_add(print, keys[i], v);
		}
	}
	if (typed && print == NULL)
		buf_adds(out, "null\n");
	else if (!typed && print && json_object_is_type(print, json_type_string))
		buf_printf(out, "%s\n", json_object_get_string(print));
	else {
		if (print)
			cordon_json_write(print, "\t", out);
		buf_addc(out, '\n');
	}
	json_object_put(print);
}

/* ---- attributes ---- */

static json_object *yaml_json(const cordon_yaml_value *v)
{
	switch (v->kind) {
	case CORDON_Y_BOOL:
		return json_object_new_boolean(v->b);
	case CORDON_Y_INT:
		return json_object_new_int64(v->i);
	case CORDON_Y_FLOAT:
		return json_object_new_double(v->f);
	case CORDON_Y_STRING:
		return json_object_new_string(v->scalar ? v->scalar : "");
	case CORDON_Y_LIST: {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < v->n; i++)
			json_object_array_add(a, yaml_json(&v->items[i]));
		return a;
	}
	case CORDON_Y_MAP: {
		json_object *o = json_object_new_object();
		for (size_t i = 0; i < v->n; i++)
			json_object_object_add(o, v->keys[i], yaml_json(&v->items[i]));
		return o;
	}
	case CORDON_Y_NULL:
	default:
		return NULL;
	}
}

char *cordon_conf_attrs_json(const cordon_attr *attrs, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, attrs[i].name, yaml_json(&attrs[i].value));
	char *text = cordon_json_text(o, NULL);
	json_object_put(o);
	return text;
}

static int parse_object(const char *text, json_object **out)
{
	*out = NULL;
	if (text == NULL || text[0] == '\0' ||
	    cordon_json_parse(text, strlen(text), out, NULL) < 0 || *out == NULL ||
	    !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = json_object_new_object();
	}
	return 0;
}

static char *joined(const strv *seg, size_t upto)
{
	_cleanup_buf_ buf b = {0};
	for (size_t i = 0; i < upto; i++)
		buf_printf(&b, "%s%s", i ? "." : "", seg->v[i]);
	return buf_steal(&b);
}

/* getAttribute: -ENOENT when a segment is missing (the caller then looks in
 * the dynamic attributes). */
static int lookup(const char *snap, json_object *attrs, const strv *seg, char **json,
		  cordon_error **err)
{
	json_object *at = attrs;
	for (size_t i = 0; i < seg->n; i++) {
		json_object *next = NULL;
		_cleanup_free_ char *path = joined(seg, i + 1);
		_cleanup_free_ char *qs = cordon_go_quote(snap);
		_cleanup_free_ char *qp = cordon_go_quote(path);
		if (!json_object_is_type(at, json_type_object)) {
			_cleanup_free_ char *up = joined(seg, i);
			_cleanup_free_ char *qu = cordon_go_quote(up);
			return cordon_err_msg(err, EINVAL, "snap %s attribute %s is not a map", qs,
					      qu);
		}
		if (!json_object_object_get_ex(at, seg->v[i], &next))
			return cordon_err_msg(err, ENOENT, "snap %s has no %s attribute", qs, qp);
		at = next;
	}
	*json = cordon_json_text(at, NULL);
	return 0;
}

/* An attribute's key: a configuration key that names something (an empty
 * one would be the whole set of attributes, which snapd does not offer). */
static int attr_key(const char *key, strv *seg, cordon_error **err)
{
	int r = cordon_conf_parse_key(key, seg, err);
	if (r == 0 && seg->n == 0)
		r = cordon_err_msg(err, EINVAL, "invalid option name: \"\"");
	return r;
}

int cordon_conf_attr_get(const char *snap, const char *static_attrs, const char *dynamic_attrs,
			 const char *key, char **json, cordon_error **err)
{
	_cleanup_strv_ strv seg = {0};
	int r = attr_key(key, &seg, err);
	if (r < 0)
		return r;
	json_object *st, *dyn;
	parse_object(static_attrs, &st);
	parse_object(dynamic_attrs, &dyn);
	r = lookup(snap, st, &seg, json, err);
	if (r == -ENOENT) {
		cordon_error_free(err);
		r = lookup(snap, dyn, &seg, json, err);
	}
	json_object_put(st);
	json_object_put(dyn);
	return r;
}

int cordon_conf_attr_set(const char *snap, const char *static_attrs, char **dynamic,
			 const char *key, const char *value, cordon_error **err)
{
	_cleanup_strv_ strv seg = {0};
	int r = attr_key(key, &seg, err);
	if (r < 0)
		return r;
	json_object *st;
	parse_object(static_attrs, &st);
	bool fixed = json_object_object_get_ex(st, seg.v[0], NULL);
	json_object_put(st);
	if (fixed) {
		_cleanup_free_ char *q = cordon_go_quote(key);
		return cordon_err_msg(err, EPERM, "attribute %s cannot be overwritten", q);
	}
	/* the dynamic attributes are a document like a configuration: the
	 * same patching, key rules and limits */
	cordon_conf_txn *t = NULL;
	r = cordon_conf_txn_new(snap, *dynamic, &t, err);
	cordon_conf_patches p = {0};
	cordon_conf_patches_add(&p, key, value);
	if (r == 0)
		r = cordon_conf_txn_patch(t, &p, err);
	char *doc = NULL;
	if (r == 0)
		r = cordon_conf_txn_commit(t, *dynamic, &doc, err);
	if (r == 0) {
		free(*dynamic);
		*dynamic = doc ? doc : xstrdup("{}");
	}
	cordon_conf_patches_free(&p);
	if (t)
		cordon_conf_txn_free(t);
	return r;
}
