/* The package model's lifetime and lookups. The destructors live here, with
 * the structs they free, so that everything that builds a model (the parser)
 * or reads one (the validators, the rest of cordon) depends on the model and
 * the model on nothing of theirs. */
#include "manifest.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void cordon_yaml_value_clear(cordon_yaml_value *v)
{
	free(v->scalar);
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		if (v->items)
			cordon_yaml_value_clear(&v->items[i]); /* depth <= YDOC_MAX_DEPTH */
	}
	free(v->keys);
	free(v->items);
	memset(v, 0, sizeof *v);
}

void cordon_env_map_clear(cordon_env_map *env)
{
	for (size_t i = 0; i < env->n; i++) {
		free(env->v[i].name);
		free(env->v[i].value);
	}
	free(env->v);
	env->v = NULL;
	env->n = 0;
}

void cordon_port_clear(cordon_port *port)
{
	free(port->name);
	free(port->interface);
	free(port->label);
	for (size_t i = 0; i < port->n_attrs; i++) {
		free(port->attrs[i].name);
		cordon_yaml_value_clear(&port->attrs[i].value);
	}
	free(port->attrs);
	strv_free(&port->apps);
	strv_free(&port->hooks);
	memset(port, 0, sizeof *port);
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
	cordon_env_map_clear(&a->environment);
	for (size_t i = 0; i < a->n_sockets; i++) {
		free(a->sockets[i].name);
		free(a->sockets[i].listen_stream);
		free(a->sockets[i].socket_mode);
	}
	free(a->sockets);
}

void cordon_hook_clear(cordon_hook *h)
{
	free(h->name);
	strv_free(&h->command_chain);
	strv_free(&h->plugs);
	strv_free(&h->slots);
	free(h->command_chain_pos);
	free(h->plugs_pos);
	free(h->slots_pos);
	cordon_env_map_clear(&h->environment);
	memset(h, 0, sizeof *h);
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
	cordon_env_map_clear(&m->environment);
	for (size_t i = 0; i < m->n_plugs; i++)
		cordon_port_clear(&m->plugs[i]);
	free(m->plugs);
	for (size_t i = 0; i < m->n_slots; i++)
		cordon_port_clear(&m->slots[i]);
	free(m->slots);
	for (size_t i = 0; i < m->n_apps; i++)
		app_clear(&m->apps[i]);
	free(m->apps);
	for (size_t i = 0; i < m->n_hooks; i++)
		cordon_hook_clear(&m->hooks[i]);
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
