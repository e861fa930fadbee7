/* The interface catalogue, checked as the compiler will use it.
 *
 *   check_defs [DATADIR]        (default: $CORDON_SRCDIR/data)
 *
 * For every definition in DATADIR/interfaces: it loads (cordon_catalog_load:
 * syntax, keys, rule syntax, the file named after the interface); every rule
 * of both sides, with its variables replaced by sample values of the right
 * kind (one per attribute, two for list attributes), parses as a file,
 * device, network, capability or mount rule; its seccomp rules compile with
 * the default template; and the AppArmor profile the compiler would write for
 * an app with that one connection (default policy + the grant) passes
 * `apparmor_parser -QTK` - then once more with every plug side of the
 * catalogue at once, which finds rules that conflict across interfaces.
 * The catalogue must also hold at least the interfaces of issue 4, with the
 * auto-connect, privilege and implicit-slot settings of snapd's base
 * declaration on a classic host.
 *
 * No privilege needed. Without apparmor_parser the AppArmor part is skipped
 * (and said so). Exit 0: all good; 1: failures (each named on stderr). */
#include "apparmor.h"
#include "catalog.h"
#include "datafiles.h"
#include "definitions.h"
#include "fsutil.h"
#include "landlock_defs.h"
#include "policy.h"
#include "rules.h"
#include "seccomp_compile.h"
#include "util.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int failures;

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		failures++;                                                                        \
		fprintf(stderr, "FAIL: " __VA_ARGS__);                                             \
		fputc('\n', stderr);                                                               \
	} while (0)

/* What issue 4 asks for, with snapd's settings on a classic host. */
static const struct expect {
	const char *name;
	enum cordon_autoconnect auto_connect;
	bool privileged, implicit;
} expected[] = {
    {"audio-playback", CORDON_AUTO_YES, false, true},
    {"audio-record", CORDON_AUTO_NO, false, true},
    {"camera", CORDON_AUTO_NO, false, true},
    {"content", CORDON_AUTO_CONTENT, false, false},
    {"desktop", CORDON_AUTO_YES, false, true},
    {"fuse-support", CORDON_AUTO_NO, false, true},
    {"gpg-keys", CORDON_AUTO_NO, false, true},
    {"hardware-observe", CORDON_AUTO_NO, false, true},
    {"home", CORDON_AUTO_CLASSIC, false, true},
    {"joystick", CORDON_AUTO_NO, false, true},
    {"kernel-module-control", CORDON_AUTO_NO, true, true},
    {"log-observe", CORDON_AUTO_NO, false, true},
    {"mount-observe", CORDON_AUTO_NO, false, true},
    {"network", CORDON_AUTO_YES, false, true},
    {"network-bind", CORDON_AUTO_YES, false, true},
    {"network-control", CORDON_AUTO_NO, false, true},
    {"network-observe", CORDON_AUTO_NO, false, true},
    {"network-status", CORDON_AUTO_YES, false, true},
    {"opengl", CORDON_AUTO_YES, false, true},
    {"personal-files", CORDON_AUTO_NO, true, true},
    {"process-control", CORDON_AUTO_NO, false, true},
    {"raw-usb", CORDON_AUTO_NO, false, true},
    {"removable-media", CORDON_AUTO_NO, false, true},
    {"serial-port", CORDON_AUTO_NO, false, false},
    {"shared-memory", CORDON_AUTO_NO, false, true},
    {"shutdown", CORDON_AUTO_NO, true, true},
    {"ssh-keys", CORDON_AUTO_NO, false, true},
    {"system-files", CORDON_AUTO_NO, true, true},
    {"system-observe", CORDON_AUTO_NO, false, true},
    {"time-control", CORDON_AUTO_NO, false, true},
    {"timezone-control", CORDON_AUTO_NO, false, true},
    {"wayland", CORDON_AUTO_YES, false, true},
    {"x11", CORDON_AUTO_CLASSIC, false, true},
};

/* ---- sample values for variables ---- */

typedef struct sample_ctx {
	const cordon_def *def;
} sample_ctx;

static const cordon_attr_spec *find_spec(const cordon_def *d, bool plug, const char *name)
{
	const cordon_attr_spec *s = plug ? d->plug_attrs : d->slot_attrs;
	size_t n = plug ? d->n_plug_attrs : d->n_slot_attrs;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0)
			return &s[i];
	return NULL;
}

