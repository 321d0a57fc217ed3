/*
 * Where the process runs and allocates: its CPU affinity (process.execCPUAffinity,
 * and the reset that keeps runt's own affinity out) and its NUMA memory policy
 * (linux.memoryPolicy). Both take a set as [first, last] pairs of ids, which plan.c
 * checks (ordered, at most SET_ID_MAX).
 */
#include <sched.h>

#include "init.h"

/* The highest id of the pairs from argument `from` on (runt sends at least one pair). */
static uint64_t max_id(const struct op *o, uint32_t from)
{
	uint64_t max = 0;

	for (uint32_t i = from + 1; i < o->argc; i += 2)
		if (o->n[i] > max)
			max = o->n[i];
	return max;
}

/* "0-3,7": the set for error messages, cut short if long. */
static const char *set_text(const struct op *o, uint32_t from)
{
	static char text[128];
	size_t at = 0;

	text[0] = 0;
	for (uint32_t i = from; i + 1 < o->argc && at < sizeof text - 24; i += 2) {
		unsigned a = o->n[i], b = o->n[i + 1];
		at += snprintf(text + at, sizeof text - at, a == b ? "%s%u" : "%s%u-%u",
			       at ? "," : "", a, b);
	}
	return text;
}

/* cpuAffinity first last ...: sched_setaffinity; CPUs the kernel lacks are ignored by
 * it, a set with none it can use is EINVAL. */
void op_cpuaffinity(const struct op *o)
{
	size_t ncpus = max_id(o, 0) + 1, size = CPU_ALLOC_SIZE(ncpus);
	cpu_set_t *set = CPU_ALLOC(ncpus);

	if (!set)
		fail("malloc CPU set");
	CPU_ZERO_S(size, set);
	for (uint32_t i = 0; i + 1 < o->argc; i += 2)
		for (uint64_t c = o->n[i]; c <= o->n[i + 1]; c++)
			CPU_SET_S(c, size, set);
	if (sched_setaffinity(0, size, set) < 0)
		fail("sched_setaffinity to CPUs %s", set_text(o, 0));
	CPU_FREE(set);
}

/* memPolicy mode flags first last ...: set_mempolicy(mode | flags, nodemask). */
void op_mempolicy(const struct op *o)
{
	unsigned long *mask = NULL, maxnode = 0;
	const unsigned long bits = 8 * sizeof *mask;

	if (o->argc > 2) {
		size_t words = max_id(o, 2) / bits + 1;
		mask = calloc(words, sizeof *mask);
		if (!mask)
			fail("malloc node mask");
		for (uint32_t i = 2; i + 1 < o->argc; i += 2)
			for (uint64_t n = o->n[i]; n <= o->n[i + 1]; n++)
				mask[n / bits] |= 1UL << (n % bits);
		/* The kernel reads maxnode - 1 bits. */
		maxnode = words * bits + 1;
	}
	if (syscall(SYS_set_mempolicy, (int)(o->n[0] | o->n[1]), mask, maxnode) < 0)
		fail("set_mempolicy mode %u flags 0x%x nodes %s", (unsigned)o->n[0],
		     (unsigned)o->n[1], o->argc > 2 ? set_text(o, 2) : "none");
	free(mask);
}
