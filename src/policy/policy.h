/* The compiled policy of one label: everything the launcher needs, computed at
 * install/connect time. The launcher reads this and nothing else about the snap.
 * Encoding/decoding is pure code (policy_format.c), shared by compiler and launcher. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cordon_confinement {
	CORDON_STRICT = 0,
	CORDON_DEVMODE = 1,
	CORDON_CLASSIC = 2,
};
const char *cordon_confinement_name(enum cordon_confinement c);

enum {
	/* Keep the host's SysV IPC namespace (an interface grants it);
	 * otherwise the snap has its own (mountns.h). */
	CORDON_POLICY_HOST_IPC = 1u << 0,
	/* May tell the service manager its state (sd_notify): the app is
	 * `daemon: notify` or a daemon-notify plug is connected. The launcher
	 * then keeps NOTIFY_SOCKET and grants that one socket (launch.c). */
	CORDON_POLICY_NOTIFY = 1u << 1,
	/* Reaches the system bus through its own filtering proxy (a D-Bus
	 * slot, a connected D-Bus plug, `daemon: dbus`): the launcher grants
	 * the label's proxy socket, and the view shows it at the bus's
	 * standard path (launch.c, cordon_bus_proxy_socket). */
	CORDON_POLICY_SYSTEM_BUS = 1u << 2,
};
#define CORDON_POLICY_FLAGS_ALL                                                                    \
	(CORDON_POLICY_HOST_IPC | CORDON_POLICY_NOTIFY | CORDON_POLICY_SYSTEM_BUS)

/* A file rule. `path` is absolute, or starts with a launch-time variable
 * ($HOME, $SNAP_USER_DATA, $SNAP_USER_COMMON, $XDG_RUNTIME_DIR, $SNAP_REAL_HOME).
 * `access` is a set of LANDLOCK_ACCESS_FS_* bits. */
enum {
	CORDON_FS_GLOB = 1u << 0,     /* path holds glob(7) characters: expanded at launch */
	CORDON_FS_OPTIONAL = 1u << 1, /* missing path is not worth a note */
	/* The path comes from a plug or slot attribute: resolved at launch
	 * without following any symlink, so a snap cannot swap a directory it
	 * names (its content, its personal files) for a link elsewhere. */
	CORDON_FS_NOFOLLOW = 1u << 2,
};
typedef struct cordon_fs_rule {
	char *path;
	uint64_t access;
	uint32_t flags;
	/* Not encoded: set by the launcher alone for what it grants itself
	 * (the bus proxy's socket). Where the object appears in the command's
	 * view, when that is not its own path; NULL: at its own path. */
	char *at;
} cordon_fs_rule;

/* A device rule for the device cgroup. type 'c' or 'b'; major/minor -1 = any.
 * If `path` is set, the rule names device nodes (a glob such as /dev/ttyUSB[0-9]*)
 * resolved to major:minor at launch, so devices that appear later are picked up. */
typedef struct cordon_dev_rule {
	char type;
	int32_t major, minor;
	char *path;
} cordon_dev_rule;

/* A bind mount made in the snap's mount namespace (content interface). */
enum {
	CORDON_MOUNT_RO = 1u << 0,
};
typedef struct cordon_mount {
	char *source, *target;
	uint32_t flags;
} cordon_mount;

/* A snap.yaml `layout:` entry, made in the snap's namespace (layout.h). */
enum cordon_layout_kind {
	CORDON_LAYOUT_BIND = 1,
	CORDON_LAYOUT_BIND_FILE = 2,
	CORDON_LAYOUT_SYMLINK = 3,
	CORDON_LAYOUT_TMPFS = 4,
};
typedef struct cordon_layout_entry {
	uint32_t kind;
	char *path;    /* where it appears */
	char *source;  /* bind, bind-file: what; symlink: the link's text; tmpfs: NULL */
	uint32_t mode; /* tmpfs: its mode (0755 when not given) */
} cordon_layout_entry;

/* How the snap's revision is mounted, so a launch after a reboot can mount it. */
enum cordon_source_kind {
	CORDON_SOURCE_SQUASHFS = 1,
	CORDON_SOURCE_DIR = 2,
};

typedef struct cordon_env_var {
	char *name, *value; /* value may hold $VAR / ${VAR}, expanded at launch in order */
} cordon_env_var;

