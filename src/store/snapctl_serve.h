/* The snapctl broker: `cordon snapctl-daemon`, root, one per root prefix,
 * listening on <run>/snapctl/snapctl.socket (0666: every sandbox's snapctl
 * connects) and holding <run>/snapctl.lock (its pid written there) for as
 * long as it runs. Started by the launcher when none runs
 * (runtime/snapctl_spawn.h), or by hand; it runs until SIGTERM, SIGINT or
 * SIGHUP (a service may call snapctl at any time).
 *
 * One request per connection (snapctl_wire.h), each served in a process of
 * its own, forked at accept(): a request may take long (a `restart` waits
 * for systemd, a `set` for the store's lock) and must not hold up the
 * others; a child that crashes on what a client sent takes nothing with it;
 * each request reads state anew. The parent only accepts, forks and reaps.
 * What a connection may cost is bounded: the whole request must arrive
 * within 5 s of the accept, within the size limits, or the child gives up;
 * at most 16 requests of one uid and 128 in all are served at once (more
 * get an answer that the broker is busy, without a fork), so one user's
 * stalled or flooding clients cannot keep another's out.
 *
 * Who asks: the cookie in the request names the snap (compared with every
 * cookie file, cookies.h), the connection's SO_PEERCRED the uid
 * (snapctl_cmds.h decides what that uid may do). Nothing the client says
 * about itself is believed. */
#pragma once
#include "error.h"

#include <stdbool.h>

/* Serve until told to stop. root: the root prefix (CORDON_ROOT) or NULL.
 * inherited: the launcher passed the lock and the listening socket as fds 3
 * and 4 (checked); else they are taken and made here. Another broker of
 * this root running: 0 at once. Needs euid 0. */
int cordon_snapctl_serve(const char *root, bool inherited, cordon_error **err);
