#include "denial_explain.h"
#include "landlock_defs.h"
#include "rules.h"
#include "seccomp_compile.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Landlock's names of its access rights, as its records spell them
 * (security/landlock/audit.c), with the words we print and the rights
 * (landlock_defs.h) a rule must hold to allow them. */
static const struct blocker {
	const char *name, *words;
	uint64_t fs, net;
} blockers[] = {
    {"fs.execute", "execute", LANDLOCK_ACCESS_FS_EXECUTE, 0},
    {"fs.write_file", "write", LANDLOCK_ACCESS_FS_WRITE_FILE, 0},
    {"fs.read_file", "read", LANDLOCK_ACCESS_FS_READ_FILE, 0},
    {"fs.read_dir", "list", LANDLOCK_ACCESS_FS_READ_DIR, 0},
    {"fs.remove_dir", "remove a directory in", LANDLOCK_ACCESS_FS_REMOVE_DIR, 0},
    {"fs.remove_file", "remove a file in", LANDLOCK_ACCESS_FS_REMOVE_FILE, 0},
    {"fs.make_char", "create a device in", LANDLOCK_ACCESS_FS_MAKE_CHAR, 0},
    {"fs.make_dir", "create a directory in", LANDLOCK_ACCESS_FS_MAKE_DIR, 0},
    {"fs.make_reg", "create a file in", LANDLOCK_ACCESS_FS_MAKE_REG, 0},
    {"fs.make_sock", "create a socket in", LANDLOCK_ACCESS_FS_MAKE_SOCK, 0},
    {"fs.make_fifo", "create a fifo in", LANDLOCK_ACCESS_FS_MAKE_FIFO, 0},
    {"fs.make_block", "create a device in", LANDLOCK_ACCESS_FS_MAKE_BLOCK, 0},
    {"fs.make_sym", "create a symlink in", LANDLOCK_ACCESS_FS_MAKE_SYM, 0},
    {"fs.refer", "link or rename across", LANDLOCK_ACCESS_FS_REFER, 0},
    {"fs.truncate", "truncate", LANDLOCK_ACCESS_FS_TRUNCATE, 0},
    {"fs.ioctl_dev", "ioctl on", LANDLOCK_ACCESS_FS_IOCTL_DEV, 0},
    {"fs.resolve_unix", "connect to the socket", LANDLOCK_ACCESS_FS_RESOLVE_UNIX, 0},
    {"net.bind_tcp", "TCP bind", 0, LANDLOCK_ACCESS_NET_BIND_TCP},
    {"net.connect_tcp", "TCP connect", 0, LANDLOCK_ACCESS_NET_CONNECT_TCP},
    {"scope.abstract_unix_socket", "connect to an abstract unix socket of another sandbox", 0, 0},
    {"scope.signal", "signal a process outside the sandbox", 0, 0},
};

static const struct blocker *blocker(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof blockers / sizeof *blockers; i++)
		if (strlen(blockers[i].name) == len && strncmp(blockers[i].name, name, len) == 0)
			return &blockers[i];
	return NULL;
}

/* What the blockers of d ask: fs and net rights; false if one is unknown
 * (a newer kernel's right) or no interface can grant it (scopes). */
static bool asked(const denial *d, uint64_t *fs, uint64_t *net)
{
	*fs = *net = 0;
	if (d->blockers == NULL)
		return false;
	for (const char *p = d->blockers; *p;) {
		size_t n = strcspn(p, ",");
		const struct blocker *b = blocker(p, n);
		if (b == NULL || (b->fs | b->net) == 0)
			return false;
		*fs |= b->fs;
		*net |= b->net;
		p += n + (p[n] == ',');
	}
	return *fs || *net;
}

static char *syscall_name(const denial *d)
{
	if (d->syscall < 0)
		return NULL;
	/* libseccomp's tokens are the AUDIT_ARCH values that audit records */
	return seccomp_syscall_resolve_num_arch(d->arch ? d->arch : SCMP_ARCH_NATIVE, d->syscall);
}

static bool cond_holds(const cordon_seccomp_cond *c, const uint64_t *args)
{
	if (c->arg > 3)
		return true; /* the SYSCALL record has a0..a3 only */
	uint64_t a = args[c->arg];
	switch (c->op) {
	case CORDON_SC_EQ:
		return a == c->value;
	case CORDON_SC_NE:
		return a != c->value;
	case CORDON_SC_LT:
		return a < c->value;
	case CORDON_SC_LE:
		return a <= c->value;
	case CORDON_SC_GT:
		return a > c->value;
	case CORDON_SC_GE:
		return a >= c->value;
	case CORDON_SC_MASKED_EQ:
		return (a & c->mask) == c->value;
	}
	return false;
}

