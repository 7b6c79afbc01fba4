/*
 * store_sqlite_int.h - private to the SQLite backend of store.h: the
 * connection pool, the per-connection cache of prepared statements, the
 * catalog of every SQL statement the backend runs, and small helpers for
 * transactions, steps and columns. Nothing outside src/ca/store includes it.
 */
#ifndef CA_STORE_SQLITE_INT_H
#define CA_STORE_SQLITE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

/* How long a connection waits for another writer (busy handler plus our own
 * retries of BEGIN IMMEDIATE, COMMIT and autocommit statements). XXX: should
 * become a ca_config option once the config table exists. */
#define SQ_BUSY_TIMEOUT_MS 5000
#define SQ_MAX_POOL CA_STORE_MAX_POOL

/* The common column lists, so that one row reader serves several queries. */
#define SQ_ACCOUNT_COLS \
	"id, status, thumbprint, jwk_json, contact_json, tos_agreed, created, tos_version"
#define SQ_AUTHZ_COLS                                                   \
	"a.id, a.account_id, a.status, a.id_type, a.id_value, a.wildcard, " \
	"a.expires, a.created, a.reuse_until, "                         \
	"c.id, c.authz_id, c.type, c.token, c.status, c.validated, c.error_json"
#define SQ_CHALL_COLS \
	"id, authz_id, type, token, status, validated, error_json"
#define SQ_CERT_COLS                                                   \
	"id, serial, account_id, order_id, der, key_sha256, not_before, " \
	"not_after, status, reason, revoked_at"

/*
 * Every statement, prepared once per connection (SQLITE_PREPARE_PERSISTENT)
 * on first use. Parameters are always bound, never formatted in.
 */