static int sample_lookup(void *vctx, const char *name, strv *values)
{
	const sample_ctx *c = vctx;
	static const struct {
		const char *name, *value;
	} own[] = {
	    {"SNAP", "/snap/app/x1"},
	    {"SNAP_DATA", "/var/snap/app/x1"},
	    {"SNAP_COMMON", "/var/snap/app/common"},
	    {"SNAP_NAME", "app"},
	    {"SNAP_INSTANCE_NAME", "app"},
	    {"SNAP_REVISION", "x1"},
	    {"CORDON_ROOT", ""}, /* the real system's (compile.c) */
	};
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (strcmp(own[i].name, name) == 0) {
			strv_push(values, own[i].value);
			return 0;
		}
	bool plug = str_has_prefix(name, "plug:");
	if (!plug && !str_has_prefix(name, "slot:"))
		return -ENOENT;
	const char *key = name + 5;
	if (key[0] >= 'A' && key[0] <= 'Z') { /* the other side's snap variables */
		strv_push(values,
			  strcmp(key, "SNAP") == 0 ? "/snap/other/x2" : "/var/snap/other/x2");
		return 0;
	}
	if (strcmp(key, "content") == 0) {
		strv_push(values, "content-name");
		return 0;
	}
	const cordon_attr_spec *s = find_spec(c->def, plug, key);
	if (s == NULL)
		return -ENOENT; /* a rule naming an attribute nobody declares */
	switch (s->type) {
	case CORDON_ATTR_PATH:
		/* a device path where a device is meant (serial-port) */
		strv_push(values,
			  strcmp(key, "path") == 0 ? "/dev/ttyUSB0" : "/var/snap/other/x2/p");
		break;
	case CORDON_ATTR_PATHS:
	case CORDON_ATTR_SNAP_PATHS:
		strv_push(values, "/var/snap/other/x2/a");
		strv_push(values, "/var/snap/other/x2/b");
		break;
	case CORDON_ATTR_SNAP_PATH:
		strv_push(values, "/var/snap/other/x2/target");
		break;
	case CORDON_ATTR_HOME_PATHS:
		/* the launcher expands $HOME */
		strv_push(values, "$HOME/.config/a");
		strv_push(values, "$HOME/.local/b");
		break;
	case CORDON_ATTR_STRING:
		strv_push(values, "word");
		break;
	case CORDON_ATTR_BOOL:
		strv_push(values, "true");
		break;
	}
	return 0;
}

/* ---- AppArmor ---- */

static char *parser_path(void)
{
	const char *dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char *p = xasprintf("%s/apparmor_parser", dirs[i]);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static bool parse_profile(const char *parser, const char *what, const char *profile)
{
	char tmpl[] = "/tmp/cordon-check-defs.XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		FAIL("%s: mkstemp: %s", what, strerror(errno));
		return false;
	}
	size_t len = strlen(profile);
	bool ok = write(fd, profile, len) == (ssize_t)len;
	close(fd);
	/* the parser's own output (a note about the missing kernel interface
	 * on hosts without AppArmor, or the error) is shown on failure only */
	char out[] = "/tmp/cordon-check-defs-out.XXXXXX";
	int ofd = mkstemp(out);
	if (ok && ofd >= 0) {
		/* -Q skip the kernel, -T no cache read, -K no cache write */
		char *argv[] = {(char *)parser, "-QTK", tmpl, NULL};
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, ofd, 1);
		posix_spawn_file_actions_adddup2(&fa, ofd, 2);
		pid_t pid;
		int status = 0;
		ok = posix_spawn(&pid, parser, &fa, NULL, argv, environ) == 0 &&
		     waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		     WEXITSTATUS(status) == 0;
		posix_spawn_file_actions_destroy(&fa);
		if (!ok) {
			FAIL("%s: apparmor_parser -QTK refused the profile:", what);
			fputs(profile, stderr);
			_cleanup_free_ char *msg = NULL;
			size_t mlen;
			if (fs_read_path(out, 1 << 16, &msg, &mlen, NULL) == 0)
				fputs(msg, stderr);
		}
	} else {
		FAIL("%s: cannot write the profile for apparmor_parser", what);
		ok = false;
	}
	if (ofd >= 0) {
		close(ofd);
		unlink(out);
	}
	unlink(tmpl);
	return ok;
}

