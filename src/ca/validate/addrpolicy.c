/*
 * addrpolicy.c - which addresses validation may connect to: the SSRF guard
 * of RFC 8555 section 10.4 ("the ACME server ... SHOULD ... not connect to
 * ... internal networks"), as Boulder's bdns does it.
 *
 * Refused: every entry of the IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890 and updates), whether or not the registry calls it
 * globally reachable (AS112, 6to4, Teredo, NAT64 and the like reach
 * somewhere other than the address suggests), plus IPv4 multicast and
 * class E, IPv6 multicast and site-local, and anything outside IPv6 global
 * unicast 2000::/3. cfg->allow_private turns the guard off (tests, labs).
 *
 * Not here: per-identifier policy (which names may be ordered at all).
 */
#include "validate/validate.h"

#include <arpa/inet.h>
#include <string.h>

#include "validate/validate_int.h"

struct range {
	int family; /* 4 or 6 */
	const char *prefix;
	unsigned bits;
	const char *what;
};

/* More specific entries come first so the detail names the closest range. */
static const struct range ranges[] = {
    {4, "0.0.0.0", 8, "\"this network\" (RFC 791)"},
    {4, "10.0.0.0", 8, "private-use (RFC 1918)"},
    {4, "100.64.0.0", 10, "shared address space / CGNAT (RFC 6598)"},
    {4, "127.0.0.0", 8, "loopback (RFC 1122)"},
    {4, "169.254.0.0", 16, "link-local (RFC 3927)"},
    {4, "172.16.0.0", 12, "private-use (RFC 1918)"},
    {4, "192.0.0.0", 24, "IETF protocol assignments (RFC 6890)"},
    {4, "192.0.2.0", 24, "documentation TEST-NET-1 (RFC 5737)"},
    {4, "192.31.196.0", 24, "AS112-v4 (RFC 7535)"},
    {4, "192.52.193.0", 24, "AMT (RFC 7450)"},
    {4, "192.88.99.0", 24, "deprecated 6to4 relay anycast (RFC 7526)"},
    {4, "192.168.0.0", 16, "private-use (RFC 1918)"},
    {4, "192.175.48.0", 24, "direct delegation AS112 service (RFC 7534)"},
    {4, "198.18.0.0", 15, "benchmarking (RFC 2544)"},
    {4, "198.51.100.0", 24, "documentation TEST-NET-2 (RFC 5737)"},
    {4, "203.0.113.0", 24, "documentation TEST-NET-3 (RFC 5737)"},
    {4, "224.0.0.0", 4, "multicast (RFC 5771)"},
    {4, "255.255.255.255", 32, "limited broadcast (RFC 919)"},
    {4, "240.0.0.0", 4, "reserved (RFC 1112)"},
    {6, "::", 128, "unspecified address (RFC 4291)"},
    {6, "::1", 128, "loopback (RFC 4291)"},
    {6, "::ffff:0:0", 96, "IPv4-mapped (RFC 4291)"},
    {6, "::", 96, "IPv4-compatible, deprecated (RFC 4291)"},
    {6, "64:ff9b::", 96, "IPv4/IPv6 translation / NAT64 (RFC 6052)"},
    {6, "64:ff9b:1::", 48, "local-use IPv4/IPv6 translation (RFC 8215)"},
    {6, "100::", 64, "discard-only (RFC 6666)"},
    {6, "100:0:0:1::", 64, "dummy IPv6 prefix (RFC 9780)"},
    {6, "2001::", 32, "Teredo (RFC 4380)"},
    {6, "2001:2::", 48, "benchmarking (RFC 5180)"},
    {6, "2001:db8::", 32, "documentation (RFC 3849)"},
    {6, "2001:10::", 28, "deprecated ORCHID (RFC 4843)"},
    {6, "2001:20::", 28, "ORCHIDv2 (RFC 7343)"},
    {6, "2001::", 23, "IETF protocol assignments (RFC 2928)"},
    {6, "2002::", 16, "6to4 (RFC 3056)"},
    {6, "2620:4f:8000::", 48, "direct delegation AS112 service (RFC 7534)"},
    {6, "3fff::", 20, "documentation (RFC 9637)"},
    {6, "5f00::", 16, "segment routing SIDs (RFC 9602)"},
    {6, "fc00::", 7, "unique-local (RFC 4193)"},
    {6, "fe80::", 10, "link-local unicast (RFC 4291)"},
    {6, "fec0::", 10, "deprecated site-local (RFC 3879)"},
    {6, "ff00::", 8, "multicast (RFC 4291)"},
    {6, "::", 0, "outside global unicast 2000::/3 (RFC 4291)"}, /* only if not in 2000::/3 */
};

static bool prefix_match(const unsigned char *a, const unsigned char *p, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, p, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (p[full] & mask);
}

int ca_addr_check(const struct ca_validate_cfg *cfg, const char *addr)
{
	unsigned char bin[16], pfx[16];
	size_t i;
	int family;

	if (addr == NULL || !ca_v_is_ip(addr, &family))
		return cn_err_set(CN_ERR_CONNECTION, "'%.64s' is not an IP address", addr ? addr : "(null)");
	if (cfg->allow_private)
		return 0;
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, addr, bin) != 1)
		return cn_err_set(CN_ERR_CONNECTION, "'%.64s' is not an IP address", addr);
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct range *g = &ranges[i];

		if (g->family != family)
			continue;
		if (g->bits == 0) {
			/* the catch-all: IPv6 outside 2000::/3 */
			if ((bin[0] & 0xe0) == 0x20)
				continue;
		} else {
			if (inet_pton(family == 4 ? AF_INET : AF_INET6, g->prefix, pfx) != 1)
				continue; /* cannot happen: the table is ours */
			if (!prefix_match(bin, pfx, g->bits))
				continue;
		}
		if (g->bits == 0)
			return cn_err_set(CN_ERR_CONNECTION,
			    "%s is %s; the CA does not connect to such addresses", addr, g->what);
		return cn_err_set(CN_ERR_CONNECTION,
		    "%s is in %s/%u, %s; the CA does not connect to such addresses", addr, g->prefix, g->bits,
		    g->what);
	}
	return 0;
}
