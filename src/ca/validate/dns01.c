/*
 * dns01.c - the dns-01 challenge (RFC 8555 section 8.4, CA/B BR 3.2.2.4.7):
 * one of the TXT records at _acme-challenge.DOMAIN (a wildcard's "*." left
 * off, RFC 8555 section 7.1.3) must equal base64url(SHA-256(key
 * authorization)). CNAMEs are followed by the resolver; DNSSEC, when
 * configured, is enforced by resolver.c.
 *
 * Not here: multi-perspective corroboration (perspective.c), CAA (caa.c).
 */
#include "validate/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "buf.h"
#include "log.h"
#include "validate/validate_int.h"

#define LABEL "_acme-challenge."
/* TXT values quoted back in a detail, and bytes quoted of each. */
#define QUOTE_RECORDS 3
#define QUOTE_BYTES 64

int ca_validate_dns01(const struct ca_validate_cfg *cfg_in, struct ca_resolver *r, const char *domain,
    const char *key_authz)
{
	struct ca_validate_cfg cfg;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char name[CA_V_MAX_NAME + sizeof(LABEL) + 1];
	char quoted[QUOTE_RECORDS * (QUOTE_BYTES * 4 + 8) + 1];
	char one[QUOTE_BYTES * 4 + 1];
	char *want = NULL;
	char **txts = NULL;
	size_t n = 0, i, qlen = 0, wlen;
	int rc;

	ca_v_cfg_fill(cfg_in, &cfg);
	if (strncmp(domain, "*.", 2) == 0)
		domain += 2;
	if (!ca_v_is_hostname(domain)) {
		rc = cn_err_set(CN_ERR_MALFORMED, "'%.80s' is not a valid domain name", domain);
		goto out;
	}
	snprintf(name, sizeof(name), LABEL "%s", domain);
	if (EVP_Digest(key_authz, strlen(key_authz), digest, &dlen, EVP_sha256(), NULL) != 1) {
		rc = cn_err_openssl(CN_ERR_CRYPTO, "EVP_Digest");
		goto out;
	}
	want = cn_b64url_encode(digest, dlen);
	wlen = strlen(want);
	rc = ca_resolve_txt_by(r, name, ca_v_now_ms() + cfg.total_timeout_ms, &txts, &n);
	if (rc != 0)
		goto out;
	if (n == 0) {
		rc = cn_err_set(CN_ERR_UNAUTHORIZED, "no TXT record found at %s", name);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strlen(txts[i]) == wlen && CRYPTO_memcmp(txts[i], want, wlen) == 0) {
			CN_LOG(CN_LOG_DEBUG, "validate", "dns-01 %s valid (record %zu of %zu)", name, i + 1, n);
			rc = 0;
			goto out;
		}
	}
	quoted[0] = '\0';
	for (i = 0; i < n && i < QUOTE_RECORDS; i++) {
		size_t tl = strlen(txts[i]);
		int w;

		cn_log_escape(txts[i], tl < QUOTE_BYTES ? tl : QUOTE_BYTES, one, sizeof(one));
		w = snprintf(quoted + qlen, sizeof(quoted) - qlen, "%s\"%s%s\"", i ? ", " : "", one,
		    tl > QUOTE_BYTES ? "..." : "");
		if (w < 0 || (size_t)w >= sizeof(quoted) - qlen)
			break;
		qlen += (size_t)w;
	}
	rc = cn_err_set(CN_ERR_INCORRECT_RESPONSE, "%zu TXT record%s at %s, none is \"%s\": found %s%s", n,
	    n == 1 ? "" : "s", name, want, quoted, n > QUOTE_RECORDS ? ", ..." : "");
out:
	free(want);
	ca_addrs_free(txts, n);
	return rc;
}
