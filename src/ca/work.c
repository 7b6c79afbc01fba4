/*
 * work.c - the jobs' bodies. Validation computes the key authorization
 * (RFC 8555 section 8.1) and asks the validator for the challenge type;
 * a valid challenge is followed by the CAA check (work_caa.c).
 * Finalization checks CAA again for older authorizations, then reserves a
 * fresh serial in the store before signing anything with it (DESIGN:
 * issued certificates are never lost), signs with the intermediate and
 * stores the certificate together with the order's new status in one
 * transaction. The certificate names its OCSP responder (AIA) and its CRL
 * shard (CRL DP), fixed with the serial; a CSR whose key is blocked (key
 * compromise) fails the order with badPublicKey. The stored CSR is parsed
 * again unless the finalize request of this process left it parsed
 * (csrcache.h).
 *
 * Protocol extensions: a failed attempt below --challenge-attempts returns
 * the challenge to pending for a retry (RFC 8555 section 8.2); dns-account-01
 * and dns-persist-01 when enabled (work_persist.c: parents under
 * policy=wildcard, the reuse period capped by the record's TTL); the
 * order's profile sets the lifetime and whether a CN is promoted.
 */
#include "work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/acme.h"
#include "buf.h"
#include "csrcache.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "profile.h"
#include "revocation/revocation.h"
#include "signer/signer.h"
#include "validate/validate.h"
#include "x509/csr.h"
#include "x509/key.h"

#define CA_SERIAL_TRIES 3
#define CA_MAX_CN 64

static bool is_subscriber_failure(int r)
{
	switch (r) {
	case CN_ERR_INCORRECT_RESPONSE:
	case CN_ERR_CONNECTION:
	case CN_ERR_DNS:
	case CN_ERR_TLS:
	case CN_ERR_UNAUTHORIZED:
	case CN_ERR_CAA:
	case CN_ERR_TIMEOUT:
	case CN_ERR_REJECTED_ID:
	case CN_ERR_MALFORMED:
		return true;
	default:
		return false;
	}
}

static char *problem_text(int code, const char *detail)
{
	json_t *p = ca_problem_json(code, detail, NULL);
	char *s = cn_json_dump(p);

	json_decref(p);
	return s;
}

int ca_work_validate(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, int64_t challenge_id)
{
	struct ca_challenge c;
	struct ca_authz az;
	struct ca_account acct;
	struct cn_buf ka;
	char *err = NULL, *acct_url = NULL;
	int64_t now, reuse_until = 0;
	bool final = true;
	int r, v;

	memset(&c, 0, sizeof(c));
	memset(&az, 0, sizeof(az));
	memset(&acct, 0, sizeof(acct));
	cn_buf_init(&ka, 256);
	r = ca_store_challenge_get(ctx->store, challenge_id, &c);
	if (r == CN_ERR_NOT_FOUND) {
		r = 0; /* nothing left to do */
		goto out;
	}
	if (r != 0 || c.status != CA_ST_PROCESSING)
		goto out;
	r = ca_store_authz_get(ctx->store, c.authz_id, &az);
	if (r == 0)
		r = ca_store_account_get(ctx->store, az.account_id, &acct);
	if (r != 0)
		goto out;
	r = cn_buf_addf(&ka, "%s.%s", c.token, acct.thumbprint);
	if (r != 0)
		goto out;
	cn_err_clear();
	if (strcmp(c.type, "http-01") == 0)
		v = ca_validate_http01(vcfg, resolver, az.id_type, az.id_value, c.token, cn_buf_str(&ka));
	else if (strcmp(c.type, "dns-01") == 0)
		v = ca_validate_dns01(vcfg, resolver, az.id_value, cn_buf_str(&ka));
	else if (strcmp(c.type, "tls-alpn-01") == 0)
		v = ca_validate_tlsalpn01(vcfg, resolver, az.id_type, az.id_value, cn_buf_str(&ka));
	else if (strcmp(c.type, "dns-account-01") == 0 && ctx->cfg->dns_account_01) {
		acct_url = ca_url(ctx, "/acme/acct/%lld", (long long)az.account_id);
		v = ca_validate_dns_account01(vcfg, resolver, az.id_value, acct_url, cn_buf_str(&ka));
	} else if (strcmp(c.type, "dns-persist-01") == 0 && ctx->cfg->dns_persist_01) {
		/* its name or a parent; the reuse capped by the record's TTL */
		v = ca_work_persist(ctx, vcfg, resolver, &az, (int64_t)time(NULL), 0, &reuse_until,
		    NULL);
	} else
		v = cn_err_set(CN_ERR_MALFORMED, "unknown challenge type %s", c.type);
	if (v == 0)
		v = ca_work_caa(ctx, vcfg, resolver, &az, c.type); /* BR 3.2.2.8 */
	now = (int64_t)time(NULL);
	if (v != 0 && !is_subscriber_failure(v)) {
		r = v; /* internal: let the job be retried */
		goto out;
	}
	if (v != 0)
		err = problem_text(v, cn_err_detail());
	if (v != 0 && ctx->cfg->challenge_attempts > 1) {
		r = ca_store_challenge_attempt_failed(ctx->store, challenge_id, err,
		    ctx->cfg->challenge_attempts, now + ctx->cfg->challenge_retry_after_s, &final);
		if (r != 0)
			goto out;
		if (!final) {
			CN_LOG(CN_LOG_INFO, "validate", "acct=%lld authz=%lld chall=%lld %s attempt "
			    "failed, may be retried in %llds: %s", (long long)az.account_id,
			    (long long)az.id, (long long)c.id, c.type,
			    (long long)ctx->cfg->challenge_retry_after_s, cn_err_detail());
			goto out;
		}
	}
	/* A valid authorization may be reused by the account for a while (BR
	 * 4.2.1 allows reuse of validation data; the window is config), a
	 * dns-persist-01 one no longer than its record's TTL: set with the
	 * outcome, so that no order sees it valid without its cap. */
	if (v == 0)
		r = ca_store_challenge_valid(ctx->store, challenge_id, now,
		    now + ctx->cfg->valid_authz_lifetime_s, reuse_until);
	else
		r = ca_store_challenge_finish(ctx->store, challenge_id, false, err, now);
	CN_LOG(CN_LOG_INFO, "validate", "acct=%lld authz=%lld chall=%lld %s %s%s%s",
	    (long long)az.account_id, (long long)az.id, (long long)c.id, c.type,
	    v == 0 ? "valid" : "invalid", v == 0 ? "" : ": ", v == 0 ? "" : cn_err_detail());
out:
	free(acct_url);
	free(err);
	cn_buf_free(&ka);
	ca_challenge_cleanup(&c);
	ca_authz_cleanup(&az);
	ca_account_cleanup(&acct);
	return r;
}

