/* Binary encoding of a compiled policy.
 *
 * Layout: "CORDONPL" | u32 version | u32 0 | records... | END record.
 * A record is u16 tag | u16 0 | u32 length | payload. Integers are little
 * endian. Strings inside payloads are u32 length + bytes, no NUL allowed.
 * The END record carries a 64-bit hash of everything before it, so a
 * truncated or damaged file is refused rather than half-applied. */
#include "policy.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#define MAGIC "CORDONPL"
#define FORMAT_VERSION 1u
#define MAX_STRING (1u << 20)
#define MAX_ITEMS 100000u

enum tag {
	T_END = 0,
	T_LABEL,
	T_SNAP_NAME,
	T_INSTANCE_NAME,
	T_INSTANCE_KEY,
	T_APP,
	T_REVISION,
	T_VERSION,
	T_CONFINEMENT,
	T_SOURCE_KIND,
	T_SOURCE_PATH,
	T_MOUNT_DIR,
	T_ENV_STATIC,
	T_ENV_USER,
	T_CHAIN,
	T_COMMAND,
	T_DEVICE,
	T_NS_STAMP,
	T_MOUNT,
	T_SECCOMP,
	T_FS,
	T_NET_HANDLED,
	T_SCOPED,
	T_CAPS_KEEP,
	T_APPARMOR,
	T_FLAGS,
	T_STOP_COMMAND,
	T_RELOAD_COMMAND,
	T_POST_STOP_COMMAND,
	T_BASE_NAME,
	T_BASE_DIR,
	T_BASE_SOURCE_KIND,
	T_BASE_SOURCE_PATH,
	T_LAYOUT,
	T_MAX,
};

const char *cordon_confinement_name(enum cordon_confinement c)
{
	switch (c) {
	case CORDON_STRICT:
		return "strict";
	case CORDON_DEVMODE:
		return "devmode";
	case CORDON_CLASSIC:
		return "classic";
	}
	return "unknown";
}

static void env_free(cordon_env_var *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

void cordon_policy_free(cordon_policy *p)
{
	free(p->label);
	free(p->snap_name);
	free(p->instance_name);
	free(p->instance_key);
	free(p->app);
	free(p->revision);
	free(p->version);
	free(p->source_path);
	free(p->mount_dir);
	free(p->base_name);
	free(p->base_dir);
	free(p->base_source_path);
	env_free(p->env_static, p->n_env_static);
	env_free(p->env_user, p->n_env_user);
	strv_free(&p->chain);
	strv_free(&p->command);
	strv_free(&p->stop_command);
	strv_free(&p->reload_command);
	strv_free(&p->post_stop_command);
	for (size_t i = 0; i < p->n_devices; i++)
		free(p->devices[i].path);
	free(p->devices);
	free(p->ns_stamp);
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].source);
		free(p->mounts[i].target);
	}
	free(p->mounts);
	for (size_t i = 0; i < p->n_layouts; i++) {
		free(p->layouts[i].path);
		free(p->layouts[i].source);
	}
	free(p->layouts);
	free(p->seccomp);
	for (size_t i = 0; i < p->n_fs; i++) {
		free(p->fs[i].path);
		free(p->fs[i].at);
	}
	free(p->fs);
	free(p->apparmor_profile);
	memset(p, 0, sizeof *p);
}

void cordon_policy_add_env(cordon_policy *p, bool user, const char *name, const char *value)
{
	cordon_env_var **v = user ? &p->env_user : &p->env_static;
	size_t *n = user ? &p->n_env_user : &p->n_env_static;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].name = xstrdup(name);
	(*v)[*n].value = xstrdup(value);
	(*n)++;
}

/* p->fs doubles from 16 (only this function grows it, so n_fs tells its
 * capacity: 16, or the power of two n_fs has just reached): a launch decodes
 * some 60 file rules, and a realloc per rule moved the array each time. */
#define FS_RULES_FIRST 16

void cordon_policy_add_fs(cordon_policy *p, const char *path, uint64_t access, uint32_t flags)
{
	if (p->n_fs == 0)
		p->fs = xreallocarray(p->fs, FS_RULES_FIRST, sizeof *p->fs);
	else if (p->n_fs >= FS_RULES_FIRST && (p->n_fs & (p->n_fs - 1)) == 0)
		p->fs = xreallocarray(p->fs, p->n_fs * 2, sizeof *p->fs);
	p->fs[p->n_fs++] =
	    (cordon_fs_rule){.path = xstrdup(path), .access = access, .flags = flags};
}