/* The line of `text` that an allow rule of `def` for the denied call came
 * from (malloc'd), or NULL: the interface allows this call (with the
 * arguments, where the record has them). */
static int parse_rules(const char *name, const char *text, cordon_seccomp_rules *rules)
{
	cordon_seccomp_source src = {.name = name, .text = text};
	cordon_error *err = NULL;
	int r = cordon_seccomp_parse(&src, rules, &err);
	cordon_error_free(&err);
	return r;
}

/* Does an allow rule of def for `name` lift one of the default template's
 * explicit denials (`socket AF_INET` lifts `~socket AF_INET`)? Such a
 * denial is what an interface is there to lift. */
static bool lifts_default(const cordon_def *def, const char *name, const char *default_seccomp)
{
	_cleanup_seccomp_rules_ cordon_seccomp_rules rules = {0}, deny = {0};
	if (def->plug.seccomp == NULL || default_seccomp == NULL ||
	    parse_rules(def->name, def->plug.seccomp, &rules) < 0 ||
	    parse_rules("default", default_seccomp, &deny) < 0)
		return false;
	for (size_t i = 0; i < rules.n; i++)
		for (size_t j = 0; j < deny.n; j++)
			if (!rules.v[i].deny && deny.v[j].deny &&
			    strcmp(rules.v[i].syscall, name) == 0 &&
			    cordon_seccomp_rule_same(&rules.v[i], &deny.v[j]))
				return true;
	return false;
}

static char *seccomp_allows(const cordon_def *def, const denial *d, const char *name)
{
	if (def->plug.seccomp == NULL)
		return NULL;
	_cleanup_seccomp_rules_ cordon_seccomp_rules rules = {0};
	if (parse_rules(def->name, def->plug.seccomp, &rules) < 0)
		return NULL;
	for (size_t i = 0; i < rules.n; i++) {
		const cordon_seccomp_rule *r = &rules.v[i];
		if (r->deny || strcmp(r->syscall, name) != 0)
			continue;
		bool ok = true;
		for (size_t c = 0; c < r->n_conds && d->have_args; c++)
			ok = ok && cond_holds(&r->conds[c], d->args);
		if (!ok)
			continue;
		/* the rule's own words: "socket AF_INET" */
		const char *t = def->plug.seccomp;
		for (unsigned l = 1; l < r->line && t; l++) {
			t = strchr(t, '\n');
			t = t ? t + 1 : NULL;
		}
		return t ? xstrndup(t, strcspn(t, "\n")) : xstrdup(name);
	}
	return NULL;
}

/* A rule path with the launch-time variables of this user put in, or NULL
 * when it depends on what the denial does not tell (the snap's revision, a
 * plug's attributes). */
static char *rule_path(const char *path, const denial_snap *s)
{
	static const char *const home_vars[] = {"$SNAP_REAL_HOME", "$HOME"};
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(home_vars[i]);
		if (strncmp(path, home_vars[i], n) == 0 && (path[n] == '/' || !path[n]))
			return s->home ? xasprintf("%s%s", s->home, path + n) : NULL;
	}
	if (strncmp(path, "$USER_RUNTIME_DIR", 17) == 0 && (path[17] == '/' || !path[17]))
		return xasprintf("/run/user/%u%s", (unsigned)s->uid, path + 17);
	return strchr(path, '$') ? NULL : xstrdup(path);
}

/* Does the pattern name path, or a directory above it (a Landlock rule on a
 * directory covers everything beneath)? The launcher expands globs with
 * glob(3): no match of a leading dot by a wildcard. */
static bool path_covered(const char *pattern, const char *path)
{
	size_t len = strlen(path);
	_cleanup_free_ char *prefix = xstrdup(path);
	for (size_t i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		prefix[i] = '\0';
		bool hit = fnmatch(pattern, prefix, FNM_PATHNAME | FNM_PERIOD) == 0;
		prefix[i] = path[i];
		if (hit)
			return true;
	}
	return false;
}

