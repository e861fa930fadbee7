/* The content mounts of a snap's namespace and the namespace's stamp. */
#include "compile.h"
#include "rules.h"
#include "vars.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A mount line's variables: the plug snap's own, then the connection's. */
static int mount_lookup(void *vctx, const char *name, strv *values)
{
	const cordon_conn_ends *c = vctx;
	const char *v = cordon_snap_var(c->plug_snap, name);
	if (v != NULL) {
		strv_push(values, v);
		return 0;
	}
	return cordon_conn_lookup(vctx, name, values);
}

static void add_mount(cordon_content_mount **out, size_t *n, bool rw, const char *source,
		      char *target, const cordon_loaded_snap *source_snap)
{
	*out = xreallocarray(*out, *n + 1, sizeof **out);
	(*out)[(*n)++] = (cordon_content_mount){
	    .rw = rw, .source = xstrdup(source), .target = target, .source_snap = source_snap};
}

int cordon_compile_mounts(const cordon_compile_input *in, cordon_content_mount **out, size_t *n,
			  cordon_error **err)
{
	*out = NULL;
	*n = 0;
	int r = 0;
	_cleanup_strv_ strv wanted = {0}; /* mount points before unclashing */
	for (size_t i = 0; r == 0 && i < in->n_plugs; i++) {
		const cordon_conn_ends *c = &in->plugs[i];
		const cordon_grant *g = &c->def->plug;
		for (size_t j = 0; r == 0 && j < g->mounts.n; j++) {
			_cleanup_strv_ strv lines = {0};
			r = cordon_rule_subst(g->mounts.v[j], mount_lookup, (void *)c, &lines, err);
			for (size_t k = 0; r == 0 && k < lines.n; k++) {
				char mode[8];
				_cleanup_free_ char *src = NULL, *dst = NULL;
				if (sscanf(lines.v[k], "%7s %ms %ms", mode, &src, &dst) != 3 ||
				    (strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)) {
					r = cordon_err_msg(err, EINVAL, "%s: bad mount \"%s\"",
							   c->def->source, lines.v[k]);
					break;
				}
				/* several sources (a list attribute): each under
				 * the target, by its own name */
				char *target = lines.n > 1
						   ? xasprintf("%s/%s", dst, strrchr(src, '/') + 1)
						   : xstrdup(dst);
				/* Two entries on one mount point (a content slot
				 * with both `read` and `write`, or two slots for
				 * one target): the second would hide the first.
				 * snapd renames the later ones TARGET-2,
				 * TARGET-3... (interfaces/mount/spec.go,
				 * unclashMountEntries); so does cordon. */
				size_t seen = 0;
				for (size_t w = 0; w < wanted.n; w++)
					seen += strcmp(wanted.v[w], target) == 0;
				strv_push(&wanted, target);
				if (seen > 0) {
					char *renamed = xasprintf("%s-%zu", target, seen + 1);
					free(target);
					target = renamed;
				}
				add_mount(out, n, strcmp(mode, "rw") == 0, src, target,
					  c->slot_snap);
			}
		}
	}
	if (r < 0) {
		cordon_content_mounts_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

void cordon_content_mounts_free(cordon_content_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].source);
		free(m[i].target);
	}
	free(m);
}

void cordon_content_mounts_triples(const cordon_content_mount *m, size_t n, strv *out)
{
	for (size_t i = 0; i < n; i++) {
		strv_push(out, m[i].rw ? "rw" : "ro");
		strv_push(out, m[i].source);
		strv_push(out, m[i].target);
	}
}

char *cordon_ns_stamp(const char *revision, const char *root_id, const strv *mounts)
{
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, revision);
	for (size_t i = 0; i < mounts->n; i++)
		buf_printf(&b, "|%s", mounts->v[i]);
	unsigned long long h = (unsigned long long)hash64(b.p, b.len, 0);
	/* the root written out: a namespace on another root cannot be
	 * brought up to date in place (nssync.h, cordon_ns_stamp_same_root) */
	if (root_id)
		return xasprintf("%s-%016llx root=%s", revision, h, root_id);
	return xasprintf("%s-%016llx", revision, h);
}
