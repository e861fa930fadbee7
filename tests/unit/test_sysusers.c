/* system-usernames in the compiled policy: a snap that names snap_daemon
 * keeps CAP_SETUID, CAP_SETGID and CAP_CHOWN (for a root caller) and may
 * change ids only to root and to 584788; a snap without keeps no capability
 * and the template's unconditional rules (the kernel then allows only moves
 * between the process's own ids). The compiled BPF is run by the fuzzers'
 * interpreter. Also the supported names and the text work of privdrop.h. */
#include "check.h"
#include "bpf_run.h"
#include "compile.h"
#include "definitions.h"
#include "manifest.h"
#include "manifest_sysusers.h"
#include "privdrop.h"
#include "util.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#define ALLOW SECCOMP_RET_ALLOW
#define EPERM_RET (SECCOMP_RET_ERRNO | EPERM)
#define DAEMON 584788u
#define DAEMON2 584792u	      /* _daemon_ */
#define UNCHANGED 0xffffffffu /* (uid_t)-1 as libc passes it */
#define KEPT (1ULL << CAP_SETUID | 1ULL << CAP_SETGID | 1ULL << CAP_CHOWN)

static char *read_data(const char *rel)
{
	const char *srcdir = getenv("CORDON_SRCDIR");
	_cleanup_free_ char *path = xasprintf("%s/data/%s", srcdir ? srcdir : ".", rel);
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	buf b = {0};
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return buf_steal(&b);
}

static char *template_text, *privdrop_text;
static cordon_def *defaults;

/* The policy of app "a" of a snap with this yaml (after "name: s"). */
typedef struct compiled {
	cordon_manifest *m;
	cordon_compiled *out;
	size_t n;
	char *error; /* the compiler's message, when it failed */
} compiled;