#define SQ_STATEMENTS(X)                                                      \
	X(BEGIN, "BEGIN IMMEDIATE")                                           \
	X(COMMIT, "COMMIT")                                                   \
	X(ROLLBACK, "ROLLBACK")                                               \
	/* accounts */                                                        \
	X(ACCOUNT_INSERT, "INSERT INTO accounts (status, thumbprint, "        \
	    "jwk_json, contact_json, tos_agreed, created, tos_version) "      \
	    "VALUES (?1, ?2, ?3, coalesce(?4, '[]'), ?5, ?6, ?7)")            \
	X(ACCOUNT_GET, "SELECT " SQ_ACCOUNT_COLS " FROM accounts WHERE id = ?1") \
	X(ACCOUNT_BY_THUMB, "SELECT " SQ_ACCOUNT_COLS                         \
	    " FROM accounts WHERE thumbprint = ?1")                           \
	X(ACCOUNT_UPDATE, "UPDATE accounts SET contact_json = "               \
	    "coalesce(?2, '[]'), status = ?3, tos_agreed = ?4, "              \
	    "tos_version = ?5 WHERE id = ?1")                                 \
	X(ACCOUNT_REKEY, "UPDATE accounts SET thumbprint = ?2, jwk_json = ?3 " \
	    "WHERE id = ?1")                                                  \
	/* orders */                                                          \
	X(AUTHZ_INSERT, "INSERT INTO authzs (account_id, status, id_type, "   \
	    "id_value, wildcard, expires, created, reuse_until) "             \
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, nullif(?8, 0))")             \
	X(CHALL_INSERT, "INSERT INTO challenges (authz_id, type, token, "     \
	    "status, validated, error_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)") \
	X(ORDER_INSERT, "INSERT INTO orders (account_id, status, expires, "   \
	    "not_before, not_after, created, identifiers_json, error_json, "  \
	    "profile) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")           \
	X(ORDER_AUTHZ_INSERT, "INSERT INTO order_authzs (order_id, authz_id) " \
	    "VALUES (?1, ?2)")                                                \
	X(ORDER_GET, "SELECT o.id, o.account_id, o.status, o.expires, "       \
	    "o.not_before, o.not_after, o.created, o.identifiers_json, "      \
	    "o.error_json, o.profile, o.cert_serial, oa.authz_id "            \
	    "FROM orders o LEFT JOIN order_authzs oa ON oa.order_id = o.id "  \
	    "WHERE o.id = ?1 ORDER BY oa.authz_id")                           \
	X(ORDER_EXISTS, "SELECT 1 FROM orders WHERE id = ?1")                 \
	X(ORDER_TRANSITION, "UPDATE orders SET status = ?3, "                 \
	    "error_json = coalesce(?4, error_json) "                          \
	    "WHERE id = ?1 AND status = ?2")                                  \
	X(ORDERS_BY_ACCOUNT, "SELECT id FROM orders WHERE account_id = ?1 "   \
	    "AND id < ?2 ORDER BY id DESC LIMIT ?3")                          \
	X(ORDERS_BY_AUTHZ, "SELECT order_id FROM order_authzs "               \
	    "WHERE authz_id = ?1 ORDER BY order_id")                          \
	X(ORDER_FINALIZE, "UPDATE orders SET status = 'processing', "         \
	    "csr = ?2 WHERE id = ?1 AND status = 'ready'")                    \
	X(ORDER_CSR, "SELECT csr FROM orders WHERE id = ?1")                  \
	/* authorizations and challenges */                                   \
	X(AUTHZ_GET, "SELECT " SQ_AUTHZ_COLS " FROM authzs a "                \
	    "LEFT JOIN challenges c ON c.authz_id = a.id "                    \
	    "WHERE a.id = ?1 ORDER BY c.id")                                  \
	X(AUTHZ_EXISTS, "SELECT 1 FROM authzs WHERE id = ?1")                 \
	X(AUTHZ_TRANSITION, "UPDATE authzs SET status = ?3 "                  \
	    "WHERE id = ?1 AND status = ?2")                                  \
	X(AUTHZ_FIND_VALID, "WITH f AS (SELECT * FROM authzs "                \
	    "WHERE account_id = ?1 AND id_type = ?2 AND id_value = ?3 "       \
	    "AND wildcard = ?4 AND status = 'valid' AND expires > ?5 "        \
	    "AND (reuse_until IS NULL OR reuse_until > ?5) "                  \
	    "ORDER BY id DESC LIMIT 1) "                                      \
	    "SELECT " SQ_AUTHZ_COLS " FROM f a "                              \
	    "LEFT JOIN challenges c ON c.authz_id = a.id ORDER BY c.id")      \
	X(CHALL_GET, "SELECT " SQ_CHALL_COLS " FROM challenges WHERE id = ?1") \
	X(CHALL_EXISTS, "SELECT 1 FROM challenges WHERE id = ?1")             \
	X(CHALL_START, "UPDATE challenges SET status = 'processing' "         \
	    "WHERE id = ?1 AND status = 'pending' AND (SELECT a.status "      \
	    "FROM authzs a WHERE a.id = challenges.authz_id) = 'pending'")    \
	X(CHALL_VALID, "UPDATE challenges SET status = 'valid', "             \
	    "validated = ?2, error_json = NULL "                              \
	    "WHERE id = ?1 AND status = 'processing' RETURNING authz_id")     \
	X(CHALL_INVALID, "UPDATE challenges SET status = 'invalid', "         \
	    "error_json = ?2 "                                                \
	    "WHERE id = ?1 AND status = 'processing' RETURNING authz_id")     \
	X(AUTHZ_SET_EXPIRES, "UPDATE authzs SET expires = ?2 "               \
	    "WHERE id = ?1 AND status = 'valid'")                             \
	X(AUTHZ_SET_FROM_PENDING, "UPDATE authzs SET status = ?2 "            \
	    "WHERE id = ?1 AND status = 'pending'")                           \
	X(AUTHZ_SET_VALID, "UPDATE authzs SET status = 'valid', "             \
	    "expires = ?2, reuse_until = nullif(?3, 0) "                      \
	    "WHERE id = ?1 AND status = 'pending'")                           \
	X(ORDERS_READY, "UPDATE orders SET status = 'ready' "                 \
	    "WHERE status = 'pending' AND id IN (SELECT order_id "            \
	    "FROM order_authzs WHERE authz_id = ?1) AND NOT EXISTS ("         \
	    "SELECT 1 FROM order_authzs oa JOIN authzs a ON a.id = oa.authz_id " \
	    "WHERE oa.order_id = orders.id AND a.status <> 'valid')")         \
	X(ORDERS_INVALID, "UPDATE orders SET status = 'invalid', "            \
	    "error_json = ?2 WHERE status = 'pending' AND id IN ("            \
	    "SELECT order_id FROM order_authzs WHERE authz_id = ?1)")         \
	/* serials and certificates */                                        \
	X(SERIAL_RESERVE, "INSERT INTO serials (serial, order_id, reserved) " \
	    "VALUES (?1, ?2, ?3)")                                            \
	X(CERT_INSERT, "INSERT INTO certs (serial, account_id, order_id, der, " \
	    "key_sha256, not_before, not_after, status, reason, revoked_at) " \
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")               \
	X(ORDER_ISSUED, "UPDATE orders SET status = 'valid', "                \
	    "cert_serial = ?2 WHERE id = ?1 AND status = 'processing'")       \
	X(CERT_BY_SERIAL, "SELECT " SQ_CERT_COLS " FROM certs WHERE serial = ?1") \
	X(CERT_EXISTS, "SELECT 1 FROM certs WHERE serial = ?1")               \
	X(CERT_REVOKE, "UPDATE certs SET status = 'revoked', reason = ?2, "   \
	    "revoked_at = ?3 WHERE serial = ?1 AND status = 'valid'")         \
	X(CERT_COUNT, "SELECT count(*) FROM certs")                           \
	/* jobs */                                                            \
	X(JOB_ADD, "INSERT INTO jobs (kind, target_id, run_after) "           \
	    "VALUES (?1, ?2, ?3)")                                            \
	X(JOB_CLAIM, "UPDATE jobs SET lease_until = ?2 WHERE id = ("          \
	    "SELECT id FROM jobs WHERE run_after <= ?1 AND lease_until <= ?1 " \
	    "ORDER BY run_after, id LIMIT 1) "                                \
	    "RETURNING id, kind, target_id, attempts, run_after")             \
	X(JOB_CLAIM_TARGET, "UPDATE jobs SET lease_until = ?2 WHERE id = ("   \
	    "SELECT id FROM jobs WHERE kind = ?3 AND target_id = ?4 AND "     \
	    "lease_until <= ?1 ORDER BY id LIMIT 1) "                         \
	    "RETURNING id, kind, target_id, attempts, run_after")             \
	X(JOB_DONE, "DELETE FROM jobs WHERE id = ?1")                         \
	X(JOB_RETRY, "UPDATE jobs SET run_after = ?2, attempts = attempts + 1, " \
	    "lease_until = 0 WHERE id = ?1")                                  \
	/* revocation publishing (002_revocation.sql) */                      \
	X(SERIAL_RESERVE_SHARD, "INSERT INTO serials (serial, order_id, "     \
	    "reserved, crl_shard) VALUES (?1, ?2, ?3, ?4)")                   \
	X(CRL_ENSURE, "INSERT OR IGNORE INTO crl_shards (shard) VALUES (?1)") \
	X(OCSP_PENDING, "SELECT " SQ_OCSP_WORK_COLS ", p.gen "                \
	    "FROM ocsp_pending p JOIN certs c ON c.serial = p.serial "        \
	    "LEFT JOIN ocsp_responses o ON o.serial = p.serial LIMIT ?1")     \
	X(OCSP_DUE, "SELECT " SQ_OCSP_WORK_COLS ", coalesce(p.gen, 0) "       \
	    "FROM ocsp_responses o JOIN certs c ON c.serial = o.serial "      \
	    "LEFT JOIN ocsp_pending p ON p.serial = o.serial "                \
	    "WHERE o.this_update <= ?1 AND c.not_after >= ?2 "                \
	    "ORDER BY o.this_update LIMIT ?3")                                \
	X(OCSP_CUR_ID, "SELECT id FROM ocsp_responses WHERE serial = ?1")     \
	X(OCSP_REPLACE, "INSERT OR REPLACE INTO ocsp_responses (serial, der, " \
	    "this_update, next_update) VALUES (?1, ?2, ?3, ?4)")              \
	X(OCSP_PENDING_DONE, "DELETE FROM ocsp_pending "                      \
	    "WHERE serial = ?1 AND gen = ?2")                                 \
	X(OCSP_SINCE, "SELECT " SQ_OCSP_ROW_COLS " FROM ocsp_responses "      \
	    "WHERE id > ?1 AND next_update > ?2 ORDER BY id LIMIT ?3")        \
	X(OCSP_GET, "SELECT " SQ_OCSP_ROW_COLS " FROM ocsp_responses "        \
	    "WHERE serial = ?1")                                              \
	X(CRL_SHARDS, "SELECT shard, number, this_update, next_update, gen, " \
	    "built_gen, CASE WHEN ?1 THEN der END FROM crl_shards "           \
	    "ORDER BY shard")                                                 \
	X(CRL_ENTRIES, "SELECT c.serial, c.reason, c.revoked_at FROM certs c " \
	    "JOIN serials s ON s.serial = c.serial WHERE c.status = 'revoked' " \
	    "AND c.not_after >= ?2 AND s.crl_shard = ?1 ORDER BY c.serial")   \
	X(CRL_PUT, "UPDATE crl_shards SET number = ?3, der = ?4, "            \
	    "this_update = ?5, next_update = ?6, "                            \
	    "built_gen = max(built_gen, ?7) WHERE shard = ?1 AND number = ?2") \
	X(KEY_IS_BLOCKED, "SELECT 1 FROM blocked_keys WHERE key_sha256 = ?1") \
	X(KEY_BLOCK, "INSERT OR IGNORE INTO blocked_keys (key_sha256, "       \
	    "blocked, serial) VALUES (?1, ?2, ?3)")                           \
	X(CERT_KEY_OF, "SELECT key_sha256, status, reason FROM certs "        \
	    "WHERE serial = ?1")                                              \
	X(CERT_REASON_KEY_COMPROMISE, "UPDATE certs SET reason = 1 "          \
	    "WHERE serial = ?1 AND status = 'revoked' AND reason <> 1")       \
	X(CERTS_REVOKE_KEY, "UPDATE certs SET status = 'revoked', reason = 1, " \
	    "revoked_at = ?2 WHERE key_sha256 = ?1 AND status = 'valid' "     \
	    "AND not_after > ?2")                                             \
	X(OCSP_PURGE, "DELETE FROM ocsp_responses WHERE this_update < ?2 "    \
	    "AND next_update < ?1 AND (SELECT c.not_after FROM certs c "      \
	    "WHERE c.serial = ocsp_responses.serial) < ?1")                 \
	/* ---- protocol extensions (003_protocol.sql) */                      \
	/* EAB keys */                                                        \
	X(EAB_INSERT, "INSERT INTO eab_keys (kid, hmac_key, created, comment) " \
	    "VALUES (?1, ?2, ?3, ?4)")                                        \
	X(EAB_GET, "SELECT kid, hmac_key, created, revoked, "                 \
	    "coalesce(account_id, 0), comment FROM eab_keys WHERE kid = ?1")  \
	X(EAB_LIST, "SELECT kid, NULL, created, revoked, "                    \
	    "coalesce(account_id, 0), comment FROM eab_keys "                 \
	    "ORDER BY created, kid")                                          \
	X(EAB_EXISTS, "SELECT 1 FROM eab_keys WHERE kid = ?1")                \
	X(EAB_REVOKE, "UPDATE eab_keys SET revoked = ?2 "                     \
	    "WHERE kid = ?1 AND revoked = 0")                                 \
	X(EAB_BIND, "UPDATE eab_keys SET account_id = ?2 "                    \
	    "WHERE kid = ?1 AND revoked = 0 AND account_id IS NULL")          \
	/* challenge retry */                                                 \
	X(CHALL_STATUS, "SELECT status FROM challenges WHERE id = ?1")        \
	X(CHALL_BACK_TO_PENDING, "UPDATE challenges SET status = 'pending', " \
	    "error_json = ?2 WHERE id = ?1 AND status = 'processing'")        \
	X(CHALL_ATTEMPTS_GET, "SELECT attempts, retry_at "                    \
	    "FROM challenge_attempts WHERE challenge_id = ?1")                \
	X(CHALL_ATTEMPTS_SET, "INSERT INTO challenge_attempts (challenge_id, " \
	    "attempts, retry_at) VALUES (?1, ?2, ?3) "                        \
	    "ON CONFLICT (challenge_id) DO UPDATE SET "                       \
	    "attempts = excluded.attempts, retry_at = excluded.retry_at")     \
	/* deactivation */                                                    \
	X(ACCOUNT_ORDERS_CANCEL, "UPDATE orders SET status = 'invalid', "     \
	    "error_json = ?2 WHERE account_id = ?1 "                          \
	    "AND (status = 'pending' OR status = 'ready')")                   \
	X(ACCOUNT_AUTHZS_CANCEL, "UPDATE authzs SET status = 'deactivated' "  \
	    "WHERE account_id = ?1 AND status = 'pending'")                   \
	/* ARI */                                                             \
	X(ARI_MARK_SERIAL, "INSERT INTO ari_marks (serial, marked, "          \
	    "explanation_url) SELECT serial, ?2, ?3 FROM certs "              \
	    "WHERE serial = ?1 AND status = 'valid' AND not_after > ?2 "      \
	    "ON CONFLICT (serial) DO UPDATE SET marked = excluded.marked, "   \
	    "explanation_url = excluded.explanation_url")                     \
	X(ARI_MARK_ACCOUNT, "INSERT INTO ari_marks (serial, marked, "         \
	    "explanation_url) SELECT serial, ?2, ?3 FROM certs "              \
	    "WHERE account_id = ?1 AND status = 'valid' AND not_after > ?2 "  \
	    "ON CONFLICT (serial) DO UPDATE SET marked = excluded.marked, "   \
	    "explanation_url = excluded.explanation_url")                     \
	X(ARI_MARK_ALL, "INSERT INTO ari_marks (serial, marked, "             \
	    "explanation_url) SELECT serial, ?2, ?3 FROM certs "              \
	    "WHERE ?1 IS NULL AND status = 'valid' AND not_after > ?2 "       \
	    "ON CONFLICT (serial) DO UPDATE SET marked = excluded.marked, "   \
	    "explanation_url = excluded.explanation_url")                     \
	X(ARI_MARK_GET, "SELECT marked, explanation_url FROM ari_marks "      \
	    "WHERE serial = ?1")                                              \
	X(CERT_REPLACED, "SELECT r.order_id FROM order_replaces r "           \
	    "JOIN orders o ON o.id = r.order_id "                             \
	    "WHERE r.serial = ?1 AND r.order_id <> ?2 "                       \
	    "AND o.status <> 'invalid' AND NOT ((o.status = 'pending' "       \
	    "OR o.status = 'ready') AND o.expires <= ?3) LIMIT 1")            \
	X(ORDER_REPLACES_INSERT, "INSERT INTO order_replaces (order_id, "     \
	    "cert_id, serial) VALUES (?1, ?2, ?3)")                           \
	X(ORDER_REPLACES_GET, "SELECT cert_id FROM order_replaces "           \
	    "WHERE order_id = ?1")                                            \
	/* lists */                                                           \
	X(ACCOUNT_LIST, "SELECT " SQ_ACCOUNT_COLS " FROM accounts "           \
	    "WHERE id < ?1 ORDER BY id DESC LIMIT ?2")                        \
	X(ORDER_IDS_ALL, "SELECT id FROM orders WHERE id < ?1 "               \
	    "ORDER BY id DESC LIMIT ?2")                                      \
	X(CERT_LIST, "SELECT " SQ_CERT_COLS " FROM certs WHERE id < ?1 "      \
	    "AND (?2 = 0 OR account_id = ?2) ORDER BY id DESC LIMIT ?3")      \
	/* ---- rate limits (005_ratelimits.sql) */                           \
	/* the time of the n-th newest event after since: OFFSET n - 1 */     \
	X(RATE_ORDERS, "SELECT created FROM orders WHERE account_id = ?1 "    \
	    "AND created > ?2 ORDER BY created DESC LIMIT 1 OFFSET ?3")       \
	X(RATE_FAILED_AUTHZS, "SELECT created FROM authzs "                   \
	    "WHERE account_id = ?1 AND id_type = ?2 AND id_value = ?3 "       \
	    "AND status = 'invalid' AND created > ?4 "                        \
	    "ORDER BY created DESC LIMIT 1 OFFSET ?5")                        \
	X(RATE_PENDING_AUTHZS, "SELECT expires FROM authzs "                  \
	    "WHERE account_id = ?1 AND status = 'pending' AND expires > ?2 "  \
	    "ORDER BY expires DESC LIMIT 1 OFFSET ?3")                        \
	X(RATE_ACCOUNTS, "SELECT created FROM account_origins "               \
	    "WHERE ip_key = ?1 AND created > ?2 "                             \
	    "ORDER BY created DESC LIMIT 1 OFFSET ?3")                        \
	X(RATE_CERTS_DOMAIN, "SELECT issued FROM cert_domains "               \
	    "WHERE domain = ?1 AND issued > ?2 "                              \
	    "ORDER BY issued DESC LIMIT 1 OFFSET ?3")                         \
	X(RATE_DUPLICATES, "SELECT cn.issued FROM cert_names cn "             \
	    "WHERE cn.name = ?1 AND cn.n_names = ?2 AND cn.issued > ?3 "      \
	    "AND " SQ_RATE_SAME_SET " ORDER BY cn.issued DESC "               \
	    "LIMIT 1 OFFSET ?5")                                              \
	X(CERT_RENEWAL_OF, "SELECT 1 FROM cert_names cn "                     \
	    "WHERE cn.account_id = ?5 AND cn.name = ?1 AND cn.n_names = ?2 "  \
	    "AND cn.not_after > ?3 AND " SQ_RATE_SAME_SET " LIMIT 1")         \
	X(ACCOUNT_ORIGIN_SET, "INSERT INTO account_origins (account_id, "     \
	    "ip_key, created) VALUES (?1, ?2, ?3)")

