/*
 * profile.c - the table of certificate profiles (draft-ietf-acme-profiles
 * section 3) and their limits from the configuration. The draft leaves
 * what a profile means to the CA; these follow the three a large public CA
 * offers. Left out: profiles defined by the operator (the set is fixed, the
 * limits are not).
 */
#include "profile.h"

#include <string.h>

struct profile_row {
	const char *name;
	const char *description;
	bool common_name;
};

/* Indexed as the profile_* arrays of struct ca_config. */
static const struct profile_row rows[CA_N_PROFILES] = {
	{"classic", "The default: 90-day certificates with the first name also as subject CN",
	    true},
	{"tlsserver", "45-day TLS server certificates with an empty subject (names in the SAN only)",
	    false},
	{"shortlived", "160-hour certificates with an empty subject; IP address identifiers allowed",
	    false},
};

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

void ca_profile_at(const struct ca_config *cfg, size_t i, struct ca_profile *out)
{
	out->name = rows[i].name;
	out->description = rows[i].description;
	out->common_name = rows[i].common_name;
	out->validity_s = min64(cfg->profile_validity_s[i], cfg->validity_s);
	out->authz_reuse_s = min64(cfg->profile_authz_reuse_s[i], cfg->valid_authz_lifetime_s);
	out->max_names = cfg->profile_max_names[i] < cfg->max_names ? cfg->profile_max_names[i] :
	    cfg->max_names;
	out->allow_ip = cfg->profile_ip[i];
}

int ca_profile_get(const struct ca_config *cfg, const char *name, struct ca_profile *out)
{
	size_t i;

	for (i = 0; i < CA_N_PROFILES; i++) {
		if (strcmp(rows[i].name, name) == 0) {
			ca_profile_at(cfg, i, out);
			return 0;
		}
	}
	return cn_err_set(CN_ERR_INVALID_PROFILE,
	    "profile '%.64s' is not offered; the profiles are classic, tlsserver and shortlived", name);
}
