/*
 * ocsp_cache.c - the in-memory table of pre-signed OCSP responses (see
 * ocsp_cache.h): a chained hash table keyed by serial octets under a
 * reader-writer lock. Readers copy the response out under the read lock, so
 * an entry is freed only by a writer. The hash is seeded with random bits at
 * creation, since the serials of "unknown" entries are chosen by clients.
 * The ETag (RFC 9919 section 7.2: hex SHA-256 of the OCSPResponse) and
 * the HTTP dates are computed once, when an entry is stored.
 */
#include "revocation/ocsp_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "mem.h"
#include "signer/signer.h"

#define CACHE_MIN_BUCKETS 1024

struct entry {
	struct entry *next;
	uint64_t hash;
	unsigned char serial[CA_OCSP_SERIAL_MAX];
	size_t serial_len;
	unsigned char *der;
	size_t der_len;
	int64_t this_update, next_update;
	int64_t store_id;
	bool unknown;
	char etag[68];
	char last_modified[32];
	char expires[32];
};

struct ca_ocsp_cache {
	pthread_rwlock_t lock;
	struct entry **buckets;
	size_t n_buckets;          /* a power of two */
	size_t count;
	size_t n_unknown;
	size_t max_unknown;
	uint64_t seed;
};

/* FNV-1a over the serial, seeded; then a 64-bit finalizer (splitmix64). */
static uint64_t serial_hash(uint64_t seed, const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static void entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	free(e->der);
	free(e);
}

int ca_ocsp_cache_new(size_t max_unknown, struct ca_ocsp_cache **out)
{
	struct ca_ocsp_cache *c;

	if (max_unknown == 0)
		return cn_err_set(CN_ERR_INTERNAL, "OCSP cache needs room for unknown entries");
	c = cn_xcalloc(1, sizeof(*c));
	if (RAND_bytes((unsigned char *)&c->seed, sizeof(c->seed)) != 1) {
		free(c);
		return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
	}
	if (pthread_rwlock_init(&c->lock, NULL) != 0) {
		free(c);
		return cn_err_set(CN_ERR_INTERNAL, "pthread_rwlock_init failed");
	}
	c->n_buckets = CACHE_MIN_BUCKETS;
	c->buckets = cn_xcalloc(c->n_buckets, sizeof(*c->buckets));
	c->max_unknown = max_unknown;
	*out = c;
	return 0;
}

void ca_ocsp_cache_free(struct ca_ocsp_cache *c)
{
	struct entry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_buckets; i++) {
		for (e = c->buckets[i]; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	free(c->buckets);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}

/* The link that points at the entry for serial, or at the NULL ending its
 * chain. Under either lock. */
static struct entry **find(struct ca_ocsp_cache *c, uint64_t h, const unsigned char *serial,
    size_t len)
{
	struct entry **pp = &c->buckets[h & (c->n_buckets - 1)];

	while (*pp != NULL) {
		struct entry *e = *pp;

		if (e->hash == h && e->serial_len == len && memcmp(e->serial, serial, len) == 0)
			break;
		pp = &e->next;
	}
	return pp;
}

/* Doubles the table once the load factor passes 1. Under the write lock. */
static void grow(struct ca_ocsp_cache *c)
{
	struct entry **nb, *e, *next;
	size_t n = c->n_buckets * 2, i;

	if (c->count <= c->n_buckets || n > SIZE_MAX / sizeof(*nb))
		return;
	nb = cn_xcalloc(n, sizeof(*nb));
	for (i = 0; i < c->n_buckets; i++) {
		for (e = c->buckets[i]; e != NULL; e = next) {
			next = e->next;
			e->next = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	}
	free(c->buckets);
	c->buckets = nb;
	c->n_buckets = n;
}

/* Removes every entry matching (unknown only, or expired at now). Under the
 * write lock. */
static size_t drop_where(struct ca_ocsp_cache *c, bool unknown_only, int64_t now)
{
	struct entry **pp, *e;
	size_t i, n = 0;

	for (i = 0; i < c->n_buckets; i++) {
		pp = &c->buckets[i];
		while ((e = *pp) != NULL) {
			if (unknown_only ? e->unknown : e->next_update <= now) {
				*pp = e->next;
				if (e->unknown)
					c->n_unknown--;
				c->count--;
				entry_free(e);
				n++;
			} else {
				pp = &e->next;
			}
		}
	}
	return n;
}

static void make_etag(const unsigned char *der, size_t len, char out[68])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256(der, len, md);
	out[0] = '"';
	for (i = 0; i < sizeof(md); i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 15];
	}
	out[65] = '"';
	out[66] = '\0';
}

