/*
 * renew.c - when to renew, and renewing one certificate.
 *
 * With ARI (RFC 9773): fetch renewalInfo for the certificate (section 4.1),
 * pick a uniformly random time in the suggested window and keep it while
 * the window stays the same (section 4.2's algorithm), renew once that time
 * has come; re-fetch after the server's Retry-After clamped to one minute ..
 * one day (section 4.3.2) and, after a long-term error, after six hours
 * while falling back to the lifetime rule (section 4.3.3). The new order
 * names the predecessor in "replaces" (section 5).
 *
 * Without ARI: renew when a third of the lifetime remains. A CA whose
 * directory has no renewalInfo is recorded as such for a day
 * (AGENT_ARI_NONE_RECHECK), so that checks in between need no request.
 *
 * The decision is made from status.json alone while the stored answer is
 * fresh (its Retry-After has not passed): a certificate that is not due is
 * then checked without contacting the CA at all (agent_ari_needs_fetch).
 *
 * After a failed attempt, the next one waits AGENT_FAIL_BACKOFF_MIN doubled
 * per consecutive failure up to AGENT_FAIL_BACKOFF_MAX (section 4.2: "renewal
 * attempts are subject to the client's existing error backoff"), unless
 * --force.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "json.h"
#include "log.h"
#include "mem.h"

static int64_t jint(const json_t *o, const char *k, int64_t dflt)
{
	const json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static uint64_t rand_u64(void)
{
	uint64_t v = 0;

	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		v = (uint64_t)time(NULL) * 6364136223846793005ULL;
	return v;
}

/* The stored ARI record of ci (borrowed), or NULL when none is for ci. */
static const json_t *ari_record(const struct agent_certinfo *ci, const json_t *status)
{
	const json_t *ari = json_object_get(status, "ari"), *cert;

	if (ci->ari_id == NULL || !json_is_object(ari))
		return NULL;
	cert = json_object_get(ari, "cert");
	if (!json_is_string(cert) || strcmp(json_string_value(cert), ci->ari_id) != 0)
		return NULL;
	return ari;
}

bool agent_ari_needs_fetch(const struct agent_certinfo *ci, const json_t *status, int64_t now)
{
	const json_t *ari;

	/* RFC 9773 4.3: never after expiry; without an ARI id there is nothing to ask */
	if (ci->ari_id == NULL || now >= ci->not_after)
		return false;
	ari = ari_record(ci, status);
	return ari == NULL || jint(ari, "recheck", 0) <= now;
}

