/* Connections in state: auto-connection at install and refresh, what a
 * remove drops, connect and disconnect. Each runs in a change's transaction
 * (txn.h), which recompiles what they ask for once, before the commit. */
#include "connections.h"
#include "confctl.h"
#include "hooks.h"
#include "attrs.h"
#include "catalog.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *display_snap(const char *snap)
{
	return snap[0] ? snap : "system";
}

/* ---- ports ---- */

static int sync_ports(cordon_ctx *ctx, const cordon_loaded_snap *ls, const cordon_catalog *cat,
		      cordon_error **err)
{
	int r = cordon_state_delete_ports(ctx->state, ls->row.name, err);
	for (int plug = 1; r == 0 && plug >= 0; plug--) {
		size_t n = plug ? ls->m->n_plugs : ls->m->n_slots;
		const cordon_port *ports = plug ? ls->m->plugs : ls->m->slots;
		for (size_t i = 0; r == 0 && i < n; i++) {
			if (cordon_catalog_get(cat, ports[i].interface) == NULL)
				continue; /* unknown interface: a bad plug, ignored as snapd does */
			const char *content = strcmp(ports[i].interface, "content") == 0
						  ? cordon_port_content(&ports[i])
						  : "";
			r = cordon_state_add_port(ctx->state, ls->row.name,
						  plug ? CORDON_PORT_PLUG : CORDON_PORT_SLOT,
						  ports[i].name, ports[i].interface, content, err);
		}
	}
	return r;
}

/* Whether `def` may auto-connect a plug of psnap to a slot of ssnap at all.
 * snapd auto-connects content only between snaps of one publisher
 * (content.go's base declaration: plug-publisher-id: [$SLOT_PUBLISHER_ID]),
 * and a snap without a snap-declaration (`--dangerous`, every cordon
 * install) has no publisher id, which never matches (interfaces/policy
 * helpers.go checkID): snapd never auto-connects content between local
 * snaps. cordon has no publishers; the only pair it knows to be one party
 * is a plug and a slot of the same snap instance, written by one author.
 * A matching `content` tag or a `default-provider` naming the slot snap is
 * what the plug's author alone wrote: honouring either would let any snap
 * pick whose data to read and write. data/interfaces/content.yaml has the
 * whole reasoning. */
static bool autoconnect_party(const cordon_def *def, const char *psnap, const char *ssnap)
{
	return def->auto_connect != CORDON_AUTO_CONTENT || strcmp(psnap, ssnap) == 0;
}

/* Slots a plug of psnap would auto-connect to (snap "" = system). Slots
 * the party rule excludes are no candidates at all (as in snapd, where the
 * policy check filters before the count): a stranger's slot neither
 * connects nor makes a legitimate plug ambiguous. */
static int autoconnect_candidates(cordon_ctx *ctx, const cordon_def *def, const char *psnap,
				  const cordon_port *plug, cordon_port_row **out, size_t *n,
				  cordon_error **err)
{
	*out = NULL;
	*n = 0;
	if (def->privileged || def->auto_connect == CORDON_AUTO_NO)
		return 0;
	if (def->auto_connect == CORDON_AUTO_CONTENT) {
		cordon_port_row *all = NULL;
		size_t n_all = 0;
		int r = cordon_state_slots_with_interface(
		    ctx->state, "content", cordon_port_content(plug), &all, &n_all, err);
		for (size_t i = 0; r == 0 && i < n_all; i++)
			if (autoconnect_party(def, psnap, all[i].snap)) {
				*out = xreallocarray(*out, *n + 1, sizeof **out);
				(*out)[(*n)++] = all[i];
				memset(&all[i], 0, sizeof all[i]);
			}
		cordon_port_rows_free(all, n_all);
		return r;
	}
	/* YES, and CLASSIC: cordon runs on classic hosts only */
	if (def->implicit_slot) {
		*out = xcalloc(1, sizeof **out);
		**out = (cordon_port_row){.snap = xstrdup(""),
					  .kind = CORDON_PORT_SLOT,
					  .name = xstrdup(def->name),
					  .interface = xstrdup(def->name),
					  .content = xstrdup("")};
		*n = 1;
		return 0;
	}
	return cordon_state_slots_with_interface(ctx->state, def->name, NULL, out, n, err);
}

