/*
 * caa.c - CAA checking (RFC 8659; RFC 8657 accounturi and
 * validationmethods; CA/B BR 3.2.2.8).
 *
 * Lookup (section 3): the CAA RRset of the name, else of its parent, and so
 * on up to the top-level label (the root is never asked). All levels are
 * asked at once through resolver.c and the lowest level with records wins;
 * a failed lookup at or below that level refuses issuance (BR 3.2.2.8: a
 * lookup failure is permission only under conditions we do not try to
 * establish; 3.2.2.8.1: a DNSSEC failure never is). CNAMEs are followed by
 * the resolver, as section 3 requires ("chasing aliases").
 *
 * Decision (sections 4.2-4.5): the critical flag on a tag we do not know
 * refuses; issuewild takes precedence for wildcards; an issue-value that
 * does not match the section 4.2 grammar authorizes nobody; parameters
 * other than accounturi and validationmethods are ignored (section 4.2:
 * their meaning is the issuer's to define). Parameter names are matched
 * case-insensitively, so that "AccountURI=" restricts rather than being
 * ignored; accounturi values and validation method labels exactly.
 *
 * Not here: iodef reporting (BR 3.2.2.8 does not require acting on it;
 * refusals are logged), multi-perspective corroboration (perspective.c),
 * the CAA TTL (the recheck age of the callers stays within BR 3.2.2.8's
 * "8 hours").
 */
#include "validate/caa.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "validate/validate_int.h"

/* Records quoted in a refusal, and bytes of each value quoted. */
#define QUOTE_RECORDS 3
#define QUOTE_BYTES 64
/* cn_err_set keeps 512 bytes of detail: more would be cut anyway. */
#define MAX_DETAIL 512

/* Property tags we implement or know to be irrelevant to TLS issuance. */
static const char *const known_tags[] = {
    "issue", "issuewild", "iodef",
    /* IANA "Certification Authority Restriction Properties": S/MIME (RFC
     * 9495), VMC and the BR contact tags; they do not concern us, but they
     * are not unknown, so their critical flag does not stop TLS issuance. */
    "issuemail", "issuevmc", "contactemail", "contactphone",
};

