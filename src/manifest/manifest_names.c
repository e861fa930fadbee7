/* The name rules declared in manifest_names.h, each with snapd's regular
 * expression above it where snapd has one. */
#include "manifest_names.h"
#include "util.h"

#include <string.h>

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}
static bool is_alnum(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ^[a-z](?:-?[a-z0-9])*$ : plugs, slots, interfaces and hooks. */
bool mv_valid_plug_slot_name(const char *s)
{
	if (!is_lower(s[0]))
		return false;
	for (size_t i = 1; s[i]; i++) {
		if (s[i] == '-' && s[i + 1] != '\0' && s[i + 1] != '-')
			continue;
		if (!(is_lower(s[i]) || (s[i] >= '0' && s[i] <= '9')))
			return false;
	}
	return true;
}

/* ^[a-zA-Z0-9](?:-?[a-zA-Z0-9])*$ */
bool mv_valid_app_name(const char *s)
{
	if (!is_alnum(s[0]))
		return false;
	for (size_t i = 1; s[i]; i++) {
		if (s[i] == '-' && s[i + 1] != '\0' && s[i + 1] != '-')
			continue;
		if (!is_alnum(s[i]))
			return false;
	}
	return true;
}

/* ^[a-zA-Z0-9][-_.a-zA-Z0-9]*$ */
bool mv_valid_alias(const char *s)
{
	if (!is_alnum(s[0]))
		return false;
	for (size_t i = 1; s[i]; i++)
		if (!(is_alnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

/* snapd: "Do not allow any of [',",`] here or snap-exec will get confused." */
bool mv_valid_command(const char *s)
{
	for (; *s; s++)
		if (!(is_alnum(*s) || strchr("/. _#:$-", *s)))
			return false;
	return true;
}

/* Same without the space: command-chain entries are single paths. */
bool mv_valid_command_chain(const char *s)
{
	for (; *s; s++)
		if (!(is_alnum(*s) || strchr("/._#:$-", *s)))
			return false;
	return true;
}

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

/* snapd's ValidateSnap: isValidName, 2 to 40 characters. */
bool cordon_valid_store_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n >= 2 && n <= 40 && mv_valid_socket_name(name);
}

/* ^[a-z0-9]{1,10}$ */
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

/* "name" or "name_key" (snapd's ValidateInstanceName). */
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
