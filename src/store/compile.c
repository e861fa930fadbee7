/* The policy compiler. For every app and hook of a snap's current revision:
 * the default policy plus what connected interfaces grant, with variables
 * substituted, seccomp compiled to BPF, the AppArmor profile generated; then
 * each label's compiled policy written atomically. */
#include "compile.h"
#include "apparmor.h"
#include "config.h"
#include "connections.h"
#include "definitions.h"
#include "fsutil.h"
#include "landlock_defs.h"
#include "pack.h"
#include "rules.h"
#include "seccomp_compile.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Everything one snap's compilation shares. */
typedef struct snapc {
	cordon_ctx *ctx;
	const cordon_loaded_snap *ls;
	cordon_snap_row snap; /* copies of ls's, for brevity below */
	cordon_rev_row rev;
	const cordon_manifest *m;
	cordon_def *def;        /* default policy */
	char *seccomp_template; /* text of the default seccomp template */
	const char *mount_dir, *data_dir, *common_dir;
	enum cordon_confinement confinement;
	/* BPF cache: identical rule sets compile once */
	strv bpf_keys;
	size_t n_bpf;
	struct {
		uint8_t *p;
		size_t len;
	} *bpf;
} snapc;

/* Variables of the snap being compiled, then what the connection knows
 * (attributes, the other side's snap). */
typedef struct lookup_ctx {
	const snapc *c;
	const cordon_grant_env *g;
} lookup_ctx;

static int lookup_snap_var(void *vctx, const char *name, strv *values)
{
	const lookup_ctx *l = vctx;
	const snapc *c = l->c;
	const cordon_grant_env *g = l->g;
	const char *v = NULL;
	if (strcmp(name, "SNAP") == 0)
		v = c->mount_dir;
	else if (strcmp(name, "SNAP_DATA") == 0)
		v = c->data_dir;
	else if (strcmp(name, "SNAP_COMMON") == 0)
		v = c->common_dir;
	else if (strcmp(name, "SNAP_NAME") == 0)
		v = c->snap.snap_name;
	else if (strcmp(name, "SNAP_INSTANCE_NAME") == 0)
		v = c->snap.name;
	else if (strcmp(name, "SNAP_REVISION") == 0)
		v = c->snap.current;
	if (v != NULL) {
		strv_push(values, v);
		return 0;
	}
	if (g && g->lookup_other)
		return g->lookup_other(g->other_ctx, name, values);
	return -ENOENT;
}

static int apply_grant(snapc *c, cordon_policy *p, const cordon_grant *g,
		       const cordon_grant_env *genv, const char *origin, strv *seccomp_names,
		       strv *seccomp_texts, buf *apparmor, cordon_error **err)
{
	lookup_ctx local = {.c = c, .g = genv};
	for (size_t i = 0; i < g->files.n; i++) {
		_cleanup_strv_ strv lines = {0};
		int r = cordon_rule_subst(g->files.v[i], lookup_snap_var, &local, &lines, err);
		for (size_t j = 0; r == 0 && j < lines.n; j++) {
			_cleanup_free_ char *path = NULL;
			uint64_t access;
			uint32_t flags;
			r = cordon_rule_parse_file(lines.v[j], &path, &access, &flags, err);
			if (strstr(g->files.v[i], "${plug:") || strstr(g->files.v[i], "${slot:"))
				flags |= CORDON_FS_NOFOLLOW;
			if (r == 0)
				cordon_policy_add_fs(p, path, access, flags);
		}
		if (r < 0)
			return cordon_err_prefix(err, "%s", origin);
	}
	for (size_t i = 0; i < g->devices.n; i++) {
		_cleanup_strv_ strv lines = {0};
		int r = cordon_rule_subst(g->devices.v[i], lookup_snap_var, &local, &lines, err);
		for (size_t j = 0; r == 0 && j < lines.n; j++) {
			cordon_dev_rule d;
			if (lines.v[j][0] == '$')
				r = cordon_err_msg(err, EINVAL, "device rule \"%s\": unknown variable",
						   lines.v[j]);
			else
				r = cordon_rule_parse_device(lines.v[j], &d, err);
			if (r == 0) {
				cordon_policy_add_dev(p, d.type, d.major, d.minor, d.path);
				free(d.path);
			}
		}
		if (r < 0)
			return cordon_err_prefix(err, "%s", origin);
	}
	for (size_t i = 0; i < g->network.n; i++) {
		uint64_t allowed = 0;
		int r = cordon_rule_parse_network(g->network.v[i], &allowed, err);
		if (r < 0)
			return cordon_err_prefix(err, "%s", origin);
		p->net_handled &= ~allowed;
	}
	for (size_t i = 0; i < g->capabilities.n; i++) {
		int cap;
		int r = cordon_rule_parse_capability(g->capabilities.v[i], &cap, err);
		if (r < 0)
			return cordon_err_prefix(err, "%s", origin);
		p->caps_keep |= 1ULL << cap;
	}
	if (g->host_ipc)
		p->flags |= CORDON_POLICY_HOST_IPC;
	if (g->seccomp) {
		strv_push(seccomp_names, origin);
		strv_push(seccomp_texts, g->seccomp);
	}
	if (g->apparmor) {
		buf_printf(apparmor, "\n  # %s\n", origin);
		const char *s = g->apparmor;
		while (*s) {
			const char *nl = strchrnul(s, '\n');
			buf_printf(apparmor, "  %.*s\n", (int)(nl - s), s);
			s = *nl ? nl + 1 : nl;
		}
	}
	return 0;
}

