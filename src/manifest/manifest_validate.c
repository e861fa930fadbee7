/* Validation of the snap as a whole: names, version, type, confinement, title,
 * description, license, hooks, plug/slot names, base, system-usernames and
 * common-ids, in the order snapd's snap.Validate checks them (snap/validate.go,
 * snap/naming/validate.go). App rules are in manifest_validate_app.c, layout
 * rules in manifest_layout.c. Messages say what is wrong, then what was
 * expected; where snapd's wording already does that it is kept. */
#include "error.h"
#include "manifest.h"
#include "manifest_error.h"
#include "manifest_layout.h"
#include "manifest_names.h"
#include "manifest_validate_app.h"
#include "name_index.h"
#include "util.h"
#include "yaml_doc.h"

#include <string.h>

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}
static bool is_alnum(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static size_t codepoints(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

#define NAME_RULE                                                                                  \
	"expected 2-40 lowercase letters, digits and hyphens, with at least one letter and no "    \
	"leading, trailing or double hyphen"
#define PORT_RULE                                                                                  \
	"expected lowercase letters, digits and single hyphens, starting with a letter and not "   \
	"ending with a hyphen"

static int check_name(const cordon_manifest *m, cordon_error **err)
{
	cordon_pos pos = m->key_pos[CORDON_KEY_NAME];
	if (pos.line == 0)
		return mv_error(m, m->pos, err,
				"missing required key \"name\": expected the snap's name");
	if (m->name == NULL)
		return mv_error(m, pos, err, "empty snap name: " NAME_RULE);
	if (!cordon_valid_store_name(m->name)) {
		_cleanup_free_ char *q = ydoc_quoted(m->name);
		return mv_error(m, pos, err, "invalid snap name %s: " NAME_RULE, q);
	}
	return 0;
}

/* snapd's ValidateVersion, with its explanations. */
static int check_version(const cordon_manifest *m, cordon_error **err)
{
	cordon_pos pos = m->key_pos[CORDON_KEY_VERSION];
	if (pos.line == 0)
		return mv_error(m, m->pos, err,
				"missing required key \"version\": expected the snap's version");
	const char *v = m->version ? m->version : "";
	size_t n = strlen(v);
	if (n == 0)
		return mv_error(m, pos, err, "invalid snap version: cannot be empty");
	_cleanup_free_ char *q = ydoc_quoted(v);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			return mv_error(
			    m, pos, err,
			    "invalid snap version %s: must be printable, non-whitespace "
			    "ASCII",
			    q);
#define VMID(c) (is_alnum(c) || strchr(":.+~-", (c)))
	_cleanup_strv_ strv reasons = {0};
	if (n > 32)
		strv_push_own(&reasons,
			      xasprintf("cannot be longer than 32 characters (got: %zu)", n));
	if (!is_alnum(v[0]))
		strv_push_own(
		    &reasons,
		    xasprintf("must start with an ASCII alphanumeric (and not '%c')", v[0]));
	if (n > 1 && !(is_alnum(v[n - 1]) || v[n - 1] == '+' || v[n - 1] == '~'))
		strv_push_own(&reasons, xasprintf("must end with an ASCII alphanumeric or one of "
						  "'+' or '~' (and not '%c')",
						  v[n - 1]));
	_cleanup_buf_ buf bad = {0};
	for (size_t i = 1; n > 2 && i < n - 1; i++) {
		if (VMID(v[i]))
			continue;
		size_t j = i;
		while (j < n - 1 && !VMID(v[j]))
			j++;
		_cleanup_free_ char *run = xstrndup(v + i, j - i);
		buf_adds(&bad, bad.len ? ", " : "");
		ydoc_quote(&bad, run, 32);
		i = j - 1;
	}
#undef VMID
	if (bad.len)
		strv_push_own(&reasons, xasprintf("contains invalid characters: %s", bad.p));
	if (reasons.n == 0)
		return 0; /* matches ^[a-zA-Z0-9](?:[a-zA-Z0-9:.+~-]{0,30}[a-zA-Z0-9+~])?$ */
	/* snapd joins them as "a, b, and c" */
	_cleanup_buf_ buf why = {0};
	for (size_t i = 0; i < reasons.n; i++) {
		if (i > 0)
			buf_adds(&why, i == reasons.n - 1 ? ", and " : ", ");
		buf_adds(&why, reasons.v[i]);
	}
	return mv_error(m, pos, err, "invalid snap version %s: %s", q, why.p);
}

static int check_enums(const cordon_manifest *m, cordon_error **err)
{
	/* snapd still takes the store's old spelling "application". */
	static const char *const types[] = {"app",  "application", "gadget", "kernel",
					    "base", "os",	   "snapd",  NULL};
	static const char *const confs[] = {"strict", "devmode", "classic", NULL};
	/* Not a snapd check (snapd ignores grade): snapcraft's two values. */
	static const char *const grades[] = {"stable", "devel", NULL};
	const struct {
		const char *value, *what, *expected;
		const char *const *allowed;
		cordon_key key;
	} checks[] = {
	    {m->type, "snap type", "app, gadget, kernel, base, os or snapd", types,
	     CORDON_KEY_TYPE},
	    {m->confinement, "confinement", "strict, devmode or classic", confs,
	     CORDON_KEY_CONFINEMENT},
	    {m->grade, "grade", "stable or devel", grades, CORDON_KEY_GRADE},
	};
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		if (checks[i].value == NULL)
			continue;
		bool ok = false;
		for (const char *const *a = checks[i].allowed; *a && !ok; a++)
			ok = strcmp(*a, checks[i].value) == 0;
		if (!ok) {
			_cleanup_free_ char *q = ydoc_quoted(checks[i].value);
			return mv_error(m, m->key_pos[checks[i].key], err,
					"invalid %s %s: expected %s", checks[i].what, q,
					checks[i].expected);
		}
	}
	if (m->title && codepoints(m->title) > 40)
		return mv_error(m, m->key_pos[CORDON_KEY_TITLE], err,
				"title is too long: expected at most 40 characters, got %zu",
				codepoints(m->title));
	if (m->description && codepoints(m->description) > 4096)
		return mv_error(
		    m, m->key_pos[CORDON_KEY_DESCRIPTION], err,
		    "description is too long: expected at most 4096 characters, got %zu",
		    codepoints(m->description));
	return 0;
}

/* SPDX expression syntax as snapd's spdx parser walks it. The identifiers
 * are checked for shape only, not against SPDX's list (see the report). */
static bool spdx_id(const char *t)
{
	size_t n = strlen(t);
	if (n && t[n - 1] == '+')
		n--;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(is_alnum(t[i]) || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

static char *spdx_check(const char *s)
{
	strv toks = {0};
	for (const char *p = s; *p;) {
		if (*p == ' ' || *p == '\t' || *p == '\n') {
			p++;
		} else if (*p == '(' || *p == ')') {
			strv_push_own(&toks, xstrndup(p++, 1));
		} else {
			size_t n = strcspn(p, " \t\n()");
			strv_push_own(&toks, xstrndup(p, n));
			p += n;
		}
	}
	char *why = NULL;
	int depth = 0;
	const char *last = "";
	for (size_t i = 0; i < toks.n && !why; i++) {
		const char *t = toks.v[i];
		bool op = !strcmp(t, "AND") || !strcmp(t, "OR") || !strcmp(t, "WITH");
		if (!strcmp(t, "(")) {
			if (!strcmp(last, "WITH"))
				why = xstrdup("\"(\" not allowed after WITH");
			depth++;
			last = "";
			continue;
		} else if (!strcmp(t, ")")) {
			if (depth == 0)
				why = xstrdup("unexpected \")\"");
			else if (!*last || !strcmp(last, "AND") || !strcmp(last, "OR") ||
				 !strcmp(last, "WITH"))
				why = xstrdup("empty expression");
			depth--;
			last = "x"; /* a closed group acts as a license */
			continue;
		} else if (op) {
			if (!*last)
				why = xasprintf("missing license before %s", t);
			else if (!strcmp(last, "AND") || !strcmp(last, "OR"))
				why = xasprintf("expected license name, got \"%s\"", t);
			else if (!strcmp(last, "WITH"))
				why = xasprintf("expected exception name, got \"%s\"", t);
		} else if (*last && strcmp(last, "AND") && strcmp(last, "OR") &&
			   strcmp(last, "WITH")) {
			_cleanup_free_ char *q = ydoc_quoted(t);
			why = xasprintf("unexpected string: %s", q);
		} else if (!spdx_id(t)) {
			_cleanup_free_ char *q = ydoc_quoted(t);
			why = xasprintf("%s is not an SPDX identifier", q);
		}
		last = t;
	}
	if (!why && depth > 0)
		why = xstrdup("expected \")\"");
	else if (!why && (!strcmp(last, "AND") || !strcmp(last, "OR") || !strcmp(last, "WITH")))
		why = xasprintf("missing license after %s", last);
	else if (!why && !*last)
		why = xstrdup("empty expression");
	strv_free(&toks);
	return why;
}

static int check_hooks(const cordon_manifest *m, cordon_error **err)
{
	bool configure = false, default_configure = false;
	for (size_t i = 0; i < m->n_hooks; i++) {
		const cordon_hook *h = &m->hooks[i];
		cordon_pos pos = cordon_pos_at(h->line, h->col);
		_cleanup_free_ char *q = ydoc_quoted(h->name);
		/* Well-formed names snapd does not support were dropped while
		 * parsing (mp_bind_ports); what is left here is supported or
		 * malformed. */
		if (!mv_valid_plug_slot_name(h->name))
			return mv_error(m, pos, err, "invalid hook name %s: " PORT_RULE, q);
		for (size_t c = 0; c < h->command_chain.n; c++) {
			if (mv_valid_command_chain(h->command_chain.v[c]))
				continue;
			_cleanup_free_ char *qc = ydoc_quoted(h->command_chain.v[c]);
			return mv_error(m, h->command_chain_pos[c], err,
					"hook %s: command-chain item %s contains illegal "
					"characters: expected letters, digits and / . _ # : $ -",
					q, qc);
		}
		configure |= !strcmp(h->name, "configure");
		default_configure |= !strcmp(h->name, "default-configure");
	}
	if (default_configure && !configure)
		return mv_error(m, m->key_pos[CORDON_KEY_HOOKS], err,
				"hook \"default-configure\" needs a \"configure\" hook: expected "
				"both or neither");
	return 0;
}

static int check_ports(const cordon_manifest *m, cordon_error **err)
{
	for (int plugs = 1; plugs >= 0; plugs--) {
		const cordon_port *ports = plugs ? m->plugs : m->slots;
		size_t n = plugs ? m->n_plugs : m->n_slots;
		const char *what = plugs ? "plug" : "slot";
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *q = ydoc_quoted(ports[i].name);
			if (!mv_valid_plug_slot_name(ports[i].name))
				return mv_error(m, cordon_pos_at(ports[i].line, ports[i].col), err,
						"invalid %s name %s: " PORT_RULE, what, q);
			if (!mv_valid_plug_slot_name(ports[i].interface)) {
				_cleanup_free_ char *qi = ydoc_quoted(ports[i].interface);
				return mv_error(m, ports[i].interface_pos, err,
						"invalid interface name %s for %s %s: " PORT_RULE,
						qi, what, q);
			}
		}
	}
	/* snapd: a plug and a slot may not share a name. */
	_cleanup_free_ name_ref *idx = xcalloc(m->n_plugs ? m->n_plugs : 1, sizeof *idx);
	for (size_t i = 0; i < m->n_plugs; i++)
		idx[i] = (name_ref){m->plugs[i].name, i};
	name_index_sort(idx, m->n_plugs);
	for (size_t i = 0; i < m->n_slots; i++) {
		const name_ref *p = name_index_find(idx, m->n_plugs, m->slots[i].name);
		if (p == NULL)
			continue;
		const cordon_port *plug = &m->plugs[p->idx];
		_cleanup_free_ char *q = ydoc_quoted(m->slots[i].name);
		return mv_error(m, cordon_pos_at(m->slots[i].line, m->slots[i].col), err,
				"slot %s has the name of the plug at %d:%d: expected plugs and "
				"slots to have distinct names",
				q, plug->line, plug->col);
	}
	return 0;
}

static int check_base(const cordon_manifest *m, cordon_error **err)
{
	cordon_pos pos = m->key_pos[CORDON_KEY_BASE];
	if (m->base == NULL)
		return 0;
	_cleanup_free_ char *q = ydoc_quoted(m->base);
	const char *type = m->type ? m->type : "app";
	if ((!strcmp(type, "os") || !strcmp(type, "base")) && strcmp(m->base, "none"))
		return mv_error(m, pos, err,
				"a snap of type \"%s\" cannot have a base (got %s): expected no "
				"base, or \"none\"",
				type, q);
	if (!strcmp(m->base, "none") && (m->n_apps || m->n_hooks))
		return mv_error(m, pos, err,
				"base \"none\" cannot have apps or hooks: expected a base snap "
				"to run them on");
	if (strchr(m->base, '_'))
		return mv_error(m, pos, err,
				"base %s names a snap instance: expected a snap name without "
				"\"_<key>\"",
				q);
	if (!cordon_valid_store_name(m->base))
		return mv_error(m, pos, err, "invalid base name %s: " NAME_RULE, q);
	return 0;
}

/* osutil.IsValidSnapSystemUsername: ^(_[-a-z0-9._]+_|[a-z0-9][-a-z0-9._]*)$ */
static bool valid_system_username(const char *s)
{
	size_t n = strlen(s), from = 0, to = n;
	if (n >= 3 && s[0] == '_' && s[n - 1] == '_')
		from = 1, to = n - 1;
	else if (n == 0 || !(is_lower(s[0]) || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = from; i < to; i++)
		if (!(is_lower(s[i]) || (s[i] >= '0' && s[i] <= '9') || strchr("-._", s[i])))
			return false;
	return true;
}

static int check_misc(const cordon_manifest *m, cordon_error **err)
{
	for (size_t i = 0; i < m->n_system_users; i++) {
		const cordon_system_user *u = &m->system_users[i];
		if (valid_system_username(u->name))
			continue;
		_cleanup_free_ char *q = ydoc_quoted(u->name);
		return mv_error(m, cordon_pos_at(u->line, u->col), err,
				"invalid system username %s: expected lowercase letters, digits, "
				"\"-\", \".\" and \"_\", or a name enclosed in \"_\"",
				q);
	}
	/* common-ids must be unique */
	_cleanup_free_ name_ref *ids = xcalloc(m->n_apps ? m->n_apps : 1, sizeof *ids);
	size_t n = 0;
	for (size_t i = 0; i < m->n_apps; i++)
		if (m->apps[i].common_id)
			ids[n++] = (name_ref){m->apps[i].common_id, i};
	name_index_sort(ids, n);
	const name_ref *dup = NULL;
	for (size_t i = 1; i < n; i++)
		if (!strcmp(ids[i].name, ids[i - 1].name) && (!dup || ids[i].idx < dup->idx))
			dup = &ids[i];
	if (dup) {
		const cordon_app *a = &m->apps[dup->idx];
		const name_ref *first = name_index_find(ids, n, dup->name);
		_cleanup_free_ char *q = ydoc_quoted(a->common_id);
		_cleanup_free_ char *qa = ydoc_quoted(m->apps[first->idx].name);
		return mv_error(
		    m, a->pos[CORDON_APP_COMMON_ID], err,
		    "common-id %s is already used by app %s: expected a unique common-id", q, qa);
	}
	return 0;
}

static int check_aliases(const cordon_manifest *m, cordon_error **err)
{
	size_t total = 0;
	for (size_t i = 0; i < m->n_apps; i++)
		total += m->apps[i].aliases.n;
	_cleanup_free_ name_ref *refs = xcalloc(total ? total : 1, sizeof *refs);
	size_t n = 0;
	for (size_t i = 0; i < m->n_apps; i++) {
		const cordon_app *a = &m->apps[i];
		for (size_t j = 0; j < a->aliases.n; j++) {
			if (!mv_valid_alias(a->aliases.v[j])) {
				_cleanup_free_ char *q = ydoc_quoted(a->aliases.v[j]);
				_cleanup_free_ char *qa = ydoc_quoted(a->name);
				return mv_error(
				    m, a->aliases_pos[j], err,
				    "invalid alias %s for app %s: expected letters, digits, "
				    "\"-\", \"_\" and \".\", starting with a letter or digit",
				    q, qa);
			}
			/* idx encodes (app, item) so the error can point at the item */
			refs[n++] = (name_ref){a->aliases.v[j], i * (total + 1) + j};
		}
	}
	name_index_sort(refs, n);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(refs[i].name, refs[i - 1].name))
			continue;
		/* snapd refuses a repeat even within one app */
		const cordon_app *first = &m->apps[refs[i - 1].idx / (total + 1)];
		const cordon_app *a = &m->apps[refs[i].idx / (total + 1)];
		_cleanup_free_ char *q = ydoc_quoted(refs[i].name);
		_cleanup_free_ char *q1 = ydoc_quoted(first->name);
		return mv_error(m, a->aliases_pos[refs[i].idx % (total + 1)], err,
				"alias %s is already set for app %s: expected each alias once", q,
				q1);
	}
	return 0;
}

int cordon_manifest_validate(const cordon_manifest *m, cordon_error **err)
{
	int r = check_name(m, err);
	if (r == 0)
		r = check_version(m, err);
	if (r == 0)
		r = check_enums(m, err);
	if (r == 0 && m->license) {
		_cleanup_free_ char *why = spdx_check(m->license);
		if (why) {
			_cleanup_free_ char *q = ydoc_quoted(m->license);
			r = mv_error(m, m->key_pos[CORDON_KEY_LICENSE], err,
				     "invalid license %s: %s: expected an SPDX license expression",
				     q, why);
		}
	}
	if (r == 0)
		r = mv_validate_apps(m, err);
	if (r == 0)
		r = check_aliases(m, err);
	if (r == 0)
		r = check_hooks(m, err);
	if (r == 0)
		r = check_ports(m, err);
	if (r == 0)
		r = check_base(m, err);
	if (r == 0)
		r = check_misc(m, err);
	if (r == 0)
		r = mv_validate_layout(m, err);
	return r;
}
