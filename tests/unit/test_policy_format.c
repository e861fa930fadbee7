/* The compiled policy encoding: a round trip keeps everything; any damage
 * (truncation at every length, any flipped byte, bad counts and strings) is
 * refused rather than half-read. */
#include "check.h"
#include "policy.h"
#include "util.h"

#include <errno.h>

static void make(cordon_policy *p)
{
	memset(p, 0, sizeof *p);
	p->label = xstrdup("snap.foo.bar");
	p->snap_name = xstrdup("foo");
	p->instance_name = xstrdup("foo_x");
	p->instance_key = xstrdup("x");
	p->app = xstrdup("bar");
	p->revision = xstrdup("x3");
	p->version = xstrdup("1.0");
	p->confinement = CORDON_DEVMODE;
	p->source_kind = CORDON_SOURCE_SQUASHFS;
	p->source_path = xstrdup("/var/lib/cordon/snaps/foo_x_x3.snap");
	p->mount_dir = xstrdup("/snap/foo_x/x3");
	cordon_policy_add_env(p, false, "SNAP", "/snap/foo_x/x3");
	cordon_policy_add_env(p, true, "PATH", "$SNAP/bin:$PATH");
	strv_push(&p->chain, "bin/wrapper");
	strv_push(&p->command, "bin/bar");
	strv_push(&p->command, "--flag=$SNAP_DATA");
	strv_push(&p->stop_command, "bin/stop");
	strv_push(&p->stop_command, "--now");
	strv_push(&p->post_stop_command, "bin/cleanup");
	cordon_policy_add_dev(p, 'c', 1, 3, NULL);
	cordon_policy_add_dev(p, 'c', 136, -1, NULL);
	cordon_policy_add_dev(p, 'c', -1, -1, "/dev/ttyUSB[0-9]*");
	p->ns_stamp = xstrdup("x3-0123456789abcdef");
	cordon_policy_add_mount(p, "/snap/other/x1/lib", "/var/snap/foo_x/x3/lib", CORDON_MOUNT_RO);
	p->seccomp_len = 16;
	p->seccomp = xcalloc(1, 16);
	p->seccomp[0] = 0x06; /* BPF_RET */
	cordon_policy_add_fs(p, "/usr", 0x5, 0);
	cordon_policy_add_fs(p, "$SNAP_USER_DATA", 0xffff, CORDON_FS_NOFOLLOW);
	p->net_handled = 3;
	p->scoped = 3;
	p->caps_keep = 1ULL << 12;
	p->flags = CORDON_POLICY_NOTIFY;
	p->apparmor_profile = xstrdup("snap.foo.bar");
	p->base_name = xstrdup("core22");
	p->base_dir = xstrdup("/snap/core22/x2");
	p->base_source_kind = CORDON_SOURCE_DIR;
	p->base_source_path = xstrdup("/srv/core22");
	cordon_policy_add_layout(p, CORDON_LAYOUT_BIND, "/usr/share/foo", "/snap/foo_x/x3/share",
				 0755);
	cordon_policy_add_layout(p, CORDON_LAYOUT_TMPFS, "/opt/foo", NULL, 01777);
	cordon_policy_add_layout(p, CORDON_LAYOUT_SYMLINK, "/etc/foo.conf", "foo/real.conf", 0755);
}

