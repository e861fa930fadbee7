/* Attributes of plugs and slots: the checks an interface's definition asks
 * for (types, patterns, required ones), done at install and at connect, and
 * the small questions the compiler asks of a port. Pure. */
#include "attrs.h"
#include "util.h"

#include <regex.h>
#include <string.h>

bool cordon_port_bound(const cordon_port *p, const char *app, const char *hook)
{
	return app ? strv_contains(&p->apps, app) : strv_contains(&p->hooks, hook);
}

const cordon_attr *cordon_port_attr(const cordon_port *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_attrs; i++)
		if (strcmp(p->attrs[i].name, name) == 0)
			return &p->attrs[i];
	return NULL;
}

const char *cordon_port_content(const cordon_port *p)
{
	/* snapd's content rule: the `content` attribute defaults to the name */
	const cordon_attr *a = cordon_port_attr(p, "content");
	if (a && a->value.kind == CORDON_Y_STRING)
		return a->value.scalar;
	return p->name;
}

/* One place, named literally: no pattern characters (Landlock globs them at
 * launch, AppArmor reads them as patterns), no "..", no empty component. */
static bool literal_path(const char *s)
{
	if (strpbrk(s, "*?[]{}^\",\\") != NULL || strstr(s, "//") != NULL)
		return false;
	for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return false;
	return s[0] != '\0';
}

static bool has_prefix_dir(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 && (s[n] == '/' || s[n] == '\0');
}

static bool valid_scalar(enum cordon_attr_type t, const char *s)
{
	switch (t) {
	case CORDON_ATTR_PATH:
	case CORDON_ATTR_PATHS:
		return s[0] == '/' && literal_path(s);
	case CORDON_ATTR_HOME_PATHS:
		/* personal-files: beneath the user's home, not the home itself */
		return str_has_prefix(s, "$HOME/") && s[6] != '\0' && literal_path(s + 5);
	case CORDON_ATTR_SNAP_PATH:
	case CORDON_ATTR_SNAP_PATHS:
		/* content: inside the snap that declares it (snapd's rule) */
		if (s[0] == '$')
			return (has_prefix_dir(s, "$SNAP") || has_prefix_dir(s, "$SNAP_DATA") ||
				has_prefix_dir(s, "$SNAP_COMMON")) &&
			       literal_path(strchr(s, '/') ? strchr(s, '/') : "/");
		return s[0] != '/' && literal_path(s);
	default:
		return true;
	}
}

static bool matches(const char *pattern, const char *s)
{
	if (pattern == NULL)
		return true;
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static const char *type_text(enum cordon_attr_type t)
{
	switch (t) {
	case CORDON_ATTR_STRING:
		return "a string";
	case CORDON_ATTR_BOOL:
		return "true or false";
	case CORDON_ATTR_PATH:
		return "an absolute path without pattern characters";
	case CORDON_ATTR_PATHS:
		return "a list of absolute paths without pattern characters";
	case CORDON_ATTR_HOME_PATHS:
		return "a list of paths starting with $HOME/, without pattern characters";
	case CORDON_ATTR_SNAP_PATH:
		return "a path inside the snap (relative, or under $SNAP, $SNAP_DATA or "
		       "$SNAP_COMMON)";
	case CORDON_ATTR_SNAP_PATHS:
		return "a list of paths inside the snap (relative, or under $SNAP, $SNAP_DATA or "
		       "$SNAP_COMMON)";
	}
	return "?";
}

int cordon_check_attrs(const cordon_def *def, const cordon_port *port, bool plug, const char *snap,
		       cordon_error **err)
{
	const cordon_attr_spec *specs = plug ? def->plug_attrs : def->slot_attrs;
	size_t n = plug ? def->n_plug_attrs : def->n_slot_attrs;
	const char *kind = plug ? "plug" : "slot";
	for (size_t i = 0; i < n; i++) {
		const cordon_attr *a = cordon_port_attr(port, specs[i].name);
		if (a == NULL) {
			if (specs[i].required)
				return cordon_err_msg(
				    err, EINVAL,
				    "%s \"%s\" of snap \"%s\" (%s interface) needs "
				    "attribute \"%s\"",
				    kind, port->name, snap, def->name, specs[i].name);
			continue;
		}
		const cordon_yaml_value *v = &a->value;
		enum cordon_attr_type t = specs[i].type;
		bool list = t == CORDON_ATTR_PATHS || t == CORDON_ATTR_HOME_PATHS ||
			    t == CORDON_ATTR_SNAP_PATHS;
		bool ok;
		if (t == CORDON_ATTR_BOOL) {
			ok = v->kind == CORDON_Y_BOOL;
		} else if (list) {
			ok = v->kind == CORDON_Y_LIST;
			for (size_t j = 0; ok && j < v->n; j++)
				ok = v->items[j].kind == CORDON_Y_STRING &&
				     valid_scalar(t, v->items[j].scalar) &&
				     matches(specs[i].pattern, v->items[j].scalar);
		} else {
			ok = v->kind == CORDON_Y_STRING && valid_scalar(t, v->scalar) &&
			     matches(specs[i].pattern, v->scalar);
		}
		if (!ok)
			return cordon_err_msg(
			    err, EINVAL,
			    "%s \"%s\" of snap \"%s\": attribute \"%s\" must be %s%s%s", kind,
			    port->name, snap, specs[i].name, type_text(t),
			    specs[i].pattern ? " matching " : "",
			    specs[i].pattern ? specs[i].pattern : "");
	}
	return 0;
}
