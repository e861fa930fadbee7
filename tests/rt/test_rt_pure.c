/* Pure parts of the runtime pieces: Landlock features per ABI, the
 * `cordon debug confinement` report for made-up hosts, mountinfo parsing,
 * cgroup v1 device lines, the assembled device program (run here by a tiny
 * interpreter of the instructions it uses). */
#include "cgroup.h"
#include "cgroup_devices.h"
#include "check.h"
#include "devices_bpf.h"
#include "hostinfo.h"
#include "landlock.h"
#include "landlock_defs.h"

static void test_landlock_features(void)
{
	cordon_landlock_features f;
	cordon_landlock_features_for(0, &f);
	CHECK_INT(f.fs, 0);
	CHECK_INT(f.net, 0);

	cordon_landlock_features_for(1, &f);
	CHECK_INT(f.fs, CORDON_LL_FS_ABI1);
	CHECK_INT(f.net, 0);
	CHECK_INT(f.scoped, 0);
	CHECK_INT(f.restrict_flags, 0);

	cordon_landlock_features_for(2, &f);
	CHECK_INT(f.fs, CORDON_LL_FS_ABI1 | LANDLOCK_ACCESS_FS_REFER);
	cordon_landlock_features_for(3, &f);
	CHECK_INT(f.fs, CORDON_LL_FS_ABI1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE);
	CHECK_INT(f.net, 0);
	cordon_landlock_features_for(4, &f);
	CHECK_INT(f.net, CORDON_LL_NET_ALL);
	CHECK(!(f.fs & LANDLOCK_ACCESS_FS_IOCTL_DEV));
	cordon_landlock_features_for(5, &f);
	CHECK_INT(f.fs, CORDON_LL_FS_ALL & ~LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
	CHECK_INT(f.scoped, 0);
	cordon_landlock_features_for(6, &f);
	CHECK_INT(f.scoped, CORDON_LL_SCOPE_ALL);
	CHECK_INT(f.restrict_flags, 0);
	cordon_landlock_features_for(7, &f);
	CHECK_INT(f.restrict_flags, LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON);
	cordon_landlock_features_for(8, &f);
	CHECK_INT(f.fs, CORDON_LL_FS_ALL & ~LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
	/* ABI 9: connecting to path-name sockets is a right of its own */
	cordon_landlock_features_for(9, &f);
	CHECK_INT(f.fs, CORDON_LL_FS_ALL);
	CHECK(f.fs & LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
	/* A newer kernel: what cordon knows, nothing more. */
	cordon_landlock_features_for(10, &f);
	CHECK_INT(f.fs, CORDON_LL_FS_ALL);
	CHECK_INT(f.restrict_flags, LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON);

	char *m = cordon_landlock_missing(2);
	CHECK_STR(m, "ABI 2, no truncate rules, no network rules, no device ioctl rules, "
		     "no abstract-socket or signal scoping");
	free(m);
	m = cordon_landlock_missing(4);
	CHECK_STR(m, "ABI 4, no device ioctl rules, no abstract-socket or signal scoping");
	free(m);
	CHECK(cordon_landlock_missing(6) == NULL);
	CHECK(cordon_landlock_missing(7) == NULL);
	m = cordon_landlock_missing(0);
	CHECK(m && strstr(m, "not available"));
	free(m);
}

static char *join(const strv *s)
{
	buf b = {0};
	buf_adds(&b, "");
	for (size_t i = 0; i < s->n; i++)
		buf_printf(&b, "%s\n", s->v[i]);
	return buf_steal(&b);
}

static char *report(const cordon_hostinfo *h)
{
	_cleanup_strv_ strv lines = {0};
	cordon_hostinfo_format(h, &lines);
	return join(&lines);
}

static void test_hostinfo_format(void)
{
	/* This development host: ABI 7, hybrid cgroups, no AppArmor. */
	cordon_hostinfo dev = {
	    .landlock_abi = 7,
	    .seccomp_filter = true,
	    .seccomp_log = true,
	    .seccomp_errno_logged = true,
	    .cgroup_v1_devices = "/sys/fs/cgroup/devices",
	    .cgroup_v2 = "/sys/fs/cgroup/unified",
	    .devices_bpf = -1,
	    .userns = true,
	    .userns_unprivileged = 1,
	};
	char *r = report(&dev);
	CHECK_STR(r, "strict\n"
		     "landlock: ABI 7, file, TCP bind/connect and IPC rules, denials audit-logged\n"
		     "seccomp: filter, violations logged\n"
		     "devices: cgroup v1 devices controller at /sys/fs/cgroup/devices\n"
		     "cgroups: hybrid, v1 devices at /sys/fs/cgroup/devices, cgroup2 at "
		     "/sys/fs/cgroup/unified\n"
		     "apparmor: not in the kernel, Landlock enforces file rules alone\n"
		     "user namespaces: available, unprivileged allowed\n");
	free(r);

	/* An older kernel (ABI 2), pure cgroup v2, AppArmor, an admin who
	 * took "errno" out of actions_logged. */
	cordon_hostinfo old = {
	    .landlock_abi = 2,
	    .seccomp_filter = true,
	    .seccomp_log = true,
	    .seccomp_errno_logged = false,
	    .cgroup_v2 = "/sys/fs/cgroup",
	    .devices_bpf = 1,
	    .apparmor = true,
	    .userns = true,
	    .userns_unprivileged = 0,
	};
	r = report(&old);
	CHECK_STR(r, "partial\n"
		     "landlock: ABI 2, no truncate rules, no network rules, no device ioctl "
		     "rules, no abstract-socket or signal scoping\n"
		     "seccomp: filter, violations not logged (errno missing from "
		     "/proc/sys/kernel/seccomp/actions_logged)\n"
		     "devices: cgroup v2 device program at /sys/fs/cgroup\n"
		     "cgroups: unified (v2) at /sys/fs/cgroup\n"
		     "apparmor: enabled\n"
		     "user namespaces: available, unprivileged restricted\n");
	free(r);

	/* Nothing at all. */
	cordon_hostinfo none = {.devices_bpf = -1, .userns_unprivileged = -1};
	r = report(&none);
	CHECK(str_has_prefix(r, "partial\nlandlock: not available"));
	CHECK(strstr(r, "\nseccomp: no filter support") != NULL);
	CHECK(strstr(r, "\ndevices: no cgroup v1 devices controller and no cgroup2 mounted") !=
	      NULL);
	CHECK(strstr(r, "\nuser namespaces: not available\n") != NULL);
	free(r);

	/* A kernel without mount_setattr (5.10, 5.11): no file system view. */
	cordon_hostinfo noview = {.landlock_abi = 7,
				  .seccomp_filter = true,
				  .seccomp_log = true,
				  .seccomp_errno_logged = true,
				  .cgroup_v2 = "/sys/fs/cgroup",
				  .devices_bpf = 1,
				  .userns_unprivileged = -1,
				  .no_view = true};
	r = report(&noview);
	CHECK(str_has_prefix(r, "partial\nview: the kernel has no mount_setattr (Linux < 5.12), "
				"file metadata and path-name sockets not confined\n"));
	free(r);

	/* ABI 6 is complete enforcement; only the logging note differs. A v2
	 * kernel refusing device programs is a gap. */
	cordon_hostinfo six = {.landlock_abi = 6,
			       .seccomp_filter = true,
			       .cgroup_v2 = "/sys/fs/cgroup",
			       .devices_bpf = 0,
			       .userns_unprivileged = -1};
	r = report(&six);
	CHECK_STR(r, "partial\n"
		     "devices: the kernel cannot load cgroup device programs, device access not "
		     "restricted\n"
		     "landlock: ABI 6, file, TCP bind/connect and IPC rules, denials not logged "
		     "(ABI < 7)\n"
		     "seccomp: filter, violations not logged (kernel without "
		     "SECCOMP_FILTER_FLAG_LOG)\n"
		     "cgroups: unified (v2) at /sys/fs/cgroup\n"
		     "apparmor: not in the kernel, Landlock enforces file rules alone\n"
		     "user namespaces: not available\n");
	free(r);
}

static void test_mountinfo(void)
{
	const char *hybrid =
	    "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
	    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	    "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	    "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
	    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";
	cordon_cgroup_mounts m;
	cordon_cgroup_parse_mountinfo(hybrid, &m);
	CHECK_STR(m.v1_devices, "/sys/fs/cgroup/devices");
	CHECK_STR(m.v2, "/sys/fs/cgroup/unified");
	cordon_cgroup_mounts_free(&m);

	/* Pure v2 (systemd), an optional field, no trailing newline. */
	cordon_cgroup_parse_mountinfo("25 22 0:22 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 "
				      "cgroup2 rw,nsdelegate,memory_recursiveprot",
				      &m);
	CHECK(m.v1_devices == NULL);
	CHECK_STR(m.v2, "/sys/fs/cgroup");
	cordon_cgroup_mounts_free(&m);

	/* Co-mounted controllers, an escaped space; "devicesX" is not "devices";
	 * the first mount of a kind wins. */
	cordon_cgroup_parse_mountinfo(
	    "1 0 0:1 / /a rw - cgroup cgroup rw,devicesX\n"
	    "2 0 0:2 / /my\\040cg rw - cgroup cgroup rw,cpuset,devices,freezer\n"
	    "3 0 0:3 / /other rw - cgroup cgroup rw,devices\n"
	    "garbage line\n"
	    "4 0 0:4 / /u1 rw - cgroup2 cgroup2 rw\n"
	    "5 0 0:4 / /u2 rw - cgroup2 cgroup2 rw\n",
	    &m);
	CHECK_STR(m.v1_devices, "/my cg");
	CHECK_STR(m.v2, "/u1");
	cordon_cgroup_mounts_free(&m);

	cordon_cgroup_parse_mountinfo("", &m);
	CHECK(m.v1_devices == NULL && m.v2 == NULL);

	cordon_cgroup_cfg auto_cfg = {0}, v2_cfg = {.mode = CORDON_CGROUP_V2},
			  v1_cfg = {.mode = CORDON_CGROUP_V1};
	cordon_cgroup_mounts both = {"/d", "/u"}, only2 = {NULL, "/u"}, nothing = {0};
	CHECK_INT(cordon_cgroup_mode_effective(&auto_cfg, &both), CORDON_CGROUP_V1);
	CHECK_INT(cordon_cgroup_mode_effective(&auto_cfg, &only2), CORDON_CGROUP_V2);
	CHECK_INT(cordon_cgroup_mode_effective(&v2_cfg, &both), CORDON_CGROUP_V2);
	CHECK_INT(cordon_cgroup_mode_effective(&v1_cfg, &only2), -ENOENT);
	CHECK_INT(cordon_cgroup_mode_effective(&auto_cfg, &nothing), -ENOENT);
}

static void test_dev_lines(void)
{
	cordon_dev_allow a = {'c', 1, 3, CORDON_DEV_ACC_ALL};
	char *s = cordon_dev_allow_v1_line(&a);
	CHECK_STR(s, "c 1:3 rwm");
	free(s);
	a = (cordon_dev_allow){'c', 136, -1, CORDON_DEV_ACC_ALL};
	s = cordon_dev_allow_v1_line(&a);
	CHECK_STR(s, "c 136:* rwm");
	free(s);
	a = (cordon_dev_allow){'b', -1, -1, CORDON_DEV_ACC_READ | CORDON_DEV_ACC_MKNOD};
	s = cordon_dev_allow_v1_line(&a);
	CHECK_STR(s, "b *:* rm");
	free(s);

	/* Numeric rules only: no file system access. Sorted, deduplicated. */
	_cleanup_policy_ cordon_policy p = {0};
	cordon_policy_add_dev(&p, 'c', 5, 2, NULL);
	cordon_policy_add_dev(&p, 'c', 1, 3, NULL);
	cordon_policy_add_dev(&p, 'b', 7, -1, NULL);
	cordon_policy_add_dev(&p, 'c', 1, 3, NULL);
	cordon_dev_allow *out = NULL;
	size_t n = 0;
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(cordon_devices_resolve(&p, &out, &n, &err), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK(out[0].type == 'b' && out[0].major == 7 && out[0].minor == -1);
		CHECK(out[1].type == 'c' && out[1].major == 1 && out[1].minor == 3);
		CHECK(out[2].type == 'c' && out[2].major == 5 && out[2].minor == 2);
		CHECK_INT(out[1].access, CORDON_DEV_ACC_ALL);
	}
	free(out);
	cordon_policy_add_dev(&p, 'x', 1, 1, NULL);
	CHECK_INT(cordon_devices_resolve(&p, &out, &n, &err), -EINVAL);
}

/* Just enough eBPF to run what cordon_devices_bpf_assemble emits. */
static int64_t run_prog(const struct bpf_insn *prog, size_t n, uint32_t type, uint32_t acc,
			uint32_t major, uint32_t minor)
{
	struct bpf_cgroup_dev_ctx ctx = {acc << 16 | type, major, minor};
	uint64_t r[11] = {0};
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &prog[pc];
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W: {
			uint32_t v;
			memcpy(&v, (const char *)&ctx + i->off, 4);
			r[i->dst_reg] = v;
			break;
		}
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			r[i->dst_reg] = r[i->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int64_t)r[0];
		default:
			return -1;
		}
	}
	return -2; /* fell off the end */
}

static void test_bpf_program(void)
{
	const cordon_dev_allow rules[] = {
	    {'c', 1, 3, CORDON_DEV_ACC_ALL},
	    {'c', 136, -1, CORDON_DEV_ACC_ALL},
	    {'b', 7, 0, CORDON_DEV_ACC_READ},
	};
	struct bpf_insn *prog;
	size_t n;
	cordon_devices_bpf_assemble(rules, ARRAY_SIZE(rules), &prog, &n);
	const uint32_t C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
	const uint32_t RW = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, R = BPF_DEVCG_ACC_READ;
	CHECK_INT(run_prog(prog, n, C, RW, 1, 3), 1);
	CHECK_INT(run_prog(prog, n, C, BPF_DEVCG_ACC_MKNOD, 1, 3), 1);
	CHECK_INT(run_prog(prog, n, C, RW, 1, 11), 0);	/* kmsg */
	CHECK_INT(run_prog(prog, n, B, RW, 1, 3), 0);	/* type matters */
	CHECK_INT(run_prog(prog, n, C, RW, 136, 0), 1); /* any minor */
	CHECK_INT(run_prog(prog, n, C, RW, 136, 99999), 1);
	CHECK_INT(run_prog(prog, n, C, RW, 137, 0), 0);
	CHECK_INT(run_prog(prog, n, B, R, 7, 0), 1); /* read-only rule */
	CHECK_INT(run_prog(prog, n, B, RW, 7, 0), 0);
	CHECK_INT(run_prog(prog, n, B, R, 7, 1), 0);
	free(prog);

	/* No rules: everything denied. */
	cordon_devices_bpf_assemble(NULL, 0, &prog, &n);
	CHECK_INT(n, 8);
	CHECK_INT(run_prog(prog, n, C, RW, 1, 3), 0);
	free(prog);
}

int main(void)
{
	test_landlock_features();
	test_hostinfo_format();
	test_mountinfo();
	test_dev_lines();
	test_bpf_program();
	return check_done("rt_pure");
}
