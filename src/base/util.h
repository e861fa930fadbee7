/* Pure helpers: memory, strings, string vectors, growable buffers,
 * cleanup attributes. Nothing here touches the system. */
#pragma once
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Allocation failure is not an error we can report usefully: abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))

/* Move ownership out of a cleanup variable. */
#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) _t = (p);                                                            \
		(p) = NULL;                                                                        \
		_t;                                                                                \
	})
#define steal_fd(fd)                                                                               \
	({                                                                                         \
		int _t = (fd);                                                                     \
		(fd) = -1;                                                                         \
		_t;                                                                                \
	})

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool streq_ptr(const char *a, const char *b);

/* NULL-terminated string vectors. */
typedef struct strv {
	char **v;
	size_t n, cap;
} strv;
void strv_push(strv *s, const char *str); /* copies */
void strv_push_own(strv *s, char *str);	  /* takes ownership */
void strv_free(strv *s);		  /* frees elements, resets */
bool strv_contains(const strv *s, const char *str);
void strv_sort(strv *s);
static inline void cleanup_strvp(strv *s)
{
	strv_free(s);
}
#define _cleanup_strv_ __attribute__((cleanup(cleanup_strvp)))

/* Growable byte/char buffer; always NUL-terminated when len > 0. */
typedef struct buf {
	char *p;
	size_t len, cap;
} buf;
void buf_add(buf *b, const void *data, size_t n);
void buf_adds(buf *b, const char *s);
void buf_addc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(buf *b);
char *buf_steal(buf *b); /* returns NUL-terminated string ("" if empty) */
static inline void cleanup_bufp(buf *b)
{
	buf_free(b);
}
#define _cleanup_buf_ __attribute__((cleanup(cleanup_bufp)))

/* FNV-1a 64-bit, for stamps (not for security). */
uint64_t hash64(const void *data, size_t n, uint64_t seed);

/* The dpkg name of this machine's architecture (amd64, arm64, …): $SNAP_ARCH,
 * and the default architecture of a packed snap. */
const char *cordon_host_arch(void);
