/* The execution domain (linux.personality): LINUX32 makes uname(2) say i686. */
#include "init.h"

/* personality persona: the execution domain survives execve. */
void op_personality(const struct op *o)
{
	if (syscall(SYS_personality, (unsigned long)o->n[0]) < 0)
		fail("personality 0x%llx", (unsigned long long)o->n[0]);
}