static int insert_conn(cordon_ctx *ctx, const char *psnap, const char *plug, const char *ssnap,
		       const char *slot, const char *iface, bool manual, cordon_error **err)
{
	return cordon_state_put_connection(ctx->state, psnap, plug, ssnap, slot, iface, manual,
					   err);
}

/* Auto-connect one plug when exactly one slot qualifies (snapd leaves an
 * ambiguous plug alone). */
static int autoconnect_plug(cordon_ctx *ctx, const cordon_catalog *cat, const char *psnap,
			    const cordon_port *plug, const char *only_slot_snap, bool *made,
			    strv *made_list, cordon_error **err)
{
	*made = false;
	const cordon_def *def = cordon_catalog_get(cat, plug->interface);
	if (def == NULL)
		return 0;
	bool exists;
	int r = cordon_state_plug_is_recorded(ctx->state, psnap, plug->name, &exists, err);
	if (r < 0 || exists) /* connected, or disconnected by the admin: left alone */
		return r;
	cordon_port_row *cand = NULL;
	size_t n = 0;
	r = autoconnect_candidates(ctx, def, psnap, plug, &cand, &n, err);
	if (r == 0 && n == 1 &&
	    (only_slot_snap == NULL || strcmp(cand[0].snap, only_slot_snap) == 0)) {
		*made = true;
		r = insert_conn(ctx, psnap, plug->name, cand[0].snap, cand[0].name, def->name,
				false, err);
		/* its prepare and connect hooks run before the change commits */
		strv_push(made_list, psnap);
		strv_push(made_list, plug->name);
		strv_push(made_list, cand[0].snap);
		strv_push(made_list, cand[0].name);
	}
	cordon_port_rows_free(cand, n);
	return r;
}

static void mark(strv *affected, const char *snap)
{
	if (snap[0] && !strv_contains(affected, snap))
		strv_push(affected, snap);
}

/* Drop rows whose ends no longer exist or changed interface (refresh), and
 * auto-connections the party rule does not allow (autoconnect_party): only a
 * cordon from before the rule made them, and they hand a stranger the slot
 * snap's data; the refresh of either end takes that away. The admin's own
 * connections (manual) and remembered disconnections (undesired) stay. */
static int drop_stale(cordon_ctx *ctx, const cordon_loaded_snap *ls, const cordon_catalog *cat,
		      strv *affected, cordon_error **err)
{
	cordon_conn_row *rows = NULL;
	size_t n = 0;
	int r = cordon_state_connections_of(ctx->state, ls->row.name, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *ps = rows[i].plug_snap, *pl = rows[i].plug, *ss = rows[i].slot_snap,
			   *sl = rows[i].slot, *iface = rows[i].interface;
		bool automatic = !rows[i].manual && !rows[i].undesired;
		const cordon_def *def = cordon_catalog_get(cat, iface);
		bool ok = !automatic || def == NULL || autoconnect_party(def, ps, ss);
		if (ok && strcmp(ps, ls->row.name) == 0) {
			const cordon_port *p = cordon_manifest_plug(ls->m, pl);
			ok = p && strcmp(p->interface, iface) == 0;
		}
		if (ok && strcmp(ss, ls->row.name) == 0) {
			const cordon_port *s = cordon_manifest_slot(ls->m, sl);
			ok = s && strcmp(s->interface, iface) == 0;
		}
		if (ok && ss[0] == '\0') {
			const cordon_def *d = cordon_catalog_get(cat, sl);
			ok = d && d->implicit_slot;
		}
		if (ok)
			continue;
		r = cordon_state_delete_connection(ctx->state, &rows[i], err);
		mark(affected, strcmp(ps, ls->row.name) == 0 ? ss : ps);
	}
	cordon_conn_rows_free(rows, n);
	return r;
}

/* Other snaps whose connections changed: their whole policy, and their
 * namespace (content mounts may have changed). */
