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
	char tos_version[64];      /* terms version agreed to ("": none recorded) */
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
	int64_t reuse_until;       /* reused for new orders only before this; 0: until expires */
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
 * pool_size connections (1..CA_STORE_MAX_POOL) are opened for concurrent
 * callers; more callers wait for one. */
#define CA_STORE_MAX_POOL 64
int ca_store_open(const char *path, int pool_size, struct ca_store **out) CN_WUR;
void ca_store_close(struct ca_store *st);
/* A write returns once it is durable, but another thread may read it a
 * moment before. Waits until everything this thread's reads (since its
 * last call) may have seen is durable: call it before answering a client
 * with what was read, so that no client is shown state a crash could take
 * back. 0, or CN_ERR_STORE when the store cannot make it durable. */
int ca_store_sync_reads(struct ca_store *st) CN_WUR;

/* ---- nonces (RFC 8555 section 6.5): single use, shared by every instance.
 * Not durable: a crash may forget nonces (clients retry on badNonce), so a
 * backend keeps them where they cost no fsync (SQLite: a file of their own;
 * PostgreSQL: an UNLOGGED table). */
/* Records a new nonce value that expires at `expires`. */
int ca_store_nonce_add(struct ca_store *st, const char *nonce, int64_t expires) CN_WUR;
/* Records n new nonce values that expire at `expires`, in one transaction:
 * all or none. */
int ca_store_nonce_add_many(struct ca_store *st, const char *const *nonces, size_t n,
    int64_t expires) CN_WUR;
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
/* In one transaction: inserts the authorizations (with their challenges;
 * status, expires, reuse_until and each challenge's status and validated as
 * given, so that one may be created valid) that have id 0, then the order linked to all of o->authz_ids, where
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
 * identifier whose reuse_until, if set, is after now, newest first;
 * CN_ERR_NOT_FOUND when none. */
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
/* ca_store_challenge_finish(valid) that also sets, in the same transaction,
 * the authorization's expires and reuse_until (0: none; draft-ietf-acme-
 * dns-persist section 7.8), so that no order ever sees it valid without its
 * cap. CN_ERR_CONFLICT / CN_ERR_NOT_FOUND as ca_store_challenge_finish. */
int ca_store_challenge_valid(struct ca_store *st, int64_t chall_id, int64_t now,
    int64_t expires, int64_t reuse_until) CN_WUR;
void ca_challenge_cleanup(struct ca_challenge *c);
void ca_order_cleanup(struct ca_order *o);

/* ---- finalization and certificates */
/* In one transaction: if the order is READY, stores the CSR, sets the order
 * PROCESSING and queues a CA_JOB_FINALIZE job that workers run from
 * run_after on (a request that runs it itself at once, through
 * ca_store_job_claim_target, holds it back from them a little).
 * CN_ERR_CONFLICT otherwise. */
int ca_store_order_finalize_start(struct ca_store *st, int64_t order_id,
    const unsigned char *csr_der, size_t csr_len, int64_t run_after) CN_WUR;
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
/* Claims, as ca_store_job_claim, the job of `kind` for target_id, even
 * before its run_after (the caller runs it at once); CN_ERR_NOT_FOUND if
 * there is none or another holds it. */
int ca_store_job_claim_target(struct ca_store *st, enum ca_job_kind kind, int64_t target_id,
    int64_t now, int lease_s, struct ca_job *out) CN_WUR;
/* Deletes a finished job. */
int ca_store_job_done(struct ca_store *st, int64_t job_id) CN_WUR;
/* Releases the job to run again at run_after, attempts + 1. */
int ca_store_job_retry(struct ca_store *st, int64_t job_id, int64_t run_after) CN_WUR;

/* ---- revocation publishing (002_revocation.sql; store_sqlite_ocsp.c and
 * store_sqlite_crl.c): pre-signed OCSP responses (RFC 6960, RFC 9919), CRL
 * shards (RFC 5280 section 5, BR 7.2) and blocked keys (BR 4.9.1.1). Inserting
 * a certificate queues its first OCSP response and revoking it (any path,
 * any instance) queues a new one and marks its CRL shard stale, in the same
 * transaction (SQL triggers). */

