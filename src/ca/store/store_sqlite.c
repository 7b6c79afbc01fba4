/*
 * store_sqlite.c - the SQLite backend of store.h (the embedded default):
 * opening and migrating the database, the connection pool, the cache of
 * prepared statements, and the step/transaction/column helpers the area
 * files (store_sqlite_<area>.c) share.
 *
 * Every connection runs in WAL mode with foreign keys on and a busy
 * timeout. A durable commit is on disk before sq_commit returns ("the store
 * is the truth", DESIGN.md): connections run with synchronous=NORMAL and
 * commits of several threads share one fdatasync of the WAL file
 * (store_sqlite_sync.c, group commit). Every write is one BEGIN IMMEDIATE transaction, so
 * writers - threads here or other processes on the same file - serialize at
 * BEGIN instead of failing at their first write, and job claims are
 * exclusive. Readers never block writers (WAL); a read that needs a
 * consistent view of several tables is one statement (a join).
 *
 * Nonces are the exception: they live in a database file of their own
 * without fsync (store_sqlite_nonce.c).
 *
 * Left out: online backup, VACUUM, failure injection hooks.
 */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mem.h"
#include "store/schema.h"

#define SQ_SQL(name, sql) sql,
static const char *const sq_sql[SQ_STMT_MAX] = {SQ_STATEMENTS(SQ_SQL)};
#undef SQ_SQL

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int db_fail(sqlite3 *db, const char *path, const char *what)
{
	const char *msg = db ? sqlite3_errmsg(db) : "out of memory";
	int code = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;

	CN_LOG(CN_LOG_ERR, "store", "%s: %s: %s (%d)", path, what, msg, code);
	return cn_err_set(CN_ERR_STORE, "store: %s: %s", what, msg);
}

int sq_fail(struct sq_conn *c, const char *what)
{
	return db_fail(c->db, sqlite3_db_filename(c->db, "main"), what);
}

int64_t sq_changes(struct sq_conn *c)
{
	return sqlite3_changes64(c->db);
}

/* ---- statements, steps, transactions */

int sq_stmt(struct sq_conn *c, enum sq_stmt_id id, sqlite3_stmt **out)
{
	sqlite3_stmt *s = c->stmt[id];
	int rc;

	if (s == NULL) {
		rc = sqlite3_prepare_v3(c->db, sq_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &s, NULL);
		if (rc != SQLITE_OK)
			return sq_fail(c, sq_sql[id]);
		c->stmt[id] = s;
	} else {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	c->used[id] = 1;
	*out = s;
	return 0;
}

static bool is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

int sq_step(struct sq_conn *c, sqlite3_stmt *s)
{
	int64_t deadline = 0;
	int rc, ext;

	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			return 1;
		if (rc == SQLITE_DONE)
			return 0;
		/*
		 * The busy handler has already waited. A busy statement may be
		 * retried only where SQLite allows it: outside a transaction
		 * (the statement was rolled back), BEGIN, and COMMIT. Inside a
		 * transaction the caller must roll back, which sq_release does.
		 */
		if (!is_busy(rc) || !(sqlite3_get_autocommit(c->db) ||
		    s == c->stmt[SQ_COMMIT]))
			break;
		if (deadline == 0)
			deadline = mono_ms() + SQ_BUSY_TIMEOUT_MS;
		else if (mono_ms() >= deadline)
			break;
		sqlite3_reset(s);
		sleep_ms(2);
	}
	sqlite3_reset(s);
	ext = sqlite3_extended_errcode(c->db);
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return cn_err_set(CN_ERR_CONFLICT, "store: %s",
		    sqlite3_errmsg(c->db));
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		return cn_err_set(CN_ERR_NOT_FOUND,
		    "store: a referenced row does not exist");
	return sq_fail(c, sqlite3_sql(s));
}

int sq_exec(struct sq_conn *c, sqlite3_stmt *s)
{
	int r;

	do {
		r = sq_step(c, s);
	} while (r == 1);
	return r;
}

/* Runs one statement that returns no row (BEGIN, PRAGMA) on c. */
static int run_simple(struct sq_conn *c, enum sq_stmt_id id)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt(c, id, &s);
	if (r != 0)
		return r;
	return sq_exec(c, s);
}

static void writer_lock(struct sq_conn *c)
{
	if (!c->holds_wmu) {
		pthread_mutex_lock(c->wmu);
		c->holds_wmu = true;
	}
}

/* Once the connection is out of its transaction (committed or rolled
 * back), the next writer may go. */
static void writer_unlock_if_done(struct sq_conn *c)
{
	if (c->holds_wmu && sqlite3_get_autocommit(c->db)) {
		c->holds_wmu = false;
		pthread_mutex_unlock(c->wmu);
	}
}

