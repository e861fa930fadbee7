/* Seeds for the fuzzers that are not plain files of the tree (run.sh makes
 * the rest). Generated at each run from the tree, so no binary blob is
 * committed and the seeds follow the formats as they change.
 *
 *   fuzz_seed seccomp OUTDIR FILE...
 *       FILE.txt: a rule source, written whole and in chunks of CHUNK_LINES
 *       lines (small enough for fuzz_seccomp to compile, see MAX_COMPILE);
 *       FILE.yaml: an interface definition, or the default policy
 *       (default.yaml): the seccomp text of each side.
 *   fuzz_seed policy OUTDIR DATADIR SNAP_YAML...
 *       one encoded compiled policy per app and hook of each snap.yaml that
 *       validates, built the way compile.c builds it (static environment,
 *       the snap's environment, command chain and command, the default
 *       policy's file and device rules, the BPF of DATADIR/seccomp/
 *       default.txt for the snap's confinement), plus a content mount and,
 *       for every other snap, the network interface's seccomp rules so the
 *       seeds carry different filters. Classic snaps have no filter.
 *   fuzz_seed snapctl OUTDIR
 *       snapctl requests of the command lines snaps send, and an answer.
 *
 * Deterministic: the same tree gives the same files. Exit 0, or 1 with a
 * message. */
#include "compile.h"
#include "definitions.h"
#include "fsutil.h"
#include "landlock_defs.h"
#include "manifest.h"
#include "pack.h"
#include "paths.h"
#include "policy.h"
#include "rules.h"
#include "seccomp_compile.h"
#include "snapctl_wire.h"
#include "util.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

#define CHUNK_LINES 24

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
	_cleanup_error_ cordon_error *err = NULL;
	if (fs_read_path(path, 1 << 20, text, len, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return -1;
	}
	return 0;
}

static int load_def(const char *path, cordon_def **d)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_file(path, &text, &len) < 0)
		return -1;
	_cleanup_free_ char *copy = xstrdup(path);
	bool is_default = strcmp(basename(copy), "default.yaml") == 0;
	_cleanup_error_ cordon_error *err = NULL;
	if (cordon_def_load(text, len, path, is_default, d, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return -1;
	}
	return 0;
}

