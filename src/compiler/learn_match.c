#include "learn_match.h"
#include "bpf_run.h"
#include "landlock_defs.h"
#include "rules.h"

#include <errno.h>
#include <fnmatch.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

static const struct {
	const char *name;
	int family;
} families[] = {
    {"AF_UNIX", AF_UNIX},
    {"AF_LOCAL", AF_UNIX},
    {"AF_INET", AF_INET},
    {"AF_INET6", AF_INET6},
    {"AF_NETLINK", AF_NETLINK},
    {"AF_PACKET", AF_PACKET},
    {"AF_BLUETOOTH", AF_BLUETOOTH},
    {"AF_CAN", AF_CAN},
    {"AF_ALG", AF_ALG},
    {"AF_VSOCK", AF_VSOCK},
    {"AF_XDP", AF_XDP},
    {"AF_APPLETALK", AF_APPLETALK},
    {"AF_AX25", AF_AX25},
    {"AF_IPX", AF_IPX},
    {"AF_X25", AF_X25},
    {"AF_NFC", AF_NFC},
    {"AF_QIPCRTR", AF_QIPCRTR},
    {"AF_KEY", AF_KEY},
};

const char *cordon_learn_family_name(int family)
{
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		if (families[i].family == family)
			return families[i].name;
	return NULL;
}

int cordon_learn_family_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		if (strcmp(families[i].name, name) == 0)
			return families[i].family;
	char *end = NULL;
	long v = strtol(name, &end, 10);
	if (end != name && *end == '\0' && v >= 0 && v < 256)
		return (int)v;
	return -1;
}