static bool files_allow(const cordon_grant *g, const char *path, uint64_t fs, const denial_snap *s)
{
	for (size_t i = 0; i < g->files.n; i++) {
		_cleanup_free_ char *p = NULL;
		uint64_t access;
		uint32_t flags;
		cordon_error *err = NULL;
		if (cordon_rule_parse_file(g->files.v[i], &p, &access, &flags, &err) < 0) {
			cordon_error_free(&err);
			continue;
		}
		_cleanup_free_ char *pat = rule_path(p, s);
		if (pat && (access & fs) == fs && path_covered(pat, path))
			return true;
	}
	return false;
}

static bool net_allows(const cordon_grant *g, uint64_t net)
{
	uint64_t have = 0;
	for (size_t i = 0; i < g->network.n; i++) {
		cordon_error *err = NULL;
		if (cordon_rule_parse_network(g->network.v[i], &have, &err) < 0)
			cordon_error_free(&err);
	}
	return (have & net) == net;
}

/* What a failed open or exec recorded by --follow's audit rules asked, as
 * Landlock rights, and in words. */
static uint64_t object_access(const denial *d, const char **words)
{
	_cleanup_free_ char *name = syscall_name(d);
	uint64_t flags;
	if (name && (strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0)) {
		*words = "execute";
		return LANDLOCK_ACCESS_FS_EXECUTE;
	} else if (name && strcmp(name, "creat") == 0) {
		*words = "create";
		return LANDLOCK_ACCESS_FS_MAKE_REG;
	} else if (name && strcmp(name, "open") == 0 && d->have_args) {
		flags = d->args[1];
	} else if (name && strcmp(name, "openat") == 0 && d->have_args) {
		flags = d->args[2];
	} else {
		*words = "open"; /* openat2's flags are in memory the record lacks */
		return LANDLOCK_ACCESS_FS_READ_FILE;
	}
	if (flags & O_CREAT) {
		*words = "create";
		return LANDLOCK_ACCESS_FS_MAKE_REG;
	}
	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		*words = "write";
		return LANDLOCK_ACCESS_FS_WRITE_FILE;
	case O_RDWR:
		*words = "read and write";
		return LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE;
	}
	if (flags & O_DIRECTORY) {
		*words = "list";
		return LANDLOCK_ACCESS_FS_READ_DIR;
	}
	*words = "read";
	return LANDLOCK_ACCESS_FS_READ_FILE;
}

static bool devices_allow(const cordon_grant *g, const denial *d)
{
	char type = (d->obj_mode & 0170000) == 0060000 ? 'b' : 'c';
	for (size_t i = 0; i < g->devices.n; i++) {
		cordon_dev_rule rule = {0};
		cordon_error *err = NULL;
		if (cordon_rule_parse_device(g->devices.v[i], &rule, &err) < 0) {
			cordon_error_free(&err);
			continue;
		}
		bool hit = rule.path ? fnmatch(rule.path, d->obj, FNM_PATHNAME) == 0
				     : rule.type == type &&
					   (rule.major < 0 || rule.major == d->obj_major) &&
					   (rule.minor < 0 || rule.minor == d->obj_minor);
		free(rule.path);
		if (hit)
			return true;
	}
	return false;
}

/* Would a connected plug of def allow d? Its words go to *what (seccomp). */
static bool def_allows(const cordon_def *def, const denial *d, const denial_snap *s, char **what)
{
	if (d->mech == DENIAL_SECCOMP) {
		_cleanup_free_ char *name = syscall_name(d);
		if (name == NULL)
			return false;
		*what = seccomp_allows(def, d, name);
		return *what != NULL;
	}
	if (d->mech == DENIAL_DEVICE)
		return devices_allow(&def->plug, d);
	if (d->mech == DENIAL_VIEW) {
		const char *words;
		return files_allow(&def->plug, d->obj, object_access(d, &words), s);
	}
	uint64_t fs, net;
	if (!asked(d, &fs, &net))
		return false;
	if (fs && (d->path == NULL || !files_allow(&def->plug, d->path, fs, s)))
		return false;
	return net == 0 || net_allows(&def->plug, net);
}

const char *denial_mechanism(const denial *d)
{
	switch (d->mech) {
	case DENIAL_SECCOMP:
		return "seccomp";
	case DENIAL_DEVICE:
		return "device cgroup";
	case DENIAL_VIEW:
		return "file system view";
	default:
		return "Landlock";
	}
}

