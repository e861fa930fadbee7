/* Manual aliases (aliases.h). */
#include "aliases.h"

#include <errno.h>
#include <string.h>

bool cordon_alias_name_valid(const char *alias)
{
	const char *c = alias;
	if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
		return false;
	for (; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			return false;
	/* the launcher reads no longer name (base/invocation.h) */
	return c - alias <= 255;
}

char *cordon_alias_join(const char *instance, const char *app)
{
	return strcmp(instance, app) == 0 ? xstrdup(instance) : xasprintf("%s.%s", instance, app);
}

/* The /snap/bin entry an alias to the app points at (snapbin.h's names:
 * the app named after the snap has the instance's name). */
static char *entry_of(const char *instance, const cordon_manifest *m, const char *app)
{
	if (m->name && strcmp(app, m->name) == 0)
		return xstrdup(instance);
	return xasprintf("%s.%s", instance, app);
}

/* An app an alias may name: one of m's, and no daemon. */
static bool servable(const cordon_manifest *m, const char *app)
{
	const cordon_app *a = m ? cordon_manifest_app(m, app) : NULL;
	return a && a->daemon == NULL;
}

int cordon_aliases_entries(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
			   strv *names, strv *targets, cordon_error **err)
{
	cordon_alias_row *rows = NULL;
	size_t n = 0;
	int r = cordon_state_list_aliases(ctx->state, instance, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!servable(m, rows[i].app))
			continue;
		strv_push(names, rows[i].alias);
		strv_push_own(targets, entry_of(instance, m, rows[i].app));
	}
	cordon_alias_rows_free(rows, n);
	return r;
}

int cordon_aliases_adopt(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
			 cordon_error **err)
{
	cordon_alias_row *rows = NULL;
	size_t n = 0;
	int r = cordon_state_list_aliases(ctx->state, instance, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!servable(m, rows[i].app))
			r = cordon_state_delete_alias(ctx->state, rows[i].alias, err);
	cordon_alias_rows_free(rows, n);
	return r;
}

int cordon_aliases_check_install(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	cordon_alias_row *rows = NULL;
	size_t n = 0;
	int r = cordon_state_list_aliases(ctx->state, NULL, &rows, &n, err);
	size_t len = strlen(instance);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *a = rows[i].alias;
		if (strcmp(rows[i].snap, instance) == 0)
			continue;
		if (strncmp(a, instance, len) == 0 && (a[len] == '\0' || a[len] == '.'))
			r = cordon_err_msg(err, EEXIST,
					   "snap \"%s\" command namespace conflicts with alias "
					   "\"%s\" for \"%s\" snap",
					   instance, a, rows[i].snap);
	}
	cordon_alias_rows_free(rows, n);
	return r;
}
