/* Seccomp filter loading (runtime library): see seccomp_load.h. */
#include "seccomp_load.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif

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

	struct sock_fprog prog = {
	    .len = (unsigned short)(len / sizeof(struct sock_filter)),
	    /* the kernel copies the program; it does not write to it */
	    .filter = (struct sock_filter *)(uintptr_t)bpf,
	};
	/* SECCOMP_FILTER_FLAG_LOG: log every action but ALLOW (so EPERM and
	 * EACCES too), not only kills; this is how violations become visible
	 * (dmesg, audit) without AppArmor. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &prog) < 0)
		return cordon_err(err, errno, "seccomp(SECCOMP_SET_MODE_FILTER)");
	return 0;
}
