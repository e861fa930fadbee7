/* Mounting a snap revision read-only at /snap/<name>/<rev>: a squashfs file
 * through a loop device, or a directory bind-mounted read-only. Used at install
 * and by the launcher to bring mounts back after a reboot. */
#pragma once
#include "error.h"
#include "policy.h"

#include <stdbool.h>

/* Mount source on target (an existing directory). nodev and nosuid always:
 * a snap can never carry device nodes or setuid programs into the system. */
int cordon_snap_mount(enum cordon_source_kind kind, const char *source, const char *target,
		      cordon_error **err);

/* Mount unless target is already a mount point. */
int cordon_snap_ensure_mounted(enum cordon_source_kind kind, const char *source, const char *target,
			       cordon_error **err);

/* Unmount target if it is a mount point (its loop device, set to autoclear,
 * goes away with it). */
int cordon_snap_umount(const char *target, cordon_error **err);

/* Bind source on target (content connections), both resolved without
 * following any symlink: a snap may have turned a directory it names into a
 * link elsewhere, and this runs as root. ro: read-only, nosuid, nodev. */
int cordon_bind_nofollow(const char *source, const char *target, bool ro, cordon_error **err);
