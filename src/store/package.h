/* Reading a package: a squashfs .snap, a directory holding meta/snap.yaml, or
 * a bare snap.yaml. Content is read through fds with O_NOFOLLOW: a package is
 * untrusted input and may point meta/snap.yaml (or anything) at /etc/shadow. */
#pragma once
#include "error.h"
#include "manifest.h"

#include <stdbool.h>

enum cordon_package_kind {
	CORDON_PKG_DIR,
	CORDON_PKG_SNAPFILE,
	CORDON_PKG_YAML,
};

typedef struct cordon_package {
	enum cordon_package_kind kind;
	char *path; /* absolute path of what was given */
	int rootfd; /* the package tree (O_RDONLY dir), -1 for a bare snap.yaml */
	char *yaml; /* meta/snap.yaml text */
	size_t yaml_len;
	cordon_manifest *manifest;
	/* .snap handling */
	char *copy_path;   /* root: private copy of the .snap the mount was made from */
	char *stage_dir;   /* root: where the copy is mounted while it is read */
	char *extract_dir; /* non-root: unsquashfs extraction */
} cordon_package;

/* Open, parse and validate a package, and check that every command and
 * command-chain entry exists and is executable inside it. scratch_dir: a
 * root-only directory for the private copy and staging mount of a .snap
 * (root), or NULL (extract with unsquashfs as the caller). */
int cordon_package_open(const char *path, const char *scratch_dir, cordon_package *pkg,
			cordon_error **err);

/* Unmount the staging mount, remove the private copy and extraction. Keeps
 * copy_path if the caller took it (set to NULL). */
void cordon_package_close(cordon_package *pkg);

/* Check commands against the tree (pure with respect to the host: symlinks
 * are resolved inside the package; an absolute target is the base's business
 * and is not checked). */
int cordon_package_check_content(const cordon_manifest *m, int rootfd, cordon_error **err);
