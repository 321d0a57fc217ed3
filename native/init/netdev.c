/*
 * linux.netDevices, as runc 1.3+ moves them: the host's interface's permanent
 * addresses of global scope are noted, it is set down, one RTM_NEWLINK moves and renames it
 * into the container's network namespace, and there the addresses are added back and
 * the link set up. The move needs CAP_NET_ADMIN over the host's namespace, so the
 * privileged helper does it (netdev_move, from helper-work.c); the netDevice op, at
 * its place in the plan, reports how that went. Nothing moves the device back: when
 * the namespace goes away the kernel destroys virtual devices and returns physical
 * ones to the initial namespace (config-linux.md, "Namespace Lifecycle").
 */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "init.h"

enum {
	STEP_FIND = 1, STEP_NETNS, STEP_JOIN, STEP_CLASH, STEP_DOWN, STEP_ADDRS, STEP_MOVE,
	STEP_FIND_IN, STEP_ADDR_ADD, STEP_UP
};

#define MAX_ADDRS 64

struct addr {
	unsigned char family, prefix;
	unsigned char local[16];
};

struct req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg link;
		struct ifaddrmsg addr;
	};
	char attrs[256];
};

static int host_sock = -1, ns_sock = -1, netns = -1;
static uint32_t seq;

static void add_attr(struct req *r, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void start(struct req *r, int type, int flags, size_t body)
{
	memset(r, 0, sizeof *r);
	r->h.nlmsg_len = NLMSG_LENGTH(body);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | flags;
	r->h.nlmsg_seq = ++seq;
}

/*
 * Sends r and reads the answers to it: an ack (0, or -1 with the kernel's errno), or
 * for a dump each message to each(), until NLMSG_DONE.
 */
static int talk(int sock, struct req *r, void (*each)(struct nlmsghdr *, void *), void *arg)
{
	static char buf[65536]; /* more than a dump's largest message (32 KiB) */
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	if (sendto(sock, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(sock, buf, sizeof buf, 0);
		if (n < 0)
			return -1;
		for (struct nlmsghdr *m = (struct nlmsghdr *)buf; NLMSG_OK(m, (size_t)n); m = NLMSG_NEXT(m, n)) {
			if (m->nlmsg_seq != r->h.nlmsg_seq)
				continue;
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (m->nlmsg_type == NLMSG_ERROR) {
				int e = ((struct nlmsgerr *)NLMSG_DATA(m))->error;
				return e ? (errno = -e, -1) : 0;
			}
			if (each)
				each(m, arg);
		}
	}
}

static int set_up(int sock, int index, int up)
{
	struct req r;

	start(&r, RTM_NEWLINK, NLM_F_ACK, sizeof r.link);
	r.link.ifi_index = index;
	r.link.ifi_change = IFF_UP;
	r.link.ifi_flags = up ? IFF_UP : 0;
	return talk(sock, &r, NULL, NULL);
}

struct addr_list {
	int index, n;
	struct addr a[MAX_ADDRS];
};

/* Only permanent addresses of global scope move, as in runc (RFC 3549 2.3.3.2). */
static void keep_addr(struct nlmsghdr *m, void *arg)
{
	struct addr_list *l = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(m);
	uint32_t flags = ifa->ifa_flags;
	const void *local = NULL, *address = NULL;
	int len = IFA_PAYLOAD(m);

	if (m->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != l->index ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE || l->n == MAX_ADDRS)
		return;
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_FLAGS)
			memcpy(&flags, RTA_DATA(a), sizeof flags);
		else if (a->rta_type == IFA_LOCAL)
			local = RTA_DATA(a);
		else if (a->rta_type == IFA_ADDRESS)
			address = RTA_DATA(a);
	}
	if (!(flags & IFA_F_PERMANENT) || !(local || address))
		return;
	struct addr *out = &l->a[l->n++];
	out->family = ifa->ifa_family;
	out->prefix = ifa->ifa_prefixlen;
	memcpy(out->local, local ? local : address, ifa->ifa_family == AF_INET ? 4 : 16);
}

static int add_addr(int sock, int index, const struct addr *a)
{
	struct req r;
	size_t len = a->family == AF_INET ? 4 : 16;

	start(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sizeof r.addr);
	r.addr.ifa_family = a->family;
	r.addr.ifa_prefixlen = a->prefix;
	r.addr.ifa_index = index;
	add_attr(&r, IFA_LOCAL, a->local, len);
	add_attr(&r, IFA_ADDRESS, a->local, len);
	if (a->family == AF_INET && a->prefix < 31) {
		uint32_t ip, mask = a->prefix ? htonl(~0u << (32 - a->prefix)) : 0;

		memcpy(&ip, a->local, 4);
		ip |= ~mask;
		add_attr(&r, IFA_BROADCAST, &ip, 4);
	}
	return talk(sock, &r, NULL, NULL);
}

