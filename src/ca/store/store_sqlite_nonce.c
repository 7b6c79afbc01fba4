/*
 * store_sqlite_nonce.c - RFC 8555 section 6.5 anti-replay nonces in the
 * SQLite store. Nonces live in the store, not in memory, so that any cairnd
 * instance accepts a nonce any other issued; each is single use: taking it
 * deletes it in the same statement that checks it.
 *
 * They are kept in a database file of their own beside the main one
 * (PATH-nonces), which every process opening the store shares, with
 * synchronous=NORMAL: a nonce costs no fsync and never waits for the main
 * database's write lock, which is held through the fsync of every durable
 * commit. Two requests per issuance step used to cost two durable commits
 * (bench/README.md). What a crash can do to this file is harmless: it may
 * forget nonces (clients get badNonce and retry with the fresh nonce of
 * that response, section 6.5) or bring back, after a power loss, a nonce
 * consumed by a request whose own effects were not durable either (any
 * durable effect was committed after the nonce was taken). A file that
 * cannot be opened as a database is recreated: it holds nothing else.
 *
 * Nonce operations of this process are serialized on one connection under
 * a mutex; each is one short autocommit statement. Other processes meet
 * them at SQLite's file locks (busy timeout).
 */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

static const char nonce_schema[] =
    "CREATE TABLE IF NOT EXISTS nonces (\n"
    "	value TEXT PRIMARY KEY,\n"
    "	expires INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS nonces_expires ON nonces (expires);\n";

enum { NQ_ADD, NQ_TAKE, NQ_PURGE, NQ_BEGIN, NQ_COMMIT, NQ_ROLLBACK, NQ_MAX };
static const char *const nonce_sql[NQ_MAX] = {
	[NQ_ADD] = "INSERT INTO nonces (value, expires) VALUES (?1, ?2)",
	[NQ_BEGIN] = "BEGIN IMMEDIATE",
	[NQ_COMMIT] = "COMMIT",
	[NQ_ROLLBACK] = "ROLLBACK",
	[NQ_TAKE] = "DELETE FROM nonces WHERE value = ?1 RETURNING expires",
	[NQ_PURGE] = "DELETE FROM nonces WHERE expires <= ?1",
};

struct sq_nonces {
	pthread_mutex_t mu;
	sqlite3 *db;
	sqlite3_stmt *stmt[NQ_MAX];
	char *path;
};

static int nonce_fail(sqlite3 *db, const char *path, const char *what)
{
	CN_LOG(CN_LOG_ERR, "store", "%s: %s: %s (%d)", path, what,
	    db ? sqlite3_errmsg(db) : "out of memory",
	    db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM);
	return cn_err_set(CN_ERR_STORE, "store: nonces: %s: %s", what,
	    db ? sqlite3_errmsg(db) : "out of memory");
}

static bool is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* Opens the nonce database at path, creating it and its table. *bad is
 * set when the file is not a usable database (then it may be recreated). */
static int nonce_db_open(const char *path, sqlite3 **out, bool *bad)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int rc, r;

	*bad = false;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = nonce_fail(db, path, "open");
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, SQ_BUSY_TIMEOUT_MS);
	rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", NULL,
	    NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, nonce_schema, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		*bad = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
		CN_LOG(*bad ? CN_LOG_WARN : CN_LOG_ERR, "store", "%s: %s", path,
		    msg ? msg : sqlite3_errstr(rc));
		r = cn_err_set(CN_ERR_STORE, "store: cannot set up %s", path);
		goto out;
	}
	*out = db;
	db = NULL;
	r = 0;
out:
	sqlite3_free(msg);
	sqlite3_close(db);
	return r;
}

int sq_nonces_open(const char *main_path, struct sq_nonces **out)
{
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	struct sq_nonces *n = cn_xcalloc(1, sizeof(*n));
	size_t len = strlen(main_path) + sizeof("-nonces-wal");
	char *p = cn_xmalloc(len);
	bool bad = false;
	size_t i;
	int r;

	n->path = cn_xmalloc(len);
	snprintf(n->path, len, "%s-nonces", main_path);
	pthread_mutex_init(&n->mu, NULL);
	r = nonce_db_open(n->path, &n->db, &bad);
	if (r != 0 && bad) {
		CN_LOG(CN_LOG_WARN, "store", "%s is damaged; starting a new nonce database", n->path);
		for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
			snprintf(p, len, "%s%s", n->path, suffixes[i]);
			unlink(p);
		}
		r = nonce_db_open(n->path, &n->db, &bad);
	}
	free(p);
	if (r != 0) {
		sq_nonces_close(n);
		return r;
	}
	*out = n;
	return 0;
}

void sq_nonces_close(struct sq_nonces *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < NQ_MAX; i++)
		sqlite3_finalize(n->stmt[i]);
	if (n->db && sqlite3_close(n->db) != SQLITE_OK)
		CN_LOG(CN_LOG_ERR, "store", "close %s: %s", n->path, sqlite3_errmsg(n->db));
	pthread_mutex_destroy(&n->mu);
	free(n->path);
	free(n);
}

