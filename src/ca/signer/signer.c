/*
 * signer.c - issuing subscriber certificates with the intermediate CA key
 * under the CA/B Forum BR 7.1.2.7 profile (domain validated, 7.1.2.7.2),
 * with BR 7.1 serial numbers (>= 64 bits from a CSPRNG).
 *
 * Thread safety: the signer's state is written once in ca_signer_open and
 * only read afterwards. Each issuance builds its own objects; the issuer
 * name is decoded afresh from its DER so no shared OpenSSL object is
 * mutated (X509_NAME caches its encoding). The shared EVP_PKEY and EVP_MD
 * are used read-only, as OpenSSL 3 allows from several threads.
 *
 * OCSP responses and CRLs are signed in signer_ocsp.c and signer_crl.c.
 * Left out (later work): precertificates and SCTs (RFC 6962), PKCS#11 keys,
 * running as a separate process.
 */
#include "signer/signer.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "signer/build.h"
#include "signer/signer_int.h"
#include "x509/cert.h"
#include "x509/key.h"
#include "x509/san.h"

#define PATH_MAX_LEN 4096
#define DAY 86400
/* BR 7.1.2.7: notBefore within 48 hours of signing. */
#define NOT_BEFORE_SLACK (48 * 60 * 60)

/* BR 6.3.2: the longest subscriber Validity Period by date of issuance. */
static const struct {
	int64_t from; /* issued on or after (Unix seconds) */
	int64_t max_days;
} max_validity[] = {
	{INT64_MIN, 398},
	{1773532800, 200}, /* 2026-03-15 */
	{1805068800, 100}, /* 2027-03-15 */
	{1868227200, 47},  /* 2029-03-15 */
};

int ca_serial_new(unsigned char out[CA_SERIAL_LEN])
{
	unsigned char s[CA_SERIAL_LEN];

	do {
		if (RAND_bytes(s, sizeof(s)) != 1)
			return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
		s[0] &= 0x7f; /* positive */
	} while (s[0] == 0); /* minimal encoding: exactly 16 octets */
	memcpy(out, s, sizeof(s));
	OPENSSL_cleanse(s, sizeof(s));
	return 0;
}

void ca_serial_hex(const unsigned char *serial, size_t len, char out[48])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (len > 23)
		len = 23;
	for (i = 0; i < len; i++) {
		out[2 * i] = hex[serial[i] >> 4];
		out[2 * i + 1] = hex[serial[i] & 15];
	}
	out[2 * len] = '\0';
}

static int signer_path(const char *dir, const char *name, char **out)
{
	struct cn_buf b;
	int r;

	cn_buf_init(&b, PATH_MAX_LEN);
	r = cn_buf_addf(&b, "%s/%s", dir, name);
	if (r != 0) {
		cn_buf_free(&b);
		return cn_err_set(CN_ERR_USAGE, "data directory path too long");
	}
	*out = cn_buf_take(&b, NULL);
	return 0;
}

void ca_signer_free(struct ca_signer *s)
{
	if (s == NULL)
		return;
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	EVP_MD_free(s->md);
	free(s->issuer_name_der);
	free(s->der);
	free(s->chain_pem);
	free(s);
}

int ca_signer_open(const char *data_dir, struct ca_signer **out)
{
	struct ca_signer *s = NULL;
	char *cert_path = NULL, *key_path = NULL;
	unsigned char *p = NULL;
	int n, r;

	s = cn_xcalloc(1, sizeof(*s));
	r = signer_path(data_dir, "intermediate.pem", &cert_path);
	if (r != 0)
		goto out;
	r = cn_cert_load(cert_path, &s->cert);
	if (r != 0)
		goto out;
	r = signer_path(data_dir, "intermediate-key.pem", &key_path);
	if (r != 0)
		goto out;
	r = cn_key_load(key_path, &s->key);
	if (r != 0)
		goto out;
	if (X509_check_private_key(s->cert, s->key) != 1) {
		r = cn_err_openssl(CN_ERR_BAD_KEY,
		    "intermediate-key.pem does not match intermediate.pem");
		goto out;
	}
	s->md = EVP_MD_fetch(NULL, ca_build_md_name(s->key), NULL);
	if (s->md == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_MD_fetch");
		goto out;
	}
	n = i2d_X509_NAME(X509_get_subject_name(s->cert), &p);
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding the issuer name");
		goto out;
	}
	s->issuer_name_der = cn_xmemdup(p, (size_t)n);
	s->issuer_name_len = (size_t)n;
	r = ca_build_key_id(s->cert, s->key_id, &s->key_id_len);
	if (r != 0)
		goto out;
	r = cn_cert_to_der(s->cert, &s->der, &s->der_len);
	if (r != 0)
		goto out;
	r = cn_cert_to_pem(s->cert, &s->chain_pem);
	if (r != 0)
		goto out;
	CN_LOG(CN_LOG_INFO, "signer", "loaded intermediate CA from %s", data_dir);
	*out = s;
	s = NULL;
	r = 0;
