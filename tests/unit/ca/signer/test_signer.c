/*
 * test_signer.c - unit tests for src/ca/signer/ (pki.c, signer.c, build.c):
 * the first-start PKI in a fresh directory (files, modes, profiles, chain),
 * restarts that change nothing, partial and inconsistent directories,
 * subscriber certificates checked field by field with OpenSSL and verified
 * to the root with purpose sslserver, the profile checks on requests,
 * signature algorithms per CA key type, CSPRNG serials, the API TLS files,
 * and issuance from four threads at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "file.h"
#include "mem.h"
#include "signer/signer.h"
#include "x509/cert.h"
#include "x509/key.h"

static const char *const pki_files[] = {
	"root.pem", "root-key.pem", "intermediate.pem", "intermediate-key.pem",
	"api-ca.pem", "api-ca-key.pem", "api-cert.pem", "api-key.pem",
};
#define N_PKI_FILES (sizeof(pki_files) / sizeof(pki_files[0]))

#define ISSUER_URL "http://127.0.0.1:22180/issuer"
#define OCSP_URL "http://127.0.0.1:22180/ocsp"
#define CRL_URL "http://127.0.0.1:22180/crl/1"

struct fixture {
	char dir[64];
	struct ca_signer *signer;
	X509 *root, *inter;
	EVP_PKEY *p256, *rsa, *p384;
};

static struct fixture *fx;

static void path_of(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static X509 *load_cert(const char *dir, const char *name)
{
	STACK_OF(X509) *certs = NULL;
	char path[160];
	char *pem = NULL;
	size_t len = 0;
	X509 *x;

	path_of(path, sizeof(path), dir, name);
	assert_int_equal(cn_file_read(path, 1 << 20, &pem, &len), 0);
	assert_int_equal(cn_pem_certs_parse(pem, len, &certs), 0);
	assert_int_equal(sk_X509_num(certs), 1);
	x = sk_X509_shift(certs);
	sk_X509_free(certs);
	free(pem);
	return x;
}

static void make_tmpdir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/cairn-test-signer-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
	char path[160];
	size_t i;

	for (i = 0; i < N_PKI_FILES; i++) {
		path_of(path, sizeof(path), dir, pki_files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int group_setup(void **state)
{
	(void)state;
	fx = calloc(1, sizeof(*fx));
	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/cairn-test-signer-XXXXXX");
	if (mkdtemp(fx->dir) == NULL ||
	    ca_pki_init(fx->dir, CN_KEY_P256, NULL, 0) != 0 ||
	    ca_signer_open(fx->dir, &fx->signer) != 0 ||
	    cn_key_generate(CN_KEY_P256, &fx->p256) != 0 ||
	    cn_key_generate(CN_KEY_P384, &fx->p384) != 0 ||
	    cn_key_generate(CN_KEY_RSA2048, &fx->rsa) != 0) {
		fprintf(stderr, "setup: %s\n", cn_err_detail());
		return -1;
	}
	fx->root = load_cert(fx->dir, "root.pem");
	fx->inter = load_cert(fx->dir, "intermediate.pem");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ca_signer_free(fx->signer);
	X509_free(fx->root);
	X509_free(fx->inter);
	EVP_PKEY_free(fx->p256);
	EVP_PKEY_free(fx->p384);
	EVP_PKEY_free(fx->rsa);
	remove_dir(fx->dir);
	free(fx);
	return 0;
}

/* X509_verify_cert of leaf with the root trusted and inter untrusted,
 * purpose sslserver, and optionally a host name or IP to match. */
static int verify_chain(X509 *root, X509 *inter, X509 *leaf, const char *host,
    const char *ip)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int ok, err;

	assert_non_null(store);
	assert_non_null(ctx);
	assert_non_null(untrusted);
	assert_int_equal(X509_STORE_add_cert(store, root), 1);
	if (inter != NULL)
		assert_true(sk_X509_push(untrusted, inter) > 0);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, untrusted), 1);
	assert_int_equal(X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER), 1);
	if (host != NULL)
		assert_int_equal(X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx),
		    host, 0), 1);
	if (ip != NULL)
		assert_int_equal(X509_VERIFY_PARAM_set1_ip_asc(X509_STORE_CTX_get0_param(ctx),
		    ip), 1);
	ok = X509_verify_cert(ctx);
	err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return ok == 1 ? 0 : err == 0 ? -1 : err;
}

static int64_t cert_time(const ASN1_TIME *t)
{
	int64_t v = 0;

	assert_int_equal(cn_asn1_time_to_unix(t, &v), 0);
	return v;
}

/* ---- the PKI ------------------------------------------------------------ */

