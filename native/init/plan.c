/*
 * Decoding of the plan (format: docs/plan-format.md, writer: src/plan/encode.ts).
 * The whole plan is checked before the first op runs, so a malformed plan is
 * reported without having changed anything.
 */
#include <endian.h>

#include "init.h"

#define PLAN_MAX (64u << 20)

struct op *ops;
uint32_t nops;

static __attribute__((noreturn, format(printf, 1, 2))) void bad(const char *fmt, ...)
{
	va_list ap;

	errno = EINVAL;
	va_start(ap, fmt);
	vfail(fmt, ap);
}

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1; /* strtoull would take spaces, '+' and '-' */
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int check_arg(char type, const char *s, uint64_t *v)
{
	static const char *const mk[] = {"none", "dir", "file", "copyup"};

	switch (type) {
	case 's':
		return 0;
	case 'n':
		return parse_u64(s, UINT64_MAX, v);
	case 'i':
		return parse_u64(s, UINT32_MAX, v);
	case 'b':
		return strcmp(s, "0") && strcmp(s, "1") ? -1 : parse_u64(s, 1, v);
	case 'k':
		for (*v = 0; *v < 4; ++*v)
			if (!strcmp(s, mk[*v]))
				return 0;
		return -1;
	}
	return -1;
}

static uint32_t u32_at(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return le32toh(v);
}

static void check_op(struct op *o, uint32_t i)
{
	const char *name = opdefs[o->code].name, *sig = opdefs[o->code].sig;
	size_t fixed = strcspn(sig, "*");
	int variadic = sig[fixed] == '*';

	if (o->argc < fixed || (!variadic && o->argc > fixed))
		bad("plan: op %u: %s takes %s%zu arguments, not %u", i, name, variadic ? "at least " : "",
		    fixed, o->argc);
	for (uint32_t j = 0; j < o->argc; j++) {
		char type = *sig == '*' ? sig[1] : *sig;

		if (check_arg(type, o->s[j], &o->n[j]))
			bad("plan: op %u: %s argument %u is not %s: %.64s", i, name, j,
			     type == 'b' ? "0 or 1" : type == 'k' ? "none, dir, file or copyup"
			     : type == 'i' ? "a u32" : "a u64", o->s[j]);
		if (*sig != '*')
			sig++;
	}
	/* exec: closeFrom, argc, argv (at least one), env */
	if (o->code == OP_EXEC && (o->n[1] < 1 || o->n[1] > o->argc - 2))
		bad("plan: op %u: exec argc %llu does not fit", i, (unsigned long long)o->n[1]);
	/* cpuAffinity, memPolicy: a set of [first, last] pairs after the fixed arguments */
	if (o->code == OP_CPUAFFINITY || o->code == OP_MEMPOLICY) {
		uint32_t from = o->code == OP_MEMPOLICY ? 2 : 0;
		if ((o->argc - from) % 2 || (o->code == OP_CPUAFFINITY && o->argc == 0))
			bad("plan: op %u: %s takes [first, last] pairs", i, name);
		for (uint32_t j = from; j < o->argc; j += 2)
			if (o->n[j] > o->n[j + 1] || o->n[j + 1] > SET_ID_MAX)
				bad("plan: op %u: %s range %llu-%llu out of order or past %d", i, name,
				    (unsigned long long)o->n[j], (unsigned long long)o->n[j + 1], SET_ID_MAX);
	}
	/* hook: timeout, argc, path, argv (at least one), env */
	if (o->code == OP_HOOK && (o->argc < 4 || o->n[1] < 1 || o->n[1] > o->argc - 3))
		bad("plan: op %u: hook argc %llu does not fit", i, (unsigned long long)o->n[1]);
}

void load_plan(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		fail("fstat plan fd %d", fd);
	if (st.st_size < 16 || st.st_size > PLAN_MAX)
		bad("plan: size %lld out of range", (long long)st.st_size);
	size_t size = st.st_size, at = 0;
	char *buf = malloc(size);
	if (!buf)
		fail("malloc plan");
	while (at < size) {
		ssize_t r = pread(fd, buf + at, size - at, at);
		if (r == 0)
			errno = EIO; /* shrunk under us */
		if (r <= 0)
			fail("pread plan fd %d", fd);
		at += r;
	}
	if (memcmp(buf, PLAN_MAGIC, 8) || u32_at(buf + 8) != PLAN_VERSION)
		bad("plan: not a version %d plan", PLAN_VERSION);
	nops = u32_at(buf + 12);
	/* Every op takes at least 8 bytes: the count cannot ask for more memory than the plan's size. */
	if (nops > (size - 16) / 8)
		bad("plan: op count %u does not fit", nops);
	ops = calloc(nops ? nops : 1, sizeof *ops);
	if (!ops)
		fail("malloc plan");
	at = 16;
	for (uint32_t i = 0; i < nops; i++) {
		struct op *o = &ops[i];

		if (size - at < 8)
			bad("plan: op %u: truncated", i);
		o->code = u32_at(buf + at);
		o->argc = u32_at(buf + at + 4);
		at += 8;
		if (o->code < 1 || o->code > OP_MAX || !opdefs[o->code].run)
			bad("plan: op %u: unknown opcode %u", i, o->code);
		if (o->argc > (size - at) / 5)
			bad("plan: op %u: truncated", i);
		o->s = calloc(o->argc + 1, sizeof *o->s);
		o->n = calloc(o->argc + 1, sizeof *o->n);
		if (!o->s || !o->n)
			fail("malloc plan");
		for (uint32_t j = 0; j < o->argc; j++) {
			uint32_t len;
			if (size - at < 5 || (len = u32_at(buf + at)) > size - at - 5)
				bad("plan: op %u: truncated", i);
			char *s = buf + at + 4;
			if (s[len] || memchr(s, 0, len))
				bad("plan: op %u: bad string", i);
			o->s[j] = s;
			at += 5 + (size_t)len;
		}
		check_op(o, i);
	}
	if (at != size)
		bad("plan: %zu trailing bytes (op count %u)", size - at, nops);
}
