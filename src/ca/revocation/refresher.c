/*
 * refresher.c - keeps OCSP responses and CRLs signed ahead of time (RFC
 * 9919 section 3.2.4 pre-produced responses; CA/B Forum BR 4.9.7 CRL
 * issuance frequency, 4.9.9 OCSP update timing, 7.2 CRL profile) and
 * mirrors the store's responses into the responder's memory.
 *
 * One thread per cairnd runs a round every --revocation-poll seconds (or at
 * once after ca_revocation_wake):
 *   1. mirror: load stored responses newer than the last one seen (written
 *      by this or any other instance) into the in-memory table;
 *   2. sign the queued certificates (new ones, revoked ones: the schema's
 *      triggers queue them in the transaction that changed them) and store
 *      the responses with a compare-and-set (store_sqlite_ocsp.c);
 *   3. re-sign responses older than --ocsp-refresh, a batch at a time;
 *   4. rebuild CRL shards that a revocation made stale or whose
 *      --crl-interval has passed; revoked certificates stay on their shard
 *      until one interval after they expire, then leave it (BR 7.2);
 *   5. hourly: drop expired responses of expired certificates.
 * Several instances may run rounds on one store at once; the store's
 * compare-and-set lets one of them win each item.
 */
#include "revocation/revocation_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "store/store.h"

/* Items per store read; a round does at most a few batches of each kind. */
#define RV_BATCH 256
#define RV_MIRROR_BATCH 1024
#define RV_MAX_BATCHES 8
#define RV_PURGE_EVERY_S 3600
/* Unknown-serial responses held in memory at most. */
#define RV_MAX_UNKNOWN 10000

int ca_revocation_new(const struct ca_config *cfg, struct ca_store *st,
    struct ca_signer *signer, struct ca_revocation **out)
{
	struct ca_revocation *rv;
	int h, r;

	rv = cn_xcalloc(1, sizeof(*rv));
	rv->cfg = cfg;
	rv->store = st;
	rv->signer = signer;
	pthread_mutex_init(&rv->crl_mu, NULL);
	pthread_mutex_init(&rv->od_mu, NULL);
	pthread_mutex_init(&rv->mu, NULL);
	pthread_cond_init(&rv->cv, NULL);
	for (h = 0; h < CA_OCSP_HASH_MAX; h++) {
		r = ca_signer_ocsp_issuer_hashes(signer, (enum ca_ocsp_hash)h, rv->name_hash[h],
		    rv->key_hash[h], &rv->hash_len[h]);
		if (r != 0)
			goto fail;
	}
	r = ca_ocsp_cache_new(RV_MAX_UNKNOWN, &rv->cache);
	if (r != 0)
		goto fail;
	*out = rv;
	return 0;
fail:
	ca_revocation_free(rv);
	return r;
}

void ca_revocation_free(struct ca_revocation *rv)
{
	size_t i;

	if (rv == NULL)
		return;
	if (rv->started) {
		pthread_mutex_lock(&rv->mu);
		rv->stop = true;
		pthread_cond_signal(&rv->cv);
		pthread_mutex_unlock(&rv->mu);
		pthread_join(rv->thread, NULL);
	}
	ca_ocsp_cache_free(rv->cache);
	for (i = 0; i < rv->n_crls; i++)
		free(rv->crls[i].der);
	free(rv->crls);
	pthread_cond_destroy(&rv->cv);
	pthread_mutex_destroy(&rv->mu);
	pthread_mutex_destroy(&rv->od_mu);
	pthread_mutex_destroy(&rv->crl_mu);
	free(rv);
}

void ca_revocation_wake(struct ca_revocation *rv)
{
	if (rv == NULL)
		return;
	pthread_mutex_lock(&rv->mu);
	rv->wake = true;
	pthread_cond_signal(&rv->cv);
	pthread_mutex_unlock(&rv->mu);
}

