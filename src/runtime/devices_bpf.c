/* The cgroup v2 device filter, assembled instruction by instruction.
 *
 * Program shape (r1 = struct bpf_cgroup_dev_ctx *):
 *
 *	r2 = ctx->access_type & 0xffff     device type (BPF_DEVCG_DEV_*)
 *	r3 = ctx->access_type >> 16        requested access (BPF_DEVCG_ACC_*)
 *	r4 = ctx->major
 *	r5 = ctx->minor
 *	for each rule:                     one block; any mismatch skips to the next
 *		if r2 != type goto next
 *		if r3 & ~access goto next      (omitted when the rule allows all)
 *		if r4 != major goto next       (omitted for major "any")
 *		if r5 != minor goto next       (omitted for minor "any")
 *		return 1
 *	return 0                           deny: the syscall fails with EPERM
 *
 * No helper call, no map, no loop: the verifier accepts it on every kernel
 * since 4.15, and it needs no libbpf or BTF at launch. */
#include "devices_bpf.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct insn_vec {
	struct bpf_insn *v;
	size_t n, cap;
} insn_vec;

static void emit(insn_vec *iv, struct bpf_insn insn)
{
	if (iv->n == iv->cap) {
		iv->cap = iv->cap ? iv->cap * 2 : 64;
		iv->v = xreallocarray(iv->v, iv->cap, sizeof(*iv->v));
	}
	iv->v[iv->n++] = insn;
}

/* The classic macros of the kernel's filter.h, as functions. */
static struct bpf_insn ldx_w(int dst, int src, int16_t off)
{
	return (struct bpf_insn){
	    .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = dst, .src_reg = src, .off = off};
}
static struct bpf_insn alu32_imm(int op, int dst, int32_t imm)
{
	return (struct bpf_insn){.code = BPF_ALU | op | BPF_K, .dst_reg = dst, .imm = imm};
}
static struct bpf_insn mov64_reg(int dst, int src)
{
	return (struct bpf_insn){
	    .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = dst, .src_reg = src};
}
static struct bpf_insn mov64_imm(int dst, int32_t imm)
{
	return (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = dst, .imm = imm};
}
static struct bpf_insn jne_imm(int dst, int32_t imm)
{
	/* offset patched once the block's end is known */
	return (struct bpf_insn){.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = dst, .imm = imm};
}
static struct bpf_insn exit_insn(void)
{
	return (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
}

void cordon_devices_bpf_assemble(const cordon_dev_allow *rules, size_t n, struct bpf_insn **insns,
				 size_t *n_insns)
{
	insn_vec iv = {0};
	emit(&iv, ldx_w(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type)));
	emit(&iv, alu32_imm(BPF_AND, BPF_REG_2, 0xffff));
	emit(&iv, ldx_w(BPF_REG_3, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type)));
	emit(&iv, alu32_imm(BPF_RSH, BPF_REG_3, 16));
	emit(&iv, ldx_w(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major)));
	emit(&iv, ldx_w(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor)));

	for (size_t i = 0; i < n; i++) {
		const cordon_dev_allow *r = &rules[i];
		size_t jumps[4], n_jumps = 0;
		int32_t type = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
		jumps[n_jumps++] = iv.n;
		emit(&iv, jne_imm(BPF_REG_2, type));
		uint32_t access = r->access & CORDON_DEV_ACC_ALL;
		if (access != CORDON_DEV_ACC_ALL) {
			emit(&iv, mov64_reg(BPF_REG_6, BPF_REG_3));
			emit(&iv, alu32_imm(BPF_AND, BPF_REG_6,
					    (int32_t)(~access & CORDON_DEV_ACC_ALL)));
			jumps[n_jumps++] = iv.n;
			emit(&iv, jne_imm(BPF_REG_6, 0));
		}
		if (r->major >= 0) {
			jumps[n_jumps++] = iv.n;
			emit(&iv, jne_imm(BPF_REG_4, r->major));
		}
		if (r->minor >= 0) {
			jumps[n_jumps++] = iv.n;
			emit(&iv, jne_imm(BPF_REG_5, r->minor));
		}
		emit(&iv, mov64_imm(BPF_REG_0, 1));
		emit(&iv, exit_insn());
		/* A jump's offset counts from the instruction after it. */
		for (size_t j = 0; j < n_jumps; j++)
			iv.v[jumps[j]].off = (int16_t)(iv.n - jumps[j] - 1);
	}
	emit(&iv, mov64_imm(BPF_REG_0, 0));
	emit(&iv, exit_insn());
	*insns = iv.v;
	*n_insns = iv.n;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int prog_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	/* No helper is called, so the licence does not matter to the
	 * verifier; cordon is GPL anyway. */
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.expected_attach_type = BPF_CGROUP_DEVICE;
	strncpy(attr.prog_name, "cordon_devices", sizeof(attr.prog_name) - 1);
	if (log) {
		attr.log_level = 1;
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)log_size;
	}
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

