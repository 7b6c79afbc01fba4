/*
 * policy.c - identifier syntax policy. DNS names: lower-cased LDH labels of
 * 1..63 octets, at most 253 in all, at least two labels, no trailing dot, a
 * final label that is not all digits, a wildcard only as a whole leftmost
 * "*." label, no reserved LDH label ("--" in the third and fourth positions)
 * other than an XN-label, and no name in an IP reverse zone (in-addr.arpa,
 * ip6.arpa), as BR 7.1.2.7.12 requires. IP addresses (RFC 8738): IPv4
 * dotted quad or IPv6, normalized to RFC 5952 text. Public-suffix and
 * blocklist checks belong to the validation-policy work (XXX #3), and so
 * does checking that an XN-label holds valid Punycode (a P-Label).
 */
#include "policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* True when name is suffix or ends in "." suffix. */
static bool dns_name_in_zone(const char *name, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && strcmp(name + len - n, suffix) == 0 &&
	    (len == n || name[len - n - 1] == '.');
}

static int dns_name_check(const char *name)
{
	size_t len = strlen(name), label = 0, labels = 0;
	bool all_digits = true;
	const char *p, *start = name;

	if (len == 0)
		return cn_err_set(CN_ERR_REJECTED_ID, "empty DNS name");
	if (len > CA_MAX_DNS_NAME)
		return cn_err_set(CN_ERR_REJECTED_ID, "DNS name is longer than %d octets", CA_MAX_DNS_NAME);
	if (name[len - 1] == '.')
		return cn_err_set(CN_ERR_REJECTED_ID, "DNS name '%.253s' ends with a dot", name);
	for (p = name; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0)
				return cn_err_set(CN_ERR_REJECTED_ID, "DNS name '%.253s' has an empty label", name);
			if (p[-1] == '-')
				return cn_err_set(CN_ERR_REJECTED_ID,
				    "a label of '%.253s' ends with a hyphen", name);
			/* BR 7.1.2.7.12: P-Labels or Non-Reserved LDH Labels only. */
			if (label >= 4 && start[2] == '-' && start[3] == '-' &&
			    strncmp(start, "xn", 2) != 0)
				return cn_err_set(CN_ERR_REJECTED_ID,
				    "a label of '%.253s' is a reserved LDH label ('--' in positions 3-4)",
				    name);
			labels++;
			if (*p == '\0')
				break;
			label = 0;
			start = p + 1;
			all_digits = true;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || *p == '-'))
			return cn_err_set(CN_ERR_REJECTED_ID,
			    "DNS name '%.253s' has a character outside letters, digits and hyphen", name);
		if (label == 0 && *p == '-')
			return cn_err_set(CN_ERR_REJECTED_ID, "a label of '%.253s' starts with a hyphen", name);
		if (!isdigit((unsigned char)*p))
			all_digits = false;
		if (++label > 63)
			return cn_err_set(CN_ERR_REJECTED_ID, "a label of '%.253s' is longer than 63 octets", name);
	}
	if (labels < 2)
		return cn_err_set(CN_ERR_REJECTED_ID, "DNS name '%.253s' has fewer than two labels", name);
	if (all_digits)
		return cn_err_set(CN_ERR_REJECTED_ID,
		    "DNS name '%.253s' ends in a numeric label (an IP address is an \"ip\" identifier)", name);
	/* BR 4.2.2 and 7.1.2.7.12 (effective 2026-03-15). */
	if (dns_name_in_zone(name, len, "in-addr.arpa") || dns_name_in_zone(name, len, "ip6.arpa"))
		return cn_err_set(CN_ERR_REJECTED_ID,
		    "DNS name '%.253s' is in an IP reverse zone (an IP address is an \"ip\" identifier)",
		    name);
	return 0;
}

int ca_policy_identifier(const struct ca_config *cfg, const char *type, const char *value,
    struct ca_identifier *out)
{
	char *norm = NULL;
	size_t i, len;
	bool wildcard = false;
	int r;

	(void)cfg;
	memset(out, 0, sizeof(*out));
	if (strcmp(type, "dns") == 0) {
		len = strlen(value);
		if (len > CA_MAX_DNS_NAME + 2)
			return cn_err_set(CN_ERR_REJECTED_ID, "DNS name is longer than %d octets",
			    CA_MAX_DNS_NAME);
		if (strncmp(value, "*.", 2) == 0) {
			wildcard = true;
			value += 2;
			len -= 2;
		}
		norm = cn_xstrndup(value, len);
		for (i = 0; i < len; i++)
			norm[i] = (char)tolower((unsigned char)norm[i]);
		r = dns_name_check(norm);
		if (r != 0) {
			free(norm);
			return r;
		}
	} else if (strcmp(type, "ip") == 0) {
		unsigned char bin[16];
		char text[INET6_ADDRSTRLEN];
		int af = strchr(value, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(af, value, bin) != 1 || inet_ntop(af, bin, text, sizeof(text)) == NULL)
			return cn_err_set(CN_ERR_REJECTED_ID, "'%.64s' is not an IP address", value);
		norm = cn_xstrdup(text);
	} else {
		return cn_err_set(CN_ERR_UNSUPPORTED_ID, "identifier type '%.32s' is not supported", type);
	}
	snprintf(out->type, sizeof(out->type), "%s", type);
	out->value = norm;
	out->wildcard = wildcard;
	return 0;
}

void ca_identifier_cleanup(struct ca_identifier *id)
{
	free(id->value);
	id->value = NULL;
}

const char *const *ca_policy_challenges(const struct ca_identifier *id)
{
	static const char *const dns_all[] = {"http-01", "dns-01", "tls-alpn-01", NULL};
	static const char *const dns_wild[] = {"dns-01", NULL};
	static const char *const ip[] = {"http-01", "tls-alpn-01", NULL};

	if (strcmp(id->type, "ip") == 0)
		return ip;
	return id->wildcard ? dns_wild : dns_all;
}
