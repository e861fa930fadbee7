/* The new mount API (open_tree, move_mount, Linux 5.2) by its flags, for
 * Debian 12's headers which lack some: the snap's namespace clones a
 * revision's mount, the view clones every granted place. */
#pragma once
#include <fcntl.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