static void test_round_trip(void)
{
	cordon_policy a, b;
	make(&a);
	buf enc = {0};
	cordon_policy_encode(&a, &enc);
	cordon_error *err = NULL;
	CHECK_INT(cordon_policy_decode(enc.p, enc.len, &b, &err), 0);
	CHECK_STR(b.label, "snap.foo.bar");
	CHECK_STR(b.instance_key, "x");
	CHECK_INT(b.confinement, CORDON_DEVMODE);
	CHECK_INT(b.n_env_static, 1);
	CHECK_STR(b.env_user[0].value, "$SNAP/bin:$PATH");
	CHECK_INT(b.chain.n, 1);
	CHECK_STR(b.command.v[1], "--flag=$SNAP_DATA");
	CHECK_INT(b.stop_command.n, 2);
	CHECK_STR(b.stop_command.v[1], "--now");
	CHECK_INT(b.reload_command.n, 0);
	CHECK_INT(b.post_stop_command.n, 1);
	CHECK_STR(b.post_stop_command.v[0], "bin/cleanup");
	CHECK_INT(b.flags, CORDON_POLICY_NOTIFY);
	CHECK_INT(b.n_devices, 3);
	CHECK_INT(b.devices[1].minor, -1);
	CHECK_STR(b.devices[2].path, "/dev/ttyUSB[0-9]*");
	CHECK(b.devices[0].path == NULL);
	CHECK_STR(b.mounts[0].target, "/var/snap/foo_x/x3/lib");
	CHECK_INT(b.mounts[0].flags, CORDON_MOUNT_RO);
	CHECK_INT(b.seccomp_len, 16);
	CHECK_INT(b.n_fs, 2);
	CHECK_INT(b.fs[1].flags, CORDON_FS_NOFOLLOW);
	CHECK(b.caps_keep == 1ULL << 12);
	CHECK_STR(b.base_name, "core22");
	CHECK_STR(b.base_dir, "/snap/core22/x2");
	CHECK_INT(b.base_source_kind, CORDON_SOURCE_DIR);
	CHECK_STR(b.base_source_path, "/srv/core22");
	CHECK_INT(b.n_layouts, 3);
	CHECK_INT(b.layouts[0].kind, CORDON_LAYOUT_BIND);
	CHECK_STR(b.layouts[0].source, "/snap/foo_x/x3/share");
	CHECK(b.layouts[1].source == NULL);
	CHECK_INT(b.layouts[1].mode, 01777);
	CHECK_STR(b.layouts[2].source, "foo/real.conf");
	/* re-encoding gives the same bytes */
	buf enc2 = {0};
	cordon_policy_encode(&b, &enc2);
	CHECK(enc.len == enc2.len && memcmp(enc.p, enc2.p, enc.len) == 0);
	buf_free(&enc2);
	cordon_policy_free(&b);

	/* every truncation is refused */
	int refused = 0;
	for (size_t n = 0; n < enc.len; n++) {
		if (cordon_policy_decode(enc.p, n, &b, &err) < 0)
			refused++;
		else
			cordon_policy_free(&b);
	}
	CHECK_INT(refused, enc.len);
	/* every single flipped bit is refused (checksum, or a structural check) */
	refused = 0;
	size_t tries = 0;
	for (size_t i = 0; i < enc.len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			enc.p[i] ^= (char)(1 << bit);
			tries++;
			if (cordon_policy_decode(enc.p, enc.len, &b, &err) < 0)
				refused++;
			else
				cordon_policy_free(&b);
			enc.p[i] ^= (char)(1 << bit);
		}
	}
	CHECK_INT(refused, tries);
	/* trailing garbage */
	buf_add(&enc, "x", 1);
	CHECK(cordon_policy_decode(enc.p, enc.len, &b, &err) < 0);
	CHECK_STR(err->msg, "compiled policy damaged (checksum mismatch)");
	buf_free(&enc);
	cordon_policy_free(&a);
	cordon_error_free(&err);
}

static void test_refusals(void)
{
	cordon_policy b;
	cordon_error *err = NULL;
	CHECK_INT(cordon_policy_decode("NOTAPOLICY", 10, &b, &err), -EINVAL);
	CHECK_STR(err->msg, "not a compiled cordon policy (bad magic)");
	/* incomplete: no command */
	cordon_policy a;
	make(&a);
	strv_free(&a.command);
	buf enc = {0};
	cordon_policy_encode(&a, &enc);
	CHECK_INT(cordon_policy_decode(enc.p, enc.len, &b, &err), -EINVAL);
	CHECK_STR(err->msg, "compiled policy incomplete");
	buf_free(&enc);
	cordon_policy_free(&a);
	/* strict without a seccomp filter */
	make(&a);
	a.confinement = CORDON_STRICT;
	free(a.seccomp);
	a.seccomp = NULL;
	a.seccomp_len = 0;
	cordon_policy_encode(&a, &enc);
	CHECK_INT(cordon_policy_decode(enc.p, enc.len, &b, &err), -EINVAL);
	CHECK_STR(err->msg, "compiled policy has no seccomp filter");
	buf_free(&enc);
	/* a relative fs rule path is refused */
	a.seccomp_len = 8;
	a.seccomp = xcalloc(1, 8);
	free(a.fs[0].path);
	a.fs[0].path = xstrdup("usr");
	cordon_policy_encode(&a, &enc);
	CHECK(cordon_policy_decode(enc.p, enc.len, &b, &err) < 0);
	buf_free(&enc);
	/* an unknown flag bit is refused */
	free(a.fs[0].path);
	a.fs[0].path = xstrdup("/usr");
	a.flags = 1u << 7;
	cordon_policy_encode(&a, &enc);
	CHECK(cordon_policy_decode(enc.p, enc.len, &b, &err) < 0);
	buf_free(&enc);
	cordon_policy_free(&a);
	cordon_error_free(&err);
}

/* A layout's bind source must be absolute, a base's directory too. */
static void test_base_and_layout_refusals(void)
{
	cordon_policy a, b;
	cordon_error *err = NULL;
	buf enc = {0};
	make(&a);
	free(a.layouts[0].source);
	a.layouts[0].source = xstrdup("relative/share");
	cordon_policy_encode(&a, &enc);
	CHECK_INT(cordon_policy_decode(enc.p, enc.len, &b, &err), -EINVAL);
	buf_free(&enc);
	cordon_policy_free(&a);
	cordon_error_free(&err);
	make(&a);
	free(a.base_dir);
	a.base_dir = xstrdup("snap/core22/x2");
	cordon_policy_encode(&a, &enc);
	CHECK_INT(cordon_policy_decode(enc.p, enc.len, &b, &err), -EINVAL);
	CHECK_STR(err->msg, "compiled policy has an incomplete base");
	buf_free(&enc);
	cordon_policy_free(&a);
	cordon_error_free(&err);
}

int main(void)
{
	test_round_trip();
	test_refusals();
	test_base_and_layout_refusals();
	return check_done("policy_format");
}
