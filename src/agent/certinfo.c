/*
 * certinfo.c - facts about an installed certificate for listing, renewal
 * decisions and hooks; the RFC 9773 section 4.1 certificate identifier;
 * RFC 3339 timestamps (section 5.6, as ACME uses them).
 *
 * agent_certinfo_brief_from_pem() reads the few facts a renewal check needs
 * by walking the DER of RFC 5280 section 4.1 itself (TBSCertificate:
 * serialNumber, validity, the authorityKeyIdentifier extension of section
 * 4.2.1.1), because OpenSSL's d2i_X509 also decodes the public key, which
 * initialises its providers: some 2 MB and milliseconds for a run that
 * needs nothing else from OpenSSL. Only one-octet tags and definite
 * lengths are accepted (DER); anything else fails and the caller falls
 * back to the full parse.
 */
#include "certinfo.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "b64url.h"
#include "buf.h"
#include "mem.h"
#include "x509/cert.h"
#include "x509/san.h"

#define CERTINFO_MAX_NAMES 1000
#define CERTINFO_MAX_DER (64 * 1024) /* a larger certificate goes to the full parser */

int agent_ari_cert_id(X509 *x, char **out)
{
	const ASN1_OCTET_STRING *kid = X509_get0_authority_key_id(x);
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	unsigned char *der = NULL;
	size_t off, clen;
	char *a = NULL, *b = NULL;
	struct cn_buf buf;
	int len, r;

	if (kid == NULL || ASN1_STRING_length(kid) <= 0)
		return cn_err_set(CN_ERR_MALFORMED, "certificate has no authority key identifier");
	len = i2d_ASN1_INTEGER(sn, &der);
	if (len < 3 || der[0] != 0x02) {
		OPENSSL_free(der);
		return cn_err_openssl(CN_ERR_MALFORMED, "i2d_ASN1_INTEGER");
	}
	/* skip tag and length (short or long form) */
	if (der[1] < 0x80) {
		off = 2;
		clen = der[1];
	} else {
		size_t nl = der[1] & 0x7f, i;

		off = 2 + nl;
		clen = 0;
		for (i = 0; i < nl && 2 + i < (size_t)len; i++)
			clen = clen << 8 | der[2 + i];
	}
	if (off + clen != (size_t)len) {
		OPENSSL_free(der);
		return cn_err_set(CN_ERR_MALFORMED, "bad serial number encoding");
	}
	a = cn_b64url_encode(ASN1_STRING_get0_data(kid), (size_t)ASN1_STRING_length(kid));
	b = cn_b64url_encode(der + off, clen);
	OPENSSL_free(der);
	cn_buf_init(&buf, 1024);
	r = cn_buf_addf(&buf, "%s.%s", a, b);
	free(a);
	free(b);
	if (r != 0) {
		cn_buf_free(&buf);
		return r;
	}
	*out = cn_buf_take(&buf, NULL);
	return 0;
}

static void names_add(struct agent_certinfo *ci, const char *s)
{
	if (ci->n_names >= CERTINFO_MAX_NAMES)
		return;
	ci->names = cn_xrealloc(ci->names, (ci->n_names + 1) * sizeof(*ci->names));
	ci->names[ci->n_names++] = cn_xstrdup(s);
}

int agent_certinfo_from_x509(X509 *x, struct agent_certinfo *ci)
{
	GENERAL_NAMES *gens = NULL;
	X509_NAME *iss;
	int i, idx, r;

	memset(ci, 0, sizeof(*ci));
	r = cn_cert_serial_hex(x, ci->serial);
	if (r != 0)
		goto fail;
	r = cn_asn1_time_to_unix(X509_get0_notBefore(x), &ci->not_before);
	if (r != 0)
		goto fail;
	r = cn_asn1_time_to_unix(X509_get0_notAfter(x), &ci->not_after);
	if (r != 0)
		goto fail;
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char tmp[CN_IP_TEXT_MAX];

		if (g->type == GEN_DNS) {
			const ASN1_IA5STRING *s = g->d.dNSName;
			char *v = cn_xstrndup((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));

			names_add(ci, v);
			free(v);
		} else if (g->type == GEN_IPADD &&
		    cn_ip_octets_to_text(ASN1_STRING_get0_data(g->d.iPAddress),
			(size_t)ASN1_STRING_length(g->d.iPAddress), tmp) == 0) {
			names_add(ci, tmp);
		}
	}
	GENERAL_NAMES_free(gens);
	iss = X509_get_issuer_name(x);
	idx = X509_NAME_get_index_by_NID(iss, NID_commonName, -1);
	if (idx >= 0) {
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(iss, idx));
		unsigned char *u = NULL;
		int n = ASN1_STRING_to_UTF8(&u, d);

		if (n >= 0) {
			ci->issuer_cn = cn_xstrndup((const char *)u, (size_t)n);
			OPENSSL_free(u);
		}
	}
	if (agent_ari_cert_id(x, &ci->ari_id) != 0)
		ci->ari_id = NULL;
	return 0;