/* Revocation publishing: the certificate's state and its stored response's
 * id (o), then the pending gen; and a stored response. */
#define SQ_OCSP_WORK_COLS                                                  \
	"c.serial, c.status, c.reason, c.revoked_at, c.not_after, "       \
	"coalesce(o.id, 0)"
#define SQ_OCSP_ROW_COLS "id, serial, der, this_update, next_update"

/* Rate limits: certificate cn (of n_names = ?2 names, one of them ?1) has
 * exactly the names of the JSON array ?4, which holds ?2 distinct names. */
#define SQ_RATE_SAME_SET                                                   \
	"(SELECT count(*) FROM cert_names x WHERE x.cert_id = cn.cert_id " \
	"AND x.name IN (SELECT value FROM json_each(?4))) = ?2"

#define SQ_ENUM(name, sql) SQ_##name,
enum sq_stmt_id { SQ_STATEMENTS(SQ_ENUM) SQ_STMT_MAX };
#undef SQ_ENUM

/* Group commit (store_sqlite_sync.c). Sequence numbers count durable
 * commits of this process; 0 means none. */
struct sq_sync {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	_Atomic int64_t begun;             /* numbers handed out (commit hook) */
	_Atomic int64_t synced;            /* every commit <= this is on disk */
	int64_t written;                   /* every commit <= this is in the file (mu) */
	bool syncing;                      /* a leader is in fdatasync (mu) */
	int n_wait_written;                /* waiters for `written` to grow (mu) */
	uint64_t n_syncs;                  /* fdatasyncs done (mu) */
	int fd;                            /* the WAL file, -1 until needed */
	bool ready;
	char wal_path[4096];
};