int agent_ari_refresh(struct agent_acme *a, const struct agent_certinfo *ci, json_t *status, int64_t now)
{
	struct cn_http_resp resp;
	json_t *ari = NULL, *old, *rinfo = NULL;
	const json_t *win;
	const char *s_start, *s_end, *expl;
	int64_t start, end, chosen, recheck;
	char *url = NULL;
	size_t n;
	int r;

	if (ci->ari_id == NULL)
		return cn_err_set(CN_ERR_NOT_FOUND, "the certificate has no ARI identifier");
	if (a->u_renewal_info == NULL) {
		/* the CA offers no ARI: lifetime rule; look at its directory again in a day */
		ari = json_object();
		json_object_set_new(ari, "cert", json_string(ci->ari_id));
		json_object_set_new(ari, "none", json_true());
		json_object_set_new(ari, "recheck", json_integer(now + AGENT_ARI_NONE_RECHECK));
		json_object_set_new(status, "ari", ari);
		return 0;
	}
	n = strlen(a->u_renewal_info) + strlen(ci->ari_id) + 2;
	url = cn_xmalloc(n);
	snprintf(url, n, "%s%s%s", a->u_renewal_info,
	    a->u_renewal_info[strlen(a->u_renewal_info) - 1] == '/' ? "" : "/", ci->ari_id);
	r = agent_acme_get(a, url, &resp);
	if (r != 0) {
		/* temporary or long-term: either way try again in six hours */
		recheck = now + AGENT_ARI_ERROR_RECHECK;
		goto fail;
	}
	if (resp.status != 200 || cn_json_parse_object(resp.body, resp.body_len, &rinfo) != 0) {
		r = cn_err_set(CN_ERR_MALFORMED, "renewalInfo %s: HTTP %ld", url, resp.status);
		recheck = now + (resp.status >= 500 && resp.retry_after > 0 ? clamp64(resp.retry_after,
		    AGENT_ARI_MIN_RECHECK, AGENT_ARI_MAX_RECHECK) : AGENT_ARI_ERROR_RECHECK);
		cn_http_resp_cleanup(&resp);
		goto fail;
	}
	win = json_object_get(rinfo, "suggestedWindow");
	s_start = json_is_string(json_object_get(win, "start")) ? json_string_value(json_object_get(win, "start")) : NULL;
	s_end = json_is_string(json_object_get(win, "end")) ? json_string_value(json_object_get(win, "end")) : NULL;
	if (s_start == NULL || s_end == NULL || agent_parse_time(s_start, &start) != 0 ||
	    agent_parse_time(s_end, &end) != 0 || end <= start) {
		/* 4.2: an invalid window counts as no response */
		r = cn_err_set(CN_ERR_MALFORMED, "renewalInfo %s: invalid suggestedWindow", url);
		recheck = now + AGENT_ARI_ERROR_RECHECK;
		cn_http_resp_cleanup(&resp);
		goto fail;
	}
	recheck = now + (resp.retry_after >= 0 ? clamp64(resp.retry_after, AGENT_ARI_MIN_RECHECK,
	    AGENT_ARI_MAX_RECHECK) : AGENT_ARI_ERROR_RECHECK);
	cn_http_resp_cleanup(&resp);
	old = json_object_get(status, "ari");
	if (json_is_object(old) && jint(old, "start", -1) == start && jint(old, "end", -1) == end &&
	    jint(old, "chosen", -1) >= start && jint(old, "chosen", -1) < end)
		chosen = jint(old, "chosen", start);
	else
		chosen = start + (int64_t)(rand_u64() % (uint64_t)(end - start));
	ari = json_object();
	json_object_set_new(ari, "start", json_integer(start));
	json_object_set_new(ari, "end", json_integer(end));
	json_object_set_new(ari, "chosen", json_integer(chosen));
	json_object_set_new(ari, "recheck", json_integer(recheck));
	json_object_set_new(ari, "cert", json_string(ci->ari_id));
	expl = json_is_string(json_object_get(rinfo, "explanationURL")) ?
	    json_string_value(json_object_get(rinfo, "explanationURL")) : NULL;
	if (expl != NULL)
		json_object_set_new(ari, "explanation", json_string(expl));
	json_object_set_new(status, "ari", ari);
	CN_LOG(CN_LOG_DEBUG, "agent", "ARI window %s .. %s", s_start, s_end);
	r = 0;
	goto out;
fail:
	/* keep a previous window, if any, but remember when to ask again */
	old = json_object_get(status, "ari");
	if (json_is_object(old) && json_is_string(json_object_get(old, "cert")) &&
	    strcmp(json_string_value(json_object_get(old, "cert")), ci->ari_id) == 0) {
		json_object_set_new(old, "recheck", json_integer(recheck));
		json_object_set_new(old, "error", json_true());
	} else {
		ari = json_object();
		json_object_set_new(ari, "recheck", json_integer(recheck));
		json_object_set_new(ari, "error", json_true());
		json_object_set_new(ari, "cert", json_string(ci->ari_id));
		json_object_set_new(status, "ari", ari);
	}
out:
	json_decref(rinfo);
	free(url);
	return r;
}

int agent_renew_check(struct agent_acme *a, const struct agent_certinfo *ci, json_t *status, int64_t now,
    struct agent_due *d)
{
	const json_t *ari;
	int64_t third, failures, last_fail, backoff;
	bool have_window = false;

