/*
 * render.c - ACME resource URLs, RFC 3339 times and the JSON objects of
 * RFC 8555 section 7.1 (account 7.1.2, order 7.1.3, authorization 7.1.4,
 * challenge 7.1.5 and 8), including the status an object shows after expiry
 * (section 7.1.6).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/acme.h"
#include "buf.h"
#include "json.h"
#include "mem.h"

char *ca_url(const struct ca_ctx *ctx, const char *fmt, ...)
{
	struct cn_buf b;
	va_list ap;
	int r;

	cn_buf_init(&b, 4096);
	r = cn_buf_adds(&b, ctx->cfg->base_url);
	if (r == 0) {
		va_start(ap, fmt);
		r = cn_buf_vaddf(&b, fmt, ap);
		va_end(ap);
	}
	if (r != 0)
		abort(); /* base_url is bounded by config; paths are short */
	return cn_buf_take(&b, NULL);
}

char *ca_public_url(const struct ca_ctx *ctx, const char *path)
{
	struct cn_buf b;

	cn_buf_init(&b, 4096);
	if (cn_buf_adds(&b, ctx->cfg->http_base_url) != 0 || cn_buf_adds(&b, path) != 0)
		abort(); /* both are bounded by config */
	return cn_buf_take(&b, NULL);
}

/* RFC 3339 has four-digit years only: times outside years 0000-9999 are
 * clamped to the nearest representable one. */
#define CA_TIME_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define CA_TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

void ca_time_fmt(int64_t t, char out[32])
{
	time_t tt = (time_t)(t < CA_TIME_MIN ? CA_TIME_MIN : t > CA_TIME_MAX ? CA_TIME_MAX : t);
	struct tm tm;
	int n;

	memset(&tm, 0, sizeof(tm));
	gmtime_r(&tt, &tm);
	/* Not strftime's %Y, which does not pad years before 1000. */
	n = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n != 20)
		abort(); /* the clamp keeps every field to its width */
}

/* Reads exactly n ASCII digits at s; stops at the first other byte (NUL too). */
static bool time_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int time_days_in_month(int year, int mon)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

/*
 * RFC 3339 section 5.6 date-time, exactly: four-digit year, two-digit
 * fields, "T" (or "t"), optional fraction (ignored), "Z" (or "z") or
 * +hh:mm / -hh:mm. Section 5.7 bounds each field (the day by month and
 * leap year; a leap second 60 is allowed and counts as the next second).
 */
int ca_time_parse(const char *s, int64_t *out)
{
	struct tm tm;
	const char *p = s;
	int year, mon, mday, hour, min, sec, oh = 0, om = 0;
	int64_t off = 0;

	if (!time_digits(p, 4, &year) || p[4] != '-' || !time_digits(p + 5, 2, &mon) ||
	    p[7] != '-' || !time_digits(p + 8, 2, &mday) || (p[10] != 'T' && p[10] != 't') ||
	    !time_digits(p + 11, 2, &hour) || p[13] != ':' || !time_digits(p + 14, 2, &min) ||
	    p[16] != ':' || !time_digits(p + 17, 2, &sec))
		return cn_err_set(CN_ERR_MALFORMED, "invalid RFC 3339 time '%.64s'", s);
	p += 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return cn_err_set(CN_ERR_MALFORMED, "invalid RFC 3339 time '%.64s'", s);
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (!time_digits(p + 1, 2, &oh) || p[3] != ':' || !time_digits(p + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return cn_err_set(CN_ERR_MALFORMED, "invalid RFC 3339 time '%.64s'", s);
		off = (int64_t)oh * 3600 + om * 60;
		if (*p == '+')
			off = -off;
		p += 6;
	} else {
		return cn_err_set(CN_ERR_MALFORMED, "RFC 3339 time '%.64s' lacks a time zone", s);
	}
	if (*p != '\0' || mon < 1 || mon > 12 || mday < 1 ||
	    mday > time_days_in_month(year, mon) || hour > 23 || min > 59 || sec > 60)
		return cn_err_set(CN_ERR_MALFORMED, "invalid RFC 3339 time '%.64s'", s);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) + off;
	return 0;
}

int ca_parse_id(const char *s, int64_t *id, const char **rest)
{
	int64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p) || *p == '0')
		return CN_ERR_NOT_FOUND;
	while (isdigit((unsigned char)*p)) {
		if (v > (INT64_MAX - 9) / 10)
			return CN_ERR_NOT_FOUND;
		v = v * 10 + (*p - '0');
		p++;
	}
	if (*p != '\0' && *p != '/')
		return CN_ERR_NOT_FOUND;
	*id = v;
	*rest = p;
	return 0;
}

static json_t *json_from_text(const char *text)
{
	json_t *j = NULL;

	if (text == NULL || cn_json_parse(text, strlen(text), &j) != 0)
		return NULL;
	return j;
}

static void set_url(json_t *obj, const char *key, char *url)
{
	json_object_set_new(obj, key, json_string(url));
	free(url);
}

static void set_time(json_t *obj, const char *key, int64_t t)
{
	char buf[32];

	ca_time_fmt(t, buf);
	json_object_set_new(obj, key, json_string(buf));
}