static int seed_seccomp(const char *out, char **files, int n)
{
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *copy = xstrdup(files[i]);
		const char *base = basename(copy);
		if (str_has_suffix(base, ".txt")) {
			_cleanup_free_ char *text = NULL;
			size_t len;
			if (read_file(files[i], &text, &len) < 0 ||
			    write_file(out, base, text, len) < 0)
				return -1;
			/* chunks of whole lines */
			const char *p = text;
			for (unsigned k = 0; *p; k++) {
				const char *e = p;
				for (int l = 0; l < CHUNK_LINES && *e; l++)
					e += strcspn(e, "\n") + (e[strcspn(e, "\n")] ? 1 : 0);
				_cleanup_free_ char *name = xasprintf("%s.%u", base, k);
				if (write_file(out, name, p, (size_t)(e - p)) < 0)
					return -1;
				p = e;
			}
			continue;
		}
		cordon_def *d = NULL;
		if (load_def(files[i], &d) < 0)
			return -1;
		const struct {
			const char *side, *text;
		} sides[] = {{"plug", d->plug.seccomp}, {"slot", d->slot.seccomp}};
		int r = 0;
		for (size_t s = 0; r == 0 && s < ARRAY_SIZE(sides); s++) {
			if (sides[s].text == NULL)
				continue;
			_cleanup_free_ char *name = xasprintf("%s-%s.txt", d->name, sides[s].side);
			r = write_file(out, name, sides[s].text, strlen(sides[s].text));
		}
		cordon_def_free(d);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The snap being turned into policies: what compile.c's lookup knows. */
typedef struct snapinfo {
	const char *name, *mount_dir, *data_dir, *common_dir;
} snapinfo;

static int lookup(void *ctx, const char *name, strv *values)
{
	const snapinfo *s = ctx;
	const char *v = NULL;
	if (strcmp(name, "SNAP") == 0)
		v = s->mount_dir;
	else if (strcmp(name, "SNAP_DATA") == 0)
		v = s->data_dir;
	else if (strcmp(name, "SNAP_COMMON") == 0)
		v = s->common_dir;
	else if (strcmp(name, "SNAP_NAME") == 0 || strcmp(name, "SNAP_INSTANCE_NAME") == 0)
		v = s->name;
	else if (strcmp(name, "SNAP_REVISION") == 0)
		v = "x1";
	else if (strcmp(name, "CORDON_ROOT") == 0)
		v = ""; /* the real system's */
	if (v == NULL)
		return -ENOENT;
	strv_push(values, v);
	return 0;
}

static int add_grant(cordon_policy *p, const cordon_grant *g, const snapinfo *s)
{
	_cleanup_error_ cordon_error *err = NULL;
	for (size_t i = 0; i < g->files.n; i++) {
		_cleanup_strv_ strv lines = {0};
		if (cordon_rule_subst(g->files.v[i], lookup, (void *)s, &lines, &err) < 0)
			goto fail;
		for (size_t j = 0; j < lines.n; j++) {
			_cleanup_free_ char *path = NULL;
			uint64_t access;
			uint32_t flags;
			if (cordon_rule_parse_file(lines.v[j], &path, &access, &flags, &err) < 0)
				goto fail;
			cordon_policy_add_fs(p, path, access, flags);
		}
	}
	for (size_t i = 0; i < g->devices.n; i++) {
		cordon_dev_rule d;
		if (cordon_rule_parse_device(g->devices.v[i], &d, &err) < 0)
			goto fail;
		cordon_policy_add_dev(p, d.type, d.major, d.minor, d.path);
		free(d.path);
	}
	return 0;
fail:
	fprintf(stderr, "default policy: %s\n", err->msg);
	return -1;
}

typedef struct policy_seeds {
	const char *out;
	const cordon_def *def;
	const char *template, *network; /* seccomp rule texts */
	unsigned count;
} policy_seeds;

static int write_label(policy_seeds *ps, const cordon_manifest *m, const cordon_app *app,
		       const cordon_hook *hook)
{
	_cleanup_policy_ cordon_policy p = {0};
	snapinfo s = {.name = m->name};
	_cleanup_free_ char *mount_dir = xasprintf("/snap/%s/x1", m->name);
	_cleanup_free_ char *data_dir = xasprintf("/var/snap/%s/x1", m->name);
	_cleanup_free_ char *common_dir = xasprintf("/var/snap/%s/common", m->name);
	s.mount_dir = mount_dir;
	s.data_dir = data_dir;
	s.common_dir = common_dir;

	p.label =
	    app ? cordon_label_app(m->name, app->name) : cordon_label_hook(m->name, hook->name);
	p.snap_name = xstrdup(m->name);
	p.instance_name = xstrdup(m->name);
	p.instance_key = xstrdup("");
	p.app = app ? xstrdup(app->name) : xasprintf("hook.%s", hook->name);
	p.revision = xstrdup("x1");
	p.version = xstrdup(m->version ? m->version : "");
	const char *conf = m->confinement ? m->confinement : "strict";
	p.confinement = strcmp(conf, "classic") == 0   ? CORDON_CLASSIC
			: strcmp(conf, "devmode") == 0 ? CORDON_DEVMODE
						       : CORDON_STRICT;
	p.source_kind = CORDON_SOURCE_SQUASHFS;
	p.source_path = xasprintf("/var/lib/cordon/snaps/%s_x1.snap", m->name);
	p.mount_dir = xstrdup(mount_dir);

	const char *env[][2] = {
	    {"SNAP", mount_dir},	 {"SNAP_ARCH", cordon_host_arch()},
	    {"SNAP_COMMON", common_dir}, {"SNAP_DATA", data_dir},
	    {"SNAP_INSTANCE_KEY", ""},	 {"SNAP_INSTANCE_NAME", m->name},
	    {"SNAP_NAME", m->name},	 {"SNAP_REVISION", "x1"},
	    {"SNAP_VERSION", p.version},
	};
	for (size_t i = 0; i < ARRAY_SIZE(env); i++)
		cordon_policy_add_env(&p, false, env[i][0], env[i][1]);
	const cordon_env_map *maps[] = {&m->environment,
					app ? &app->environment : &hook->environment};
	for (size_t k = 0; k < ARRAY_SIZE(maps); k++)
		for (size_t i = 0; i < maps[k]->n; i++)
			cordon_policy_add_env(&p, true, maps[k]->v[i].name, maps[k]->v[i].value);
	const strv *chain = app ? &app->command_chain : &hook->command_chain;
	for (size_t i = 0; i < chain->n; i++)
		strv_push(&p.chain, chain->v[i]);
	if (app) {
		for (const char *c = app->command; *c;) {
			c += strspn(c, " \t");
			size_t n = strcspn(c, " \t");
			if (n)
				strv_push_own(&p.command, xstrndup(c, n));
			c += n;
		}
	} else {
		strv_push_own(&p.command, xasprintf("meta/hooks/%s", hook->name));
	}
	_cleanup_strv_ strv mounts = {0};
	strv_push(&mounts, "ro");
	strv_push_own(&mounts, xasprintf("/snap/other/x1/share"));
	strv_push_own(&mounts, xasprintf("%s/share", data_dir));
	p.ns_stamp = cordon_ns_stamp("x1", NULL, &mounts);
	cordon_policy_add_mount(&p, mounts.v[1], mounts.v[2], CORDON_MOUNT_RO);

	if (p.confinement != CORDON_CLASSIC) {
		/* on a base, with a layout of each kind */
		p.base_name = xstrdup("core22");
		p.base_dir = xstrdup("/snap/core22/x1");
		p.base_source_kind = CORDON_SOURCE_SQUASHFS;
		p.base_source_path = xstrdup("/var/lib/cordon/snaps/core22_x1.snap");
		cordon_policy_add_layout(&p, CORDON_LAYOUT_SYMLINK, "/etc/demo.cfg", "demo.conf",
					 0);
		cordon_policy_add_layout(&p, CORDON_LAYOUT_BIND_FILE, "/etc/demo.conf",
					 "/var/snap/demo/common/demo.conf", 0);
		cordon_policy_add_layout(&p, CORDON_LAYOUT_TMPFS, "/opt/demo", NULL, 0755);
		cordon_policy_add_layout(&p, CORDON_LAYOUT_BIND, "/usr/share/demo",
					 "/snap/demo/x1/share", 0);
		p.apparmor_profile = xstrdup(p.label);
		p.net_handled = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
		p.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
		if (add_grant(&p, &ps->def->plug, &s) < 0)
			return -1;
		/* every other label: as if the network interface were connected */
		bool network = ps->count % 2 == 1;
		cordon_seccomp_source src[] = {{"default.txt", ps->template},
					       {"interface network", ps->network}};
		_cleanup_error_ cordon_error *err = NULL;
		if (cordon_seccomp_compile(src, network ? 2 : 1, p.confinement, &p.seccomp,
					   &p.seccomp_len, &err) < 0) {
			fprintf(stderr, "%s\n", err->msg);
			return -1;
		}
		if (network)
			p.net_handled &= ~(uint64_t)LANDLOCK_ACCESS_NET_CONNECT_TCP;
	}

	_cleanup_buf_ buf enc = {0};
	cordon_policy_encode(&p, &enc);
	/* a seed the launcher would refuse teaches the fuzzer little */
	_cleanup_policy_ cordon_policy back = {0};
	_cleanup_error_ cordon_error *err = NULL;
	if (cordon_policy_decode(enc.p, enc.len, &back, &err) < 0) {
		fprintf(stderr, "%s: %s\n", p.label, err->msg);
		return -1;
	}
	_cleanup_free_ char *name = xasprintf("%s.policy", p.label);
	ps->count++;
	return write_file(ps->out, name, enc.p, enc.len);
}

static int seed_policy(const char *out, const char *datadir, char **files, int n)
{
	_cleanup_free_ char *def_path = xasprintf("%s/policy/default.yaml", datadir);
	_cleanup_free_ char *tpl_path = xasprintf("%s/seccomp/default.txt", datadir);
	_cleanup_free_ char *net_path = xasprintf("%s/interfaces/network.yaml", datadir);
	_cleanup_free_ char *tpl = NULL;
	size_t len;
	cordon_def *def = NULL, *net = NULL;
	int r = -1;
	if (read_file(tpl_path, &tpl, &len) < 0 || load_def(def_path, &def) < 0 ||
	    load_def(net_path, &net) < 0)
		goto out;
	policy_seeds ps = {.out = out, .def = def, .template = tpl, .network = net->plug.seccomp};
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *text = NULL;
		_cleanup_manifest_ cordon_manifest *m = NULL;
		_cleanup_error_ cordon_error *err = NULL;
		if (read_file(files[i], &text, &len) < 0)
			goto out;
		/* the corpus holds snaps that are invalid on purpose: skipped */
		if (cordon_manifest_parse(text, len, files[i], &m, &err) < 0 ||
		    cordon_manifest_validate(m, &err) < 0)
			continue;
		for (size_t a = 0; a < m->n_apps; a++)
			if (write_label(&ps, m, &m->apps[a], NULL) < 0)
				goto out;
		for (size_t h = 0; h < m->n_hooks; h++)
			if (write_label(&ps, m, NULL, &m->hooks[h]) < 0)
				goto out;
	}
	r = 0;
out:
	cordon_def_free(def);
	cordon_def_free(net);
	return r;
}