void cordon_policy_add_fs_at(cordon_policy *p, const char *path, const char *at, uint64_t access,
			     uint32_t flags)
{
	cordon_policy_add_fs(p, path, access, flags);
	p->fs[p->n_fs - 1].at = xstrdup(at);
}

void cordon_policy_add_dev(cordon_policy *p, char type, int32_t major, int32_t minor,
			   const char *path)
{
	p->devices = xreallocarray(p->devices, p->n_devices + 1, sizeof *p->devices);
	p->devices[p->n_devices++] = (cordon_dev_rule){
	    .type = type, .major = major, .minor = minor, .path = path ? xstrdup(path) : NULL};
}

void cordon_policy_add_mount(cordon_policy *p, const char *source, const char *target,
			     uint32_t flags)
{
	p->mounts = xreallocarray(p->mounts, p->n_mounts + 1, sizeof *p->mounts);
	p->mounts[p->n_mounts++] =
	    (cordon_mount){.source = xstrdup(source), .target = xstrdup(target), .flags = flags};
}

void cordon_policy_add_layout(cordon_policy *p, uint32_t kind, const char *path, const char *source,
			      uint32_t mode)
{
	p->layouts = xreallocarray(p->layouts, p->n_layouts + 1, sizeof *p->layouts);
	p->layouts[p->n_layouts++] =
	    (cordon_layout_entry){.kind = kind,
				  .path = xstrdup(path),
				  .source = source && source[0] ? xstrdup(source) : NULL,
				  .mode = mode};
}

/* ---- encoding ---- */

static void put_u16(buf *b, uint16_t v)
{
	v = htole16(v);
	buf_add(b, &v, sizeof v);
}

static void put_u32(buf *b, uint32_t v)
{
	v = htole32(v);
	buf_add(b, &v, sizeof v);
}

static void put_u64(buf *b, uint64_t v)
{
	v = htole64(v);
	buf_add(b, &v, sizeof v);
}

static void put_str(buf *b, const char *s)
{
	s = s ? s : "";
	put_u32(b, (uint32_t)strlen(s));
	buf_adds(b, s);
}

static void rec(buf *out, uint16_t tag, const buf *payload)
{
	put_u16(out, tag);
	put_u16(out, 0);
	put_u32(out, (uint32_t)payload->len);
	if (payload->len)
		buf_add(out, payload->p, payload->len);
}

static void rec_str(buf *out, uint16_t tag, const char *s)
{
	if (s == NULL)
		return;
	_cleanup_buf_ buf b = {0};
	put_str(&b, s);
	rec(out, tag, &b);
}

static void rec_u64(buf *out, uint16_t tag, uint64_t v)
{
	_cleanup_buf_ buf b = {0};
	put_u64(&b, v);
	rec(out, tag, &b);
}

static void rec_env(buf *out, uint16_t tag, const cordon_env_var *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_buf_ buf b = {0};
		put_str(&b, v[i].name);
		put_str(&b, v[i].value);
		rec(out, tag, &b);
	}
}