json_t *ca_render_account(const struct ca_ctx *ctx, const struct ca_account *a)
{
	json_t *j = json_object();
	json_t *contact = json_from_text(a->contact_json);

	json_object_set_new(j, "status", json_string(ca_status_str(a->status)));
	json_object_set_new(j, "contact", contact ? contact : json_array());
	if (a->tos_agreed)
		json_object_set_new(j, "termsOfServiceAgreed", json_true());
	set_url(j, "orders", ca_url(ctx, "/acme/acct/%lld/orders", (long long)a->id));
	return j;
}

enum ca_status ca_order_effective_status(const struct ca_order *o, int64_t now)
{
	if ((o->status == CA_ST_PENDING || o->status == CA_ST_READY) && o->expires <= now)
		return CA_ST_INVALID;
	return o->status;
}

enum ca_status ca_authz_effective_status(const struct ca_authz *a, int64_t now)
{
	if ((a->status == CA_ST_PENDING || a->status == CA_ST_VALID) && a->expires <= now)
		return CA_ST_EXPIRED;
	return a->status;
}

json_t *ca_render_order(const struct ca_ctx *ctx, const struct ca_order *o, int64_t now)
{
	json_t *j = json_object();
	json_t *ids = json_from_text(o->identifiers_json);
	json_t *authzs = json_array();
	json_t *err;
	size_t i;

	json_object_set_new(j, "status", json_string(ca_status_str(ca_order_effective_status(o, now))));
	set_time(j, "expires", o->expires);
	json_object_set_new(j, "identifiers", ids ? ids : json_array());
	if (o->not_before)
		set_time(j, "notBefore", o->not_before);
	if (o->not_after)
		set_time(j, "notAfter", o->not_after);
	if (o->profile)
		json_object_set_new(j, "profile", json_string(o->profile));
	for (i = 0; i < o->n_authz; i++) {
		char *u = ca_url(ctx, "/acme/authz/%lld", (long long)o->authz_ids[i]);

		json_array_append_new(authzs, json_string(u));
		free(u);
	}
	json_object_set_new(j, "authorizations", authzs);
	set_url(j, "finalize", ca_url(ctx, "/acme/order/%lld/finalize", (long long)o->id));
	if (o->status == CA_ST_VALID && o->cert_serial[0])
		set_url(j, "certificate", ca_url(ctx, "/acme/cert/%s", o->cert_serial));
	err = json_from_text(o->error_json);
	if (err)
		json_object_set_new(j, "error", err);
	return j;
}

/* At most 10 names of the comma-separated list, lower-cased. */
static json_t *issuer_names(const char *csv)
{
	json_t *arr = json_array();
	char *copy = cn_xstrdup(csv), *save = NULL, *tok, *p;

	for (tok = strtok_r(copy, ",", &save); tok && json_array_size(arr) < 10;
	    tok = strtok_r(NULL, ",", &save)) {
		for (p = tok; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (*tok)
			json_array_append_new(arr, json_string(tok));
	}
	free(copy);
	return arr;
}

json_t *ca_render_challenge(const struct ca_ctx *ctx, const struct ca_challenge *c)
{
	json_t *j = json_object();
	json_t *err;

	json_object_set_new(j, "type", json_string(c->type));
	set_url(j, "url", ca_url(ctx, "/acme/chall/%lld", (long long)c->id));
	json_object_set_new(j, "status", json_string(ca_status_str(c->status)));
	/* draft-ietf-acme-dns-persist section 3.1: no token, the issuer
	 * domain names instead (lower-case, at most 10). */
	if (strcmp(c->type, "dns-persist-01") == 0)
		json_object_set_new(j, "issuer-domain-names",
		    issuer_names(ctx->cfg->caa_identities));
	else
		json_object_set_new(j, "token", json_string(c->token));
	if (c->status == CA_ST_VALID && c->validated)
		set_time(j, "validated", c->validated);
	err = json_from_text(c->error_json);
	if (err)
		json_object_set_new(j, "error", err);
	return j;
}

json_t *ca_render_authz(const struct ca_ctx *ctx, const struct ca_authz *a, int64_t now)
{
	json_t *j = json_object();
	json_t *chs = json_array();
	enum ca_status st = ca_authz_effective_status(a, now);
	size_t i;

	json_object_set_new(j, "identifier",
	    json_pack("{s:s, s:s}", "type", a->id_type, "value", a->id_value));
	json_object_set_new(j, "status", json_string(ca_status_str(st)));
	set_time(j, "expires", a->expires);
	for (i = 0; i < a->n_challenges; i++) {
		/* RFC 8555 section 7.1.4: a valid authorization lists only the
		 * challenge that validated it; others are omitted. */
		if (st == CA_ST_VALID && a->challenges[i].status != CA_ST_VALID)
			continue;
		json_array_append_new(chs, ca_render_challenge(ctx, &a->challenges[i]));
	}
	json_object_set_new(j, "challenges", chs);
	if (a->wildcard)
		json_object_set_new(j, "wildcard", json_true());
	return j;
}