static void recompile_all(cordon_txn *t, const strv *snaps)
{
	for (size_t i = 0; i < snaps->n; i++) {
		cordon_txn_recompile(t, snaps->v[i], NULL, NULL);
		cordon_txn_refresh_ns(t, snaps->v[i]);
	}
}

int cordon_connections_on_install(cordon_txn *t, const char *instance, bool refresh, bool dangerous,
				  cordon_error **err)
{
	cordon_ctx *ctx = t->ctx;
	const cordon_catalog *cat;
	const cordon_loaded_snap *ls;
	int r = cordon_ctx_catalog(ctx, &cat, err);
	if (r == 0)
		r = cordon_ctx_snap(ctx, instance, &ls, err);
	if (r < 0)
		return r;
	const cordon_manifest *m = ls->m;
	for (size_t i = 0; i < m->n_plugs; i++) {
		const cordon_def *def = cordon_catalog_get(cat, m->plugs[i].interface);
		if (def == NULL)
			continue;
		if (def->privileged && !dangerous)
			return cordon_err_msg(err, EPERM,
					      "plug \"%s\" uses the privileged \"%s\" interface; "
					      "installing it needs --dangerous",
					      m->plugs[i].name, def->name);
		r = cordon_check_attrs(def, &m->plugs[i], true, instance, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < m->n_slots; i++) {
		const cordon_def *def = cordon_catalog_get(cat, m->slots[i].interface);
		if (def == NULL)
			continue;
		r = cordon_check_attrs(def, &m->slots[i], false, instance, err);
		if (r < 0)
			return r;
	}
	r = sync_ports(ctx, ls, cat, err);
	_cleanup_strv_ strv affected = {0};
	if (r == 0 && refresh)
		r = drop_stale(ctx, ls, cat, &affected, err);
	if (r == 0 && refresh) {
		/* Snaps still connected to our slots compiled our old revision's
		 * paths (content: the plug snap mounts /snap/SLOT/<old rev> and
		 * /var/snap/SLOT/<old rev>, kept for revert): recompile them and
		 * refresh their namespace, or a connection that stays through
		 * the refresh keeps serving the old revision (snapd:
		 * AffectsPlugOnRefresh). journal_neighbours journaled them. */
		_cleanup_strv_ strv plugs = {0};
		r = cordon_state_plug_snaps_connected_to(ctx->state, instance, &plugs, err);
		for (size_t i = 0; i < plugs.n; i++)
			mark(&affected, plugs.v[i]);
	}
	for (size_t i = 0; r == 0 && i < m->n_plugs; i++) {
		bool made;
		r = autoconnect_plug(ctx, cat, instance, &m->plugs[i], NULL, &made, &t->conns_made,
				     err);
	}
	/* plugs of other snaps waiting for a slot like one of ours (never for
	 * content: autoconnect_party) */
	for (size_t i = 0; r == 0 && i < m->n_slots; i++) {
		cordon_port_row *plugs = NULL;
		size_t n = 0;
		r = cordon_state_plugs_with_interface(ctx->state, m->slots[i].interface, instance,
						      &plugs, &n, err);
		for (size_t j = 0; r == 0 && j < n; j++) {
			const cordon_loaded_snap *other;
			r = cordon_ctx_snap(ctx, plugs[j].snap, &other, err);
			if (r < 0)
				break;
			const cordon_port *p = cordon_manifest_plug(other->m, plugs[j].name);
			bool made = false;
			if (p)
				r = autoconnect_plug(ctx, cat, plugs[j].snap, p, instance, &made,
						     &t->conns_made, err);
			if (made)
				mark(&affected, plugs[j].snap);
		}
		cordon_port_rows_free(plugs, n);
	}
	if (r == 0)
		recompile_all(t, &affected);
	return r;
}

static int run_port_hooks(cordon_ctx *ctx, const char *psnap, const char *plug, const char *ssnap,
			  const char *slot, bool connect, cordon_error **err);

void cordon_connections_remove_hooks(cordon_ctx *ctx, const char *instance)
{
	cordon_conn_row *rows = NULL;
	size_t n = 0;
	cordon_error *e = NULL;
	if (cordon_state_connections_of(ctx->state, instance, &rows, &n, &e) < 0)
		goto warn;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].undesired)
			continue;
		if (run_port_hooks(ctx, rows[i].plug_snap, rows[i].plug, rows[i].slot_snap,
				   rows[i].slot, false, &e) < 0) {
			strv_push_own(&ctx->warnings,
				      xasprintf("%s; the snap is removed all the same", e->msg));
			cordon_error_free(&e);
		}
	}
