/* libFuzzer harness: the snap.yaml loader and validator.
 *
 * meta/snap.yaml comes with the package being installed: it is the first
 * thing the privileged CLI parses of an attacker's file (README, "Privilege").
 * Input: the file's bytes. Both steps run, as `cordon install` runs them;
 * nothing is printed, everything is freed (leaks are findings too). */
#include "manifest.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ cordon_error *err = NULL;
	_cleanup_manifest_ cordon_manifest *m = NULL;
	if (cordon_manifest_parse((const char *)data, size, "meta/snap.yaml", &m, &err) == 0)
		cordon_manifest_validate(m, &err);
	return 0;
}