static compiled compile_yaml(const char *extra, const char *confinement, const char *privdrop)
{
	compiled c = {0};
	_cleanup_free_ char *yaml =
	    xasprintf("name: s\nversion: '1'\napps:\n  a:\n    command: bin/a\n%s", extra);
	cordon_error *err = NULL;
	if (cordon_manifest_parse(yaml, strlen(yaml), "snap.yaml", &c.m, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		exit(1);
	}
	cordon_loaded_snap ls = {
	    .row = {.name = "s",
		    .snap_name = "s",
		    .instance_key = "",
		    .current = "x1",
		    .confinement = (char *)confinement},
	    .rev = {.snap = "s", .revision = "x1", .version = "1", .source_path = "/tmp/s"},
	    .m = c.m,
	    .mount_dir = "/snap/s/x1",
	    .data_dir = "/var/snap/s/x1",
	    .common_dir = "/var/snap/s/common",
	};
	cordon_compile_input in = {.snap = &ls,
				   .defaults = defaults,
				   .seccomp_template = template_text,
				   .seccomp_privdrop = privdrop};
	if (cordon_compile(&in, NULL, 0, NULL, NULL, &c.out, &c.n, &err) < 0) {
		c.error = xstrdup(err->msg);
		cordon_error_free(&err);
	}
	return c;
}

static void compiled_free(compiled *c)
{
	cordon_compiled_free(c->out, c->n);
	cordon_manifest_free(c->m);
	free(c->error);
}

static uint32_t call(const cordon_policy *p, int nr, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3)
{
	uint64_t args[6] = {a0, a1, a2, a3, 0, 0};
	return cordon_bpf_run(p->seccomp, p->seccomp_len, AUDIT_ARCH_X86_64, nr, args);
}

#define U UNCHANGED

static void test_without(void)
{
	compiled c = compile_yaml("", "strict", privdrop_text);
	CHECK(c.error == NULL);
	if (c.error || c.n != 1)
		return compiled_free(&c);
	const cordon_policy *p = &c.out[0].policy;
	/* no capability kept: the kernel keeps every call below to the
	 * process's own ids, so the rules need not look at them */
	CHECK_INT(p->caps_keep, 0);
	CHECK_INT(call(p, SYS_setuid, DAEMON, 0, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setuid, 1000, 0, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setresuid, 12345, 12345, 12345, 0), ALLOW);
	CHECK_INT(call(p, SYS_setgroups, 3, 0x1000, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setgid, 1000, 0, 0, 0), ALLOW);
	/* chown: to root only, as for every snap (snapd's template) */
	CHECK_INT(call(p, SYS_chown, 0x1000, 0, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_chown, 0x1000, DAEMON, DAEMON, 0), EPERM_RET);
	compiled_free(&c);
}

static void test_with(void)
{
	compiled c =
	    compile_yaml("system-usernames:\n  snap_daemon: shared\n", "strict", privdrop_text);
	CHECK_STR(c.error, NULL);
	if (c.error || c.n != 1)
		return compiled_free(&c);
	const cordon_policy *p = &c.out[0].policy;
	CHECK_INT(p->caps_keep, KEPT);
	CHECK(c.out[0].apparmor && strstr(c.out[0].apparmor, "capability setuid,"));
	/* to the snap's user and group, and to root */
	CHECK_INT(call(p, SYS_setgroups, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setgroups, 0, 0x1000, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setgid, DAEMON, 0, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setuid, DAEMON, 0, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setuid, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setresuid, DAEMON, DAEMON, DAEMON, 0), ALLOW);
	CHECK_INT(call(p, SYS_setresuid, U, DAEMON, U, 0), ALLOW);
	CHECK_INT(call(p, SYS_setresuid, DAEMON, DAEMON, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setresgid, DAEMON, DAEMON, DAEMON, 0), ALLOW);
	CHECK_INT(call(p, SYS_setreuid, 0, DAEMON, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_setregid, U, DAEMON, 0, 0), ALLOW);
	CHECK_INT(call(p, SYS_chown, 0x1000, DAEMON, DAEMON, 0), ALLOW);
	CHECK_INT(call(p, SYS_fchown, 3, DAEMON, U, 0), ALLOW);
	CHECK_INT(call(p, SYS_fchownat, 3, 0x1000, U, DAEMON), ALLOW);
	CHECK_INT(call(p, SYS_lchown, 0x1000, 0, DAEMON, 0), ALLOW);
	CHECK_INT(call(p, SYS_chown, 0x1000, 0, 0, 0), ALLOW);
	/* to anyone else: the capabilities would let the kernel allow it */
	CHECK_INT(call(p, SYS_setuid, 1000, 0, 0, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_setgid, 1000, 0, 0, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_setresuid, 12345, 12345, 12345, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_setresuid, DAEMON, DAEMON, 12345, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_setresuid, U, U, 12345, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_setreuid, 12345, DAEMON, 0, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_setresgid, DAEMON, DAEMON, 27, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_setgroups, 1, 0x1000, 0, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_chown, 0x1000, 1000, 1000, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_fchownat, 3, 0x1000, DAEMON, 1000), EPERM_RET);
	CHECK_INT(call(p, SYS_setfsuid, 1000, 0, 0, 0), EPERM_RET);
	CHECK_INT(call(p, SYS_setfsuid, DAEMON, 0, 0, 0), EPERM_RET);
	/* the high half of a uid is not the kernel's business: refused */
	CHECK_INT(call(p, SYS_setuid, DAEMON | 1ULL << 32, 0, 0, 0), EPERM_RET);
	compiled_free(&c);

	/* two users: each, but no mix of the two */
	c = compile_yaml("system-usernames:\n  snap_daemon: shared\n  _daemon_: {scope: shared}\n",
			 "strict", privdrop_text);
	CHECK_STR(c.error, NULL);
	if (c.error == NULL && c.n == 1) {
		p = &c.out[0].policy;
		CHECK_INT(call(p, SYS_setuid, DAEMON, 0, 0, 0), ALLOW);
		CHECK_INT(call(p, SYS_setuid, DAEMON2, 0, 0, 0), ALLOW);
		CHECK_INT(call(p, SYS_setresuid, DAEMON2, DAEMON2, 0, 0), ALLOW);
		CHECK_INT(call(p, SYS_setgroups, 0, 0, 0, 0), ALLOW);
		CHECK_INT(call(p, SYS_setreuid, DAEMON, DAEMON2, 0, 0), EPERM_RET);
		CHECK_INT(call(p, SYS_setuid, 1000, 0, 0, 0), EPERM_RET);
	}
	compiled_free(&c);

	/* classic: no sandbox at all, nothing to keep */
	c = compile_yaml("confinement: classic\nsystem-usernames:\n  snap_daemon: shared\n",
			 "classic", privdrop_text);
	CHECK_STR(c.error, NULL);
	if (c.error == NULL && c.n == 1) {
		CHECK_INT(c.out[0].policy.caps_keep, 0);
		CHECK(c.out[0].policy.seccomp == NULL);
	}
	compiled_free(&c);
}

static void test_refused(void)
{
	/* names snapd does not support never compile (the store refuses them
	 * at install first) */
	compiled c = compile_yaml("system-usernames:\n  daemon: shared\n", "strict", privdrop_text);
	CHECK_STR(c.error, "snap \"s\" requires unsupported system username \"daemon\"");
	compiled_free(&c);
	c = compile_yaml("system-usernames:\n  snap_daemon: private\n", "strict", privdrop_text);
	CHECK_STR(c.error, "snap \"s\" requires unsupported user scope \"private\" for this "
			   "version of cordon");
	compiled_free(&c);
	c = compile_yaml("system-usernames:\n  snap_daemon: {scope: other}\n", "strict",
			 privdrop_text);
	CHECK_STR(c.error, "snap \"s\" requires unsupported user scope \"other\"");
	compiled_free(&c);
	/* without the rules that replace the bare ones: no policy at all */
	c = compile_yaml("system-usernames:\n  snap_daemon: shared\n", "strict", NULL);
	CHECK(c.error && strstr(c.error, "privilege-drop.txt"));
	compiled_free(&c);
}

static void test_names(void)
{
	static const struct {
		const char *name;
		uint32_t id;
	} want[] = {{"snap_daemon", 584788},
		    {"snap_microk8s", 584789},
		    {"snap_aziotedge", 584790},
		    {"snap_aziotdu", 584791},
		    {"_daemon_", 584792}};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		uint32_t id = 0;
		CHECK(cordon_system_username_id(want[i].name, &id));
		CHECK_INT(id, want[i].id);
	}
	uint32_t id;
	CHECK(!cordon_system_username_id("daemon", &id));
	CHECK(!cordon_system_username_id("root", &id));
	CHECK(!cordon_system_username_id("snapd-range-524288-root", &id));
}

