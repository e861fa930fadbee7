/* The file rules of a label resolved at launch: each rule's path expanded
 * (launch-time variables, globs) and opened, once, as the caller. Both the
 * command's filesystem view (view.h) and Landlock (landlock.h) work from the
 * same opened objects, so what the view mounts is exactly what Landlock
 * grants, with no second path walk in between.
 *
 * Beneath the user's home and runtime directory the user (and what the snap
 * may write) names things, so no symlink is followed there: `ln -s .ssh
 * ~/notes` must not make a rule on ~/notes a rule on ~/.ssh (CVE-2024-1724's
 * class). A glob match there that is a file with more than one name is not
 * granted either: another of its names may be one the rule excludes
 * (~/.bashrc behind a hard link ~/notes). */
#pragma once
#include "env.h"
#include "error.h"
#include "policy.h"

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

enum {
	/* On /proc: its inode numbers are not stable (sysctl and pid
	 * entries are made per lookup), so a target there is named by path. */
	CORDON_TARGET_PROC = 1u << 0,
	/* Inside the command's own devpts (/dev/pts, /dev/ptmx), which is
	 * mounted after the view is entered: opened then
	 * (cordon_targets_open_late), never mounted by the view. */
	CORDON_TARGET_LATE = 1u << 1,
};

typedef struct cordon_target {
	char *path;	 /* as the rule names it, expanded */
	char *real;	 /* the object's absolute path, no symlink in it */
	char *at;	 /* where the view shows it, when not at `real` (the
			    rule's `at`: the bus proxy's socket); else NULL */
	uint64_t access; /* LANDLOCK_ACCESS_FS_* the rule grants */
	uint32_t flags;	 /* CORDON_TARGET_* */
	int fd;		 /* O_PATH of the object; -1 until a late target is opened */
	struct stat st;
} cordon_target;

typedef struct cordon_targets {
	cordon_target *v;
	size_t n;
	dev_t proc_dev; /* st_dev of /proc (0 if no rule reaches it) */
} cordon_targets;

/* Who the command runs as: rules are resolved with these credentials (and,
 * for uid 0, without the capabilities that bypass permission checks), so a
 * path the caller cannot reach is not a target, as it would not be outside. */
typedef struct cordon_caller {
	uid_t uid;
	gid_t gid;
} cordon_caller;

/* Resolve every file rule of p (strict policies). `vars` are the launcher's
 * launch-time variables (launch.h: cordon_launch_rule_vars): $HOME is the
 * real home, $USER_RUNTIME_DIR /run/user/<uid>. Missing paths, paths the
 * caller cannot reach, and symlinks where none may be followed are skipped:
 * a rule on them grants nothing. Must run privileged (it takes the caller's
 * file system credentials and gives them back). */
int cordon_targets_resolve(const cordon_policy *p, const cordon_env *vars,
			   const cordon_caller *caller, cordon_targets *out, cordon_error **err);

/* Open the late targets (CORDON_TARGET_LATE), in the command's namespace. */
int cordon_targets_open_late(cordon_targets *t, cordon_error **err);

void cordon_targets_free(cordon_targets *t);
static inline void cleanup_targetsp(cordon_targets *t)
{
	cordon_targets_free(t);
}
#define _cleanup_targets_ __attribute__((cleanup(cleanup_targetsp)))

/* Rights that change the file system where they are granted (write,
 * truncate, create, remove, rename): the view mounts such places writable. */
uint64_t cordon_targets_write_rights(void);

/* Pure: split an expanded rule path into the part the launcher trusts (the
 * user's home or runtime directory from `vars`, resolved as they are) and
 * the rest, which is walked without following symlinks. Returns the length
 * of the trusted prefix, or 0 when the path is not beneath either. */
size_t cordon_targets_trusted_prefix(const char *path, const cordon_env *vars);