int sq_sync_init(struct sq_sync *sy, const char *db_path) CN_WUR;
void sq_sync_fini(struct sq_sync *sy);
/* From the commit hook of a durable transaction: its sequence number. */
int64_t sq_sync_begun(struct sq_sync *sy);
/* After the COMMIT of number `seq` returned (or failed): records it as
 * written and waits until it is synced. 0 or CN_ERR_STORE (logged). */
int sq_sync_wait(struct sq_sync *sy, int64_t seq) CN_WUR;
/* Waits until every commit begun so far is synced. 0 or CN_ERR_STORE. */
int sq_sync_reader(struct sq_sync *sy) CN_WUR;
/* At the release of a connection that only read: notes for this thread
 * what it may have seen, for ca_store_sync_reads. */
void sq_sync_note_read(struct sq_sync *sy);
/* How many fdatasyncs were done (tests, benchmarks). */
uint64_t sq_sync_count(struct sq_sync *sy);

struct sq_conn {
	sqlite3 *db;
	sqlite3_stmt *stmt[SQ_STMT_MAX];   /* prepared on first use */
	unsigned char used[SQ_STMT_MAX];   /* handed out since acquire */
	bool light;                        /* this transaction need not be durable */
	int64_t commit_seq;                /* number of its last commit, not yet waited for */
	bool synced_own;                   /* a durable commit of it is synced */
	struct sq_sync *sync;              /* the store's */
	pthread_mutex_t *wmu;              /* the store's writer mutex */
	bool holds_wmu;                    /* in a write transaction */
};

