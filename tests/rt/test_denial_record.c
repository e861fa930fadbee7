/* The kernel's denial records read back (denial_record.h) and the launch
 * log (launchlog.h): records as /dev/kmsg and the audit socket give them,
 * events whose records interleave, hex-encoded names, the launch a denial
 * came from (a reused pid told apart by time). */
#include "check.h"
#include "denial_record.h"
#include "launchlog.h"

#include <stdlib.h>
#include <string.h>

static void test_fields(void)
{
	char *v = denial_field("a=1 path=\"/etc/x y\" exe=2F746D702F6120622F63", "path");
	CHECK_STR(v, "/etc/x y");
	free(v);
	v = denial_field("a=1 path=\"/etc/x\" exe=2F746D702F6120622F63", "exe");
	CHECK_STR(v, "/tmp/a b/c"); /* hex: audit's untrusted string */
	free(v);
	v = denial_field("xpid=3 pid=4", "pid");
	CHECK_STR(v, "4");
	free(v);
	CHECK(denial_field("a=1", "b") == NULL);
}

static void test_kmsg(void)
{
	int type = 0;
	const char *text = NULL;
	CHECK(denial_kmsg_audit("5,16,4426,-;audit: type=1326 audit(17.5:9): pid=3", &type, &text));
	CHECK_INT(type, 1326);
	CHECK_STR(text, "audit(17.5:9): pid=3");
	CHECK(!denial_kmsg_audit("6,1,2,-;loop0: detected capacity change", &type, &text));
	/* a time no clock has is no record's (its milliseconds overflowed:
	 * found by tests/fuzz/fuzz_denials) */
	denial_list l = {0};
	denial_list_add(&l, 1326, "audit(9223372036854775807.5:1): pid=3");
	denial_list_add(&l, 1326, "audit(-5.5:1): pid=3");
	denial_list_add(&l, 1326, "audit(5.4294967295:1): pid=3");
	CHECK_INT(l.n, 0);
	denial_list_add(&l, 1326, "audit(5.999:1): pid=3");
	CHECK_INT(l.n, 1);
	CHECK_INT(l.n ? l.v[0].ms : 0, 5999);
	denial_list_free(&l);
}

