/*
 * store_sqlite_ocsp.c - pre-signed OCSP responses (RFC 6960 section 2.2,
 * RFC 9919 sections 3.2 and 7.3) and CRL shard assignment in the SQLite
 * store (002_revocation.sql).
 *
 * The work list comes from the schema's triggers: inserting a certificate
 * or revoking it queues its serial in ocsp_pending (gen grows on every
 * change). A refresher reads a to-do item (certificate state, id of the
 * stored response, pending gen) in one snapshot, signs, and stores with
 * ca_store_ocsp_put, which writes only if the stored response is still the
 * one it read (ids are never reused) and removes the pending row only if
 * nothing changed since. So of several refreshers (threads or instances) one
 * wins, and a revocation landing while a "good" response is being signed
 * always leaves the revoked one queued: a stale status never overwrites a
 * newer one.
 */
#include "store/store_sqlite_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Largest work list or mirror batch one call returns. */
#define SQ_OCSP_MAX_BATCH 100000

int ca_store_serial_reserve_shard(struct ca_store *st, const char *serial_hex,
    int64_t order_id, int crl_shard, int64_t now)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	if (strlen(serial_hex) >= sizeof(((struct ca_cert *)0)->serial))
		return cn_err_set(CN_ERR_TOO_BIG, "serial too long");
	if (crl_shard < 0)
		return cn_err_set(CN_ERR_INTERNAL, "negative CRL shard");
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_SERIAL_RESERVE_SHARD, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_text(s, 1, serial_hex, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, order_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK ||
	    sqlite3_bind_int(s, 4, crl_shard) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_CRL_ENSURE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int(s, 1, crl_shard) != SQLITE_OK) {
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

void ca_ocsp_row_cleanup(struct ca_ocsp_row *r)
{
	if (r == NULL)
		return;
	free(r->der);
	memset(r, 0, sizeof(*r));
}

/* Reads SQ_OCSP_WORK_COLS and the gen column after them. */
static int work_row(struct sq_conn *c, sqlite3_stmt *s, struct ca_ocsp_work *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	r = sq_col_arr(c, s, 0, t->serial, sizeof(t->serial));
	if (r != 0)
		return r;
	r = sq_col_status(c, s, 1, &t->status);
	if (r != 0)
		return r;
	t->reason = sqlite3_column_int(s, 2);
	t->revoked_at = sqlite3_column_int64(s, 3);
	t->not_after = sqlite3_column_int64(s, 4);
	t->resp_id = sqlite3_column_int64(s, 5);
	t->pending_gen = sqlite3_column_int64(s, 6);
	return 0;
}

/* Steps s (already bound) and collects up to max to-do rows. */
static int work_list(struct sq_conn *c, sqlite3_stmt *s, size_t max,
    struct ca_ocsp_work **out, size_t *n)
{
	struct ca_ocsp_work *list = NULL;
	size_t len = 0, cap = 0;
	int r;

	for (;;) {
		r = sq_step(c, s);
		if (r < 0)
			goto out;
		if (r == 0 || len >= max)
			break;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			list = cn_xrealloc(list, cap * sizeof(*list));
		}
		r = work_row(c, s, &list[len]);
		if (r != 0)
			goto out;
		len++;
	}
	*out = list;
	*n = len;
	list = NULL;
	r = 0;
out:
	free(list);
	return r;
}

static int64_t batch_limit(size_t max)
{
	return (int64_t)(max > SQ_OCSP_MAX_BATCH ? SQ_OCSP_MAX_BATCH : max);
}

int ca_store_ocsp_pending(struct ca_store *st, size_t max, struct ca_ocsp_work **out,
    size_t *n)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_int64(c, SQ_OCSP_PENDING, batch_limit(max), &s);
	if (r != 0)
		goto out;
	r = work_list(c, s, (size_t)batch_limit(max), out, n);
out:
	sq_release(st, c);
	return r;
}

int ca_store_ocsp_due(struct ca_store *st, int64_t before, int64_t not_after_min,
    size_t max, struct ca_ocsp_work **out, size_t *n)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_OCSP_DUE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, before) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, not_after_min) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, batch_limit(max)) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = work_list(c, s, (size_t)batch_limit(max), out, n);
