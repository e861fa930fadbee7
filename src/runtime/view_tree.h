/* The tree a view is made of (view.h): what is bind-mounted where, the
 * directories made up on the way, their placeholders, and the symlinks rule
 * paths go through; built from the resolved targets in the snap's namespace,
 * then populated into a tmpfs. Internal to view.c. */
#pragma once
#include "error.h"
#include "targets.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* The overflow uid and gid: nobody. What the view makes up belongs to no one
 * the command can be, so no metadata of it can change. */
#define NOBODY 65534

enum vkind {
	V_DIR,	  /* made up: a directory on the way to granted places */
	V_BIND,	  /* a granted object, bind-mounted */
	V_LINK,	  /* a symlink a rule's path goes through */
	V_HOLDER, /* an entry that exists beside granted places: a placeholder */
};

typedef struct vnode {
	char *name;
	enum vkind kind;
	struct vnode **kids;
	size_t nkids;
	struct stat st; /* V_DIR, V_HOLDER: the real entry */
	char *link;	/* V_LINK, symlink holders: the link text */
	int src;	/* V_BIND: the object (not owned unless own_src) */
	bool own_src;
	bool rw;      /* V_BIND: mounted writable */
	bool mounted; /* V_BIND: not already covered by a bind above */
	int clone;    /* V_BIND: detached copy of the object's mount, owned */
} vnode;

vnode *vnode_new(const char *name, enum vkind kind);
void vnode_free(vnode *n);
vnode *vnode_kid(vnode *n, const char *name);
vnode *vnode_add(vnode *n, vnode *kid);

/* /run/user and beneath: no placeholders (see view.h). */
bool view_hidden_content(const char *path);

/* Placeholders for the real entries (at most max) of the directory fd,
 * whose path in the view is `path`. */
void view_list_holders(vnode *n, int fd, const char *path, size_t max);

/* The tree of the targets: binds planned (what is mounted, read-only or
 * writable), made-up directories listed, detached copies of the granted
 * objects' mounts taken. In the snap's namespace. */
int view_tree_build(const cordon_targets *t, vnode *root, cordon_error **err);

/* Make the tree's entries in top, binds attached: top is a new tmpfs made
 * nobody's and writable by its owner (uid=, gid=, mode=0755), closed to 0555
 * here; every entry is made as nobody. */
int view_populate(int top, vnode *n, const char *path, cordon_error **err);

/* Attach the binds of n's subtree beneath the mounted bind bindfd. */
int view_nested(int bindfd, vnode *n, const char *rel, const char *path, cordon_error **err);

int view_attach(int clone, int dirfd, const char *rel, const char *path, cordon_error **err);

/* Sockets in /dev, and covers over them in a view (see view_tree.c). */
void view_dev_sockets(int dirfd, const char *path, int depth, strv *out);
int view_cover_sockets(int top, int devfd, const strv *sockets, cordon_error **err);
