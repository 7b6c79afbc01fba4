/*
 * store_sqlite_order.c - ACME orders (RFC 8555 section 7.1.3) in the SQLite
 * store: creation together with their new authorizations (section 7.4), the
 * status compare-and-set, the per-account list (section 7.1.2.1) and the
 * start of finalization (section 7.4: the CSR is stored and a
 * CA_JOB_FINALIZE job queued in the same transaction as the move to
 * "processing").
 *
 * The ids of an order's authorizations are read in the same statement as
 * the order (a join), ordered by authorization id.
 */
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Grows *arr (of *cap elements) so that it holds at least n + 1. */
static void grow_ids(int64_t **arr, size_t *cap, size_t n)
{
	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 8;
	*arr = cn_xrealloc(*arr, *cap * sizeof(**arr));
}

/* Inserts one new authorization and its challenges; their ids go to
 * *authz_id and chall_ids[]. */
static int insert_authz(struct sq_conn *c, const struct ca_authz *a,
    int64_t *authz_id, int64_t *chall_ids)
{
	sqlite3_stmt *s = NULL;
	const struct ca_challenge *ch;
	int64_t id;
	size_t i;
	int r;

	r = sq_stmt(c, SQ_AUTHZ_INSERT, &s);
	if (r != 0)
		return r;
	if (sqlite3_bind_int64(s, 1, a->account_id) != SQLITE_OK ||
	    sq_bind_status(s, 2, a->status) != SQLITE_OK ||
	    sq_bind_arr(s, 3, a->id_type, sizeof(a->id_type)) != SQLITE_OK ||
	    sqlite3_bind_text(s, 4, a->id_value, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 5, a->wildcard) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, a->expires) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 7, a->created) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 8, a->reuse_until) != SQLITE_OK)
		return sq_fail(c, "bind");
	r = sq_exec(c, s);
	if (r != 0)
		return r;
	id = sqlite3_last_insert_rowid(c->db);
	for (i = 0; i < a->n_challenges; i++) {
		ch = &a->challenges[i];
		r = sq_stmt(c, SQ_CHALL_INSERT, &s);
		if (r != 0)
			return r;
		if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
		    sq_bind_arr(s, 2, ch->type, sizeof(ch->type)) != SQLITE_OK ||
		    sq_bind_arr(s, 3, ch->token, sizeof(ch->token)) != SQLITE_OK ||
		    sq_bind_status(s, 4, ch->status) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 5, ch->validated) != SQLITE_OK ||
		    sqlite3_bind_text(s, 6, ch->error_json, -1,
		    SQLITE_STATIC) != SQLITE_OK)
			return sq_fail(c, "bind");
		r = sq_exec(c, s);
		if (r != 0)
			return r;
		chall_ids[i] = sqlite3_last_insert_rowid(c->db);
	}
	*authz_id = id;
	return 0;
}

static int insert_order(struct sq_conn *c, const struct ca_order *o,
    const int64_t *authz_ids, int64_t *order_id)
{
	sqlite3_stmt *s = NULL;
	int64_t id;
	size_t i;
	int r;

	r = sq_stmt(c, SQ_ORDER_INSERT, &s);
	if (r != 0)
		return r;
	if (sqlite3_bind_int64(s, 1, o->account_id) != SQLITE_OK ||
	    sq_bind_status(s, 2, o->status) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, o->expires) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 4, o->not_before) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 5, o->not_after) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, o->created) != SQLITE_OK ||
	    sqlite3_bind_text(s, 7, o->identifiers_json, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 8, o->error_json, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 9, o->profile, -1, SQLITE_STATIC) != SQLITE_OK)
		return sq_fail(c, "bind");
	r = sq_exec(c, s);
	if (r != 0)
		return r;
	id = sqlite3_last_insert_rowid(c->db);
	for (i = 0; i < o->n_authz; i++) {
		r = sq_stmt(c, SQ_ORDER_AUTHZ_INSERT, &s);
		if (r != 0)
			return r;
		if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 2, authz_ids[i]) != SQLITE_OK)
			return sq_fail(c, "bind");
		r = sq_exec(c, s);
		if (r != 0)
			return r;
	}
	*order_id = id;
	return 0;
}