/* RFC 9110 section 5.6.7 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). */
static void http_date(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		snprintf(out, 32, "Thu, 01 Jan 1970 00:00:00 GMT");
}

bool ca_ocsp_cache_put(struct ca_ocsp_cache *c, const unsigned char *serial,
    size_t serial_len, const unsigned char *der, size_t der_len, int64_t this_update,
    int64_t next_update, int64_t store_id, bool unknown)
{
	struct entry *e, **pp, *old;
	uint64_t h;

	if (serial_len == 0 || serial_len > CA_OCSP_SERIAL_MAX || der_len == 0)
		return false;
	h = serial_hash(c->seed, serial, serial_len);
	/* Build outside the lock. */
	e = cn_xcalloc(1, sizeof(*e));
	e->hash = h;
	memcpy(e->serial, serial, serial_len);
	e->serial_len = serial_len;
	e->der = cn_xmemdup(der, der_len);
	e->der_len = der_len;
	e->this_update = this_update;
	e->next_update = next_update;
	e->store_id = store_id;
	e->unknown = unknown;
	make_etag(der, der_len, e->etag);
	http_date(this_update, e->last_modified);
	http_date(next_update, e->expires);

	pthread_rwlock_wrlock(&c->lock);
	pp = find(c, h, serial, serial_len);
	old = *pp;
	if (old != NULL) {
		/* A stored response is replaced only by a newer stored one. */
		if (old->store_id > 0 && store_id <= old->store_id) {
			pthread_rwlock_unlock(&c->lock);
			entry_free(e);
			return false;
		}
		e->next = old->next;
		*pp = e;
		if (old->unknown)
			c->n_unknown--;
		if (unknown)
			c->n_unknown++;
		entry_free(old);
		pthread_rwlock_unlock(&c->lock);
		return true;
	}
	if (unknown && c->n_unknown >= c->max_unknown) {
		drop_where(c, true, 0);
		pp = find(c, h, serial, serial_len);
	}
	*pp = e;
	c->count++;
	if (unknown)
		c->n_unknown++;
	grow(c);
	pthread_rwlock_unlock(&c->lock);
	return true;
}

bool ca_ocsp_cache_get(struct ca_ocsp_cache *c, const unsigned char *serial,
    size_t serial_len, int64_t now, struct ca_ocsp_hit *hit)
{
	struct entry *e;
	uint64_t h;
	bool found = false;

	if (serial_len == 0 || serial_len > CA_OCSP_SERIAL_MAX)
		return false;
	h = serial_hash(c->seed, serial, serial_len);
	pthread_rwlock_rdlock(&c->lock);
	e = *find(c, h, serial, serial_len);
	if (e != NULL && e->next_update > now) {
		hit->der = cn_xmemdup(e->der, e->der_len);
		hit->der_len = e->der_len;
		hit->this_update = e->this_update;
		hit->next_update = e->next_update;
		hit->unknown = e->unknown;
		memcpy(hit->etag, e->etag, sizeof(hit->etag));
		memcpy(hit->last_modified, e->last_modified, sizeof(hit->last_modified));
		memcpy(hit->expires, e->expires, sizeof(hit->expires));
		found = true;
	}
	pthread_rwlock_unlock(&c->lock);
	return found;
}

void ca_ocsp_hit_cleanup(struct ca_ocsp_hit *hit)
{
	if (hit == NULL)
		return;
	free(hit->der);
	memset(hit, 0, sizeof(*hit));
}

size_t ca_ocsp_cache_sweep(struct ca_ocsp_cache *c, int64_t now)
{
	size_t n;

	pthread_rwlock_wrlock(&c->lock);
	n = drop_where(c, false, now);
	pthread_rwlock_unlock(&c->lock);
	return n;
}

size_t ca_ocsp_cache_count(struct ca_ocsp_cache *c)
{
	size_t n;

	pthread_rwlock_rdlock(&c->lock);
	n = c->count;
	pthread_rwlock_unlock(&c->lock);
	return n;
}