static void test_pki_files(void **state)
{
	X509 *api_ca = load_cert(fx->dir, "api-ca.pem");
	X509 *api = load_cert(fx->dir, "api-cert.pem");
	char path[160], cn[128];
	struct stat st;
	size_t i;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	for (i = 0; i < N_PKI_FILES; i++) {
		path_of(path, sizeof(path), fx->dir, pki_files[i]);
		assert_int_equal(stat(path, &st), 0);
		if (strstr(pki_files[i], "key") != NULL)
			assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* Root: self-signed CA, 20 years, name with a random suffix. */
	assert_int_equal(X509_check_issued(fx->root, fx->root), X509_V_OK);
	assert_int_equal(X509_verify(fx->root, X509_get0_pubkey(fx->root)), 1);
	assert_int_equal(X509_check_ca(fx->root), 1);
	assert_true(X509_get_extension_flags(fx->root) & EXFLAG_SS);
	assert_int_equal(X509_get_key_usage(fx->root), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_non_null(X509_get0_subject_key_id(fx->root));
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(fx->root),
	    NID_commonName, cn, sizeof(cn)) == 20);
	assert_true(strncmp(cn, "cairn Root CA ", 14) == 0);
	assert_true(cert_time(X509_get0_notAfter(fx->root)) - now > 7300LL * 86400);
	assert_true(cert_time(X509_get0_notBefore(fx->root)) <= now);
	/* Intermediate: signed by the root, pathLen 0, serverAuth, 8 years. */
	assert_int_equal(X509_check_issued(fx->root, fx->inter), X509_V_OK);
	assert_int_equal(X509_verify(fx->inter, X509_get0_pubkey(fx->root)), 1);
	assert_int_equal(X509_check_ca(fx->inter), 1);
	assert_int_equal(X509_get_pathlen(fx->inter), 0);
	assert_int_equal(X509_get_extended_key_usage(fx->inter), XKU_SSL_SERVER);
	assert_int_equal(X509_get_key_usage(fx->inter),
	    KU_DIGITAL_SIGNATURE | KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(fx->inter),
	    X509_get0_subject_key_id(fx->root)), 0);
	assert_true(cert_time(X509_get0_notAfter(fx->inter)) - now > 2900LL * 86400);
	assert_true(cert_time(X509_get0_notAfter(fx->inter)) - now < 2930LL * 86400);
	assert_int_equal(verify_chain(fx->root, NULL, fx->inter, NULL, NULL), 0);
	/* API: its own CA, default names, not under the ACME root. */
	assert_int_equal(X509_verify(api, X509_get0_pubkey(api_ca)), 1);
	assert_int_equal(verify_chain(api_ca, NULL, api, "localhost", NULL), 0);
	assert_int_equal(verify_chain(api_ca, NULL, api, NULL, "127.0.0.1"), 0);
	assert_int_equal(verify_chain(api_ca, NULL, api, NULL, "::1"), 0);
	assert_int_not_equal(verify_chain(fx->root, fx->inter, api, NULL, NULL), 0);
	assert_int_equal(X509_check_ca(api), 0);
	assert_true(cert_time(X509_get0_notAfter(api)) - now <= 366LL * 86400);
	X509_free(api_ca);
	X509_free(api);
}

static char **read_all(const char *dir)
{
	char **v = cn_xcalloc(N_PKI_FILES, sizeof(char *));
	char path[160];
	size_t i;

	for (i = 0; i < N_PKI_FILES; i++) {
		path_of(path, sizeof(path), dir, pki_files[i]);
		assert_int_equal(cn_file_read(path, 1 << 20, &v[i], NULL), 0);
	}
	return v;
}

static void free_all(char **v)
{
	size_t i;

	for (i = 0; i < N_PKI_FILES; i++)
		free(v[i]);
	free(v);
}

static void test_pki_restart_changes_nothing(void **state)
{
	const char *names[] = {"other.example", "192.0.2.1"};
	char **before = read_all(fx->dir), **after;
	size_t i;

	(void)state;
	assert_int_equal(ca_pki_init(fx->dir, CN_KEY_RSA2048, names, 2), 0);
	assert_int_equal(ca_pki_init(fx->dir, CN_KEY_P256, NULL, 0), 0);
	after = read_all(fx->dir);
	for (i = 0; i < N_PKI_FILES; i++)
		assert_string_equal(before[i], after[i]);
	free_all(before);
	free_all(after);
}

static void copy_file(const char *dir, const char *from, const char *to)
{
	char p[160];
	char *data = NULL;
	size_t len = 0;

	path_of(p, sizeof(p), dir, from);
	assert_int_equal(cn_file_read(p, 1 << 20, &data, &len), 0);
	path_of(p, sizeof(p), dir, to);
	assert_int_equal(cn_file_write_atomic(p, data, len, 0600), 0);
	free(data);
}

static void rm(const char *dir, const char *name)
{
	char p[160];

	path_of(p, sizeof(p), dir, name);
	assert_int_equal(unlink(p), 0);
}