warn:
	if (e)
		strv_push_own(&ctx->warnings, xasprintf("%s", e->msg));
	cordon_error_free(&e);
	cordon_conn_rows_free(rows, n);
}

int cordon_connections_on_remove(cordon_txn *t, const char *instance, cordon_error **err)
{
	/* the snaps at the other end of its connections lose what those
	 * granted them: the plug snaps on its slots, and the slot snaps of
	 * its plugs (their slot side); its own plugs' rows go with the snap */
	_cleanup_strv_ strv others = {0};
	int r = cordon_state_plug_snaps_recorded_on(t->ctx->state, instance, &others, err);
	cordon_conn_row *rows = NULL;
	size_t n = 0;
	if (r == 0)
		r = cordon_state_connections_from_plugs(t->ctx->state, instance, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(rows[i].slot_snap, instance) != 0)
			mark(&others, rows[i].slot_snap);
	cordon_conn_rows_free(rows, n);
	if (r == 0)
		r = cordon_state_delete_connections_to(t->ctx->state, instance, err);
	if (r == 0)
		recompile_all(t, &others);
	return r;
}

/* ---- connect ---- */

static int snap_or_fail(cordon_ctx *ctx, const char *name, const cordon_loaded_snap **out,
			cordon_error **err)
{
	int r = cordon_ctx_snap(ctx, name, out, err);
	if (r == -ENOENT)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" is not installed", name);
	return r;
}

/* Recompile only the labels a connection touches: the apps and hooks bound
 * to its plug, and to its slot. A connection that mounts something (content)
 * changes the snap's namespace stamp, which every label of the snap carries:
 * then the whole plug snap. */
static int recompile_ends(cordon_txn *t, const cordon_def *def, const char *psnap, const char *plug,
			  const char *ssnap, const char *slot, cordon_error **err)
{
	for (int side = 0; side < 2; side++) {
		const char *snap = side == 0 ? psnap : ssnap;
		if (snap[0] == '\0')
			continue; /* the system has no policy */
		const cordon_loaded_snap *ls;
		int r = cordon_ctx_snap(t->ctx, snap, &ls, err);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		const cordon_port *p = side == 0 ? cordon_manifest_plug(ls->m, plug)
						 : cordon_manifest_slot(ls->m, slot);
		bool whole = p == NULL || (side == 0 && def && def->plug.mounts.n > 0);
		/* a dbus connection changes the filter of the plug side's bus
		 * proxies, which are written with the snap's units */
		bool units = def && strcmp(def->name, "dbus") == 0;
		cordon_txn_recompile(t, snap, whole || units ? NULL : &p->apps,
				     whole || units ? NULL : &p->hooks);
		if (whole)
			cordon_txn_refresh_ns(t, snap);
	}
	return 0;
}

