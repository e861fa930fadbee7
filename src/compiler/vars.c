/* The variables rules are written with: a snap's own, and a connection's
 * (its two ends' attributes and paths). */
#include "vars.h"
#include "attrs.h"
#include "rules.h"

#include <errno.h>
#include <string.h>

const char *cordon_snap_var(const cordon_loaded_snap *s, const char *name)
{
	if (s == NULL)
		return NULL;
	if (strcmp(name, "SNAP") == 0)
		return s->mount_dir;
	if (strcmp(name, "SNAP_DATA") == 0)
		return s->data_dir;
	if (strcmp(name, "SNAP_COMMON") == 0)
		return s->common_dir;
	if (strcmp(name, "SNAP_NAME") == 0)
		return s->row.snap_name;
	if (strcmp(name, "SNAP_INSTANCE_NAME") == 0)
		return s->row.name;
	if (strcmp(name, "SNAP_REVISION") == 0)
		return s->row.current;
	return NULL;
}

static int owner_lookup(void *vctx, const char *name, strv *values)
{
	const char *v = cordon_snap_var(vctx, name);
	if (v == NULL)
		return -ENOENT;
	strv_push(values, v);
	return 0;
}

/* An attribute value's own variables belong to the snap that declared it. */
static int push_attr_value(const cordon_loaded_snap *owner, const char *text, strv *values)
{
	if (owner == NULL) {
		strv_push(values, text);
		return 0;
	}
	/* a relative path in an attribute (content's read: [lib]) is inside
	 * the declaring snap, as in snapd */
	_cleanup_free_ char *abs =
	    text[0] != '/' && text[0] != '$' ? xasprintf("$SNAP/%s", text) : xstrdup(text);
	return cordon_rule_subst(abs, owner_lookup, (void *)owner, values, NULL);
}

const char *cordon_snap_own_var(const cordon_loaded_snap *s, const char *name)
{
	if (s != NULL && s->own_mount_dir != NULL) {
		if (strcmp(name, "SNAP") == 0)
			return s->own_mount_dir;
		if (strcmp(name, "SNAP_DATA") == 0)
			return s->own_data_dir;
		if (strcmp(name, "SNAP_COMMON") == 0)
			return s->own_common_dir;
	}
	return cordon_snap_var(s, name);
}

int cordon_conn_lookup(void *vctx, const char *name, strv *values)
{
	const cordon_conn_ends *c = vctx;
	bool plug;
	if (str_has_prefix(name, "plug:"))
		plug = true;
	else if (str_has_prefix(name, "slot:"))
		plug = false;
	else
		return -ENOENT;
	const char *key = name + 5;
	const cordon_loaded_snap *owner = plug ? c->plug_snap : c->slot_snap;
	const cordon_port *port = plug ? c->plug : c->slot;
	const char *sv = cordon_snap_var(owner, key);
	if (sv != NULL && key[0] >= 'A' && key[0] <= 'Z') {
		strv_push(values, sv);
		return 0;
	}
	if (strcmp(key, "content") == 0 && port) {
		strv_push(values, cordon_port_content(port));
		return 0;
	}
	const cordon_attr *a = cordon_port_attr(port, key);
	if (a == NULL)
		/* an absent attribute gives no rule (an empty list); required
		 * ones were checked at install and connect */
		return 0;
	if (a->value.kind == CORDON_Y_LIST) {
		for (size_t i = 0; i < a->value.n; i++)
			if (a->value.items[i].scalar &&
			    push_attr_value(owner, a->value.items[i].scalar, values) < 0)
				return -EINVAL;
		return 0;
	}
	if (a->value.scalar == NULL)
		return -EINVAL;
	return push_attr_value(owner, a->value.scalar, values);
}