static void test_pki_partial_and_inconsistent(void **state)
{
	const char *bad_names[] = {"localhost", "bad name"};
	char dir[64];
	char **before, **after;
	X509 *root, *inter;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	assert_int_equal(ca_pki_init(dir, CN_KEY_ED25519, NULL, 0), CN_ERR_USAGE);
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, bad_names, 2), CN_ERR_USAGE);
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, NULL, 0), 0);
	before = read_all(dir);

	/* A lost intermediate is made again under the same root. */
	rm(dir, "intermediate.pem");
	rm(dir, "intermediate-key.pem");
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, NULL, 0), 0);
	after = read_all(dir);
	assert_string_equal(before[0], after[0]);
	assert_string_equal(before[1], after[1]);
	assert_string_not_equal(before[2], after[2]);
	root = load_cert(dir, "root.pem");
	inter = load_cert(dir, "intermediate.pem");
	assert_int_equal(verify_chain(root, NULL, inter, NULL, NULL), 0);
	X509_free(root);
	X509_free(inter);
	free_all(before);
	free_all(after);

	/* A leftover key without its certificate is replaced. */
	rm(dir, "api-cert.pem");
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, NULL, 0), 0);

	/* The root key may go offline once the intermediate exists. */
	copy_file(dir, "root-key.pem", "root-key.pem.saved");
	rm(dir, "root-key.pem");
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, NULL, 0), 0);
	/* ...but then a missing intermediate cannot be made. */
	copy_file(dir, "intermediate.pem", "intermediate.pem.saved");
	rm(dir, "intermediate.pem");
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, NULL, 0), CN_ERR_IO);
	assert_non_null(strstr(cn_err_detail(), "root-key.pem"));
	copy_file(dir, "intermediate.pem.saved", "intermediate.pem");
	copy_file(dir, "root-key.pem.saved", "root-key.pem");
	rm(dir, "intermediate.pem.saved");
	rm(dir, "root-key.pem.saved");

	/* A key that does not match its certificate. */
	copy_file(dir, "intermediate-key.pem", "intermediate-key.pem.saved");
	copy_file(dir, "api-key.pem", "intermediate-key.pem");
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, NULL, 0), CN_ERR_IO);
	assert_non_null(strstr(cn_err_detail(), "does not match"));
	copy_file(dir, "intermediate-key.pem.saved", "intermediate-key.pem");
	rm(dir, "intermediate-key.pem.saved");

	/* A child not signed by its CA. */
	copy_file(dir, "api-ca.pem", "api-ca.pem.saved");
	copy_file(dir, "root.pem", "api-ca.pem");
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, NULL, 0), CN_ERR_IO);
	assert_non_null(strstr(cn_err_detail(), "not signed by"));
	copy_file(dir, "api-ca.pem.saved", "api-ca.pem");
	rm(dir, "api-ca.pem.saved");

	/* A child without its parent. */
	rm(dir, "root.pem");
	assert_int_equal(ca_pki_init(dir, CN_KEY_P256, NULL, 0), CN_ERR_IO);
	assert_non_null(strstr(cn_err_detail(), "root.pem is missing"));
	remove_dir(dir);
}

static void test_pki_api_tls(void **state)
{
	const char *names[] = {"ACME.Example", "192.0.2.10", "2001:db8::10"};
	char dir[64];
	char *cert_pem = NULL, *key_pem = NULL;
	STACK_OF(X509) *certs = NULL;
	EVP_PKEY *key = NULL;
	X509 *api_ca;

	(void)state;
	assert_int_equal(ca_pki_api_tls(fx->dir, &cert_pem, &key_pem), 0);
	assert_int_equal(cn_pem_certs_parse(cert_pem, strlen(cert_pem), &certs), 0);
	assert_int_equal(sk_X509_num(certs), 1); /* the API CA is not included */
	assert_true(strncmp(key_pem, "-----BEGIN PRIVATE KEY-----", 27) == 0);
	assert_int_equal(cn_key_from_pem(key_pem, strlen(key_pem), &key), 0);
	assert_int_equal(X509_check_private_key(sk_X509_value(certs, 0), key), 1);
	sk_X509_pop_free(certs, X509_free);
	certs = NULL;
	EVP_PKEY_free(key);
	key = NULL;
	free(cert_pem);
	cn_free_secret(key_pem, strlen(key_pem));

	/* Configured names, RSA keys. */
	make_tmpdir(dir, sizeof(dir));
	assert_int_equal(ca_pki_api_tls(dir, &cert_pem, &key_pem), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_pki_init(dir, CN_KEY_RSA2048, names, 3), 0);
	assert_int_equal(ca_pki_api_tls(dir, &cert_pem, &key_pem), 0);
	assert_int_equal(cn_pem_certs_parse(cert_pem, strlen(cert_pem), &certs), 0);
	api_ca = load_cert(dir, "api-ca.pem");
	assert_int_equal(verify_chain(api_ca, NULL, sk_X509_value(certs, 0),
	    "acme.example", NULL), 0);
	assert_int_equal(verify_chain(api_ca, NULL, sk_X509_value(certs, 0), NULL,
	    "2001:db8::10"), 0);
	assert_int_equal(verify_chain(api_ca, NULL, sk_X509_value(certs, 0),
	    "localhost", NULL), X509_V_ERR_HOSTNAME_MISMATCH);
	assert_int_equal(X509_get_key_usage(sk_X509_value(certs, 0)),
	    KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(EVP_PKEY_get_base_id(X509_get0_pubkey(api_ca)), EVP_PKEY_RSA);
	X509_free(api_ca);
	sk_X509_pop_free(certs, X509_free);
	free(cert_pem);
	cn_free_secret(key_pem, strlen(key_pem));
	remove_dir(dir);
}

/* ---- issuing ------------------------------------------------------------ */

static void issue_ok(struct ca_signer *s, const struct ca_issue_req *req, X509 **out)
{
	unsigned char *der = NULL;
	size_t len = 0;

	if (ca_signer_issue(s, req, &der, &len) != 0)
		fail_msg("issue: %s", cn_err_detail());
	assert_int_equal(cn_cert_from_der(der, len, out), 0);
	free(der);
}

static bool gens_has(GENERAL_NAMES *gens, int type, const void *data, int len)
{
	int i, t;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const ASN1_STRING *v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i),
		    &t);

		if (t == type && ASN1_STRING_length(v) == len &&
		    memcmp(ASN1_STRING_get0_data(v), data, (size_t)len) == 0)
			return true;
	}
	return false;
}

