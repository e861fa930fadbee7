/* `cordon run --learn`'s pure parts: does a compiled policy allow an access
 * (file rules, TCP rules, its seccomp program run by the interpreter), which
 * shipped interfaces allow it (data/interfaces/), and the snap.yaml diff. */
#include "check.h"
#include "util.h"

#include "../../src/cli/learn_report.h"
#include "landlock_defs.h"
#include "learn_match.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

static cordon_learn_access file(const char *path, uint64_t access)
{
	return (cordon_learn_access){
	    .kind = CORDON_LEARN_FILE, .path = (char *)path, .access = access};
}

static void test_yaml_diff(void)
{
	strv want = {0}, plugged = {0};
	strv_push(&want, "home");
	strv_push(&want, "network");
	char *diff = NULL;
	/* no plugs: a flow line right under the app's key */
	const char *y1 = "name: a\nversion: '1'\napps:\n  a:\n    command: bin/a\n  b:\n"
			 "    command: bin/b\n";
	CHECK_INT(learn_yaml_diff(y1, "b", &want, &plugged, &diff), 0);
	CHECK_STR(diff, "--- a/meta/snap.yaml\n+++ b/meta/snap.yaml\n@@ -4,4 +4,5 @@\n"
			"   a:\n     command: bin/a\n   b:\n+    plugs: [home, network]\n"
			"     command: bin/b\n");
	free(diff);
	/* a flow list: extended, what is there kept first */
	const char *y2 = "apps:\n  a:\n    plugs: [network, x11]\n    command: bin/a\n";
	CHECK_INT(learn_yaml_diff(y2, "a", &want, &plugged, &diff), 0);
	CHECK_STR(diff, "--- a/meta/snap.yaml\n+++ b/meta/snap.yaml\n@@ -1,4 +1,4 @@\n"
			" apps:\n   a:\n-    plugs: [network, x11]\n+    plugs: [network, x11, "
			"home]\n     command: bin/a\n");
	CHECK_INT((int)plugged.n, 1);
	CHECK_STR(plugged.v[0], "network"); /* plugged already: connect it */
	free(diff);
	strv_free(&plugged);
	/* a block list: items appended at its indent */
	const char *y3 = "apps:\n  a:\n    plugs:\n      - x11\n    command: bin/a\n";
	CHECK_INT(learn_yaml_diff(y3, "a", &want, &plugged, &diff), 0);
	CHECK_STR(diff, "--- a/meta/snap.yaml\n+++ b/meta/snap.yaml\n@@ -2,4 +2,6 @@\n"
			"   a:\n     plugs:\n       - x11\n+      - home\n+      - network\n"
			"     command: bin/a\n");
	free(diff);
	/* everything plugged: no diff; an unknown app: -1 */
	const char *y4 = "apps:\n  a:\n    plugs: [home, network]\n";
	strv_free(&plugged);
	CHECK_INT(learn_yaml_diff(y4, "a", &want, &plugged, &diff), 0);
	CHECK(diff == NULL);
	CHECK_INT((int)plugged.n, 2);
	CHECK_INT(learn_yaml_diff(y4, "zz", &want, &plugged, &diff), -1);
	CHECK_INT(learn_yaml_diff("name: a\n", "a", &want, &plugged, &diff), -1);
	strv_free(&plugged);
	strv_free(&want);
}

/* a seccomp program: socket(AF_INET) -> ERRNO(EACCES), everything else ALLOW */
static void test_seccomp(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 13),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	uint64_t inet[6] = {AF_INET, SOCK_STREAM}, unix_[6] = {AF_UNIX, SOCK_STREAM};
	const uint8_t *bpf = (const uint8_t *)f;
	CHECK(!cordon_learn_seccomp_allows(bpf, sizeof f, SYS_socket, inet));
	CHECK(cordon_learn_seccomp_allows(bpf, sizeof f, SYS_socket, unix_));
	CHECK(cordon_learn_seccomp_allows(bpf, sizeof f, SYS_getpid, inet));
	/* a program that falls off its end allows nothing */
	CHECK(!cordon_learn_seccomp_allows(bpf, 2 * sizeof f[0], SYS_getpid, inet));
}

