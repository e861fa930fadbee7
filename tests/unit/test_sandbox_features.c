/* `cordon debug sandbox-features` (runtime/sandbox_features.h): the report
 * of made-up hosts, in snapd's layout. */
#include "check.h"
#include "sandbox_features.h"
#include "util.h"

#include <string.h>

static void report(const cordon_hostinfo *h, strv *backends, strv *features, strv *lines)
{
	cordon_sandbox_features(h, backends, features);
	cordon_sandbox_features_format(backends, features, lines);
}

/* This host: Landlock ABI 7, hybrid cgroups, no AppArmor. */
static void test_this_host(void)
{
	cordon_hostinfo h = {.landlock_abi = 7,
			     .seccomp_filter = true,
			     .seccomp_log = true,
			     .seccomp_errno_logged = true,
			     .cgroup_v1_devices = "/sys/fs/cgroup/devices",
			     .cgroup_v2 = "/sys/fs/cgroup/unified",
			     .devices_bpf = -1};
	strv_push(&h.seccomp_actions, "errno");
	strv_push(&h.seccomp_actions, "user_notif");
	_cleanup_strv_ strv b = {0}, f = {0}, lines = {0};
	report(&h, &b, &f, &lines);
	CHECK_INT((int)lines.n, 6);
	/* sorted; no apparmor line; "confinement-options:" sets the column */
	CHECK_STR(lines.v[0], "cgroup:               v1-devices v2 per-label device-filter:v1");
	CHECK_STR(lines.v[1], "confinement-options:  classic devmode strict");
	CHECK(str_has_prefix(lines.v[2], "landlock:             abi:7 fs:execute "));
	CHECK(strstr(lines.v[2], " net:connect_tcp fs:ioctl_dev scope:abstract_unix_socket "
				 "scope:signal log:audit") != NULL);
	CHECK(strstr(lines.v[2], "resolve_unix") == NULL);
	CHECK(str_has_prefix(lines.v[3], "mount:                mount-namespace "));
	CHECK(str_has_suffix(lines.v[3], " command-view"));
	CHECK_STR(lines.v[4], "namespace:            ipc mnt");
	CHECK_STR(lines.v[5], "seccomp:              bpf-argument-filtering bpf-actlog "
			      "denials-logged kernel:errno kernel:user_notif");
	CHECK(cordon_sandbox_features_has(&b, &f, "landlock:abi:7"));
	CHECK(cordon_sandbox_features_has(&b, &f, "seccomp:kernel:user_notif"));
	CHECK(cordon_sandbox_features_has(&b, &f, "cgroup:v2"));
	CHECK(!cordon_sandbox_features_has(&b, &f, "cgroup:v"));
	CHECK(!cordon_sandbox_features_has(&b, &f, "landlock:abi:6"));
	CHECK(!cordon_sandbox_features_has(&b, &f, "apparmor:kernel:enabled"));
	CHECK(!cordon_sandbox_features_has(&b, &f, "landlock"));
	CHECK(!cordon_sandbox_features_has(&b, &f, "landlock:"));
	CHECK(!cordon_sandbox_features_has(&b, &f, ":abi:7"));
	strv_free(&h.seccomp_actions);
}

/* An old kernel: Landlock ABI 1, pure cgroup v2 that cannot load device
 * programs, AppArmor, no seccomp logging, no mount_setattr. */
static void test_old_host(void)
{
	cordon_hostinfo h = {.landlock_abi = 1,
			     .seccomp_filter = true,
			     .cgroup_v2 = "/sys/fs/cgroup",
			     .devices_bpf = 0,
			     .apparmor = true,
			     .no_view = true};
	_cleanup_strv_ strv b = {0}, f = {0}, lines = {0};
	report(&h, &b, &f, &lines);
	CHECK_STR(b.v[0], "apparmor");
	CHECK_STR(f.v[0], "kernel:enabled policy:per-label");
	CHECK_STR(f.v[1], "v2 per-label"); /* no device filter */
	CHECK(strstr(f.v[3], "fs:refer") == NULL);
	CHECK(strstr(f.v[3], "net:") == NULL);
	CHECK(strstr(f.v[4], "command-view") == NULL);
	CHECK_STR(f.v[6], "bpf-argument-filtering");
}

/* No Landlock, no seccomp: their lines are left out. */
static void test_bare_host(void)
{
	cordon_hostinfo h = {0};
	_cleanup_strv_ strv b = {0}, f = {0}, lines = {0};
	report(&h, &b, &f, &lines);
	CHECK_INT((int)b.n, 3);
	CHECK_STR(b.v[0], "confinement-options");
	CHECK_STR(lines.v[0], "confinement-options:  classic devmode strict");
	CHECK_STR(b.v[1], "mount");
	CHECK_STR(b.v[2], "namespace");
	CHECK(!strv_contains(&b, "landlock") && !strv_contains(&b, "seccomp"));
}

int main(void)
{
	test_this_host();
	test_old_host();
	test_bare_host();
	return check_done("sandbox_features");
}