out:
	OPENSSL_free(p);
	free(cert_path);
	free(key_path);
	ca_signer_free(s);
	return r;
}

const char *ca_signer_chain_pem(const struct ca_signer *s)
{
	return s->chain_pem;
}

const unsigned char *ca_signer_issuer_der(const struct ca_signer *s, size_t *len)
{
	*len = s->der_len;
	return s->der;
}

EVP_PKEY *ca_signer_issuer_pubkey(const struct ca_signer *s)
{
	return X509_get0_pubkey(s->cert);
}

X509 *ca_signer_issuer_cert(const struct ca_signer *s)
{
	return s->cert;
}

bool ca_signer_url_ok(const char *url)
{
	size_t i, len = strlen(url);

	if (len <= 7 || len > CA_URL_MAX || strncmp(url, "http://", 7) != 0)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
			return false;
	return true;
}

/* Profile checks on the plain values of a request (see signer.h). */
static int check_request(const struct ca_signer *s, const struct ca_issue_req *req)
{
	int64_t now = (int64_t)time(NULL), max_days = 0;
	size_t i;
	int r;

	/*
	 * The finalize request checked this key too; the signer checks it
	 * again whatever its callers did (it is the last line of defence).
	 * The check is cheap (cn_key_policy_check: an on-curve check for EC
	 * keys), and what goes into the certificate is built from this very
	 * key (cn_pubkey_to_cert below), so nothing checked can differ from
	 * what is signed.
	 */
	r = cn_key_policy_check(req->subject_key);
	if (r != 0)
		return r;
	if (EVP_PKEY_eq(req->subject_key, s->key) == 1)
		return cn_err_set(CN_ERR_BAD_KEY, "the subject key is the CA's key");
	ERR_clear_error();
	if (req->serial == NULL || req->serial_len < CA_SERIAL_MIN_LEN ||
	    req->serial_len > CA_SERIAL_MAX_LEN || req->serial[0] == 0 ||
	    (req->serial[0] & 0x80) != 0)
		return cn_err_set(CN_ERR_INTERNAL,
		    "serial must be %d to %d octets, positive and minimally encoded",
		    CA_SERIAL_MIN_LEN, CA_SERIAL_MAX_LEN);
	if (req->not_before >= req->not_after)
		return cn_err_set(CN_ERR_INTERNAL, "notBefore is not before notAfter");
	if (req->not_before < now - NOT_BEFORE_SLACK ||
	    req->not_before > now + NOT_BEFORE_SLACK)
		return cn_err_set(CN_ERR_INTERNAL,
		    "notBefore is more than 48 hours from now (BR 7.1.2.7)");
	for (i = 0; i < sizeof(max_validity) / sizeof(max_validity[0]); i++)
		if (now >= max_validity[i].from)
			max_days = max_validity[i].max_days;
	/* RFC 5280 4.1.2.5: both ends are included, so the period is +1 s. */
	if (req->not_after - req->not_before + 1 > max_days * DAY)
		return cn_err_set(CN_ERR_INTERNAL,
		    "validity longer than %lld days (BR 6.3.2)", (long long)max_days);
	if ((req->aia_issuer_url != NULL && !ca_signer_url_ok(req->aia_issuer_url)) ||
	    (req->ocsp_url != NULL && !ca_signer_url_ok(req->ocsp_url)) ||
	    (req->crl_url != NULL && !ca_signer_url_ok(req->crl_url)))
		return cn_err_set(CN_ERR_INTERNAL,
		    "AIA, OCSP and CRL URLs must be http:// URLs (BR 7.1.2.7.7, "
		    "7.1.2.11.2)");
	return 0;
}

