/*
 * store.h - the one interface to cairnd's durable state.
 *
 * The store is the truth: every state change (account, order, authz,
 * challenge, serial, certificate, revocation, job) is committed before the
 * response reporting it is sent. Backends: store_sqlite.c (embedded default);
 * a PostgreSQL backend implements the same functions.
 *
 * Threads: a struct ca_store is shared by all threads; each call takes a
 * connection from the backend's pool for its duration. Every function returns
 * 0 or a negative CN_ERR_* (CN_ERR_NOT_FOUND when a row does not exist,
 * CN_ERR_CONFLICT when a uniqueness or compare-and-set condition fails,
 * CN_ERR_STORE on a database failure, logged once with the SQL message).
 * Out-structs are written only on success and owned by the caller, who
 * releases them with the matching _cleanup (embedded) function.
 *
 * Times are Unix seconds (int64_t). Statuses are RFC 8555 section 7.1.6
 * strings stored as enum ca_status.
 */
#ifndef CA_STORE_H
#define CA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum ca_status {
	CA_ST_PENDING,
	CA_ST_READY,
	CA_ST_PROCESSING,
	CA_ST_VALID,
	CA_ST_INVALID,
	CA_ST_DEACTIVATED,
	CA_ST_EXPIRED,
	CA_ST_REVOKED,
	CA_ST_MAX
};
const char *ca_status_str(enum ca_status s);
int ca_status_parse(const char *s, enum ca_status *out);

struct ca_store;

struct ca_account {
	int64_t id;
	enum ca_status status;     /* VALID, DEACTIVATED, REVOKED */
	char thumbprint[48];       /* RFC 7638 base64url SHA-256, unique */
	char *jwk_json;            /* public JWK, canonical compact JSON */
	char *contact_json;        /* JSON array of strings, "[]" when none */
	bool tos_agreed;
	int64_t created;
};

struct ca_challenge {
	int64_t id;
	int64_t authz_id;
	char type[24];             /* "http-01", "dns-01", "tls-alpn-01" */
	char token[64];            /* base64url, >= 128 bits */
	enum ca_status status;     /* PENDING, PROCESSING, VALID, INVALID */
	int64_t validated;         /* 0 until valid */
	char *error_json;          /* problem document or NULL */
};

struct ca_authz {
	int64_t id;
	int64_t account_id;
	enum ca_status status;     /* PENDING, VALID, INVALID, DEACTIVATED, EXPIRED, REVOKED */
	char id_type[8];           /* "dns" or "ip" */
	char *id_value;            /* without "*." for wildcards */
	bool wildcard;
	int64_t expires;
	int64_t created;
	size_t n_challenges;
	struct ca_challenge *challenges;
};

struct ca_order {
	int64_t id;
	int64_t account_id;
	enum ca_status status;     /* PENDING, READY, PROCESSING, VALID, INVALID */
	int64_t expires;
	int64_t not_before;        /* 0 when not requested */
	int64_t not_after;         /* 0 when not requested */
	int64_t created;
	char *identifiers_json;    /* JSON array of {"type","value"} as requested */
	char *error_json;          /* problem document or NULL */
	char *profile;             /* NULL when none */
	char cert_serial[48];      /* hex serial of the issued certificate, "" until valid */
	size_t n_authz;
	int64_t *authz_ids;
};

struct ca_cert {
	int64_t id;
	char serial[48];           /* lower-case hex, unique */
	int64_t account_id;
	int64_t order_id;
	unsigned char *der;
	size_t der_len;
	char key_sha256[48];       /* base64url SHA-256 of the SubjectPublicKeyInfo DER */
	int64_t not_before;
	int64_t not_after;
	enum ca_status status;     /* VALID or REVOKED */
	int reason;                /* RFC 5280 CRLReason when revoked */
	int64_t revoked_at;
};

enum ca_job_kind { CA_JOB_VALIDATE, CA_JOB_FINALIZE, CA_JOB_MAX };

