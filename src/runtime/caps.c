/* Dropping capabilities for good.
 *
 * The threat: a command started by root runs with uid 0. Clearing its
 * capability sets is not enough, because at the next execve() the kernel
 * gives a uid-0 process the full permitted set again ("root is special").
 * Three locks keep it down:
 *
 *  1. The bounding set loses every capability not kept, and the
 *     inheritable set holds only kept ones. At exec a uid-0 process gets
 *     P' = inheritable | bounding set (the file is treated as having all
 *     capabilities, masked by the bounding set), so together they cap what
 *     any later exec can give, including a setuid-root or file-capability
 *     binary.
 *  2. SECBIT_NOROOT (+ _LOCKED): uid 0 no longer earns capabilities at exec
 *     at all; P' is then just the ambient set. Belt and braces with 1, and
 *     it is what makes the kept capabilities go through ambient.
 *  3. The ambient set holds exactly the kept capabilities (ambient is the
 *     only way an ordinary binary inherits capabilities under NOROOT), and
 *     SECBIT_NO_CAP_AMBIENT_RAISE (+ _LOCKED) stops anything else from
 *     being raised into it later.
 *
 * SECBIT_NO_SETUID_FIXUP is deliberately left clear, and locked so: the
 * "fixup" is the kernel clearing capabilities when a process switches from
 * uid 0 to another uid. Setting it would let a kept capability survive such a
 * switch; the only thing it would prevent (effective refilled from permitted
 * when euid returns to 0) never exceeds the permitted set, which is already
 * just `keep`. SECBIT_KEEP_CAPS is cleared and locked for the same reason
 * (it would keep permitted capabilities across a uid switch).
 *
 * Every change here lowers privilege, so the order only has to keep
 * CAP_SETPCAP effective until the last step that needs it. */
#include "caps.h"
#include "fsutil.h"
#include "util.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct capsets {
	uint64_t eff, prm, inh;
} capsets;

static int caps_get(capsets *c)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	c->eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	c->prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	c->inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

static int caps_set(const capsets *c)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {
	    {(uint32_t)c->eff, (uint32_t)c->prm, (uint32_t)c->inh},
	    {(uint32_t)(c->eff >> 32), (uint32_t)(c->prm >> 32), (uint32_t)(c->inh >> 32)},
	};
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

int cordon_caps_last_cap(cordon_error **err)
{
	_cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char b[32]; /* one decimal number and a newline */
		ssize_t n = read(fd, b, sizeof(b) - 1);
		if (n > 0) {
			b[n] = '\0';
			char *end;
			long v = strtol(b, &end, 10);
			if (end != b && v >= 0 && v < 64)
				return (int)v;
		}
	}
	/* No /proc (or a strange value): ask the kernel cap by cap. */
	for (int cap = 63; cap >= 0; cap--)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0)
			return cap;
	return cordon_err(err, errno, "cannot find the last capability");
}

static bool any_uid_zero(void)
{
	uid_t r, e, s;
	if (getresuid(&r, &e, &s) < 0)
		return true; /* cannot happen; assume the worst */
	return r == 0 || e == 0 || s == 0;
}

static int drop_bounding(int last, uint64_t keep, bool can_drop, uint64_t *bset, cordon_error **err)
{
	/* Dropping an already dropped capability succeeds, so no read is
	 * needed before each drop (the launch path counts its syscalls). */
	*bset = 0;
	for (int cap = 0; cap <= last; cap++) {
		if (keep & CORDON_CAP(cap)) {
			int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
			if (in < 0)
				return cordon_err(err, errno, "PR_CAPBSET_READ %d", cap);
			if (in)
				*bset |= CORDON_CAP(cap);
			continue;
		}
		if (can_drop) {
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
				return cordon_err(err, errno, "PR_CAPBSET_DROP %d", cap);
			continue;
		}
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0)
			return cordon_err(err, errno, "PR_CAPBSET_READ %d", cap);
		if (in)
			*bset |= CORDON_CAP(cap);
	}
	return 0;
}

