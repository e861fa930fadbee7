/* The package model's lifetime, lookups and the name rules other modules share
 * (snap names, instance keys: snapd's snap/naming/validate.go). */
#include "manifest_internal.h"

#include <stdlib.h>
#include <string.h>

/* snapd's isValidName: ^[a-z0-9-]*[a-z][a-z0-9-]*$, then no leading, trailing
 * or doubled hyphen. Also used for socket names (without the length rule). */
bool mv_valid_socket_name(const char *s)
{
	bool letter = false;
	size_t n = strlen(s);
	if (n == 0 || s[0] == '-' || s[n - 1] == '-' || strstr(s, "--"))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = true;
		else if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	}
	return letter;
}

bool cordon_valid_store_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n >= 2 && n <= 40 && mv_valid_socket_name(name);
}

bool cordon_valid_instance_key(const char *key)
{
	size_t n = key ? strlen(key) : 0;
	if (n < 1 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= '0' && key[i] <= '9')))
			return false;
	return true;
}

bool cordon_valid_snap_name(const char *name)
{
	if (name == NULL)
		return false;
	const char *us = strchr(name, '_');
	if (us == NULL)
		return cordon_valid_store_name(name);
	_cleanup_free_ char *store = xstrndup(name, (size_t)(us - name));
	return cordon_valid_store_name(store) && cordon_valid_instance_key(us + 1);
}

static int cmp_name_ref(const void *a, const void *b)
{
	const name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void name_index_sort(name_ref *refs, size_t n)
{
	if (n > 1)
		qsort(refs, n, sizeof *refs, cmp_name_ref);
}

const name_ref *name_index_find(const name_ref *refs, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(refs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(refs[lo].name, name) == 0 ? &refs[lo] : NULL;
}

static void app_clear(cordon_app *a)
{
	char **strs[] = {
	    &a->name,
	    &a->command,
	    &a->daemon,
	    &a->daemon_scope,
	    &a->stop_command,
	    &a->reload_command,
	    &a->post_stop_command,
	    &a->stop_mode,
	    &a->stop_timeout,
	    &a->start_timeout,
	    &a->watchdog_timeout,
	    &a->restart_condition,
	    &a->restart_delay,
	    &a->refresh_mode,
	    &a->install_mode,
	    &a->timer,
	    &a->bus_name,
	    &a->common_id,
	    &a->desktop,
	    &a->completer,
	    &a->autostart,
	};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	strv *lists[] = {&a->command_chain, &a->activates, &a->after, &a->before,
			 &a->aliases,	    &a->plugs,	   &a->slots};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		strv_free(lists[i]);
	cordon_pos *pos[] = {a->command_chain_pos, a->activates_pos, a->after_pos, a->before_pos,
			     a->aliases_pos,	   a->plugs_pos,     a->slots_pos};
	for (size_t i = 0; i < ARRAY_SIZE(pos); i++)
		free(pos[i]);
	mp_env_clear(&a->environment);
	for (size_t i = 0; i < a->n_sockets; i++) {
		free(a->sockets[i].name);
		free(a->sockets[i].listen_stream);
		free(a->sockets[i].socket_mode);
	}
	free(a->sockets);
}

static void hook_clear(cordon_hook *h)
{
	free(h->name);
	strv_free(&h->command_chain);
	strv_free(&h->plugs);
	strv_free(&h->slots);
	free(h->command_chain_pos);
	free(h->plugs_pos);
	free(h->slots_pos);
	mp_env_clear(&h->environment);
}

void cordon_manifest_free(cordon_manifest *m)
{
	if (m == NULL)
		return;
	char *strs[] = {m->name,  m->version, m->summary,     m->description,
			m->title, m->base,    m->confinement, m->grade,
			m->type,  m->epoch,   m->license,     m->source_name};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(strs[i]);
	strv_free(&m->architectures);
	strv_free(&m->assumes);
	strv_free(&m->unknown_keys);
	mp_env_clear(&m->environment);
	for (size_t i = 0; i < m->n_plugs; i++)
		mp_port_clear(&m->plugs[i]);
	free(m->plugs);
	for (size_t i = 0; i < m->n_slots; i++)
		mp_port_clear(&m->slots[i]);
	free(m->slots);
	for (size_t i = 0; i < m->n_apps; i++)
		app_clear(&m->apps[i]);
	free(m->apps);
	for (size_t i = 0; i < m->n_hooks; i++)
		hook_clear(&m->hooks[i]);
	free(m->hooks);
	for (size_t i = 0; i < m->n_layout; i++) {
		cordon_layout *l = &m->layout[i];
		free(l->path);
		free(l->kind);
		free(l->target);
		free(l->user);
		free(l->group);
		free(l->mode);
	}
	free(m->layout);
	for (size_t i = 0; i < m->n_system_users; i++) {
		free(m->system_users[i].name);
		free(m->system_users[i].scope);
	}
	free(m->system_users);
	free(m);
}

const cordon_app *cordon_manifest_app(const cordon_manifest *m, const char *name)
{
	for (size_t i = 0; m && i < m->n_apps; i++)
		if (strcmp(m->apps[i].name, name) == 0)
			return &m->apps[i];
	return NULL;
}

const cordon_hook *cordon_manifest_hook(const cordon_manifest *m, const char *name)
{
	for (size_t i = 0; m && i < m->n_hooks; i++)
		if (strcmp(m->hooks[i].name, name) == 0)
			return &m->hooks[i];
	return NULL;
}

const cordon_port *cordon_manifest_plug(const cordon_manifest *m, const char *name)
{
	for (size_t i = 0; m && i < m->n_plugs; i++)
		if (strcmp(m->plugs[i].name, name) == 0)
			return &m->plugs[i];
	return NULL;
}

const cordon_port *cordon_manifest_slot(const cordon_manifest *m, const char *name)
{
	for (size_t i = 0; m && i < m->n_slots; i++)
		if (strcmp(m->slots[i].name, name) == 0)
			return &m->slots[i];
	return NULL;
}
