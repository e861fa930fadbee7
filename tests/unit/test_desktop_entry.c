/* A snap's desktop file as installed (store/desktop_entry.h): only snapd's
 * keys, Exec= the app's /snap/bin entry with plain arguments only, Icon=
 * inside the snap. */
#include "check.h"
#include "desktop_entry.h"
#include "manifest.h"
#include "util.h"

#include <string.h>

static const char yaml[] = "name: foo\n"
			   "version: '1'\n"
			   "apps:\n"
			   "  foo:\n"
			   "    command: bin/foo\n"
			   "  edit:\n"
			   "    command: bin/edit\n"
			   "  svc:\n"
			   "    command: bin/svc\n"
			   "    daemon: simple\n";

static cordon_manifest *m;

static char *run(const char *instance, const char *file, const char *text)
{
	cordon_desktop_ctx c = {.instance = instance,
				.m = m,
				.file = file,
				.snap_bin = "/snap/bin",
				.snap_dir = "/snap/foo/current"};
	return cordon_desktop_sanitize(&c, text, strlen(text));
}

static void same(const char *instance, const char *file, const char *in, const char *want)
{
	char *got = run(instance, file, in);
	CHECK_STR(got, want);
	free(got);
}

static void test_names(void)
{
	CHECK(cordon_desktop_name_ok("edit.desktop"));
	CHECK(cordon_desktop_name_ok("org.example.Edit-2.desktop"));
	CHECK(!cordon_desktop_name_ok(".desktop"));
	CHECK(!cordon_desktop_name_ok(".x.desktop"));
	CHECK(!cordon_desktop_name_ok("a_b.desktop"));
	CHECK(!cordon_desktop_name_ok("edit.desktop.bak"));
	CHECK(!cordon_desktop_name_ok("ed it.desktop"));
}

static void test_keys(void)
{
	same("foo", "edit.desktop",
	     "# comment\n"
	     "Name=before any group\n"
	     "[Desktop Entry]\n"
	     "Type=Application\n"
	     "Name=Edit\n"
	     "Name[de_DE.UTF-8@euro]=Bearbeiten\n"
	     "Name[BAD]=x\n"
	     "Type=Twice\n"
	     "TryExec=/bin/sh\n"
	     "X-Evil=1\n"
	     "Path=/\n"
	     "DBusActivatable=true\n"
	     "Comment=\xc3\xa9t\xc3\xa9\n"
	     "Comment[fr]=bad \xff utf-8\n"
	     "Keywords=a;b;\r\n"
	     "Categories=Utility;\x01\n"
	     "[Evil Group]\n"
	     "Name=in an unknown group\n",
	     "# comment\n"
	     "[Desktop Entry]\n"
	     "X-SnapInstanceName=foo\n"
	     "Type=Application\n"
	     "Name=Edit\n"
	     "Name[de_DE.UTF-8@euro]=Bearbeiten\n"
	     "Comment=\xc3\xa9t\xc3\xa9\n"
	     "Keywords=a;b;\n");
}

static void test_exec(void)
{
	same("foo", "edit.desktop", "[Desktop Entry]\nExec=foo.edit %U --new-window\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo\nX-SnapAppName=edit\n"
	     "Exec=/snap/bin/foo.edit %U --new-window\n");
	/* the app named after the snap, under an instance key */
	same("foo_x", "a.desktop", "[Desktop Entry]\nExec=foo\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo_x\nX-SnapAppName=foo\n"
	     "Exec=/snap/bin/foo_x\n");
	/* shell metacharacters: the arguments go, the app stays */
	same("foo", "x.desktop", "[Desktop Entry]\nExec=foo.edit %U; rm -rf ~ `id` $(id)\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo\nX-SnapAppName=edit\n"
	     "Exec=/snap/bin/foo.edit\n");
	same("foo", "x.desktop", "[Desktop Entry]\nExec=foo.edit \"a b\" 'c'\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo\nX-SnapAppName=edit\n"
	     "Exec=/snap/bin/foo.edit\n");
	/* not an app of the snap: the app the file is named after, or none */
	same("foo", "edit.desktop", "[Desktop Entry]\nExec=/bin/sh -c id\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo\nX-SnapAppName=edit\n"
	     "Exec=/snap/bin/foo.edit\n");
	same("foo", "other.desktop", "[Desktop Entry]\nExec=sh -c id\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo\n");
	same("foo", "other.desktop", "[Desktop Entry]\nExec=bar.edit\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo\n");
	/* a daemon is never started from a menu */
	same("foo", "x.desktop", "[Desktop Entry]\nExec=foo.svc\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo\nX-SnapAppName=svc\n"
	     "Exec=/usr/bin/false\n");
	/* actions too */
	same("foo", "x.desktop", "[Desktop Action new-window]\nName=New\nExec=foo.edit --new\n",
	     "[Desktop Action new-window]\nName=New\nX-SnapAppName=edit\n"
	     "Exec=/snap/bin/foo.edit --new\n");
}

static void test_icon(void)
{
	const char *head = "[Desktop Entry]\nX-SnapInstanceName=foo\n";
	char *want;
	same("foo", "x.desktop", "[Desktop Entry]\nIcon=${SNAP}/meta/gui/icon.png\n",
	     want = xasprintf("%sIcon=/snap/foo/current/meta/gui/icon.png\n", head));
	free(want);
	const char *bad[] = {"Icon=${SNAP}/../../etc/shadow",
			     "Icon=${SNAP}/meta/./x.png",
			     "Icon=${SNAP}//x.png",
			     "Icon=${SNAP}/x/..",
			     "Icon=/etc/passwd",
			     "Icon=meta/gui/icon.png",
			     "Icon=snap.bar.icon",
			     "Icon=${SNAP}/"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *in = xasprintf("[Desktop Entry]\n%s\n", bad[i]);
		same("foo", "x.desktop", in, head);
		free(in);
	}
	same("foo_x", "x.desktop", "[Desktop Entry]\nIcon=snap.foo.edit\n",
	     "[Desktop Entry]\nX-SnapInstanceName=foo_x\nIcon=snap.foo_x.edit\n");
	same("foo", "x.desktop", "[Desktop Entry]\nIcon=accessories-text-editor\n",
	     want = xasprintf("%sIcon=accessories-text-editor\n", head));
	free(want);
}

int main(void)
{
	cordon_error *err = NULL;
	if (cordon_manifest_parse(yaml, strlen(yaml), "snap.yaml", &m, &err) < 0) {
		fprintf(stderr, "parse: %s\n", err->msg);
		return 1;
	}
	test_names();
	test_keys();
	test_exec();
	test_icon();
	cordon_manifest_free(m);
	return check_done("desktop_entry");
}