typedef struct cordon_policy {
	/* identity */
	char *label;	     /* snap.foo.bar */
	char *snap_name;     /* foo */
	char *instance_name; /* foo or foo_key */
	char *instance_key;  /* "" without a key */
	char *app;	     /* bar (or hook.<name>) */
	char *revision;	     /* x1 */
	char *version;	     /* snap version */
	uint32_t confinement;

	/* the snap's revision mount */
	uint32_t source_kind;
	char *source_path; /* blob file or directory */
	char *mount_dir;   /* <root>/snap/foo/x1 */

	/* the snap's base (snap.yaml `base:`), the root of its mount
	 * namespace; NULL: the host's root (no base, as before bases) */
	char *base_name; /* core22 */
	char *base_dir;	 /* <root>/snap/core22/x1: its revision mounted */
	uint32_t base_source_kind;
	char *base_source_path; /* to mount it again after a reboot */

	/* step 1: environment. Static values (SNAP, SNAP_DATA...), then the
	 * launcher adds the per-user ones, then `env_user` (snap.yaml environment:
	 * top level, then the app's), expanded in order. */
	size_t n_env_static;
	cordon_env_var *env_static;
	size_t n_env_user;
	cordon_env_var *env_user;

	/* command-chain entries (relative to $SNAP) then the command argv; argv[0]
	 * relative to $SNAP, $VAR expanded in each word at launch. */
	strv chain;
	strv command;
	/* snap.yaml's stop-command, reload-command and post-stop-command, split
	 * like `command` (empty: none); `cordon-confine --command=stop|reload|
	 * post-stop` runs one instead of `command`, after the same chain. */
	strv stop_command;
	strv reload_command;
	strv post_stop_command;

	/* step 2: devices */
	size_t n_devices;
	cordon_dev_rule *devices;

	/* step 3: namespace. A preserved namespace whose stamp differs is rebuilt. */
	char *ns_stamp;
	size_t n_mounts;
	cordon_mount *mounts;
	size_t n_layouts; /* sorted by path: parents first */
	cordon_layout_entry *layouts;

	/* step 6: raw classic BPF (struct sock_filter[]) */
	uint8_t *seccomp;
	size_t seccomp_len;

	/* step 7 */
	size_t n_fs;
	cordon_fs_rule *fs;
	uint64_t net_handled; /* LANDLOCK_ACCESS_NET_* bits that stay denied */
	uint64_t scoped;      /* LANDLOCK_SCOPE_* bits */
	uint64_t caps_keep;   /* capabilities a root caller keeps (interfaces); 0 by default */
	uint32_t flags;	      /* CORDON_POLICY_* */
	char *apparmor_profile;

	/* not encoded: the file it was loaded from (cordon_policy_load), so a
	 * launch can tell the snap changed under it */
	uint64_t file_dev, file_ino;
} cordon_policy;

void cordon_policy_free(cordon_policy *p);
static inline void cleanup_policyp(cordon_policy *p)
{
	cordon_policy_free(p);
}
#define _cleanup_policy_ __attribute__((cleanup(cleanup_policyp)))

/* Builders used by the compiler. */
void cordon_policy_add_env(cordon_policy *p, bool user, const char *name, const char *value);
void cordon_policy_add_fs(cordon_policy *p, const char *path, uint64_t access, uint32_t flags);
/* A rule whose object the view shows at `at` instead of its own path. */
void cordon_policy_add_fs_at(cordon_policy *p, const char *path, const char *at, uint64_t access,
			     uint32_t flags);
void cordon_policy_add_dev(cordon_policy *p, char type, int32_t major, int32_t minor,
			   const char *path);
void cordon_policy_add_layout(cordon_policy *p, uint32_t kind, const char *path, const char *source,
			      uint32_t mode);
void cordon_policy_add_mount(cordon_policy *p, const char *source, const char *target,
			     uint32_t flags);

/* Serialise to a self-checking binary blob; decode validates every length,
 * count and string (no NUL inside, bounded), and rejects truncated input. */
void cordon_policy_encode(const cordon_policy *p, buf *out);
int cordon_policy_decode(const void *data, size_t len, cordon_policy *p, cordon_error **err);

/* Upper bound on a compiled policy file; larger is refused. */
#define CORDON_POLICY_MAX_SIZE (16u << 20)