/* Like ca_store_serial_reserve, and fixes the certificate's CRL shard
 * (>= 0); the shard's row is created if missing. */
int ca_store_serial_reserve_shard(struct ca_store *st, const char *serial_hex,
    int64_t order_id, int crl_shard, int64_t now) CN_WUR;

/* One certificate whose OCSP response is to be signed, as read in one
 * snapshot: its status and the version of the stored response. */
struct ca_ocsp_work {
	char serial[48];
	enum ca_status status;     /* VALID or REVOKED */
	int reason;
	int64_t revoked_at;
	int64_t not_after;
	int64_t resp_id;           /* id of the stored response, 0 if none */
	int64_t pending_gen;       /* gen of its ocsp_pending row, 0 if none */
};

/* A stored OCSP response. */
struct ca_ocsp_row {
	int64_t id;                /* new on every write, never reused */
	char serial[48];
	unsigned char *der;
	size_t der_len;
	int64_t this_update;
	int64_t next_update;
};
void ca_ocsp_row_cleanup(struct ca_ocsp_row *r);

/* Up to max certificates queued for a new response (new or revoked ones).
 * *out (caller frees) may be NULL when *n is 0. */
int ca_store_ocsp_pending(struct ca_store *st, size_t max, struct ca_ocsp_work **out,
    size_t *n) CN_WUR;
/* Up to max certificates whose stored response has this_update <= before
 * and that expire after not_after_min (scheduled refresh), oldest first. */
int ca_store_ocsp_due(struct ca_store *st, int64_t before, int64_t not_after_min,
    size_t max, struct ca_ocsp_work **out, size_t *n) CN_WUR;
/* In one transaction: stores der as the response of work->serial if the
 * stored one is still work->resp_id (0: none), and removes its ocsp_pending
 * row if that is still at work->pending_gen. CN_ERR_CONFLICT (nothing
 * written) when another writer was first; the caller then drops its work. */
int ca_store_ocsp_put(struct ca_store *st, const struct ca_ocsp_work *work,
    const unsigned char *der, size_t der_len, int64_t this_update,
    int64_t next_update) CN_WUR;
/* Up to max stored responses with id > after_id and next_update > now, in
 * id order (to mirror the table in memory). */
int ca_store_ocsp_since(struct ca_store *st, int64_t after_id, int64_t now, size_t max,
    struct ca_ocsp_row **out, size_t *n) CN_WUR;
/* Deletes the responses of certificates expired at now whose response has
 * expired too (next_update < now) and was signed before this_update_before
 * (bounds the scan); *n (may be NULL) counts them. */
int ca_store_ocsp_purge(struct ca_store *st, int64_t now, int64_t this_update_before,
    int64_t *n) CN_WUR;
/* The stored response of one serial; CN_ERR_NOT_FOUND if none. */
int ca_store_ocsp_get(struct ca_store *st, const char *serial_hex,
    struct ca_ocsp_row *out) CN_WUR;

/* One CRL shard as stored. */
struct ca_crl_shard {
	int shard;
	int64_t number;            /* crlNumber of der, 0 before the first CRL */
	int64_t this_update;
	int64_t next_update;
	int64_t gen;               /* bumped by each revocation in the shard */
	int64_t built_gen;         /* the gen der covers; stale while < gen */
	unsigned char *der;        /* NULL before the first CRL or when not asked for */
	size_t der_len;
};
void ca_crl_shard_cleanup(struct ca_crl_shard *s);
/* One revoked certificate on a CRL. */
struct ca_crl_entry {
	char serial[48];
	int reason;
	int64_t revoked_at;
};
/* Creates the rows of shards 0..n_shards-1 that are missing. */
int ca_store_crl_ensure(struct ca_store *st, int n_shards) CN_WUR;
/* Every shard, in shard order, with der when with_der. */
int ca_store_crl_shards(struct ca_store *st, bool with_der, struct ca_crl_shard **out,
    size_t *n) CN_WUR;