int ca_store_order_create(struct ca_store *st, struct ca_order *o,
    struct ca_authz *authzs, size_t n_authzs)
{
	struct sq_conn *c = NULL;
	int64_t *new_authz = NULL;    /* id given to authzs[i], 0 if not new */
	int64_t **new_chall = NULL;   /* ids given to authzs[i].challenges */
	int64_t *order_authz = NULL;  /* o->authz_ids resolved */
	int64_t order_id = 0;
	size_t i, j, next = 0;
	int r;

	new_authz = cn_xcalloc(n_authzs, sizeof(*new_authz));
	new_chall = cn_xcalloc(n_authzs, sizeof(*new_chall));
	order_authz = cn_xcalloc(o->n_authz, sizeof(*order_authz));
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	for (i = 0; i < n_authzs; i++) {
		if (authzs[i].id != 0)
			continue;
		new_chall[i] = cn_xcalloc(authzs[i].n_challenges, sizeof(int64_t));
		r = insert_authz(c, &authzs[i], &new_authz[i], new_chall[i]);
		if (r != 0)
			goto out;
	}
	for (i = 0; i < o->n_authz; i++) {
		order_authz[i] = o->authz_ids[i];
		if (order_authz[i] != 0)
			continue;
		while (next < n_authzs && new_authz[next] == 0)
			next++;
		if (next == n_authzs) {
			r = cn_err_set(CN_ERR_INTERNAL, "store: order has more "
			    "new authorizations than were given");
			goto out;
		}
		order_authz[i] = new_authz[next++];
	}
	r = insert_order(c, o, order_authz, &order_id);
	if (r != 0)
		goto out;
	r = sq_commit(c);
	if (r != 0)
		goto out;
	/* Committed: now write the ids back. */
	for (i = 0; i < n_authzs; i++) {
		if (new_authz[i] == 0)
			continue;
		authzs[i].id = new_authz[i];
		for (j = 0; j < authzs[i].n_challenges; j++) {
			authzs[i].challenges[j].id = new_chall[i][j];
			authzs[i].challenges[j].authz_id = new_authz[i];
		}
	}
	if (o->n_authz > 0)
		memcpy(o->authz_ids, order_authz, o->n_authz * sizeof(*order_authz));
	o->id = order_id;
out:
	sq_release(st, c);
	for (i = 0; i < n_authzs; i++)
		free(new_chall[i]);
	free(new_chall);
	free(new_authz);
	free(order_authz);
	return r;
}

int ca_store_order_get(struct ca_store *st, int64_t id, struct ca_order *out)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct ca_order o = {0};
	size_t cap = 0;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_int64(c, SQ_ORDER_GET, id, &s);
	if (r != 0)
		goto out;
	r = sq_found(c, s, "no such order");
	if (r != 0)
		goto out;
	o.id = sqlite3_column_int64(s, 0);
	o.account_id = sqlite3_column_int64(s, 1);
	r = sq_col_status(c, s, 2, &o.status);
	if (r != 0)
		goto out;
	o.expires = sqlite3_column_int64(s, 3);
	o.not_before = sqlite3_column_int64(s, 4);
	o.not_after = sqlite3_column_int64(s, 5);
	o.created = sqlite3_column_int64(s, 6);
	o.identifiers_json = sq_col_dup(s, 7);
	o.error_json = sq_col_dup(s, 8);
	o.profile = sq_col_dup(s, 9);
	r = sq_col_arr(c, s, 10, o.cert_serial, sizeof(o.cert_serial));
	if (r != 0)
		goto out;
	/* One row per authorization (a single row with NULL when none). */
	for (;;) {
		if (sqlite3_column_type(s, 11) != SQLITE_NULL) {
			grow_ids(&o.authz_ids, &cap, o.n_authz);
			o.authz_ids[o.n_authz++] = sqlite3_column_int64(s, 11);
		}
		r = sq_step(c, s);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
	}
	*out = o;
	o = (struct ca_order){0};
	r = 0;
out:
	sq_release(st, c);
	ca_order_cleanup(&o);
	return r;
}