static void check_aia(X509 *x)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	int i, ocsp = 0, issuers = 0;

	assert_non_null(aia);
	assert_int_equal(sk_ACCESS_DESCRIPTION_num(aia), 2);
	for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		const char *url;

		assert_int_equal(ad->location->type, GEN_URI);
		url = (const char *)ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier);
		if (OBJ_obj2nid(ad->method) == NID_ad_OCSP) {
			assert_string_equal(url, OCSP_URL);
			ocsp++;
		} else if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers) {
			assert_string_equal(url, ISSUER_URL);
			issuers++;
		}
	}
	assert_int_equal(ocsp, 1);
	assert_int_equal(issuers, 1);
	AUTHORITY_INFO_ACCESS_free(aia);
}

static void check_crl_dp_and_policy(X509 *x)
{
	CRL_DIST_POINTS *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(x, NID_certificate_policies, NULL,
	    NULL);
	DIST_POINT *dp;
	GENERAL_NAME *g;
	char oid[64];

	assert_non_null(dps);
	assert_int_equal(sk_DIST_POINT_num(dps), 1);
	dp = sk_DIST_POINT_value(dps, 0);
	assert_null(dp->reasons);
	assert_null(dp->CRLissuer);
	assert_int_equal(dp->distpoint->type, 0);
	g = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
	assert_int_equal(g->type, GEN_URI);
	assert_string_equal((const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
	    CRL_URL);
	assert_non_null(pols);
	assert_int_equal(sk_POLICYINFO_num(pols), 1);
	OBJ_obj2txt(oid, sizeof(oid), sk_POLICYINFO_value(pols, 0)->policyid, 1);
	assert_string_equal(oid, "2.23.140.1.2.1");
	assert_null(sk_POLICYINFO_value(pols, 0)->qualifiers);
	CRL_DIST_POINTS_free(dps);
	CERTIFICATEPOLICIES_free(pols);
}

static int ext_critical(X509 *x, int nid)
{
	int idx = X509_get_ext_by_NID(x, nid, -1);

	assert_true(idx >= 0);
	return X509_EXTENSION_get_critical(X509_get_ext(x, idx));
}

/* One full certificate, checked field by field. */
/* The certificate's SubjectPublicKeyInfo is the one OpenSSL's encoder
 * writes for key (uncompressed point, named curve / NULL parameters), and
 * its SKI the SHA-1 of that key (RFC 5280 4.2.1.2 method 1). */
static void check_spki(X509 *x, EVP_PKEY *key)
{
	unsigned char *got = NULL, *want = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
	int n, m;

	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &got);
	m = i2d_PUBKEY(key, &want);
	assert_true(n > 0);
	assert_int_equal(n, m);
	assert_memory_equal(got, want, (size_t)n);
	assert_int_equal(X509_pubkey_digest(x, EVP_sha1(), md, &md_len), 1);
	assert_non_null(ski);
	assert_int_equal(ASN1_STRING_length(ski), (int)md_len);
	assert_memory_equal(ASN1_STRING_get0_data(ski), md, md_len);
	OPENSSL_free(got);
	OPENSSL_free(want);
}

/* A key decoded from a compressed point is certified uncompressed (RFC
 * 5480 2.2: the form every implementation supports). */