out:
	sq_release(st, c);
	return r;
}

int ca_store_ocsp_put(struct ca_store *st, const struct ca_ocsp_work *work,
    const unsigned char *der, size_t der_len, int64_t this_update, int64_t next_update)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t cur = 0;
	int r;

	if (der_len == 0 || der_len > INT_MAX)
		return cn_err_set(CN_ERR_TOO_BIG, "OCSP response size %zu", der_len);
	c = sq_acquire(st);
	/*
	 * A "good" response need not be durable: lost in a crash, its
	 * ocsp_pending row (durable with the certificate) or its age has it
	 * signed again. A "revoked" one is durable before it is served.
	 */
	r = work->status == CA_ST_REVOKED ? sq_begin(c) : sq_begin_light(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_OCSP_CUR_ID, &s);
	if (r != 0)
		goto out;
	if (sq_bind_arr(s, 1, work->serial, sizeof(work->serial)) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	if (r == 1)
		cur = sqlite3_column_int64(s, 0);
	if (cur != work->resp_id) {
		r = cn_err_set(CN_ERR_CONFLICT, "OCSP response of %s changed meanwhile",
		    work->serial);
		goto out;
	}
	r = sq_stmt(c, SQ_OCSP_REPLACE, &s);
	if (r != 0)
		goto out;
	if (sq_bind_arr(s, 1, work->serial, sizeof(work->serial)) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 2, der, (int)der_len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, this_update) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 4, next_update) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (work->pending_gen != 0) {
		r = sq_stmt(c, SQ_OCSP_PENDING_DONE, &s);
		if (r != 0)
			goto out;
		if (sq_bind_arr(s, 1, work->serial, sizeof(work->serial)) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 2, work->pending_gen) != SQLITE_OK) {
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

/* Reads SQ_OCSP_ROW_COLS. */
static int ocsp_row(struct sq_conn *c, sqlite3_stmt *s, struct ca_ocsp_row *o)
{
	const void *der;
	int r;

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	r = sq_col_arr(c, s, 1, o->serial, sizeof(o->serial));
	if (r != 0)
		return r;
	der = sqlite3_column_blob(s, 2);
	o->der_len = (size_t)sqlite3_column_bytes(s, 2);
	o->der = cn_xmemdup(o->der_len ? der : "", o->der_len);
	o->this_update = sqlite3_column_int64(s, 3);
	o->next_update = sqlite3_column_int64(s, 4);
	return 0;
}

int ca_store_ocsp_since(struct ca_store *st, int64_t after_id, int64_t now, size_t max,
    struct ca_ocsp_row **out, size_t *n)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_ocsp_row *list = NULL;
	size_t len = 0, cap = 0, i;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, SQ_OCSP_SINCE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, after_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, now) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, batch_limit(max)) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	for (;;) {
		r = sq_step(c, s);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			list = cn_xrealloc(list, cap * sizeof(*list));
		}
		r = ocsp_row(c, s, &list[len]);
		if (r != 0)
			goto out;
		len++;
	}
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
	r = 0;
out:
	for (i = 0; i < len; i++)
		ca_ocsp_row_cleanup(&list[i]);
	free(list);
	sq_release(st, c);
	return r;
}

int ca_store_ocsp_purge(struct ca_store *st, int64_t now, int64_t this_update_before,
    int64_t *n)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_OCSP_PURGE, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, now) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, this_update_before) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	if (n != NULL)
		*n = sq_changes(c);
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_ocsp_get(struct ca_store *st, const char *serial_hex, struct ca_ocsp_row *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_ocsp_row row;
	int r;

	memset(&row, 0, sizeof(row));
	c = sq_acquire(st);
	r = sq_stmt_text(c, SQ_OCSP_GET, serial_hex, &s);
	if (r != 0)
		goto out;
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	if (r == 0) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "no OCSP response for %s", serial_hex);
		goto out;
	}
	r = ocsp_row(c, s, &row);
	if (r != 0)
		goto out;
	*out = row;
	memset(&row, 0, sizeof(row));
out:
	ca_ocsp_row_cleanup(&row);
	sq_release(st, c);
	return r;
}
