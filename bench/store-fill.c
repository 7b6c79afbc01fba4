/*
 * store-fill.c - fills a cairnd store with issued certificates through the
 * store interface (store.h) and the signer, the fast path to a store of a
 * given size for bench/run ("throughput does not degrade with the store's
 * size"). Each certificate is what an issuance leaves behind: a valid
 * authorization with its http-01 challenge, an order that becomes valid, a
 * reserved serial and a real certificate signed by the store's intermediate
 * (BR profile, ca_signer_issue) for a random name, all under one account.
 * No ACME request, nonce or validation is involved.
 *
 * Usage: store-fill --data DIR --count N [--threads T]
 * Tops the store up to N certificates (does nothing if it has N already).
 * Run it while cairnd is stopped, or alongside it: the store allows both.
 * Every write is a durable commit, so on a disk with slow fsync this runs
 * at a few hundred certificates a second; bench/run therefore fills a copy
 * of the data directory on tmpfs and moves the database file back.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "jose/jwk.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "signer/signer.h"
#include "store/store.h"
#include "x509/key.h"

#define SF_MAX_THREADS 64
#define SF_KEYS 64

struct fill {
	struct ca_store *store;
	struct ca_signer *signer;
	EVP_PKEY *keys[SF_KEYS];
	char key_sha[SF_KEYS][48];
	int64_t account_id;
	int64_t now;
	atomic_long left;
	atomic_long done;
	atomic_int failed;
};

static int fill_one(struct fill *f, unsigned long seq)
{
	struct ca_authz az;
	struct ca_challenge ch;
	struct ca_order o;
	struct ca_cert cert;
	struct ca_issue_req ir;
	unsigned char serial[CA_SERIAL_LEN], rnd[8];
	char name[96], ids[160];
	const char *dns[1];
	int64_t authz_id = 0;
	size_t k = seq % SF_KEYS;
	int r;

	memset(&az, 0, sizeof(az));
	memset(&ch, 0, sizeof(ch));
	memset(&o, 0, sizeof(o));
	memset(&cert, 0, sizeof(cert));
	memset(&ir, 0, sizeof(ir));
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
	snprintf(name, sizeof(name), "f%02x%02x%02x%02x%02x%02x%02x%02x.fill.example.test", rnd[0],
	    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	snprintf(ids, sizeof(ids), "[{\"type\":\"dns\",\"value\":\"%s\"}]", name);
	/* the authorization and challenge an http-01 validation leaves */
	az.account_id = f->account_id;
	az.status = CA_ST_VALID;
	snprintf(az.id_type, sizeof(az.id_type), "dns");
	az.id_value = name;
	az.expires = f->now + 30 * 86400;
	az.created = f->now;
	snprintf(ch.type, sizeof(ch.type), "http-01");
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
	snprintf(ch.token, sizeof(ch.token), "fill%02x%02x%02x%02x%02x%02x%02x%02x%016lx", rnd[0],
	    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], seq);
	ch.status = CA_ST_VALID;
	ch.validated = f->now;
	az.n_challenges = 1;
	az.challenges = &ch;
	o.account_id = f->account_id;
	o.status = CA_ST_PROCESSING;
	o.expires = f->now + 7 * 86400;
	o.created = f->now;
	o.identifiers_json = ids;
	o.n_authz = 1;
	o.authz_ids = &authz_id;
	r = ca_store_order_create(f->store, &o, &az, 1);
	if (r != 0)
		return r;
	r = ca_serial_new(serial);
	if (r != 0)
		return r;
	ca_serial_hex(serial, sizeof(serial), cert.serial);
	r = ca_store_serial_reserve(f->store, cert.serial, o.id, f->now);
	if (r != 0)
		return r;
	dns[0] = name;
	ir.subject_key = f->keys[k];
	ir.dns_names = dns;
	ir.n_dns = 1;
	ir.common_name = name;
	ir.serial = serial;
	ir.serial_len = sizeof(serial);
	ir.not_before = f->now - 3600;
	ir.not_after = ir.not_before + 90 * 86400 - 1;
	r = ca_signer_issue(f->signer, &ir, &cert.der, &cert.der_len);
	if (r != 0)
		return r;
	memcpy(cert.key_sha256, f->key_sha[k], sizeof(cert.key_sha256));
	cert.account_id = f->account_id;
	cert.order_id = o.id;
	cert.not_before = ir.not_before;
	cert.not_after = ir.not_after;
	cert.status = CA_ST_VALID;
	r = ca_store_cert_insert(f->store, &cert);
	free(cert.der);
	return r;
}