int cordon_connections_neighbours(cordon_ctx *ctx, const char *instance,
				  const cordon_manifest *incoming, strv *snaps, cordon_error **err)
{
	/* Snaps whose policy the change may recompile inside its transaction:
	 * those connected to this snap's slots now, those whose slots its
	 * plugs are connected to (a refresh may drop those connections), and
	 * those with plugs of an interface one of its (new) slots offers
	 * (auto-connection). */
	int r = cordon_state_plug_snaps_recorded_on(ctx->state, instance, snaps, err);
	cordon_conn_row *rows = NULL;
	size_t n = 0;
	if (r == 0)
		r = cordon_state_connections_from_plugs(ctx->state, instance, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (rows[i].slot_snap[0] && strcmp(rows[i].slot_snap, instance) != 0)
			strv_push(snaps, rows[i].slot_snap);
	cordon_conn_rows_free(rows, n);
	for (size_t i = 0; r == 0 && incoming && i < incoming->n_slots; i++)
		r = cordon_state_snaps_with_plugs_of(ctx->state, incoming->slots[i].interface,
						     instance, snaps, err);
	return r;
}

static int resolve_slot(cordon_ctx *ctx, const cordon_catalog *cat, const cordon_def *def,
			const char *psnap, const char *plug, const char *want_snap,
			const char *want_slot, char **ssnap, char **sslot, cordon_error **err)
{
	if (want_snap == NULL) {
		/* `connect foo:plug`: the system's slot, else the one slot
		 * of that interface anywhere */
		if (def->implicit_slot) {
			*ssnap = xstrdup("");
			*sslot = xstrdup(def->name);
			return 0;
		}
		/* content: only the slots whose `content` matches the plug's
		 * (the connection would be refused otherwise, see
		 * content_matches), so that `connect foo:plug` finds the
		 * provider when other content slots exist */
		const cordon_port *p = NULL;
		if (def->auto_connect == CORDON_AUTO_CONTENT) {
			const cordon_loaded_snap *pls;
			int e = cordon_ctx_snap(ctx, psnap, &pls, err);
			if (e < 0)
				return e;
			p = cordon_manifest_plug(pls->m, plug);
		}
		cordon_port_row *c = NULL;
		size_t n = 0;
		int r = cordon_state_slots_with_interface(
		    ctx->state, def->name, p ? cordon_port_content(p) : NULL, &c, &n, err);
		if (r == 0 && n != 1)
			r = cordon_err_msg(err, ENOENT,
					   n == 0 ? "no \"%s\" slot to connect %s:%s to"
						  : "more than one \"%s\" slot could take %s:%s; "
						    "name one",
					   def->name, psnap, plug);
		if (r == 0) {
			*ssnap = xstrdup(c[0].snap);
			*sslot = xstrdup(c[0].name);
		}
		cordon_port_rows_free(c, n);
		return r;
	}
	if (cordon_is_system_snap(want_snap)) {
		const char *name = want_slot ? want_slot : def->name;
		const cordon_def *sd = cordon_catalog_get(cat, name);
		if (sd == NULL || !sd->implicit_slot)
			return cordon_err_msg(err, ENOENT,
					      "snap \"system\" has no slot named \"%s\"", name);
		*ssnap = xstrdup("");
		*sslot = xstrdup(name);
		return 0;
	}
	const cordon_loaded_snap *ls;
	int r = snap_or_fail(ctx, want_snap, &ls, err);
	if (r < 0)
		return r;
	if (want_slot) {
		if (cordon_manifest_slot(ls->m, want_slot) == NULL)
			return cordon_err_msg(err, ENOENT, "snap \"%s\" has no slot named \"%s\"",
					      want_snap, want_slot);
		*ssnap = xstrdup(want_snap);
		*sslot = xstrdup(want_slot);
		return 0;
	}
	const cordon_port *found = NULL;
	_cleanup_strv_ strv names = {0};
	for (size_t i = 0; i < ls->m->n_slots; i++) {
		if (strcmp(ls->m->slots[i].interface, def->name) != 0)
			continue;
		strv_push(&names, ls->m->slots[i].name);
		found = &ls->m->slots[i];
	}
	if (names.n > 1) {
		/* snapd's message (interfaces/repo.go ResolveConnect) */
		strv_sort(&names);
		_cleanup_buf_ buf list = {0};
		for (size_t i = 0; i < names.n; i++)
			buf_printf(&list, "%s%s", i ? ", " : "", names.v[i]);
		return cordon_err_msg(err, EINVAL,
				      "snap \"%s\" has multiple \"%s\" interface slots: %s",
				      want_snap, def->name, list.p);
	}
	if (found == NULL)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" has no \"%s\" interface slots",
				      want_snap, def->name);
	*ssnap = xstrdup(want_snap);
	*sslot = xstrdup(found->name);
	return 0;
}

/* snapd's base declaration allows a content connection, manual or not, only
 * between ports with the same `content` value (allow-connection:
 * plug-attributes: content: $SLOT(content)): a manual connect must not hand
 * a plug some other snap's unrelated content. */
/* A dbus plug talks to the slot that owns the name it names, on the same
 * bus: snapd connects any pair and grants nothing through a mismatched one;
 * cordon says so instead. */