/* 1. Stored responses newer than the last one seen, into memory. */
static int mirror(struct ca_revocation *rv, int64_t now)
{
	struct ca_ocsp_row *rows = NULL;
	unsigned char serial[CA_OCSP_SERIAL_MAX];
	size_t n = 0, i;
	int b, len, r = 0;

	for (b = 0; b < RV_MAX_BATCHES * 16; b++) {
		r = ca_store_ocsp_since(rv->store, rv->last_id, now, RV_MIRROR_BATCH, &rows, &n);
		if (r != 0)
			break;
		for (i = 0; i < n; i++) {
			len = rv_hex_to_bytes(rows[i].serial, serial, sizeof(serial));
			if (len > 0)
				ca_ocsp_cache_put(rv->cache, serial, (size_t)len, rows[i].der,
				    rows[i].der_len, rows[i].this_update, rows[i].next_update,
				    rows[i].id, false);
			else
				CN_LOG(CN_LOG_WARN, "ocsp", "stored response for a bad serial");
			if (rows[i].id > rv->last_id)
				rv->last_id = rows[i].id;
			ca_ocsp_row_cleanup(&rows[i]);
		}
		free(rows);
		rows = NULL;
		if (n < RV_MIRROR_BATCH)
			break;
	}
	return r;
}

/* Signs and stores the response for one to-do item. CN_ERR_CONFLICT means
 * another writer was first, which is fine. */
static int sign_one(struct ca_revocation *rv, const struct ca_ocsp_work *t, int64_t now)
{
	struct ca_ocsp_sign_req sr;
	unsigned char serial[CA_OCSP_SERIAL_MAX], *der = NULL;
	size_t der_len = 0;
	int len, r;

	memset(&sr, 0, sizeof(sr));
	len = rv_hex_to_bytes(t->serial, serial, sizeof(serial));
	if (len <= 0)
		return cn_err_set(CN_ERR_STORE, "bad serial '%.48s' in the store", t->serial);
	sr.serial = serial;
	sr.serial_len = (size_t)len;
	if (t->status == CA_ST_REVOKED) {
		sr.status = CA_OCSP_REVOKED;
		sr.reason = t->reason;
		sr.revoked_at = t->revoked_at;
		rv_ocsp_times(rv, now, t->revoked_at, &sr.this_update, &sr.next_update);
	} else {
		sr.status = CA_OCSP_GOOD;
		rv_ocsp_times(rv, now, 0, &sr.this_update, &sr.next_update);
	}
	r = ca_signer_ocsp(rv->signer, &sr, &der, &der_len);
	if (r == 0)
		r = ca_store_ocsp_put(rv->store, t, der, der_len, sr.this_update, sr.next_update);
	if (r == 0)
		CN_LOG(CN_LOG_DEBUG, "ocsp", "signed %s for %s", t->status == CA_ST_REVOKED ?
		    "revoked" : "good", t->serial);
	free(der);
	return r;
}

/* 2 and 3: signs a list of to-do items; returns how many were stored. */
static size_t sign_list(struct ca_revocation *rv, const struct ca_ocsp_work *list, size_t n,
    int64_t now, int *first_err)
{
	size_t i, done = 0;
	int r;

	for (i = 0; i < n; i++) {
		r = sign_one(rv, &list[i], now);
		if (r == 0) {
			done++;
		} else if (r != CN_ERR_CONFLICT) {
			CN_LOG(CN_LOG_ERR, "ocsp", "cannot sign the response for %s: %s",
			    list[i].serial, cn_err_detail());
			if (*first_err == 0)
				*first_err = r;
		}
	}
	return done;
}

static int sign_queued(struct ca_revocation *rv, int64_t now, size_t *signed_n)
{
	struct ca_ocsp_work *list = NULL;
	size_t n = 0;
	int b, err = 0, r;

	for (b = 0; b < RV_MAX_BATCHES; b++) {
		r = ca_store_ocsp_pending(rv->store, RV_BATCH, &list, &n);
		if (r != 0)
			return r;
		*signed_n += sign_list(rv, list, n, now, &err);
		free(list);
		list = NULL;
		if (n < RV_BATCH || err != 0)
			break;
	}
	return err;
}