static void test_issue_compressed_key(void **state)
{
	const char *dns[] = {"a.example"};
	unsigned char serial[CA_SERIAL_LEN], *der = NULL;
	const unsigned char *p;
	EVP_PKEY *c = NULL;
	X509 *x = NULL;
	struct ca_issue_req req = {
		.dns_names = dns, .n_dns = 1,
		.serial = serial, .serial_len = sizeof(serial),
		.not_before = (int64_t)time(NULL), .not_after = (int64_t)time(NULL) + 86400,
	};
	int n;

	(void)state;
	c = EVP_PKEY_dup(fx->p256);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(c,
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"), 1);
	n = i2d_PUBKEY(c, &der);
	assert_int_equal(n, 59); /* 33-octet point */
	EVP_PKEY_free(c);
	p = der;
	c = d2i_PUBKEY(NULL, &p, n);
	assert_non_null(c);
	req.subject_key = c;
	assert_int_equal(ca_serial_new(serial), 0);
	issue_ok(fx->signer, &req, &x);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(x), fx->p256), 1);
	check_spki(x, fx->p256); /* fx->p256 is uncompressed */
	assert_int_equal(X509_verify(x, X509_get0_pubkey(fx->inter)), 1);
	X509_free(x);
	EVP_PKEY_free(c);
	OPENSSL_free(der);
}

static void test_issue_profile(void **state)
{
	static const struct {
		const char *what;
		int key; /* 0 p256, 1 rsa, 2 p384 */
		const char *cn;
		unsigned ku;
	} cases[] = {
		{"P-256 with CN", 0, "Example.COM", KU_DIGITAL_SIGNATURE},
		{"RSA without CN", 1, NULL, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT},
		{"P-384 with IP CN", 2, "2001:DB8::7", KU_DIGITAL_SIGNATURE},
	};
	const char *dns[] = {"example.com", "WWW.example.com"};
	const char *ips[] = {"192.0.2.7", "2001:db8::7"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *key = cases[i].key == 0 ? fx->p256 : cases[i].key == 1 ? fx->rsa :
		    fx->p384;
		unsigned char serial[CA_SERIAL_LEN];
		char want_hex[48], got_hex[48];
		int64_t now = (int64_t)time(NULL);
		struct ca_issue_req req = {
			.subject_key = key,
			.dns_names = dns, .n_dns = 2,
			.ip_addrs = ips, .n_ip = 2,
			.common_name = cases[i].cn,
			.serial = serial, .serial_len = sizeof(serial),
			.not_before = now - 3600, .not_after = now + 40 * 86400,
			.aia_issuer_url = ISSUER_URL, .ocsp_url = OCSP_URL,
			.crl_url = CRL_URL,
		};
		GENERAL_NAMES *gens;
		BASIC_CONSTRAINTS *bc;
		unsigned char *issuer_der = NULL, *inter_subject_der = NULL;
		int crit = -1, n1, n2;
		X509 *x = NULL;
		char cn[128];

		assert_int_equal(ca_serial_new(serial), 0);
		issue_ok(fx->signer, &req, &x);

		/* Signature and chain. */
		assert_int_equal(X509_verify(x, X509_get0_pubkey(fx->inter)), 1);
		assert_int_equal(verify_chain(fx->root, fx->inter, x, "www.example.com",
		    NULL), 0);
		assert_int_equal(verify_chain(fx->root, fx->inter, x, NULL, "192.0.2.7"), 0);
		assert_int_equal(verify_chain(fx->root, fx->inter, x, "other.example",
		    NULL), X509_V_ERR_HOSTNAME_MISMATCH);
		assert_int_equal(verify_chain(fx->root, NULL, x, NULL, NULL),
		    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
		assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);

		/* Version, serial, validity, issuer byte for byte. */
		assert_int_equal(X509_get_version(x), X509_VERSION_3);
		ca_serial_hex(serial, sizeof(serial), want_hex);
		assert_int_equal(cn_cert_serial_hex(x, got_hex), 0);
		assert_string_equal(got_hex, want_hex);
		assert_int_equal(strlen(got_hex), 32);
		assert_true(cert_time(X509_get0_notBefore(x)) == req.not_before);
		assert_true(cert_time(X509_get0_notAfter(x)) == req.not_after);
		n1 = i2d_X509_NAME(X509_get_issuer_name(x), &issuer_der);
		n2 = i2d_X509_NAME(X509_get_subject_name(fx->inter), &inter_subject_der);
		assert_int_equal(n1, n2);
		assert_memory_equal(issuer_der, inter_subject_der, (size_t)n1);
		OPENSSL_free(issuer_der);
		OPENSSL_free(inter_subject_der);
		assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(x), key), 1);
		check_spki(x, key);

		/* Subject and SAN. */
		gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
		assert_non_null(gens);
		assert_int_equal(sk_GENERAL_NAME_num(gens), 4);
		assert_true(gens_has(gens, GEN_DNS, "example.com", 11));
		assert_true(gens_has(gens, GEN_DNS, "www.example.com", 15));
		assert_true(gens_has(gens, GEN_IPADD, "\xc0\x00\x02\x07", 4));
		assert_true(gens_has(gens, GEN_IPADD,
		    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07", 16));
		GENERAL_NAMES_free(gens);
		if (cases[i].cn != NULL) {
			assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 1);
			assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
			    NID_commonName, cn, sizeof(cn)) > 0);
			assert_string_equal(cn, i == 0 ? "example.com" : "2001:db8::7");
			assert_int_equal(crit, 0);
		} else {
			assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 0);
			assert_int_equal(crit, 1); /* empty subject: SAN critical */
		}

		/* Key usages and constraints. */
		assert_int_equal(X509_get_key_usage(x), cases[i].ku);
		assert_int_equal(ext_critical(x, NID_key_usage), 1);
		assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_SERVER);
		assert_int_equal(ext_critical(x, NID_ext_key_usage), 0);
		bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
		assert_non_null(bc);
		assert_int_equal(bc->ca, 0);
		assert_null(bc->pathlen);
		assert_int_equal(crit, 1);
		BASIC_CONSTRAINTS_free(bc);
		assert_int_equal(X509_check_ca(x), 0);

		/* Key identifiers, AIA, CRL DP, policy; nothing else. */
		assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
		    X509_get0_subject_key_id(fx->inter)), 0);
		assert_null(X509_get0_authority_issuer(x));
		assert_null(X509_get0_authority_serial(x));
		assert_non_null(X509_get0_subject_key_id(x));
		assert_int_not_equal(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(x),
		    X509_get0_subject_key_id(fx->inter)), 0);
		check_aia(x);
		check_crl_dp_and_policy(x);
		assert_int_equal(X509_get_ext_count(x), 9);
		X509_free(x);
	}
}

