/*
 * test_store_sqlite.c - unit tests of the SQLite backend of store.h
 * (src/ca/store/store_sqlite*.c). Each test opens a fresh store in its own
 * mkdtemp directory and drives it through the public interface only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "log.h"
#include "store/schema.h"
#include "store/store.h"

struct fx {
	char dir[64];
	char path[128];
	struct ca_store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (ca_store_open(f->path, 4, &f->st) != 0)
		return -1;
	*state = f;
	return 0;
}

static void rm_store_files(const struct fx *f)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-nonces", "-nonces-wal",
	    "-nonces-shm"};
	char p[160];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffixes[i]);
		unlink(p);
	}
	rmdir(f->dir);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ca_store_close(f->st);
	rm_store_files(f);
	free(f);
	return 0;
}

/* ---- helpers */

static int64_t new_account(struct ca_store *st, const char *thumb)
{
	struct ca_account a = {0};

	a.status = CA_ST_VALID;
	snprintf(a.thumbprint, sizeof(a.thumbprint), "%s", thumb);
	a.jwk_json = (char *)"{\"kty\":\"EC\"}";
	a.contact_json = (char *)"[\"mailto:a@example.org\"]";
	a.tos_agreed = true;
	a.created = 100;
	assert_int_equal(ca_store_account_insert(st, &a), 0);
	assert_true(a.id > 0);
	return a.id;
}

/* A new pending dns authorization for name with one challenge per type in
 * types (NULL-terminated); the challenges array is static storage. */
struct new_authz {
	struct ca_authz a;
	struct ca_challenge ch[3];
};

static void fill_authz(struct new_authz *n, int64_t account_id, const char *name,
    bool wildcard, int64_t expires)
{
	static const char *const types[] = {"http-01", "dns-01", "tls-alpn-01"};
	size_t i;

	memset(n, 0, sizeof(*n));
	n->a.account_id = account_id;
	n->a.status = CA_ST_PENDING;
	snprintf(n->a.id_type, sizeof(n->a.id_type), "dns");
	n->a.id_value = (char *)name;
	n->a.wildcard = wildcard;
	n->a.expires = expires;
	n->a.created = 1000;
	for (i = 0; i < 3; i++) {
		snprintf(n->ch[i].type, sizeof(n->ch[i].type), "%s", types[i]);
		snprintf(n->ch[i].token, sizeof(n->ch[i].token), "tok-%s-%zu",
		    name, i);
		n->ch[i].status = CA_ST_PENDING;
	}
	n->a.n_challenges = wildcard ? 1 : 3;
	if (wildcard)   /* wildcards only get dns-01 (RFC 8555 section 7.1.3) */
		n->ch[0] = n->ch[1];
	n->a.challenges = n->ch;
}

/* An order of account over n new authorizations for name0, name1, ...
 * (plus `reused` existing authz ids); returns the order id and writes the
 * first challenge id of each new authz to chall[] when non-NULL. */
static int64_t new_order(struct ca_store *st, int64_t account_id, size_t n_new,
    const char *const *names, const int64_t *reused, size_t n_reused,
    int64_t *authz, int64_t *chall)
{
	struct new_authz na[8];
	struct ca_authz az[8];
	int64_t ids[16];
	struct ca_order o = {0};
	size_t i;

	assert_true(n_new <= 8 && n_new + n_reused <= 16);
	for (i = 0; i < n_new; i++) {
		fill_authz(&na[i], account_id, names[i], false, 5000);
		az[i] = na[i].a;
	}
	for (i = 0; i < n_new; i++)
		ids[i] = 0;
	for (i = 0; i < n_reused; i++)
		ids[n_new + i] = reused[i];
	o.account_id = account_id;
	o.status = CA_ST_PENDING;
	o.expires = 8000;
	o.created = 1000;
	o.identifiers_json = (char *)"[]";
	o.n_authz = n_new + n_reused;
	o.authz_ids = ids;
	assert_int_equal(ca_store_order_create(st, &o, az, n_new), 0);
	for (i = 0; i < n_new; i++) {
		if (authz != NULL)
			authz[i] = az[i].id;
		if (chall != NULL)
			chall[i] = az[i].challenges[0].id;
	}
	return o.id;
}

static enum ca_status order_status(struct ca_store *st, int64_t id)
{
	struct ca_order o = {0};
	enum ca_status s;

	assert_int_equal(ca_store_order_get(st, id, &o), 0);
	s = o.status;
	ca_order_cleanup(&o);
	return s;
}

static enum ca_status authz_status(struct ca_store *st, int64_t id)
{
	struct ca_authz a = {0};
	enum ca_status s;

	assert_int_equal(ca_store_authz_get(st, id, &a), 0);
	s = a.status;
	ca_authz_cleanup(&a);
	return s;
}

/* Drains every job (so the job tests see only their own). */
static void drain_jobs(struct ca_store *st)
{
	struct ca_job j;

	while (ca_store_job_claim(st, INT32_MAX, 10, &j) == 0)
		assert_int_equal(ca_store_job_done(st, j.id), 0);
}

/* ---- open */

static void test_open_rejects_bad_pool(void **state)
{
	struct fx *f = *state;
	struct ca_store *st = NULL;

	assert_int_equal(ca_store_open(f->path, 0, &st), CN_ERR_USAGE);
	assert_int_equal(ca_store_open(f->path, 1000, &st), CN_ERR_USAGE);
	assert_null(st);
}

static void test_open_sets_wal_and_version(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), (int)ca_schema_n_migrations);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_open_refuses_newer_schema(void **state)
{
	struct fx *f = *state;
	struct ca_store *st = NULL;
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(ca_store_open(f->path, 2, &st), CN_ERR_STORE);
	assert_null(st);
}

static void test_reopen_keeps_data(void **state)
{
	struct fx *f = *state;
	struct ca_account a = {0};
	int64_t id, n;

	id = new_account(f->st, "reopen");
	assert_int_equal(ca_store_nonce_add(f->st, "n1", 500), 0);
	ca_store_close(f->st);
	f->st = NULL;
	assert_int_equal(ca_store_open(f->path, 2, &f->st), 0);
	assert_int_equal(ca_store_account_get(f->st, id, &a), 0);
	assert_string_equal(a.thumbprint, "reopen");
	ca_account_cleanup(&a);
	assert_int_equal(ca_store_nonce_take(f->st, "n1", 10), 0);
	assert_int_equal(ca_store_cert_count(f->st, &n), 0);
	assert_int_equal(n, 0);
}

/* ---- nonces */