/* The subject CN: the CSR's, else the first DNS name that fits (BR 7.1.2.7.2). */
static const char *pick_common_name(const struct cn_csr *csr, const char *const *dns, size_t n_dns)
{
	size_t i;

	if (csr->common_name && strlen(csr->common_name) <= CA_MAX_CN)
		return csr->common_name;
	for (i = 0; i < n_dns; i++)
		if (strlen(dns[i]) <= CA_MAX_CN)
			return dns[i];
	return NULL;
}

static int order_fail(const struct ca_ctx *ctx, int64_t order_id, int code, const char *detail)
{
	char *err = problem_text(code, detail);
	int r = ca_store_order_transition(ctx->store, order_id, CA_ST_PROCESSING, CA_ST_INVALID, err);

	free(err);
	if (r == CN_ERR_CONFLICT)
		r = 0;
	return r;
}

int ca_work_finalize(const struct ca_ctx *ctx, const struct ca_validate_cfg *vcfg,
    struct ca_resolver *resolver, int64_t order_id)
{
	struct ca_order o;
	struct ca_cert cert;
	struct cn_csr *csr = NULL;
	struct ca_issue_req ir;
	struct ca_profile prof;
	unsigned char *csr_der = NULL, serial[16];
	size_t csr_len = 0, n_dns = 0, n_ips = 0;
	const char **dns = NULL, **ips = NULL;
	json_t *ids = NULL;
	char *aia = NULL, *ocsp = NULL, *crl = NULL;
	int64_t now = (int64_t)time(NULL);
	int r, tries, shard = 0;
	bool blocked = false;