/* ---- one grant ---- */

typedef struct acc {
	cordon_policy p;
	buf snippets;
	strv sc_names, sc_texts;
} acc;

static void acc_init(acc *a, const char *seccomp_template)
{
	memset(a, 0, sizeof *a);
	a->p.label = xstrdup("snap.app.app");
	a->p.snap_name = xstrdup("app");
	a->p.instance_name = xstrdup("app");
	a->p.instance_key = xstrdup("");
	a->p.app = xstrdup("app");
	a->p.revision = xstrdup("x1");
	a->p.mount_dir = xstrdup("/snap/app/x1");
	a->p.confinement = CORDON_STRICT;
	a->p.net_handled = CORDON_LL_NET_ALL;
	buf_adds(&a->snippets, "");
	strv_push(&a->sc_names, "default.txt");
	strv_push(&a->sc_texts, seccomp_template);
}

static void acc_free(acc *a)
{
	cordon_policy_free(&a->p);
	buf_free(&a->snippets);
	strv_free(&a->sc_names);
	strv_free(&a->sc_texts);
}

/* Every rule of `g` with sample values: parsed and added to `a`. */
static void add_grant(acc *a, const cordon_def *def, const cordon_grant *g, const char *origin)
{
	sample_ctx sc = {.def = def};
	const strv *lists[] = {&g->files, &g->devices, &g->mounts};
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			cordon_error *e = NULL;
			_cleanup_strv_ strv lines = {0};
			if (cordon_rule_subst(lists[l]->v[i], sample_lookup, &sc, &lines, &e) < 0) {
				FAIL("%s: \"%s\": %s", origin, lists[l]->v[i], e->msg);
				cordon_error_free(&e);
				continue;
			}
			for (size_t j = 0; j < lines.n; j++) {
				int r = 0;
				if (l == 0) {
					char *path = NULL;
					uint64_t access;
					uint32_t flags;
					r = cordon_rule_parse_file(lines.v[j], &path, &access,
								   &flags, &e);
					if (r == 0)
						cordon_policy_add_fs(&a->p, path, access, flags);
					free(path);
				} else if (l == 1) {
					cordon_dev_rule d;
					r = cordon_rule_parse_device(lines.v[j], &d, &e);
					if (r == 0)
						free(d.path);
				} else {
					char mode[8], src[4096], dst[4096];
					if (sscanf(lines.v[j], "%7s %4095s %4095s", mode, src,
						   dst) != 3 ||
					    (src[0] != '/' || dst[0] != '/'))
						r = cordon_err_msg(&e, EINVAL, "bad mount \"%s\"",
								   lines.v[j]);
				}
				if (r < 0) {
					FAIL("%s: %s", origin, e->msg);
					cordon_error_free(&e);
				}
			}
		}
	for (size_t i = 0; i < g->network.n; i++) {
		cordon_error *e = NULL;
		uint64_t allowed = 0;
		if (cordon_rule_parse_network(g->network.v[i], &allowed, &e) < 0) {
			FAIL("%s: %s", origin, e->msg);
			cordon_error_free(&e);
		}
		a->p.net_handled &= ~allowed;
	}
	for (size_t i = 0; i < g->capabilities.n; i++) {
		cordon_error *e = NULL;
		int cap;
		if (cordon_rule_parse_capability(g->capabilities.v[i], &cap, &e) < 0) {
			FAIL("%s: %s", origin, e->msg);
			cordon_error_free(&e);
			continue;
		}
		a->p.caps_keep |= 1ULL << cap;
	}
	if (g->seccomp) {
		strv_push(&a->sc_names, origin);
		strv_push(&a->sc_texts, g->seccomp);
	}
	if (g->apparmor) {
		/* as compile.c's apply_grant writes it */
		buf_printf(&a->snippets, "\n  # %s\n", origin);
		const char *s = g->apparmor;
		while (*s) {
			const char *nl = strchrnul(s, '\n');
			buf_printf(&a->snippets, "  %.*s\n", (int)(nl - s), s);
			s = *nl ? nl + 1 : nl;
		}
	}
}