struct ca_store {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n_conns;
	struct sq_conn *conns;
	int *free_idx;                     /* LIFO of idle connections */
	int n_free;
	pthread_mutex_t wmu;               /* one writer of this process at a time */
	struct sq_sync sync;               /* group commit */
	struct sq_nonces *nonces;          /* store_sqlite_nonce.c */
};

/* The nonce database beside the main one (store_sqlite_nonce.c). */
struct sq_nonces;
int sq_nonces_open(const char *main_path, struct sq_nonces **out) CN_WUR;
void sq_nonces_close(struct sq_nonces *n);

/* Takes an idle connection, waiting for one if all are busy; never NULL. */
struct sq_conn *sq_acquire(struct ca_store *st);
/* Rolls back a transaction left open (after a failure), resets every
 * statement handed out and returns the connection to the pool. NULL-safe. */
void sq_release(struct ca_store *st, struct sq_conn *c);

/* The cached statement id, reset with its bindings cleared (borrowed: valid
 * until sq_release). CN_ERR_STORE if it cannot be prepared. */
int sq_stmt(struct sq_conn *c, enum sq_stmt_id id, sqlite3_stmt **out) CN_WUR;
/* Runs one step: 1 for a row, 0 when done, or a negative CN_ERR_*: a
 * uniqueness violation is CN_ERR_CONFLICT, a missing foreign-key parent
 * CN_ERR_NOT_FOUND, anything else CN_ERR_STORE (logged). SQLITE_BUSY is
 * retried within SQ_BUSY_TIMEOUT_MS where that is safe: outside a
 * transaction, and for BEGIN and COMMIT. */
