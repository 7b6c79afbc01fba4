/*
 * certinfo.c - facts about an installed certificate for listing, renewal
 * decisions and hooks; the RFC 9773 section 4.1 certificate identifier;
 * RFC 3339 timestamps (section 5.6, as ACME uses them).
 */
#include "certinfo.h"

#include <ctype.h>
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
