/* The system bus through a filtering proxy (README, "D-Bus").
 *
 * snapd lets AppArmor, inside dbus-daemon, filter each message a confined
 * app sends or receives. Without AppArmor cordon cannot: a confined app that
 * reached the bus's socket would reach all of it (for a root service,
 * systemd's whole API: StartUnit of anything is an escape). So a label that
 * needs the system bus gets a proxy of its own, xdg-dbus-proxy run as a
 * systemd unit, that lets it own the names of its system-bus `dbus` slots
 * (--own) and talk to the names of the slots its system-bus `dbus` plugs are
 * connected to (--talk), and hides everything else (--filter: the bus
 * driver and its own unique name stay; method calls to a hidden name get
 * ServiceUnknown, owning another name AccessDenied). The launcher shows the
 * proxy's socket, and no other, at the bus's standard path in the command's
 * view (runtime/launch.c). The bus itself still applies its own policy to
 * the proxy's connection (root's): for the slots' names cordon writes
 * snapd's bus policy (root may own the name, anyone may send to it).
 *
 * Pure: the store writes what this computes (services.c). */
#pragma once
#include "error.h"
#include "input.h"
#include "units.h"
#include "util.h"

#include <stdbool.h>

/* What one app may do on the system bus. */
typedef struct cordon_bus_access {
	bool needed; /* it reaches the bus at all (through its proxy) */
	strv own;    /* names it may own: its system-bus dbus slots' */
	strv talk;   /* names it may talk to: the slots of its connected
			system-bus dbus plugs */
} cordon_bus_access;

/* The access of app (a user daemon's is none: its bus is the session's,
 * which cordon does not mediate). Needed: a name to own or talk to, or
 * `daemon: dbus` (systemd waits for its bus name). Hooks get none. */
void cordon_bus_access_of(const cordon_compile_input *in, const cordon_app *app,
			  cordon_bus_access *out);
void cordon_bus_access_free(cordon_bus_access *a);

/* The proxy unit of an app: snap.<instance>.<app>.dbus-proxy.service (no
 * snapd unit has that form: an app name holds no dot). */
char *cordon_busproxy_unit_name(const char *instance, const char *app);

typedef struct cordon_busproxy_input {
	const cordon_compile_input *in;
	const char *helper;	/* absolute path of cordon-dbus-proxy */
	const char *socket_dir; /* <run>/dbus: each label's socket is <dir>/<label> */
} cordon_busproxy_input;

/* Append to *u (n entries) the snap's proxy units (CORDON_UNIT_BUS_PROXY,
 * apps in manifest order) and its bus policy (CORDON_UNIT_BUS_POLICY,
 * snap.<instance>.conf, when apps are bound to system-bus slots), and push
 * onto bus_apps the apps whose service must Require its proxy. A proxy is
 * enabled (started with the snap's services) for an app that is no daemon
 * (`sudo cordon run` finds it running); a daemon's is started by the
 * daemon's Requires=. -EINVAL for a name or path that cannot be written in
 * a unit as it is. */
int cordon_busproxy_units(const cordon_busproxy_input *bi, cordon_unit **u, size_t *n,
			  strv *bus_apps, cordon_error **err);

/* The arguments a proxy unit's ExecStart= gives the helper after its
 * socket (--own=NAME, --talk=NAME): what a running proxy is compared with
 * (the store restarts one whose filter changed). */
void cordon_busproxy_filter_args(const cordon_bus_access *a, strv *out);