bool cordon_learn_seccomp_allows(const uint8_t *bpf, size_t len, int nr, const uint64_t args[6])
{
	uint32_t ret = cordon_bpf_run(bpf, len, AUDIT_ARCH_X86_64, nr, args);
	if (ret == CORDON_BPF_INVALID)
		return false;
	uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
	return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

/* ---- file rules ---- */

/* Does the rule `pattern` (absolute, expanded; glob: per component) cover
 * `path`: the path itself or something beneath it (Landlock's rights on a
 * directory reach everything beneath)? */
static bool covers(const char *pattern, bool glob, const char *path)
{
	const char *p = pattern, *s = path;
	for (;;) {
		while (*p == '/')
			p++;
		while (*s == '/')
			s++;
		if (*p == '\0')
			return true;
		if (*s == '\0')
			return false;
		size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
		_cleanup_free_ char *pc = xstrndup(p, pl);
		_cleanup_free_ char *sc = xstrndup(s, sl);
		bool ok = glob ? fnmatch(pc, sc, FNM_PERIOD) == 0 : strcmp(pc, sc) == 0;
		if (!ok)
			return false;
		p += pl;
		s += sl;
	}
}

bool cordon_learn_allowed(const cordon_policy *p, const cordon_env *vars,
			  const cordon_learn_access *a)
{
	switch (a->kind) {
	case CORDON_LEARN_FILE: {
		uint64_t granted = 0;
		for (size_t i = 0; i < p->n_fs; i++) {
			_cleanup_free_ char *path = cordon_env_expand(vars, p->fs[i].path);
			if (path[0] == '/' &&
			    covers(path, p->fs[i].flags & CORDON_FS_GLOB, a->path))
				granted |= p->fs[i].access;
		}
		return (a->access & ~granted) == 0;
	}
	case CORDON_LEARN_SOCKET: {
		uint64_t args[6] = {(uint64_t)a->family, (uint64_t)a->type, (uint64_t)a->protocol};
		return cordon_learn_seccomp_allows(p->seccomp, p->seccomp_len, SYS_socket, args);
	}
	case CORDON_LEARN_CONNECT:
		return (p->net_handled & LANDLOCK_ACCESS_NET_CONNECT_TCP) == 0;
	case CORDON_LEARN_BIND:
		return (p->net_handled & LANDLOCK_ACCESS_NET_BIND_TCP) == 0;
	}
	return false;
}

/* "socket AF_INET [TYPE|-] [PROTO]" lines of a grant's seccomp text */
static bool seccomp_text_allows_socket(const char *text, const cordon_learn_access *a)
{
	for (const char *l = text; l && *l;) {
		size_t n = strcspn(l, "\n");
		_cleanup_free_ char *line = xstrndup(l, n);
		l += n + (l[n] == '\n');
		char *save = NULL;
		char *w0 = strtok_r(line, " \t", &save);
		if (w0 == NULL || strcmp(w0, "socket") != 0)
			continue;
		char *fam = strtok_r(NULL, " \t", &save);
		if (fam == NULL || cordon_learn_family_parse(fam) != a->family)
			continue;
		(void)strtok_r(NULL, " \t", &save); /* the type: any */
		char *proto = strtok_r(NULL, " \t", &save);
		if (proto && proto[0] != '-' && proto[0] != '#' && a->family == AF_NETLINK &&
		    !(strcmp(proto, "NETLINK_ROUTE") == 0 && a->protocol == 0))
			continue;
		return true;
	}
	return false;
}

bool cordon_learn_def_allows(const cordon_def *def, const cordon_env *vars,
			     const cordon_learn_access *a)
{
	const cordon_grant *g = &def->plug;
	switch (a->kind) {
	case CORDON_LEARN_FILE: {
		uint64_t granted = 0;
		for (size_t i = 0; i < g->files.n; i++) {
			if (strstr(g->files.v[i], "${") != NULL)
				continue; /* an attribute's path: the plug's to name */
			_cleanup_free_ char *path = NULL;
			uint64_t access = 0;
			uint32_t flags = 0;
			cordon_error *e = NULL;
			if (cordon_rule_parse_file(g->files.v[i], &path, &access, &flags, &e) < 0) {
				cordon_error_free(&e);
				continue;
			}
			_cleanup_free_ char *x = cordon_env_expand(vars, path);
			if (x[0] == '/' && covers(x, strpbrk(x, "*?[") != NULL, a->path))
				granted |= access;
		}
		return granted != 0 && (a->access & ~granted) == 0;
	}
	case CORDON_LEARN_SOCKET:
		return seccomp_text_allows_socket(g->seccomp, a);
	case CORDON_LEARN_CONNECT:
	case CORDON_LEARN_BIND:
		return strv_contains(&g->network,
				     a->kind == CORDON_LEARN_CONNECT ? "tcp-connect" : "tcp-bind");
	}
	return false;
}

void cordon_learn_suggest(const cordon_catalog *c, const cordon_env *vars,
			  const cordon_learn_access *acc, size_t n, strv *plugs, size_t *none,
			  size_t *n_none)
{
	_cleanup_free_ bool *covered = xmalloc(n + 1);
	memset(covered, 0, n + 1);
	*n_none = 0;
	for (;;) {
		size_t best = 0, best_count = 0;
		for (size_t d = 0; d < c->n; d++) {
			/* privileged interfaces need --dangerous: never proposed */
			if (c->defs[d]->privileged || strv_contains(plugs, c->defs[d]->name))
				continue;
			size_t count = 0;
			for (size_t i = 0; i < n; i++)
				if (!covered[i] &&
				    cordon_learn_def_allows(c->defs[d], vars, &acc[i]))
					count++;
			if (count > best_count) { /* defs are sorted: ties go to the first */
				best = d;
				best_count = count;
			}
		}
		if (best_count == 0)
			break;
		strv_push(plugs, c->defs[best]->name);
		for (size_t i = 0; i < n; i++)
			if (!covered[i] && cordon_learn_def_allows(c->defs[best], vars, &acc[i]))
				covered[i] = true;
	}
	strv_sort(plugs);
	for (size_t i = 0; i < n; i++)
		if (!covered[i])
			none[(*n_none)++] = i;
}

static const char *access_words(uint64_t access)
{
	if (access & LANDLOCK_ACCESS_FS_EXECUTE)
		return "execute";
	if (access & (LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR))
		return "create in";
	if (access & (LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR))
		return "remove in";
	if ((access & LANDLOCK_ACCESS_FS_WRITE_FILE) && (access & LANDLOCK_ACCESS_FS_READ_FILE))
		return "read-write";
	if (access & LANDLOCK_ACCESS_FS_WRITE_FILE)
		return "write";
	if (access & LANDLOCK_ACCESS_FS_READ_DIR)
		return "list";
	return "read";
}

char *cordon_learn_describe(const cordon_learn_access *a)
{
	const char *fam = cordon_learn_family_name(a->family);
	_cleanup_free_ char *num = xasprintf("%d", a->family);
	if (fam == NULL)
		fam = num;
	switch (a->kind) {
	case CORDON_LEARN_FILE:
		return xasprintf("%s %s", access_words(a->access), a->path);
	case CORDON_LEARN_SOCKET:
		return xasprintf("socket %s", fam);
	case CORDON_LEARN_CONNECT:
		return xasprintf("connect TCP port %d (%s)", a->port, fam);
	case CORDON_LEARN_BIND:
		return xasprintf("bind TCP port %d (%s)", a->port, fam);
	}
	return xstrdup("?");
}
