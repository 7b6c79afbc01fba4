/*
 * caa.h - Certification Authority Authorization (RFC 8659) with the RFC
 * 8657 accounturi and validationmethods parameters, as CA/B BR 3.2.2.8
 * requires it before issuance: find the relevant CAA RRset of a DNS name
 * (climbing toward the root), then decide whether it lets this CA issue for
 * the name, for this account, after this validation method.
 *
 * Errors: CN_ERR_CAA with a cn_err_set detail that names the owner of the
 * records and quotes them (escaped), CN_ERR_DNS when a CAA answer failed
 * DNSSEC validation, CN_ERR_MALFORMED for bad arguments.
 *
 * Threads: every function may be called from many threads at once.
 */
#ifndef CA_VALIDATE_CAA_H
#define CA_VALIDATE_CAA_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "validate/validate.h"

/* The DNS RR type of CAA (RFC 8659 section 7.1). */
#define CA_CAA_RR_TYPE 257
/* Issuer Critical Flag: bit 0, the most significant (RFC 8659 section 4.1). */
#define CA_CAA_FLAG_CRITICAL 0x80
/* Longest CAA RDATA we accept (an RDATA is at most 65535 octets). */
#define CA_CAA_MAX_RDATA 65535

/* One CAA resource record (RFC 8659 section 4.1). */
struct ca_caa_rr {
	unsigned flags;          /* the flags octet */
	char tag[256];           /* the property tag as sent (1..255 letters and digits) */
	char *value;             /* owned; the property value, NUL-terminated */
	size_t value_len;        /* octets of value (it may hold NUL bytes) */
};

/*
 * Parses one CAA RDATA (flags, tag length, tag, value). The tag must be 1
 * to 255 ASCII letters and digits. Errors: CN_ERR_MALFORMED (truncated,
 * empty or bad tag). *out is written only on success; release it with
 * ca_caa_rr_cleanup.
 */
int ca_caa_rr_parse(const unsigned char *rdata, size_t len, struct ca_caa_rr *out) CN_WUR;
void ca_caa_rr_cleanup(struct ca_caa_rr *rr);

/* What is asked of CAA: who issues, for whom, after which validation. */
struct ca_caa_req {
	const char *identities;  /* comma-separated issuer domain names of this CA (required) */
	const char *account_uri; /* the ACME account URL (RFC 8657 section 3.1), or NULL */
	const char *method;      /* the validation method used, e.g. "http-01", or NULL */
	bool wildcard;           /* the identifier is *.domain */
};

/*
 * The decision of RFC 8659 sections 4.2-4.5 and RFC 8657 on the relevant
 * RRset rrs[0..n-1], found at owner for domain (without "*."):
 *   - an unknown property tag with the critical flag refuses;
 *   - for a wildcard, issuewild properties are used when there is one, else
 *     issue properties; for another name, issue properties only;
 *   - no such property: CAA does not restrict issuance (0);
 *   - else one of them must name one of req->identities (ASCII case-
 *     insensitively), be well-formed (an issue-value that does not match
 *     the grammar authorizes nobody), carry at most one accounturi equal to
 *     req->account_uri, and at most one validationmethods, well-formed and
 *     listing req->method. Other parameters are ignored.
 * Returns 0 (issuance permitted) or CN_ERR_CAA (detail: owner, the records
 * and why none authorizes this CA). n == 0 permits.
 */
int ca_caa_decide(const struct ca_caa_req *req, const char *domain, const char *owner,
    const struct ca_caa_rr *rrs, size_t n) CN_WUR;

/*
 * Looks up the relevant CAA RRset of domain (RFC 8659 section 3: CAA of
 * the name, then of each parent, up to but not including the root; every
 * level is asked at once) through r and decides with ca_caa_decide. domain
 * is a host name without "*." (req->wildcard says whether it was one).
 * A lookup failure at or below the level holding the relevant RRset
 * refuses: SERVFAIL, another rcode, a timeout or a malformed record is
 * CN_ERR_CAA, a DNSSEC-bogus answer CN_ERR_DNS (with the validator's
 * reason). Deadline: cfg->total_timeout_ms for all lookups together.
 */
int ca_caa_check(const struct ca_validate_cfg *cfg, struct ca_resolver *r, const char *domain,
    const struct ca_caa_req *req) CN_WUR;

#endif