static int set_ambient(int last, uint64_t amb, cordon_error **err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return cordon_err(err, errno, "clear ambient capabilities");
	for (int cap = 0; cap <= last; cap++)
		if ((amb & CORDON_CAP(cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return cordon_err(err, errno, "raise ambient capability %d", cap);
	return 0;
}

static int lock_securebits(cordon_error **err)
{
	int old = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (old < 0)
		return cordon_err(err, errno, "PR_GET_SECUREBITS");
	unsigned int want = (unsigned int)old | SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
			    SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	/* Clear the two bits we want off, unless a caller already locked
	 * them on (then the kernel refuses any change: report it). */
	if (!(old & SECBIT_NO_SETUID_FIXUP_LOCKED))
		want &= ~(unsigned int)SECBIT_NO_SETUID_FIXUP;
	if (!(old & SECBIT_KEEP_CAPS_LOCKED))
		want &= ~(unsigned int)SECBIT_KEEP_CAPS;
	if (want == (unsigned int)old)
		return 0;
	if (prctl(PR_SET_SECUREBITS, want, 0, 0, 0) < 0)
		return cordon_err(err, errno, "PR_SET_SECUREBITS 0x%x (was 0x%x)", want,
				  (unsigned int)old);
	return 0;
}

/* Without CAP_SYS_NICE the kernel still lets a process lower its nice value
 * down to 20 - RLIMIT_NICE (limits.conf gives audio groups -10, say). Lower
 * the limit so that nothing below the current value is reachable: the command
 * keeps the caller's niceness and can only be nicer. */
static int limit_nice(cordon_error **err)
{
	errno = 0;
	int nice_now = getpriority(PRIO_PROCESS, 0);
	if (nice_now == -1 && errno != 0)
		return cordon_err(err, errno, "getpriority");
	rlim_t floor = (rlim_t)(20 - nice_now); /* 1..40 */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NICE, &rl) < 0)
		return cordon_err(err, errno, "getrlimit(RLIMIT_NICE)");
	if (rl.rlim_cur <= floor && rl.rlim_max <= floor)
		return 0;
	if (rl.rlim_cur > floor)
		rl.rlim_cur = floor;
	if (rl.rlim_max > floor)
		rl.rlim_max = floor;
	if (setrlimit(RLIMIT_NICE, &rl) < 0)
		return cordon_err(err, errno, "setrlimit(RLIMIT_NICE)");
	return 0;
}

/* The CapBnd and CapAmb lines of /proc/self/status: one read instead of a
 * prctl per capability. */
static int status_sets(uint64_t *bnd, uint64_t *amb)
{
	_cleanup_free_ char *b = NULL;
	size_t len;
	int r = fs_read_path("/proc/self/status", FS_KERNEL_TEXT_MAX, &b, &len, NULL);
	if (r < 0)
		return r;
	const char *pb = strstr(b, "\nCapBnd:\t"), *pa = strstr(b, "\nCapAmb:\t");
	if (pb == NULL || pa == NULL)
		return -EIO;
	*bnd = strtoull(pb + 9, NULL, 16);
	*amb = strtoull(pa + 9, NULL, 16);
	return 0;
}

static int verify(int last, uint64_t keep, uint64_t want, uint64_t amb, bool bounded,
		  cordon_error **err)
{
	capsets now;
	int ret = caps_get(&now);
	if (ret < 0)
		return cordon_err(err, -ret, "capget");
	if (now.eff != want || now.prm != want || now.inh != amb)
		return cordon_err_msg(err, EPERM,
				      "capabilities not dropped: eff %#llx prm %#llx inh %#llx",
				      (unsigned long long)now.eff, (unsigned long long)now.prm,
				      (unsigned long long)now.inh);
	uint64_t bnd, cur_amb;
	ret = status_sets(&bnd, &cur_amb);
	if (ret < 0)
		return cordon_err(err, -ret, "read /proc/self/status");
	uint64_t valid = last >= 63 ? ~UINT64_C(0) : CORDON_CAP(last + 1) - 1;
	if ((cur_amb & valid) != (amb & valid))
		return cordon_err_msg(err, EPERM, "ambient capabilities %#llx, wanted %#llx",
				      (unsigned long long)cur_amb, (unsigned long long)amb);
	if (bounded && (bnd & valid & ~keep) != 0)
		return cordon_err_msg(err, EPERM, "bounding set still holds %#llx",
				      (unsigned long long)(bnd & valid & ~keep));
	return 0;
}

int cordon_caps_drop(uint64_t keep, cordon_error **err)
{
	int last = cordon_caps_last_cap(err);
	if (last < 0)
		return last;
	uint64_t valid = last >= 63 ? ~UINT64_C(0) : CORDON_CAP(last + 1) - 1;
	keep &= valid;

	capsets cur;
	int ret = caps_get(&cur);
	if (ret < 0)
		return cordon_err(err, -ret, "capget");
	bool setpcap = (cur.eff & CORDON_CAP(CAP_SETPCAP)) != 0;
	bool root = any_uid_zero();
	if (!setpcap && root)
		/* Neither the bounding set nor the securebits could change:
		 * the next exec would give this uid-0 process its
		 * capabilities back. Refuse rather than pretend. */
		return cordon_err_msg(err, EPERM,
				      "cannot drop capabilities: uid 0 without CAP_SETPCAP");
	if (!setpcap) {
		/* Not root: with no_new_privs no exec can add a capability
		 * (setuid bits and file capabilities are ignored), so the
		 * bounding set we cannot touch does not matter. */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return cordon_err(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	}

	uint64_t bset;
	ret = drop_bounding(last, keep, setpcap, &bset, err);
	if (ret < 0)
		return ret;

	/* What can be kept: what we hold. What can go through exec: what can
	 * be inheritable too (the kernel allows raising inheritable only
	 * within the bounding set) and hence ambient. */
	uint64_t prm = cur.prm & keep;
	uint64_t amb = prm & (cur.inh | bset);

	/* Inheritable first, effective untouched: CAP_SETPCAP stays usable
	 * for the securebits below. */
	capsets step = {.eff = cur.eff, .prm = cur.prm, .inh = amb};
	ret = caps_set(&step);
	if (ret < 0)
		return cordon_err(err, -ret, "capset (inheritable)");
	ret = set_ambient(last, amb, err);
	if (ret < 0)
		return ret;
	if (setpcap) {
		ret = lock_securebits(err);
		if (ret < 0)
			return ret;
	}
	capsets final = {.eff = prm, .prm = prm, .inh = amb};
	ret = caps_set(&final);
	if (ret < 0)
		return cordon_err(err, -ret, "capset");
	ret = limit_nice(err);
	if (ret < 0)
		return ret;
	return verify(last, keep, prm, amb, setpcap, err);
}
