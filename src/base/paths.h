/* Where everything lives. One root prefix (CORDON_ROOT, for tests) moves every
 * system path; a privileged launcher run by a non-root user never takes one. */
#pragma once

typedef struct cordon_paths {
	char *root;	      /* "" in production, "/scratch" in tests */
	char *snap_mount;     /* <root>/snap */
	char *var_snap;	      /* <root>/var/snap */
	char *state_dir;      /* <root>/var/lib/cordon */
	char *db_path;	      /* <state>/state.db */
	char *lock_path;      /* <state>/lock */
	char *blobs_dir;      /* <state>/snaps: installed .snap files */
	char *policy_dir;     /* <state>/policy: compiled policy, one file per label */
	char *apparmor_dir;   /* <state>/apparmor: generated profiles */
	char *scratch_dir;    /* <state>/tmp: root-only scratch (staging mounts) */
	char *run_dir;	      /* <root>/run/cordon */
	char *ns_dir;	      /* <run>/ns: preserved mount namespaces */
	char *tmp_dir;	      /* <run>/tmp: backing of each snap's private /tmp */
	char *cookie_dir;     /* <state>/cookie: snap.<instance>, one per snap (root 0700) */
	char *snapctl_dir;    /* <run>/snapctl: the snapctl socket alone (root 0755) */
	char *snapctl_socket; /* <snapctl>/snapctl.socket: the broker's (0666) */
	char *snapctl_lock;   /* <run>/snapctl.lock: held by the running broker */
} cordon_paths;

/* root may be NULL or "" for the real system; it must be absolute. */
int cordon_paths_init(cordon_paths *p, const char *root);
void cordon_paths_free(cordon_paths *p);

/* Where one revision of a snap lives (malloc'd): its image mounted at
 * /snap/<instance>/<rev> ($SNAP), its data /var/snap/<instance>/<rev>
 * ($SNAP_DATA) and /var/snap/<instance>/common ($SNAP_COMMON), and the
 * stored package <blobs>/<instance>_<rev>.snap. */
char *cordon_paths_mount_dir(const cordon_paths *p, const char *instance, const char *rev);
char *cordon_paths_data_dir(const cordon_paths *p, const char *instance, const char *rev);
char *cordon_paths_common_dir(const cordon_paths *p, const char *instance);
char *cordon_paths_blob(const cordon_paths *p, const char *instance, const char *rev);

/* The system bus's socket, as every client looks for it
 * (DBUS_SYSTEM_BUS_DEFAULT_ADDRESS): what a confined command reaches there
 * is its label's filtering proxy, never the bus (README, "D-Bus"). */
#define CORDON_SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"
/* The directory of the labels' bus proxy sockets, <run>/dbus (root's alone,
 * 0700), and the socket of one label's proxy in it (malloc'd). */
char *cordon_paths_bus_proxy_dir(const cordon_paths *p);
char *cordon_paths_bus_proxy(const cordon_paths *p, const char *label);

/* Label of an app / hook: snap.<instance>.<app>, snap.<instance>.hook.<hook>. */
char *cordon_label_app(const char *instance, const char *app);
char *cordon_label_hook(const char *instance, const char *hook);