void cordon_policy_encode(const cordon_policy *p, buf *out)
{
	buf_add(out, MAGIC, 8);
	put_u32(out, FORMAT_VERSION);
	put_u32(out, 0);
	rec_str(out, T_LABEL, p->label);
	rec_str(out, T_SNAP_NAME, p->snap_name);
	rec_str(out, T_INSTANCE_NAME, p->instance_name);
	rec_str(out, T_INSTANCE_KEY, p->instance_key);
	rec_str(out, T_APP, p->app);
	rec_str(out, T_REVISION, p->revision);
	rec_str(out, T_VERSION, p->version);
	rec_u64(out, T_CONFINEMENT, p->confinement);
	rec_u64(out, T_SOURCE_KIND, p->source_kind);
	rec_str(out, T_SOURCE_PATH, p->source_path);
	rec_str(out, T_MOUNT_DIR, p->mount_dir);
	rec_env(out, T_ENV_STATIC, p->env_static, p->n_env_static);
	rec_env(out, T_ENV_USER, p->env_user, p->n_env_user);
	for (size_t i = 0; i < p->chain.n; i++)
		rec_str(out, T_CHAIN, p->chain.v[i]);
	for (size_t i = 0; i < p->command.n; i++)
		rec_str(out, T_COMMAND, p->command.v[i]);
	for (size_t i = 0; i < p->stop_command.n; i++)
		rec_str(out, T_STOP_COMMAND, p->stop_command.v[i]);
	for (size_t i = 0; i < p->reload_command.n; i++)
		rec_str(out, T_RELOAD_COMMAND, p->reload_command.v[i]);
	for (size_t i = 0; i < p->post_stop_command.n; i++)
		rec_str(out, T_POST_STOP_COMMAND, p->post_stop_command.v[i]);
	for (size_t i = 0; i < p->n_devices; i++) {
		_cleanup_buf_ buf b = {0};
		const cordon_dev_rule *d = &p->devices[i];
		put_u32(&b, (uint32_t)(unsigned char)d->type);
		put_u32(&b, (uint32_t)d->major);
		put_u32(&b, (uint32_t)d->minor);
		put_str(&b, d->path);
		rec(out, T_DEVICE, &b);
	}
	rec_str(out, T_NS_STAMP, p->ns_stamp);
	for (size_t i = 0; i < p->n_mounts; i++) {
		_cleanup_buf_ buf b = {0};
		put_str(&b, p->mounts[i].source);
		put_str(&b, p->mounts[i].target);
		put_u32(&b, p->mounts[i].flags);
		rec(out, T_MOUNT, &b);
	}
	if (p->seccomp_len) {
		buf b = {.p = (char *)p->seccomp, .len = p->seccomp_len};
		rec(out, T_SECCOMP, &b);
	}
	for (size_t i = 0; i < p->n_fs; i++) {
		_cleanup_buf_ buf b = {0};
		put_u64(&b, p->fs[i].access);
		put_u32(&b, p->fs[i].flags);
		put_str(&b, p->fs[i].path);
		rec(out, T_FS, &b);
	}
	rec_u64(out, T_NET_HANDLED, p->net_handled);
	rec_u64(out, T_SCOPED, p->scoped);
	rec_u64(out, T_CAPS_KEEP, p->caps_keep);
	rec_str(out, T_APPARMOR, p->apparmor_profile);
	rec_u64(out, T_FLAGS, p->flags);
	for (size_t i = 0; i < p->n_layouts; i++) {
		_cleanup_buf_ buf b = {0};
		const cordon_layout_entry *l = &p->layouts[i];
		put_u32(&b, l->kind);
		put_str(&b, l->path);
		put_str(&b, l->source ? l->source : "");
		put_u32(&b, l->mode);
		rec(out, T_LAYOUT, &b);
	}
	if (p->base_dir) {
		rec_str(out, T_BASE_NAME, p->base_name);
		rec_str(out, T_BASE_DIR, p->base_dir);
		rec_u64(out, T_BASE_SOURCE_KIND, p->base_source_kind);
		rec_str(out, T_BASE_SOURCE_PATH, p->base_source_path);
	}
	uint64_t h = hash64(out->p, out->len, 0);
	_cleanup_buf_ buf b = {0};
	put_u64(&b, h);
	rec(out, T_END, &b);
}

/* ---- decoding ---- */

typedef struct cursor {
	const uint8_t *p;
	size_t left;
} cursor;

