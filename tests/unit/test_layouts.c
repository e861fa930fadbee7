/* A snap's layouts compiled (compiler/layouts.h): variables expanded,
 * parents first, each path granted its source's default rights and nothing
 * for a symlink; the namespace root's identity follows the base and the
 * layouts. */
#include "check.h"
#include "landlock_defs.h"
#include "layouts.h"
#include "manifest.h"
#include "util.h"

#include <string.h>

static const char YAML[] = "name: lay\nversion: '1'\n"
			   "apps:\n  a:\n    command: a\n"
			   "layout:\n"
			   "  /var/lib/demo:\n    bind: $SNAP_DATA/var/lib/demo\n"
			   "  /etc/demo.conf:\n    bind-file: $SNAP_COMMON/etc/demo.conf\n"
			   "  /usr/share/demo:\n    bind: $SNAP/usr/share/demo\n"
			   "  /etc/demo.cfg:\n    symlink: $SNAP_COMMON/etc/demo.conf\n"
			   "  /opt/demo:\n    type: tmpfs\n    mode: '1777'\n";

static cordon_manifest *load(const char *yaml)
{
	cordon_manifest *m = NULL;
	cordon_error *err = NULL;
	if (cordon_manifest_parse(yaml, strlen(yaml), "snap.yaml", &m, &err) < 0 ||
	    cordon_manifest_validate(m, &err) < 0) {
		fprintf(stderr, "manifest: %s\n", err->msg);
		exit(1);
	}
	return m;
}

static uint64_t rights_at(const cordon_policy *p, const char *path)
{
	for (size_t i = 0; i < p->n_fs; i++)
		if (strcmp(p->fs[i].path, path) == 0)
			return p->fs[i].access;
	return 0;
}

int main(void)
{
	cordon_manifest *m = load(YAML);
	cordon_loaded_snap ls = {.m = m,
				 .mount_dir = "/snap/lay/x1",
				 .data_dir = "/var/snap/lay/x1",
				 .common_dir = "/var/snap/lay/common"};
	cordon_policy p = {0};
	cordon_compile_layouts(&ls, true, &p);
	CHECK_INT(p.n_layouts, 5);
	/* sorted by path */
	CHECK_STR(p.layouts[0].path, "/etc/demo.cfg");
	CHECK_INT(p.layouts[0].kind, CORDON_LAYOUT_SYMLINK);
	CHECK_STR(p.layouts[0].source, "/var/snap/lay/common/etc/demo.conf");
	CHECK_STR(p.layouts[1].path, "/etc/demo.conf");
	CHECK_INT(p.layouts[1].kind, CORDON_LAYOUT_BIND_FILE);
	CHECK_STR(p.layouts[1].source, "/var/snap/lay/common/etc/demo.conf");
	CHECK_STR(p.layouts[2].path, "/opt/demo");
	CHECK_INT(p.layouts[2].kind, CORDON_LAYOUT_TMPFS);
	CHECK(p.layouts[2].source == NULL);
	CHECK_INT(p.layouts[2].mode, 01777);
	CHECK_STR(p.layouts[3].source, "/snap/lay/x1/usr/share/demo");
	CHECK_STR(p.layouts[4].source, "/var/snap/lay/x1/var/lib/demo");
	/* what each path is granted: its source's default, nothing more */
	const uint64_t data = CORDON_LL_R | CORDON_LL_W | CORDON_LL_X | CORDON_LL_C;
	CHECK(rights_at(&p, "/usr/share/demo") == (CORDON_LL_R | CORDON_LL_X));
	CHECK(rights_at(&p, "/var/lib/demo") == data);
	CHECK(rights_at(&p, "/etc/demo.conf") == data);
	CHECK(rights_at(&p, "/opt/demo") == data);
	CHECK(rights_at(&p, "/etc/demo.cfg") == 0);
	CHECK_INT(p.n_fs, 4);
	/* classic: the entries alone, no rule */
	cordon_policy q = {0};
	cordon_compile_layouts(&ls, false, &q);
	CHECK_INT(q.n_layouts, 5);
	CHECK_INT(q.n_fs, 0);
	/* the root's identity: host and no layout is none; layouts or a base
	 * name it */
	cordon_compile_input in = {.snap = &ls};
	char *id = cordon_ns_root_id(&in);
	CHECK(id != NULL && str_has_prefix(id, "host+layout="));
	cordon_loaded_snap base = {.mount_dir = "/snap/core22/x2"};
	in.base = &base;
	char *id2 = cordon_ns_root_id(&in);
	CHECK(id2 != NULL && str_has_prefix(id2, "/snap/core22/x2+layout="));
	cordon_manifest *plain = load("name: plain\nversion: '1'\napps:\n  a:\n    command: a\n");
	cordon_loaded_snap pls = {.m = plain};
	cordon_compile_input pin = {.snap = &pls};
	CHECK(cordon_ns_root_id(&pin) == NULL);
	pin.base = &base;
	char *id3 = cordon_ns_root_id(&pin);
	CHECK_STR(id3, "/snap/core22/x2");
	free(id);
	free(id2);
	free(id3);
	cordon_policy_free(&p);
	cordon_policy_free(&q);
	cordon_manifest_free(m);
	cordon_manifest_free(plain);
	return check_done("layouts");
}
