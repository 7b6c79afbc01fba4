/*
 * sqfix.h - fixture shared by the unit tests of the protocol-extension
 * store files (header-only; each test is one translation unit): a fresh
 * store in its own mkdtemp directory, and helpers that make accounts,
 * orders with authorizations and issued certificates through store.h.
 */
#ifndef SQFIX_H
#define SQFIX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"

struct fx {
	char dir[64];
	char path[128];
	struct ca_store *st;
};

static inline int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (ca_store_open(f->path, 4, &f->st) != 0) {
		rmdir(f->dir);
		free(f);
		return -1;
	}
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

static inline int64_t fx_account(struct ca_store *st, const char *thumb)
{
	struct ca_account a;

	memset(&a, 0, sizeof(a));
	a.status = CA_ST_VALID;
	snprintf(a.thumbprint, sizeof(a.thumbprint), "%s", thumb);
	a.jwk_json = (char *)"{\"kty\":\"EC\"}";
	a.contact_json = (char *)"[]";
	a.tos_agreed = true;
	a.created = 100;
	assert_int_equal(ca_store_account_insert(st, &a), 0);
	return a.id;
}

/* A pending dns authorization for name with one http-01 and one dns-01
 * challenge; the challenges live in *ch (two elements). */
static inline void fx_fill_authz(struct ca_authz *az, struct ca_challenge *ch,
    int64_t account_id, const char *name)
{
	memset(az, 0, sizeof(*az));
	memset(ch, 0, 2 * sizeof(*ch));
	az->account_id = account_id;
	az->status = CA_ST_PENDING;
	snprintf(az->id_type, sizeof(az->id_type), "dns");
	az->id_value = (char *)name;
	az->expires = 5000;
	az->created = 1000;
	snprintf(ch[0].type, sizeof(ch[0].type), "http-01");
	snprintf(ch[1].type, sizeof(ch[1].type), "dns-01");
	snprintf(ch[0].token, sizeof(ch[0].token), "tok0-%s", name);
	snprintf(ch[1].token, sizeof(ch[1].token), "tok1-%s", name);
	ch[0].status = ch[1].status = CA_ST_PENDING;
	az->challenges = ch;
	az->n_challenges = 2;
}

/* A pending order (expires 8000) of one new authorization for name;
 * writes the authz and its first challenge's ids. */
static inline int64_t fx_order(struct ca_store *st, int64_t account_id, const char *name,
    int64_t *authz_id, int64_t *chall_id)
{
	struct ca_challenge ch[2];
	struct ca_authz az;
	struct ca_order o;
	int64_t ids[1] = {0};

	fx_fill_authz(&az, ch, account_id, name);
	memset(&o, 0, sizeof(o));
	o.account_id = account_id;
	o.status = CA_ST_PENDING;
	o.expires = 8000;
	o.created = 1000;
	o.identifiers_json = (char *)"[]";
	o.n_authz = 1;
	o.authz_ids = ids;
	assert_int_equal(ca_store_order_create(st, &o, &az, 1), 0);
	if (authz_id)
		*authz_id = az.id;
	if (chall_id)
		*chall_id = ch[0].id;
	return o.id;
}

/* An order of account that is VALID with a certificate (serial, key hash
 * "key-<serial>", not_after) stored for it; returns the order id. */
static inline int64_t fx_cert(struct ca_store *st, int64_t account_id, const char *serial,
    const char *key_sha256, int64_t not_after)
{
	static unsigned char der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	struct ca_cert c;
	int64_t order, chall;

	order = fx_order(st, account_id, serial, NULL, &chall);
	assert_int_equal(ca_store_challenge_start(st, chall, 1100), 0);
	assert_int_equal(ca_store_challenge_finish(st, chall, true, NULL, 1101), 0);
	assert_int_equal(ca_store_order_finalize_start(st, order,
	    (const unsigned char *)"csr", 3, 1102), 0);
	assert_int_equal(ca_store_serial_reserve(st, serial, order, 1103), 0);
	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	c.account_id = account_id;
	c.order_id = order;
	c.der = der;
	c.der_len = sizeof(der);
	snprintf(c.key_sha256, sizeof(c.key_sha256), "%s", key_sha256);
	c.not_before = 1000;
	c.not_after = not_after;
	c.status = CA_ST_VALID;
	assert_int_equal(ca_store_cert_insert(st, &c), 0);
	return order;
}

/* Deletes every queued job. */
static inline void fx_drain_jobs(struct ca_store *st)
{
	struct ca_job j;

	while (ca_store_job_claim(st, INT32_MAX, 10, &j) == 0)
		assert_int_equal(ca_store_job_done(st, j.id), 0);
}

/* An order of account for the identifiers (JSON as order.c stores them)
 * created at `created`, with one pending authorization created then and
 * expiring at created + 5000 (rate-limit tests). */
static inline int64_t fx_order_at(struct ca_store *st, int64_t account, const char *ids_json,
    int64_t created, int64_t *chall)
{
	struct ca_challenge ch[2];
	struct ca_authz az;
	struct ca_order o;
	int64_t authz_ids[1] = {0};

	fx_fill_authz(&az, ch, account, "x.example");
	az.created = created;
	az.expires = created + 5000;
	memset(&o, 0, sizeof(o));
	o.account_id = account;
	o.status = CA_ST_PENDING;
	o.expires = created + 8000;
	o.created = created;
	o.identifiers_json = (char *)ids_json;
	o.n_authz = 1;
	o.authz_ids = authz_ids;
	assert_int_equal(ca_store_order_create(st, &o, &az, 1), 0);
	if (chall)
		*chall = ch[0].id;
	return o.id;
}

/* A certificate for ids_json issued (serial reserved) at `issued`. */
static inline void fx_issue_at(struct ca_store *st, int64_t account, const char *ids_json, const char *serial,
    int64_t issued, int64_t not_after)
{
	static unsigned char der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	struct ca_cert c;
	int64_t order, chall;

	order = fx_order_at(st, account, ids_json, issued - 10, &chall);
	assert_int_equal(ca_store_challenge_start(st, chall, issued - 9), 0);
	assert_int_equal(ca_store_challenge_finish(st, chall, true, NULL, issued - 8), 0);
	assert_int_equal(ca_store_order_finalize_start(st, order,
	    (const unsigned char *)"csr", 3, issued - 7), 0);
	assert_int_equal(ca_store_serial_reserve(st, serial, order, issued), 0);
	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	snprintf(c.key_sha256, sizeof(c.key_sha256), "key-%s", serial);
	c.account_id = account;
	c.order_id = order;
	c.der = der;
	c.der_len = sizeof(der);
	c.not_before = issued - 3600;  /* backdated: not what is counted */
	c.not_after = not_after;
	c.status = CA_ST_VALID;
	assert_int_equal(ca_store_cert_insert(st, &c), 0);
}

#endif