static void take_index(struct nlmsghdr *m, void *arg)
{
	if (m->nlmsg_type == RTM_NEWLINK)
		*(int *)arg = ((struct ifinfomsg *)NLMSG_DATA(m))->ifi_index;
}

/* The index of the link called name (or the link of index *index) seen by sock's namespace. */
static int link_index(int sock, const char *name, int index)
{
	struct req r;
	int got = 0;

	start(&r, RTM_GETLINK, 0, sizeof r.link);
	r.link.ifi_index = index;
	if (name)
		add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	/* A lookup answers with the link, not an ack: take it, then stop at the ack or error. */
	r.h.nlmsg_flags |= NLM_F_ACK;
	if (talk(sock, &r, take_index, &got) < 0)
		return -1;
	return got ? got : (errno = ENODEV, -1);
}

/*
 * In the helper: move one netDevice op's interface. Its lookups go through a socket of
 * the host's network namespace and one of the container's, whatever the helper's own.
 */
int netdev_move(const struct op *o, pid_t init, int *step)
{
	const char *name = o->s[0], *as = o->s[1];
	static struct addr_list addrs;
	struct req r;
	int index, in;

	*step = STEP_FIND;
	if (host_sock < 0 && (host_sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		return -1;
	if ((index = link_index(host_sock, name, 0)) < 0)
		return -1;
	*step = STEP_NETNS;
	if (netns < 0) {
		char path[64];

		snprintf(path, sizeof path, "/proc/%d/ns/net", (int)init);
		if ((netns = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return -1;
	}
	*step = STEP_JOIN;
	if (ns_sock < 0) {
		if (setns(netns, CLONE_NEWNET) < 0)
			return -1;
		if ((ns_sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
			return -1;
	}
	/*
	 * The kernel moves first and renames after, so a clash would leave the device in
	 * the container under its host name: look before touching it. A "%d" template is
	 * numbered by the kernel and never clashes.
	 */
	*step = STEP_CLASH;
	if (!strchr(as, '%') && link_index(ns_sock, as, 0) >= 0)
		return errno = EEXIST, -1;
	/*
	 * The addresses before the link goes down: down flushes its IPv6 ones (unless
	 * keep_addr_on_down), which runc, listing them after, loses.
	 */
	*step = STEP_ADDRS;
	start(&r, RTM_GETADDR, NLM_F_DUMP, sizeof r.addr);
	addrs.index = index;
	addrs.n = 0;
	if (talk(host_sock, &r, keep_addr, &addrs) < 0)
		return -1;
	*step = STEP_DOWN;
	/* Down before the move, so nothing on the host uses it half moved (as runc does). */
	if (set_up(host_sock, index, 0) < 0)
		return -1;
	*step = STEP_MOVE;
	start(&r, RTM_NEWLINK, NLM_F_ACK, sizeof r.link);
	r.link.ifi_index = index;
	add_attr(&r, IFLA_IFNAME, as, strlen(as) + 1);
	uint32_t nsfd = netns;
	add_attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
	if (talk(host_sock, &r, NULL, NULL) < 0)
		return -1;
	*step = STEP_FIND_IN;
	/* A template's name is the kernel's: find it by its index, which moves with it. */
	if ((in = link_index(ns_sock, strchr(as, '%') ? NULL : as, strchr(as, '%') ? index : 0)) < 0)
		return -1;
	*step = STEP_ADDR_ADD;
	for (int i = 0; i < addrs.n; i++)
		if (add_addr(ns_sock, in, &addrs.a[i]) < 0)
			return -1;
	*step = STEP_UP;
	return set_up(ns_sock, in, 1);
}

/* hostName, name */
void op_netdevice(const struct op *o)
{
	const char *name = o->s[0], *as = o->s[1];
	int step;

	if (helper_result(&step) >= 0)
		return;
	switch (step) {
	case STEP_FIND:
		fail("find network interface %s on the host", name);
	case STEP_DOWN:
		fail("set network interface %s down", name);
	case STEP_ADDRS:
		fail("list the addresses of network interface %s", name);
	case STEP_NETNS:
		fail("open the container's network namespace for %s", name);
	case STEP_CLASH:
		fail("move network interface %s into the container as %s: the container already "
		     "has an interface of that name (a name ending in %%d is numbered by the kernel)",
		     name, as);
	case STEP_MOVE:
		fail("move network interface %s into the container as %s", name, as);
	case STEP_JOIN:
		fail("join the container's network namespace to set up %s", as);
	case STEP_FIND_IN:
		fail("find network interface %s in the container", as);
	case STEP_ADDR_ADD:
		fail("add the addresses of %s to %s in the container", name, as);
	case STEP_UP:
		fail("set network interface %s up in the container", as);
	}
	fail("move network interface %s: the privileged helper could not join the container "
	     "(moving network devices needs runt run as root)", name);
}

/* A new network namespace's loopback set up, as runc's init does before the mounts. */
void op_loopbackup(const struct op *o)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)o;
	if (fd < 0)
		fail("socket to set lo up");
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		fail("read the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		fail("set lo up");
	close(fd);
}
