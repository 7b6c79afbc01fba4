/*
 * dnspersist01.c - the dns-persist-01 challenge (draft-ietf-acme-dns-
 * persist, sections 3 and 4; CA/B BR 3.2.2.4.22). The TXT records at
 * "_validation-persist." DOMAIN (a wildcard's "*." left off) are RFC 8659
 * section 4.2 issue-values; the one whose issuer-domain-name is one of this
 * CA's issuer domain names (compared in lower case) must carry
 *   accounturi=<the account URL> (RFC 8657 section 3), exactly,
 *   policy=wildcard (tag and value case-insensitive) for a wildcard,
 *   persistUntil=<Unix time> (optional) not in the past (section 4 item 5);
 * unknown parameters are ignored (section 4 item 1). Records naming other
 * issuers are ignored (4.1.2).
 *
 * Left out: the TTL cap on reuse (7.8: the resolver does not return TTLs;
 * reuse is bounded by the profile's authorization lifetime instead),
 * issuing for subdomains under policy=wildcard (6: an authorization here
 * covers exactly its identifier), just-in-time validation at newOrder
 * (4.2, a MAY), multi-perspective corroboration and CAA (as for dns-01).
 */
#include "validate/validate.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "validate/validate_int.h"

#define LABEL "_validation-persist."
#define MAX_ISSUERS 10
#define MAX_ISSUER_LEN 253

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

/* RFC 8659: (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)); returns its length. */
static size_t token_len(const char *p)
{
	size_t n = 0;

	if (!is_alnum(p[0]))
		return 0;
	while (is_alnum(p[n]) || (p[n] == '-' && (is_alnum(p[n + 1]) || p[n + 1] == '-')))
		n++;
	while (n > 0 && p[n - 1] == '-')
		n--;
	return n;
}

/* issuer-domain-name = label *("." label); returns its length (0: none). */
static size_t issuer_len(const char *p)
{
	size_t n = 0, l;

	for (;;) {
		l = token_len(p + n);
		if (l == 0)
			return n == 0 ? 0 : n - 1; /* drop a dangling "." */
		n += l;
		if (p[n] != '.')
			return n;
		n++;
	}
}

/* Whether the issuer (len bytes) is one of the comma-separated names. */
static bool issuer_listed(const char *issuer, size_t len, const char *csv)
{
	const char *p = csv, *e;
	size_t k = 0;

	while (*p && k < MAX_ISSUERS) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p) {
			k++;
			if ((size_t)(e - p) == len && strncasecmp(p, issuer, len) == 0)
				return true;
		}
		p = *e ? e + 1 : e;
	}
	return false;
}

static bool tag_is(const char *tag, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(tag, want, len) == 0;
}