int sq_step(struct sq_conn *c, sqlite3_stmt *s) CN_WUR;
/* Steps a statement that returns no row (or whose rows are ignored) to the
 * end; returns 0 or as sq_step. */
int sq_exec(struct sq_conn *c, sqlite3_stmt *s) CN_WUR;
/* BEGIN IMMEDIATE / COMMIT. A failed transaction is rolled back by
 * sq_release. Writers of this process queue on the store's writer mutex
 * before BEGIN, held until COMMIT or ROLLBACK: a waiter wakes the moment
 * the writer before it is done, where SQLite's busy handler would sleep
 * 1 to 100 ms between attempts (bench/README.md). Other processes still
 * meet at BEGIN IMMEDIATE. sq_commit returns once the transaction is on
 * disk; the sync is shared with the commits of other threads
 * (store_sqlite_sync.c) and happens after the writer mutex is released. */
int sq_begin(struct sq_conn *c) CN_WUR;
int sq_commit(struct sq_conn *c) CN_WUR;
/* BEGIN IMMEDIATE of a transaction whose COMMIT need not be durable: its
 * COMMIT does not wait for a sync (WAL keeps it consistent, and the next
 * durable commit's sync or a checkpoint makes it durable). Only for writes
 * a crash may undo without harm: job leases, and the deletion or
 * rescheduling of jobs whose work is idempotent (store_sqlite_job.c), and
 * "good" OCSP responses, which are signed again (store_sqlite_ocsp.c). */