static bool get_bytes(cursor *c, void *dst, size_t n)
{
	if (c->left < n)
		return false;
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

static bool get_u16(cursor *c, uint16_t *v)
{
	if (!get_bytes(c, v, sizeof *v))
		return false;
	*v = le16toh(*v);
	return true;
}

static bool get_u32(cursor *c, uint32_t *v)
{
	if (!get_bytes(c, v, sizeof *v))
		return false;
	*v = le32toh(*v);
	return true;
}

static bool get_u64(cursor *c, uint64_t *v)
{
	if (!get_bytes(c, v, sizeof *v))
		return false;
	*v = le64toh(*v);
	return true;
}

static bool get_str(cursor *c, char **out)
{
	uint32_t n;
	if (!get_u32(c, &n) || n > MAX_STRING || n > c->left)
		return false;
	if (memchr(c->p, '\0', n) != NULL)
		return false;
	*out = xstrndup((const char *)c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

static bool set_str(cursor *c, char **field)
{
	if (*field != NULL) /* a field given twice is a damaged file */
		return false;
	return get_str(c, field);
}

/* The list of words a chain or command record adds to. */
static strv *words_of(cordon_policy *p, uint16_t tag)
{
	switch (tag) {
	case T_CHAIN:
		return &p->chain;
	case T_STOP_COMMAND:
		return &p->stop_command;
	case T_RELOAD_COMMAND:
		return &p->reload_command;
	case T_POST_STOP_COMMAND:
		return &p->post_stop_command;
	}
	return &p->command;
}

static bool decode_record(cordon_policy *p, uint16_t tag, cursor *c)
{
	switch (tag) {
	case T_LABEL:
		return set_str(c, &p->label);
	case T_SNAP_NAME:
		return set_str(c, &p->snap_name);
	case T_INSTANCE_NAME:
		return set_str(c, &p->instance_name);
	case T_INSTANCE_KEY:
		return set_str(c, &p->instance_key);
	case T_APP:
		return set_str(c, &p->app);
	case T_REVISION:
		return set_str(c, &p->revision);
	case T_VERSION:
		return set_str(c, &p->version);
	case T_SOURCE_PATH:
		return set_str(c, &p->source_path);
	case T_MOUNT_DIR:
		return set_str(c, &p->mount_dir);
	case T_NS_STAMP:
		return set_str(c, &p->ns_stamp);
	case T_BASE_NAME:
		return set_str(c, &p->base_name);
	case T_BASE_DIR:
		return set_str(c, &p->base_dir);
	case T_BASE_SOURCE_PATH:
		return set_str(c, &p->base_source_path);
	case T_BASE_SOURCE_KIND: {
		uint64_t v;
		if (!get_u64(c, &v) || v > CORDON_SOURCE_DIR)
			return false;
		p->base_source_kind = (uint32_t)v;
		return true;
	}
	case T_APPARMOR:
		return set_str(c, &p->apparmor_profile);
	case T_CONFINEMENT: {
		uint64_t v;
		if (!get_u64(c, &v) || v > CORDON_CLASSIC)
			return false;
		p->confinement = (uint32_t)v;
		return true;
	}
	case T_SOURCE_KIND: {
		uint64_t v;
		if (!get_u64(c, &v) || v > CORDON_SOURCE_DIR)
			return false;
		p->source_kind = (uint32_t)v;
		return true;
	}
	case T_NET_HANDLED:
		return get_u64(c, &p->net_handled);
	case T_SCOPED:
		return get_u64(c, &p->scoped);
	case T_CAPS_KEEP:
		return get_u64(c, &p->caps_keep);
	case T_FLAGS: {
		uint64_t v;
		if (!get_u64(c, &v) || (v & ~(uint64_t)CORDON_POLICY_FLAGS_ALL))
			return false;
		p->flags = (uint32_t)v;
		return true;
	}
	case T_ENV_STATIC:
	case T_ENV_USER: {
		_cleanup_free_ char *name = NULL, *value = NULL;
		if (!get_str(c, &name) || !get_str(c, &value) || name[0] == '\0' ||
		    strchr(name, '=') != NULL)
			return false;
		if ((tag == T_ENV_STATIC ? p->n_env_static : p->n_env_user) >= MAX_ITEMS)
			return false;
		cordon_policy_add_env(p, tag == T_ENV_USER, name, value);
		return true;
	}
	case T_CHAIN:
	case T_COMMAND:
	case T_STOP_COMMAND:
	case T_RELOAD_COMMAND:
	case T_POST_STOP_COMMAND: {
		char *s = NULL;
		strv *v = words_of(p, tag);
		if (v->n >= MAX_ITEMS || !get_str(c, &s))
			return false;
		strv_push_own(v, s);
		return true;
	}
	case T_DEVICE: {
		uint32_t type, major, minor;
		_cleanup_free_ char *path = NULL;
		if (p->n_devices >= MAX_ITEMS || !get_u32(c, &type) || !get_u32(c, &major) ||
		    !get_u32(c, &minor) || !get_str(c, &path))
			return false;
		if (type != 'c' && type != 'b')
			return false;
		if ((int32_t)major < -1 || (int32_t)minor < -1)
			return false;
		cordon_policy_add_dev(p, (char)type, (int32_t)major, (int32_t)minor,
				      path[0] ? path : NULL);
		return true;
	}
	case T_MOUNT: {
		_cleanup_free_ char *src = NULL, *dst = NULL;
		uint32_t flags;
		if (p->n_mounts >= MAX_ITEMS || !get_str(c, &src) || !get_str(c, &dst) ||
		    !get_u32(c, &flags) || src[0] != '/' || dst[0] != '/')
			return false;
		cordon_policy_add_mount(p, src, dst, flags);
		return true;
	}
	case T_LAYOUT: {
		_cleanup_free_ char *path = NULL, *source = NULL;
		uint32_t kind, mode;
		if (p->n_layouts >= MAX_ITEMS || !get_u32(c, &kind) || !get_str(c, &path) ||
		    !get_str(c, &source) || !get_u32(c, &mode) || kind < CORDON_LAYOUT_BIND ||
		    kind > CORDON_LAYOUT_TMPFS || path[0] != '/' || (mode & ~07777u) ||
		    (kind != CORDON_LAYOUT_TMPFS && source[0] == '\0') ||
		    ((kind == CORDON_LAYOUT_BIND || kind == CORDON_LAYOUT_BIND_FILE) &&
		     source[0] != '/'))
			return false;
		cordon_policy_add_layout(p, kind, path, source, mode);
		return true;
	}
	case T_SECCOMP:
		/* struct sock_filter is 8 bytes; BPF_MAXINSNS is 4096 */
		if (p->seccomp != NULL || c->left == 0 || c->left % 8 != 0 || c->left > 4096 * 8)
			return false;
		p->seccomp_len = c->left;
		p->seccomp = xmalloc(c->left);
		return get_bytes(c, p->seccomp, c->left);
	case T_FS: {
		uint64_t access;
		uint32_t flags;
		_cleanup_free_ char *path = NULL;
		if (p->n_fs >= MAX_ITEMS || !get_u64(c, &access) || !get_u32(c, &flags) ||
		    !get_str(c, &path) || (path[0] != '/' && path[0] != '$'))
			return false;
		cordon_policy_add_fs(p, path, access, flags);
		return true;
	}
	}
	return false;
}

int cordon_policy_decode(const void *data, size_t len, cordon_policy *p, cordon_error **err)
{
	memset(p, 0, sizeof *p);
	cursor c = {.p = data, .left = len};
	char magic[8];
	uint32_t version, reserved;
	if (len > CORDON_POLICY_MAX_SIZE)
		return cordon_err_msg(err, EFBIG, "compiled policy too large (%zu bytes)", len);
	if (!get_bytes(&c, magic, 8) || memcmp(magic, MAGIC, 8) != 0)
		return cordon_err_msg(err, EINVAL, "not a compiled cordon policy (bad magic)");
	if (!get_u32(&c, &version) || !get_u32(&c, &reserved) || version != FORMAT_VERSION ||
	    reserved != 0)
		return cordon_err_msg(err, EINVAL, "unsupported compiled policy format version");
	for (;;) {
		size_t offset = len - c.left;
		uint16_t tag, pad;
		uint32_t rlen;
		if (!get_u16(&c, &tag) || !get_u16(&c, &pad) || !get_u32(&c, &rlen) || pad != 0 ||
		    rlen > c.left) {
			cordon_policy_free(p);
			return cordon_err_msg(err, EINVAL, "compiled policy truncated at byte %zu",
					      offset);
		}
		cursor r = {.p = c.p, .left = rlen};
		c.p += rlen;
		c.left -= rlen;
		if (tag == T_END) {
			uint64_t want;
			if (!get_u64(&r, &want) || r.left != 0 || want != hash64(data, offset, 0) ||
			    c.left != 0) {
				cordon_policy_free(p);
				return cordon_err_msg(
				    err, EINVAL, "compiled policy damaged (checksum mismatch)");
			}
			break;
		}
		if (tag >= T_MAX || !decode_record(p, tag, &r) || r.left != 0) {
			cordon_policy_free(p);
			return cordon_err_msg(err, EINVAL,
					      "compiled policy damaged (record %u at byte %zu)",
					      tag, offset);
		}
	}
	if (!p->label || !p->snap_name || !p->instance_name || !p->revision || !p->mount_dir ||
	    !p->app || p->command.n == 0) {
		cordon_policy_free(p);
		return cordon_err_msg(err, EINVAL, "compiled policy incomplete");
	}
	if (p->confinement != CORDON_CLASSIC && p->seccomp == NULL) {
		cordon_policy_free(p);
		return cordon_err_msg(err, EINVAL, "compiled policy has no seccomp filter");
	}
	if (p->base_dir && (p->base_dir[0] != '/' || !p->base_name || !p->base_source_path)) {
		cordon_policy_free(p);
		return cordon_err_msg(err, EINVAL, "compiled policy has an incomplete base");
	}
	if (p->instance_key == NULL)
		p->instance_key = xstrdup("");
	return 0;
}