/* Thousands of device rules would be a policy bug; refusing them keeps the
 * program (at most 7 instructions a rule) far below the verifier's limits
 * and the error clear. */
#define MAX_RULES 4096

int cordon_devices_bpf_attach(int cgroup_fd, const cordon_dev_allow *rules, size_t n,
			      cordon_error **err)
{
	if (n > MAX_RULES)
		return cordon_err_msg(err, E2BIG, "device filter: %zu rules (at most %d)", n,
				      MAX_RULES);
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t n_insns;
	cordon_devices_bpf_assemble(rules, n, &insns, &n_insns);

	_cleanup_close_ int prog = prog_load(insns, n_insns, NULL, 0);
	if (prog < 0) {
		int saved = errno;
		/* Load again with the verifier log, for a useful message. */
		size_t log_size = 1u << 16;
		_cleanup_free_ char *log = xcalloc(1, log_size);
		int again = prog_load(insns, n_insns, log, log_size);
		if (again >= 0)
			close(again);
		char *nl = strchr(log, '\n');
		if (nl)
			*nl = '\0';
		return cordon_err(err, saved, "load device filter (%zu instructions)%s%s", n_insns,
				  log[0] ? ": verifier: " : "", log);
	}

	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* attach_flags 0: a single program per cgroup, replaced by the next
	 * attach. An ancestor's programs (systemd attaches its own with
	 * ALLOW_MULTI) still run too: access needs every one of them to agree. */
	attr.attach_flags = 0;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return cordon_err(err, errno, "attach device filter");
	/* The cgroup holds its own reference: closing the fd keeps it. */
	return 0;
}

int cordon_devices_bpf_detach(int cgroup_fd, cordon_error **err)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	/* An invalid program fd detaches "the" program of a non-multi
	 * attachment (legacy semantics the kernel keeps for this case). */
	attr.attach_bpf_fd = (uint32_t)-1;
	attr.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &attr) < 0) {
		/* ENOENT: nothing attached. ENOSYS/EINVAL/EOPNOTSUPP: a kernel
		 * without (cgroup) BPF, where nothing can be attached either. */
		if (errno == ENOENT || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)
			return 0;
		return cordon_err(err, errno, "detach device filter");
	}
	return 0;
}

int cordon_devices_bpf_count(int cgroup_fd, cordon_error **err)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgroup_fd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	/* prog_ids NULL: the kernel only fills in prog_cnt. */
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return cordon_err(err, errno, "query device filters");
	return (int)attr.query.prog_cnt;
}

int cordon_devices_bpf_probe(void)
{
	const cordon_dev_allow none = {.type = 'c', .major = 1, .minor = 3, .access = 7};
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t n_insns;
	cordon_devices_bpf_assemble(&none, 1, &insns, &n_insns);
	int fd = prog_load(insns, n_insns, NULL, 0);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno == EPERM || errno == EACCES)
		return -EPERM;
	return 0;
}
