#include "denial_record.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool denial_kmsg_audit(const char *rec, int *type, const char **text)
{
	const char *semi = strchr(rec, ';');
	if (semi == NULL)
		return false;
	const char *p = semi + 1;
	if (strncmp(p, "audit: type=", 12) != 0)
		return false;
	char *end;
	long t = strtol(p + 12, &end, 10);
	if (end == p + 12 || *end != ' ')
		return false;
	const char *a = strstr(end, "audit(");
	if (a == NULL)
		return false;
	*type = (int)t;
	*text = a;
	return true;
}

static bool hexstr(const char *s, size_t n)
{
	if (n == 0 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || islower((unsigned char)s[i]))
			return false;
	return true;
}

char *denial_field(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; (p = strstr(p, key)) != NULL; p += kl) {
		if ((p != text && p[-1] != ' ') || p[kl] != '=')
			continue;
		const char *v = p + kl + 1;
		if (*v == '"') {
			const char *q = strchr(v + 1, '"');
			if (q == NULL)
				return NULL;
			return xstrndup(v + 1, (size_t)(q - v - 1));
		}
		size_t n = strcspn(v, " \n");
		/* audit_log_untrustedstring: hex, unquoted, when the string
		 * holds a space, a quote or a control character */
		bool untrusted = strcmp(key, "exe") == 0 || strcmp(key, "comm") == 0 ||
				 strcmp(key, "path") == 0 || strcmp(key, "name") == 0;
		if (untrusted && hexstr(v, n)) {
			char *out = xmalloc(n / 2 + 1);
			for (size_t i = 0; i < n / 2; i++) {
				unsigned b;
				sscanf(v + 2 * i, "%2x", &b);
				out[i] = (char)b;
			}
			out[n / 2] = '\0';
			return out;
		}
		return xstrndup(v, n);
	}
	return NULL;
}

static int64_t field_num(const char *text, const char *key, int base, int64_t dflt)
{
	_cleanup_free_ char *v = denial_field(text, key);
	if (v == NULL)
		return dflt;
	char *end;
	long long n = strtoll(v, &end, base);
	return end == v || *end ? dflt : (int64_t)n;
}

static uint64_t field_hex(const char *text, const char *key)
{
	_cleanup_free_ char *v = denial_field(text, key);
	return v ? strtoull(v, NULL, 16) : 0;
}

static void set_str(char **dst, char *v)
{
	if (v == NULL)
		return;
	free(*dst);
	*dst = v;
}

/* A refusal that no mechanism recorded itself: the device cgroup's EPERM
 * on a device node, or EACCES from a placeholder of the view. */
static void classify(denial *d)
{
	if (d->mech == DENIAL_SECCOMP || d->mech == DENIAL_LANDLOCK)
		return;
	d->mech = DENIAL_NONE;
	if (!d->have_exit || d->obj == NULL)
		return;
	unsigned fmt = d->obj_mode & 0170000;
	if (d->exit == -1 && (fmt == 0020000 || fmt == 0060000))
		d->mech = DENIAL_DEVICE;
	else if (d->exit == -13)
		d->mech = DENIAL_VIEW;
}