int sq_begin_light(struct sq_conn *c) CN_WUR;
/* Logs the connection's last SQLite error once with `what`, records it as
 * the thread's error detail and returns CN_ERR_STORE. */
int sq_fail(struct sq_conn *c, const char *what);
/* Number of rows the last INSERT/UPDATE/DELETE of c changed. */
int64_t sq_changes(struct sq_conn *c);
/* Inserts the account row (inside the caller's transaction); *id: its id. */
int sq_account_insert_row(struct sq_conn *c, const struct ca_account *a, int64_t *id) CN_WUR;

/* The cached statement id (as sq_stmt) with its first parameter bound:
 * text when key_text is non-NULL (borrowed until sq_release), else key_id.
 * 0 or CN_ERR_STORE. sq_stmt_text and sq_stmt_int64 name one kind. */
int sq_stmt_key(struct sq_conn *c, enum sq_stmt_id id, int64_t key_id,
    const char *key_text, sqlite3_stmt **out) CN_WUR;
int sq_stmt_text(struct sq_conn *c, enum sq_stmt_id id, const char *text,
    sqlite3_stmt **out) CN_WUR;
int sq_stmt_int64(struct sq_conn *c, enum sq_stmt_id id, int64_t v,
    sqlite3_stmt **out) CN_WUR;