void ca_caa_rr_cleanup(struct ca_caa_rr *rr)
{
	if (rr == NULL)
		return;
	free(rr->value);
	rr->value = NULL;
	rr->value_len = 0;
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int ca_caa_rr_parse(const unsigned char *rdata, size_t len, struct ca_caa_rr *out)
{
	size_t tag_len, i;

	if (rdata == NULL || len < 2)
		return cn_err_set(CN_ERR_MALFORMED, "CAA record of %zu octets is truncated", len);
	if (len > CA_CAA_MAX_RDATA)
		return cn_err_set(CN_ERR_MALFORMED, "CAA record of %zu octets is too long", len);
	tag_len = rdata[1];
	if (tag_len == 0)
		return cn_err_set(CN_ERR_MALFORMED, "CAA record with an empty tag");
	if (tag_len > len - 2)
		return cn_err_set(CN_ERR_MALFORMED, "CAA record tag runs past the record");
	for (i = 0; i < tag_len; i++)
		if (!is_alnum(rdata[2 + i]))
			return cn_err_set(CN_ERR_MALFORMED,
			    "CAA record tag has a character other than letters and digits");
	memset(out, 0, sizeof(*out));
	out->flags = rdata[0];
	memcpy(out->tag, rdata + 2, tag_len);
	out->tag[tag_len] = '\0';
	out->value_len = len - 2 - tag_len;
	out->value = cn_xmalloc(out->value_len + 1);
	memcpy(out->value, rdata + 2 + tag_len, out->value_len);
	out->value[out->value_len] = '\0';
	return 0;
}

/* ---- the issue-value grammar of RFC 8659 section 4.2 */

/* A parsed issue or issuewild value; pointers into the value. */
struct issue_val {
	bool ok;                  /* matches the grammar */
	const char *issuer;       /* issuer-domain-name, or NULL when empty */
	size_t issuer_len;
	int n_account;            /* accounturi parameters seen */
	const char *account;
	size_t account_len;
	int n_methods;            /* validationmethods parameters seen */
	const char *methods;
	size_t methods_len;
};

static bool is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_wsp(const char *p, const char *end)
{
	while (p < end && is_wsp((unsigned char)*p))
		p++;
	return p;
}

/* label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)); same shape as a parameter tag. */
static const char *scan_label(const char *p, const char *end)
{
	const char *last;

	if (p >= end || !is_alnum((unsigned char)*p))
		return NULL;
	last = p++;
	while (p < end && (is_alnum((unsigned char)*p) || *p == '-')) {
		if (*p != '-')
			last = p;
		p++;
	}
	return last + 1; /* a trailing run of hyphens is not part of the label */
}

/* issuer-domain-name = label *("." label) */
static const char *scan_domain(const char *p, const char *end)
{
	p = scan_label(p, end);
	while (p != NULL && p < end && *p == '.')
		p = scan_label(p + 1, end);
	return p;
}

static bool span_ieq(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(p, word, len) == 0;
}

static void issue_parse(const char *v, size_t len, struct issue_val *iv)
{
	const char *p = v, *end = v + len, *q, *tag;
	size_t tag_len;

	memset(iv, 0, sizeof(*iv));
	if (memchr(v, '\0', len) != NULL)
		return;
	p = skip_wsp(p, end);
	if (p < end && is_alnum((unsigned char)*p)) {
		q = scan_domain(p, end);
		if (q == NULL)
			return;
		iv->issuer = p;
		iv->issuer_len = (size_t)(q - p);
		p = skip_wsp(q, end);
	}
	if (p == end) {
		iv->ok = true;
		return;
	}
	if (*p != ';')
		return;
	p = skip_wsp(p + 1, end);
	if (p == end) {
		iv->ok = true;
		return;
	}
	for (;;) {
		/* parameter = tag *WSP "=" *WSP value */
		tag = p;
		q = scan_label(p, end);
		if (q == NULL)
			return;
		tag_len = (size_t)(q - tag);
		p = skip_wsp(q, end);
		if (p == end || *p != '=')
			return;
		p = skip_wsp(p + 1, end);
		q = p;
		/* value = *(%x21-3A / %x3C-7E) */
		while (q < end && (unsigned char)*q >= 0x21 && (unsigned char)*q <= 0x7e && *q != ';')
			q++;
		if (span_ieq(tag, tag_len, "accounturi")) {
			iv->n_account++;
			iv->account = p;
			iv->account_len = (size_t)(q - p);
		} else if (span_ieq(tag, tag_len, "validationmethods")) {
			iv->n_methods++;
			iv->methods = p;
			iv->methods_len = (size_t)(q - p);
		}
		p = skip_wsp(q, end);
		if (p == end) {
			iv->ok = true;
			return;
		}
		if (*p != ';')
			return;
		p = skip_wsp(p + 1, end);
	}
}

/* True if the comma-separated identities hold name (ASCII case-insensitive). */
static bool is_our_identity(const char *identities, const char *name, size_t len)
{
	const char *p = identities, *e;
	size_t n;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		e = p;
		while (*e != '\0' && *e != ',')
			e++;
		n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0 && n == len && strncasecmp(p, name, len) == 0)
			return true;
		p = e;
	}
	return false;
}

/*
 * RFC 8657 section 4: value = [*(label ",") label], label = 1*(ALPHA /
 * DIGIT / "-"). Sets *ok to whether the list is well-formed; returns true
 * if it is and holds method.
 */
static bool methods_allow(const char *v, size_t len, const char *method, bool *ok)
{
	const char *p = v, *end = v + len, *e;
	bool found = false;
	size_t i;

	*ok = true;
	if (len == 0)
		return false;
	for (;;) {
		e = p;
		while (e < end && *e != ',')
			e++;
		if (e == p) {
			*ok = false;
			return false;
		}
		for (i = 0; p + i < e; i++) {
			if (!is_alnum((unsigned char)p[i]) && p[i] != '-') {
				*ok = false;
				return false;
			}
		}
		if (method != NULL && strlen(method) == (size_t)(e - p) && memcmp(p, method, (size_t)(e - p)) == 0)
			found = true;
		if (e == end)
			return found;
		p = e + 1;
	}
}

