/* libFuzzer harness: the kernel denial records and the launch log, read back
 * (runtime/denial_record.h, launchlog.h).
 *
 * cordon-denials is setuid root and parses what the kernel logs, and those
 * records carry strings a confined program chose: its comm, the paths it
 * asked for (audit hex-encodes some), the addresses. Input: a launch log,
 * a line "--", then one record per line, either as /dev/kmsg gives it
 * ("PRI,SEQ,USEC,FLAGS;audit: type=N audit(...): ...") or as the audit
 * socket does ("N audit(...): ..."). Every event is then asked what the
 * tool asks: is it a denial, whose domain, which launch, whose uid, and a
 * few fields by name. Nothing is printed; everything is freed. */
#include "denial_record.h"
#include "launchlog.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add_line(denial_list *l, const char *line)
{
	int type;
	const char *text;
	if (denial_kmsg_audit(line, &type, &text)) {
		denial_list_add(l, type, text);
		return;
	}
	char *end;
	long t = strtol(line, &end, 10);
	if (end != line && *end == ' ' && t > 0 && t < 100000)
		denial_list_add(l, (int)t, end + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	char *records = strstr(text, "\n--\n");
	cordon_launchlog log = {0};
	if (records) {
		cordon_launchlog_parse(text, (size_t)(records - text), &log);
		records += 4;
	} else {
		records = text;
	}
	denial_list l = {0};
	for (char *save = NULL, *line = strtok_r(records, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		add_line(&l, line);
	static const char *const keys[] = {"comm", "exe", "path", "name", "daddr", "domain"};
	for (size_t i = 0; i < l.n; i++) {
		const denial *d = &l.v[i];
		(void)denial_is_denial(d);
		int64_t uid;
		(void)denial_domain_creator(&l, d, &uid);
		const cordon_launch_rec *rec = denial_find_launch(&l, d, &log);
		(void)denial_uid(&l, d, rec);
		for (size_t r = 0; r < d->raw.n; r++)
			for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
				free(denial_field(d->raw.v[r], keys[k]));
	}
	denial_list_free(&l);
	cordon_launchlog_free(&log);
	return 0;
}
