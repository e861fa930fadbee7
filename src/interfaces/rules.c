#include "rules.h"
#include "landlock_defs.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

static const char *const launch_vars[] = {
    "HOME",	      "SNAP_USER_DATA",	 "SNAP_USER_COMMON", "XDG_RUNTIME_DIR",
    "SNAP_REAL_HOME", "USER_RUNTIME_DIR"};

bool cordon_rule_is_launch_var(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(launch_vars); i++)
		if (strlen(launch_vars[i]) == len && strncmp(launch_vars[i], name, len) == 0)
			return true;
	return false;
}

int cordon_rule_parse_rights(const char *s, size_t len, uint64_t *access)
{
	uint64_t a = 0;
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case 'r':
			a |= CORDON_LL_R;
			break;
		case 'w':
			a |= CORDON_LL_W;
			break;
		case 'x':
			a |= CORDON_LL_X;
			break;
		case 'c':
			a |= CORDON_LL_C;
			break;
		case 'i':
			a |= CORDON_LL_I;
			break;
		default:
			return -EINVAL;
		}
	}
	*access = a;
	return 0;
}

int cordon_rule_parse_file(const char *line, char **path, uint64_t *access, uint32_t *flags,
			   cordon_error **err)
{
	const char *sp = strchr(line, ' ');
	if (sp == NULL)
		return cordon_err_msg(err, EINVAL, "file rule \"%s\": expected \"<rights> <path>\"",
				      line);
	if (cordon_rule_parse_rights(line, (size_t)(sp - line), access) < 0)
		return cordon_err_msg(
		    err, EINVAL, "file rule \"%s\": rights must be letters of \"rwxci\"", line);
	const char *p = sp + 1;
	while (*p == ' ')
		p++;
	if (p[0] != '/' && p[0] != '$')
		return cordon_err_msg(err, EINVAL,
				      "file rule \"%s\": path must be absolute or start with a "
				      "variable",
				      line);
	if (strstr(p, "/../") || str_has_suffix(p, "/..") || strchr(p, ' '))
		return cordon_err_msg(err, EINVAL, "file rule \"%s\": invalid path", line);
	*flags = strpbrk(p, "*?[") ? CORDON_FS_GLOB : 0;
	*path = xstrdup(p);
	return 0;
}

static int parse_num(const char *s, int32_t *out)
{
	if (strcmp(s, "*") == 0) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 0xfffff)
		return -EINVAL;
	*out = (int32_t)v;
	return 0;
}

int cordon_rule_parse_device(const char *line, cordon_dev_rule *out, cordon_error **err)
{
	memset(out, 0, sizeof *out);
	if (line[0] == '$') {
		/* a variable (an attribute such as serial-port's path): checked
		 * again, as a /dev path, once substituted */
		out->type = 'c';
		out->major = out->minor = -1;
		out->path = xstrdup(line);
		return 0;
	}
	if (line[0] == '/') {
		if (!str_has_prefix(line, "/dev/") || strstr(line, "/.."))
			return cordon_err_msg(err, EINVAL,
					      "device rule \"%s\": a node path must be under /dev",
					      line);
		out->type = 'c'; /* resolved from the node itself at launch */
		out->major = out->minor = -1;
		out->path = xstrdup(line);
		return 0;
	}
	char type;
	/* %15[...]: a number too long for these is no device number; it
	 * then fails to match the ':' and the rule is refused */
	char maj[16], min[16];
	if (sscanf(line, "%c %15[0-9*]:%15[0-9*]", &type, maj, min) != 3 ||
	    (type != 'c' && type != 'b') || parse_num(maj, &out->major) < 0 ||
	    parse_num(min, &out->minor) < 0 || out->major < 0)
		return cordon_err_msg(err, EINVAL,
				      "device rule \"%s\": expected \"c|b MAJOR:MINOR\" (MINOR may "
				      "be *) or a /dev path",
				      line);
	out->type = type;
	return 0;
}

int cordon_rule_parse_network(const char *word, uint64_t *net_allowed, cordon_error **err)
{
	if (strcmp(word, "tcp-connect") == 0)
		*net_allowed |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
	else if (strcmp(word, "tcp-bind") == 0)
		*net_allowed |= LANDLOCK_ACCESS_NET_BIND_TCP;
	else
		return cordon_err_msg(
		    err, EINVAL, "network rule \"%s\": expected tcp-connect or tcp-bind", word);
	return 0;
}

