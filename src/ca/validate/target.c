/*
 * target.c - what the challenge validators share: configuration defaults,
 * deadlines on CLOCK_MONOTONIC, host name syntax, and the choice of the
 * addresses to contact for an identifier (RFC 8555 section 8.3 and RFC 8737
 * section 3: "one of the IP addresses returned"; like Boulder, the first
 * IPv6 address and, should connecting to it fail, the first IPv4 one; RFC
 * 8738 section 3: an IP identifier is contacted at the address itself).
 * Every address is put through the SSRF guard of addrpolicy.c first.
 */
#include "validate/validate.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "validate/validate_int.h"

void ca_v_cfg_fill(const struct ca_validate_cfg *in, struct ca_validate_cfg *out)
{
	*out = *in;
	if (out->http01_port <= 0)
		out->http01_port = CA_VALIDATE_HTTP01_PORT;
	if (out->tlsalpn01_port <= 0)
		out->tlsalpn01_port = CA_VALIDATE_TLSALPN01_PORT;
	if (out->connect_timeout_ms <= 0)
		out->connect_timeout_ms = CA_VALIDATE_CONNECT_TIMEOUT_MS;
	if (out->total_timeout_ms <= 0)
		out->total_timeout_ms = CA_VALIDATE_TOTAL_TIMEOUT_MS;
	if (out->max_body == 0)
		out->max_body = CA_VALIDATE_MAX_BODY;
	if (out->max_redirects == 0)
		out->max_redirects = CA_VALIDATE_MAX_REDIRECTS;
	else if (out->max_redirects < 0)
		out->max_redirects = 0;
}

int64_t ca_v_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ca_v_left_ms(int64_t deadline)
{
	int64_t left = deadline - ca_v_now_ms();

	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

static bool is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool ca_v_is_hostname(const char *name)
{
	size_t len, i, start = 0, labels = 0;
	bool digits = true;

	len = strlen(name);
	if (len == 0 || len > CA_V_MAX_NAME)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			size_t ll = i - start;

			if (ll == 0 || ll > 63 || name[start] == '-' || name[i - 1] == '-')
				return false;
			labels++;
			if (i < len)
				digits = true;
			start = i + 1;
			continue;
		}
		if (!is_ldh(name[i]))
			return false;
		if (name[i] < '0' || name[i] > '9')
			digits = false;
	}
	/* the last label's digits flag survives the loop */
	return labels >= 2 && !digits;
}

bool ca_v_is_ip(const char *s, int *family)
{
	unsigned char bin[16];

	if (inet_pton(AF_INET, s, bin) == 1) {
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, bin) == 1) {
		*family = 6;
		return true;
	}
	return false;
}

int ca_v_targets(const struct ca_validate_cfg *cfg, struct ca_resolver *r, const char *id_type,
    const char *id_value, int64_t deadline, char ***addrs, size_t *n)
{
	char **found = NULL, **list = NULL;
	char why[512];
	const char *v6 = NULL, *v4 = NULL;
	size_t nfound = 0, cnt = 0, i;
	int rc, family = 0;

	if (strcmp(id_type, "ip") == 0) {
		if (!ca_v_is_ip(id_value, &family))
			return cn_err_set(CN_ERR_MALFORMED, "IP identifier '%.64s' is not an IP address", id_value);
		rc = ca_addr_check(cfg, id_value);
		if (rc != 0)
			return rc;
		list = cn_xcalloc(1, sizeof(*list));
		list[0] = cn_xstrdup(id_value);
		*addrs = list;
		*n = 1;
		return 0;
	}
	if (strcmp(id_type, "dns") != 0)
		return cn_err_set(CN_ERR_MALFORMED, "unknown identifier type '%.32s'", id_type);
	if (!ca_v_is_hostname(id_value))
		return cn_err_set(CN_ERR_MALFORMED, "'%.80s' is not a valid host name", id_value);
	rc = ca_resolve_addrs_by(r, id_value, deadline, &found, &nfound);
	if (rc != 0)
		return rc;
	for (i = 0; i < nfound; i++) {
		if (ca_addr_check(cfg, found[i]) != 0)
			continue;
		ca_v_is_ip(found[i], &family);
		if (family == 6 && v6 == NULL)
			v6 = found[i];
		if (family == 4 && v4 == NULL)
			v4 = found[i];
	}
	if (v6 == NULL && v4 == NULL) {
		rc = ca_addr_check(cfg, found[0]);
		snprintf(why, sizeof(why), "%s", cn_err_detail());
		rc = cn_err_set(rc, "%s has no address the CA may connect to: %s", id_value, why);
		goto out;
	}
	list = cn_xcalloc(2, sizeof(*list));
	if (v6 != NULL)
		list[cnt++] = cn_xstrdup(v6);
	if (v4 != NULL)
		list[cnt++] = cn_xstrdup(v4);
	*addrs = list;
	*n = cnt;
	rc = 0;
out:
	ca_addrs_free(found, nfound);
	return rc;
}
