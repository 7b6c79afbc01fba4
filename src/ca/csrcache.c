/*
 * csrcache.c - the finalize request (RFC 8555 section 7.4) parses and checks
 * the CSR, stores its DER with the order and queues a finalization job; the
 * job used to parse the same DER again. A parse costs a signature
 * verification (and, with OpenSSL 3.0, an OSSL_DECODER key decoding for
 * keys other than EC on the NIST curves), about a sixteenth of cairnd's
 * CPU per issuance (bench/README.md). The request hands
 * its parsed CSR over through this cache instead; the job takes it when the
 * DER it reads from the store is byte for byte the one the CSR was parsed
 * from, and parses the DER itself otherwise (after a restart, when another
 * instance took the job, or after the entry was dropped). The store stays
 * the truth: what is signed is always the stored CSR.
 *
 * A ring of `slots` entries under one mutex; lookups scan it (it is small).
 */
#include "csrcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct cc_entry {
	int64_t order_id;    /* 0: empty */
	unsigned char *der;
	size_t der_len;
	struct cn_csr *csr;
};

struct ca_csrcache {
	pthread_mutex_t mu;
	size_t n, next;      /* slots, the next one to fill */
	struct cc_entry *e;
};

struct ca_csrcache *ca_csrcache_new(size_t slots)
{
	struct ca_csrcache *cc = cn_xcalloc(1, sizeof(*cc));

	cc->n = slots ? slots : 1;
	cc->e = cn_xcalloc(cc->n, sizeof(*cc->e));
	pthread_mutex_init(&cc->mu, NULL);
	return cc;
}

static void entry_clear(struct cc_entry *e)
{
	free(e->der);
	cn_csr_free(e->csr);
	memset(e, 0, sizeof(*e));
}

void ca_csrcache_free(struct ca_csrcache *cc)
{
	size_t i;

	if (cc == NULL)
		return;
	for (i = 0; i < cc->n; i++)
		entry_clear(&cc->e[i]);
	pthread_mutex_destroy(&cc->mu);
	free(cc->e);
	free(cc);
}

void ca_csrcache_put(struct ca_csrcache *cc, int64_t order_id, const unsigned char *der,
    size_t der_len, struct cn_csr *csr)
{
	struct cc_entry old, *e;

	if (cc == NULL || order_id <= 0 || der_len == 0) {
		cn_csr_free(csr);
		return;
	}
	pthread_mutex_lock(&cc->mu);
	e = &cc->e[cc->next];
	cc->next = (cc->next + 1) % cc->n;
	old = *e;
	e->order_id = order_id;
	e->der = cn_xmemdup(der, der_len);
	e->der_len = der_len;
	e->csr = csr;
	pthread_mutex_unlock(&cc->mu);
	entry_clear(&old); /* outside the lock */
}

struct cn_csr *ca_csrcache_take(struct ca_csrcache *cc, int64_t order_id,
    const unsigned char *der, size_t der_len)
{
	struct cc_entry found = {0};
	size_t i;

	if (cc == NULL || order_id <= 0)
		return NULL;
	pthread_mutex_lock(&cc->mu);
	for (i = 0; i < cc->n; i++) {
		struct cc_entry *e = &cc->e[i];

		if (e->order_id == order_id && e->der_len == der_len &&
		    memcmp(e->der, der, der_len) == 0) {
			found = *e;
			memset(e, 0, sizeof(*e));
			break;
		}
	}
	pthread_mutex_unlock(&cc->mu);
	free(found.der);
	return found.csr;
}