/* The subject: empty, or CN = the name as it appears in the SAN. */
static int subject_name(const struct ca_issue_req *req, X509_NAME **out)
{
	char ip[CN_IP_TEXT_MAX];
	char *cn = NULL;
	size_t i, len;
	bool found = false;
	int r;

	*out = NULL;
	if (req->common_name == NULL)
		return 0;
	len = strlen(req->common_name);
	if (len == 0 || len > CA_CN_MAX) {
		r = cn_err_set(CN_ERR_BAD_CSR, "commonName must be 1 to %d characters",
		    CA_CN_MAX);
		goto out;
	}
	for (i = 0; i < req->n_dns && !found; i++)
		found = strcasecmp(req->common_name, req->dns_names[i]) == 0;
	if (found) {
		cn = cn_xstrdup(req->common_name);
		for (i = 0; i < len; i++)
			if (cn[i] >= 'A' && cn[i] <= 'Z')
				cn[i] = (char)(cn[i] - 'A' + 'a');
	} else if (cn_ip_normalize(req->common_name, ip) == 0) {
		for (i = 0; i < req->n_ip && !found; i++) {
			char want[CN_IP_TEXT_MAX];

			found = cn_ip_normalize(req->ip_addrs[i], want) == 0 &&
			    strcmp(ip, want) == 0;
		}
		if (found)
			cn = cn_xstrdup(ip);
	}
	if (!found) {
		r = cn_err_set(CN_ERR_BAD_CSR,
		    "commonName is not one of the certificate's names");
		goto out;
	}
	r = ca_build_name(NULL, cn, out);
out:
	free(cn);
	return r;
}

int ca_signer_issue(struct ca_signer *s, const struct ca_issue_req *req,
    unsigned char **der, size_t *der_len)
{
	X509 *x = NULL;
	X509_NAME *subject = NULL;
	GENERAL_NAMES *gens = NULL;
	unsigned char *p = NULL;
	char hex[48];
	unsigned ku;
	int n, r;

	r = check_request(s, req);
	if (r != 0)
		goto out;
	r = cn_san_new(req->dns_names, req->n_dns, req->ip_addrs, req->n_ip, &gens);
	if (r != 0) {
		r = r == CN_ERR_MALFORMED || r == CN_ERR_TOO_BIG ? CN_ERR_REJECTED_ID : r;
		goto out;
	}
	r = subject_name(req, &subject);
	if (r != 0)
		goto out;
	r = ca_build_tbs(req->serial, req->serial_len, s->issuer_name_der,
	    s->issuer_name_len, subject, req->not_before, req->not_after, NULL, &x);
	if (r != 0)
		goto out;
	/* RFC 5280 4.1.2.7, RFC 5480: the key's canonical SubjectPublicKeyInfo,
	 * written without OpenSSL 3's encoder and decoder (X509_set_pubkey
	 * runs both: a tenth of an issuance's CPU with OpenSSL 3.0). */
	r = cn_pubkey_to_cert(x, req->subject_key);
	if (r != 0)
		goto out;
	/* BR 7.1.2.7.11: digitalSignature; keyEncipherment only for RSA. */
	ku = CA_KU_DIGITAL_SIGNATURE;
	if (EVP_PKEY_get_base_id(req->subject_key) == EVP_PKEY_RSA)
		ku |= CA_KU_KEY_ENCIPHERMENT;
	/* BR 7.1.2.7.12: the SAN is critical exactly when the subject is empty. */
	r = ca_build_san(x, gens, subject == NULL);
	if (r == 0)
		r = ca_build_key_usage(x, ku);
	if (r == 0)
		r = ca_build_eku_server_auth(x);
	if (r == 0)
		r = ca_build_basic_constraints(x, false, -1);
	if (r == 0)
		r = ca_build_aki(x, s->key_id, s->key_id_len);
	if (r == 0)
		r = ca_build_ski(x);
	if (r == 0 && (req->ocsp_url != NULL || req->aia_issuer_url != NULL))
		r = ca_build_aia(x, req->ocsp_url, req->aia_issuer_url);
	if (r == 0 && req->crl_url != NULL)
		r = ca_build_crl_dp(x, req->crl_url);
	if (r == 0)
		r = ca_build_policy_dv(x);
	if (r != 0)
		goto out;
	if (X509_sign(x, s->key, s->md) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "signing the certificate");
		goto out;
	}
	/* Check our own work before it leaves the signer. */
	if (X509_verify(x, X509_get0_pubkey(s->cert)) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "verifying the new certificate");
		goto out;
	}
	n = i2d_X509(x, &p);
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding the certificate");
		goto out;
	}
	ca_serial_hex(req->serial, req->serial_len, hex);
	CN_LOG(CN_LOG_INFO, "signer", "issued serial=%s names=%zu", hex,
	    req->n_dns + req->n_ip);
	*der = cn_xmemdup(p, (size_t)n);
	*der_len = (size_t)n;
	r = 0;
out:
	OPENSSL_free(p);
	X509_free(x);
	X509_NAME_free(subject);
	GENERAL_NAMES_free(gens);
	return r;
}