/* The cached statement, reset; called with n->mu held. */
static int nonce_stmt(struct sq_nonces *n, int id, sqlite3_stmt **out)
{
	if (n->stmt[id] == NULL) {
		if (sqlite3_prepare_v3(n->db, nonce_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		        &n->stmt[id], NULL) != SQLITE_OK)
			return nonce_fail(n->db, n->path, nonce_sql[id]);
	} else {
		sqlite3_reset(n->stmt[id]);
		sqlite3_clear_bindings(n->stmt[id]);
	}
	*out = n->stmt[id];
	return 0;
}

/* One step of an autocommit statement, retried while another process holds
 * the file (the busy handler waited already): 1 row, 0 done, or an error. */
static int nonce_step(struct sq_nonces *n, sqlite3_stmt *s)
{
	int rc, tries;

	for (tries = 0;; tries++) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			return 1;
		if (rc == SQLITE_DONE)
			return 0;
		sqlite3_reset(s);
		if (!is_busy(rc) || tries >= 3)
			break;
	}
	if (sqlite3_extended_errcode(n->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		return cn_err_set(CN_ERR_CONFLICT, "store: nonce exists already");
	return nonce_fail(n->db, n->path, sqlite3_sql(s));
}

int ca_store_nonce_add(struct ca_store *st, const char *nonce, int64_t expires)
{
	struct sq_nonces *n = st->nonces;
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&n->mu);
	r = nonce_stmt(n, NQ_ADD, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, nonce, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, expires) != SQLITE_OK) {
		r = nonce_fail(n->db, n->path, "bind");
		goto out;
	}
	r = nonce_step(n, s);
out:
	if (s)
		sqlite3_reset(s);
	pthread_mutex_unlock(&n->mu);
	return r;
}

/* Runs one statement without parameters; n->mu held. */
static int nonce_simple(struct sq_nonces *n, int id)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = nonce_stmt(n, id, &s);
	if (r == 0)
		r = nonce_step(n, s);
	if (s)
		sqlite3_reset(s);
	return r;
}

int ca_store_nonce_add_many(struct ca_store *st, const char *const *nonces, size_t count,
    int64_t expires)
{
	struct sq_nonces *n = st->nonces;
	sqlite3_stmt *s = NULL;
	size_t i;
	int r;

	pthread_mutex_lock(&n->mu);
	r = nonce_simple(n, NQ_BEGIN);
	for (i = 0; r == 0 && i < count; i++) {
		r = nonce_stmt(n, NQ_ADD, &s);
		if (r != 0)
			break;
		if (sqlite3_bind_text(s, 1, nonces[i], -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 2, expires) != SQLITE_OK)
			r = nonce_fail(n->db, n->path, "bind");
		else
			r = nonce_step(n, s);
		sqlite3_reset(s);
	}
	if (r == 0)
		r = nonce_simple(n, NQ_COMMIT);
	if (r != 0 && !sqlite3_get_autocommit(n->db) && nonce_simple(n, NQ_ROLLBACK) != 0)
		CN_LOG(CN_LOG_ERR, "store", "%s: rollback failed", n->path);
	pthread_mutex_unlock(&n->mu);
	return r;
}

int ca_store_nonce_take(struct ca_store *st, const char *nonce, int64_t now)
{
	struct sq_nonces *n = st->nonces;
	sqlite3_stmt *s = NULL;
	int64_t expires = 0;
	int r;

	pthread_mutex_lock(&n->mu);
	r = nonce_stmt(n, NQ_TAKE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, nonce, -1, SQLITE_STATIC) != SQLITE_OK) {
		r = nonce_fail(n->db, n->path, "bind");
		goto out;
	}
	r = nonce_step(n, s);
	if (r < 0)
		goto out;
	if (r == 0) {
		r = cn_err_set(CN_ERR_BAD_NONCE, "unknown or used nonce");
		goto out;
	}
	expires = sqlite3_column_int64(s, 0);
	/* Step to the end: the DELETE commits when the statement finishes. */
	r = nonce_step(n, s);
	if (r < 0)
		goto out;
	/* An expired nonce is deleted as well: it can never be good again. */
	r = expires <= now ? cn_err_set(CN_ERR_BAD_NONCE, "expired nonce") : 0;
out:
	if (s)
		sqlite3_reset(s);
	pthread_mutex_unlock(&n->mu);
	return r;
}

int ca_store_nonce_purge(struct ca_store *st, int64_t now)
{
	struct sq_nonces *n = st->nonces;
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&n->mu);
	r = nonce_stmt(n, NQ_PURGE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, now) != SQLITE_OK) {
		r = nonce_fail(n->db, n->path, "bind");
		goto out;
	}
	r = nonce_step(n, s);
out:
	if (s)
		sqlite3_reset(s);
	pthread_mutex_unlock(&n->mu);
	return r;
}