/* Steps s to its first row: 0 when there is one, CN_ERR_NOT_FOUND with
 * `missing` as the detail when there is none, or as sq_step. */
int sq_found(struct sq_conn *c, sqlite3_stmt *s, const char *missing) CN_WUR;

/* After a compare-and-set that changed nothing, inside its transaction:
 * runs the one-parameter existence query `exists` (binding text when
 * non-NULL, else id) and returns CN_ERR_NOT_FOUND when the row is missing,
 * else `other` (CN_ERR_CONFLICT, CN_ERR_ALREADY_REVOKED). */
int sq_missing_or(struct sq_conn *c, enum sq_stmt_id exists, int64_t id,
    const char *text, int other, const char *what) CN_WUR;
/* Runs the compare-and-set s inside its transaction (as sq_exec); when it
 * changed no row, returns as sq_missing_or with the other arguments. */
int sq_exec_cas(struct sq_conn *c, sqlite3_stmt *s, enum sq_stmt_id exists, int64_t id,
    const char *text, int other, const char *what) CN_WUR;
/* Queues a job runnable from run_after, inside the caller's transaction. */
int sq_job_add(struct sq_conn *c, enum ca_job_kind kind, int64_t target_id,
    int64_t run_after) CN_WUR;

/* Binds a string of a fixed-size char array (stops at its NUL or its end). */
int sq_bind_arr(sqlite3_stmt *s, int i, const char *arr, size_t size);
/* Binds a status as its RFC 8555 string. */
int sq_bind_status(sqlite3_stmt *s, int i, enum ca_status st);

/* Column readers; each returns 0 or CN_ERR_STORE (logged) on a value that
 * does not fit, which only a corrupted or foreign database contains. */
/* Heap copy of a text column, NULL when SQL NULL. */
char *sq_col_dup(sqlite3_stmt *s, int col);
/* Copies a text column into dst[size]; NULL becomes "". */
int sq_col_arr(struct sq_conn *c, sqlite3_stmt *s, int col, char *dst,
    size_t size) CN_WUR;
int sq_col_status(struct sq_conn *c, sqlite3_stmt *s, int col,
    enum ca_status *out) CN_WUR;

/* Readers of the SQ_CHALL_COLS columns starting at col into *out (filled
 * only on success). */
int sq_chall_row(struct sq_conn *c, sqlite3_stmt *s, int col,
    struct ca_challenge *out) CN_WUR;
/* Reads an authorization with its challenges from a statement whose rows
 * are SQ_AUTHZ_COLS (one per challenge, challenge columns NULL when it has
 * none), the statement already stepped to its first row. */
int sq_authz_rows(struct sq_conn *c, sqlite3_stmt *s, struct ca_authz *out) CN_WUR;

#endif
