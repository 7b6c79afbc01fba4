/*
 * policy.h - what cairnd is willing to certify: identifier syntax
 * (RFC 8555 section 7.1.4 / 9.7.7, RFC 8738 for IPs, BR 3.2.2.4 and
 * 7.1.2.7.12 for names), A-labels that really are Punycode, no public
 * suffix (BR 3.2.2.6), the operator's blocklist, and which challenge types
 * fit an identifier.
 */
#ifndef CA_POLICY_H
#define CA_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"

#define CA_MAX_DNS_NAME 253
/* The Debian publicsuffix package's list, used when cfg names none. */
#define CA_POLICY_DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

/*
 * Loads cfg->public_suffix_list and cfg->blocklist (one name a line; "#"
 * starts a comment; blank lines are skipped; a leading "*." or trailing
 * dot is not allowed) for ca_policy_identifier. main() calls it once at
 * startup, before any thread; calling it again replaces the lists (no
 * other thread may be using the policy then). Without it, the first
 * ca_policy_identifier loads the lists of the cfg it is given. Errors:
 * CN_ERR_USAGE naming the file (and line).
 */
int ca_policy_init(const struct ca_config *cfg) CN_WUR;
/* Frees the lists (at exit). */
void ca_policy_cleanup(void);

struct ca_identifier {
	char type[8];        /* "dns" or "ip" */
	char *value;         /* normalized: lower-case name without "*.", or RFC 5952 IP */
	bool wildcard;
};

/*
 * Checks one requested identifier and normalizes it. CN_ERR_UNSUPPORTED_ID
 * for unknown types, CN_ERR_REJECTED_ID (with a detail) for values the
 * policy refuses: bad syntax, an XN-label that is not an A-label, a name
 * that is an ICANN public suffix or a wildcard directly below one, a name
 * on or below a blocklist entry, a wildcard that would cover one.
 * CN_ERR_INTERNAL when the lists cannot be loaded.
 */
int ca_policy_identifier(const struct ca_config *cfg, const char *type, const char *value,
    struct ca_identifier *out) CN_WUR;
void ca_identifier_cleanup(struct ca_identifier *id);

/*
 * The registrable domain of the normalized DNS name (no "*."): its ICANN
 * public suffix plus one label, as a pointer into name (psl.h). Walks up a
 * name (dns-persist-01 subdomains) stop there. CN_ERR_REJECTED_ID when name
 * is a public suffix, CN_ERR_INTERNAL when the list cannot be loaded.
 */
int ca_policy_registrable_domain(const struct ca_config *cfg, const char *name, const char **out) CN_WUR;

/* The challenge types offered for an identifier, NULL-terminated, static. */
const char *const *ca_policy_challenges(const struct ca_identifier *id);

#endif
