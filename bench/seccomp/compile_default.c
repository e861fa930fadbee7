/* compile_default TEMPLATE OUT: compile a seccomp rule file (the default
 * template) as a strict label's filter, with the compiler of the revision this
 * is linked against, and write the raw BPF to OUT. For bench/seccomp.sh. */
#include "fsutil.h"
#include "seccomp_compile.h"
#include "util.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: compile_default TEMPLATE OUT\n");
		return 2;
	}
	char *text = NULL;
	size_t text_len = 0;
	cordon_error *err = NULL;
	if (fs_read_path(argv[1], (size_t)1 << 20, &text, &text_len, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return 1;
	}
	cordon_seccomp_source src = {"default.txt", text};
	uint8_t *bpf = NULL;
	size_t len = 0;
	if (cordon_seccomp_compile(&src, 1, CORDON_STRICT, &bpf, &len, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return 1;
	}
	FILE *out = fopen(argv[2], "we");
	if (out == NULL || fwrite(bpf, 1, len, out) != len || fclose(out) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
