#include "sysusers.h"
#include "manifest_sysusers.h"
#include "run_program.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Fixed paths: install runs as root, and a PATH of the caller's must not
 * choose the program that edits /etc/passwd. */
#define GROUPADD "/usr/sbin/groupadd"
#define USERADD "/usr/sbin/useradd"
#define GROUPDEL "/usr/sbin/groupdel"
/* snapd's choice of shell (LookPathDefault("false", "/bin/false")): no login,
 * and no message either. /bin/false is there on merged and split /usr. */
#define NO_SHELL "/bin/false"
/* The longest line of /etc/passwd or /etc/group read: grown on ERANGE up to
 * this. */
#define ENTRY_LINE_MAX ((size_t)1 << 20)

/* One entry of the host's user (group false) or group file, by name (name !=
 * NULL) or by id: 0 and its id (*id_out) and name (*name_out), -ENOENT when
 * there is none, another -errno when the file cannot be read (then nothing
 * is known, and nothing may be created). Read as files, as revisions.c reads
 * /etc/passwd: cordon is static, and NSS would load modules built against
 * another libc. These files are what groupadd and useradd write; an id held
 * only in a directory service (LDAP...) is refused by the tools themselves,
 * which ask NSS. */
static int lookup(bool group, const char *name, uint32_t id, uint32_t *id_out, char **name_out)
{
	FILE *f = fopen(group ? "/etc/group" : "/etc/passwd", "re");
	if (f == NULL)
		return errno == ENOENT ? -ENOENT : -errno;
	size_t cap = 1024;
	char *line = xmalloc(cap);
	int r = -ENOENT;
	for (;;) {
		int e;
		uint32_t got_id = 0;
		const char *got_name = NULL;
		if (group) {
			struct group g, *res;
			e = fgetgrent_r(f, &g, line, cap, &res);
			if (e == 0) {
				got_id = g.gr_gid;
				got_name = g.gr_name;
			}
		} else {
			struct passwd p, *res;
			e = fgetpwent_r(f, &p, line, cap, &res);
			if (e == 0) {
				got_id = p.pw_uid;
				got_name = p.pw_name;
			}
		}
		if (e == ENOENT)
			break; /* the end */
		/* a line as long as it is: on ERANGE glibc puts the stream
		 * back, and the entry is read again with room for it */
		if (e == ERANGE && cap < ENTRY_LINE_MAX) {
			cap *= 2;
			line = xrealloc(line, cap);
			continue;
		}
		if (e != 0) {
			r = -e;
			break;
		}
		if (name ? strcmp(got_name, name) != 0 : got_id != id)
			continue;
		if (id_out)
			*id_out = got_id;
		if (name_out)
			*name_out = xstrdup(got_name);
		r = 0;
		break;
	}
	free(line);
	fclose(f);
	return r;
}

/* The pair `name`/`id` as snapd wants it: *create false when both exist with
 * that id, true when neither exists and the id is free; anything else is an
 * error (snapd's words where it has them). */
static int check_pair(const char *name, uint32_t id, bool *create, cordon_error **err)
{
	uint32_t uid = 0, gid = 0;
	int ru = lookup(false, name, 0, &uid, NULL);
	if (ru < 0 && ru != -ENOENT)
		return cordon_err(err, -ru, "look up user \"%s\" in /etc/passwd", name);
	int rg = lookup(true, name, 0, &gid, NULL);
	if (rg < 0 && rg != -ENOENT)
		return cordon_err(err, -rg, "look up group \"%s\" in /etc/group", name);
	if (ru == 0 && rg == 0) {
		if (uid != id)
			return cordon_err_msg(err, EEXIST,
					      "found unexpected uid for user \"%s\": %u", name,
					      (unsigned)uid);
		if (gid != id)
			return cordon_err_msg(err, EEXIST,
					      "found unexpected gid for group \"%s\": %u", name,
					      (unsigned)gid);
		*create = false;
		return 0;
	}
	/* Both are made together: one alone was changed by someone else,
	 * and adding the other could pair it with what they meant. */
	if (ru == 0)
		return cordon_err_msg(
		    err, EEXIST, "cannot add user/group \"%s\": user exists and group does not",
		    name);
	if (rg == 0)
		return cordon_err_msg(
		    err, EEXIST, "cannot add user/group \"%s\": group exists and user does not",
		    name);
	/* The id must be free: files and processes of that id already mean
	 * someone else (and the tools would stop half-way, with a message
	 * that does not say who). */
	for (int g = 0; g < 2; g++) {
		_cleanup_free_ char *other = NULL;
		int r = lookup(g, NULL, id, NULL, &other);
		if (r == 0)
			return cordon_err_msg(err, EEXIST,
					      "cannot add %s \"%s\": %s %u belongs to %s \"%s\"",
					      g ? "group" : "user", name, g ? "gid" : "uid",
					      (unsigned)id, g ? "group" : "user", other);
		if (r != -ENOENT)
			return cordon_err(err, -r, "look up %s %u in %s", g ? "gid" : "uid",
					  (unsigned)id, g ? "/etc/group" : "/etc/passwd");
	}
	*create = true;
	return 0;
}

