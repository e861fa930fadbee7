/* The policy compiler: from a snap, its connections and the interface
 * definitions, the compiled policy of each of its labels (apps and hooks)
 * and the content mounts of its namespace. Pure: it computes from what it is
 * given; the store reads state and files to give it, and writes what comes
 * out (store/apply.c: policy files, AppArmor profiles, the directories
 * content mounts need). */
#pragma once
#include "error.h"
#include "input.h"
#include "policy.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* A bind mount of the snap's namespace that a connection asks for
 * (content). */
typedef struct cordon_content_mount {
	bool rw;
	char *source, *target;
	const cordon_loaded_snap *source_snap; /* the slot's snap; NULL: the system */
} cordon_content_mount;

/* The snap's content mounts, from its plugs' connections: variables
 * substituted, and a second mount on one target renamed TARGET-2, ... as
 * snapd does. */
int cordon_compile_mounts(const cordon_compile_input *in, cordon_content_mount **out, size_t *n,
			  cordon_error **err);
void cordon_content_mounts_free(cordon_content_mount *m, size_t n);

/* The stamp of a snap's namespace: its revision, its root (the base's
 * revision directory and layouts, layouts.h; NULL: the host's) and its mounts (triples "ro|rw",
 * source, target). A preserved namespace with another stamp is rebuilt when
 * unused. */
char *cordon_ns_stamp(const char *revision, const char *root_id, const strv *mounts);
/* The mounts as those triples. */
void cordon_content_mounts_triples(const cordon_content_mount *m, size_t n, strv *out);

/* One compiled label. */
typedef struct cordon_compiled {
	cordon_policy policy; /* policy.label names the label */
	char *apparmor;	      /* its AppArmor profile; NULL: classic, none */
} cordon_compiled;

/* Compile the given apps and hooks of in->snap (apps == hooks == NULL: every
 * one), whose namespace has `mounts`. *out: one entry per label, in the
 * manifest's order (apps, then hooks). */
int cordon_compile(const cordon_compile_input *in, const cordon_content_mount *mounts,
		   size_t n_mounts, const strv *apps, const strv *hooks, cordon_compiled **out,
		   size_t *n, cordon_error **err);
void cordon_compiled_free(cordon_compiled *c, size_t n);
