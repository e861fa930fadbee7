/* probe operations on calls that take a pid: limits, priorities, scheduling.
 * (The output convention is at the top of probe.c.) */
#include "probe.h"

#include <stddef.h>

const struct probe_op probe_ops_pid[] = {
    {NULL, 0, 0, NULL},
};
