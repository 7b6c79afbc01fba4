/*
 * validate_int.h - what the files of src/ca/validate/ share among
 * themselves and nobody else calls: defaults, a monotonic deadline, DNS
 * lookups against a deadline, host name syntax and the choice of addresses
 * to contact for an identifier.
 */
#ifndef CA_VALIDATE_INT_H
#define CA_VALIDATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "validate/validate.h"

/* Longest host name we accept (RFC 1035 section 2.3.4, without the dot). */
#define CA_V_MAX_NAME 253

/* *out = *in with the defaults of validate.h filled in. */
void ca_v_cfg_fill(const struct ca_validate_cfg *in, struct ca_validate_cfg *out);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t ca_v_now_ms(void);
/* Milliseconds left until deadline (0 when passed), capped at INT32_MAX. */
int ca_v_left_ms(int64_t deadline);

/* Same as ca_resolve_addrs / ca_resolve_txt, giving up at deadline. */
int ca_resolve_addrs_by(struct ca_resolver *r, const char *name, int64_t deadline, char ***addrs,
    size_t *n) CN_WUR;
int ca_resolve_txt_by(struct ca_resolver *r, const char *name, int64_t deadline, char ***txts,
    size_t *n) CN_WUR;
/* Same as ca_resolve_txt_ttl, giving up at deadline. */
int ca_resolve_txt_ttl_by(struct ca_resolver *r, const char *name, int64_t deadline, char ***txts,
    size_t *n, uint32_t *ttl) CN_WUR;

/*
 * The smallest TTL among the answer-section records of the DNS message
 * pkt[0..len) (RFC 1035 section 4.1; a TTL with the high bit set counts as
 * 0, RFC 2181 section 8). False, *ttl untouched, when the message has no
 * answer record or is truncated or malformed.
 */
bool ca_v_answer_min_ttl(const unsigned char *pkt, size_t len, uint32_t *ttl);
/*
 * Concatenates the character-strings of one TXT RDATA (RFC 1035 section
 * 3.3.14; RFC 7208 section 3.3 style) into a heap string; a NUL byte becomes
 * the four characters "\x00". CN_ERR_DNS when a string runs past the end,
 * CN_ERR_TOO_BIG past 65535 bytes. Caller frees *out.
 */
int ca_v_txt_join(const unsigned char *p, size_t len, char **out) CN_WUR;

/* Most names ca_resolve_rrsets_by asks at once (a name has at most 127 labels). */
#define CA_V_MAX_PARALLEL 128

/* The answer for one name to a query of one type (ca_resolve_rrsets_by). */
struct ca_rrset {
	const char *name;         /* in: the name to ask (borrowed) */
	int rc;                   /* out: 0, or CN_ERR_DNS when the lookup failed */
	bool bogus;               /* out: DNSSEC validation failed (rc is CN_ERR_DNS) */
	char *why;                /* out, owned: what failed when rc != 0 */
	size_t n;                 /* out: records; 0 for NXDOMAIN and "no data" */
	unsigned char **rdata;    /* out, owned: each record's RDATA, wire format */
	size_t *rdata_len;        /* out, owned */
	uint32_t ttl;             /* out: smallest TTL of the answer section (0 when n is 0) */
};

/*
 * Asks the resolver for records of the given type at each sets[i].name, all
 * at once (CNAMEs followed by the resolver), giving up at deadline, and
 * fills in each set's outcome. NXDOMAIN and an answer without records of
 * the type are rc 0 with n 0; SERVFAIL or another rcode, a timeout, a bad
 * name and a DNSSEC-bogus answer are rc CN_ERR_DNS with why set. Returns 0,
 * or CN_ERR_MALFORMED (nothing asked) for n > CA_V_MAX_PARALLEL. Free each
 * set's outputs with ca_rrset_cleanup.
 */
int ca_resolve_rrsets_by(struct ca_resolver *r, int type, struct ca_rrset *sets, size_t n,
    int64_t deadline) CN_WUR;
/* Frees what ca_resolve_rrsets_by put into s (NULL-safe fields); keeps s->name. */
void ca_rrset_cleanup(struct ca_rrset *s);

/*
 * True for a syntactically valid host name: 2..127 labels of letters,
 * digits and inner hyphens, 1..63 bytes each, CA_V_MAX_NAME bytes at most,
 * a last label that is not all digits, no trailing dot.
 */
bool ca_v_is_hostname(const char *name);
/* True if s is a textual IPv4 (family 4) or IPv6 (family 6) address. */
bool ca_v_is_ip(const char *s, int *family);

/*
 * The addresses to contact for an identifier, in the order to try them: for
 * "ip", the address itself; for "dns", the first permitted IPv6 and the first
 * permitted IPv4 address of the name (Boulder tries IPv6, then falls back to
 * IPv4 when the connection fails). Each is checked with ca_addr_check; when
 * none is permitted, the first refusal is returned. Caller frees with
 * ca_addrs_free. Errors: CN_ERR_DNS, CN_ERR_CONNECTION, CN_ERR_MALFORMED.
 */
int ca_v_targets(const struct ca_validate_cfg *cfg, struct ca_resolver *r, const char *id_type,
    const char *id_value, int64_t deadline, char ***addrs, size_t *n) CN_WUR;

#endif
