/* seccomp_exec: run a program under a filter compiled from the default
 * template, loaded by the launcher's loader (cordon_seccomp_load, no
 * libseccomp at load time), in a forked child. Used by test_seccomp_root.py.
 *
 *   seccomp_exec [--devmode] [--rules TEXT]... [--size] -- PROGRAM [ARGS...]
 *
 * The template is $CORDON_SRCDIR/data/seccomp/default.txt; each --rules adds a
 * source ("rules-1", "rules-2"...), as connected interfaces do. --size prints
 * the filter's instruction count on stderr. Exit status: the child's, or
 * 128 + signal; 125 if the filter cannot be built or loaded. */
#include "seccomp_compile.h"
#include "seccomp_load.h"
#include "util.h"

#include <linux/filter.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	buf b = {0};
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return buf_steal(&b);
}

int main(int argc, char **argv)
{
	enum cordon_confinement mode = CORDON_STRICT;
	bool size = false;
	const char *srcdir = getenv("CORDON_SRCDIR");
	_cleanup_free_ char *path = xasprintf("%s/data/seccomp/default.txt", srcdir ? srcdir : ".");
	_cleanup_free_ char *tmpl = read_file(path);
	if (tmpl == NULL) {
		fprintf(stderr, "seccomp_exec: cannot read %s\n", path);
		return 125;
	}
	cordon_seccomp_source *src = xcalloc((size_t)argc + 1, sizeof *src);
	size_t n = 0;
	src[n++] = (cordon_seccomp_source){"default.txt", tmpl};
	_cleanup_strv_ strv names = {0};
	int i;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--devmode") == 0) {
			mode = CORDON_DEVMODE;
		} else if (strcmp(argv[i], "--size") == 0) {
			size = true;
		} else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
			strv_push_own(&names, xasprintf("rules-%zu", n));
			src[n] = (cordon_seccomp_source){names.v[names.n - 1], argv[++i]};
			n++;
		} else {
			fprintf(stderr, "seccomp_exec: bad argument %s\n", argv[i]);
			return 125;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr,
			"usage: seccomp_exec [--devmode] [--rules TEXT]... -- PROGRAM...\n");
		return 125;
	}

	_cleanup_error_ cordon_error *err = NULL;
	_cleanup_free_ uint8_t *bpf = NULL;
	size_t len = 0;
	int r = cordon_seccomp_compile(src, n, mode, &bpf, &len, &err);
	free(src);
	if (r < 0) {
		fprintf(stderr, "seccomp_exec: %s\n", err->msg);
		return 125;
	}
	if (size)
		fprintf(stderr, "seccomp filter: %zu instructions\n",
			len / sizeof(struct sock_filter));

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 125;
	}
	if (pid == 0) {
		if (cordon_seccomp_load(bpf, len, &err) < 0) {
			fprintf(stderr, "seccomp_exec: %s\n", err->msg);
			_exit(125);
		}
		execv(argv[i + 1], argv + i + 1);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return 125;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
