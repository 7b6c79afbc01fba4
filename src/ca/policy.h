/*
 * policy.h - what cairnd is willing to certify: identifier syntax
 * (RFC 8555 section 7.1.4 / 9.7.7, RFC 8738 for IPs, BR 3.2.2.4 and
 * 7.1.2.7.12 for names) and which challenge types fit an identifier.
 */
#ifndef CA_POLICY_H
#define CA_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"

#define CA_MAX_DNS_NAME 253

struct ca_identifier {
	char type[8];        /* "dns" or "ip" */
	char *value;         /* normalized: lower-case name without "*.", or RFC 5952 IP */
	bool wildcard;
};

/*
 * Checks one requested identifier and normalizes it. CN_ERR_UNSUPPORTED_ID
 * for unknown types, CN_ERR_REJECTED_ID (with a detail) for values the
 * policy refuses, CN_ERR_MALFORMED for non-string members.
 */
int ca_policy_identifier(const struct ca_config *cfg, const char *type, const char *value,
    struct ca_identifier *out) CN_WUR;
void ca_identifier_cleanup(struct ca_identifier *id);

/* The challenge types offered for an identifier, NULL-terminated, static. */
const char *const *ca_policy_challenges(const struct ca_identifier *id);

#endif
