/*
 * profile.h - the certificate profiles cairnd offers (draft-ietf-acme-
 * profiles): "classic" (90 days, the subject CN promoted from the names),
 * "tlsserver" (45 days, no CN) and "shortlived" (160 hours, no CN, IP
 * address identifiers allowed). Each one's lifetime, authorization reuse
 * window, identifier limit and IP permission come from the configuration;
 * the global --validity, --valid-authz-lifetime and --max-names cap them.
 */
#ifndef CA_PROFILE_H
#define CA_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#define CA_N_PROFILES 3

struct ca_profile {
	const char *name;          /* static */
	const char *description;   /* static, for meta.profiles */
	int64_t validity_s;        /* certificate lifetime */
	int64_t authz_reuse_s;     /* a valid authorization is reused this long */
	int max_names;             /* identifiers per order */
	bool allow_ip;             /* IP address identifiers (RFC 8738) */
	bool common_name;          /* promote a name to the subject CN */
};

/* The profile called name, its limits taken from cfg. CN_ERR_INVALID_PROFILE
 * (with a detail naming the offered ones) for any other name. */
int ca_profile_get(const struct ca_config *cfg, const char *name, struct ca_profile *out) CN_WUR;
/* The i-th profile (i < CA_N_PROFILES), as ca_profile_get. */
void ca_profile_at(const struct ca_config *cfg, size_t i, struct ca_profile *out);

#endif