static void test_nonce(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ca_store_nonce_add(f->st, "abc", 100), 0);
	assert_int_equal(ca_store_nonce_add(f->st, "abc", 100), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_nonce_take(f->st, "abc", 99), 0);
	assert_int_equal(ca_store_nonce_take(f->st, "abc", 99), CN_ERR_BAD_NONCE);
	assert_int_equal(ca_store_nonce_take(f->st, "never", 1), CN_ERR_BAD_NONCE);
	/* expired at `expires`, and gone afterwards */
	assert_int_equal(ca_store_nonce_add(f->st, "old", 100), 0);
	assert_int_equal(ca_store_nonce_take(f->st, "old", 100), CN_ERR_BAD_NONCE);
	assert_int_equal(ca_store_nonce_take(f->st, "old", 1), CN_ERR_BAD_NONCE);
}

static void test_nonce_purge(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ca_store_nonce_add(f->st, "a", 10), 0);
	assert_int_equal(ca_store_nonce_add(f->st, "b", 20), 0);
	assert_int_equal(ca_store_nonce_add(f->st, "c", 30), 0);
	assert_int_equal(ca_store_nonce_purge(f->st, 20), 0);
	/* with now = 0 only the purge can have removed a and b */
	assert_int_equal(ca_store_nonce_take(f->st, "a", 0), CN_ERR_BAD_NONCE);
	assert_int_equal(ca_store_nonce_take(f->st, "b", 0), CN_ERR_BAD_NONCE);
	assert_int_equal(ca_store_nonce_take(f->st, "c", 0), 0);
}

/* Nonces are shared by every store opened on the same file (instances). */
static void test_nonce_shared_between_instances(void **state)
{
	struct fx *f = *state;
	struct ca_store *second = NULL;

	assert_int_equal(ca_store_open(f->path, 2, &second), 0);
	assert_int_equal(ca_store_nonce_add(f->st, "one", 100), 0);
	assert_int_equal(ca_store_nonce_take(second, "one", 50), 0);
	assert_int_equal(ca_store_nonce_take(f->st, "one", 50), CN_ERR_BAD_NONCE);
	ca_store_close(second);
}

/* A nonce never waits for the main database: its write lock is held through
 * the fsync of every durable commit (bench/README.md). */
