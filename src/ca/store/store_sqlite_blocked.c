/*
 * store_sqlite_blocked.c - blocked keys and key compromise in the SQLite
 * store (CA/B Forum BR 4.9.1.1 item 3 and 7.2.2: CRLReason keyCompromise;
 * RFC 8555 section 7.6 revocation by the certificate's key).
 *
 * A compromised key is blocked for good (finalize and newAccount refuse it)
 * and every unexpired certificate with it is revoked with reason
 * keyCompromise in the same transaction; the schema's triggers queue their
 * new OCSP responses and mark their CRL shards stale.
 */
#include "store/store_sqlite_int.h"

#include <string.h>

/* RFC 5280 section 5.3.1 CRLReason keyCompromise. */
#define SQ_REASON_KEY_COMPROMISE 1

int ca_store_key_is_blocked(struct ca_store *st, const char *key_sha256, bool *blocked)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	c = sq_acquire(st);
	r = sq_stmt_text(c, SQ_KEY_IS_BLOCKED, key_sha256, &s);
	if (r != 0)
		goto out;
	r = sq_step(c, s);
	if (r < 0)
		goto out;
	*blocked = r == 1;
	r = 0;
out:
	sq_release(st, c);
	return r;
}

/* Inside a transaction: blocks the key, revokes its valid unexpired
 * certificates; adds their number to *n. */
static int block_in_tx(struct sq_conn *c, const char *key_sha256, const char *serial_hex,
    int64_t now, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	r = sq_stmt(c, SQ_KEY_BLOCK, &s);
	if (r != 0)
		return r;
	if (sqlite3_bind_text(s, 1, key_sha256, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, now) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, serial_hex, -1, SQLITE_STATIC) != SQLITE_OK)
		return sq_fail(c, "bind");
	r = sq_exec(c, s);
	if (r != 0)
		return r;
	r = sq_stmt(c, SQ_CERTS_REVOKE_KEY, &s);
	if (r != 0)
		return r;
	if (sqlite3_bind_text(s, 1, key_sha256, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, now) != SQLITE_OK)
		return sq_fail(c, "bind");
	r = sq_exec(c, s);
	if (r != 0)
		return r;
	*n += sq_changes(c);
	return 0;
}

int ca_store_key_block(struct ca_store *st, const char *key_sha256, const char *serial_hex,
    int64_t now, int64_t *n_revoked)
{
	struct sq_conn *c = NULL;
	int64_t n = 0;
	int r;

	if (key_sha256[0] == '\0')
		return cn_err_set(CN_ERR_INTERNAL, "empty key hash");
	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = block_in_tx(c, key_sha256, serial_hex ? serial_hex : "", now, &n);
	if (r != 0)
		goto out;
	r = sq_commit(c);
	if (r == 0 && n_revoked != NULL)
		*n_revoked = n;
out:
	sq_release(st, c);
	return r;
}

int ca_store_key_compromised(struct ca_store *st, const char *serial_hex, int64_t now,
    int64_t *n_revoked)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	char key[48];
	enum ca_status status;
	int64_t n = 0;
	int reason, r;

	c = sq_acquire(st);
	r = sq_begin(c);
	if (r != 0)
		goto out;
	r = sq_stmt_text(c, SQ_CERT_KEY_OF, serial_hex, &s);
	if (r != 0)
		goto out;
	r = sq_found(c, s, "no such certificate");
	if (r != 0)
		goto out;
	r = sq_col_arr(c, s, 0, key, sizeof(key));
	if (r == 0)
		r = sq_col_status(c, s, 1, &status);
	if (r != 0)
		goto out;
	reason = sqlite3_column_int(s, 2);
	if (status == CA_ST_REVOKED && reason == SQ_REASON_KEY_COMPROMISE) {
		r = cn_err_set(CN_ERR_ALREADY_REVOKED,
		    "certificate %s is already revoked for keyCompromise", serial_hex);
		goto out;
	}
	if (status == CA_ST_REVOKED) {
		/* BR 7.2.2: the entry's reason becomes keyCompromise. */
		r = sq_stmt_text(c, SQ_CERT_REASON_KEY_COMPROMISE, serial_hex, &s);
		if (r != 0)
			goto out;
	} else {
		/* Even if it has expired: the subscriber asked. */
		r = sq_stmt(c, SQ_CERT_REVOKE, &s);
		if (r != 0)
			goto out;
		if (sqlite3_bind_text(s, 1, serial_hex, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int(s, 2, SQ_REASON_KEY_COMPROMISE) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 3, now) != SQLITE_OK) {
			r = sq_fail(c, "bind");
			goto out;
		}
	}
	r = sq_exec(c, s);
	if (r != 0)
		goto out;
	n += sq_changes(c);
	r = block_in_tx(c, key, serial_hex, now, &n);
	if (r != 0)
		goto out;
	r = sq_commit(c);
	if (r == 0 && n_revoked != NULL)
		*n_revoked = n;
out:
	sq_release(st, c);
	return r;
}