int ca_store_order_transition(struct ca_store *st, int64_t id, enum ca_status from,
    enum ca_status to, const char *error_json)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_ORDER_TRANSITION, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
	    sq_bind_status(s, 2, from) != SQLITE_OK ||
	    sq_bind_status(s, 3, to) != SQLITE_OK ||
	    sqlite3_bind_text(s, 4, error_json, -1, SQLITE_STATIC) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec_cas(c, s, SQ_ORDER_EXISTS, id, NULL, CN_ERR_CONFLICT, "order");
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

/* Runs a query whose rows are one id each, binding (a, b, c) as ?1..?3
 * (only the first n_params). */
static int id_list(struct ca_store *st, enum sq_stmt_id id, int n_params,
    int64_t p1, int64_t p2, int64_t p3, int64_t **ids, size_t *n)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t *arr = NULL;
	size_t len = 0, cap = 0;
	int r;

	c = sq_acquire(st);
	r = sq_stmt(c, id, &s);
	if (r != 0)
		goto out;
	if (sqlite3_bind_int64(s, 1, p1) != SQLITE_OK ||
	    (n_params > 1 && sqlite3_bind_int64(s, 2, p2) != SQLITE_OK) ||
	    (n_params > 2 && sqlite3_bind_int64(s, 3, p3) != SQLITE_OK)) {
		r = sq_fail(c, "bind");
		goto out;
	}
	for (;;) {
		r = sq_step(c, s);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		grow_ids(&arr, &cap, len);
		arr[len++] = sqlite3_column_int64(s, 0);
	}
	*ids = arr;
	*n = len;
	arr = NULL;
out:
	sq_release(st, c);
	free(arr);
	return r;
}

int ca_store_orders_by_account(struct ca_store *st, int64_t account_id, int64_t before_id,
    size_t limit, int64_t **ids, size_t *n)
{
	if (before_id <= 0)
		before_id = INT64_MAX;
	if (limit > INT64_MAX)
		limit = INT64_MAX;
	return id_list(st, SQ_ORDERS_BY_ACCOUNT, 3, account_id, before_id,
	    (int64_t)limit, ids, n);
}

int ca_store_orders_by_authz(struct ca_store *st, int64_t authz_id, int64_t **ids,
    size_t *n)
{
	return id_list(st, SQ_ORDERS_BY_AUTHZ, 1, authz_id, 0, 0, ids, n);
}

int ca_store_order_finalize_start(struct ca_store *st, int64_t order_id,
    const unsigned char *csr_der, size_t csr_len, int64_t run_after)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	if (csr_len > INT32_MAX)
		return cn_err_set(CN_ERR_TOO_BIG, "CSR too large");
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt(c, SQ_ORDER_FINALIZE, &s);
	if (r != 0)
		goto out;
	/* A zero-length CSR is stored as an empty blob, not as NULL. */
	if (sqlite3_bind_int64(s, 1, order_id) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 2, csr_len ? (const void *)csr_der : "",
	    (int)csr_len, SQLITE_STATIC) != SQLITE_OK) {
		r = sq_fail(c, "bind");
		goto out;
	}
	r = sq_exec_cas(c, s, SQ_ORDER_EXISTS, order_id, NULL, CN_ERR_CONFLICT, "order");
	if (r != 0)
		goto out;
	r = sq_job_add(c, CA_JOB_FINALIZE, order_id, run_after);
	if (r != 0)
		goto out;
	r = sq_commit(c);
out:
	sq_release(st, c);
	return r;
}

int ca_store_order_csr(struct ca_store *st, int64_t order_id, unsigned char **der,
    size_t *len)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	const void *blob;
	size_t n;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_int64(c, SQ_ORDER_CSR, order_id, &s);
	if (r != 0)
		goto out;
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	if (r == 0 || sqlite3_column_type(s, 0) == SQLITE_NULL) {
		r = cn_err_set(CN_ERR_NOT_FOUND, "no CSR for this order");
		goto out;
	}
	blob = sqlite3_column_blob(s, 0);
	n = (size_t)sqlite3_column_bytes(s, 0);
	*der = cn_xmemdup(n ? blob : "", n);
	*len = n;
	r = 0;
out:
	sq_release(st, c);
	return r;
}