static void test_issue_minimal(void **state)
{
	const char *dns[] = {"a.example", "A.EXAMPLE"};
	unsigned char serial[CA_SERIAL_LEN];
	struct ca_issue_req req = {
		.subject_key = fx->p256, .dns_names = dns, .n_dns = 2,
		.serial = serial, .serial_len = sizeof(serial),
		.not_before = (int64_t)time(NULL), .not_after = (int64_t)time(NULL) + 86400,
	};
	GENERAL_NAMES *gens;
	X509 *x = NULL;

	(void)state;
	assert_int_equal(ca_serial_new(serial), 0);
	issue_ok(fx->signer, &req, &x);
	/* No URLs: no AIA, no CRL DP; 7 extensions. */
	assert_int_equal(X509_get_ext_by_NID(x, NID_info_access, -1), -1);
	assert_int_equal(X509_get_ext_by_NID(x, NID_crl_distribution_points, -1), -1);
	assert_int_equal(X509_get_ext_count(x), 7);
	/* The repeated name appears once. */
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_non_null(gens);
	assert_int_equal(sk_GENERAL_NAME_num(gens), 1);
	GENERAL_NAMES_free(gens);
	X509_free(x);
}

static void test_issue_rejects(void **state)
{
	static const struct {
		const char *what;
		int rc;
		int key;                  /* 0 p256, 1 ed25519, 2 CA key, 3 none */
		const char *dns;          /* one name or NULL */
		const char *ip;
		const char *cn;
		const char *serial;
		size_t serial_len;
		int64_t nb, na; /* relative to now */
		const char *url;
	} cases[] = {
		{"Ed25519 key", CN_ERR_BAD_KEY, 1, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"the CA's own key", CN_ERR_BAD_KEY, 2, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"no key", CN_ERR_BAD_KEY, 3, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"no names", CN_ERR_REJECTED_ID, 0, NULL, NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"bad host name", CN_ERR_REJECTED_ID, 0, "a_b.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"trailing dot", CN_ERR_REJECTED_ID, 0, "a.example.", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"bad IP", CN_ERR_REJECTED_ID, 0, NULL, "192.0.2", NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"CN not a name", CN_ERR_BAD_CSR, 0, "a.example", NULL, "b.example",
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"CN too long", CN_ERR_BAD_CSR, 0,
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", NULL,
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"serial too short", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08", 8, 0, 100, NULL},
		{"serial too long", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
		    "\x11\x12\x13\x14\x15", 21, 0, 100, NULL},
		{"serial negative", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x81\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"serial not minimal", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x00\x82\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, NULL},
		{"validity reversed", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 100, 100, NULL},
		{"notBefore 49 hours back", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, -49 * 3600, 100, NULL},
		{"notBefore 49 hours ahead", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 49 * 3600,
		    50 * 3600, NULL},
		{"399 days", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 399 * 86400, NULL},
		{"https URL", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, "https://a.example/"},
		{"URL with space", CN_ERR_INTERNAL, 0, "a.example", NULL, NULL,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, "http://a.example/ x"},
		{"control", 0, 0, "a.example", NULL, "A.example",
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0, 100, "http://a.example/"},
	};
	EVP_PKEY *ed = NULL, *ca_key = NULL;
	int64_t now = (int64_t)time(NULL);
	char path[160];
	size_t i;

	(void)state;
	assert_int_equal(cn_key_generate(CN_KEY_ED25519, &ed), 0);
	path_of(path, sizeof(path), fx->dir, "intermediate-key.pem");
	assert_int_equal(cn_key_load(path, &ca_key), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *dns[1] = {cases[i].dns}, *ips[1] = {cases[i].ip};
		struct ca_issue_req req = {
			.subject_key = cases[i].key == 0 ? fx->p256 : cases[i].key == 1 ? ed :
			    cases[i].key == 2 ? ca_key : NULL,
			.dns_names = dns, .n_dns = cases[i].dns != NULL,
			.ip_addrs = ips, .n_ip = cases[i].ip != NULL,
			.common_name = cases[i].cn,
			.serial = (const unsigned char *)cases[i].serial,
			.serial_len = cases[i].serial_len,
			.not_before = now + cases[i].nb, .not_after = now + cases[i].na,
			.aia_issuer_url = cases[i].url,
		};
		unsigned char *der = NULL;
		size_t len = 0;
		int rc;

		rc = ca_signer_issue(fx->signer, &req, &der, &len);
		if (rc != cases[i].rc)
			fail_msg("%s: got %d (%s)", cases[i].what, rc, cn_err_detail());
		if (rc != 0)
			assert_null(der);
		free(der);
	}
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ca_key);
}