	memset(&o, 0, sizeof(o));
	memset(&cert, 0, sizeof(cert));
	memset(&ir, 0, sizeof(ir));
	r = ca_store_order_get(ctx->store, order_id, &o);
	if (r == CN_ERR_NOT_FOUND) {
		r = 0;
		goto out;
	}
	if (r != 0 || o.status != CA_ST_PROCESSING)
		goto out;
	cn_err_clear();
	r = ca_work_caa_recheck(ctx, vcfg, resolver, &o, now);
	if (r != 0 && is_subscriber_failure(r)) {
		r = order_fail(ctx, order_id, r, cn_err_detail());
		goto out;
	}
	if (r != 0)
		goto out;
	r = ca_store_order_csr(ctx->store, order_id, &csr_der, &csr_len);
	if (r != 0)
		goto out;
	csr = ca_csrcache_take(ctx->csrs, order_id, csr_der, csr_len);
	r = csr ? 0 : cn_csr_parse_der(csr_der, csr_len, &csr);
	if (r != 0) {
		r = order_fail(ctx, order_id, CN_ERR_BAD_CSR, cn_err_detail());
		goto out;
	}
	/* draft-ietf-acme-profiles section 4: a profile no longer offered. */
	r = ca_profile_get(ctx->cfg, o.profile ? o.profile : ctx->cfg->default_profile, &prof);
	if (r != 0) {
		r = order_fail(ctx, order_id, r, cn_err_detail());
		goto out;
	}
	r = ca_order_identifiers(&o, &ids, &dns, &n_dns, &ips, &n_ips);
	if (r != 0)
		goto out;
	/* BR 4.9.1.1: a key revoked for keyCompromise is never certified again. */
	r = cn_pubkey_sha256_b64url(csr->pubkey, cert.key_sha256);
	if (r == 0)
		r = ca_store_key_is_blocked(ctx->store, cert.key_sha256, &blocked);
	if (r != 0)
		goto out;
	if (blocked) {
		r = order_fail(ctx, order_id, CN_ERR_BAD_KEY,
		    "the CSR's key is blocked: it was reported compromised");
		goto out;
	}
	for (tries = 0; tries < CA_SERIAL_TRIES; tries++) {
		r = ca_serial_new(serial);
		if (r != 0)
			goto out;
		ca_serial_hex(serial, sizeof(serial), cert.serial);
		shard = ca_crl_shard_of(serial, sizeof(serial), ctx->cfg->crl_shards);
		r = ca_store_serial_reserve_shard(ctx->store, cert.serial, order_id, shard, now);
		if (r != CN_ERR_CONFLICT)
			break;
	}
	if (r != 0)
		goto out;
	aia = ca_public_url(ctx, "/issuer-cert");
	ocsp = ca_ocsp_url(ctx->cfg);
	crl = ca_crl_url(ctx->cfg, shard);
	ir.subject_key = csr->pubkey;
	ir.dns_names = dns;
	ir.n_dns = n_dns;
	ir.ip_addrs = ips;
	ir.n_ip = n_ips;
	ir.common_name = prof.common_name ? pick_common_name(csr, dns, n_dns) : NULL;
	ir.serial = serial;
	ir.serial_len = sizeof(serial);
	ir.not_before = o.not_before ? o.not_before : now - ctx->cfg->backdate_s;
	/* BR 1.6.1: the validity period includes both ends. */
	ir.not_after = o.not_after ? o.not_after : ir.not_before + prof.validity_s - 1;
	ir.aia_issuer_url = aia;
	ir.ocsp_url = ocsp;
	ir.crl_url = crl;
	r = ca_signer_issue(ctx->signer, &ir, &cert.der, &cert.der_len);
	if (r != 0)
		goto out;
	cert.account_id = o.account_id;
	cert.order_id = order_id;
	cert.not_before = ir.not_before;
	cert.not_after = ir.not_after;
	cert.status = CA_ST_VALID;
	r = ca_store_cert_insert(ctx->store, &cert);
	if (r != 0)
		goto out;
	CN_LOG(CN_LOG_INFO, "issue", "acct=%lld order=%lld certificate %s issued for %zu names "
	    "(profile %s)", (long long)o.account_id, (long long)order_id, cert.serial,
	    n_dns + n_ips, prof.name);
out:
	free(aia);
	free(ocsp);
	free(crl);
	free(dns);
	free(ips);
	json_decref(ids);
	free(csr_der);
	cn_csr_free(csr);
	ca_cert_cleanup(&cert);
	ca_order_cleanup(&o);
	return r;
}

void ca_work_give_up(const struct ca_ctx *ctx, const struct ca_job *job)
{
	char *err = problem_text(CN_ERR_INTERNAL, "the CA could not complete this request; try again");
	int r = 0;

	if (job->kind == CA_JOB_FINALIZE)
		r = ca_store_order_transition(ctx->store, job->target_id, CA_ST_PROCESSING,
		    CA_ST_INVALID, err);
	else if (job->kind == CA_JOB_VALIDATE)
		r = ca_store_challenge_finish(ctx->store, job->target_id, false, err, (int64_t)time(NULL));
	if (r != 0 && r != CN_ERR_CONFLICT)
		CN_LOG(CN_LOG_ERR, "jobs", "cannot record the failure of job %lld", (long long)job->id);
	free(err);
}
