/*
 * revocation_fixture.h - shared by the store's revocation tests
 * (test_store_sqlite_ocsp.c, _crl.c, _blocked.c): a fresh store in a mkdtemp
 * directory, and certificates inserted the way finalization does it
 * (account, order made ready through its challenge, finalize_start, serial
 * reserved with a CRL shard, certificate inserted). Static inline functions;
 * each test binary includes it once.
 */
#ifndef TEST_REVOCATION_FIXTURE_H
#define TEST_REVOCATION_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store/store.h"

struct fx {
	char dir[64];
	char path[128];
	struct ca_store *st;
	int64_t account;
	int n_certs;
};

static inline int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ca_account a = {0};

	if (f == NULL)
		return -1;
	cn_log_level = CN_LOG_WARN;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-rvstore-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (ca_store_open(f->path, 4, &f->st) != 0)
		return -1;
	a.status = CA_ST_VALID;
	snprintf(a.thumbprint, sizeof(a.thumbprint), "acct");
	a.jwk_json = (char *)"{}";
	a.contact_json = (char *)"[]";
	a.created = 1;
	if (ca_store_account_insert(f->st, &a) != 0)
		return -1;
	f->account = a.id;
	*state = f;
	return 0;
}

static inline int fx_teardown(void **state)
{
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	struct fx *f = *state;
	char p[160];
	size_t i;

	ca_store_close(f->st);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffixes[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Inserts a certificate with this serial, key hash, notAfter and CRL shard,
 * through an order that goes pending -> ready -> processing -> valid. */
static inline void fx_cert(struct fx *f, const char *serial, const char *key, int64_t not_after,
    int shard)
{
	struct ca_authz az = {0};
	struct ca_challenge ch = {0};
	struct ca_order o = {0};
	struct ca_cert c = {0};
	int64_t ids[1] = {0};
	char name[32];
	unsigned char der[4] = {0x30, 0x02, 0x05, 0x00};

	snprintf(name, sizeof(name), "c%d.example", f->n_certs++);
	az.account_id = f->account;
	az.status = CA_ST_PENDING;
	snprintf(az.id_type, sizeof(az.id_type), "dns");
	az.id_value = name;
	az.expires = INT32_MAX;
	az.created = 1;
	snprintf(ch.type, sizeof(ch.type), "http-01");
	snprintf(ch.token, sizeof(ch.token), "tok-%s", name);
	ch.status = CA_ST_PENDING;
	az.n_challenges = 1;
	az.challenges = &ch;
	o.account_id = f->account;
	o.status = CA_ST_PENDING;
	o.expires = INT32_MAX;
	o.created = 1;
	o.identifiers_json = (char *)"[]";
	o.n_authz = 1;
	o.authz_ids = ids;
	assert_int_equal(ca_store_order_create(f->st, &o, &az, 1), 0);
	assert_int_equal(ca_store_challenge_start(f->st, ch.id, 10), 0);
	assert_int_equal(ca_store_challenge_finish(f->st, ch.id, true, NULL, 11), 0);
	assert_int_equal(ca_store_order_finalize_start(f->st, o.id, der, sizeof(der), 12), 0);
	assert_int_equal(ca_store_serial_reserve_shard(f->st, serial, o.id, shard, 13), 0);
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	c.account_id = f->account;
	c.order_id = o.id;
	c.der = der;
	c.der_len = sizeof(der);
	snprintf(c.key_sha256, sizeof(c.key_sha256), "%s", key);
	c.not_before = 10;
	c.not_after = not_after;
	c.status = CA_ST_VALID;
	assert_int_equal(ca_store_cert_insert(f->st, &c), 0);
}

static inline enum ca_status fx_status(struct fx *f, const char *serial, int *reason)
{
	struct ca_cert c = {0};
	enum ca_status s;

	assert_int_equal(ca_store_cert_by_serial(f->st, serial, &c), 0);
	s = c.status;
	if (reason != NULL)
		*reason = c.reason;
	ca_cert_cleanup(&c);
	return s;
}

#endif
