/*
 * revocation.h - publishing revocation to relying parties: the OCSP
 * responder (RFC 6960 with the RFC 9919 profile) and sharded CRLs (RFC 5280
 * section 5, CA/B Forum BR 4.9.7, 4.9.9, 7.2, 7.3) on the plain-HTTP
 * listener (--http-listen), and the background refresher that keeps both
 * signed in advance.
 *
 * URLs (under --http-base-url, named in every issued certificate):
 *   /ocsp                 POST application/ocsp-request
 *   /ocsp/<base64>        GET (RFC 6960 appendix A.1)
 *   /crl/<shard>.crl      the shard's full CRL (DER, application/pkix-crl)
 *
 * Model: responses and CRLs are signed by the refresher and stored; every
 * instance mirrors the stored responses into memory (ocsp_cache.h) and
 * answers from there. Revocations reach the refresher through the store
 * (triggers in 002_revocation.sql), whichever process made them; it polls
 * every --revocation-poll seconds, and ca_revocation_wake() cuts the wait
 * short in the process that revoked.
 */
#ifndef CA_REVOCATION_H
#define CA_REVOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ca_config;
struct ca_store;
struct ca_signer;
struct ca_req;
struct ca_resp;
struct ca_revocation;

/*
 * Sets up the responder for the intermediate of signer (its CertID hashes,
 * the in-memory tables). cfg, st and signer are borrowed and must outlive
 * the result. Caller frees with ca_revocation_free. CN_ERR_CRYPTO.
 */
int ca_revocation_new(const struct ca_config *cfg, struct ca_store *st,
    struct ca_signer *signer, struct ca_revocation **out) CN_WUR;
/*
 * Creates the CRL shards' rows, runs one refresher round (so that stored
 * responses and CRLs are served at once) and starts the refresher thread.
 * CN_ERR_STORE, CN_ERR_INTERNAL.
 */
int ca_revocation_start(struct ca_revocation *rv) CN_WUR;
/* Stops the refresher (if started) and frees everything. NULL-safe. */
void ca_revocation_free(struct ca_revocation *rv);
/* Makes the refresher run its next round now. NULL-safe. */
void ca_revocation_wake(struct ca_revocation *rv);
/*
 * One refresher round at time now: mirror new stored responses, sign
 * queued ones (new and revoked certificates), re-sign those older than
 * --ocsp-refresh, rebuild stale or due CRL shards, and hourly purge
 * expired ones. Returns 0 or the first store error (the round goes on past
 * single failures, which are logged). Used by the thread and by tests.
 */
int ca_revocation_round(struct ca_revocation *rv, int64_t now) CN_WUR;

/* ---- answering */

/* What a responder answer is. */
enum ca_ocsp_answer_kind {
	CA_OCSP_ANSWER_SIGNED,      /* successful: good, revoked or unknown */
	CA_OCSP_ANSWER_MALFORMED,   /* malformedRequest (1) */
	CA_OCSP_ANSWER_INTERNAL,    /* internalError (2) */
	CA_OCSP_ANSWER_TRY_LATER,   /* tryLater (3) */
	CA_OCSP_ANSWER_UNAUTHORIZED /* unauthorized (6): not our issuer */
};

struct ca_ocsp_answer {
	enum ca_ocsp_answer_kind kind;
	unsigned char *der;         /* the OCSPResponse (caller frees) */
	size_t der_len;
	int64_t this_update;        /* SIGNED only */
	int64_t next_update;
	int64_t max_age;            /* seconds an HTTP cache may keep it */
	char etag[68];              /* SIGNED only: quoted hex SHA-256 */
	char last_modified[32];     /* SIGNED only: HTTP dates of this_update */
	char expires[32];           /* and next_update */
};

/*
 * Answers one DER OCSPRequest at time now from the in-memory table; on a
 * miss, from the store (a response stored by another instance, or signed
 * now for a certificate issued moments ago) or an "unknown" response for a
 * serial this CA never issued (signed, at most a few hundred a second, then
 * tryLater). Never "good" for an unknown serial (BR 4.9.9). Always fills
 * *out (release with ca_ocsp_answer_cleanup).
 */
void ca_revocation_ocsp_answer(struct ca_revocation *rv, const unsigned char *der,
    size_t len, int64_t now, struct ca_ocsp_answer *out);
void ca_ocsp_answer_cleanup(struct ca_ocsp_answer *a);

/* HTTP: req->path is "/ocsp" (POST) or "/ocsp/..." (GET); fills resp. */
void ca_revocation_handle_ocsp(struct ca_revocation *rv, const struct ca_req *req,
    struct ca_resp *resp);
/* HTTP: req->path is "/crl/..."; fills resp (404 for unknown shards). */
void ca_revocation_handle_crl(struct ca_revocation *rv, const struct ca_req *req,
    struct ca_resp *resp);

/* ---- issuance */

/* The CRL shard of a new certificate with this serial: 0..n_shards-1,
 * spread evenly by the serial's random octets. */
int ca_crl_shard_of(const unsigned char *serial, size_t len, int n_shards);
/* The AIA OCSP URL and the CRL DP URL of a shard (caller frees); the CRL's
 * IssuingDistributionPoint uses the same bytes (BR 7.2.2.1). */
char *ca_ocsp_url(const struct ca_config *cfg);
char *ca_crl_url(const struct ca_config *cfg, int shard);

#endif
