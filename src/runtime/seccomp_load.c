/* Seccomp filter loading (runtime library): see seccomp_load.h. */
#include "seccomp_load.h"
#include "util.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif

/* Only the instruction form the compiler gives SELF: anything else that
 * happened to hold the value (it cannot, the compiler checks) stays as is.
 * The policy buffer carries no alignment promise: instructions are copied
 * out rather than cast. */
static bool self_at(const uint8_t *bpf, size_t i, struct sock_filter *f)
{
	memcpy(f, bpf + i * sizeof *f, sizeof *f);
	return f->code == (BPF_JMP | BPF_JEQ | BPF_K) && f->k == CORDON_SECCOMP_SELF_MARKER;
}

static bool has_self(const uint8_t *bpf, size_t len)
{
	struct sock_filter f;
	for (size_t i = 0; i < len / sizeof f; i++)
		if (self_at(bpf, i, &f))
			return true;
	return false;
}

size_t cordon_seccomp_patch_self(uint8_t *bpf, size_t len, uint32_t pid)
{
	size_t n = 0;
	struct sock_filter f;
	for (size_t i = 0; i < len / sizeof f; i++) {
		if (!self_at(bpf, i, &f))
			continue;
		f.k = pid;
		memcpy(bpf + i * sizeof f, &f, sizeof f);
		n++;
	}
	return n;
}

int cordon_seccomp_load(const uint8_t *bpf, size_t len, cordon_error **err)
{
	if (bpf == NULL || len == 0 || len % sizeof(struct sock_filter) != 0 ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cordon_err_msg(err, EINVAL, "invalid seccomp filter of %zu bytes", len);

	/* Without no_new_privs the app could exec a setuid binary that runs
	 * with our filter but with privileges, and the kernel refuses filters
	 * from unprivileged callers anyway. */
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp < 0)
		return cordon_err(err, errno, "prctl(PR_GET_NO_NEW_PRIVS)");
	if (nnp == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cordon_err(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");

	/* SELF rules (seccomp_load.h) name this process, which execs the app
	 * next: its pid goes into a private copy. Without them the policy's
	 * own bytes are loaded, as they were before SELF existed. */
	_cleanup_free_ uint8_t *patched = NULL;
	if (has_self(bpf, len)) {
		patched = xmalloc(len);
		memcpy(patched, bpf, len);
		cordon_seccomp_patch_self(patched, len, (uint32_t)getpid());
	}
	struct sock_fprog prog = {
	    .len = (unsigned short)(len / sizeof(struct sock_filter)),
	    /* the kernel copies the program; it does not write to it */
	    .filter = (struct sock_filter *)(uintptr_t)(patched ? patched : bpf),
	};
	/* SECCOMP_FILTER_FLAG_LOG: log every action but ALLOW (so EPERM and
	 * EACCES too), not only kills; this is how violations become visible
	 * (dmesg, audit) without AppArmor. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &prog) < 0)
		return cordon_err(err, errno, "seccomp(SECCOMP_SET_MODE_FILTER)");
	return 0;
}