static void *fill_main(void *arg)
{
	struct fill *f = arg;
	long mine;

	while (!atomic_load(&f->failed) && (mine = atomic_fetch_sub(&f->left, 1)) > 0) {
		if (fill_one(f, (unsigned long)mine) != 0) {
			fprintf(stderr, "store-fill: %s\n", cn_err_detail());
			atomic_store(&f->failed, 1);
			break;
		}
		atomic_fetch_add(&f->done, 1);
	}
	return NULL;
}

static int make_account(struct fill *f)
{
	struct ca_account a;
	EVP_PKEY *k = NULL;
	json_t *jwk = NULL;
	char *canon = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	r = cn_key_generate(CN_KEY_P256, &k);
	if (r == 0)
		r = cn_jwk_from_pkey(k, &jwk);
	if (r == 0)
		r = cn_jwk_canonical(jwk, &canon);
	if (r == 0)
		r = cn_jwk_thumbprint(jwk, a.thumbprint);
	if (r != 0)
		goto out;
	a.status = CA_ST_VALID;
	a.jwk_json = canon;
	a.contact_json = (char *)"[]";
	a.tos_agreed = true;
	a.created = f->now;
	r = ca_store_account_insert(f->store, &a);
	if (r == 0)
		f->account_id = a.id;
out:
	free(canon);
	json_decref(jwk);
	EVP_PKEY_free(k);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"count", required_argument, NULL, 'n'},
		{"threads", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	struct fill f;
	pthread_t th[SF_MAX_THREADS];
	const char *data = NULL;
	char db[4096];
	long count = -1, threads = 8, have_l;
	int64_t have = 0;
	int ch, i, n_th = 0, rc = 1;
	time_t t0;

	memset(&f, 0, sizeof(f));
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': data = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 't': threads = strtol(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (data == NULL || count < 0 || threads < 1 || threads > SF_MAX_THREADS || optind != argc)
		goto usage;
	cn_log_level = CN_LOG_WARN; /* no line per certificate */
	f.now = (int64_t)time(NULL);
	snprintf(db, sizeof(db), "%s/cairn.db", data);
	if (ca_store_open(db, (int)threads + 1, &f.store) != 0 ||
	    ca_signer_open(data, &f.signer) != 0 || ca_store_cert_count(f.store, &have) != 0) {
		fprintf(stderr, "store-fill: %s: %s\n", data, cn_err_detail());
		goto out;
	}
	if (have >= count) {
		printf("store-fill: %lld certificates already, nothing to do\n", (long long)have);
		rc = 0;
		goto out;
	}
	for (i = 0; i < SF_KEYS; i++) {
		if (cn_key_generate(CN_KEY_P256, &f.keys[i]) != 0 ||
		    cn_pubkey_sha256_b64url(f.keys[i], f.key_sha[i]) != 0) {
			fprintf(stderr, "store-fill: %s\n", cn_err_detail());
			goto out;
		}
	}
	if (make_account(&f) != 0) {
		fprintf(stderr, "store-fill: account: %s\n", cn_err_detail());
		goto out;
	}
	atomic_store(&f.left, (long)(count - have));
	t0 = time(NULL);
	for (i = 0; i < threads; i++) {
		if (pthread_create(&th[i], NULL, fill_main, &f) != 0)
			break;
		n_th++;
	}
	for (i = 0; i < n_th; i++)
		pthread_join(th[i], NULL);
	have_l = atomic_load(&f.done);
	if (atomic_load(&f.failed) || n_th == 0)
		goto out;
	printf("store-fill: added %ld certificates in %lld s (%lld before, %ld now)\n", have_l,
	    (long long)(time(NULL) - t0), (long long)have, (long)have + have_l);
	rc = 0;
out:
	for (i = 0; i < SF_KEYS; i++)
		EVP_PKEY_free(f.keys[i]);
	ca_signer_free(f.signer);
	ca_store_close(f.store);
	return rc;
usage:
	fprintf(stderr, "usage: store-fill --data DIR --count N [--threads T]\n");
	return 2;
}
