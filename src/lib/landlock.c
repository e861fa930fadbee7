/* Landlock: build one ruleset from the compiled policy and restrict ourselves.
 *
 * Model: the Landlock sandboxer in the kernel tree (samples/landlock). The
 * ruleset handles every right the ABI knows, so anything not granted by a
 * rule is denied (EACCES); rights an older ABI lacks are simply not handled,
 * which cordon_landlock_missing() reports. */
#include "landlock.h"
#include "fsutil.h"
#include "landlock_defs.h"

#include <ctype.h>
#include <fcntl.h>
#include <glob.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The newest ABI whose features this file knows about. */
#define CORDON_LL_ABI_MAX 7

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
	/* ENOSYS: not built in; EOPNOTSUPP: built in but disabled at boot. */
	return abi < 0 ? 0 : abi;
}

static bool is_name_char(char c, bool first)
{
	return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

/* Backslash-escape glob(7) metacharacters so that a variable's value is
 * matched literally: a $HOME that contains '*' must not widen a rule. */
static void add_glob_escaped(buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[]\\", *s))
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

/* Expand a leading $VAR / ${VAR}. Sets *out to NULL when the rule must be
 * dropped (variable unset, empty or not an absolute path: "$HOME/.x" with
 * HOME unset must not become a rule on "/.x"). Variables elsewhere in the
 * path are left alone: '$' is a legal file name character. */
static int expand_path(const char *path, const cordon_env *env, bool is_glob, char **out,
		       cordon_error **err)
{
	*out = NULL;
	if (path[0] == '/') {
		*out = xstrdup(path);
		return 0;
	}
	if (path[0] != '$')
		return cordon_err_msg(err, EINVAL, "landlock rule %s: not an absolute path", path);
	const char *rest;
	if (path[1] == '{') {
		const char *end = strchr(path + 2, '}');
		if (end == NULL || end == path + 2)
			return cordon_err_msg(err, EINVAL, "landlock rule %s: bad variable", path);
		rest = end + 1;
	} else {
		rest = path + 1;
		if (!is_name_char(*rest, true))
			return cordon_err_msg(err, EINVAL, "landlock rule %s: bad variable", path);
		while (is_name_char(*rest, false))
			rest++;
	}
	_cleanup_free_ char *token = xstrndup(path, (size_t)(rest - path));
	_cleanup_free_ char *value = cordon_env_expand(env, token);
	if (value[0] != '/')
		return 0;
	_cleanup_buf_ buf b = {0};
	if (is_glob)
		add_glob_escaped(&b, value);
	else
		buf_adds(&b, value);
	buf_adds(&b, rest);
	*out = buf_steal(&b);
	return 0;
}

/* One path-beneath rule. A path that does not exist is not an error: rules
 * name optional places (a device, a config dir) and a missing one grants
 * nothing. EACCES likewise: a path the caller cannot even reach by DAC would
 * not become reachable through a rule. */
static int add_path_rule(int ruleset, const char *path, uint64_t access, uint64_t handled,
			 bool nofollow, cordon_error **err)
{
	/* O_PATH follows symlinks: Landlock ties the rule to the inode the
	 * path resolves to now, which is what the policy names. A path from a
	 * plug or slot attribute follows none (CORDON_FS_NOFOLLOW): the snap
	 * that named it may have made any part of it a symlink. */
	_cleanup_close_ int fd = -1;
	if (nofollow) {
		fd = fs_open_path_nofollow(path);
		if (fd < 0)
			errno = -fd;
	} else {
		fd = open(path, O_PATH | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == ELOOP)
			return 0;
		return cordon_err(err, errno, "landlock rule: open %s", path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "landlock rule: stat %s", path);
	/* Directory-only rights (read_dir, make_*, remove_*, refer) on a file
	 * make landlock_add_rule fail with EINVAL: keep only the file ones. */
	if (!S_ISDIR(st.st_mode))
		access &= CORDON_LL_FS_FILE;
	access &= handled;
	if (access == 0)
		return 0;
	struct landlock_path_beneath_attr attr = {
	    .allowed_access = access,
	    .parent_fd = fd,
	};
	if (ll_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
		return cordon_err(err, errno, "landlock rule on %s (access 0x%llx)", path,
				  (unsigned long long)access);
	return 0;
}

/* /proc/self, /proc/thread-self, or a path beneath them. */
static bool is_proc_self(const char *path)
{
	static const char *const names[] = {"/proc/self", "/proc/thread-self"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);
		if (strncmp(path, names[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static int add_fs_rule(int ruleset, const cordon_fs_rule *r, const cordon_env *env,
		       uint64_t handled, cordon_error **err)
{
	bool is_glob = (r->flags & CORDON_FS_GLOB) != 0;
	_cleanup_free_ char *path = NULL;
	int ret = expand_path(r->path, env, is_glob, &path, err);
	if (ret < 0 || path == NULL)
		return ret;
	if (!is_glob && is_proc_self(path)) {
		/* A Landlock rule is tied to the inode the path names now:
		 * /proc/self here is the launcher's /proc/<pid>, which the
		 * exec'd command keeps but every process it forks does not
		 * (a shell script's `grep x /proc/self/status`, a runtime
		 * reading /proc/self/maps in a child: EACCES). Landlock cannot
		 * name "the caller's own directory", so the read part of the
		 * rule goes to /proc as a whole (snapd's profile reads
		 * @{PROC}/@{pid}/... of any pid too). Other processes' private
		 * entries (environ, maps, mem, fd/, ...) stay closed: the
		 * kernel checks ptrace access for them, and Landlock refuses
		 * that across its domains. Write rights stay on the launcher's
		 * own directory only: /proc/sys is full of root-owned 0644
		 * files that a uid-0 command must not write. */
		ret = add_path_rule(ruleset, path, r->access, handled, false, err);
		if (ret < 0)
			return ret;
		return add_path_rule(ruleset, "/proc", r->access & CORDON_LL_R, handled, false, err);
	}
	bool nofollow = (r->flags & CORDON_FS_NOFOLLOW) != 0;
	if (!is_glob)
		return add_path_rule(ruleset, path, r->access, handled, nofollow, err);

	_cleanup_strv_ strv paths = {0};
	ret = fs_glob(path, &paths, err);
	for (size_t i = 0; ret == 0 && i < paths.n; i++)
		ret = add_path_rule(ruleset, paths.v[i], r->access, handled, nofollow, err);
	return ret;
}

int cordon_landlock_apply(const cordon_policy *p, const cordon_env *env, cordon_error **err)
{
	int abi = cordon_landlock_abi();
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

	/* A /proc/self rule grants reading /proc as a whole (add_fs_rule):
	 * read-only rules on single /proc files are then redundant, and each
	 * costs a path walk and a syscall at every launch. */
	bool proc_read = false;
	for (size_t i = 0; i < p->n_fs; i++)
		proc_read |= !(p->fs[i].flags & CORDON_FS_GLOB) && is_proc_self(p->fs[i].path) &&
			     (p->fs[i].access & CORDON_LL_R) == CORDON_LL_R;
	for (size_t i = 0; i < p->n_fs; i++) {
		const cordon_fs_rule *r = &p->fs[i];
		if (proc_read && str_has_prefix(r->path, "/proc/") && !is_proc_self(r->path) &&
		    (r->access & ~CORDON_LL_R) == 0)
			continue;
		int ret = add_fs_rule(ruleset, r, env, f.fs, err);
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