static int compile_seccomp(snapc *c, cordon_policy *p, const strv *names, const strv *texts,
			   cordon_error **err)
{
	_cleanup_buf_ buf key = {0};
	buf_printf(&key, "%d\n", (int)c->confinement);
	for (size_t i = 0; i < texts->n; i++)
		buf_printf(&key, "%s\n%s\n", names->v[i], texts->v[i]);
	for (size_t i = 0; i < c->bpf_keys.n; i++)
		if (strcmp(c->bpf_keys.v[i], key.p) == 0) {
			p->seccomp = xmalloc(c->bpf[i].len);
			memcpy(p->seccomp, c->bpf[i].p, c->bpf[i].len);
			p->seccomp_len = c->bpf[i].len;
			return 0;
		}
	cordon_seccomp_source *src = xcalloc(texts->n, sizeof *src);
	for (size_t i = 0; i < texts->n; i++)
		src[i] = (cordon_seccomp_source){.name = names->v[i], .text = texts->v[i]};
	int r = cordon_seccomp_compile(src, texts->n, c->confinement, &p->seccomp,
				       &p->seccomp_len, err);
	free(src);
	if (r < 0)
		return r;
	c->bpf = xreallocarray(c->bpf, c->n_bpf + 1, sizeof *c->bpf);
	c->bpf[c->n_bpf].p = xmalloc(p->seccomp_len);
	memcpy(c->bpf[c->n_bpf].p, p->seccomp, p->seccomp_len);
	c->bpf[c->n_bpf].len = p->seccomp_len;
	c->n_bpf++;
	strv_push(&c->bpf_keys, key.p);
	return 0;
}

static void split_command(const char *cmd, strv *out)
{
	/* snapd splits with shlex; the command character set has no quotes
	 * or escapes, so splitting on blanks is the same thing. */
	const char *p = cmd;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " \t");
		strv_push_own(out, xstrndup(p, n));
		p += n;
	}
}

static void add_env_map(cordon_policy *p, const cordon_env_map *e)
{
	for (size_t i = 0; i < e->n; i++)
		cordon_policy_add_env(p, true, e->v[i].name, e->v[i].value);
}