static int dbus_matches(const cordon_def *def, const char *psnap, const cordon_port *p,
			const char *ssnap, const cordon_port *s, cordon_error **err)
{
	if (strcmp(def->name, "dbus") != 0 || s == NULL)
		return 0;
	static const char *const keys[] = {"bus", "name"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const cordon_attr *a = cordon_port_attr(p, keys[i]),
				  *b = cordon_port_attr(s, keys[i]);
		const char *av = a && a->value.kind == CORDON_Y_STRING ? a->value.scalar : "";
		const char *bv = b && b->value.kind == CORDON_Y_STRING ? b->value.scalar : "";
		if (strcmp(av, bv) != 0)
			return cordon_err_msg(err, EPERM,
					      "cannot connect %s:%s to %s:%s: %s \"%s\" does not "
					      "match the slot's %s \"%s\"",
					      psnap, p->name, ssnap, s->name, keys[i], av, keys[i],
					      bv);
	}
	return 0;
}

static int content_matches(const cordon_def *def, const char *psnap, const cordon_port *p,
			   const char *ssnap, const cordon_port *s, cordon_error **err)
{
	if (def->auto_connect != CORDON_AUTO_CONTENT || s == NULL ||
	    strcmp(cordon_port_content(p), cordon_port_content(s)) == 0)
		return 0;
	return cordon_err_msg(err, EPERM,
			      "cannot connect %s:%s to %s:%s: content \"%s\" does not match the "
			      "slot's content \"%s\"",
			      psnap, p->name, ssnap, s->name, cordon_port_content(p),
			      cordon_port_content(s));
}

/* A plug's or slot's attributes from its snap's snap.yaml, as JSON ("{}"
 * for the system's slots and what cannot be found). */
static char *port_attrs(cordon_ctx *ctx, const char *snap, const char *name, bool plug)
{
	const cordon_loaded_snap *ls;
	const cordon_port *p = NULL;
	if (snap[0] && cordon_ctx_snap(ctx, snap, &ls, NULL) == 0)
		p = plug ? cordon_manifest_plug(ls->m, name) : cordon_manifest_slot(ls->m, name);
	return p ? cordon_conf_attrs_json(p->attrs, p->n_attrs) : xstrdup("{}");
}

/* The interface hooks of one connection, as snapd runs them around it
 * (ifacestate: prepare-plug-, prepare-slot-, connect-slot-, connect-plug-;
 * or disconnect-slot-, disconnect-plug-). The system's slots have none. */
static int run_port_hooks(cordon_ctx *ctx, const char *psnap, const char *plug, const char *ssnap,
			  const char *slot, bool connect, cordon_error **err)
{
	_cleanup_free_ char *pp = xasprintf("prepare-plug-%s", plug);
	_cleanup_free_ char *ps = xasprintf("prepare-slot-%s", slot);
	_cleanup_free_ char *cs = xasprintf("connect-slot-%s", slot);
	_cleanup_free_ char *cp = xasprintf("connect-plug-%s", plug);
	_cleanup_free_ char *ds = xasprintf("disconnect-slot-%s", slot);
	_cleanup_free_ char *dp = xasprintf("disconnect-plug-%s", plug);
	const struct {
		const char *snap, *hook;
	} on[] = {{psnap, pp}, {ssnap, ps}, {ssnap, cs}, {psnap, cp}},
	  off[] = {{ssnap, ds}, {psnap, dp}};
	size_t n = connect ? ARRAY_SIZE(on) : ARRAY_SIZE(off);
	/* what `snapctl get :PORT` reads in them, and the prepare hooks'
	 * `snapctl set :PORT` adds to, for the later hooks of this connection
	 * (snapd's dynamic attributes; no interface of cordon's reads them
	 * for policy, so they are not kept past the change) */
	cordon_hook_conn conn = {
	    .plug_snap = psnap, .plug = plug, .slot_snap = ssnap, .slot = slot};
	conn.plug_static = port_attrs(ctx, psnap, plug, true);
	conn.slot_static = port_attrs(ctx, ssnap, slot, false);
	cordon_hook_opts o = {.conn = &conn};
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *snap = connect ? on[i].snap : off[i].snap;
		if (snap[0])
			r = cordon_hook_run_with(ctx, snap, connect ? on[i].hook : off[i].hook, &o,
						 err);
	}
	free(conn.plug_static);
	free(conn.slot_static);
	free(conn.plug_dynamic);
	free(conn.slot_dynamic);
	return r;
}