/* SQLite's commit hook, run for every write transaction of c (autocommit
 * statements included) before its frames are written: a durable one takes
 * its group-commit number. */
static int on_commit(void *arg)
{
	struct sq_conn *c = arg;

	if (!c->light)
		c->commit_seq = sq_sync_begun(c->sync);
	return 0;
}

/* After a COMMIT (or a write outside sq_begin) returned: waits until it is
 * on disk. */
static int wait_durable(struct sq_conn *c)
{
	int64_t seq = c->commit_seq;
	int r;

	if (seq == 0)
		return 0;
	c->commit_seq = 0;
	r = sq_sync_wait(c->sync, seq);
	if (r == 0)
		c->synced_own = true;
	return r;
}

static int begin(struct sq_conn *c, bool light)
{
	int r;

	writer_lock(c);
	c->light = light;
	r = run_simple(c, SQ_BEGIN);
	writer_unlock_if_done(c);
	return r;
}

int sq_begin(struct sq_conn *c)
{
	return begin(c, false);
}

int sq_begin_light(struct sq_conn *c)
{
	return begin(c, true);
}

/* Resets every statement handed out on c except `keep`: a statement left
 * mid-result keeps its read transaction (and, in a write statement with
 * RETURNING, its write) open. */
static void reset_used(struct sq_conn *c, int keep)
{
	int i;

	for (i = 0; i < SQ_STMT_MAX; i++) {
		if (!c->used[i] || i == keep)
			continue;
		sqlite3_reset(c->stmt[i]);
		sqlite3_clear_bindings(c->stmt[i]);
		c->used[i] = 0;
	}
}

int sq_commit(struct sq_conn *c)
{
	sqlite3_stmt *s = NULL;
	int r, r2;

	reset_used(c, SQ_COMMIT);
	r = sq_stmt(c, SQ_COMMIT, &s);
	if (r != 0)
		return r;
	r = sq_exec(c, s);
	writer_unlock_if_done(c);
	c->light = false;
	r2 = wait_durable(c);
	return r != 0 ? r : r2;
}

int sq_stmt_text(struct sq_conn *c, enum sq_stmt_id id, const char *text,
    sqlite3_stmt **out)
{
	int r = sq_stmt(c, id, out);

	if (r == 0 && sqlite3_bind_text(*out, 1, text, -1, SQLITE_STATIC) != SQLITE_OK)
		r = sq_fail(c, "bind");
	return r;
}

int sq_stmt_int64(struct sq_conn *c, enum sq_stmt_id id, int64_t v, sqlite3_stmt **out)
{
	int r = sq_stmt(c, id, out);

	if (r == 0 && sqlite3_bind_int64(*out, 1, v) != SQLITE_OK)
		r = sq_fail(c, "bind");
	return r;
}

int sq_stmt_key(struct sq_conn *c, enum sq_stmt_id id, int64_t key_id,
    const char *key_text, sqlite3_stmt **out)
{
	if (key_text != NULL)
		return sq_stmt_text(c, id, key_text, out);
	return sq_stmt_int64(c, id, key_id, out);
}

int sq_found(struct sq_conn *c, sqlite3_stmt *s, const char *missing)
{
	int r = sq_step(c, s);

	if (r == 0)
		return cn_err_set(CN_ERR_NOT_FOUND, "%s", missing);
	return r == 1 ? 0 : r;
}

int sq_missing_or(struct sq_conn *c, enum sq_stmt_id exists, int64_t id,
    const char *text, int other, const char *what)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt_key(c, exists, id, text, &s);
	if (r != 0)
		return r;
	r = sq_step(c, s);
	if (r < 0)
		return r;
	if (r == 0)
		return cn_err_set(CN_ERR_NOT_FOUND, "no such %s", what);
	return cn_err_set(other, "%s is not in the expected state", what);
}

int sq_exec_cas(struct sq_conn *c, sqlite3_stmt *s, enum sq_stmt_id exists, int64_t id,
    const char *text, int other, const char *what)
{
	int r = sq_exec(c, s);

	if (r == 0 && sq_changes(c) == 0)
		r = sq_missing_or(c, exists, id, text, other, what);
	return r;
}

/* ---- binding and columns */

int sq_bind_arr(sqlite3_stmt *s, int i, const char *arr, size_t size)
{
	return sqlite3_bind_text(s, i, arr, (int)strnlen(arr, size), SQLITE_STATIC);
}

int sq_bind_status(sqlite3_stmt *s, int i, enum ca_status st)
{
	return sqlite3_bind_text(s, i, ca_status_str(st), -1, SQLITE_STATIC);
}

char *sq_col_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	if (t == NULL)
		return NULL;
	return cn_xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, col));
}

