"""bench/steps/instrument.py SRC: add timestamps to a copy of cordon's source
(never to the tree you work in): the launcher writes "TS <step> <ms>" to
stderr after each step of a launch, the milliseconds since its parent's
fork (t0.c passes the fork's time in T0; without T0 nothing is written).
Steps are named in order (0_, 1_, ... f_). The patch matches the launcher's
source text: a refused match (AssertionError) means the launcher changed,
and this file must follow it. Used by bench/steps.sh."""
import re, sys, os
root = sys.argv[1]
open(os.path.join(root, 'src/base/tstamp.h'), 'w').write('''#pragma once
#include <stdio.h>
#include <time.h>
#include <unistd.h>
__attribute__((weak)) long long cordon_t0 = 0;
static inline void TS(const char *what)
{
	if (!cordon_t0) return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long now = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	char b[128];
	int n = snprintf(b, sizeof b, "TS %s %.3f\\n", what, (now - cordon_t0) / 1e6);
	(void)!write(2, b, n);
}
''')
def patch(p, pairs):
    p = os.path.join(root, p); s = open(p).read()
    for a, b in pairs:
        # (a, b) or several (a, b) of which the first found is applied
        # (a marker line that changed between revisions)
        alts = a if isinstance(a, list) else [(a, b)]
        hit = [(x, y) for x, y in alts if x in s]
        assert hit, (p, alts[0][0])
        s = s.replace(hit[0][0], hit[0][1], 1)
    open(p, 'w').write(s)
patch('src/confine/main.c', [
 ('#include "util.h"\n', '#include "util.h"\n#include "tstamp.h"\nlong long cordon_t0;\n'),
 ('int main(int argc, char **argv)\n{\n', 'int main(int argc, char **argv)\n{\n\t{ const char *t = getenv("T0"); if (t) cordon_t0 = atoll(t); }\n\tTS("0_exec_of_launcher");\n'),
 ('\tcordon_launch(&a, &err);', '\tTS("1_main_args_env_shield");\n\tcordon_launch(&a, &err);'),
])
L = 'src/runtime/launch.c'
patch(L, [
 ('#include "util.h"\n', '#include "util.h"\n#include "tstamp.h"\n'),
 ([('int r = cordon_policy_load(paths.policy_dir, a->label, &p, err);', 'int r = cordon_policy_load(paths.policy_dir, a->label, &p, err);\n\tTS("2_policy_load");'),
   ('a->label, &p, err);\n\tif (r < 0)\n\t\tgoto out;\n', 'a->label, &p, err);\n\tTS("2_policy_load");\n\tif (r < 0)\n\t\tgoto out;\n')], None),
 ('\tcordon_error_free(&broker_err);\n', '\tcordon_error_free(&broker_err);\n\tTS("3_cookie_broker");\n'),
 ('\tcordon_launch_rule_vars(&p, a, &vars);\n', '\tcordon_launch_rule_vars(&p, a, &vars);\n\tTS("4_env_xdg");\n'),
 ([('\t\tr = a->learn ? 0 : cordon_cgroup_enter(&cg, &p, getpid(), err);\n', '\t\tTS("5_snap_mounted");\n\t\tr = a->learn ? 0 : cordon_cgroup_enter(&cg, &p, getpid(), err);\n\t\tTS("6_cgroup");\n'),
   ('\t\tr = cordon_cgroup_enter(&cg, &p, getpid(), err);\n', '\t\tTS("5_snap_mounted");\n\t\tr = cordon_cgroup_enter(&cg, &p, getpid(), err);\n\t\tTS("6_cgroup");\n')], None),
 ('\t\tin_host = false;\n', '\t\tin_host = false;\n\t\tTS("7_apparmor_mountns");\n'),
 ('\t\t\tr = enter_view(&ns, &p, &vars, &caller, &targets, err);\n', '\t\t\tTS("8_user_dirs_cwd");\n\t\t\tr = enter_view(&ns, &p, &vars, &caller, &targets, err);\n\t\t\tTS("9_view_resolve_stamp_join");\n'),
 ('\t\tcordon_view_cwd_free(&cwd_dirs);\n\t\tif (r < 0)\n\t\t\tgoto out;\n\t\tcordon_ns_session_end(&ns);\n', '\t\tcordon_view_cwd_free(&cwd_dirs);\n\t\tTS("a_devpts_cwd_stand_in");\n\t\tif (r < 0)\n\t\t\tgoto out;\n\t\tcordon_ns_session_end(&ns);\n'),
 ('\tr = drop_to_caller(a, &p, err);\n', '\tTS("b_open_late_shield_lower");\n\tr = drop_to_caller(a, &p, err);\n\tTS("c_drop_capabilities");\n'),
 ([('\t\tr = a->learn ? 0 : cordon_seccomp_load(p.seccomp, p.seccomp_len, err);\n', '\t\tr = a->learn ? 0 : cordon_seccomp_load(p.seccomp, p.seccomp_len, err);\n\t\tTS("d_seccomp");\n'),
   ('\t\tr = cordon_seccomp_load(p.seccomp, p.seccomp_len, err);\n', '\t\tr = cordon_seccomp_load(p.seccomp, p.seccomp_len, err);\n\t\tTS("d_seccomp");\n')], None),
 ([('\tcordon_launch_argv(&p, command, &env, a->argc, a->argv, &argv);\n\tif (a->learn)', '\tTS("e_landlock");\n\tcordon_launch_argv(&p, command, &env, a->argc, a->argv, &argv);\n\tif (a->learn)'),
   ('\tcordon_launch_argv(&p, command, &env, a->argc, a->argv, &argv);\n\texecve(', '\tTS("e_landlock");\n\tcordon_launch_argv(&p, command, &env, a->argc, a->argv, &argv);\n\texecve(')], None),
])
# The first launch (BENCH_STEPS_COLD=1): the snap's namespace and the view
# built, step by step. Optional: a revision without these lines (older, or
# changed since) gets the coarse steps above alone.
def patch_optional(p, pairs):
    p = os.path.join(root, p); s = open(p).read()
    if not all(a in s for a, _ in pairs):
        print('instrument.py: %s: cold sub-steps not marked' % p, file=sys.stderr)
        return
    for a, b in pairs:
        s = s.replace(a, b, 1)
    open(p, 'w').write(s)