int ca_dns_persist_record_check(const char *txt, const char *issuers_csv, const char *account_uri,
    bool wildcard, int64_t now)
{
	const char *p = txt, *tag, *val, *acct = NULL;
	size_t n, tag_len, val_len, acct_len = 0;
	bool policy_wildcard = false, seen_until = false, seen_policy = false;
	long long until = 0;
	char num[24], *end = NULL;

	while (is_wsp(*p))
		p++;
	n = issuer_len(p);
	if (n == 0 || n > MAX_ISSUER_LEN || !issuer_listed(p, n, issuers_csv))
		return cn_err_set(CN_ERR_NOT_FOUND, "record names another issuer");
	p += n;
	while (is_wsp(*p))
		p++;
	if (*p != '\0' && *p != ';')
		return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record is not an issue-value");
	while (*p == ';') {
		p++;
		while (is_wsp(*p))
			p++;
		if (*p == '\0')
			break;
		tag = p;
		tag_len = token_len(p);
		if (tag_len == 0)
			return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record has a malformed parameter");
		p += tag_len;
		while (is_wsp(*p))
			p++;
		if (*p != '=')
			return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record has a parameter without '='");
		p++;
		while (is_wsp(*p))
			p++;
		val = p;
		while (*p >= 0x21 && *p <= 0x7e && *p != ';')
			p++;
		val_len = (size_t)(p - val);
		while (is_wsp(*p))
			p++;
		if (*p != '\0' && *p != ';')
			return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record has a malformed value");
		if (tag_is(tag, tag_len, "accounturi")) {
			if (acct != NULL)
				return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record has two accounturi");
			acct = val;
			acct_len = val_len;
		} else if (tag_is(tag, tag_len, "policy")) {
			if (seen_policy)
				return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record has two policy");
			seen_policy = true;
			policy_wildcard = val_len == 8 && strncasecmp(val, "wildcard", 8) == 0;
		} else if (tag_is(tag, tag_len, "persistUntil")) {
			if (seen_until || val_len == 0 || val_len >= sizeof(num))
				return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record has a bad persistUntil");
			memcpy(num, val, val_len);
			num[val_len] = '\0';
			errno = 0;
			until = strtoll(num, &end, 10);
			if (errno != 0 || *end != '\0' || !isdigit((unsigned char)num[0]))
				return cn_err_set(CN_ERR_INCORRECT_RESPONSE,
				    "record has a bad persistUntil");
			seen_until = true;
		}
		/* Other tags are ignored (section 4 item 1). */
	}
	if (acct == NULL)
		return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record has no accounturi");
	if (strlen(account_uri) != acct_len || memcmp(acct, account_uri, acct_len) != 0)
		return cn_err_set(CN_ERR_INCORRECT_RESPONSE,
		    "record's accounturi is not this account (%s)", account_uri);
	if (seen_until && now > until)
		return cn_err_set(CN_ERR_INCORRECT_RESPONSE, "record's persistUntil %lld has passed",
		    until);
	if (wildcard && !policy_wildcard)
		return cn_err_set(CN_ERR_INCORRECT_RESPONSE,
		    "a wildcard needs policy=wildcard in the record");
	return 0;
}

int ca_validate_dns_persist01(const struct ca_validate_cfg *cfg_in, struct ca_resolver *r,
    const char *domain, bool wildcard, const char *issuers_csv, const char *account_uri,
    int64_t now)
{
	struct ca_validate_cfg cfg;
	char name[CA_V_MAX_NAME + sizeof(LABEL) + 1];
	char why[256] = "";
	char **txts = NULL;
	size_t n = 0, i, ours = 0;
	int rc;

	ca_v_cfg_fill(cfg_in, &cfg);
	if (strncmp(domain, "*.", 2) == 0) {
		domain += 2;
		wildcard = true;
	}
	if (!ca_v_is_hostname(domain)) {
		rc = cn_err_set(CN_ERR_MALFORMED, "'%.80s' is not a valid domain name", domain);
		goto out;
	}
	snprintf(name, sizeof(name), LABEL "%s", domain);
	rc = ca_resolve_txt_by(r, name, ca_v_now_ms() + cfg.total_timeout_ms, &txts, &n);
	if (rc != 0)
		goto out;
	if (n == 0) {
		rc = cn_err_set(CN_ERR_UNAUTHORIZED, "no TXT record found at %s", name);
		goto out;
	}
	for (i = 0; i < n; i++) {
		rc = ca_dns_persist_record_check(txts[i], issuers_csv, account_uri, wildcard, now);
		if (rc == 0) {
			CN_LOG(CN_LOG_DEBUG, "validate", "dns-persist-01 %s valid (record %zu of %zu)",
			    name, i + 1, n);
			goto out;
		}
		if (rc != CN_ERR_NOT_FOUND) {
			ours++;
			snprintf(why, sizeof(why), "%s", cn_err_detail());
		}
	}
	if (ours == 0)
		rc = cn_err_set(CN_ERR_INCORRECT_RESPONSE,
		    "%zu TXT record%s at %s, none for issuer %s", n, n == 1 ? "" : "s", name,
		    issuers_csv);
	else
		rc = cn_err_set(CN_ERR_INCORRECT_RESPONSE, "%s: %s", name, why);
out:
	ca_addrs_free(txts, n);
	return rc;
}