static void test_policy(void)
{
	cordon_policy p = {0};
	cordon_policy_add_fs(&p, "/usr", CORDON_LL_R | CORDON_LL_X, 0);
	cordon_policy_add_fs(&p, "$SNAP_USER_DATA", CORDON_LL_R | CORDON_LL_W | CORDON_LL_C, 0);
	cordon_policy_add_fs(&p, "/media/*", CORDON_LL_R, CORDON_FS_GLOB);
	p.net_handled = LANDLOCK_ACCESS_NET_CONNECT_TCP;
	cordon_env vars = {0};
	cordon_env_set(&vars, "SNAP_USER_DATA", "/home/u/snap/a/x1");
	cordon_learn_access a = file("/usr/lib/libc.so.6", LANDLOCK_ACCESS_FS_READ_FILE);
	CHECK(cordon_learn_allowed(&p, &vars, &a));
	a = file("/usr", LANDLOCK_ACCESS_FS_READ_DIR);
	CHECK(cordon_learn_allowed(&p, &vars, &a));
	a = file("/usr/bin/x", LANDLOCK_ACCESS_FS_WRITE_FILE); /* r, x only */
	CHECK(!cordon_learn_allowed(&p, &vars, &a));
	a = file("/usrx/y", LANDLOCK_ACCESS_FS_READ_FILE); /* a component, not a prefix */
	CHECK(!cordon_learn_allowed(&p, &vars, &a));
	a = file("/home/u/snap/a/x1/f", LANDLOCK_ACCESS_FS_MAKE_REG);
	CHECK(cordon_learn_allowed(&p, &vars, &a));
	a = file("/home/u/Documents/f", LANDLOCK_ACCESS_FS_READ_FILE);
	CHECK(!cordon_learn_allowed(&p, &vars, &a));
	a = file("/media/disk/f", LANDLOCK_ACCESS_FS_READ_FILE);
	CHECK(cordon_learn_allowed(&p, &vars, &a));
	a = file("/media/.hidden/f", LANDLOCK_ACCESS_FS_READ_FILE); /* glob(3): no dot */
	CHECK(!cordon_learn_allowed(&p, &vars, &a));
	cordon_learn_access c = {.kind = CORDON_LEARN_CONNECT, .family = AF_INET, .port = 80};
	CHECK(!cordon_learn_allowed(&p, &vars, &c));
	c.kind = CORDON_LEARN_BIND;
	CHECK(cordon_learn_allowed(&p, &vars, &c)); /* not handled: allowed */
	cordon_env_free(&vars);
	cordon_policy_free(&p);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *s = xmalloc(1 << 16);
	size_t n = fread(s, 1, (1 << 16) - 1, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* the shipped definitions: what they allow, and the fewest that cover */
static void test_interfaces(void)
{
	const char *src = getenv("CORDON_SRCDIR");
	CHECK(src != NULL);
	if (src == NULL)
		return;
	cordon_catalog *cat = cordon_catalog_new();
	const char *names[] = {"home", "network", "network-bind", "removable-media",
			       "personal-files"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *path = xasprintf("%s/data/interfaces/%s.yaml", src, names[i]);
		char *file_name = xasprintf("%s.yaml", names[i]);
		char *text = slurp(path);
		cordon_error *e = NULL;
		CHECK(text != NULL);
		CHECK_INT(cordon_catalog_add(cat, text, strlen(text), path, file_name, &e), 0);
		cordon_error_free(&e);
		free(text);
		free(path);
		free(file_name);
	}
	cordon_env vars = {0};
	cordon_env_set(&vars, "SNAP_REAL_HOME", "/home/u");
	cordon_env_set(&vars, "HOME", "/home/u");
	cordon_env_set(&vars, "USER_RUNTIME_DIR", "/run/user/1000");
	cordon_learn_access acc[] = {
	    file("/media/disk/f", LANDLOCK_ACCESS_FS_READ_FILE),
	    file("/home/u/Documents/f", LANDLOCK_ACCESS_FS_READ_FILE),
	    {.kind = CORDON_LEARN_SOCKET, .family = AF_INET, .type = SOCK_STREAM},
	    {.kind = CORDON_LEARN_CONNECT, .family = AF_INET, .port = 443},
	    file("/home/u/.ssh/id_rsa", LANDLOCK_ACCESS_FS_READ_FILE), /* hidden: none */
	    file("/home/u/bin/tool", LANDLOCK_ACCESS_FS_WRITE_FILE),   /* CVE-2024-1724 */
	};
	const cordon_def *home = cordon_catalog_get(cat, "home");
	const cordon_def *bind = cordon_catalog_get(cat, "network-bind");
	CHECK(cordon_learn_def_allows(home, &vars, &acc[1]));
	CHECK(!cordon_learn_def_allows(home, &vars, &acc[4]));
	CHECK(!cordon_learn_def_allows(home, &vars, &acc[5]));
	CHECK(cordon_learn_def_allows(bind, &vars, &acc[2]));
	CHECK(!cordon_learn_def_allows(bind, &vars, &acc[3]));
	/* personal-files names its paths by attribute: never proposed */
	const cordon_def *pf = cordon_catalog_get(cat, "personal-files");
	CHECK(!cordon_learn_def_allows(pf, &vars, &acc[4]));
	strv plugs = {0};
	size_t none[ARRAY_SIZE(acc)], n_none = 0;
	cordon_learn_suggest(cat, &vars, acc, ARRAY_SIZE(acc), &plugs, none, &n_none);
	CHECK_INT((int)plugs.n, 3);
	if (plugs.n == 3) {
		CHECK_STR(plugs.v[0], "home");
		CHECK_STR(plugs.v[1], "network"); /* socket + connect: not network-bind */
		CHECK_STR(plugs.v[2], "removable-media");
	}
	CHECK_INT((int)n_none, 2);
	CHECK_INT((int)none[0], 4);
	CHECK_INT((int)none[1], 5);
	char *d = cordon_learn_describe(&acc[3]);
	CHECK_STR(d, "connect TCP port 443 (AF_INET)");
	free(d);
	strv_free(&plugs);
	cordon_env_free(&vars);
	cordon_catalog_free(cat);
}

int main(void)
{
	test_yaml_diff();
	test_seccomp();
	test_policy();
	test_interfaces();
	return check_done("learn");
}