/* Why one issue/issuewild property does not authorize us; NULL when it does. */
static const char *property_refuses(const struct ca_caa_req *req, const struct ca_caa_rr *rr)
{
	struct issue_val iv;
	bool ok = false;

	issue_parse(rr->value, rr->value_len, &iv);
	if (!iv.ok)
		return "malformed value: authorizes no CA (RFC 8659 section 4.2)";
	if (iv.issuer == NULL)
		return "no issuer: forbids issuance";
	if (!is_our_identity(req->identities, iv.issuer, iv.issuer_len))
		return "another CA";
	if (iv.n_account > 1)
		return "more than one accounturi: unsatisfiable (RFC 8657 section 3)";
	if (iv.n_account == 1 &&
	    (req->account_uri == NULL || strlen(req->account_uri) != iv.account_len ||
		memcmp(req->account_uri, iv.account, iv.account_len) != 0))
		return "accounturi names another account";
	if (iv.n_methods > 1)
		return "more than one validationmethods: unsatisfiable";
	if (iv.n_methods == 1 && !methods_allow(iv.methods, iv.methods_len, req->method, &ok))
		return ok ? "validationmethods does not list the method used" : "malformed validationmethods";
	return NULL;
}

static bool tag_is(const struct ca_caa_rr *rr, const char *tag)
{
	return strcasecmp(rr->tag, tag) == 0;
}

static bool tag_known(const struct ca_caa_rr *rr)
{
	size_t i;

	for (i = 0; i < sizeof(known_tags) / sizeof(known_tags[0]); i++)
		if (tag_is(rr, known_tags[i]))
			return true;
	return false;
}

/* Appends to a refusal's detail; past MAX_DETAIL a piece is dropped (b stays as it was). */
static void detail_add(struct cn_buf *b, const char *fmt, ...) CN_PRINTF(2, 3);
static void detail_add(struct cn_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cn_buf_vaddf(b, fmt, ap);
	va_end(ap);
	(void)r;
}

/* Appends ` FLAGS TAG "VALUE"` (escaped, shortened) and, when why is set, ` (why)`. */
static void quote_rr(struct cn_buf *b, const struct ca_caa_rr *rr, const char *why)
{
	char tag[4 * 32 + 1], val[4 * QUOTE_BYTES + 1];
	size_t vl = rr->value_len < QUOTE_BYTES ? rr->value_len : QUOTE_BYTES;

	cn_log_escape(rr->tag, strnlen(rr->tag, 32), tag, sizeof(tag));
	cn_log_escape(rr->value, vl, val, sizeof(val));
	detail_add(b, " %u %s \"%s%s\"%s%s%s", rr->flags, tag, val,
	    rr->value_len > QUOTE_BYTES ? "..." : "", why ? " (" : "", why ? why : "", why ? ")" : "");
}

int ca_caa_decide(const struct ca_caa_req *req, const char *domain, const char *owner,
    const struct ca_caa_rr *rrs, size_t n)
{
	const char *want, *why;
	struct cn_buf b;
	size_t i, quoted = 0, considered = 0;
	bool any_wild = false;
	int r;

	if (req == NULL || req->identities == NULL)
		return cn_err_set(CN_ERR_MALFORMED, "CAA check without the CA's identities");
	cn_buf_init(&b, MAX_DETAIL);
	for (i = 0; i < n; i++) {
		if ((rrs[i].flags & CA_CAA_FLAG_CRITICAL) != 0 && !tag_known(&rrs[i])) {
			detail_add(&b, "CAA record for %s%s (at %s) has a critical property this CA does not "
					       "know, so it may not issue (RFC 8659 section 4.5):",
			    req->wildcard ? "*." : "", domain, owner);
			quote_rr(&b, &rrs[i], NULL);
			r = cn_err_set(CN_ERR_CAA, "%s", cn_buf_str(&b));
			goto out;
		}
		if (tag_is(&rrs[i], "issuewild"))
			any_wild = true;
	}
	want = req->wildcard && any_wild ? "issuewild" : "issue";
	for (i = 0; i < n; i++) {
		if (!tag_is(&rrs[i], want))
			continue;
		considered++;
		if (property_refuses(req, &rrs[i]) == NULL) {
			CN_LOG(CN_LOG_DEBUG, "caa", "%s%s: %s at %s authorizes this CA", req->wildcard ? "*." : "",
			    domain, want, owner);
			r = 0;
			goto out;
		}
	}
	if (considered == 0) {
		r = 0; /* section 3: nothing here restricts issuance */
		goto out;
	}
	detail_add(&b, "CAA records for %s%s (at %s) do not authorize this CA (%s) to issue%s%s:",
	    req->wildcard ? "*." : "", domain, owner, req->identities,
	    req->method ? " after " : "", req->method ? req->method : "");
	for (i = 0; i < n && quoted < QUOTE_RECORDS; i++) {
		if (!tag_is(&rrs[i], want))
			continue;
		why = property_refuses(req, &rrs[i]);
		detail_add(&b, "%s", quoted ? ";" : "");
		quote_rr(&b, &rrs[i], why);
		quoted++;
	}
	if (considered > quoted)
		detail_add(&b, "; and %zu more", considered - quoted);
	r = cn_err_set(CN_ERR_CAA, "%s", cn_buf_str(&b));
out:
	cn_buf_free(&b);
	return r;
}