static void test_nonce_independent_of_main_write_lock(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(ca_store_nonce_add(f->st, "busy", 100), 0);
	assert_int_equal(ca_store_nonce_take(f->st, "busy", 50), 0);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The nonce file holds nothing worth keeping: a damaged one is replaced. */
static void test_nonce_file_recreated_when_damaged(void **state)
{
	struct fx *f = *state;
	char p[160];
	FILE *fp;

	ca_store_close(f->st);
	f->st = NULL;
	snprintf(p, sizeof(p), "%s-nonces", f->path);
	unlink(p);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("this is not an SQLite database, it is long enough to have a header......\n", fp);
	fclose(fp);
	assert_int_equal(ca_store_open(f->path, 2, &f->st), 0);
	assert_int_equal(ca_store_nonce_add(f->st, "fresh", 100), 0);
	assert_int_equal(ca_store_nonce_take(f->st, "fresh", 50), 0);
}

/* ---- accounts */

static void test_account(void **state)
{
	struct fx *f = *state;
	struct ca_account a = {0}, b = {0};
	int64_t id, id2;

	id = new_account(f->st, "thumb-1");
	id2 = new_account(f->st, "thumb-2");
	assert_true(id2 > id);

	a.status = CA_ST_VALID;
	snprintf(a.thumbprint, sizeof(a.thumbprint), "thumb-1");
	a.jwk_json = (char *)"{}";
	a.contact_json = NULL;
	assert_int_equal(ca_store_account_insert(f->st, &a), CN_ERR_CONFLICT);
	assert_int_equal(a.id, 0);

	assert_int_equal(ca_store_account_get(f->st, id, &b), 0);
	assert_int_equal(b.id, id);
	assert_int_equal(b.status, CA_ST_VALID);
	assert_string_equal(b.thumbprint, "thumb-1");
	assert_string_equal(b.jwk_json, "{\"kty\":\"EC\"}");
	assert_string_equal(b.contact_json, "[\"mailto:a@example.org\"]");
	assert_true(b.tos_agreed);
	assert_int_equal(b.created, 100);
	ca_account_cleanup(&b);

	assert_int_equal(ca_store_account_by_thumbprint(f->st, "thumb-2", &b), 0);
	assert_int_equal(b.id, id2);
	ca_account_cleanup(&b);
	assert_int_equal(ca_store_account_by_thumbprint(f->st, "nope", &b),
	    CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_account_get(f->st, 999, &b), CN_ERR_NOT_FOUND);

	/* update: contact (NULL means none), status, tos */
	a.id = id;
	a.status = CA_ST_DEACTIVATED;
	a.contact_json = NULL;
	a.tos_agreed = false;
	assert_int_equal(ca_store_account_update(f->st, &a), 0);
	assert_int_equal(ca_store_account_get(f->st, id, &b), 0);
	assert_int_equal(b.status, CA_ST_DEACTIVATED);
	assert_string_equal(b.contact_json, "[]");
	assert_false(b.tos_agreed);
	assert_string_equal(b.jwk_json, "{\"kty\":\"EC\"}");
	ca_account_cleanup(&b);
	a.id = 999;
	assert_int_equal(ca_store_account_update(f->st, &a), CN_ERR_NOT_FOUND);
}

/* ---- orders, authorizations, challenges */

/* Makes a valid authorization for name: its own order, challenge started
 * and finished valid. */
static int64_t valid_authz(struct ca_store *st, int64_t acct, const char *name)
{
	int64_t authz, chall;

	new_order(st, acct, 1, &name, NULL, 0, &authz, &chall);
	assert_int_equal(ca_store_challenge_start(st, chall, 1100), 0);
	assert_int_equal(ca_store_challenge_finish(st, chall, true, NULL, 1200), 0);
	assert_int_equal(authz_status(st, authz), CA_ST_VALID);
	return authz;
}

static void test_order_create_and_get(void **state)
{
	struct fx *f = *state;
	struct new_authz n1, n2;
	struct ca_authz az[3];
	struct ca_order o = {0}, g = {0};
	struct ca_authz ga = {0};
	int64_t acct, reused, ids[3], *list = NULL;
	size_t i, n;

	acct = new_account(f->st, "acct");
	reused = valid_authz(f->st, acct, "old.example");
	fill_authz(&n1, acct, "a.example", false, 5000);
	fill_authz(&n2, acct, "b.example", true, 5000);
	/* authzs may include existing ones (id != 0): they are skipped */
	az[0] = n1.a;
	az[1].id = reused;
	az[2] = n2.a;
	ids[0] = 0;
	ids[1] = reused;
	ids[2] = 0;
	o.account_id = acct;
	o.status = CA_ST_PENDING;
	o.expires = 9000;
	o.not_before = 1111;
	o.not_after = 2222;
	o.created = 1000;
	o.identifiers_json = (char *)"[{\"type\":\"dns\",\"value\":\"a.example\"}]";
	o.profile = (char *)"tlsserver";
	o.n_authz = 3;
	o.authz_ids = ids;
	assert_int_equal(ca_store_order_create(f->st, &o, az, 3), 0);
	assert_true(o.id > 0);
	assert_true(az[0].id > reused);
	assert_int_equal(az[1].id, reused);
	assert_true(az[2].id > az[0].id);
	assert_int_equal(ids[0], az[0].id);
	assert_int_equal(ids[1], reused);
	assert_int_equal(ids[2], az[2].id);
	for (i = 0; i < 3; i++) {
		assert_true(n1.ch[i].id > 0);
		assert_int_equal(n1.ch[i].authz_id, az[0].id);
	}
	assert_int_equal(n2.ch[0].authz_id, az[2].id);
	assert_true(n2.ch[0].id > n1.ch[2].id);

	assert_int_equal(ca_store_order_get(f->st, o.id, &g), 0);
	assert_int_equal(g.id, o.id);
	assert_int_equal(g.account_id, acct);
	assert_int_equal(g.status, CA_ST_PENDING);
	assert_int_equal(g.expires, 9000);
	assert_int_equal(g.not_before, 1111);
	assert_int_equal(g.not_after, 2222);
	assert_int_equal(g.created, 1000);
	assert_string_equal(g.identifiers_json, o.identifiers_json);
	assert_null(g.error_json);
	assert_string_equal(g.profile, "tlsserver");
	assert_string_equal(g.cert_serial, "");
	/* ordered by id: the reused (older) one first */
	assert_int_equal(g.n_authz, 3);
	assert_int_equal(g.authz_ids[0], reused);
	assert_int_equal(g.authz_ids[1], az[0].id);
	assert_int_equal(g.authz_ids[2], az[2].id);
	ca_order_cleanup(&g);

	assert_int_equal(ca_store_authz_get(f->st, az[0].id, &ga), 0);
	assert_int_equal(ga.account_id, acct);
	assert_int_equal(ga.status, CA_ST_PENDING);
	assert_string_equal(ga.id_type, "dns");
	assert_string_equal(ga.id_value, "a.example");
	assert_false(ga.wildcard);
	assert_int_equal(ga.expires, 5000);
	assert_int_equal(ga.created, 1000);
	assert_int_equal(ga.n_challenges, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ga.challenges[i].id, n1.ch[i].id);
		assert_int_equal(ga.challenges[i].authz_id, az[0].id);
		assert_string_equal(ga.challenges[i].type, n1.ch[i].type);
		assert_string_equal(ga.challenges[i].token, n1.ch[i].token);
		assert_int_equal(ga.challenges[i].status, CA_ST_PENDING);
		assert_int_equal(ga.challenges[i].validated, 0);
		assert_null(ga.challenges[i].error_json);
	}
	ca_authz_cleanup(&ga);
	assert_int_equal(ca_store_authz_get(f->st, az[2].id, &ga), 0);
	assert_true(ga.wildcard);
	assert_string_equal(ga.id_value, "b.example");
	assert_int_equal(ga.n_challenges, 1);
	assert_string_equal(ga.challenges[0].type, "dns-01");
	ca_authz_cleanup(&ga);
	assert_int_equal(ca_store_authz_get(f->st, 99999, &ga), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_order_get(f->st, 99999, &g), CN_ERR_NOT_FOUND);

	/* the reused authz is in both orders */
	assert_int_equal(ca_store_orders_by_authz(f->st, reused, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_true(list[0] < o.id);
	assert_int_equal(list[1], o.id);
	free(list);
	list = NULL;
	assert_int_equal(ca_store_orders_by_authz(f->st, az[2].id, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0], o.id);
	free(list);
}

static void test_order_create_is_atomic(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"x.example"};
	struct new_authz n1;
	struct ca_authz az[1];
	struct ca_order o = {0};
	int64_t acct, ids[2], *list = NULL, first, chall;
	size_t n;

	acct = new_account(f->st, "acct");
	first = new_order(f->st, acct, 1, names, NULL, 0, NULL, &chall);
	fill_authz(&n1, acct, "y.example", false, 5000);
	az[0] = n1.a;
	ids[0] = 0;
	ids[1] = 424242;                  /* no such authorization */
	o.account_id = acct;
	o.status = CA_ST_PENDING;
	o.expires = 9000;
	o.identifiers_json = (char *)"[]";
	o.n_authz = 2;
	o.authz_ids = ids;
	assert_int_equal(ca_store_order_create(f->st, &o, az, 1), CN_ERR_NOT_FOUND);
	assert_int_equal(o.id, 0);
	assert_int_equal(az[0].id, 0);
	assert_int_equal(ids[0], 0);
	/* nothing of it was kept: the next challenge id follows the first order's */
	assert_int_equal(ca_store_orders_by_account(f->st, acct, 0, 10, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0], first);
	free(list);
	new_order(f->st, acct, 1, names, NULL, 0, NULL, &ids[0]);
	assert_int_equal(ids[0], chall + 3);

	/* more zero ids than new authorizations */
	ids[0] = 0;
	ids[1] = 0;
	az[0] = n1.a;
	assert_int_equal(ca_store_order_create(f->st, &o, az, 1), CN_ERR_INTERNAL);
	assert_int_equal(az[0].id, 0);
}

static void test_order_expired_returned_as_stored(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"e.example"};
	struct ca_order o = {0};
	int64_t acct, id;

	acct = new_account(f->st, "acct");
	id = new_order(f->st, acct, 1, names, NULL, 0, NULL, NULL);
	assert_int_equal(ca_store_order_get(f->st, id, &o), 0);
	assert_int_equal(o.status, CA_ST_PENDING);   /* expires 8000, "now" later */
	assert_int_equal(o.expires, 8000);
	ca_order_cleanup(&o);
}