static void finish(acc *a, const char *parser, const char *what)
{
	cordon_seccomp_source *src = xcalloc(a->sc_texts.n, sizeof *src);
	for (size_t i = 0; i < a->sc_texts.n; i++)
		src[i] =
		    (cordon_seccomp_source){.name = a->sc_names.v[i], .text = a->sc_texts.v[i]};
	uint8_t *bpf = NULL;
	size_t len = 0;
	cordon_error *e = NULL;
	if (cordon_seccomp_compile(src, a->sc_texts.n, CORDON_STRICT, &bpf, &len, &e) < 0) {
		FAIL("%s: seccomp: %s", what, e->msg);
		cordon_error_free(&e);
	}
	free(bpf);
	free(src);
	if (parser) {
		_cleanup_free_ char *profile = cordon_apparmor_profile(&a->p, a->snippets.p);
		parse_profile(parser, what, profile);
	}
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("CORDON_SRCDIR");
	_cleanup_free_ char *datadir =
	    argc > 1 ? xstrdup(argv[1]) : xasprintf("%s/data", srcdir ? srcdir : ".");
	cordon_error *e = NULL;
	cordon_catalog *cat = NULL;
	if (cordon_catalog_load(datadir, NULL, &cat, &e) < 0) {
		fprintf(stderr, "FAIL: catalogue: %s\n", e->msg);
		return 1;
	}
	_cleanup_free_ char *defpath = xasprintf("%s/policy/default.yaml", datadir);
	_cleanup_free_ char *deftext = NULL, *sctext = NULL;
	size_t len;
	cordon_def *defaults = NULL;
	if (fs_read_path(defpath, 1 << 20, &deftext, &len, &e) < 0 ||
	    cordon_def_load(deftext, len, defpath, true, &defaults, &e) < 0) {
		fprintf(stderr, "FAIL: default policy: %s\n", e->msg);
		return 1;
	}
	_cleanup_free_ char *scpath = xasprintf("%s/seccomp/%s", datadir, defaults->seccomp_file);
	if (fs_read_path(scpath, 1 << 20, &sctext, &len, &e) < 0) {
		fprintf(stderr, "FAIL: seccomp template: %s\n", e->msg);
		return 1;
	}
	_cleanup_free_ char *parser = parser_path();
	if (parser == NULL)
		fprintf(stderr, "note: no apparmor_parser: AppArmor profiles not checked\n");

	for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
		const struct expect *x = &expected[i];
		const cordon_def *d = cordon_catalog_get(cat, x->name);
		if (d == NULL) {
			FAIL("interface %s is missing", x->name);
			continue;
		}
		if (d->auto_connect != x->auto_connect)
			FAIL("%s: auto-connect %d, want %d", x->name, d->auto_connect,
			     x->auto_connect);
		if (d->privileged != x->privileged)
			FAIL("%s: privileged %d, want %d", x->name, d->privileged, x->privileged);
		if (d->implicit_slot != x->implicit)
			FAIL("%s: implicit-slot %d, want %d", x->name, d->implicit_slot,
			     x->implicit);
	}

	acc all;
	acc_init(&all, sctext);
	add_grant(&all, defaults, &defaults->plug, "default policy");
	for (size_t i = 0; i < cat->n; i++) {
		const cordon_def *d = cat->defs[i];
		const struct {
			const cordon_grant *g;
			const char *side;
		} sides[] = {{&d->plug, "plug"}, {&d->slot, "slot"}};
		for (size_t s = 0; s < 2; s++) {
			_cleanup_free_ char *what =
			    xasprintf("%s (%s side)", d->name, sides[s].side);
			acc one;
			acc_init(&one, sctext);
			add_grant(&one, defaults, &defaults->plug, "default policy");
			add_grant(&one, d, sides[s].g, what);
			finish(&one, parser, what);
			acc_free(&one);
			if (s == 0)
				add_grant(&all, d, sides[s].g, what);
		}
		printf("ok %s\n", d->name);
	}
	finish(&all, parser, "every plug side at once");
	acc_free(&all);
	cordon_def_free(defaults);
	cordon_catalog_free(cat);
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("catalogue: %zu interfaces checked\n", ARRAY_SIZE(expected));
	return 0;
}