/* BR 6.3.2 as a table of its own: the longest validity on a given day. */
static int64_t br_max_validity_days(int64_t t)
{
	if (t < 1773532800) /* 2026-03-15 */
		return 398;
	if (t < 1805068800) /* 2027-03-15 */
		return 200;
	if (t < 1868227200) /* 2029-03-15 */
		return 100;
	return 47;
}

static void test_issue_validity_limit(void **state)
{
	const char *dns[] = {"a.example"};
	unsigned char serial[CA_SERIAL_LEN];
	int64_t now = (int64_t)time(NULL);
	int64_t nb = now - 47 * 3600;
	struct ca_issue_req req = {
		.subject_key = fx->p256, .dns_names = dns, .n_dns = 1,
		.serial = serial, .serial_len = sizeof(serial), .not_before = nb,
		/* the longest allowed: both ends count (RFC 5280 4.1.2.5) */
		.not_after = nb + br_max_validity_days(now) * 86400 - 1,
	};
	unsigned char *der = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(ca_serial_new(serial), 0);
	assert_int_equal(ca_signer_issue(fx->signer, &req, &der, &len), 0);
	free(der);
	der = NULL;
	req.not_after++;
	assert_int_equal(ca_signer_issue(fx->signer, &req, &der, &len), CN_ERR_INTERNAL);
	assert_non_null(strstr(cn_err_detail(), "BR 6.3.2"));
	assert_null(der);
}

/* The signature algorithm follows the CA key (BR 7.1.3.2). */
static void test_issue_per_ca_key_type(void **state)
{
	static const struct {
		enum cn_key_type type;
		int sig_nid;
	} cases[] = {
		{CN_KEY_P384, NID_ecdsa_with_SHA384},
		{CN_KEY_RSA2048, NID_sha256WithRSAEncryption},
	};
	const char *dns[] = {"a.example"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[64];
		struct ca_signer *s = NULL;
		unsigned char serial[CA_SERIAL_LEN];
		struct ca_issue_req req = {
			.subject_key = fx->rsa, .dns_names = dns, .n_dns = 1,
			.serial = serial, .serial_len = sizeof(serial),
			.not_before = (int64_t)time(NULL),
			.not_after = (int64_t)time(NULL) + 86400,
		};
		X509 *root, *inter, *x = NULL;

		make_tmpdir(dir, sizeof(dir));
		assert_int_equal(ca_pki_init(dir, cases[i].type, NULL, 0), 0);
		assert_int_equal(ca_signer_open(dir, &s), 0);
		assert_int_equal(ca_serial_new(serial), 0);
		issue_ok(s, &req, &x);
		root = load_cert(dir, "root.pem");
		inter = load_cert(dir, "intermediate.pem");
		assert_int_equal(X509_get_signature_nid(x), cases[i].sig_nid);
		assert_int_equal(X509_get_signature_nid(inter), cases[i].sig_nid);
		assert_int_equal(X509_verify(x, X509_get0_pubkey(inter)), 1);
		assert_int_equal(verify_chain(root, NULL, inter, NULL, NULL), 0);
		X509_free(root);
		X509_free(inter);
		X509_free(x);
		ca_signer_free(s);
		remove_dir(dir);
	}
}