static int refresh_due(struct ca_revocation *rv, int64_t now, size_t *signed_n)
{
	struct ca_ocsp_work *list = NULL;
	size_t n = 0;
	int b, err = 0, r;

	for (b = 0; b < RV_MAX_BATCHES; b++) {
		r = ca_store_ocsp_due(rv->store, now - rv->cfg->ocsp_refresh_s, now, RV_BATCH,
		    &list, &n);
		if (r != 0)
			return r;
		*signed_n += sign_list(rv, list, n, now, &err);
		free(list);
		list = NULL;
		if (n < RV_BATCH || err != 0)
			break;
	}
	return err;
}

/* Builds, signs and stores a new CRL for shard sh (as read before). */
static int build_crl(struct ca_revocation *rv, const struct ca_crl_shard *sh, int64_t now)
{
	struct ca_crl_entry *entries = NULL;
	struct ca_crl_sign_entry *se = NULL;
	struct ca_crl_sign_req req;
	unsigned char *serials = NULL, *der = NULL;
	size_t n = 0, i, der_len = 0;
	char *url = NULL;
	int len, r;

	memset(&req, 0, sizeof(req));
	/* BR 7.2: revoked certificates stay listed until they have appeared on
	 * one regularly scheduled CRL after they expired. */
	r = ca_store_crl_entries(rv->store, sh->shard, now - rv->cfg->crl_interval_s, &entries, &n);
	if (r != 0)
		goto out;
	se = cn_xcalloc(n ? n : 1, sizeof(*se));
	serials = cn_xcalloc(n ? n : 1, CA_SERIAL_MAX_LEN + 1);
	for (i = 0; i < n; i++) {
		len = rv_hex_to_bytes(entries[i].serial, serials + i * (CA_SERIAL_MAX_LEN + 1),
		    CA_SERIAL_MAX_LEN + 1);
		if (len <= 0) {
			r = cn_err_set(CN_ERR_STORE, "bad serial '%.48s' in the store",
			    entries[i].serial);
			goto out;
		}
		se[i].serial = serials + i * (CA_SERIAL_MAX_LEN + 1);
		se[i].serial_len = (size_t)len;
		se[i].reason = entries[i].reason;
		se[i].revoked_at = entries[i].revoked_at <= now ? entries[i].revoked_at : now;
	}
	url = ca_crl_url(rv->cfg, sh->shard);
	/* Strictly increasing (BR 7.2.2) and, while the clock behaves, the
	 * signing time: a restored store cannot repeat a number. */
	req.number = sh->number + 1 > now ? sh->number + 1 : now;
	req.this_update = now;
	req.next_update = now + rv->cfg->crl_validity_s;
	req.idp_url = url;
	req.entries = se;
	req.n_entries = n;
	r = ca_signer_crl(rv->signer, &req, &der, &der_len);
	if (r != 0)
		goto out;
	r = ca_store_crl_put(rv->store, sh->shard, sh->number, req.number, sh->gen, der, der_len,
	    req.this_update, req.next_update);
	if (r == CN_ERR_CONFLICT) {
		r = 0; /* another instance was first; its CRL is loaded below */
		goto out;
	}
	if (r != 0)
		goto out;
	rv_crl_serve(rv, sh->shard, req.number, req.this_update, req.next_update, der, der_len);
out:
	free(url);
	free(der);
	free(serials);
	free(se);
	free(entries);
	return r;
}

