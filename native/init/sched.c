/*
 * How the process is scheduled: sched_setattr (process.scheduler) and the I/O
 * priority (process.ioPriority). runt checks the values; the kernel has the last word.
 */
#include "init.h"

/* struct sched_attr as of Linux 5.3 (SCHED_ATTR_SIZE_VER1): the utilization clamps
 * are part of it, so the UTIL_CLAMP flags are accepted (with 0 as their values). */
struct sched_attr_v1 {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

/* sched policy flags nice priority runtime deadline period; nice is the int32's bits. */
void op_sched(const struct op *o)
{
	struct sched_attr_v1 attr = {
		.size = sizeof attr,
		.policy = o->n[0],
		.flags = o->n[1],
		.nice = (int32_t)(uint32_t)o->n[2],
		.priority = o->n[3],
		.runtime = o->n[4],
		.deadline = o->n[5],
		.period = o->n[6],
	};

	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		fail("sched_setattr policy %u flags 0x%llx nice %d priority %u", attr.policy,
		     (unsigned long long)attr.flags, attr.nice, attr.priority);
}

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* ioprio class priority: the calling process, as runc (its children inherit it). */
void op_ioprio(const struct op *o)
{
	unsigned value = (unsigned)o->n[0] << IOPRIO_CLASS_SHIFT | (unsigned)o->n[1];

	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
		fail("ioprio_set class %u priority %u", (unsigned)o->n[0], (unsigned)o->n[1]);
}
