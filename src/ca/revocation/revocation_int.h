/*
 * revocation_int.h - state shared by the files of src/ca/revocation/:
 * responder.c (answering OCSP and CRL requests) and refresher.c (signing,
 * storing and mirroring). Nothing outside src/ca/revocation includes it.
 */
#ifndef CA_REVOCATION_INT_H
#define CA_REVOCATION_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "revocation/ocsp_cache.h"
#include "revocation/revocation.h"
#include "signer/signer.h"

/* A signed CRL shard as served. */
struct rv_crl {
	int shard;
	int64_t number;
	int64_t this_update, next_update;
	unsigned char *der;
	size_t der_len;
	char etag[68];
};

struct ca_revocation {
	const struct ca_config *cfg;
	struct ca_store *store;
	struct ca_signer *signer;
	struct ca_ocsp_cache *cache;
	/* the intermediate's CertID hashes, by enum ca_ocsp_hash */
	unsigned char name_hash[CA_OCSP_HASH_MAX][32];
	unsigned char key_hash[CA_OCSP_HASH_MAX][32];
	size_t hash_len[CA_OCSP_HASH_MAX];

	/* CRLs as served, sorted by shard (crl_mu) */
	pthread_mutex_t crl_mu;
	struct rv_crl *crls;
	size_t n_crls;

	/* budget of responses signed on demand, per second (od_mu) */
	pthread_mutex_t od_mu;
	int64_t od_second;
	int od_count;

	/* the refresher thread (mu, cv) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop, wake;
	int64_t last_id;           /* newest stored response mirrored */
	int64_t last_purge;
};

/* Lower-case hex of a store serial to octets (at most max); -1 if it is not
 * even-length hex. */
int rv_hex_to_bytes(const char *hex, unsigned char *out, size_t max);
/* thisUpdate/nextUpdate of a response signed at now (RFC 9919 3.2.4): a
 * minute back for clients' clock skew, but never before the revocation it
 * reports (revoked_at, 0 if none); nextUpdate makes the inclusive interval
 * cfg->ocsp_validity_s (BR 4.9.9). */
void rv_ocsp_times(const struct ca_revocation *rv, int64_t now, int64_t revoked_at,
    int64_t *this_update, int64_t *next_update);
/* Stores a CRL in the served table (copies der). */
void rv_crl_serve(struct ca_revocation *rv, int shard, int64_t number, int64_t this_update,
    int64_t next_update, const unsigned char *der, size_t der_len);

#endif