static void test_order_transition(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"t.example"};
	struct ca_order o = {0};
	int64_t acct, id;

	acct = new_account(f->st, "acct");
	id = new_order(f->st, acct, 1, names, NULL, 0, NULL, NULL);
	assert_int_equal(ca_store_order_transition(f->st, id, CA_ST_READY,
	    CA_ST_PROCESSING, NULL), CN_ERR_CONFLICT);
	assert_int_equal(order_status(f->st, id), CA_ST_PENDING);
	assert_int_equal(ca_store_order_transition(f->st, 77777, CA_ST_PENDING,
	    CA_ST_INVALID, NULL), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_order_transition(f->st, id, CA_ST_PENDING,
	    CA_ST_INVALID, "{\"type\":\"x\"}"), 0);
	assert_int_equal(ca_store_order_get(f->st, id, &o), 0);
	assert_int_equal(o.status, CA_ST_INVALID);
	assert_string_equal(o.error_json, "{\"type\":\"x\"}");
	ca_order_cleanup(&o);
	/* NULL keeps the error */
	assert_int_equal(ca_store_order_transition(f->st, id, CA_ST_INVALID,
	    CA_ST_INVALID, NULL), 0);
	assert_int_equal(ca_store_order_get(f->st, id, &o), 0);
	assert_string_equal(o.error_json, "{\"type\":\"x\"}");
	ca_order_cleanup(&o);
}

static void test_authz_transition(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"d.example"};
	int64_t acct, authz;

	acct = new_account(f->st, "acct");
	new_order(f->st, acct, 1, names, NULL, 0, &authz, NULL);
	assert_int_equal(ca_store_authz_transition(f->st, authz, CA_ST_VALID,
	    CA_ST_DEACTIVATED), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_authz_transition(f->st, 5555, CA_ST_PENDING,
	    CA_ST_DEACTIVATED), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_authz_transition(f->st, authz, CA_ST_PENDING,
	    CA_ST_DEACTIVATED), 0);
	assert_int_equal(authz_status(f->st, authz), CA_ST_DEACTIVATED);
}

static void test_orders_by_account(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"p.example"};
	int64_t acct, other, id[5], *list = NULL;
	size_t i, n;

	acct = new_account(f->st, "acct");
	other = new_account(f->st, "other");
	for (i = 0; i < 5; i++) {
		id[i] = new_order(f->st, acct, 1, names, NULL, 0, NULL, NULL);
		new_order(f->st, other, 1, names, NULL, 0, NULL, NULL);
	}
	assert_int_equal(ca_store_orders_by_account(f->st, acct, 0, 2, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0], id[4]);
	assert_int_equal(list[1], id[3]);
	free(list);
	assert_int_equal(ca_store_orders_by_account(f->st, acct, id[3], 2, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0], id[2]);
	assert_int_equal(list[1], id[1]);
	free(list);
	assert_int_equal(ca_store_orders_by_account(f->st, acct, id[1], 2, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0], id[0]);
	free(list);
	list = NULL;
	assert_int_equal(ca_store_orders_by_account(f->st, acct, id[0], 2, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(ca_store_orders_by_account(f->st, 31337, 0, 10, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
}

static void test_authz_find_valid(void **state)
{
	struct fx *f = *state;
	struct ca_authz a = {0};
	int64_t acct, other, v1, v2;

	acct = new_account(f->st, "acct");
	other = new_account(f->st, "other");
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "v.example",
	    false, 1000, &a), CN_ERR_NOT_FOUND);
	/* pending ones are not reused */
	new_order(f->st, acct, 1, (const char *const[]){"v.example"}, NULL, 0,
	    NULL, NULL);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "v.example",
	    false, 1000, &a), CN_ERR_NOT_FOUND);
	v1 = valid_authz(f->st, acct, "v.example");
	v2 = valid_authz(f->st, acct, "v.example");
	valid_authz(f->st, other, "w.example");
	/* newest first, with its challenges */
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "v.example",
	    false, 1000, &a), 0);
	assert_int_equal(a.id, v2);
	assert_int_equal(a.status, CA_ST_VALID);
	assert_int_equal(a.n_challenges, 3);
	assert_int_equal(a.challenges[0].status, CA_ST_VALID);
	assert_int_equal(a.challenges[0].validated, 1200);
	assert_int_equal(a.challenges[1].status, CA_ST_PENDING);
	ca_authz_cleanup(&a);
	assert_true(v1 < v2);
	/* expiry: valid while expires (5000) > now */
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "v.example",
	    false, 4999, &a), 0);
	ca_authz_cleanup(&a);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "v.example",
	    false, 5000, &a), CN_ERR_NOT_FOUND);
	/* other account, other name, wildcard, type */
	assert_int_equal(ca_store_authz_find_valid(f->st, other, "dns", "v.example",
	    false, 1000, &a), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "w.example",
	    false, 1000, &a), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "v.example",
	    true, 1000, &a), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "ip", "v.example",
	    false, 1000, &a), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_authz_find_valid(f->st, other, "dns", "w.example",
	    false, 1000, &a), 0);
	assert_int_equal(a.account_id, other);
	ca_authz_cleanup(&a);
	/* a valid authorization's reuse window can be extended; a pending one's cannot */
	assert_int_equal(ca_store_authz_set_expires(f->st, v2, 9000), 0);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "v.example",
	    false, 8999, &a), 0);
	assert_int_equal(a.id, v2);
	assert_int_equal(a.expires, 9000);
	ca_authz_cleanup(&a);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "v.example",
	    false, 9000, &a), CN_ERR_NOT_FOUND);
	{
		int64_t pending_order = new_order(f->st, acct, 1,
		    (const char *const[]){"p.example"}, NULL, 0, NULL, NULL);
		struct ca_order o = {0};

		assert_int_equal(ca_store_order_get(f->st, pending_order, &o), 0);
		assert_int_equal(ca_store_authz_set_expires(f->st, o.authz_ids[0], 9000),
		    CN_ERR_CONFLICT);
		ca_order_cleanup(&o);
	}
}

/* draft-ietf-acme-dns-persist 7.8: reuse_until caps the reuse lookup, not
 * the authorization; set with the valid outcome, or at creation. */