char *denial_operation(const denial *d, const cordon_catalog *cat)
{
	if (d->mech == DENIAL_SECCOMP) {
		_cleanup_free_ char *name = syscall_name(d);
		if (name == NULL)
			return xasprintf("syscall %d", d->syscall);
		/* an argument that an interface's rule names: in its words
		 * ("socket AF_INET"); without the SYSCALL record (audit off)
		 * the arguments are not known */
		for (size_t i = 0; d->have_args && i < cat->n; i++) {
			char *what = seccomp_allows(cat->defs[i], d, name);
			if (what && strcmp(what, name) != 0)
				return what;
			free(what);
		}
		if (d->have_args)
			return xasprintf("syscall %s (a0=0x%llx)", name,
					 (unsigned long long)d->args[0]);
		return xasprintf("syscall %s", name);
	}
	if (d->mech == DENIAL_DEVICE)
		return xasprintf("open device %s (%c %d:%d)", d->obj,
				 (d->obj_mode & 0170000) == 0060000 ? 'b' : 'c', d->obj_major,
				 d->obj_minor);
	if (d->mech == DENIAL_VIEW) {
		const char *words;
		(void)object_access(d, &words);
		return xasprintf("%s %s", words, d->obj);
	}
	_cleanup_buf_ buf b = {0};
	for (const char *p = d->blockers ? d->blockers : "?"; *p;) {
		size_t n = strcspn(p, ",");
		const struct blocker *bl = blocker(p, n);
		if (b.len)
			buf_adds(&b, " and ");
		if (bl)
			buf_adds(&b, bl->words);
		else
			buf_printf(&b, "%.*s", (int)n, p);
		p += n + (p[n] == ',');
	}
	if (d->path)
		buf_printf(&b, " %s", d->path);
	if (d->dport)
		buf_printf(&b, " port %d", d->dport);
	else if (d->sport)
		buf_printf(&b, " port %d", d->sport);
	if (d->daddr)
		buf_printf(&b, " (%s)", d->daddr);
	return buf_steal(&b);
}

char *denial_suggestion(const denial *d, const cordon_catalog *cat, const char *default_seccomp,
			const denial_snap *s)
{
	/* the plug a packager would write: a plug of the snap not connected
	 * first; then, in the catalogue's order (by name), interfaces that
	 * connect by themselves before the others, privileged ones last; a
	 * seccomp denial whose arguments are not recorded (seccomp records
	 * none) goes to the interfaces that lift one of the default
	 * template's explicit denials of that call (they answer EACCES) */
	_cleanup_free_ char *name = d->mech == DENIAL_SECCOMP ? syscall_name(d) : NULL;
	const cordon_def *best = NULL;
	int best_rank = 1000;
	_cleanup_strv_ strv others = {0};
	for (size_t i = 0; i < cat->n; i++) {
		const cordon_def *def = cat->defs[i];
		_cleanup_free_ char *what = NULL;
		if (!def_allows(def, d, s, &what))
			continue;
		bool plugged = false;
		for (size_t p = 0; p < s->n_plugs; p++) {
			if (strcmp(s->plugs[p].interface, def->name) != 0)
				continue;
			if (!s->plugs[p].connected)
				return xasprintf("cordon connect %s:%s", s->instance,
						 s->plugs[p].plug);
			plugged = true;
		}
		int rank = (plugged ? 100 : 0) + (def->privileged ? 20 : 0) +
			   (def->auto_connect == CORDON_AUTO_NO ? 10 : 0);
		if (name && !d->have_args && !lifts_default(def, name, default_seccomp))
			rank += 5;
		if (rank < best_rank) {
			if (best)
				strv_push(&others, best->name);
			best = def;
			best_rank = rank;
		} else {
			strv_push(&others, def->name);
		}
	}
	if (best == NULL)
		return xstrdup("no interface allows this");
	if (best_rank >= 100)
		return xasprintf("%s is connected: name it in the app's `plugs:`", best->name);
	_cleanup_buf_ buf b = {0};
	buf_printf(&b, "add `plugs: [%s]` to snap.yaml", best->name);
	if (name && !d->have_args && others.n) {
		/* which call it was is not known: say what else would do */
		buf_adds(&b, " (seccomp records no arguments; also allowed by");
		for (size_t i = 0; i < others.n && i < 4; i++)
			buf_printf(&b, "%s %s", i ? "," : "", others.v[i]);
		buf_adds(&b, others.n > 4 ? ", ...)" : ")");
	}
	return buf_steal(&b);
}