/* The revoked certificates of a shard with not_after >= not_after_min, in
 * serial order (caller frees *out; NULL when *n is 0). */
int ca_store_crl_entries(struct ca_store *st, int shard, int64_t not_after_min,
    struct ca_crl_entry **out, size_t *n) CN_WUR;
/* Stores a newly signed CRL of shard if its stored number is still
 * prev_number (compare-and-set, CN_ERR_CONFLICT otherwise); built_gen is the
 * gen read before the entries. number must exceed prev_number. */
int ca_store_crl_put(struct ca_store *st, int shard, int64_t prev_number, int64_t number,
    int64_t built_gen, const unsigned char *der, size_t der_len, int64_t this_update,
    int64_t next_update) CN_WUR;

/* Whether key_sha256 (as ca_cert.key_sha256) is blocked. */
int ca_store_key_is_blocked(struct ca_store *st, const char *key_sha256,
    bool *blocked) CN_WUR;
/*
 * Key compromise (RFC 5280 CRLReason keyCompromise = 1, BR 4.9.1.1 item 3),
 * in one transaction: blocks the key of certificate serial_hex; revokes it
 * with reason 1 (a certificate revoked before for another reason gets
 * reason 1, its revocation time kept); revokes with reason 1 every other
 * certificate with that key that is valid and not expired at now. *n_revoked
 * (may be NULL) counts the certificates changed. CN_ERR_NOT_FOUND (no such
 * certificate), CN_ERR_ALREADY_REVOKED (already revoked for keyCompromise;
 * nothing changed).
 */
int ca_store_key_compromised(struct ca_store *st, const char *serial_hex, int64_t now,
    int64_t *n_revoked) CN_WUR;
/* Blocks key_sha256 (serial_hex: the certificate that proved it, or "") and
 * revokes with reason 1 every valid unexpired certificate with that key, in
 * one transaction. Blocking a blocked key again is not an error. */
int ca_store_key_block(struct ca_store *st, const char *key_sha256, const char *serial_hex,
    int64_t now, int64_t *n_revoked) CN_WUR;

/* ==== protocol extensions (issue 4) ======================================
 * External Account Binding keys, challenge retries, pre-authorization,
 * account deactivation, ARI (RFC 9773) marks and replacements and the lists
 * `cairnd admin` prints (blocked keys are in the revocation section). SQLite: store_sqlite_eab.c,
 * store_sqlite_retry.c, store_sqlite_ari.c, store_sqlite_admin.c; schema
 * 003_protocol.sql. Same conventions as above. */

/* ---- External Account Binding keys (RFC 8555 section 7.3.4) */
#define CA_EAB_KID_MAX 64

struct ca_eab_key {
	char kid[CA_EAB_KID_MAX];  /* base64url, unique */
	unsigned char *hmac_key;   /* heap; NULL in lists; wiped by cleanup */
	size_t hmac_key_len;
	int64_t created;
	int64_t revoked;           /* time of revocation, 0 when usable */
	int64_t account_id;        /* the account it bound, 0 when unused */
	char *comment;             /* operator's note, "" when none */
};

/* Stores a new MAC key; CN_ERR_CONFLICT if kid exists. */
int ca_store_eab_create(struct ca_store *st, const char *kid, const unsigned char *key,
    size_t key_len, const char *comment, int64_t now) CN_WUR;
int ca_store_eab_get(struct ca_store *st, const char *kid, struct ca_eab_key *out) CN_WUR;
/* Every key, oldest first, without hmac_key. Free with ca_eab_keys_free. */
int ca_store_eab_list(struct ca_store *st, struct ca_eab_key **out, size_t *n) CN_WUR;
/* Revokes an unrevoked key: it binds no new account (accounts it bound are
 * unchanged). CN_ERR_NOT_FOUND, CN_ERR_CONFLICT if revoked already. */
