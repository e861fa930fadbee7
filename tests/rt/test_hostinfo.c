/* Host detection on the real system (root): the report is consistent with
 * what the kernel answers directly. Nothing host-specific is assumed. */
#include "cgroup.h"
#include "hostinfo.h"
#include "landlock.h"
#include "rt_harness.h"

int main(void)
{
	rt_require_root("hostinfo");
	cordon_hostinfo h;
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(cordon_hostinfo_detect(&h, &err), 0);
	CHECK_INT(h.landlock_abi, cordon_landlock_abi());

	cordon_cgroup_mounts m = {0};
	CHECK_INT(cordon_cgroup_find_mounts(&m, &err), 0);
	CHECK_STR(h.cgroup_v1_devices, m.v1_devices);
	CHECK_STR(h.cgroup_v2, m.v2);
	/* As root the device-program probe gives a definite answer where it
	 * matters (cgroup2 without the v1 devices controller). */
	if (m.v2 && !m.v1_devices)
		CHECK(h.devices_bpf == 0 || h.devices_bpf == 1);
	cordon_cgroup_mounts_free(&m);

	_cleanup_strv_ strv lines = {0};
	cordon_hostinfo_format(&h, &lines);
	CHECK(lines.n >= 2);
	CHECK(strcmp(lines.v[0], "strict") == 0 || strcmp(lines.v[0], "partial") == 0);
	for (size_t i = 0; i < lines.n; i++)
		printf("  %s\n", lines.v[i]);
	cordon_hostinfo_free(&h);
	return check_done("hostinfo");
}
