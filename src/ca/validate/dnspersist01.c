/*
 * dnspersist01.c - the dns-persist-01 challenge (draft-ietf-acme-dns-
 * persist, sections 3 to 7; CA/B BR 3.2.2.4.22). The TXT records at
 * "_validation-persist." NAME are RFC 8659 section 4.2 issue-values; the
 * one whose issuer-domain-name is one of this CA's issuer domain names
 * (compared in lower case) must carry
 *   accounturi=<the account URL> (RFC 8657 section 3), exactly,
 *   policy=wildcard (tag and value case-insensitive) for a wildcard or a
 *     subdomain (sections 5 and 6),
 *   persistUntil=<Unix time> (optional) not in the past (section 4 item 5,
 *     7.9: no validation completes after it);
 * unknown parameters are ignored (section 4 item 1). Records naming other
 * issuers are ignored (4.1.2).
 *
 * Subdomains (sections 5, 6.1, 6.2): a record at _validation-persist.P with
 * policy=wildcard validates P, *.P and every name below P. For DOMAIN the
 * label is asked at DOMAIN and, all at once, at each parent of DOMAIN up to
 * the caller's `top` (the registrable domain: never above it) and at most
 * CA_DNS_PERSIST_MAX_LEVELS names in all; each parent is a proper suffix of
 * DOMAIN on a label boundary. The most specific name with a matching record
 * wins. At DOMAIN itself a record without policy=wildcard validates DOMAIN
 * only; a wildcard needs policy=wildcard at every level.
 *
 * TTL (7.8): the match reports the TTL of the record's RRset (the resolver
 * reads the TTLs the server sent); ca_dns_persist_reuse_until caps the
 * reuse period of the validation by it. persistUntil does not shorten the
 * reuse of a validation that completed (7.8).
 *
 * Left out: multi-perspective corroboration; CAA is the caller's, as for
 * dns-01. Note: the TTL cap is under discussion (draft issue #42 would drop
 * it); the validation itself is never refused for a short TTL, only its
 * reuse for later orders is.
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
#define RR_TXT 16

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
    bool need_policy, int64_t now)
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
	if (need_policy && !policy_wildcard)
		return cn_err_set(CN_ERR_INCORRECT_RESPONSE,
		    "the record lacks policy=wildcard, which a wildcard or a subdomain of "
		    "its name needs (draft-ietf-acme-dns-persist section 5)");
	return 0;
}

bool ca_dns_name_is_below(const char *name, const char *parent)
{
	size_t n = strlen(name), p = strlen(parent);

	/* "a.example.com" is below "example.com"; "badexample.com" is not */
	return p > 0 && n > p + 1 && name[n - p - 1] == '.' && strcasecmp(name + n - p, parent) == 0;
}

size_t ca_dns_persist_walk(const char *domain, const char *top, const char **names, size_t max)
{
	const char *p = domain;
	size_t n = 0, top_len;

	if (max > CA_DNS_PERSIST_MAX_LEVELS)
		max = CA_DNS_PERSIST_MAX_LEVELS;
	if (max == 0)
		return 0;
	names[n++] = domain;
	if (top == NULL || !ca_dns_name_is_below(domain, top))
		return n;
	top_len = strlen(top);
	while (n < max) {
		p = strchr(p, '.');
		if (p == NULL || strlen(++p) < top_len)
			break;
		names[n++] = p;
		if (strlen(p) == top_len)
			break; /* p is top: a label-boundary suffix of the same length */
	}
	return n;
}

int64_t ca_dns_persist_reuse_until(int64_t validated, int64_t reuse_s, uint32_t ttl_s)
{
	if (reuse_s < 0)
		reuse_s = 0;
	return validated + ((int64_t)ttl_s < reuse_s ? (int64_t)ttl_s : reuse_s);
}

