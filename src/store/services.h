/* A snap's daemons on the host: their systemd units on disk (written as
 * state says, with the snap's policy) and in the service manager (started,
 * stopped, reloaded around each change). The generator is the compiler's
 * (units.h); this is what puts its output in place and drives systemd
 * (systemd.h).
 *
 * Files, all derived from state (so recovery rewrites them like policy):
 *   <root>/etc/systemd/system/snap.<instance>.*      system daemons' units
 *   <root>/etc/systemd/user/snap.<instance>.*        user daemons' units
 *   <dir>/<target>.wants/<unit>                      enabled units (the
 *        link `systemctl enable` makes; user units are enabled globally,
 *        for every user, as `systemctl --global enable`)
 *   <state>/dbus-1/{system-services,services}/<bus-name>.service
 *        D-Bus activation files (X-Snap=<instance> says whose)
 *   <root>/etc/systemd/system/snap.<instance>.<app>.dbus-proxy.service
 *        the system bus proxy of each app that needs the bus (busproxy.h)
 *   <state>/dbus-1/system.d/snap.<instance>.conf
 *        the system bus's policy for the snap's slots' names
 *
 * The service manager is brought in line by the `services` journal entry
 * (recovery.c): one daemon-reload, every enabled unit of the snap started,
 * units whose file is gone stopped. A change journals it before it stops
 * anything, so a kill at any point leaves the next command to restart what
 * state says runs. */
#pragma once
#include "compile.h"
#include "context.h"
#include "manifest.h"

/* The system or user unit directory under the root. */
char *cordon_unit_dir(const cordon_ctx *ctx, bool user);

/* Which managers the manifest's daemons need: bit 1 system, bit 2 user. */
#define CORDON_SVC_SYSTEM 1u
#define CORDON_SVC_USER 2u
unsigned cordon_services_scopes(const cordon_manifest *m);

/* Does the manifest declare dbus plugs or slots, or a `daemon: dbus` app
 * (what may give it bus proxies)? */
bool cordon_services_use_bus(const cordon_manifest *m);

/* State for the snap's revision with manifest m, inside the change's
 * transaction: each daemon app gets its row (enabled unless `install-mode:
 * disable`) if it has none yet: a refresh keeps what the admin chose; rows
 * of apps that are no daemons any more go. */
int cordon_services_adopt(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
			  cordon_error **err);

/* Write the units, enable links and D-Bus files of the snap's current
 * revision as state says, and remove those of the snap it no longer has.
 * Unchanged files are left alone. */
int cordon_services_write(cordon_ctx *ctx, const cordon_compile_input *in, cordon_error **err);

/* Remove every unit file, link and D-Bus file of the instance. */
int cordon_services_remove_files(cordon_ctx *ctx, const char *instance, cordon_error **err);

/* Before a change that replaces (refresh: true) or removes the snap whose
 * current manifest is m: stop its units, in every manager, but for a
 * refresh those of `refresh-mode: endure` apps (left running). */
int cordon_services_stop_for_change(cordon_ctx *ctx, const char *instance, const cordon_manifest *m,
				    bool refresh, cordon_error **err);

/* Has the snap an enabled unit (one that runs where systemd does)? */
bool cordon_services_any_enabled(cordon_ctx *ctx, const char *instance);

/* Ask the system bus to read its configuration again, where cordon has
 * given it some (its bus policy, activation files); no bus: nothing. */
void cordon_services_reload_bus(cordon_ctx *ctx);

/* Restart the snap's bus proxies that run with another socket or filter
 * than their unit file says (services_bus.c). */
int cordon_services_restart_proxies(cordon_ctx *ctx, const char *instance, cordon_error **err);

/* What the `services` entries of these snaps ask: one daemon-reload of each
 * manager (and of the system bus's configuration), each snap's bus proxies
 * whose filter changed restarted, then each snap's enabled units started (an installed, enabled
 * snap) and its loaded units without a file stopped. A unit that fails to
 * start is reported in *err after the others are done. No-op where systemd
 * does not run. */
int cordon_services_settle(cordon_ctx *ctx, const strv *instances, cordon_error **err);
