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