/* snapctl requests (payloads, without their length) of the command lines
 * snaps send, and an answer. */
static int seed_snapctl(const char *out)
{
	static const char cookie[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static const char *const lines[][5] = {
	    {"is-connected", "net", NULL},
	    {"is-connected", "--list", NULL},
	    {"services", NULL},
	    {"services", "snapa.svc", "--global", NULL},
	    {"start", "--enable", "snapa.svc", NULL},
	    {"restart", "--reload", "snapa", NULL},
	    {"get", "-d", "a.b", NULL},
	    {"set", "a.b=1", "c!", NULL},
	    {"--help", NULL},
	    {NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		size_t n = 0;
		while (n < 5 && lines[i][n])
			n++;
		_cleanup_buf_ buf f = {0};
		if (cordon_snapctl_request_encode(i == 3 ? "" : cookie, n, lines[i], &f) < 0)
			return -1;
		_cleanup_free_ char *name = xasprintf("request-%zu", i);
		if (write_file(out, name, f.p + 4, f.len - 4) < 0)
			return -1;
	}
	_cleanup_buf_ buf f = {0};
	const char *table = "Service    Startup  Current  Notes\nsnapa.svc  enabled  -        -\n";
	cordon_snapctl_response_encode(1, table, strlen(table), "error: x\n", 9, &f);
	return write_file(out, "response", f.p + 4, f.len - 4);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "snapctl") == 0)
		return seed_snapctl(argv[2]) < 0;
	if (argc >= 3 && strcmp(argv[1], "seccomp") == 0)
		return seed_seccomp(argv[2], argv + 3, argc - 3) < 0;
	if (argc >= 4 && strcmp(argv[1], "policy") == 0)
		return seed_policy(argv[2], argv[3], argv + 4, argc - 4) < 0;
	fprintf(stderr,
		"usage: %s seccomp OUTDIR FILE... | policy OUTDIR DATADIR SNAP_YAML... | snapctl "
		"OUTDIR\n",
		argv[0]);
	return 2;
}