struct ca_job {
	int64_t id;
	enum ca_job_kind kind;
	int64_t target_id;         /* challenge id (VALIDATE) or order id (FINALIZE) */
	int attempts;
	int64_t run_after;
};

/* Opens (creating and migrating the schema when needed) the store at path.
 * pool_size connections are opened for concurrent callers. */
int ca_store_open(const char *path, int pool_size, struct ca_store **out) CN_WUR;
void ca_store_close(struct ca_store *st);

/* ---- nonces (RFC 8555 section 6.5): single use, shared by every instance.
 * Not durable: a crash may forget nonces (clients retry on badNonce), so a
 * backend keeps them where they cost no fsync (SQLite: a file of their own;
 * PostgreSQL: an UNLOGGED table). */
/* Records a new nonce value that expires at `expires`. */
int ca_store_nonce_add(struct ca_store *st, const char *nonce, int64_t expires) CN_WUR;
/* Consumes a nonce: 0 if it existed and had not expired (it is deleted),
 * CN_ERR_BAD_NONCE otherwise. */
int ca_store_nonce_take(struct ca_store *st, const char *nonce, int64_t now) CN_WUR;
/* Deletes expired nonces; returns 0. */
int ca_store_nonce_purge(struct ca_store *st, int64_t now) CN_WUR;

/* ---- accounts */
/* Inserts a with a new id (written to a->id); CN_ERR_CONFLICT if the
 * thumbprint exists already. */
int ca_store_account_insert(struct ca_store *st, struct ca_account *a) CN_WUR;
int ca_store_account_get(struct ca_store *st, int64_t id, struct ca_account *out) CN_WUR;
int ca_store_account_by_thumbprint(struct ca_store *st, const char *thumbprint,
    struct ca_account *out) CN_WUR;
/* Updates contact_json, status and tos_agreed of the row with a->id. */
int ca_store_account_update(struct ca_store *st, const struct ca_account *a) CN_WUR;
/* Replaces the account's key (RFC 8555 section 7.3.5) if thumbprint is
 * unused; CN_ERR_CONFLICT if another account has that key. */
int ca_store_account_rekey(struct ca_store *st, int64_t id, const char *thumbprint,
    const char *jwk_json) CN_WUR;
void ca_account_cleanup(struct ca_account *a);

/* ---- orders, authorizations, challenges */
/* In one transaction: inserts the authorizations (with their challenges)
 * that have id 0, then the order linked to all of o->authz_ids, where
 * authz_ids[i] == 0 means "the id of the next new authz in authzs". Writes
 * every new id back (authz ids, challenge ids and authz_id, o->id,
 * o->authz_ids). */
int ca_store_order_create(struct ca_store *st, struct ca_order *o,
    struct ca_authz *authzs, size_t n_authzs) CN_WUR;
int ca_store_order_get(struct ca_store *st, int64_t id, struct ca_order *out) CN_WUR;
/* Sets status (and error_json when non-NULL) only if the current status is
 * `from`; CN_ERR_CONFLICT otherwise. */
int ca_store_order_transition(struct ca_store *st, int64_t id, enum ca_status from,
    enum ca_status to, const char *error_json) CN_WUR;
/* Orders of an account, newest first: up to `limit` ids with id < before_id
 * (0: from the newest). */
int ca_store_orders_by_account(struct ca_store *st, int64_t account_id, int64_t before_id,
    size_t limit, int64_t **ids, size_t *n) CN_WUR;
/* Ids of orders that include authorization authz_id. */
int ca_store_orders_by_authz(struct ca_store *st, int64_t authz_id, int64_t **ids,
    size_t *n) CN_WUR;

int ca_store_authz_get(struct ca_store *st, int64_t id, struct ca_authz *out) CN_WUR;
/* Sets the authorization's status only if it is `from`; CN_ERR_CONFLICT otherwise. */
int ca_store_authz_transition(struct ca_store *st, int64_t id, enum ca_status from,
    enum ca_status to) CN_WUR;
/* A valid, unexpired (expires > now) authorization of this account for this
 * identifier, newest first; CN_ERR_NOT_FOUND when none. */