	memset(d, 0, sizeof(*d));
	third = ci->not_after - (ci->not_after - ci->not_before) / 3;
	d->when = third;
	d->recheck = third;
	snprintf(d->why, sizeof(d->why), "a third of the lifetime remains");
	if (ci->ari_id != NULL && now < ci->not_after) {
		if (a != NULL && agent_ari_needs_fetch(ci, status, now) &&
		    agent_ari_refresh(a, ci, status, now) != 0)
			CN_LOG(CN_LOG_WARN, "agent", "%s; using the lifetime rule", cn_err_detail());
		/* what is stored for this certificate (fresh, or the last known when the CA is out of reach) */
		ari = ari_record(ci, status);
		if (ari != NULL && json_object_get(ari, "chosen") != NULL) {
			char t1[32], t2[32];

			have_window = true;
			d->when = jint(ari, "chosen", third);
			agent_fmt_time(jint(ari, "start", 0), t1);
			agent_fmt_time(jint(ari, "end", 0), t2);
			snprintf(d->why, sizeof(d->why), "ARI window %s .. %s", t1, t2);
		}
		if (ari != NULL) {
			d->recheck = jint(ari, "recheck", now + AGENT_ARI_ERROR_RECHECK);
			if (!have_window && d->recheck > third)
				d->recheck = third;
		}
	}
	if (now >= ci->not_after) {
		d->when = now;
		snprintf(d->why, sizeof(d->why), "expired");
	}
	if (d->when < d->recheck || d->recheck <= now)
		d->recheck = d->when;
	/* back off after failures */
	failures = jint(status, "failures", 0);
	if (failures > 0) {
		const json_t *lf = json_object_get(status, "last_failure");

		last_fail = 0;
		if (json_is_string(lf) && agent_parse_time(json_string_value(lf), &last_fail) != 0)
			last_fail = 0;
		backoff = AGENT_FAIL_BACKOFF_MIN;
		while (--failures > 0 && backoff < AGENT_FAIL_BACKOFF_MAX)
			backoff *= 2;
		if (backoff > AGENT_FAIL_BACKOFF_MAX)
			backoff = AGENT_FAIL_BACKOFF_MAX;
		if (last_fail + backoff > d->when && now < ci->not_after) {
			d->when = last_fail + backoff;
			snprintf(d->why + strlen(d->why), sizeof(d->why) - strlen(d->why),
			    "; backing off after %lld failure(s)", (long long)jint(status, "failures", 0));
		}
	}
	d->due = d->when <= now;
	if (d->recheck <= now || d->when < d->recheck)
		d->recheck = d->when > now ? d->when : now;
	return 0;
}

