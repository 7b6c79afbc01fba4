/*
 * cert.c - X.509 certificate helpers: strict DER decoding (RFC 5280 4.1),
 * PEM chains (RFC 7468 section 5) and files, serial number text (4.1.2.2) and
 * UTCTime/GeneralizedTime (4.1.2.5.1, 4.1.2.5.2) to Unix seconds.
 */
#include "x509/cert.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "file.h"
#include "mem.h"

#define SERIAL_MAX_OCTETS 23 /* 46 hex digits + NUL fit out[48] */

int cn_cert_from_der(const unsigned char *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	int r;

	if (len > CN_CERT_MAX_DER) {
		r = cn_err_set(CN_ERR_TOO_BIG, "certificate larger than %d bytes",
		    CN_CERT_MAX_DER);
		goto out;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL) {
		r = cn_err_openssl(CN_ERR_MALFORMED, "decoding a DER certificate");
		goto out;
	}
	if (p != der + len) {
		r = cn_err_set(CN_ERR_MALFORMED, "%zu bytes after the certificate",
		    (size_t)(der + len - p));
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
out:
	X509_free(x);
	return r;
}

int cn_cert_to_der(X509 *x, unsigned char **der, size_t *len)
{
	unsigned char *p = NULL;
	int n;

	n = i2d_X509(x, &p);
	if (n <= 0)
		return cn_err_openssl(CN_ERR_CRYPTO, "i2d_X509");
	*der = cn_xmemdup(p, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(p);
	return 0;
}

int cn_cert_to_pem(X509 *x, char **pem)
{
	BIO *bio = NULL;
	BUF_MEM *mem = NULL;
	int r;

	bio = BIO_new(BIO_s_mem());
	if (bio == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "BIO_new");
		goto out;
	}
	if (PEM_write_bio_X509(bio, x) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "PEM_write_bio_X509");
		goto out;
	}
	BIO_get_mem_ptr(bio, &mem);
	if (mem == NULL || mem->length == 0) {
		r = cn_err_set(CN_ERR_CRYPTO, "empty PEM output");
		goto out;
	}
	*pem = cn_xstrndup(mem->data, mem->length);
	r = 0;
out:
	BIO_free(bio);
	return r;
}

int cn_pem_certs_parse(const char *pem, size_t len, STACK_OF(X509) **out)
{
	STACK_OF(X509) *chain = NULL;
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	X509 *x = NULL;
	long dlen = 0;
	int r;

	if (len > CN_CERT_MAX_PEM) {
		r = cn_err_set(CN_ERR_TOO_BIG, "certificate PEM larger than %d bytes",
		    CN_CERT_MAX_PEM);
		goto out;
	}
	chain = sk_X509_new_null();
	bio = BIO_new_mem_buf(pem, (int)len);
	if (chain == NULL || bio == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "allocating a certificate chain");
		goto out;
	}
	for (;;) {
		ERR_set_mark();
		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			unsigned long e = ERR_peek_last_error();

			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE &&
			    sk_X509_num(chain) > 0) {
				ERR_pop_to_mark();
				break;
			}
			ERR_clear_last_mark();
			r = sk_X509_num(chain) == 0 ?
			    cn_err_set(CN_ERR_MALFORMED, "no PEM certificate found") :
			    cn_err_openssl(CN_ERR_MALFORMED, "reading a PEM block");
			ERR_clear_error();
			goto out;
		}
		ERR_clear_last_mark();
		if (strcmp(name, PEM_STRING_X509) != 0) {
			r = cn_err_set(CN_ERR_MALFORMED,
			    "unexpected PEM block \"%.40s\" in a certificate chain", name);
			goto out;
		}
		if (header != NULL && header[0] != '\0') {
			r = cn_err_set(CN_ERR_MALFORMED, "PEM certificate with headers");
			goto out;
		}
		r = cn_cert_from_der(data, (size_t)dlen, &x);
		if (r != 0)
			goto out;
		if (sk_X509_push(chain, x) <= 0) {
			r = cn_err_openssl(CN_ERR_CRYPTO, "sk_X509_push");
			goto out;
		}
		x = NULL;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	*out = chain;
	chain = NULL;
	r = 0;
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	X509_free(x);
	BIO_free(bio);
	sk_X509_pop_free(chain, X509_free);
	return r;
}

int cn_cert_load(const char *path, X509 **out)
{
	STACK_OF(X509) *certs = NULL;
	char *pem = NULL;
	size_t len = 0;
	int r;

	r = cn_file_read(path, CN_CERT_MAX_PEM, &pem, &len);
	if (r != 0)
		goto out;
	r = cn_pem_certs_parse(pem, len, &certs);
	if (r != 0) {
		char detail[256];

		snprintf(detail, sizeof(detail), "%s", cn_err_detail());
		r = cn_err_set(r, "%s: %s", path, detail);
		goto out;
	}
	if (sk_X509_num(certs) != 1) {
		r = cn_err_set(CN_ERR_MALFORMED, "%s: more than one certificate", path);
		goto out;
	}
	*out = sk_X509_shift(certs);
	r = 0;
out:
	sk_X509_pop_free(certs, X509_free);
	free(pem);
	return r;
}

int cn_cert_serial_hex(X509 *x, char out[48])
{
	static const char hex[] = "0123456789abcdef";
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	unsigned char *der = NULL;
	const unsigned char *c;
	size_t clen, i;
	int n, r;

	n = i2d_ASN1_INTEGER(serial, &der);
	/* Tag, then a one-octet short or 0x81 long length form. */
	if (n < 3 || der[0] != V_ASN1_INTEGER) {
		r = cn_err_openssl(CN_ERR_MALFORMED, "encoding the serial number");
		goto out;
	}
	if (der[1] < 0x80) {
		c = der + 2;
		clen = der[1];
	} else if (der[1] == 0x81 && n >= 3) {
		c = der + 3;
		clen = der[2];
	} else {
		r = cn_err_set(CN_ERR_MALFORMED, "serial number too long");
		goto out;
	}
	if (clen == 0 || clen > SERIAL_MAX_OCTETS ||
	    (size_t)(c - der) + clen != (size_t)n) {
		r = cn_err_set(CN_ERR_MALFORMED, "serial number of %zu octets", clen);
		goto out;
	}
	for (i = 0; i < clen; i++) {
		out[2 * i] = hex[c[i] >> 4];
		out[2 * i + 1] = hex[c[i] & 15];
	}
	out[2 * clen] = '\0';
	r = 0;
out:
	OPENSSL_free(der);
	return r;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe, mp;

	y -= m <= 2;
	mp = m > 2 ? m - 3 : m + 9; /* March is month 0 */
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * mp + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int cn_asn1_time_to_unix(const ASN1_TIME *t, int64_t *out)
{
	const unsigned char *s;
	struct tm tm;
	int len, type;

	if (t == NULL)
		return cn_err_set(CN_ERR_MALFORMED, "missing time");
	type = ASN1_STRING_type(t);
	len = ASN1_STRING_length(t);
	s = ASN1_STRING_get0_data(t);
	/* RFC 5280 4.1.2.5: YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ, nothing else. */
	if (!((type == V_ASN1_UTCTIME && len == 13) ||
	    (type == V_ASN1_GENERALIZEDTIME && len == 15)) || s[len - 1] != 'Z')
		return cn_err_set(CN_ERR_MALFORMED, "time not in RFC 5280 form");
	if (ASN1_TIME_check(t) != 1 || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return cn_err_set(CN_ERR_MALFORMED, "invalid time");
	}
	*out = days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
	    (unsigned)tm.tm_mday) * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 +
	    tm.tm_sec;
	return 0;
}