/* 4. Rebuilds stale or due shards, then serves what the store holds. */
static int crls(struct ca_revocation *rv, int64_t now)
{
	struct ca_crl_shard *shards = NULL;
	size_t n = 0, i;
	bool reload = false;
	int err = 0, r;

	r = ca_store_crl_shards(rv->store, false, &shards, &n);
	if (r != 0)
		return r;
	for (i = 0; i < n; i++) {
		const struct ca_crl_shard *sh = &shards[i];
		bool served = false;
		size_t j;

		pthread_mutex_lock(&rv->crl_mu);
		for (j = 0; j < rv->n_crls; j++)
			if (rv->crls[j].shard == sh->shard && rv->crls[j].number >= sh->number)
				served = true;
		pthread_mutex_unlock(&rv->crl_mu);
		if (sh->number == 0 || sh->built_gen < sh->gen ||
		    now >= sh->this_update + rv->cfg->crl_interval_s || sh->next_update <= now) {
			r = build_crl(rv, sh, now);
			if (r != 0) {
				CN_LOG(CN_LOG_ERR, "crl", "cannot build CRL shard %d: %s", sh->shard,
				    cn_err_detail());
				if (err == 0)
					err = r;
			}
		} else if (!served) {
			reload = true; /* built by another instance, or not loaded yet */
		}
	}
	for (i = 0; i < n; i++)
		ca_crl_shard_cleanup(&shards[i]);
	free(shards);
	shards = NULL;
	if (reload) {
		r = ca_store_crl_shards(rv->store, true, &shards, &n);
		if (r != 0)
			return r;
		for (i = 0; i < n; i++) {
			if (shards[i].der != NULL)
				rv_crl_serve(rv, shards[i].shard, shards[i].number,
				    shards[i].this_update, shards[i].next_update, shards[i].der,
				    shards[i].der_len);
			ca_crl_shard_cleanup(&shards[i]);
		}
		free(shards);
	}
	return err;
}

int ca_revocation_round(struct ca_revocation *rv, int64_t now)
{
	size_t signed_n = 0;
	int64_t purged = 0;
	int err = 0, r;

	r = mirror(rv, now);
	if (r != 0 && err == 0)
		err = r;
	r = sign_queued(rv, now, &signed_n);
	if (r != 0 && err == 0)
		err = r;
	r = refresh_due(rv, now, &signed_n);
	if (r != 0 && err == 0)
		err = r;
	if (signed_n > 0) {
		r = mirror(rv, now);
		if (r != 0 && err == 0)
			err = r;
	}
	r = crls(rv, now);
	if (r != 0 && err == 0)
		err = r;
	if (now - rv->last_purge >= RV_PURGE_EVERY_S) {
		rv->last_purge = now;
		r = ca_store_ocsp_purge(rv->store, now, now - CA_OCSP_MAX_VALIDITY_S, &purged);
		if (r != 0 && err == 0)
			err = r;
		ca_ocsp_cache_sweep(rv->cache, now);
		if (purged > 0)
			CN_LOG(CN_LOG_INFO, "ocsp", "purged %lld responses of expired certificates",
			    (long long)purged);
	}
	if (signed_n > 0)
		CN_LOG(CN_LOG_INFO, "ocsp", "signed %zu responses; %zu held in memory", signed_n,
		    ca_ocsp_cache_count(rv->cache));
	return err;
}

static void *refresher_main(void *arg)
{
	struct ca_revocation *rv = arg;
	struct timespec deadline;

	for (;;) {
		pthread_mutex_lock(&rv->mu);
		if (!rv->wake && !rv->stop) {
			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_sec += (time_t)rv->cfg->revocation_poll_s;
			while (!rv->wake && !rv->stop &&
			    pthread_cond_timedwait(&rv->cv, &rv->mu, &deadline) != ETIMEDOUT)
				;
		}
		rv->wake = false;
		if (rv->stop) {
			pthread_mutex_unlock(&rv->mu);
			break;
		}
		pthread_mutex_unlock(&rv->mu);
		cn_err_clear();
		if (ca_revocation_round(rv, (int64_t)time(NULL)) != 0)
			CN_LOG(CN_LOG_WARN, "ocsp", "revocation round: %s", cn_err_detail());
	}
	return NULL;
}

int ca_revocation_start(struct ca_revocation *rv)
{
	int r;

	r = ca_store_crl_ensure(rv->store, rv->cfg->crl_shards);
	if (r != 0)
		return r;
	/* Items that fail are retried by the thread; say so, but serve. */
	if (ca_revocation_round(rv, (int64_t)time(NULL)) != 0)
		CN_LOG(CN_LOG_WARN, "ocsp", "first revocation round: %s", cn_err_detail());
	if (pthread_create(&rv->thread, NULL, refresher_main, rv) != 0)
		return cn_err_set(CN_ERR_INTERNAL, "cannot start the revocation refresher");
	rv->started = true;
	return 0;
}