fail:
	agent_certinfo_cleanup(ci);
	return r;
}

int agent_certinfo_from_pem(const char *pem, size_t len, struct agent_certinfo *ci)
{
	STACK_OF(X509) *sk = NULL;
	int r;

	r = cn_pem_certs_parse(pem, len, &sk);
	if (r != 0)
		return r;
	r = agent_certinfo_from_x509(sk_X509_value(sk, 0), ci);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

void agent_certinfo_cleanup(struct agent_certinfo *ci)
{
	size_t i;

	for (i = 0; i < ci->n_names; i++)
		free(ci->names[i]);
	free(ci->names);
	free(ci->ari_id);
	free(ci->issuer_cn);
	memset(ci, 0, sizeof(*ci));
}

void agent_fmt_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int agent_parse_time(const char *s, int64_t *out)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0;
	const char *p;
	int64_t t;

	if (strlen(s) < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
	    digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec))
		return cn_err_set(CN_ERR_MALFORMED, "bad RFC 3339 time");
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return cn_err_set(CN_ERR_MALFORMED, "bad RFC 3339 time");
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return cn_err_set(CN_ERR_MALFORMED, "bad RFC 3339 fraction");
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return cn_err_set(CN_ERR_MALFORMED, "bad RFC 3339 offset");
		if (*p == '-') {
			oh = -oh;
			om = -om;
		}
		p += 6;
	} else {
		return cn_err_set(CN_ERR_MALFORMED, "RFC 3339 time without offset");
	}
	if (*p != '\0')
		return cn_err_set(CN_ERR_MALFORMED, "trailing text after RFC 3339 time");
	if (sec == 60)
		sec = 59;
	t = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec;
	t -= (int64_t)oh * 3600 + (int64_t)om * 60;
	*out = t;
	return 0;
}

/* ---- the renewal facts straight from the DER ------------------------------- */

struct der {
	const unsigned char *p, *end;
};

/* The first occurrence of the string n in h[0..hl), or NULL. */
static const char *find(const char *h, size_t hl, const char *n)
{
	size_t nl = strlen(n), i;

	for (i = 0; i + nl <= hl; i++)
		if (memcmp(h + i, n, nl) == 0)
			return h + i;
	return NULL;
}

/* Reads one TLV (one-octet tag, definite length); 0, or -1 when malformed. */
static int der_get(struct der *d, unsigned *tag, struct der *val)
{
	size_t len, n, i;

	if (d->end - d->p < 2)
		return -1;
	*tag = *d->p++;
	if ((*tag & 0x1f) == 0x1f)
		return -1;
	len = *d->p++;
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 3 || (size_t)(d->end - d->p) < n)
			return -1;
		for (len = 0, i = 0; i < n; i++)
			len = len << 8 | *d->p++;
	}
	if ((size_t)(d->end - d->p) < len)
		return -1;
	val->p = d->p;
	val->end = d->p + len;
	d->p += len;
	return 0;
}

static int der_want(struct der *d, unsigned want, struct der *val)
{
	unsigned tag;

	if (der_get(d, &tag, val) != 0 || tag != want)
		return -1;
	return 0;
}

/* The tag of the next TLV, or 0 at the end. */
static unsigned der_peek(const struct der *d)
{
	return d->p < d->end ? *d->p : 0;
}

/* RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY >= 50: 19YY) or GeneralizedTime YYYYMMDDHHMMSSZ. */
static int der_time(struct der *d, int64_t *out)
{
	const char *s;
	struct der v;
	unsigned tag;
	size_t n;
	int Y, M, D, h, m, sec;

	if (der_get(d, &tag, &v) != 0)
		return -1;
	s = (const char *)v.p;
	n = (size_t)(v.end - v.p);
	if (tag == 0x17 && n == 13) {
		if (digits(s, 2, &Y) != 0)
			return -1;
		Y += Y >= 50 ? 1900 : 2000;
		s += 2;
	} else if (tag == 0x18 && n == 15) {
		if (digits(s, 4, &Y) != 0)
			return -1;
		s += 4;
	} else {
		return -1;
	}
	if (digits(s, 2, &M) || digits(s + 2, 2, &D) || digits(s + 4, 2, &h) || digits(s + 6, 2, &m) ||
	    digits(s + 8, 2, &sec) || s[10] != 'Z' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 ||
	    m > 59 || sec > 59)
		return -1;
	*out = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec;
	return 0;
}