int agent_renew_one(struct agent_ctx *ctx, const char *name, bool force, int64_t *next_check)
{
	struct agent_cert_cfg cfg;
	struct agent_certinfo ci;
	struct agent_issue_in in;
	struct agent_due due;
	struct agent_acme *a = NULL;
	json_t *settings = NULL, *status = NULL, *before = NULL;
	char *data = NULL, when[32];
	size_t len = 0;
	int64_t now = (int64_t)time(NULL);
	bool have_cfg = false, have_ci = false, tried_ca = false;
	int r, rc = AGENT_EXIT_FAILED;

	memset(&due, 0, sizeof(due));
	if (next_check != NULL)
		*next_check = now + AGENT_FAIL_BACKOFF_MIN;
	r = agent_cert_read(&ctx->st, name, "settings.json", &data, &len);
	if (r == 0)
		r = cn_json_parse_object(data, len, &settings);
	free(data);
	data = NULL;
	if (r == 0)
		r = agent_cert_cfg_from_json(settings, &cfg);
	if (r != 0) {
		agent_report(name, r);
		goto out;
	}
	have_cfg = true;
	if (ctx->o->ca_bundle != NULL) {
		/* an explicit --ca-bundle overrides the recorded one */
		free(cfg.ca_bundle);
		cfg.ca_bundle = cn_xstrdup(ctx->o->ca_bundle);
	}
	r = agent_cert_read(&ctx->st, name, "cert.pem", &data, &len);
	/* the facts the decision needs, without OpenSSL's key decoding; else the full parse */
	if (r == 0 && agent_certinfo_brief_from_pem(data, len, &ci) != 0)
		r = agent_certinfo_from_pem(data, len, &ci);
	free(data);
	if (r != 0) {
		agent_report(name, r);
		goto out;
	}
	have_ci = true;
	r = agent_cert_status_load(&ctx->st, name, &status);
	if (r != 0) {
		agent_report(name, r);
		goto out;
	}
	if (json_is_string(json_object_get(status, "revoked")) && !force) {
		CN_LOG(CN_LOG_INFO, "agent", "%s: revoked; not renewing without --force", name);
		rc = AGENT_EXIT_NOTHING;
		if (next_check != NULL)
			*next_check = now + AGENT_ARI_MAX_RECHECK;
		goto out;
	}
	if (agent_ari_needs_fetch(&ci, status, now)) {
		/* no fresh renewalInfo stored: ask the CA (its directory first) */
		tried_ca = true;
		r = agent_session_get(ctx, cfg.server, cfg.ca_bundle, false, NULL, false, &a);
		if (r != 0) {
			/* cannot reach the CA: decide by what is stored, else the lifetime */
			CN_LOG(CN_LOG_WARN, "agent", "%s: %s", name, cn_err_detail());
			a = NULL;
		}
	}
	before = json_deep_copy(status);
	r = agent_renew_check(a, &ci, status, now, &due);
	if (r != 0) {
		agent_report(name, r);
		goto out;
	}
	/* unchanged bookkeeping is not rewritten: a not-due check writes nothing */
	if (!json_equal(before, status) && agent_cert_status_save(&ctx->st, name, status) != 0)
		CN_LOG(CN_LOG_WARN, "agent", "%s: saving status: %s", name, cn_err_detail());
	if (next_check != NULL)
		*next_check = due.recheck;
	agent_fmt_time(due.when, when);
	if (!due.due && !force) {
		CN_LOG(CN_LOG_INFO, "agent", "%s: not due until %s (%s)", name, when, due.why);
		rc = AGENT_EXIT_NOTHING;
		goto out;
	}
	if (a == NULL && !tried_ca) {
		/* renewing: whether the order may name its predecessor depends on the CA's ARI */
		r = agent_session_get(ctx, cfg.server, cfg.ca_bundle, false, NULL, false, &a);
		if (r != 0) {
			CN_LOG(CN_LOG_WARN, "agent", "%s: %s", name, cn_err_detail());
			a = NULL;
		}
	}
	CN_LOG(CN_LOG_INFO, "agent", "%s: renewing (%s)", name, force && !due.due ? "forced" : due.why);
	memset(&in, 0, sizeof(in));
	in.cfg = &cfg;
	in.action = "renew";
	in.replaces = a != NULL && a->u_renewal_info != NULL ? ci.ari_id : NULL;
	in.may_register = false;
	r = agent_issue_run(ctx, &in);
	if (r != 0) {
		agent_report(name, r);
		if (next_check != NULL) {
			json_t *st2 = NULL;

			/* retry per the backoff now recorded */
			if (agent_cert_status_load(&ctx->st, name, &st2) == 0) {
				struct agent_due d2;

				if (agent_renew_check(NULL, &ci, st2, now, &d2) == 0)
					*next_check = d2.when > now ? d2.when : now + AGENT_FAIL_BACKOFF_MIN;
				json_decref(st2);
			}
		}
		goto out;
	}
	rc = AGENT_EXIT_CHANGED;
	if (next_check != NULL)
		*next_check = now + 60; /* look at the new certificate (and its ARI) soon */
out:
	if (have_cfg)
		agent_cert_cfg_cleanup(&cfg);
	if (have_ci)
		agent_certinfo_cleanup(&ci);
	json_decref(settings);
	json_decref(status);
	json_decref(before);
	return rc;
}