static void test_events(void)
{
	denial_list l = {0};
	/* a Landlock denial whose records interleave with another domain's
	 * release (as the kernel sends them) */
	denial_list_add(&l, 1423,
			"audit(1000.250:7): domain=1a blockers=fs.read_file "
			"path=\"/etc/hostname\" dev=\"tmpfs\" ino=5");
	denial_list_add(&l, 1424, "audit(1000.250:8): domain=19 status=deallocated denials=1");
	denial_list_add(&l, 1424,
			"audit(1000.250:7): domain=1a status=allocated mode=enforcing "
			"pid=42 uid=1001 exe=\"/usr/libexec/cordon/cordon-confine\"");
	denial_list_add(&l, 1300,
			"audit(1000.250:7): arch=c000003e syscall=257 success=no "
			"exit=-13 a0=ffffff9c a1=7ff a2=80000 a3=0 items=1 ppid=1 pid=42 "
			"auid=4294967295 uid=1001 gid=1001 comm=\"probe\"");
	/* a later denial of the same domain: no 1424 of its own */
	denial_list_add(&l, 1423,
			"audit(1001.000:9): domain=1a blockers=net.connect_tcp "
			"daddr=127.0.0.1 dest=9");
	/* seccomp, audit off: the one record */
	denial_list_add(&l, 1326,
			"audit(1002.000:10): auid=4294967295 uid=0 gid=0 pid=50 "
			"comm=\"probe\" sig=0 arch=c000003e syscall=164 code=0x50000");
	/* the device cgroup, seen through --follow's rule */
	denial_list_add(&l, 1300,
			"audit(1003.000:11): arch=c000003e syscall=257 success=no "
			"exit=-1 a0=ffffff9c a1=1 a2=80102 a3=0 pid=51 uid=0");
	denial_list_add(&l, 1302,
			"audit(1003.000:11): item=0 name=\"/dev/kmsg\" inode=8 "
			"mode=020644 rdev=01:0b nametype=NORMAL");
	CHECK_INT(l.n, 5);
	const denial *d = &l.v[0];
	CHECK_INT(d->mech, DENIAL_LANDLOCK);
	CHECK_STR(d->path, "/etc/hostname");
	CHECK_STR(d->blockers, "fs.read_file");
	CHECK_INT(d->pid, 42);
	CHECK_INT(d->uid, 1001);
	CHECK_INT(d->ms, 1000250);
	CHECK_INT(d->args[2], 0x80000);
	CHECK_INT(d->raw.n, 3);
	CHECK(!denial_is_denial(&l.v[1]));
	int64_t uid;
	CHECK_INT(denial_domain_creator(&l, &l.v[2], &uid), 42);
	CHECK_INT(uid, 1001);
	CHECK_INT(l.v[2].dport, 9);
	CHECK_STR(l.v[2].daddr, "127.0.0.1");
	CHECK_INT(l.v[3].mech, DENIAL_SECCOMP);
	CHECK_INT(l.v[3].syscall, 164);
	CHECK_INT(l.v[3].arch, 0xc000003e);
	CHECK(!l.v[3].have_args);
	CHECK_INT(l.v[4].mech, DENIAL_DEVICE);
	CHECK_STR(l.v[4].obj, "/dev/kmsg");
	CHECK_INT(l.v[4].obj_major, 1);
	CHECK_INT(l.v[4].obj_minor, 11);

	/* labels: the launch of that pid last before the event */
	const char log_text[] = "999.000000000 42 1001 snap.old.app\n"
				"1000.100000000 42 1001 snap.foo.bar\n"
				"1000.900000000 42 0 snap.later.app\n"
				"garbage\n"
				"1001.5 50"; /* a line being written */
	cordon_launchlog log = {0};
	cordon_launchlog_parse(log_text, strlen(log_text), &log);
	CHECK_INT(log.n, 3);
	const cordon_launch_rec *rec = denial_find_launch(&l, &l.v[0], &log);
	CHECK(rec != NULL);
	CHECK_STR(rec->label, "snap.foo.bar");
	CHECK_INT(denial_uid(&l, &l.v[0], rec), 1001);
	/* the later denial of that domain: the creator's launch, not the
	 * launch that reused pid 42 afterwards */
	rec = denial_find_launch(&l, &l.v[2], &log);
	CHECK_STR(rec ? rec->label : "", "snap.foo.bar");
	CHECK(denial_find_launch(&l, &l.v[3], &log) == NULL); /* not a confined command's */
	cordon_launchlog_free(&log);

	/* audit's clock is coarse: a record a few ms "before" its launch in
	 * the log is that launch's; a launch long after it is not */
	const char log2[] = "1000.004000000 77 0 snap.fast.app\n"
			    "1002.000000000 78 0 snap.late.app\n";
	cordon_launchlog_parse(log2, strlen(log2), &log);
	rec = cordon_launchlog_find(&log, 77, 1000000);
	CHECK_STR(rec ? rec->label : "", "snap.fast.app");
	CHECK(cordon_launchlog_find(&log, 78, 1000000) == NULL);
	cordon_launchlog_free(&log);

	/* times the launcher cannot have written are skipped (they overflowed
	 * the milliseconds: found by tests/fuzz/fuzz_denials) */
	const char log3[] = "9223372036854775807.0 1 0 snap.a.b\n"
			    "5.-1 1 0 snap.a.b\n"
			    "5.1000000000 1 0 snap.a.b\n"
			    "5.000000000 1 0 snap.ok.app\n";
	cordon_launchlog_parse(log3, strlen(log3), &log);
	CHECK_INT(log.n, 1);
	CHECK_STR(log.n ? log.v[0].label : "", "snap.ok.app");
	cordon_launchlog_free(&log);
	denial_list_free(&l);
}

int main(void)
{
	test_fields();
	test_kmsg();
	test_events();
	return check_done("denial_record");
}