static int run_tool(const char *const argv[], const char *what, cordon_error **err)
{
	bool ok;
	int r = cordon_run(argv, true, "package passwd", &ok, err);
	if (r == 0 && !ok)
		r = cordon_err_msg(err, EIO, "%s failed", what);
	return r;
}

/* The group, then the user in it, as snapd runs the tools (the group first:
 * useradd --user-group would choose a gid of its own). */
static int create_pair(const char *name, uint32_t id, cordon_error **err)
{
	char ids[16]; /* a uint32_t in decimal */
	snprintf(ids, sizeof ids, "%u", (unsigned)id);
	const char *groupadd[] = {GROUPADD, "--system", "--gid", ids, name, NULL};
	_cleanup_free_ char *what = xasprintf("groupadd of group \"%s\" (gid %s)", name, ids);
	int r = run_tool(groupadd, what, err);
	if (r < 0)
		return r;
	const char *useradd[] = {USERADD,
				 "--system",
				 "--home-dir",
				 "/nonexistent",
				 "--no-create-home",
				 "--shell",
				 NO_SHELL,
				 "--gid",
				 ids,
				 "--no-user-group",
				 "--uid",
				 ids,
				 name,
				 NULL};
	free(what);
	what = xasprintf("useradd of user \"%s\" (uid %s)", name, ids);
	r = run_tool(useradd, what, err);
	if (r == 0)
		return 0;
	/* Take the group back, as snapd does: a group without its user would
	 * make every later install fail ("group exists and user does not"). */
	cordon_error *undo = NULL;
	const char *groupdel[] = {GROUPDEL, name, NULL};
	if (run_tool(groupdel, "groupdel", &undo) < 0)
		cordon_err_append(err, "removing group \"%s\" again failed too: %s", name,
				  undo->msg);
	cordon_error_free(&undo);
	return r;
}

typedef struct pair {
	char *name;
	uint32_t id;
	bool create;
} pair;

int cordon_sysusers_ensure(const cordon_manifest *m, const char *instance, cordon_error **err)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t n;
	int r = cordon_manifest_system_user_ids(m, instance, &ids, &n, err);
	if (r < 0 || n == 0)
		return r;
	/* each user after the range pair of its id's 65536 range */
	pair *pairs = xcalloc(2 * n, sizeof *pairs);
	for (size_t i = 0; i < n; i++) {
		uint32_t base = ids[i] & 0xffff0000u;
		pairs[2 * i] =
		    (pair){.name = xasprintf("snapd-range-%u-root", (unsigned)base), .id = base};
		pairs[2 * i + 1] = (pair){.name = xstrdup(m->system_users[i].name), .id = ids[i]};
	}
	/* everything checked before anything is made: a refusal leaves
	 * the host as it was */
	size_t bad = 0; /* the pair a failure is about */
	for (size_t i = 0; r == 0 && i < 2 * n; i++) {
		bad = i;
		r = check_pair(pairs[i].name, pairs[i].id, &pairs[i].create, err);
	}
	for (size_t i = 0; r == 0 && i < 2 * n; i++) {
		bad = i;
		/* a range pair an earlier user of the same range made */
		for (size_t j = 0; j < i && pairs[i].create; j++)
			if (strcmp(pairs[j].name, pairs[i].name) == 0)
				pairs[i].create = false;
		if (pairs[i].create)
			r = create_pair(pairs[i].name, pairs[i].id, err);
	}
	if (r < 0)
		cordon_err_prefix(err,
				  "cannot ensure users for snap \"%s\" required system username "
				  "\"%s\"",
				  instance, m->system_users[bad / 2].name);
	for (size_t i = 0; i < 2 * n; i++)
		free(pairs[i].name);
	free(pairs);
	return r;
}
