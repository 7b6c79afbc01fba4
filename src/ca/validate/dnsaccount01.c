/*
 * dnsaccount01.c - the dns-account-01 challenge, draft-ietf-acme-dns-
 * account-label-00 (the draft CA/B BR 3.2.2.4.21 cites). The text of the
 * draft is not in the offline specification set: this follows draft 00 as
 * its authors published it. The TXT record lives at
 *     "_" base32(SHA-256(account URL)[0:10]) "._acme-challenge." DOMAIN
 * (RFC 4648 section 6 base32 of the first 10 octets of the digest,
 * lower-case: 16 characters, no padding; DOMAIN without a wildcard's "*."),
 * and one of the records there must be base64url(SHA-256(key
 * authorization)), as for dns-01. The account label lets several accounts
 * (several CAs or sites) hold standing delegations for one name at once.
 *
 * Not here: multi-perspective corroboration, CAA (as for dns-01).
 */
#include "validate/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "log.h"
#include "validate/validate_int.h"

#define ACCOUNT_DIGEST_BYTES 10

int ca_dns_account_label(const char *account_url, char out[CA_DNS_ACCOUNT_LABEL_LEN + 1])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	uint64_t bits;
	size_t i, half;

	if (EVP_Digest(account_url, strlen(account_url), digest, &dlen, EVP_sha256(), NULL) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "EVP_Digest");
	/* 80 bits are 16 base32 digits: two runs of 40 bits (5 octets, 8 digits). */
	out[0] = '_';
	for (half = 0; half < 2; half++) {
		bits = 0;
		for (i = 0; i < ACCOUNT_DIGEST_BYTES / 2; i++)
			bits = bits << 8 | digest[half * 5 + i];
		for (i = 0; i < 8; i++)
			out[1 + half * 8 + i] = alphabet[(bits >> (35 - 5 * i)) & 31];
	}
	out[CA_DNS_ACCOUNT_LABEL_LEN] = '\0';
	OPENSSL_cleanse(digest, sizeof(digest));
	return 0;
}

int ca_validate_dns_account01(const struct ca_validate_cfg *cfg_in, struct ca_resolver *r,
    const char *domain, const char *account_url, const char *key_authz)
{
	struct ca_validate_cfg cfg;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char label[CA_DNS_ACCOUNT_LABEL_LEN + 1];
	char name[CA_DNS_ACCOUNT_LABEL_LEN + CA_V_MAX_NAME + 32];
	char *want = NULL, **txts = NULL;
	size_t n = 0, i, wlen;
	int rc;

	ca_v_cfg_fill(cfg_in, &cfg);
	if (strncmp(domain, "*.", 2) == 0)
		domain += 2;
	if (!ca_v_is_hostname(domain)) {
		rc = cn_err_set(CN_ERR_MALFORMED, "'%.80s' is not a valid domain name", domain);
		goto out;
	}
	rc = ca_dns_account_label(account_url, label);
	if (rc != 0)
		goto out;
	snprintf(name, sizeof(name), "%s._acme-challenge.%s", label, domain);
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
			CN_LOG(CN_LOG_DEBUG, "validate", "dns-account-01 %s valid", name);
			rc = 0;
			goto out;
		}
	}
	rc = cn_err_set(CN_ERR_INCORRECT_RESPONSE, "%zu TXT record%s at %s, none is \"%s\"", n,
	    n == 1 ? "" : "s", name, want);
out:
	free(want);
	ca_addrs_free(txts, n);
	return rc;
}
