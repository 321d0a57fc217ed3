/*
 * sched-probe: prints what the kernel holds for the calling process, one
 * "key value" line each, for test/integration/process-fields.test.ts (built there
 * with gcc -static into the bundle, so it runs on the busybox rootfs).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sched_attr_v1 {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

/* CPUs or nodes set in a bit mask, as "0-1,3". */
static void print_set(const char *key, const unsigned long *mask, unsigned bits)
{
	const unsigned w = 8 * sizeof *mask;
	int first = 1;

	printf("%s ", key);
	for (unsigned i = 0; i < bits; i++) {
		if (!(mask[i / w] >> (i % w) & 1))
			continue;
		unsigned j = i;
		while (j + 1 < bits && mask[(j + 1) / w] >> ((j + 1) % w) & 1)
			j++;
		printf(j == i ? "%s%u" : "%s%u-%u", first ? "" : ",", i, j);
		first = 0;
		i = j;
	}
	printf("%s\n", first ? "none" : "");
}

int main(void)
{
	struct sched_attr_v1 a = {0};
	if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) == 0)
		printf("policy %u\nsched_flags %llu\nnice %d\npriority %u\nruntime %llu\n"
		       "deadline %llu\nperiod %llu\n",
		       a.policy, (unsigned long long)a.flags, a.nice, a.priority,
		       (unsigned long long)a.runtime, (unsigned long long)a.deadline,
		       (unsigned long long)a.period);
	long io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	printf("ioprio_class %ld\nioprio_level %ld\n", io >> 13, io & 0xff);
	int mode = -1;
	unsigned long nodes[16] = {0};
	if (syscall(SYS_get_mempolicy, &mode, nodes, 16 * 64 + 1, 0, 0) == 0) {
		/* The mode flags come back in the high bits (MPOL_MODE_FLAGS). */
		printf("mempolicy_mode %d\nmempolicy_flags %d\n", mode & 0xff, mode & ~0xff);
		print_set("mempolicy_nodes", nodes, 16 * 64);
	}
	printf("personality %d\n", personality(0xffffffff));
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
		print_set("cpus", (unsigned long *)&cpus, CPU_SETSIZE);
	return 0;
}