/* keyIdentifier of an AuthorityKeyIdentifier extension value (RFC 5280 4.2.1.1), if any. */
static void der_aki_keyid(struct der ext, struct der *kid)
{
	struct der aki, f;
	unsigned tag;

	kid->p = kid->end = NULL;
	if (der_want(&ext, 0x30, &aki) != 0)
		return;
	while (der_get(&aki, &tag, &f) == 0) {
		if (tag == 0x80) {
			*kid = f;
			return;
		}
	}
}

int agent_certinfo_brief_from_pem(const char *pem, size_t len, struct agent_certinfo *ci)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
	static const unsigned char aki_oid[] = {0x55, 0x1d, 0x23}; /* 2.5.29.35 */
	static const char hex[] = "0123456789abcdef";
	const char *b, *e;
	char *a = NULL, *c = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0, i;
	struct der d, cert, tbs, v, serial, validity, exts, ext, oid, kid;
	struct cn_buf b64, id;
	unsigned tag;
	bool have_aki = false;
	int r = CN_ERR_MALFORMED;

	memset(ci, 0, sizeof(*ci));
	cn_buf_init(&b64, CERTINFO_MAX_DER * 4 / 3 + 4);
	b = find(pem, len, begin);
	e = b != NULL ? find(b, len - (size_t)(b - pem), end) : NULL;
	if (e == NULL)
		goto out;
	for (b += sizeof(begin) - 1; b < e; b++) {
		if (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
			continue;
		if (cn_buf_add(&b64, b, 1) != 0)
			goto out;
	}
	if (b64.len == 0 || cn_b64_decode((const char *)b64.data, b64.len, &der, &der_len) != 0)
		goto out;
	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version, serialNumber, ... */
	d.p = der;
	d.end = der + der_len;
	if (der_want(&d, 0x30, &cert) != 0 || d.p != d.end || der_want(&cert, 0x30, &tbs) != 0)
		goto out;
	if (der_peek(&tbs) == 0xa0 && der_get(&tbs, &tag, &v) != 0)
		goto out;
	if (der_want(&tbs, 0x02, &serial) != 0 || serial.end == serial.p ||
	    (size_t)(serial.end - serial.p) * 2 >= sizeof(ci->serial))
		goto out;
	for (i = 0; serial.p + i < serial.end; i++) {
		ci->serial[2 * i] = hex[serial.p[i] >> 4];
		ci->serial[2 * i + 1] = hex[serial.p[i] & 15];
	}
	ci->serial[2 * i] = '\0';
	/* signature, issuer, validity, subject, subjectPublicKeyInfo */
	if (der_want(&tbs, 0x30, &v) != 0 || der_want(&tbs, 0x30, &v) != 0 ||
	    der_want(&tbs, 0x30, &validity) != 0 || der_time(&validity, &ci->not_before) != 0 ||
	    der_time(&validity, &ci->not_after) != 0 || der_want(&tbs, 0x30, &v) != 0 ||
	    der_want(&tbs, 0x30, &v) != 0)
		goto out;
	/* [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions */
	kid.p = kid.end = NULL;
	while (der_get(&tbs, &tag, &v) == 0) {
		if (tag != 0xa3)
			continue;
		if (der_want(&v, 0x30, &exts) != 0)
			goto out;
		while (der_want(&exts, 0x30, &ext) == 0) {
			if (der_want(&ext, 0x06, &oid) != 0)
				goto out;
			if (der_peek(&ext) == 0x01 && der_get(&ext, &tag, &v) != 0)
				goto out;
			if (der_want(&ext, 0x04, &v) != 0)
				goto out;
			if ((size_t)(oid.end - oid.p) == sizeof(aki_oid) && memcmp(oid.p, aki_oid, sizeof(aki_oid)) == 0) {
				if (have_aki)
					goto out; /* RFC 5280 4.2: at most one instance of an extension */
				have_aki = true;
				der_aki_keyid(v, &kid);
			}
		}
		if (exts.p != exts.end)
			goto out;
	}
	if (tbs.p != tbs.end)
		goto out;
	if (kid.p != NULL && kid.end > kid.p) {
		/* RFC 9773 4.1: base64url(keyIdentifier) "." base64url(serial DER contents) */
		a = cn_b64url_encode(kid.p, (size_t)(kid.end - kid.p));
		c = cn_b64url_encode(serial.p, (size_t)(serial.end - serial.p));
		cn_buf_init(&id, 1024);
		if (cn_buf_addf(&id, "%s.%s", a, c) != 0) {
			cn_buf_free(&id);
			goto out;
		}
		ci->ari_id = cn_buf_take(&id, NULL);
	}
	r = 0;
out:
	if (r != 0) {
		agent_certinfo_cleanup(ci);
		r = cn_err_set(CN_ERR_MALFORMED, "certificate: unexpected DER");
	}
	cn_buf_free(&b64);
	free(der);
	free(a);
	free(c);
	return r;
}