static char *apply_error(const char *tmpl, const char *rules)
{
	uint32_t ids[] = {7};
	char *t = NULL, *r = NULL, *msg = NULL;
	cordon_error *err = NULL;
	if (cordon_privdrop_apply(tmpl, rules, ids, 1, &t, &r, &err) < 0) {
		msg = xstrdup(err->msg);
		cordon_error_free(&err);
	}
	free(t);
	free(r);
	return msg;
}

static void test_apply(void)
{
	const char *tmpl = "a\n# @privilege-drop begin\nsetuid\nsetgid\n# @privilege-drop end\nb";
	const char *rules = "# for ${uid}\nsetgroups 0 -\nsetuid ${uid}\n\nchown - ${uid} ${gid}\n";
	uint32_t ids[] = {5, 9};
	char *t = NULL, *r = NULL;
	cordon_error *err = NULL;
	CHECK_INT(cordon_privdrop_apply(tmpl, rules, ids, 2, &t, &r, &err), 0);
	/* the section's lines emptied, the others where they were */
	CHECK_STR(t, "a\n\n\n\n\nb");
	/* the first user's copy line for line; then only the lines naming
	 * the next user */
	CHECK_STR(r,
		  "# for ${uid}\nsetgroups 0 -\nsetuid 5\n\nchown - 5 5\nsetuid 9\nchown - 9 9\n");
	free(t);
	free(r);

	_cleanup_free_ char *e1 = apply_error("setuid\n", "setuid ${uid}\n");
	CHECK(e1 && strstr(e1, "no \"# @privilege-drop begin\""));
	_cleanup_free_ char *e2 =
	    apply_error("# @privilege-drop begin\nsetuid\n", "setuid ${uid}\n");
	CHECK(e2 && strstr(e2, "no \"# @privilege-drop begin\""));
	_cleanup_free_ char *e3 = apply_error(
	    "# @privilege-drop begin\n# @privilege-drop begin\n# @privilege-drop end\n", "x\n");
	CHECK_STR(e3, "seccomp template line 2: a second \"# @privilege-drop begin\"");
	_cleanup_free_ char *e4 = apply_error("# @privilege-drop end\n", "x\n");
	CHECK(e4 && strstr(e4, "line 1: \"# @privilege-drop end\" without"));
	_cleanup_free_ char *e5 =
	    apply_error("# @privilege-drop begin\n# @privilege-drop end\n", "a\nsetuid ${user}\n");
	CHECK(e5 && strstr(e5, "privilege-drop.txt:2: unknown variable"));
	/* the shipped template has its one section */
	_cleanup_free_ char *e6 = apply_error(template_text, privdrop_text);
	CHECK_STR(e6, NULL);
}

int main(void)
{
	template_text = read_data("seccomp/default.txt");
	privdrop_text = read_data("seccomp/privilege-drop.txt");
	_cleanup_free_ char *yaml = read_data("policy/default.yaml");
	cordon_error *err = NULL;
	if (cordon_def_load(yaml, strlen(yaml), "default.yaml", true, &defaults, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return 1;
	}
	test_names();
	test_apply();
	test_without();
	test_with();
	test_refused();
	cordon_def_free(defaults);
	free(template_text);
	free(privdrop_text);
	return check_done("sysusers");
}