patch_optional('src/runtime/mountns.c', [
 ('#include "util.h"\n', '#include "util.h"\n#include "tstamp.h"\n'),
 ('\t_cleanup_close_ int tmpfd = cordon_privtmp_prepare(paths, p->instance_name, err);\n', '\tTS("6a_ns_lock_ipc_discard");\n\t_cleanup_close_ int tmpfd = cordon_privtmp_prepare(paths, p->instance_name, err);\n\tTS("6b_private_tmp_prepared");\n'),
 ('\tr = populate(paths, p, tmpfd, err);\n', '\tTS("6c_binds_recorded_unshare");\n\tr = populate(paths, p, tmpfd, err);\n\tTS("6d_populate");\n'),
 ('\tif (setns(newns, CLONE_NEWNS) < 0)\n\t\treturn cordon_err(err, errno, "enter the new mount namespace");\n', '\tTS("6e_preserve");\n\tif (setns(newns, CLONE_NEWNS) < 0)\n\t\treturn cordon_err(err, errno, "enter the new mount namespace");\n'),
])
patch_optional('src/runtime/view.c', [
 ('#include "util.h"\n', '#include "util.h"\n#include "tstamp.h"\n'),
 ('\tvnode *root = vnode_new("", V_DIR);\n', '\tTS("8a_view_stale");\n\tvnode *root = vnode_new("", V_DIR);\n'),
 ('\t_cleanup_close_ int newns = -1;\n', '\tTS("8b_view_tree_dev_sockets");\n\t_cleanup_close_ int newns = -1;\n'),
 ('\t_cleanup_close_ int top = -1;\n', '\tTS("8c_view_unshare_slave");\n\t_cleanup_close_ int top = -1;\n'),
 ('\tvnode_free(root);\n', '\tTS("8d_view_populate");\n\tvnode_free(root);\n'),
 ('\tif (setns(s->host_ns, CLONE_NEWNS) < 0)\n\t\treturn cordon_err(err, errno, "return to the host mount namespace");\n', '\tTS("8e_view_sockets_pivot");\n\tif (setns(s->host_ns, CLONE_NEWNS) < 0)\n\t\treturn cordon_err(err, errno, "return to the host mount namespace");\n'),
 ('\tif (setns(newns, CLONE_NEWNS) < 0)\n\t\treturn cordon_err(err, errno, "enter the new view");\n', '\tTS("8f_view_preserve_stamp");\n\tif (setns(newns, CLONE_NEWNS) < 0)\n\t\treturn cordon_err(err, errno, "enter the new view");\n'),
])