int ca_caa_check(const struct ca_validate_cfg *cfg_in, struct ca_resolver *r, const char *domain,
    const struct ca_caa_req *req)
{
	struct ca_validate_cfg cfg;
	struct ca_rrset sets[CA_V_MAX_PARALLEL];
	struct ca_caa_rr *rrs = NULL;
	size_t n = 0, i, j, nrr = 0;
	const char *p;
	int rc;

	ca_v_cfg_fill(cfg_in, &cfg);
	if (req == NULL || req->identities == NULL)
		return cn_err_set(CN_ERR_MALFORMED, "CAA check without the CA's identities");
	if (!ca_v_is_hostname(domain))
		return cn_err_set(CN_ERR_MALFORMED, "'%.80s' is not a valid domain name", domain);
	/* The name and every parent, the top-level label included. */
	for (p = domain; p != NULL && n < CA_V_MAX_PARALLEL; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		memset(&sets[n], 0, sizeof(sets[n]));
		sets[n++].name = p;
	}
	rc = ca_resolve_rrsets_by(r, CA_CAA_RR_TYPE, sets, n, ca_v_now_ms() + cfg.total_timeout_ms);
	if (rc != 0) {
		n = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (sets[i].rc != 0 && sets[i].bogus) {
			rc = cn_err_set(CN_ERR_DNS, "%s", sets[i].why);
			goto out;
		}
		if (sets[i].rc != 0) {
			rc = cn_err_set(CN_ERR_CAA,
			    "CAA lookup for %s%s failed: %s; the CA does not issue without a CAA answer",
			    req->wildcard ? "*." : "", domain, sets[i].why);
			goto out;
		}
		if (sets[i].n == 0)
			continue;
		rrs = cn_xcalloc(sets[i].n, sizeof(*rrs));
		for (j = 0; j < sets[i].n; j++) {
			rc = ca_caa_rr_parse(sets[i].rdata[j], sets[i].rdata_len[j], &rrs[j]);
			if (rc != 0) {
				char why[160];

				snprintf(why, sizeof(why), "%s", cn_err_detail());
				rc = cn_err_set(CN_ERR_CAA, "malformed CAA record at %s: %s; the CA does not issue",
				    sets[i].name, why);
				goto out;
			}
			nrr++;
		}
		rc = ca_caa_decide(req, domain, sets[i].name, rrs, nrr);
		goto out;
	}
	CN_LOG(CN_LOG_DEBUG, "caa", "%s%s: no CAA records up to %s", req->wildcard ? "*." : "", domain,
	    sets[n - 1].name);
	rc = 0;
out:
	if (rc == CN_ERR_CAA || rc == CN_ERR_DNS)
		CN_LOG(CN_LOG_INFO, "caa", "issuance for %s%s prevented: %s", req->wildcard ? "*." : "", domain,
		    cn_err_detail());
	for (j = 0; j < nrr; j++)
		ca_caa_rr_cleanup(&rrs[j]);
	free(rrs);
	for (i = 0; i < n; i++)
		ca_rrset_cleanup(&sets[i]);
	return rc;
}