static void test_authz_reuse_until(void **state)
{
	struct fx *f = *state;
	struct ca_authz a = {0};
	struct new_authz n;
	struct ca_order o = {0};
	int64_t acct, authz, chall, ids[1] = {0}, plain;

	acct = new_account(f->st, "acct");
	new_order(f->st, acct, 1, (const char *const[]){"r.example"}, NULL, 0, &authz, &chall);
	assert_int_equal(ca_store_challenge_start(f->st, chall, 1100), 0);
	assert_int_equal(ca_store_challenge_valid(f->st, chall, 1200, 7000, 1500), 0);
	assert_int_equal(ca_store_authz_get(f->st, authz, &a), 0);
	assert_int_equal(a.status, CA_ST_VALID);
	assert_int_equal(a.expires, 7000);
	assert_int_equal(a.reuse_until, 1500);
	assert_int_equal(a.challenges[0].validated, 1200);
	ca_authz_cleanup(&a);
	/* reused before reuse_until, not at or after it: though valid until 7000 */
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "r.example", false, 1499, &a), 0);
	assert_int_equal(a.id, authz);
	ca_authz_cleanup(&a);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "r.example", false, 1500, &a),
	    CN_ERR_NOT_FOUND);
	assert_int_equal(authz_status(f->st, authz), CA_ST_VALID);
	/* an older authorization without a cap is found instead of a capped newer one */
	plain = valid_authz(f->st, acct, "r2.example");
	new_order(f->st, acct, 1, (const char *const[]){"r2.example"}, NULL, 0, &authz, &chall);
	assert_int_equal(ca_store_challenge_start(f->st, chall, 1100), 0);
	assert_int_equal(ca_store_challenge_valid(f->st, chall, 1200, 7000, 1200), 0); /* TTL 0 */
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "r2.example", false, 1300, &a), 0);
	assert_int_equal(a.id, plain);
	assert_int_equal(a.reuse_until, 0);
	ca_authz_cleanup(&a);
	/* no cap (0): reused until it expires */
	new_order(f->st, acct, 1, (const char *const[]){"r3.example"}, NULL, 0, &authz, &chall);
	assert_int_equal(ca_store_challenge_start(f->st, chall, 1100), 0);
	assert_int_equal(ca_store_challenge_valid(f->st, chall, 1200, 7000, 0), 0);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "r3.example", false, 6999, &a), 0);
	ca_authz_cleanup(&a);
	/* a challenge finished twice: the second outcome is refused */
	assert_int_equal(ca_store_challenge_valid(f->st, chall, 1300, 8000, 0), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_challenge_valid(f->st, 99999, 1300, 8000, 0), CN_ERR_NOT_FOUND);
	/* an authorization created valid (just-in-time): its order is ready at once */
	fill_authz(&n, acct, "j.example", false, 9000);
	n.a.status = CA_ST_VALID;
	n.a.reuse_until = 1600;
	n.ch[0].status = CA_ST_VALID;
	n.ch[0].validated = 1000;
	o.account_id = acct;
	o.status = CA_ST_READY;
	o.expires = 8000;
	o.created = 1000;
	o.identifiers_json = (char *)"[]";
	o.n_authz = 1;
	o.authz_ids = ids;
	assert_int_equal(ca_store_order_create(f->st, &o, &n.a, 1), 0);
	assert_int_equal(order_status(f->st, o.id), CA_ST_READY);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "j.example", false, 1599, &a), 0);
	assert_int_equal(a.id, n.a.id);
	assert_int_equal(a.reuse_until, 1600);
	assert_int_equal(a.expires, 9000);
	assert_int_equal(a.challenges[0].status, CA_ST_VALID);
	assert_int_equal(a.challenges[0].validated, 1000);
	ca_authz_cleanup(&a);
	assert_int_equal(ca_store_authz_find_valid(f->st, acct, "dns", "j.example", false, 1600, &a),
	    CN_ERR_NOT_FOUND);
	/* pre-authorization (newAuthz) keeps it too */
	fill_authz(&n, acct, "k.example", false, 9000);
	n.a.status = CA_ST_VALID;
	n.a.reuse_until = 1700;
	n.ch[0].status = CA_ST_VALID;
	n.ch[0].validated = 1000;
	assert_int_equal(ca_store_authz_create(f->st, &n.a), 0);
	assert_int_equal(ca_store_authz_get(f->st, n.a.id, &a), 0);
	assert_int_equal(a.reuse_until, 1700);
	assert_int_equal(a.status, CA_ST_VALID);
	ca_authz_cleanup(&a);
}

static void test_challenge_start(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"s.example"};
	struct ca_challenge c = {0};
	struct ca_job j;
	int64_t acct, chall, authz;

	acct = new_account(f->st, "acct");
	new_order(f->st, acct, 1, names, NULL, 0, &authz, &chall);
	drain_jobs(f->st);
	assert_int_equal(ca_store_challenge_get(f->st, chall, &c), 0);
	assert_int_equal(c.status, CA_ST_PENDING);
	assert_int_equal(c.authz_id, authz);
	assert_string_equal(c.type, "http-01");
	assert_string_equal(c.token, "tok-s.example-0");
	ca_challenge_cleanup(&c);

	assert_int_equal(ca_store_challenge_start(f->st, chall, 1100), 0);
	assert_int_equal(ca_store_challenge_start(f->st, chall, 1100), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_challenge_start(f->st, 8888, 1100), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_challenge_get(f->st, chall, &c), 0);
	assert_int_equal(c.status, CA_ST_PROCESSING);
	ca_challenge_cleanup(&c);
	assert_int_equal(ca_store_challenge_get(f->st, 8888, &c), CN_ERR_NOT_FOUND);
	/* exactly one validation job was queued */
	assert_int_equal(ca_store_job_claim(f->st, 1100, 30, &j), 0);
	assert_int_equal(j.kind, CA_JOB_VALIDATE);
	assert_int_equal(j.target_id, chall);
	assert_int_equal(j.attempts, 0);
	assert_int_equal(j.run_after, 1100);
	assert_int_equal(ca_store_job_done(f->st, j.id), 0);
	assert_int_equal(ca_store_job_claim(f->st, 1100, 30, &j), CN_ERR_NOT_FOUND);

	/* another challenge of an authorization that is no longer pending */
	assert_int_equal(ca_store_authz_transition(f->st, authz, CA_ST_PENDING,
	    CA_ST_DEACTIVATED), 0);
	assert_int_equal(ca_store_challenge_start(f->st, chall + 1, 1100),
	    CN_ERR_CONFLICT);
	assert_int_equal(ca_store_job_claim(f->st, 1100, 30, &j), CN_ERR_NOT_FOUND);
}

