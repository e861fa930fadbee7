/* What `cordon interfaces` and `cordon interface` show: views of the rows of
 * `cordon connections` (connections_view.h) and the catalogue. Pure: the
 * caller fetches the rows and prints, so the views are testable without a
 * state. Endpoint refs are "snap:name", ":name" for the system's slots. */
#pragma once
#include "catalog.h"
#include "connections_view.h"
#include "error.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* snap's `interfaces [SNAP]`, the older Slot/Plug view
 * (cmd/snap/cmd_interfaces.go): every slot, the system's implicit ones
 * included whether connected or not, with the plugs connected to it, then
 * every unconnected plug. rows: every connection and unconnected plug and
 * slot (cordon_connections_view with no snap, all). want_snap: only the
 * slots of that snap or with a plug of it, and its unconnected plugs; NULL:
 * everything. Appends to cells (slot, plug) pairs in output order, "-" for
 * none. -ENOENT when there is no slot and no plug at all. */
int cordon_interfaces_table(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat,
			    const char *want_snap, strv *cells, cordon_error **err);

/* snap's `interface [--all]`: appends to cells (name, summary) pairs of the
 * interfaces with at least one row (rows: the connections, as
 * cordon_connections_view gives them with no snap and not all), or of every
 * one with all (rows unused). -ENOENT when there is none. */
int cordon_interface_list(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat,
			  bool all, strv *cells, cordon_error **err);

/* snap's `interface NAME`: the "name:", "summary:", "plugs:", "slots:"
 * text; the plugs and slots of the interface in rows (as for
 * cordon_interfaces_table), "system" for its implicit slot. *text is
 * malloc'd. -ENOENT when the catalogue has no such interface (rows are not
 * looked at: the caller may pass none). */
int cordon_interface_describe(const cordon_conn_view *rows, size_t n, const cordon_catalog *cat,
			      const char *name, char **text, cordon_error **err);