/* One label: an app (app != NULL) or a hook. */
static int compile_label(snapc *c, const cordon_app *app, const cordon_hook *hook,
			 const strv *snap_mounts, const char *ns_stamp, cordon_policy *p,
			 char **apparmor_text, cordon_error **err)
{
	const cordon_snap_row *s = &c->snap;
	_cleanup_free_ char *hookapp = hook ? xasprintf("hook.%s", hook->name) : NULL;
	p->label = app ? cordon_label_app(s->name, app->name) : cordon_label_hook(s->name, hook->name);
	p->snap_name = xstrdup(s->snap_name);
	p->instance_name = xstrdup(s->name);
	p->instance_key = xstrdup(s->instance_key);
	p->app = xstrdup(app ? app->name : hookapp);
	p->revision = xstrdup(s->current);
	p->version = xstrdup(c->rev.version);
	p->confinement = c->confinement;
	p->source_kind = (uint32_t)c->rev.source_kind;
	p->source_path = xstrdup(c->rev.source_path);
	p->mount_dir = xstrdup(c->mount_dir);
	p->ns_stamp = xstrdup(ns_stamp);
	if (c->confinement != CORDON_CLASSIC)
		p->apparmor_profile = xstrdup(p->label);

	/* step 1: the static part of the environment */
	const struct {
		const char *name, *value;
	} env[] = {
		{"SNAP", c->mount_dir},
		{"SNAP_ARCH", cordon_host_arch()},
		{"SNAP_COMMON", c->common_dir},
		{"SNAP_DATA", c->data_dir},
		{"SNAP_INSTANCE_KEY", s->instance_key},
		{"SNAP_INSTANCE_NAME", s->name},
		{"SNAP_LIBRARY_PATH", "/var/lib/snapd/lib/gl:/var/lib/snapd/lib/gl32:/var/lib/snapd/void"},
		{"SNAP_NAME", s->snap_name},
		{"SNAP_REVISION", s->current},
		{"SNAP_VERSION", c->rev.version},
	};
	for (size_t i = 0; i < ARRAY_SIZE(env); i++)
		cordon_policy_add_env(p, false, env[i].name, env[i].value);
	add_env_map(p, &c->m->environment);
	add_env_map(p, app ? &app->environment : &hook->environment);

	const strv *chain = app ? &app->command_chain : &hook->command_chain;
	for (size_t i = 0; i < chain->n; i++)
		strv_push(&p->chain, chain->v[i]);
	if (app)
		split_command(app->command, &p->command);
	else
		strv_push_own(&p->command, xasprintf("meta/hooks/%s", hook->name));

	for (size_t i = 0; i < snap_mounts->n; i += 3)
		cordon_policy_add_mount(p, snap_mounts->v[i + 1], snap_mounts->v[i + 2],
					strcmp(snap_mounts->v[i], "ro") == 0 ? CORDON_MOUNT_RO : 0);

	if (c->confinement == CORDON_CLASSIC) {
		*apparmor_text = NULL;
		return 0;
	}
	/* steps 2, 6, 7: default policy, then each connected interface */
	p->net_handled = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
	p->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	_cleanup_strv_ strv sc_names = {0}, sc_texts = {0};
	_cleanup_buf_ buf snippets = {0};
	buf_adds(&snippets, "");
	strv_push(&sc_names, "default.txt");
	strv_push(&sc_texts, c->seccomp_template);
	cordon_grant_env none = {0};
	int r = apply_grant(c, p, &c->def->plug, &none, "default policy", &sc_names, &sc_texts,
			    &snippets, err);
	if (r < 0)
		return r;
	cordon_grant_use *uses = NULL;
	size_t n_uses = 0;
	r = cordon_connections_grants(c->ctx, s->name, app ? app->name : NULL,
				      hook ? hook->name : NULL, &uses, &n_uses, err);
	for (size_t i = 0; r == 0 && i < n_uses; i++)
		r = apply_grant(c, p, uses[i].grant, &uses[i].env, uses[i].origin, &sc_names,
				&sc_texts, &snippets, err);
	cordon_grant_uses_free(uses, n_uses);
	if (r < 0)
		return r;
	r = compile_seccomp(c, p, &sc_names, &sc_texts, err);
	if (r < 0)
		return cordon_err_prefix(err, "seccomp policy of %s", p->label);
	*apparmor_text = cordon_apparmor_profile(p, snippets.p);
	return 0;
}

static int load_defaults(snapc *c, cordon_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/policy/default.yaml", c->ctx->datadir);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = fs_read_path(path, 1 << 20, &text, &len, err);
	if (r < 0)
		return cordon_err_prefix(err, "default policy");
	r = cordon_def_load(text, len, path, true, &c->def, err);
	if (r < 0)
		return r;
	if (c->def->seccomp_file == NULL)
		return cordon_err_msg(err, EINVAL, "%s: missing seccomp-file", path);
	_cleanup_free_ char *sc = xasprintf("%s/seccomp/%s", c->ctx->datadir, c->def->seccomp_file);
	r = fs_read_path(sc, 1 << 20, &c->seccomp_template, &len, err);
	if (r < 0)
		return cordon_err_prefix(err, "seccomp template");
	return 0;
}

static void snapc_free(snapc *c)
{
	cordon_def_free(c->def);
	free(c->seccomp_template);
	for (size_t i = 0; i < c->n_bpf; i++)
		free(c->bpf[i].p);
	free(c->bpf);
	strv_free(&c->bpf_keys);
}

/* Load an AppArmor profile where the kernel has AppArmor. */
static int apparmor_load(const char *path, cordon_error **err)
{
	int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char c = 'N';
	if (read(fd, &c, 1) != 1)
		c = 'N';
	close(fd);
	if (c != 'Y')
		return 0;
	const char *argv[] = {"apparmor_parser", "--replace", "--quiet", path, NULL};
	pid_t pid;
	int r = posix_spawnp(&pid, "apparmor_parser", NULL, NULL, (char **)argv, environ);
	if (r != 0)
		return cordon_err(err, r, "run apparmor_parser");
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cordon_err(err, errno, "wait for apparmor_parser");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cordon_err_msg(err, EINVAL, "apparmor_parser refused %s", path);
	return 0;
}