int sq_col_arr(struct sq_conn *c, sqlite3_stmt *s, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	if (t == NULL) {
		dst[0] = '\0';
		return 0;
	}
	if (n >= size) {
		CN_LOG(CN_LOG_ERR, "store", "%s: column %s is %zu bytes, "
		    "at most %zu fit", sqlite3_db_filename(c->db, "main"),
		    sqlite3_column_name(s, col), n, size - 1);
		return cn_err_set(CN_ERR_STORE, "store: column too long");
	}
	memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
}

int sq_col_status(struct sq_conn *c, sqlite3_stmt *s, int col, enum ca_status *out)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	if (t != NULL && ca_status_parse(t, out) == 0)
		return 0;
	CN_LOG(CN_LOG_ERR, "store", "%s: column %s holds no status",
	    sqlite3_db_filename(c->db, "main"), sqlite3_column_name(s, col));
	return cn_err_set(CN_ERR_STORE, "store: bad status in the database");
}

/* ---- the pool */

struct sq_conn *sq_acquire(struct ca_store *st)
{
	struct sq_conn *c;

	pthread_mutex_lock(&st->mu);
	while (st->n_free == 0)
		pthread_cond_wait(&st->cv, &st->mu);
	c = &st->conns[st->free_idx[--st->n_free]];
	pthread_mutex_unlock(&st->mu);
	return c;
}

void sq_release(struct ca_store *st, struct sq_conn *c)
{
	sqlite3_stmt *s = NULL;

	if (c == NULL)
		return;
	reset_used(c, -1);
	if (!sqlite3_get_autocommit(c->db)) {
		/* A failed transaction. ROLLBACK fails only when no
		 * transaction is open, which we just checked. */
		if (sq_stmt(c, SQ_ROLLBACK, &s) == 0 && sq_exec(c, s) != 0)
			CN_LOG(CN_LOG_ERR, "store", "rollback failed");
		reset_used(c, -1);
	}
	writer_unlock_if_done(c);
	c->light = false;
	/*
	 * A write outside sq_begin, or a failed COMMIT, still waits for its
	 * number. What a connection may have seen is noted for
	 * ca_store_sync_reads, unless its durable commit is synced: a commit
	 * is the last statement of every store function, so nothing it saw
	 * is newer than that commit.
	 */
	if (c->commit_seq != 0 && wait_durable(c) != 0)
		CN_LOG(CN_LOG_ERR, "store", "a write may not be durable");
	if (!c->synced_own)
		sq_sync_note_read(c->sync);
	c->synced_own = false;
	pthread_mutex_lock(&st->mu);
	st->free_idx[st->n_free++] = (int)(c - st->conns);
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

/* ---- opening, migrating, closing */

static int conn_exec(sqlite3 *db, const char *path, const char *sql)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return 0;
	CN_LOG(CN_LOG_ERR, "store", "%s: %s: %s (%d)", path, sql,
	    msg ? msg : sqlite3_errstr(rc), rc);
	sqlite3_free(msg);
	return cn_err_set(CN_ERR_STORE, "store: cannot run '%s'", sql);
}

static int get_int(sqlite3 *db, const char *path, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		r = db_fail(db, path, sql);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		r = db_fail(db, path, sql);
		goto out;
	}
	*out = sqlite3_column_int64(s, 0);
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

/* Opens one connection with the settings every connection needs. */
static int conn_open(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	int rc, r;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = db_fail(db, path, "open");
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	rc = sqlite3_busy_timeout(db, SQ_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK) {
		r = db_fail(db, path, "busy_timeout");
		goto out;
	}
	r = conn_exec(db, path, "PRAGMA foreign_keys = ON");
	if (r != 0)
		goto out;
	/* Durability is store_sqlite_sync.c's group commit. */
	r = conn_exec(db, path, "PRAGMA synchronous = NORMAL");
	if (r != 0)
		goto out;
	*out = db;
	db = NULL;
out:
	sqlite3_close(db);
	return r;
}

/* Switches the file to WAL (persistent, so once is enough) and applies the
 * migrations newer than its user_version, all in one transaction so that
 * several processes opening a new store at once migrate it once. */