int cordon_connections_run_hooks(cordon_txn *t, cordon_error **err)
{
	const strv *c = &t->conns_made;
	int r = 0;
	for (size_t i = 0; r == 0 && i + 3 < c->n; i += 4)
		r = run_port_hooks(t->ctx, c->v[i], c->v[i + 1], c->v[i + 2], c->v[i + 3], true,
				   err);
	return r;
}

int cordon_connect(cordon_ctx *ctx, const char *psnap, const char *plug, const char *want_snap,
		   const char *want_slot, cordon_error **err)
{
	const cordon_catalog *cat;
	const cordon_loaded_snap *pls;
	int r = cordon_ctx_catalog(ctx, &cat, err);
	if (r == 0)
		r = snap_or_fail(ctx, psnap, &pls, err);
	if (r < 0)
		return r;
	const cordon_port *p = cordon_manifest_plug(pls->m, plug);
	if (p == NULL)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" has no plug named \"%s\"", psnap,
				      plug);
	const cordon_def *def = cordon_catalog_get(cat, p->interface);
	if (def == NULL)
		return cordon_err_msg(err, ENOENT,
				      "plug \"%s\" of snap \"%s\" uses unknown "
				      "interface \"%s\"",
				      plug, psnap, p->interface);
	_cleanup_free_ char *ssnap = NULL, *sslot = NULL;
	r = resolve_slot(ctx, cat, def, psnap, plug, want_snap, want_slot, &ssnap, &sslot, err);
	if (r < 0)
		return r;
	const char *siface = sslot;
	const cordon_port *s = NULL; /* NULL: a system slot */
	if (ssnap[0]) {
		const cordon_loaded_snap *sls;
		r = snap_or_fail(ctx, ssnap, &sls, err);
		if (r < 0)
			return r;
		s = cordon_manifest_slot(sls->m, sslot);
		siface = s->interface;
		if (strcmp(siface, def->name) == 0)
			r = cordon_check_attrs(def, s, false, ssnap, err);
		if (r < 0)
			return r;
	}
	if (strcmp(siface, def->name) != 0)
		return cordon_err_msg(err, EINVAL,
				      "cannot connect %s:%s (\"%s\" interface) to %s:%s (\"%s\" "
				      "interface)",
				      psnap, plug, def->name, ssnap, sslot, siface);
	r = cordon_check_attrs(def, p, true, psnap, err);
	if (r < 0)
		return r;
	r = content_matches(def, psnap, p, ssnap, s, err);
	if (r == 0)
		r = dbus_matches(def, psnap, p, ssnap, s, err);
	if (r < 0)
		return r;
	_cleanup_strv_ strv snaps = {0};
	mark(&snaps, psnap);
	mark(&snaps, ssnap);
	cordon_txn t;
	r = cordon_txn_begin(ctx, "connect", &snaps, NULL, NULL, &t, err);
	if (r == 0) {
		r = insert_conn(ctx, psnap, plug, ssnap, sslot, def->name, true, err);
		if (r == 0)
			r = recompile_ends(&t, def, psnap, plug, ssnap, sslot, err);
		/* the hooks with the connection's policy written, before the
		 * commit: a failing one leaves the connection unmade */
		if (r == 0)
			r = cordon_txn_prepare(&t, err);
		if (r == 0)
			r = run_port_hooks(ctx, psnap, plug, ssnap, sslot, true, err);
		r = r == 0 ? cordon_txn_commit(&t, err) : cordon_txn_abort(&t, r, err);
		if (r == 0)
			cordon_txn_settle(&t);
	}
	cordon_txn_free(&t);
	return r;
}

/* ---- disconnect ---- */

