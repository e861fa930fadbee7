/* Users' data across a refresh: each user's ~/snap/<snap>/<old rev> is copied
 * to the new revision's directory, as snapd's copySnapData does for the
 * homes it knows, so that the new revision starts with the user's data and a
 * revert finds the old revision's copy as it was left. */
#pragma once
#include "context.h"

/* In every home (cordon_user_homes) that has ~/snap/<name>/<prev>: make
 * ~/snap/<name>/<rev> a copy of it (a leftover <rev> of an undone attempt is
 * removed first). What is copied is what the home's owner owns, on the
 * home's file system: owner, group, mode, times, symlinks (as symlinks) and
 * the extended attributes a user may set (user.*, POSIX ACLs) are kept. The
 * homes are their users': the walk is fd-based, follows no symlink, reopens
 * what it checked, and leaves out what the owner does not own (a hard link
 * to /etc/shadow), so the copy gives nobody what they could not read and
 * writes nowhere but in the new directory. */
int cordon_user_data_copy(cordon_ctx *ctx, const char *name, const char *prev, const char *rev,
			  cordon_error **err);
