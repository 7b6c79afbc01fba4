/*
 * store_sqlite_crl.c - CRL shards in the SQLite store (RFC 5280 section 5,
 * CA/B Forum BR 7.2 "partitioned CRLs", 002_revocation.sql).
 *
 * Each shard row holds the newest signed CRL, its crlNumber and two
 * generation counters: gen, bumped by a trigger whenever a certificate of
 * the shard is revoked (or its reason changes), and built_gen, the gen the
 * stored CRL covers. A builder reads gen before the entries, signs, and
 * stores with a compare-and-set on the crlNumber it started from, so
 * crlNumbers only grow and a revocation that lands during a build leaves
 * the shard stale for the next round.
 */
#include "store/store_sqlite_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Most shards and entries one call returns (a sanity bound, not a policy). */
#define SQ_CRL_MAX_SHARDS 65536
#define SQ_CRL_MAX_ENTRIES 10000000

void ca_crl_shard_cleanup(struct ca_crl_shard *s)
{
	if (s == NULL)
		return;
	free(s->der);
	memset(s, 0, sizeof(*s));
}

int ca_store_crl_ensure(struct ca_store *st, int n_shards)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int i, r;

	if (n_shards < 0 || n_shards > SQ_CRL_MAX_SHARDS)
		return cn_err_set(CN_ERR_INTERNAL, "bad number of CRL shards %d", n_shards);
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	for (i = 0; i < n_shards; i++) {
		r = sq_stmt(c, SQ_CRL_ENSURE, &s);
		if (r != 0)
			goto out;
		if (sqlite3_bind_int(s, 1, i) != SQLITE_OK) {
			r = sq_fail(c, "bind");
			goto out;
		}
		r = sq_exec(c, s);
		if (r != 0)
			goto out;
	}
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_crl_shards(struct ca_store *st, bool with_der, struct ca_crl_shard **out,
    size_t *n)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_crl_shard *list = NULL, *sh;
	size_t len = 0, cap = 0, i;
	const void *der;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_CRL_SHARDS, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int(s, 1, with_der ? 1 : 0) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	for (;;) {
		r = sq_step(c, s);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		if (len >= SQ_CRL_MAX_SHARDS) {
			r = cn_err_set(CN_ERR_STORE, "more than %d CRL shards", SQ_CRL_MAX_SHARDS);
			goto out;
		}
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			list = cn_xrealloc(list, cap * sizeof(*list));
		}
		sh = &list[len++];
		memset(sh, 0, sizeof(*sh));
		sh->shard = sqlite3_column_int(s, 0);
		sh->number = sqlite3_column_int64(s, 1);
		sh->this_update = sqlite3_column_int64(s, 2);
		sh->next_update = sqlite3_column_int64(s, 3);
		sh->gen = sqlite3_column_int64(s, 4);
		sh->built_gen = sqlite3_column_int64(s, 5);
		der = sqlite3_column_blob(s, 6);
		if (der != NULL) {
			sh->der_len = (size_t)sqlite3_column_bytes(s, 6);
			sh->der = cn_xmemdup(der, sh->der_len);
		}
	}
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
	r = 0;
out:
	for (i = 0; i < len; i++)
		ca_crl_shard_cleanup(&list[i]);
	free(list);
	sq_release(st, c);
	return r;
}

int ca_store_crl_entries(struct ca_store *st, int shard, int64_t not_after_min,
    struct ca_crl_entry **out, size_t *n)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_crl_entry *list = NULL, *e;
	size_t len = 0, cap = 0;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_CRL_ENTRIES, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int(s, 1, shard) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, not_after_min) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	for (;;) {
		r = sq_step(c, s);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		if (len >= SQ_CRL_MAX_ENTRIES) {
			r = cn_err_set(CN_ERR_STORE, "more than %d entries in CRL shard %d",
			    SQ_CRL_MAX_ENTRIES, shard);
			goto out;
		}
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			list = cn_xrealloc(list, cap * sizeof(*list));
		}
		e = &list[len];
		r = sq_col_arr(c, s, 0, e->serial, sizeof(e->serial));
		if (r != 0)
			goto out;
		e->reason = sqlite3_column_int(s, 1);
		e->revoked_at = sqlite3_column_int64(s, 2);
		len++;
	}
	*out = list;
	*n = len;
	list = NULL;
	r = 0;
out:
	free(list);
	sq_release(st, c);
	return r;
}

int ca_store_crl_put(struct ca_store *st, int shard, int64_t prev_number, int64_t number,
    int64_t built_gen, const unsigned char *der, size_t der_len, int64_t this_update,
    int64_t next_update)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	if (number <= prev_number)
		return cn_err_set(CN_ERR_INTERNAL, "crlNumber %lld does not exceed %lld",
		    (long long)number, (long long)prev_number);
	if (der_len == 0 || der_len > INT_MAX)
		return cn_err_set(CN_ERR_TOO_BIG, "CRL size %zu", der_len);
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_CRL_PUT, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int(s, 1, shard) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, prev_number) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, number) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 4, der, (int)der_len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 5, this_update) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, next_update) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 7, built_gen) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (sq_changes(c) == 0) {
		r = cn_err_set(CN_ERR_CONFLICT, "CRL shard %d changed meanwhile", shard);
		goto out;
	}
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}