int cordon_disconnect(cordon_ctx *ctx, const char *snap, const char *name, const char *ssnap,
		      const char *sslot, bool forget, int *count, cordon_error **err)
{
	*count = 0;
	const cordon_catalog *cat;
	const cordon_loaded_snap *ls;
	int r = cordon_ctx_catalog(ctx, &cat, err);
	if (r == 0)
		r = snap_or_fail(ctx, snap, &ls, err);
	if (r < 0)
		return r;
	bool plug = cordon_manifest_plug(ls->m, name) != NULL;
	if (!plug && cordon_manifest_slot(ls->m, name) == NULL)
		return cordon_err_msg(err, ENOENT, "snap \"%s\" has no plug or slot named \"%s\"",
				      snap, name);
	const char *other_snap = ssnap ? (cordon_is_system_snap(ssnap) ? "" : ssnap) : NULL;
	if (plug && other_snap && sslot) {
		/* snapd (ResolveDisconnect): the named slot must exist */
		bool found;
		if (other_snap[0] == '\0') {
			const cordon_def *sd = cordon_catalog_get(cat, sslot);
			found = sd && sd->implicit_slot;
		} else {
			const cordon_loaded_snap *sls;
			r = cordon_ctx_snap(ctx, other_snap, &sls, err);
			if (r < 0 && r != -ENOENT)
				return r;
			found = r == 0 && cordon_manifest_slot(sls->m, sslot) != NULL;
		}
		if (!found)
			return cordon_err_msg(err, ENOENT, "snap \"%s\" has no slot named \"%s\"",
					      display_snap(other_snap), sslot);
	}
	cordon_conn_row *rows = NULL;
	size_t n = 0;
	r = plug ? cordon_state_plug_connections(ctx->state, snap, name, other_snap, sslot, &rows,
						 &n, err)
		 : cordon_state_slot_connections(ctx->state, snap, name, other_snap, sslot, &rows,
						 &n, err);
	if (r < 0)
		return r;
	int connected = 0;
	for (size_t i = 0; i < n; i++)
		connected += !rows[i].undesired;
	if (connected == 0 && !forget) {
		cordon_conn_rows_free(rows, n);
		if (ssnap != NULL)
			return cordon_err_msg(
			    err, ENOENT, "cannot disconnect %s:%s from %s:%s, it is not connected",
			    snap, name, display_snap(other_snap), sslot ? sslot : "");
		return 0; /* "No connections to disconnect" */
	}
	_cleanup_strv_ strv snaps = {0};
	for (size_t i = 0; i < n; i++) {
		mark(&snaps, rows[i].plug_snap);
		mark(&snaps, rows[i].slot_snap);
	}
	cordon_txn t;
	r = cordon_txn_begin(ctx, "disconnect", &snaps, NULL, NULL, &t, err);
	/* the disconnect hooks while still connected (policy unchanged); a
	 * failing one leaves the connection made */
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!rows[i].undesired)
			r = run_port_hooks(ctx, rows[i].plug_snap, rows[i].plug, rows[i].slot_snap,
					   rows[i].slot, false, err);
	if (r < 0)
		cordon_txn_abort(&t, r, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *ps = rows[i].plug_snap, *pl = rows[i].plug, *ss = rows[i].slot_snap,
			   *sl = rows[i].slot, *iface = rows[i].interface;
		const cordon_def *def = cordon_catalog_get(cat, iface);
		bool remember =
		    !forget && def && !def->privileged && def->auto_connect != CORDON_AUTO_NO;
		/* An auto-connectable plug the admin disconnected is remembered
		 * (undesired) so a refresh does not connect it again; --forget
		 * drops that memory. */
		r = remember ? cordon_state_remember_disconnection(ctx->state, &rows[i], err)
			     : cordon_state_delete_connection(ctx->state, &rows[i], err);
		if (r == 0)
			r = recompile_ends(&t, def, ps, pl, ss, sl, err);
		if (r < 0)
			cordon_txn_abort(&t, r, err);
	}
	cordon_conn_rows_free(rows, n);
	if (r == 0)
		r = cordon_txn_commit(&t, err);
	if (r == 0) {
		*count = connected;
		cordon_txn_settle(&t);
	}
	cordon_txn_free(&t);
	return r;
}