static int migrate(sqlite3 *db, const char *path)
{
	sqlite3_stmt *s = NULL;
	const char *mode;
	char pragma[64];
	int64_t version = 0;
	size_t i;
	int rc, r;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		r = db_fail(db, path, "PRAGMA journal_mode = WAL");
		goto out;
	}
	mode = (const char *)sqlite3_column_text(s, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		CN_LOG(CN_LOG_ERR, "store", "%s: cannot use WAL (journal_mode %s)",
		    path, mode ? mode : "?");
		r = cn_err_set(CN_ERR_STORE, "store: WAL mode unavailable");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	r = conn_exec(db, path, "BEGIN IMMEDIATE");
	if (r != 0)
		goto out;
	r = get_int(db, path, "PRAGMA user_version", &version);
	if (r != 0)
		goto out;
	if (version > (int64_t)ca_schema_n_migrations) {
		CN_LOG(CN_LOG_ERR, "store", "%s: schema version %lld is newer "
		    "than this cairnd knows (%zu)", path, (long long)version,
		    ca_schema_n_migrations);
		r = cn_err_set(CN_ERR_STORE, "store: schema version too new");
		goto out;
	}
	for (i = (size_t)version; i < ca_schema_n_migrations; i++) {
		r = conn_exec(db, path, ca_schema_migrations[i].sql);
		if (r != 0)
			goto out;
		/* PRAGMA takes no parameters; the value is our own integer. */
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
		    ca_schema_migrations[i].version);
		r = conn_exec(db, path, pragma);
		if (r != 0)
			goto out;
		CN_LOG(CN_LOG_INFO, "store", "%s: applied schema %s", path,
		    ca_schema_migrations[i].name);
	}
	r = conn_exec(db, path, "COMMIT");
out:
	sqlite3_finalize(s);
	if (r != 0 && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int ca_store_open(const char *path, int pool_size, struct ca_store **out)
{
	struct ca_store *st = NULL;
	int i, r;

	if (pool_size < 1 || pool_size > SQ_MAX_POOL)
		return cn_err_set(CN_ERR_USAGE, "store: pool size %d is not in "
		    "1..%d", pool_size, SQ_MAX_POOL);
	if (sqlite3_threadsafe() == 0)
		return cn_err_set(CN_ERR_STORE, "store: SQLite is built "
		    "without thread support");
	st = cn_xcalloc(1, sizeof(*st));
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	pthread_mutex_init(&st->wmu, NULL);
	st->conns = cn_xcalloc((size_t)pool_size, sizeof(*st->conns));
	st->free_idx = cn_xcalloc((size_t)pool_size, sizeof(*st->free_idx));
	r = sq_sync_init(&st->sync, path);
	if (r != 0)
		goto out;
	for (i = 0; i < pool_size; i++) {
		struct sq_conn *c = &st->conns[i];
		int persist = 1;

		c->wmu = &st->wmu;
		c->sync = &st->sync;
		r = conn_open(path, &c->db);
		if (r != 0)
			goto out;
		st->n_conns++;
		if (i == 0) {
			/* Before the commit hook: migrations commit with
			 * synchronous=FULL, on disk before anything else. */
			r = conn_exec(c->db, path, "PRAGMA synchronous = FULL");
			if (r == 0)
				r = migrate(c->db, path);
			if (r == 0)
				r = conn_exec(c->db, path,
				    "PRAGMA synchronous = NORMAL");
			if (r != 0)
				goto out;
		}
		sqlite3_file_control(c->db, "main", SQLITE_FCNTL_PERSIST_WAL,
		    &persist);
		sqlite3_commit_hook(c->db, on_commit, c);
	}
	r = sq_nonces_open(path, &st->nonces);
	if (r != 0)
		goto out;
	/* LIFO: connection 0 is handed out first and keeps a warm cache. */
	for (i = 0; i < pool_size; i++)
		st->free_idx[i] = pool_size - 1 - i;
	st->n_free = pool_size;
	*out = st;
	st = NULL;
	r = 0;
out:
	ca_store_close(st);
	return r;
}

void ca_store_close(struct ca_store *st)
{
	int i, j;

	if (st == NULL)
		return;
	for (i = 0; i < st->n_conns; i++) {
		for (j = 0; j < SQ_STMT_MAX; j++)
			sqlite3_finalize(st->conns[i].stmt[j]);
		if (i == 0)
			sqlite3_exec(st->conns[i].db, "PRAGMA optimize", NULL,
			    NULL, NULL);
		if (sqlite3_close(st->conns[i].db) != SQLITE_OK)
			CN_LOG(CN_LOG_ERR, "store", "close: %s",
			    sqlite3_errmsg(st->conns[i].db));
	}
	if (st->sync.ready && atomic_load(&st->sync.begun) > 0)
		CN_LOG(CN_LOG_INFO, "store", "group commit: %lld durable "
		    "commits in %llu syncs", (long long)atomic_load(&st->sync.begun),
		    (unsigned long long)sq_sync_count(&st->sync));
	sq_nonces_close(st->nonces);
	free(st->conns);
	free(st->free_idx);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
	pthread_mutex_destroy(&st->wmu);
	sq_sync_fini(&st->sync);
	free(st);
}