static void test_challenge_finish_valid(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"a.example", "b.example"};
	struct ca_challenge c = {0};
	int64_t acct, order, other, authz[2], chall[2];

	acct = new_account(f->st, "acct");
	order = new_order(f->st, acct, 2, names, NULL, 0, authz, chall);
	/* a second order sharing the first authorization only */
	other = new_order(f->st, acct, 0, NULL, authz, 1, NULL, NULL);

	/* not started: nothing to finish */
	assert_int_equal(ca_store_challenge_finish(f->st, chall[0], true, NULL, 1200),
	    CN_ERR_CONFLICT);
	assert_int_equal(ca_store_challenge_finish(f->st, 4444, true, NULL, 1200),
	    CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_challenge_start(f->st, chall[0], 1100), 0);
	assert_int_equal(ca_store_challenge_start(f->st, chall[1], 1100), 0);

	assert_int_equal(ca_store_challenge_finish(f->st, chall[0], true, NULL, 1200), 0);
	assert_int_equal(ca_store_challenge_get(f->st, chall[0], &c), 0);
	assert_int_equal(c.status, CA_ST_VALID);
	assert_int_equal(c.validated, 1200);
	assert_null(c.error_json);
	ca_challenge_cleanup(&c);
	assert_int_equal(authz_status(f->st, authz[0]), CA_ST_VALID);
	assert_int_equal(authz_status(f->st, authz[1]), CA_ST_PENDING);
	assert_int_equal(order_status(f->st, order), CA_ST_PENDING);
	assert_int_equal(order_status(f->st, other), CA_ST_READY);
	/* a second outcome is refused */
	assert_int_equal(ca_store_challenge_finish(f->st, chall[0], false, "{}", 1300),
	    CN_ERR_CONFLICT);
	assert_int_equal(authz_status(f->st, authz[0]), CA_ST_VALID);

	assert_int_equal(ca_store_challenge_finish(f->st, chall[1], true, NULL, 1250), 0);
	assert_int_equal(authz_status(f->st, authz[1]), CA_ST_VALID);
	assert_int_equal(order_status(f->st, order), CA_ST_READY);
}

static void test_challenge_finish_invalid(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"a.example", "b.example"};
	static const char err[] = "{\"type\":\"urn:ietf:params:acme:error:connection\"}";
	struct ca_challenge c = {0};
	struct ca_order o = {0};
	int64_t acct, order, ready, authz[2], chall[2], other_authz;

	acct = new_account(f->st, "acct");
	order = new_order(f->st, acct, 2, names, NULL, 0, authz, chall);
	/* an order that is READY already is left alone */
	other_authz = valid_authz(f->st, acct, "c.example");
	ready = new_order(f->st, acct, 0, NULL, &other_authz, 1, NULL, NULL);
	assert_int_equal(ca_store_order_transition(f->st, ready, CA_ST_PENDING,
	    CA_ST_READY, NULL), 0);

	assert_int_equal(ca_store_challenge_start(f->st, chall[0], 1100), 0);
	assert_int_equal(ca_store_challenge_finish(f->st, chall[0], false, err, 1200), 0);
	assert_int_equal(ca_store_challenge_get(f->st, chall[0], &c), 0);
	assert_int_equal(c.status, CA_ST_INVALID);
	assert_int_equal(c.validated, 0);
	assert_string_equal(c.error_json, err);
	ca_challenge_cleanup(&c);
	assert_int_equal(authz_status(f->st, authz[0]), CA_ST_INVALID);
	assert_int_equal(authz_status(f->st, authz[1]), CA_ST_PENDING);
	assert_int_equal(ca_store_order_get(f->st, order, &o), 0);
	assert_int_equal(o.status, CA_ST_INVALID);
	assert_string_equal(o.error_json, err);
	ca_order_cleanup(&o);
	assert_int_equal(order_status(f->st, ready), CA_ST_READY);
}

/* ---- finalization and certificates */

/* An order moved to READY through a valid challenge. */
static int64_t ready_order(struct ca_store *st, int64_t acct, const char *name)
{
	int64_t order, chall;

	order = new_order(st, acct, 1, &name, NULL, 0, NULL, &chall);
	assert_int_equal(ca_store_challenge_start(st, chall, 1100), 0);
	assert_int_equal(ca_store_challenge_finish(st, chall, true, NULL, 1200), 0);
	assert_int_equal(order_status(st, order), CA_ST_READY);
	return order;
}

static void test_finalize_start(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"f.example"};
	static const unsigned char csr[] = {0x30, 0x82, 0x00, 0x01, 0xff};
	unsigned char *der = NULL;
	struct ca_job j;
	int64_t acct, pending, order;
	size_t len = 0;

	acct = new_account(f->st, "acct");
	pending = new_order(f->st, acct, 1, names, NULL, 0, NULL, NULL);
	order = ready_order(f->st, acct, "g.example");
	drain_jobs(f->st);

	assert_int_equal(ca_store_order_finalize_start(f->st, pending, csr,
	    sizeof(csr), 1300), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_order_finalize_start(f->st, 6666, csr,
	    sizeof(csr), 1300), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_order_csr(f->st, order, &der, &len), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_order_finalize_start(f->st, order, csr,
	    sizeof(csr), 1300), 0);
	assert_int_equal(order_status(f->st, order), CA_ST_PROCESSING);
	assert_int_equal(ca_store_order_finalize_start(f->st, order, csr,
	    sizeof(csr), 1300), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_order_csr(f->st, order, &der, &len), 0);
	assert_int_equal(len, sizeof(csr));
	assert_memory_equal(der, csr, sizeof(csr));
	free(der);
	assert_int_equal(ca_store_order_csr(f->st, 6666, &der, &len), CN_ERR_NOT_FOUND);
	/* one finalize job */
	assert_int_equal(ca_store_job_claim(f->st, 1300, 30, &j), 0);
	assert_int_equal(j.kind, CA_JOB_FINALIZE);
	assert_int_equal(j.target_id, order);
	assert_int_equal(ca_store_job_done(f->st, j.id), 0);
	assert_int_equal(ca_store_job_claim(f->st, 1300, 30, &j), CN_ERR_NOT_FOUND);
}

static void test_serial_reserve(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ca_store_serial_reserve(f->st, "0a1b2c", 1, 1000), 0);
	assert_int_equal(ca_store_serial_reserve(f->st, "0a1b2c", 2, 1001),
	    CN_ERR_CONFLICT);
	assert_int_equal(ca_store_serial_reserve(f->st, "0a1b2d", 0, 1001), 0);
	assert_int_equal(ca_store_serial_reserve(f->st,
	    "0123456789abcdef0123456789abcdef0123456789abcdef", 0, 1001),
	    CN_ERR_TOO_BIG);
}

static void fill_cert(struct ca_cert *c, const char *serial, int64_t acct,
    int64_t order)
{
	static unsigned char der[] = {0x30, 0x03, 0x02, 0x01, 0x05};

	memset(c, 0, sizeof(*c));
	snprintf(c->serial, sizeof(c->serial), "%s", serial);
	c->account_id = acct;
	c->order_id = order;
	c->der = der;
	c->der_len = sizeof(der);
	snprintf(c->key_sha256, sizeof(c->key_sha256), "keyhash-%s", serial);
	c->not_before = 1000;
	c->not_after = 1000 + 90 * 86400;
	c->status = CA_ST_VALID;
}