int ca_store_eab_revoke(struct ca_store *st, const char *kid, int64_t now) CN_WUR;
/* In one transaction: the key kid must exist, be unrevoked and bind no
 * account yet (CN_ERR_UNAUTHORIZED with a detail otherwise); inserts a as
 * ca_store_account_insert does (CN_ERR_CONFLICT for a known thumbprint)
 * and binds the key to it. */
int ca_store_account_insert_eab(struct ca_store *st, struct ca_account *a,
    const char *kid) CN_WUR;
void ca_eab_key_cleanup(struct ca_eab_key *k);
void ca_eab_keys_free(struct ca_eab_key *keys, size_t n);

/* ---- challenge retry (RFC 8555 section 8.2) */
/*
 * Records one failed validation attempt of a PROCESSING challenge. While
 * fewer than max_attempts attempts have failed, the challenge goes back to
 * PENDING with error_json (its authorization and orders stay as they are)
 * and may be tried again from retry_at: *final = false. The attempt that
 * reaches max_attempts changes nothing but the count and sets *final =
 * true; the caller then records the failure with ca_store_challenge_finish.
 * CN_ERR_CONFLICT if the challenge is not PROCESSING (nothing changed).
 */
int ca_store_challenge_attempt_failed(struct ca_store *st, int64_t chall_id,
    const char *error_json, int max_attempts, int64_t retry_at, bool *final) CN_WUR;
/* Failed attempts so far and the earliest time of the next; 0 and 0 for a
 * challenge never retried (or unknown). */
int ca_store_challenge_attempts(struct ca_store *st, int64_t chall_id, int *attempts,
    int64_t *retry_at) CN_WUR;
/* As ca_store_challenge_start, but the validation job runs no earlier than
 * the challenge's retry_at (a client asking again too soon waits, section
 * 8.2); *run_at is when it runs. */
int ca_store_challenge_start_retry(struct ca_store *st, int64_t chall_id, int64_t now,
    int64_t *run_at) CN_WUR;

/* ---- pre-authorization and deactivation (RFC 8555 sections 7.4.1, 7.3.6) */
/* Inserts an authorization that belongs to no order, with its challenges;
 * writes the new ids back (az->id, each challenge's id and authz_id). */
int ca_store_authz_create(struct ca_store *st, struct ca_authz *az) CN_WUR;
/* After an account was deactivated: in one transaction its PENDING and
 * READY orders become INVALID with error_json and its PENDING
 * authorizations DEACTIVATED. */
int ca_store_account_cancel_pending(struct ca_store *st, int64_t account_id,
    const char *error_json) CN_WUR;

/* ---- ARI (RFC 9773) */
/*
 * Marks for early renewal the valid certificates with not_after > now that
 * the selector names: serial (one certificate), else account_id > 0 (all of
 * that account), else every one. A mark made again moves to now.
 * explanation_url may be "". *n: how many were marked. CN_ERR_NOT_FOUND
 * for a serial that names no such certificate.
 */
int ca_store_ari_mark(struct ca_store *st, const char *serial, int64_t account_id, int64_t now,
    const char *explanation_url, size_t *n) CN_WUR;
/* The mark of a certificate (*explanation_url heap, "" when none);
 * CN_ERR_NOT_FOUND when it is not marked. */
int ca_store_ari_mark_get(struct ca_store *st, const char *serial, int64_t *marked,
    char **explanation_url) CN_WUR;
/* Section 5: 0 if no order other than order_id (0: none) replaces serial
 * and is neither invalid nor an expired pending/ready order;
 * CN_ERR_ALREADY_REPLACED otherwise. */
int ca_store_cert_replaced(struct ca_store *st, const char *serial, int64_t order_id,
    int64_t now) CN_WUR;
/* In one transaction: the check of ca_store_cert_replaced, then records
 * that order_id replaces the certificate (cert_id as the client named it). */
int ca_store_order_replaces_set(struct ca_store *st, int64_t order_id, const char *cert_id,
    const char *serial, int64_t now) CN_WUR;
/* The certificate id an order replaces (heap); CN_ERR_NOT_FOUND if none. */
int ca_store_order_replaces_get(struct ca_store *st, int64_t order_id, char **cert_id) CN_WUR;

