/* Landlock: build one ruleset from the compiled policy and restrict ourselves.
 *
 * Model: the Landlock sandboxer in the kernel tree (samples/landlock). The
 * ruleset handles every right the ABI knows, so anything not granted by a
 * rule is denied (EACCES); rights an older ABI lacks are simply not handled,
 * which cordon_landlock_missing() reports. */
#include "landlock.h"
#include "landlock_defs.h"

#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The newest ABI whose features this file knows about. */
#define CORDON_LL_ABI_MAX 9

static int ll_create_ruleset(const void *attr, size_t size, uint32_t flags)
{
	return (int)syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static int ll_add_rule(int fd, int type, const void *attr, uint32_t flags)
{
	return (int)syscall(__NR_landlock_add_rule, fd, type, attr, flags);
}

static int ll_restrict_self(int fd, uint32_t flags)
{
	return (int)syscall(__NR_landlock_restrict_self, fd, flags);
}

void cordon_landlock_features_for(int abi, cordon_landlock_features *f)
{
	*f = (cordon_landlock_features){
	    .abi = abi,
	    .fs = CORDON_LL_FS_ALL,
	    .net = CORDON_LL_NET_ALL,
	    .scoped = CORDON_LL_SCOPE_ALL,
	    .restrict_flags = LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON,
	};
	/* Each case removes what that ABI lacks and falls through to the older
	 * ones. Handling a right the kernel does not know is EINVAL, so this
	 * must never claim more than the ABI has. */
	switch (abi) {
	case 0:
		*f = (cordon_landlock_features){.abi = 0};
		return;
	case 1:
		/* ABI 1 always denies renames and links across directories;
		 * REFER cannot be handled (nor granted). */
		f->fs &= ~LANDLOCK_ACCESS_FS_REFER;
		__attribute__((fallthrough));
	case 2:
		f->fs &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
		__attribute__((fallthrough));
	case 3:
		f->net = 0;
		__attribute__((fallthrough));
	case 4:
		f->fs &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
		__attribute__((fallthrough));
	case 5:
		f->scoped = 0;
		__attribute__((fallthrough));
	case 6:
		/* Before ABI 7 restrict_self takes no flags (EINVAL), and
		 * denials are not audit-logged. */
		f->restrict_flags = 0;
		__attribute__((fallthrough));
	case 7:
	case 8:
		/* Connecting to path-name sockets is mediated from ABI 9 (Linux
		 * 7.1); below it the command's view (view.h) leaves out every
		 * socket the policy does not grant. */
		f->fs &= ~LANDLOCK_ACCESS_FS_RESOLVE_UNIX;
		__attribute__((fallthrough));
	default:
		break;
	}
}

char *cordon_landlock_missing(int abi)
{
	if (abi <= 0)
		return xstrdup("not available (kernel without Landlock, or not in the lsm= list), "
			       "no file, network or IPC rules");
	_cleanup_buf_ buf b = {0};
	buf_printf(&b, "ABI %d", abi);
	size_t base = b.len;
	/* Enforcement gaps only. Missing audit logging (ABI < 7) weakens
	 * diagnosis, not confinement; the caller reports it separately. */
	if (abi < 3)
		buf_adds(&b, ", no truncate rules");
	if (abi < 4)
		buf_adds(&b, ", no network rules");
	if (abi < 5)
		buf_adds(&b, ", no device ioctl rules");
	if (abi < 6)
		buf_adds(&b, ", no abstract-socket or signal scoping");

	if (b.len == base)
		return NULL;
	return buf_steal(&b);
}

int cordon_landlock_abi(void)
{
	int abi = ll_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	/* ENOSYS: not built in; EOPNOTSUPP: built in but disabled at boot.
	 * Anything else (EPERM from a seccomp filter of whoever started the
	 * launcher: systemd-nspawn's default one, a unit's SystemCallFilter=)
	 * is a kernel that has Landlock and a process that may not use it:
	 * not "no Landlock", or a strict launch would go on without its file
	 * and network policy and say nothing. */
	if (abi >= 0)
		return abi;
	return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -errno;
}

/* One path-beneath rule on an opened target. */
static int add_target_rule(int ruleset, const cordon_target *t, uint64_t handled,
			   cordon_error **err)
{
	uint64_t access = t->access;
	/* Connecting to a path-name socket is what AppArmor calls writing
	 * it: where the policy grants writing, it grants connecting. */
	if (access & LANDLOCK_ACCESS_FS_WRITE_FILE)
		access |= LANDLOCK_ACCESS_FS_RESOLVE_UNIX;
	/* Directory-only rights (read_dir, make_*, remove_*, refer) on a file
	 * make landlock_add_rule fail with EINVAL: keep only the file ones. */
	if (!S_ISDIR(t->st.st_mode))
		access &= CORDON_LL_FS_FILE;
	access &= handled;
	if (access == 0)
		return 0;
	struct landlock_path_beneath_attr attr = {
	    .allowed_access = access,
	    .parent_fd = t->fd,
	};
	if (ll_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
		return cordon_err(err, errno, "landlock rule on %s (access 0x%llx)", t->path,
				  (unsigned long long)access);
	return 0;
}

int cordon_landlock_apply(const cordon_policy *p, const cordon_targets *targets, cordon_error **err)
{
	int abi = cordon_landlock_abi();
	if (abi < 0)
		return cordon_err(err, -abi,
				  "Landlock is refused to this process (a seccomp filter of what "
				  "started it?): cannot apply the file and network policy");
	if (abi == 0)
		return 0;
	cordon_landlock_features f;
	cordon_landlock_features_for(abi, &f);

	struct cordon_landlock_ruleset_attr attr = {
	    .handled_access_fs = f.fs,
	    .handled_access_net = p->net_handled & f.net,
	    .scoped = p->scoped & f.scoped,
	};
	/* Pass only the part of the struct this ABI knows, so the request
	 * reads the same to an old kernel as to a new one. */
	size_t size = sizeof(attr.handled_access_fs);
	if (abi >= 4)
		size += sizeof(attr.handled_access_net);
	if (abi >= 6)
		size += sizeof(attr.scoped);
	_cleanup_close_ int ruleset = ll_create_ruleset(&attr, size, 0);
	if (ruleset < 0)
		return cordon_err(err, errno, "landlock_create_ruleset (ABI %d)", abi);

	for (size_t i = 0; i < targets->n; i++) {
		if (targets->v[i].fd < 0)
			continue; /* a late target that does not exist */
		int ret = add_target_rule(ruleset, &targets->v[i], f.fs, err);
		if (ret < 0)
			return ret;
	}
	/* No LANDLOCK_RULE_NET_PORT rule: every handled TCP bind/connect is
	 * denied. A network interface lifts the restriction at compile time by
	 * leaving net_handled empty. */

	/* Without no_new_privs (or CAP_SYS_ADMIN) restrict_self is EPERM: the
	 * kernel refuses to let a sandbox confuse a setuid program it execs. */
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp < 0)
		return cordon_err(err, errno, "prctl(PR_GET_NO_NEW_PRIVS)");
	if (nnp == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cordon_err(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");

	/* LOG_NEW_EXEC_ON (ABI 7): by default Landlock audit-logs denials only
	 * until the restricted task execs, because a program that sandboxes
	 * itself is expected to know its own behaviour. Here the launcher
	 * sandboxes another program, whose denials are the ones worth seeing,
	 * so logging must continue past the exec. */
	if (ll_restrict_self(ruleset, f.restrict_flags) < 0)
		return cordon_err(err, errno, "landlock_restrict_self");
	return 0;
}