static void test_cert_insert(void **state)
{
	struct fx *f = *state;
	struct ca_cert c, g = {0};
	struct ca_order o = {0};
	int64_t acct, order, pending, n;

	acct = new_account(f->st, "acct");
	order = ready_order(f->st, acct, "c.example");
	pending = new_order(f->st, acct, 1, (const char *const[]){"p.example"},
	    NULL, 0, NULL, NULL);
	assert_int_equal(ca_store_order_finalize_start(f->st, order,
	    (const unsigned char *)"x", 1, 1300), 0);
	assert_int_equal(ca_store_serial_reserve(f->st, "00ff01", order, 1300), 0);

	/* an order that is not PROCESSING: refused, nothing stored */
	fill_cert(&c, "00ff02", acct, pending);
	assert_int_equal(ca_store_cert_insert(f->st, &c), CN_ERR_CONFLICT);
	assert_int_equal(c.id, 0);
	assert_int_equal(ca_store_cert_count(f->st, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ca_store_cert_by_serial(f->st, "00ff02", &g), CN_ERR_NOT_FOUND);

	fill_cert(&c, "00ff01", acct, order);
	assert_int_equal(ca_store_cert_insert(f->st, &c), 0);
	assert_true(c.id > 0);
	assert_int_equal(ca_store_order_get(f->st, order, &o), 0);
	assert_int_equal(o.status, CA_ST_VALID);
	assert_string_equal(o.cert_serial, "00ff01");
	ca_order_cleanup(&o);
	assert_int_equal(ca_store_cert_count(f->st, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(ca_store_cert_by_serial(f->st, "00ff01", &g), 0);
	assert_int_equal(g.id, c.id);
	assert_string_equal(g.serial, "00ff01");
	assert_int_equal(g.account_id, acct);
	assert_int_equal(g.order_id, order);
	assert_int_equal(g.der_len, c.der_len);
	assert_memory_equal(g.der, c.der, c.der_len);
	assert_string_equal(g.key_sha256, "keyhash-00ff01");
	assert_int_equal(g.not_before, c.not_before);
	assert_int_equal(g.not_after, c.not_after);
	assert_int_equal(g.status, CA_ST_VALID);
	assert_int_equal(g.reason, 0);
	assert_int_equal(g.revoked_at, 0);
	ca_cert_cleanup(&g);

	/* the order is VALID now: a second certificate is refused */
	fill_cert(&c, "00ff03", acct, order);
	assert_int_equal(ca_store_cert_insert(f->st, &c), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_cert_count(f->st, &n), 0);
	assert_int_equal(n, 1);
}

static void test_cert_revoke(void **state)
{
	struct fx *f = *state;
	struct ca_cert c, g = {0};
	int64_t acct, order;

	acct = new_account(f->st, "acct");
	order = ready_order(f->st, acct, "r.example");
	assert_int_equal(ca_store_order_finalize_start(f->st, order,
	    (const unsigned char *)"x", 1, 1300), 0);
	fill_cert(&c, "0abc", acct, order);
	assert_int_equal(ca_store_cert_insert(f->st, &c), 0);

	assert_int_equal(ca_store_cert_revoke(f->st, "0abc", 1, 5000), 0);
	assert_int_equal(ca_store_cert_revoke(f->st, "0abc", 4, 6000),
	    CN_ERR_ALREADY_REVOKED);
	assert_int_equal(ca_store_cert_revoke(f->st, "ffff", 1, 5000), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_cert_by_serial(f->st, "0abc", &g), 0);
	assert_int_equal(g.status, CA_ST_REVOKED);
	assert_int_equal(g.reason, 1);
	assert_int_equal(g.revoked_at, 5000);
	ca_cert_cleanup(&g);
}

/* ---- jobs */

/* Queues n validation jobs at time `at` (n pending challenges of one
 * authorization, each started); returns the first challenge id. Their ids
 * are consecutive. */
static int64_t queue_jobs(struct ca_store *st, size_t n, int64_t at)
{
	struct ca_challenge *ch = calloc(n, sizeof(*ch));
	struct ca_authz a = {0};
	struct ca_order o = {0};
	int64_t acct, zero = 0, first;
	size_t i;

	assert_non_null(ch);
	acct = new_account(st, "jobs");
	for (i = 0; i < n; i++) {
		snprintf(ch[i].type, sizeof(ch[i].type), "http-01");
		snprintf(ch[i].token, sizeof(ch[i].token), "t%zu", i);
		ch[i].status = CA_ST_PENDING;
	}
	a.account_id = acct;
	a.status = CA_ST_PENDING;
	snprintf(a.id_type, sizeof(a.id_type), "dns");
	a.id_value = (char *)"jobs.example";
	a.expires = 9000;
	a.n_challenges = n;
	a.challenges = ch;
	o.account_id = acct;
	o.status = CA_ST_PENDING;
	o.expires = 9000;
	o.identifiers_json = (char *)"[]";
	o.n_authz = 1;
	o.authz_ids = &zero;
	assert_int_equal(ca_store_order_create(st, &o, &a, 1), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(ca_store_challenge_start(st, ch[i].id, at), 0);
	first = ch[0].id;
	for (i = 0; i < n; i++)
		assert_int_equal(ch[i].id, first + (int64_t)i);
	free(ch);
	return first;
}

static void test_job_lifecycle(void **state)
{
	struct fx *f = *state;
	struct ca_job j, k;
	int64_t first;

	assert_int_equal(ca_store_job_claim(f->st, 1000, 30, &j), CN_ERR_NOT_FOUND);
	first = queue_jobs(f->st, 2, 1000);

	/* not runnable before run_after */
	assert_int_equal(ca_store_job_claim(f->st, 999, 30, &j), CN_ERR_NOT_FOUND);
	/* oldest first */
	assert_int_equal(ca_store_job_claim(f->st, 1000, 30, &j), 0);
	assert_int_equal(j.target_id, first);
	assert_int_equal(j.kind, CA_JOB_VALIDATE);
	assert_int_equal(ca_store_job_claim(f->st, 1000, 30, &k), 0);
	assert_int_equal(k.target_id, first + 1);
	assert_true(k.id != j.id);
	/* both leased until 1030 */
	assert_int_equal(ca_store_job_claim(f->st, 1029, 30, &k), CN_ERR_NOT_FOUND);
	/* the lease expires: j is claimed again */
	assert_int_equal(ca_store_job_claim(f->st, 1030, 30, &k), 0);
	assert_int_equal(k.id, j.id);
	assert_int_equal(k.attempts, 0);

	/* retry: released to run at 2000, one more attempt */
	assert_int_equal(ca_store_job_retry(f->st, j.id, 2000), 0);
	assert_int_equal(ca_store_job_claim(f->st, 1500, 30, &k), 0);  /* the other */
	assert_int_equal(k.target_id, first + 1);
	assert_int_equal(ca_store_job_done(f->st, k.id), 0);
	assert_int_equal(ca_store_job_claim(f->st, 1999, 30, &k), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_job_claim(f->st, 2000, 30, &k), 0);
	assert_int_equal(k.id, j.id);
	assert_int_equal(k.attempts, 1);
	assert_int_equal(k.run_after, 2000);

	assert_int_equal(ca_store_job_done(f->st, j.id), 0);
	assert_int_equal(ca_store_job_done(f->st, j.id), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_job_retry(f->st, j.id, 3000), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_job_claim(f->st, 99999, 30, &k), CN_ERR_NOT_FOUND);
}

/* The job of one target, claimed by whoever runs it at once (a finalize
 * request): only that one, only when runnable and not leased. */
static void test_job_claim_target(void **state)
{
	struct fx *f = *state;
	struct ca_job j, k;
	int64_t first;

	first = queue_jobs(f->st, 3, 1000);
	assert_int_equal(ca_store_job_claim_target(f->st, CA_JOB_FINALIZE, first + 1, 1000, 30,
	    &j), CN_ERR_NOT_FOUND);
	/* before its run_after: the caller runs it at once */
	assert_int_equal(ca_store_job_claim_target(f->st, CA_JOB_VALIDATE, first + 1, 999, 30,
	    &j), 0);
	assert_int_equal(j.target_id, first + 1);
	assert_int_equal(j.kind, CA_JOB_VALIDATE);
	/* leased: neither a second claim of it nor a worker gets it */
	assert_int_equal(ca_store_job_claim_target(f->st, CA_JOB_VALIDATE, first + 1, 1001, 30,
	    &k), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_job_claim(f->st, 999, 30, &k), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_job_claim(f->st, 1001, 30, &k), 0);
	assert_int_equal(k.target_id, first);
	assert_int_equal(ca_store_job_claim(f->st, 1001, 30, &k), 0);
	assert_int_equal(k.target_id, first + 2);
	assert_int_equal(ca_store_job_claim(f->st, 1001, 30, &k), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_job_claim_target(f->st, CA_JOB_MAX, first, 1001, 30, &k),
	    CN_ERR_USAGE);
}

#define N_THREADS 4
#define JOBS_PER_THREAD 50

struct claimer {
	struct ca_store *st;
	int64_t targets[JOBS_PER_THREAD];
	int64_t job_ids[JOBS_PER_THREAD];
	int n;
	int err;
};

static void *claim_thread(void *arg)
{
	struct claimer *cl = arg;
	struct ca_job j;
	int i, r;

	for (i = 0; i < JOBS_PER_THREAD; i++) {
		r = ca_store_job_claim(cl->st, 1000, 3600, &j);
		if (r != 0) {
			cl->err = r;
			break;
		}
		cl->targets[cl->n] = j.target_id;
		cl->job_ids[cl->n++] = j.id;
	}
	return NULL;
}

static void test_job_concurrent_claims(void **state)
{
	struct fx *f = *state;
	struct ca_store *second = NULL;
	struct claimer cl[N_THREADS];
	pthread_t th[N_THREADS];
	unsigned char *seen = NULL;
	struct ca_job j;
	int64_t first;
	int i, k;

	first = queue_jobs(f->st, N_THREADS * JOBS_PER_THREAD, 1000);
	/* two "instances": half the threads use a second store on the file */
	assert_int_equal(ca_store_open(f->path, 2, &second), 0);
	memset(cl, 0, sizeof(cl));
	for (i = 0; i < N_THREADS; i++) {
		cl[i].st = i % 2 ? second : f->st;
		assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &cl[i]), 0);
	}
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	seen = calloc(N_THREADS * JOBS_PER_THREAD, 1);
	assert_non_null(seen);
	for (i = 0; i < N_THREADS; i++) {
		assert_int_equal(cl[i].err, 0);
		assert_int_equal(cl[i].n, JOBS_PER_THREAD);
		for (k = 0; k < cl[i].n; k++) {
			int64_t t = cl[i].targets[k] - first;

			assert_true(t >= 0 && t < N_THREADS * JOBS_PER_THREAD);
			assert_int_equal(seen[t], 0);   /* never claimed twice */
			seen[t] = 1;
		}
	}
	free(seen);
	assert_int_equal(ca_store_job_claim(second, 1000, 3600, &j), CN_ERR_NOT_FOUND);
	for (i = 0; i < N_THREADS; i++)
		for (k = 0; k < cl[i].n; k++)
			assert_int_equal(ca_store_job_done(cl[i].st, cl[i].job_ids[k]), 0);
	assert_int_equal(ca_store_job_claim(f->st, 99999, 3600, &j), CN_ERR_NOT_FOUND);
	ca_store_close(second);
}

/* ---- status strings */

static void test_status_strings(void **state)
{
	enum ca_status s;
	int i;

	(void)state;
	for (i = 0; i < CA_ST_MAX; i++) {
		assert_int_equal(ca_status_parse(ca_status_str((enum ca_status)i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_string_equal(ca_status_str(CA_ST_READY), "ready");
	assert_string_equal(ca_status_str(CA_ST_MAX), "unknown");
	assert_int_equal(ca_status_parse("Valid", &s), CN_ERR_MALFORMED);
	assert_int_equal(ca_status_parse("", &s), CN_ERR_MALFORMED);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_rejects_bad_pool),
		T(test_open_sets_wal_and_version),
		T(test_open_refuses_newer_schema),
		T(test_reopen_keeps_data),
		T(test_nonce),
		T(test_nonce_purge),
		T(test_nonce_shared_between_instances),
		T(test_nonce_independent_of_main_write_lock),
		T(test_nonce_file_recreated_when_damaged),
		T(test_account),
		T(test_order_create_and_get),
		T(test_order_create_is_atomic),
		T(test_order_expired_returned_as_stored),
		T(test_order_transition),
		T(test_authz_transition),
		T(test_orders_by_account),
		T(test_authz_find_valid),
		T(test_authz_reuse_until),
		T(test_challenge_start),
		T(test_challenge_finish_valid),
		T(test_challenge_finish_invalid),
		T(test_finalize_start),
		T(test_serial_reserve),
		T(test_cert_insert),
		T(test_cert_revoke),
		T(test_job_lifecycle),
		T(test_job_claim_target),
		T(test_job_concurrent_claims),
		cmocka_unit_test(test_status_strings),
	};

	cn_log_level = CN_LOG_ERR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