static const char *const cap_names[] = {
    [CAP_CHOWN] = "chown",
    [CAP_DAC_OVERRIDE] = "dac_override",
    [CAP_DAC_READ_SEARCH] = "dac_read_search",
    [CAP_FOWNER] = "fowner",
    [CAP_FSETID] = "fsetid",
    [CAP_KILL] = "kill",
    [CAP_SETGID] = "setgid",
    [CAP_SETUID] = "setuid",
    [CAP_SETPCAP] = "setpcap",
    [CAP_LINUX_IMMUTABLE] = "linux_immutable",
    [CAP_NET_BIND_SERVICE] = "net_bind_service",
    [CAP_NET_BROADCAST] = "net_broadcast",
    [CAP_NET_ADMIN] = "net_admin",
    [CAP_NET_RAW] = "net_raw",
    [CAP_IPC_LOCK] = "ipc_lock",
    [CAP_IPC_OWNER] = "ipc_owner",
    [CAP_SYS_MODULE] = "sys_module",
    [CAP_SYS_RAWIO] = "sys_rawio",
    [CAP_SYS_CHROOT] = "sys_chroot",
    [CAP_SYS_PTRACE] = "sys_ptrace",
    [CAP_SYS_PACCT] = "sys_pacct",
    [CAP_SYS_ADMIN] = "sys_admin",
    [CAP_SYS_BOOT] = "sys_boot",
    [CAP_SYS_NICE] = "sys_nice",
    [CAP_SYS_RESOURCE] = "sys_resource",
    [CAP_SYS_TIME] = "sys_time",
    [CAP_SYS_TTY_CONFIG] = "sys_tty_config",
    [CAP_MKNOD] = "mknod",
    [CAP_LEASE] = "lease",
    [CAP_AUDIT_WRITE] = "audit_write",
    [CAP_AUDIT_CONTROL] = "audit_control",
    [CAP_SETFCAP] = "setfcap",
    [CAP_MAC_OVERRIDE] = "mac_override",
    [CAP_MAC_ADMIN] = "mac_admin",
    [CAP_SYSLOG] = "syslog",
    [CAP_WAKE_ALARM] = "wake_alarm",
    [CAP_BLOCK_SUSPEND] = "block_suspend",
    [CAP_AUDIT_READ] = "audit_read",
    [38] = "perfmon",
    [39] = "bpf",
    [40] = "checkpoint_restore",
};

int cordon_rule_parse_capability(const char *name, int *cap, cordon_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (cap_names[i] && strcmp(cap_names[i], name) == 0) {
			*cap = (int)i;
			return 0;
		}
	return cordon_err_msg(err, EINVAL, "unknown capability \"%s\"", name);
}

const char *cordon_capability_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

static bool name_char(char c)
{
	return c == '_' || isalnum((unsigned char)c);
}

/* Expand the first compile-time variable of `in`, then the rest of the
 * result (a value may itself name variables, e.g. a content plug's target
 * "$SNAP_DATA/x"); a list value gives one result per element. The depth
 * bound stops values that name themselves. */
static int subst(const char *in, cordon_var_lookup lookup, void *ctx, strv *out, int depth,
		 cordon_error **err)
{
	if (depth > 8)
		return cordon_err_msg(err, ELOOP, "variables nested too deeply in \"%s\"", in);
	const char *p = in;
	for (; *p; p++) {
		if (*p != '$')
			continue;
		const char *name, *end, *after;
		if (p[1] == '{') {
			name = p + 2;
			end = strchr(name, '}');
			if (end == NULL)
				return cordon_err_msg(err, EINVAL, "unterminated ${ in \"%s\"", in);
			after = end + 1;
		} else {
			name = p + 1;
			end = name;
			while (name_char(*end))
				end++;
			after = end;
		}
		if (end == name)
			return cordon_err_msg(err, EINVAL, "empty variable name in \"%s\"", in);
		if (cordon_rule_is_launch_var(name, (size_t)(end - name)))
			continue;
		_cleanup_free_ char *var = xstrndup(name, (size_t)(end - name));
		_cleanup_strv_ strv values = {0};
		int r = lookup(ctx, var, &values);
		if (r < 0)
			return cordon_err_msg(err, EINVAL, "unknown variable \"%s\" in \"%s\"", var,
					      in);
		for (size_t i = 0; i < values.n; i++) {
			_cleanup_free_ char *s =
			    xasprintf("%.*s%s%s", (int)(p - in), in, values.v[i], after);
			/* expand the rest of the string (further variables) */
			r = subst(s, lookup, ctx, out, depth + 1, err);
			if (r < 0)
				return r;
		}
		return 0;
	}
	strv_push(out, in);
	return 0;
}

int cordon_rule_subst(const char *in, cordon_var_lookup lookup, void *ctx, strv *out,
		      cordon_error **err)
{
	return subst(in, lookup, ctx, out, 0, err);
}