static void test_signer_accessors(void **state)
{
	char path[160];
	char *pem = NULL;
	const unsigned char *der;
	size_t len = 0;
	X509 *x = NULL;
	struct ca_signer *s = NULL;
	char dir[64];

	(void)state;
	path_of(path, sizeof(path), fx->dir, "intermediate.pem");
	assert_int_equal(cn_file_read(path, 1 << 20, &pem, NULL), 0);
	assert_string_equal(ca_signer_chain_pem(fx->signer), pem);
	free(pem);
	der = ca_signer_issuer_der(fx->signer, &len);
	assert_int_equal(cn_cert_from_der(der, len, &x), 0);
	assert_int_equal(X509_cmp(x, fx->inter), 0);
	assert_int_equal(X509_cmp(ca_signer_issuer_cert(fx->signer), fx->inter), 0);
	assert_int_equal(EVP_PKEY_eq(ca_signer_issuer_pubkey(fx->signer),
	    X509_get0_pubkey(fx->inter)), 1);
	X509_free(x);
	make_tmpdir(dir, sizeof(dir));
	assert_int_equal(ca_signer_open(dir, &s), CN_ERR_NOT_FOUND);
	assert_null(s);
	remove_dir(dir);
	ca_signer_free(NULL);
}

static void test_serials(void **state)
{
	enum { N = 2000 };
	unsigned char (*serials)[CA_SERIAL_LEN] = calloc(N, CA_SERIAL_LEN);
	unsigned seen_high = 0;
	char hex[48];
	size_t i, j;

	(void)state;
	assert_non_null(serials);
	for (i = 0; i < N; i++) {
		assert_int_equal(ca_serial_new(serials[i]), 0);
		assert_true(serials[i][0] >= 0x01 && serials[i][0] <= 0x7f);
		seen_high |= serials[i][0];
	}
	assert_int_equal(seen_high, 0x7f); /* every usable bit of byte 0 varies */
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			assert_memory_not_equal(serials[i], serials[j], CA_SERIAL_LEN);
	ca_serial_hex((const unsigned char *)"\x00\xab\x7f", 3, hex);
	assert_string_equal(hex, "00ab7f");
	free(serials);
}

/* ---- concurrency -------------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 25

struct worker {
	pthread_t tid;
	int idx;
	int failures;
	unsigned char serials[PER_THREAD][CA_SERIAL_LEN];
	X509 *certs[PER_THREAD];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[64];
	const char *dns[] = {name};
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		struct ca_issue_req req = {
			.subject_key = w->idx % 2 ? fx->rsa : fx->p256,
			.dns_names = dns, .n_dns = 1, .common_name = name,
			.serial = w->serials[i], .serial_len = CA_SERIAL_LEN,
			.not_before = (int64_t)time(NULL) - 60,
			.not_after = (int64_t)time(NULL) + 86400,
			.aia_issuer_url = ISSUER_URL, .ocsp_url = OCSP_URL,
		};
		unsigned char *der = NULL;
		size_t len = 0;

		snprintf(name, sizeof(name), "t%d-%d.example", w->idx, i);
		if (ca_serial_new(w->serials[i]) != 0 ||
		    ca_signer_issue(fx->signer, &req, &der, &len) != 0 ||
		    cn_cert_from_der(der, len, &w->certs[i]) != 0)
			w->failures++;
		free(der);
	}
	return NULL;
}

static void test_issue_concurrent(void **state)
{
	struct worker w[THREADS];
	char want[48], got[48], name[64];
	int t, i;

	(void)state;
	memset(w, 0, sizeof(w));
	for (t = 0; t < THREADS; t++) {
		w[t].idx = t;
		assert_int_equal(pthread_create(&w[t].tid, NULL, worker_main, &w[t]), 0);
	}
	for (t = 0; t < THREADS; t++)
		assert_int_equal(pthread_join(w[t].tid, NULL), 0);
	for (t = 0; t < THREADS; t++) {
		assert_int_equal(w[t].failures, 0);
		for (i = 0; i < PER_THREAD; i++) {
			X509 *x = w[t].certs[i];

			snprintf(name, sizeof(name), "t%d-%d.example", t, i);
			assert_non_null(x);
			assert_int_equal(verify_chain(fx->root, fx->inter, x, name, NULL), 0);
			ca_serial_hex(w[t].serials[i], CA_SERIAL_LEN, want);
			assert_int_equal(cn_cert_serial_hex(x, got), 0);
			assert_string_equal(got, want);
			assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(x), t % 2 ? fx->rsa :
			    fx->p256), 1);
			X509_free(x);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pki_files),
		cmocka_unit_test(test_pki_restart_changes_nothing),
		cmocka_unit_test(test_pki_partial_and_inconsistent),
		cmocka_unit_test(test_pki_api_tls),
		cmocka_unit_test(test_issue_profile),
		cmocka_unit_test(test_issue_minimal),
		cmocka_unit_test(test_issue_compressed_key),
		cmocka_unit_test(test_issue_rejects),
		cmocka_unit_test(test_issue_validity_limit),
		cmocka_unit_test(test_issue_per_ca_key_type),
		cmocka_unit_test(test_signer_accessors),
		cmocka_unit_test(test_serials),
		cmocka_unit_test(test_issue_concurrent),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