static int write_label(cordon_ctx *ctx, const cordon_policy *p, const char *apparmor,
		       cordon_error **err)
{
	_cleanup_buf_ buf out = {0};
	cordon_policy_encode(p, &out);
	_cleanup_close_ int dir = fs_open_dir(ctx->paths.policy_dir, O_RDONLY, err);
	if (dir < 0)
		return dir;
	int r = fs_write_atomic_at(dir, p->label, out.p, out.len, 0644, err);
	if (r < 0)
		return r;
	_cleanup_close_ int adir = fs_open_dir(ctx->paths.apparmor_dir, O_RDONLY, err);
	if (adir < 0)
		return adir;
	if (apparmor == NULL) {
		if (unlinkat(adir, p->label, 0) < 0 && errno != ENOENT)
			return cordon_err(err, errno, "remove AppArmor profile %s", p->label);
		return 0;
	}
	r = fs_write_atomic_at(adir, p->label, apparmor, strlen(apparmor), 0644, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = xasprintf("%s/%s", ctx->paths.apparmor_dir, p->label);
	return apparmor_load(path, err);
}

/* Remove files of the snap's labels not in `keep` (NULL: all of them). */
static int remove_labels(cordon_ctx *ctx, const char *instance, const strv *keep,
			 cordon_error **err)
{
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", instance);
	const char *dirs[] = {ctx->paths.policy_dir, ctx->paths.apparmor_dir};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_close_ int dfd = fs_open_dir(dirs[i], O_RDONLY, NULL);
		if (dfd < 0)
			continue;
		int lfd = dup(dfd);
		DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
		if (d == NULL) {
			if (lfd >= 0)
				close(lfd);
			return cordon_err(err, errno, "list %s", dirs[i]);
		}
		_cleanup_strv_ strv gone = {0};
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (str_has_prefix(de->d_name, prefix) &&
			    (keep == NULL || !strv_contains(keep, de->d_name)))
				strv_push(&gone, de->d_name);
		closedir(d);
		for (size_t j = 0; j < gone.n; j++)
			if (unlinkat(dfd, gone.v[j], 0) < 0 && errno != ENOENT)
				return cordon_err(err, errno, "remove %s/%s", dirs[i], gone.v[j]);
	}
	return 0;
}

char *cordon_ns_stamp(const char *revision, const strv *mounts)
{
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, revision);
	for (size_t i = 0; i < mounts->n; i++)
		buf_printf(&b, "|%s", mounts->v[i]);
	return xasprintf("%s-%016llx", revision, (unsigned long long)hash64(b.p, b.len, 0));
}

int cordon_compile_labels(cordon_ctx *ctx, const char *instance, const strv *apps,
			  const strv *hooks, cordon_error **err)
{
	snapc c = {.ctx = ctx};
	int r = cordon_ctx_snap(ctx, instance, &c.ls, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", instance);
	if (r == 0)
		r = load_defaults(&c, err);
	if (r < 0) {
		snapc_free(&c);
		return r;
	}
	c.snap = c.ls->row;
	c.rev = c.ls->rev;
	c.m = c.ls->m;
	c.confinement = strcmp(c.snap.confinement, "classic") == 0   ? CORDON_CLASSIC
			: strcmp(c.snap.confinement, "devmode") == 0 ? CORDON_DEVMODE
								     : CORDON_STRICT;
	c.mount_dir = c.ls->mount_dir;
	c.data_dir = c.ls->data_dir;
	c.common_dir = c.ls->common_dir;

	/* the snap's mount namespace holds the content mounts of all its
	 * apps; its stamp changes with the revision and those mounts */
	_cleanup_strv_ strv mounts = {0};
	r = cordon_connections_mounts(ctx, instance, &mounts, err);
	_cleanup_free_ char *ns_stamp = cordon_ns_stamp(c.snap.current, &mounts);

	bool all = apps == NULL && hooks == NULL;
	_cleanup_strv_ strv labels = {0};
	size_t total = c.m->n_apps + c.m->n_hooks;
	for (size_t i = 0; r == 0 && i < total; i++) {
		const cordon_app *app = i < c.m->n_apps ? &c.m->apps[i] : NULL;
		const cordon_hook *hook = app ? NULL : &c.m->hooks[i - c.m->n_apps];
		if (!all && !(app ? apps && strv_contains(apps, app->name)
				  : hooks && strv_contains(hooks, hook->name)))
			continue;
		_cleanup_policy_ cordon_policy p = {0};
		_cleanup_free_ char *aa = NULL;
		r = compile_label(&c, app, hook, &mounts, ns_stamp, &p, &aa, err);
		if (r == 0)
			r = write_label(ctx, &p, aa, err);
		if (r == 0)
			strv_push(&labels, p.label);
	}
	if (r == 0 && all)
		r = remove_labels(ctx, instance, &labels, err);
	snapc_free(&c);
	return r;
}

int cordon_compile_snap(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	return cordon_compile_labels(ctx, instance, NULL, NULL, err);
}

int cordon_compile_remove_snap(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	return remove_labels(ctx, instance, NULL, err);
}