void denial_list_add(denial_list *l, int type, const char *text)
{
	if (type != AUDIT_REC_SYSCALL && type != AUDIT_REC_SECCOMP && type != AUDIT_REC_PATH &&
	    type != AUDIT_REC_LANDLOCK_ACCESS && type != AUDIT_REC_LANDLOCK_DOMAIN)
		return;
	long long sec;
	unsigned ms;
	unsigned long long serial;
	/* audit writes milliseconds, three digits; a time no clock has is no
	 * record's (and would overflow the product below) */
	if (sscanf(text, "audit(%lld.%u:%llu):", &sec, &ms, &serial) != 3 || sec < 0 ||
	    sec > 1000000000000LL || ms > 999)
		return;
	const char *body = strstr(text, "): ");
	body = body ? body + 3 : text;
	/* the records of an event come together: look back a little */
	denial *d = NULL;
	for (size_t i = l->n; i-- > 0 && l->n - i <= 64;)
		if (l->v[i].serial == serial && l->v[i].ms == sec * 1000 + ms) {
			d = &l->v[i];
			break;
		}
	if (d == NULL) {
		l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
		d = &l->v[l->n++];
		*d = (denial){.ms = sec * 1000 + ms,
			      .serial = serial,
			      .uid = -1,
			      .syscall = -1,
			      .domain_uid = -1,
			      .obj_major = -1,
			      .obj_minor = -1};
	}
	strv_push_own(&d->raw, xasprintf("%d %s", type, text));
	switch (type) {
	case AUDIT_REC_SECCOMP:
		d->mech = DENIAL_SECCOMP;
		__attribute__((fallthrough)); /* the same process fields as SYSCALL */
	case AUDIT_REC_SYSCALL:
		d->pid = (int)field_num(body, "pid", 10, d->pid);
		d->uid = field_num(body, "uid", 10, d->uid);
		set_str(&d->exe, denial_field(body, "exe"));
		set_str(&d->comm, denial_field(body, "comm"));
		d->arch = (uint32_t)field_hex(body, "arch");
		d->syscall = (int)field_num(body, "syscall", 10, d->syscall);
		if (type == AUDIT_REC_SYSCALL) {
			static const char *const a[] = {"a0", "a1", "a2", "a3"};
			for (int i = 0; i < 4; i++)
				d->args[i] = field_hex(body, a[i]);
			d->have_args = true;
			_cleanup_free_ char *exit = denial_field(body, "exit");
			if (exit) {
				d->exit = strtoll(exit, NULL, 10);
				d->have_exit = true;
			}
		}
		break;
	case AUDIT_REC_PATH: {
		_cleanup_free_ char *item = denial_field(body, "item");
		if (item == NULL || strcmp(item, "0") != 0 || d->obj)
			break;
		d->obj = denial_field(body, "name");
		d->obj_mode = (unsigned)field_num(body, "mode", 8, 0);
		_cleanup_free_ char *rdev = denial_field(body, "rdev");
		unsigned maj, min;
		if (rdev && sscanf(rdev, "%x:%x", &maj, &min) == 2) {
			d->obj_major = (int)maj;
			d->obj_minor = (int)min;
		}
		break;
	}
	case AUDIT_REC_LANDLOCK_ACCESS:
		d->mech = DENIAL_LANDLOCK;
		set_str(&d->domain, denial_field(body, "domain"));
		set_str(&d->blockers, denial_field(body, "blockers"));
		set_str(&d->path, denial_field(body, "path"));
		set_str(&d->daddr, denial_field(body, "daddr"));
		d->dport = (int)field_num(body, "dest", 10, d->dport);
		d->sport = (int)field_num(body, "src", 10, d->sport);
		break;
	case AUDIT_REC_LANDLOCK_DOMAIN: {
		_cleanup_free_ char *status = denial_field(body, "status");
		_cleanup_free_ char *dom = denial_field(body, "domain");
		if (status == NULL || strcmp(status, "allocated") != 0 || dom == NULL)
			break;
		d->domain_creator = (int)field_num(body, "pid", 10, 0);
		d->domain_uid = field_num(body, "uid", 10, -1);
		l->creators = xrealloc(l->creators, (l->n_creators + 1) * sizeof *l->creators);
		l->creator_uids =
		    xrealloc(l->creator_uids, (l->n_creators + 1) * sizeof *l->creator_uids);
		l->creator_ms =
		    xrealloc(l->creator_ms, (l->n_creators + 1) * sizeof *l->creator_ms);
		l->creator_ms[l->n_creators] = d->ms;
		l->creators[l->n_creators] = d->domain_creator;
		l->creator_uids[l->n_creators++] = d->domain_uid;
		strv_push(&l->domains, dom);
		break;
	}
	}
	classify(d);
}

bool denial_is_denial(const denial *d)
{
	return d->mech != DENIAL_NONE;
}

int denial_domain_creator(const denial_list *l, const denial *d, int64_t *uid)
{
	*uid = -1;
	if (d->domain == NULL)
		return 0;
	for (size_t i = l->domains.n; i-- > 0;)
		if (strcmp(l->domains.v[i], d->domain) == 0) {
			*uid = l->creator_uids[i];
			return l->creators[i];
		}
	return 0;
}

const cordon_launch_rec *denial_find_launch(const denial_list *l, const denial *d,
					    const cordon_launchlog *log)
{
	const cordon_launch_rec *rec = NULL;
	for (size_t i = l->domains.n; d->domain && i-- > 0;)
		if (strcmp(l->domains.v[i], d->domain) == 0) {
			/* the launch before the domain's first record: a
			 * later launch may have reused its pid */
			rec = cordon_launchlog_find(log, l->creators[i], l->creator_ms[i]);
			break;
		}
	if (rec == NULL && d->pid)
		rec = cordon_launchlog_find(log, d->pid, d->ms);
	return rec;
}

int64_t denial_uid(const denial_list *l, const denial *d, const cordon_launch_rec *launch)
{
	int64_t creator_uid;
	(void)denial_domain_creator(l, d, &creator_uid);
	return d->uid >= 0	  ? d->uid
	       : creator_uid >= 0 ? creator_uid
	       : launch		  ? (int64_t)launch->uid
				  : -1;
}

static void denial_free(denial *d)
{
	free(d->exe);
	free(d->comm);
	free(d->domain);
	free(d->blockers);
	free(d->path);
	free(d->daddr);
	free(d->obj);
	strv_free(&d->raw);
}

void denial_list_free(denial_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		denial_free(&l->v[i]);
	free(l->v);
	strv_free(&l->domains);
	free(l->creators);
	free(l->creator_uids);
	free(l->creator_ms);
	*l = (denial_list){0};
}