/* ---- lists for the administrator, newest first, ids below `before` (0:
 * from the newest), at most `limit`; account_id > 0 keeps one account's. */
int ca_store_account_list(struct ca_store *st, int64_t before, size_t limit,
    struct ca_account **out, size_t *n) CN_WUR;
int ca_store_order_ids(struct ca_store *st, int64_t account_id, int64_t before, size_t limit,
    int64_t **ids, size_t *n) CN_WUR;
/* With the DER of each certificate. */
int ca_store_cert_list(struct ca_store *st, int64_t account_id, int64_t before, size_t limit,
    struct ca_cert **out, size_t *n) CN_WUR;
void ca_accounts_free(struct ca_account *a, size_t n);
void ca_certs_free(struct ca_cert *c, size_t n);


/* ==== rate limits (RFC 8555 section 6.6) ====================================
 * What src/ca/ratelimit.c counts, from the store so that every instance on
 * it shares the counts. SQLite: store_sqlite_ratelimit.c; schema
 * 005_ratelimits.sql, whose trigger records the identifiers of every
 * certificate inserted (issued at the time its serial was reserved).
 *
 * Each ca_store_rate_* looks at the events of one kind and key whose time is
 * after `since` and writes *t, the time of the n-th newest of them (n >= 1),
 * or returns CN_ERR_NOT_FOUND when there are fewer than n. With n = a
 * limit and since = now - window: the limit is reached when *t exists, and
 * lifts once the event at *t has left the window (at *t + window). Each is
 * one index range scan of at most n entries.
 *
 * Identifier names are "dns:NAME", "dns:*.NAME" (wildcard) or "ip:ADDRESS",
 * NAME and ADDRESS normalized as policy.c does. */
#define CA_RATE_MAX_NAME 264

/* Orders the account created (orders.created). */
int ca_store_rate_orders(struct ca_store *st, int64_t account_id, int64_t since, int64_t n,
    int64_t *t) CN_WUR;
/* Invalid authorizations of the account for the identifier (wildcard or
 * not; id_value without "*."), by their creation time. */
int ca_store_rate_failed_authzs(struct ca_store *st, int64_t account_id, const char *id_type,
    const char *id_value, int64_t since, int64_t n, int64_t *t) CN_WUR;
/* Pending authorizations of the account by expiry: since = now counts those
 * still pending, *t is an expiry time. */
int ca_store_rate_pending_authzs(struct ca_store *st, int64_t account_id, int64_t since,
    int64_t n, int64_t *t) CN_WUR;
/* Accounts created from ip_key (ca_store_account_origin_set), by creation time. */
int ca_store_rate_accounts(struct ca_store *st, const char *ip_key, int64_t since, int64_t n,
    int64_t *t) CN_WUR;
/* Certificates with a DNS name equal to or below domain ("example.com"),
 * or, for domain "ip:ADDRESS", with that IP address; by issuance time. */
int ca_store_rate_certs_domain(struct ca_store *st, const char *domain, int64_t since,
    int64_t n, int64_t *t) CN_WUR;
/* Certificates of any account whose identifiers are exactly the set
 * names[0..n_names) (distinct names), by issuance time. */
int ca_store_rate_duplicates(struct ca_store *st, const char *const *names, size_t n_names,
    int64_t since, int64_t n, int64_t *t) CN_WUR;
/* *found: whether account_id holds a certificate with exactly the
 * identifiers names[0..n_names) (distinct) that expires after now. */
int ca_store_cert_renewal_of(struct ca_store *st, int64_t account_id,
    const char *const *names, size_t n_names, int64_t now, bool *found) CN_WUR;
/* Records that account_id was created at `created` from ip_key (at most
 * CA_RATE_MAX_NAME - 1 bytes); CN_ERR_CONFLICT if it has an origin already. */
int ca_store_account_origin_set(struct ca_store *st, int64_t account_id, const char *ip_key,
    int64_t created) CN_WUR;

#endif