int ca_validate_dns_persist01(const struct ca_validate_cfg *cfg_in, struct ca_resolver *r,
    const char *domain, bool wildcard, const char *top, const char *issuers_csv,
    const char *account_uri, int64_t now, int timeout_ms, struct ca_dns_persist_match *match)
{
	struct ca_validate_cfg cfg;
	struct ca_rrset sets[CA_DNS_PERSIST_MAX_LEVELS];
	const char *levels[CA_DNS_PERSIST_MAX_LEVELS];
	char qnames[CA_DNS_PERSIST_MAX_LEVELS][CA_V_MAX_NAME + sizeof(LABEL) + 1];
	char why[640] = "", dns_why[640] = "";
	char *txt = NULL;
	size_t nl = 0, i, j, total = 0, ours = 0;
	int rc, dns_rc = 0;

	memset(sets, 0, sizeof(sets));
	ca_v_cfg_fill(cfg_in, &cfg);
	if (strncmp(domain, "*.", 2) == 0) {
		domain += 2;
		wildcard = true;
	}
	if (!ca_v_is_hostname(domain)) {
		rc = cn_err_set(CN_ERR_MALFORMED, "'%.80s' is not a valid domain name", domain);
		goto out;
	}
	nl = ca_dns_persist_walk(domain, top, levels, CA_DNS_PERSIST_MAX_LEVELS);
	for (i = 0; i < nl; i++) {
		snprintf(qnames[i], sizeof(qnames[i]), LABEL "%s", levels[i]);
		sets[i].name = qnames[i];
	}
	rc = ca_resolve_rrsets_by(r, RR_TXT, sets, nl,
	    ca_v_now_ms() + (timeout_ms > 0 ? timeout_ms : cfg.total_timeout_ms));
	if (rc != 0)
		goto out;
	for (i = 0; i < nl; i++) {
		if (sets[i].rc != 0) {
			if (dns_rc == 0) {
				dns_rc = sets[i].rc;
				snprintf(dns_why, sizeof(dns_why), "%.600s", sets[i].why ? sets[i].why : "");
			}
			continue;
		}
		for (j = 0; j < sets[i].n; j++) {
			total++;
			free(txt);
			txt = NULL;
			if (ca_v_txt_join(sets[i].rdata[j], sets[i].rdata_len[j], &txt) != 0) {
				if (dns_rc == 0) {
					dns_rc = CN_ERR_DNS;
					snprintf(dns_why, sizeof(dns_why),
					    "malformed or oversized TXT record at %.280s", qnames[i]);
				}
				continue;
			}
			rc = ca_dns_persist_record_check(txt, issuers_csv, account_uri, wildcard || i > 0,
			    now);
			if (rc == 0) {
				CN_LOG(CN_LOG_DEBUG, "validate", "dns-persist-01 %s%s valid by the record at "
				    "%s (TTL %lu)", wildcard ? "*." : "", domain, qnames[i],
				    (unsigned long)sets[i].ttl);
				if (match != NULL) {
					snprintf(match->fqdn, sizeof(match->fqdn), "%s", levels[i]);
					match->ttl_s = sets[i].ttl;
					match->level = i;
				}
				goto out;
			}
			if (rc != CN_ERR_NOT_FOUND && ours++ == 0)
				snprintf(why, sizeof(why), "%.280s: %.350s", qnames[i], cn_err_detail());
		}
	}
	if (ours > 0)
		rc = cn_err_set(CN_ERR_INCORRECT_RESPONSE, "%s", why);
	else if (dns_rc != 0)
		rc = cn_err_set(dns_rc, "%s", dns_why);
	else if (total == 0 && nl > 1)
		rc = cn_err_set(CN_ERR_UNAUTHORIZED, "no TXT record found at %s, nor at "
		    "_validation-persist of its parents up to %s", qnames[0], levels[nl - 1]);
	else if (total == 0)
		rc = cn_err_set(CN_ERR_UNAUTHORIZED, "no TXT record found at %s", qnames[0]);
	else
		rc = cn_err_set(CN_ERR_INCORRECT_RESPONSE,
		    "%zu TXT record%s at %s%s, none for issuer %s", total, total == 1 ? "" : "s",
		    qnames[0], nl > 1 ? " and its parents" : "", issuers_csv);
out:
	free(txt);
	for (i = 0; i < nl; i++)
		ca_rrset_cleanup(&sets[i]);
	return rc;
}
