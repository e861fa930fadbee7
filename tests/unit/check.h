/* A tiny TAP-style test harness for unit tests. */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures, check_count;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		check_count++;                                                                     \
		if (_a == NULL || _b == NULL ? _a != _b : strcmp(_a, _b) != 0) {                   \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:  %s\n  want: %s\n",      \
				__FILE__, __LINE__, _a ? _a : "(null)", _b ? _b : "(null)");       \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		check_count++;                                                                     \
		if (_a != _b) {                                                                    \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK_INT failed: %s = %lld, want %lld\n",         \
				__FILE__, __LINE__, #a, _a, _b);                                   \
		}                                                                                  \
	} while (0)

static inline int check_done(const char *name)
{
	if (check_failures) {
		fprintf(stderr, "%s: %d of %d checks failed\n", name, check_failures, check_count);
		return 1;
	}
	printf("%s: %d checks passed\n", name, check_count);
	return 0;
}