int ca_store_authz_find_valid(struct ca_store *st, int64_t account_id, const char *id_type,
    const char *id_value, bool wildcard, int64_t now, struct ca_authz *out) CN_WUR;
/* Sets the expiry of a VALID authorization (how long it may be reused);
 * CN_ERR_CONFLICT if it is not valid. */
int ca_store_authz_set_expires(struct ca_store *st, int64_t id, int64_t expires) CN_WUR;
void ca_authz_cleanup(struct ca_authz *a);

int ca_store_challenge_get(struct ca_store *st, int64_t id, struct ca_challenge *out) CN_WUR;
/* In one transaction: if the challenge is PENDING and its authorization is
 * PENDING, sets the challenge PROCESSING and queues a CA_JOB_VALIDATE job for
 * it. CN_ERR_CONFLICT (nothing changed) otherwise. */
int ca_store_challenge_start(struct ca_store *st, int64_t chall_id, int64_t now) CN_WUR;
/* In one transaction: records the outcome of a validation. valid: the
 * challenge becomes VALID (validated = now) and its authorization VALID;
 * every order that includes the authorization and is PENDING becomes READY
 * once all of its authorizations are VALID. invalid: the challenge becomes
 * INVALID with error_json, the authorization INVALID, and every PENDING order
 * that includes it INVALID with error_json. */
int ca_store_challenge_finish(struct ca_store *st, int64_t chall_id, bool valid,
    const char *error_json, int64_t now) CN_WUR;
void ca_challenge_cleanup(struct ca_challenge *c);
void ca_order_cleanup(struct ca_order *o);

/* ---- finalization and certificates */
/* In one transaction: if the order is READY, stores the CSR, sets the order
 * PROCESSING and queues a CA_JOB_FINALIZE job. CN_ERR_CONFLICT otherwise. */
int ca_store_order_finalize_start(struct ca_store *st, int64_t order_id,
    const unsigned char *csr_der, size_t csr_len, int64_t now) CN_WUR;
/* The CSR stored by finalize_start (caller frees *der). */
int ca_store_order_csr(struct ca_store *st, int64_t order_id, unsigned char **der,
    size_t *len) CN_WUR;
/* Reserves a serial before anything is signed with it; CN_ERR_CONFLICT if
 * it was ever used. */
int ca_store_serial_reserve(struct ca_store *st, const char *serial_hex,
    int64_t order_id, int64_t now) CN_WUR;
/* In one transaction: inserts the certificate (c->id written back) and sets
 * its order VALID with cert_serial (the order must be PROCESSING). */
int ca_store_cert_insert(struct ca_store *st, struct ca_cert *c) CN_WUR;
int ca_store_cert_by_serial(struct ca_store *st, const char *serial_hex,
    struct ca_cert *out) CN_WUR;
/* Marks the certificate revoked; CN_ERR_ALREADY_REVOKED if it is. */
int ca_store_cert_revoke(struct ca_store *st, const char *serial_hex, int reason,
    int64_t now) CN_WUR;
/* Number of certificates stored. */
int ca_store_cert_count(struct ca_store *st, int64_t *out) CN_WUR;
void ca_cert_cleanup(struct ca_cert *c);

/* ---- jobs (durable work queue; claimed with BEGIN IMMEDIATE on SQLite,
 * FOR UPDATE SKIP LOCKED on PostgreSQL, so any instance may run any job) */
/* Claims the oldest job with run_after <= now that nobody holds (or whose
 * lease expired), leasing it until now + lease_s. CN_ERR_NOT_FOUND if none. */
int ca_store_job_claim(struct ca_store *st, int64_t now, int lease_s, struct ca_job *out) CN_WUR;
/* Deletes a finished job. */
int ca_store_job_done(struct ca_store *st, int64_t job_id) CN_WUR;
/* Releases the job to run again at run_after, attempts + 1. */
int ca_store_job_retry(struct ca_store *st, int64_t job_id, int64_t run_after) CN_WUR;

#endif
