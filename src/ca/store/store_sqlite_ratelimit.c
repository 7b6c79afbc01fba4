/*
 * store_sqlite_ratelimit.c - what the rate limits of RFC 8555 section 6.6
 * count (src/ca/ratelimit.c decides), in the SQLite store: one indexed
 * query per kind of event (schema 005_ratelimits.sql) that answers with the
 * time of the n-th newest event in a window, and the record of where an
 * account was created from. The identifiers of issued certificates are
 * recorded by a trigger in the transaction that inserts the certificate,
 * whoever inserts it.
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json.h"

/* Binds the time window and n (?since_i, ?n_i: OFFSET n - 1). */
static int bind_window(sqlite3_stmt *s, int since_i, int64_t since, int n_i, int64_t n)
{
	if (sqlite3_bind_int64(s, since_i, since) != SQLITE_OK ||
	    sqlite3_bind_int64(s, n_i, n - 1) != SQLITE_OK)
		return SQLITE_ERROR;
	return SQLITE_OK;
}

/* Steps s (bound) to its row: *t from column 0, or CN_ERR_NOT_FOUND. */
static int nth_time(struct sq_conn *c, sqlite3_stmt *s, int64_t *t)
{
	int r;

	r = sq_found(c, s, "fewer events than the limit");
	if (r != 0)
		return r;
	*t = sqlite3_column_int64(s, 0);
	return 0;
}

static int check_n(int64_t n)
{
	if (n < 1)
		return cn_err_set(CN_ERR_INTERNAL, "rate limit query with n = %lld", (long long)n);
	return 0;
}

/* One-key query: key (text when key_text, else key_id) as ?1, since ?2, n ?3. */
static int rate_query(struct ca_store *st, enum sq_stmt_id id, int64_t key_id,
    const char *key_text, int64_t since, int64_t n, int64_t *t)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	r = check_n(n);
	if (r != 0)
		return r;
	c = sq_acquire(st);
	r = sq_stmt_key(c, id, key_id, key_text, &s);
	if (r != 0)
		goto out;
	if (bind_window(s, 2, since, 3, n) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = nth_time(c, s, t);
out:
	sq_release(st, c);
	return r;
}

int ca_store_rate_orders(struct ca_store *st, int64_t account_id, int64_t since, int64_t n,
    int64_t *t)
{
	return rate_query(st, SQ_RATE_ORDERS, account_id, NULL, since, n, t);
}

int ca_store_rate_pending_authzs(struct ca_store *st, int64_t account_id, int64_t since,
    int64_t n, int64_t *t)
{
	return rate_query(st, SQ_RATE_PENDING_AUTHZS, account_id, NULL, since, n, t);
}

int ca_store_rate_accounts(struct ca_store *st, const char *ip_key, int64_t since, int64_t n,
    int64_t *t)
{
	return rate_query(st, SQ_RATE_ACCOUNTS, 0, ip_key, since, n, t);
}

int ca_store_rate_certs_domain(struct ca_store *st, const char *domain, int64_t since,
    int64_t n, int64_t *t)
{
	return rate_query(st, SQ_RATE_CERTS_DOMAIN, 0, domain, since, n, t);
}

int ca_store_rate_failed_authzs(struct ca_store *st, int64_t account_id, const char *id_type,
    const char *id_value, int64_t since, int64_t n, int64_t *t)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	r = check_n(n);
	if (r != 0)
		return r;
	c = sq_acquire(st);
	r = sq_stmt_int64(c, SQ_RATE_FAILED_AUTHZS, account_id, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 2, id_type, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, id_value, -1, SQLITE_STATIC) != SQLITE_OK ||
	    bind_window(s, 4, since, 5, n) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = nth_time(c, s, t);
out:
	sq_release(st, c);
	return r;
}

/* The names as a JSON array (heap) for SQ_RATE_SAME_SET. */
static int names_json(const char *const *names, size_t n_names, char **out)
{
	json_t *arr;
	size_t i;

	if (n_names == 0)
		return cn_err_set(CN_ERR_INTERNAL, "rate limit query without names");
	arr = json_array();
	if (arr == NULL)
		return cn_err_set(CN_ERR_INTERNAL, "out of memory");
	for (i = 0; i < n_names; i++)
		json_array_append_new(arr, json_string(names[i]));
	*out = cn_json_dump(arr);
	json_decref(arr);
	return 0;
}

/* Binds ?1 (the first name), ?2 (how many) and ?4 (all, as JSON) of a
 * SQ_RATE_SAME_SET query. */
static int bind_set(sqlite3_stmt *s, const char *const *names, size_t n_names, const char *json)
{
	if (sqlite3_bind_text(s, 1, names[0], -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, (int64_t)n_names) != SQLITE_OK ||
	    sqlite3_bind_text(s, 4, json, -1, SQLITE_STATIC) != SQLITE_OK)
		return SQLITE_ERROR;
	return SQLITE_OK;
}

int ca_store_rate_duplicates(struct ca_store *st, const char *const *names, size_t n_names,
    int64_t since, int64_t n, int64_t *t)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	char *json = NULL;
	int r;

	r = check_n(n);
	if (r == 0)
		r = names_json(names, n_names, &json);
	if (r != 0)
		return r;
	c = sq_acquire(st);
	r = sq_stmt(c, SQ_RATE_DUPLICATES, &s);
	if (r != 0)
		goto out;
	if (bind_set(s, names, n_names, json) != SQLITE_OK ||
	    bind_window(s, 3, since, 5, n) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = nth_time(c, s, t);
out:
	sq_release(st, c);
	free(json);
	return r;
}

int ca_store_cert_renewal_of(struct ca_store *st, int64_t account_id,
    const char *const *names, size_t n_names, int64_t now, bool *found)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	char *json = NULL;
	int r;

	r = names_json(names, n_names, &json);
	if (r != 0)
		return r;
	c = sq_acquire(st);
	r = sq_stmt(c, SQ_CERT_RENEWAL_OF, &s);
	if (r != 0)
		goto out;
	if (bind_set(s, names, n_names, json) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 5, account_id) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	*found = r == 1;
	r = 0;
out:
	sq_release(st, c);
	free(json);
	return r;
}

int ca_store_account_origin_set(struct ca_store *st, int64_t account_id, const char *ip_key,
    int64_t created)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	if (strlen(ip_key) >= CA_RATE_MAX_NAME)
		return cn_err_set(CN_ERR_TOO_BIG, "address key too long");
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt_int64(c, SQ_ACCOUNT_ORIGIN_SET, account_id, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 2, ip_key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, created) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}
