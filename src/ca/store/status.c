/*
 * status.c - the RFC 8555 section 7.1.6 status strings of accounts, orders,
 * authorizations and challenges (and "revoked" certificates), as stored and
 * as rendered in ACME objects.
 */
#include "store/store.h"

#include <string.h>

static const char *const status_names[CA_ST_MAX] = {
	[CA_ST_PENDING] = "pending",
	[CA_ST_READY] = "ready",
	[CA_ST_PROCESSING] = "processing",
	[CA_ST_VALID] = "valid",
	[CA_ST_INVALID] = "invalid",
	[CA_ST_DEACTIVATED] = "deactivated",
	[CA_ST_EXPIRED] = "expired",
	[CA_ST_REVOKED] = "revoked",
};

const char *ca_status_str(enum ca_status s)
{
	if ((unsigned)s >= CA_ST_MAX)
		return "unknown";
	return status_names[s];
}

int ca_status_parse(const char *s, enum ca_status *out)
{
	int i;

	for (i = 0; i < CA_ST_MAX; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum ca_status)i;
			return 0;
		}
	}
	return cn_err_set(CN_ERR_MALFORMED, "unknown status");
}
