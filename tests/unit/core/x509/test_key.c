/*
 * test_key.c - unit tests for src/core/x509/key.c: key type names, key
 * generation for every type, PKCS#8 PEM round trips (and refusal of
 * encrypted or broken PEM), atomic save/load with mode 0600, the SPKI
 * SHA-256 fingerprint against a value computed with the openssl CLI, the
 * canonical SubjectPublicKeyInfo against OpenSSL's encoder (and in a
 * certificate), EC keys from points against EVP_PKEY_fromdata, and the
 * subscriber key policy table (BR 6.1.5, 6.1.6), the point at infinity
 * included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "err.h"
#include "mem.h"
#include "x509/key.h"

/* A P-256 key; its fingerprint comes from
 * openssl pkey -pubout -outform DER | openssl dgst -sha256 -binary | basenc --base64url */
static const char fixed_pkcs8[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgTrLdRN6P9EVkmS8Q\n"
    "0qXrhJQykoqWQ9nseex/CKU2wbqhRANCAASA3NQ3uIpEDXM7C4xij2yuIaC7uf+U\n"
    "8Epj/PeFYzR9Dk+Qt3PR9cb9kibdipApdDlIiBVGTpuKAs+2zBtMyeOF\n"
    "-----END PRIVATE KEY-----\n";
static const char fixed_sec1[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIE6y3UTej/RFZJkvENKl64SUMpKKlkPZ7HnsfwilNsG6oAoGCCqGSM49\n"
    "AwEHoUQDQgAEgNzUN7iKRA1zOwuMYo9sriGgu7n/lPBKY/z3hWM0fQ5PkLdz0fXG\n"
    "/ZIm3YqQKXQ5SIgVRk6bigLPtswbTMnjhQ==\n"
    "-----END EC PRIVATE KEY-----\n";
static const char fixed_encrypted[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAg89OiINC+6GQICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEEfqDslPGmYKtXnMFl/lCY0EgZC8\n"
    "c0T7Oao55JCw0GsybWTNGAForiWzC2b0tybO6PmukI4wnQlLecR6Lp+fCYZipLRz\n"
    "CSoArjeKynhoAlWKPqgXf83X8W1CONeNqgTux9GjSCGpKs4F4e9Nu9uKsiI6A109\n"
    "AtqFlWrtcvVxLAZf+AQuxWs+F/0mxwiJ2ZwKNWmD9yFO+DYUGvKAbdHV578i8F0=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";
/* A P-256 public key with explicit curve parameters (BR 7.1.3.1.2 forbids). */
static const char explicit_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBSzCCAQMGByqGSM49AgEwgfcCAQEwLAYHKoZIzj0BAQIhAP////8AAAABAAAA\n"
    "AAAAAAAAAAAA////////////////MFsEIP////8AAAABAAAAAAAAAAAAAAAA////\n"
    "///////////8BCBaxjXYqjqT57PrvVV2mIa8ZR0GsMxTsPY7zjw+J9JgSwMVAMSd\n"
    "NgiG5wSTamZ44ROdJreBn36QBEEEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5\n"
    "RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9QIhAP////8AAAAA\n"
    "//////////+85vqtpxeehPO5ysL8YyVRAgEBA0IABJ8C12jmrPftpo0M5HRLLN1I\n"
    "WrXpy52NKLSDFWNjPaFWEWNn2EC7JZPmw7qT+5/Q5CEvMNXaCN+9GqhCM/Pkgg4=\n"
    "-----END PUBLIC KEY-----\n";
static const char fixed_fingerprint[] = "e6F3EViCFfBBuNTasLy8UVNYdzNPwQ747pP2ExR9K_c";

static void test_key_type_parse(void **state)
{
	static const struct {
		const char *name;
		int rc;
		enum cn_key_type t;
	} cases[] = {
		{"p256", 0, CN_KEY_P256},
		{"p384", 0, CN_KEY_P384},
		{"rsa2048", 0, CN_KEY_RSA2048},
		{"rsa3072", 0, CN_KEY_RSA3072},
		{"rsa4096", 0, CN_KEY_RSA4096},
		{"ed25519", 0, CN_KEY_ED25519},
		{"P256", CN_ERR_USAGE, 0},
		{"p521", CN_ERR_USAGE, 0},
		{"rsa1024", CN_ERR_USAGE, 0},
		{"", CN_ERR_USAGE, 0},
		{"p256 ", CN_ERR_USAGE, 0},
	};
	enum cn_key_type t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = CN_KEY_TYPE_MAX;
		assert_int_equal(cn_key_type_parse(cases[i].name, &t), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_int_equal(t, cases[i].t);
			assert_string_equal(cn_key_type_name(t), cases[i].name);
		} else {
			assert_int_equal(t, CN_KEY_TYPE_MAX);
		}
	}
	assert_string_equal(cn_key_type_name(CN_KEY_TYPE_MAX), "?");
}

/* Every type generates, round-trips through PKCS#8 PEM and has the size
 * and algorithm it names. */
static void test_key_generate_pem_roundtrip(void **state)
{
	static const struct {
		enum cn_key_type t;
		int id, bits;
	} cases[] = {
		{CN_KEY_P256, EVP_PKEY_EC, 256},
		{CN_KEY_P384, EVP_PKEY_EC, 384},
		{CN_KEY_RSA2048, EVP_PKEY_RSA, 2048},
		{CN_KEY_RSA3072, EVP_PKEY_RSA, 3072},
		{CN_KEY_RSA4096, EVP_PKEY_RSA, 4096},
		{CN_KEY_ED25519, EVP_PKEY_ED25519, 256},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *k = NULL, *back = NULL;
		char *pem = NULL;

		assert_int_equal(cn_key_generate(cases[i].t, &k), 0);
		assert_int_equal(EVP_PKEY_get_base_id(k), cases[i].id);
		assert_int_equal(EVP_PKEY_get_bits(k), cases[i].bits);
		assert_int_equal(cn_key_to_pem(k, &pem), 0);
		assert_true(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
		assert_int_equal(cn_key_from_pem(pem, strlen(pem), &back), 0);
		assert_int_equal(EVP_PKEY_eq(k, back), 1);
		cn_free_secret(pem, strlen(pem));
		EVP_PKEY_free(back);
		EVP_PKEY_free(k);
	}
	assert_int_equal(cn_key_generate(CN_KEY_TYPE_MAX, &(EVP_PKEY *){NULL}),
	    CN_ERR_USAGE);
}

static void test_key_from_pem_inputs(void **state)
{
	static const struct {
		const char *pem;
		int rc;
	} cases[] = {
		{fixed_pkcs8, 0},
		{fixed_sec1, 0},
		{fixed_encrypted, CN_ERR_BAD_KEY}, /* refused, never prompted */
		{"", CN_ERR_BAD_KEY},
		{"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		    CN_ERR_BAD_KEY},
		{"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgNzUN7iKRA1zOwuMYo9sriGgu7n/\n"
		 "lPBKY/z3hWM0fQ5PkLdz0fXG/ZIm3YqQKXQ5SIgVRk6bigLPtswbTMnjhQ==\n"
		 "-----END PUBLIC KEY-----\n", CN_ERR_BAD_KEY},
	};
	EVP_PKEY *first = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *k = NULL;

		assert_int_equal(cn_key_from_pem(cases[i].pem, strlen(cases[i].pem), &k),
		    cases[i].rc);
		if (cases[i].rc != 0) {
			assert_null(k);
			continue;
		}
		if (first == NULL)
			first = k;
		else {
			assert_int_equal(EVP_PKEY_eq(first, k), 1); /* same key, 2 forms */
			EVP_PKEY_free(k);
		}
	}
	EVP_PKEY_free(first);
}

static void test_pubkey_fingerprint(void **state)
{
	EVP_PKEY *k = NULL;
	char fp[44];

	(void)state;
	assert_int_equal(cn_key_from_pem(fixed_pkcs8, strlen(fixed_pkcs8), &k), 0);
	assert_int_equal(cn_pubkey_sha256_b64url(k, fp), 0);
	assert_string_equal(fp, fixed_fingerprint);
	EVP_PKEY_free(k);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_key_save_load(void **state)
{
	char dir[] = "/tmp/cairn-test-key-XXXXXX";
	char path[128], missing[128];
	EVP_PKEY *k = NULL, *k2 = NULL, *back = NULL;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	snprintf(missing, sizeof(missing), "%s/none.pem", dir);
	assert_int_equal(cn_key_generate(CN_KEY_P256, &k), 0);
	assert_int_equal(cn_key_save(path, k), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(cn_key_load(path, &back), 0);
	assert_int_equal(EVP_PKEY_eq(k, back), 1);
	EVP_PKEY_free(back);
	back = NULL;
	/* Replacing keeps one file and the new key. */
	assert_int_equal(cn_key_generate(CN_KEY_ED25519, &k2), 0);
	assert_int_equal(cn_key_save(path, k2), 0);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(cn_key_load(path, &back), 0);
	assert_int_equal(EVP_PKEY_eq(k2, back), 1);
	assert_int_not_equal(EVP_PKEY_eq(k, back), 1);
	EVP_PKEY_free(back);
	back = NULL;
	assert_int_equal(cn_key_load(missing, &back), CN_ERR_NOT_FOUND);
	assert_null(back);
	/* A file that is not a key. */
	assert_int_equal(cn_key_save(missing, k), 0);
	assert_int_equal(truncate(missing, 20), 0);
	assert_int_equal(cn_key_load(missing, &back), CN_ERR_BAD_KEY);
	assert_non_null(strstr(cn_err_detail(), "none.pem"));
	unlink(missing);
	unlink(path);
	rmdir(dir);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static EVP_PKEY *rsa_key_alg(const char *alg, unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	BIGNUM *bn = BN_new();
	EVP_PKEY *k = NULL;

	assert_non_null(ctx);
	assert_non_null(bn);
	assert_int_equal(BN_set_word(bn, e), 1);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &k), 1);
	BN_free(bn);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static EVP_PKEY *rsa_key(unsigned bits, unsigned long e)
{
	return rsa_key_alg("RSA", bits, e);
}

static void test_key_policy(void **state)
{
	static const struct {
		const char *what;
		int rc;
		const char *detail; /* substring of the detail */
	} cases[] = {
		{"rsa1024", CN_ERR_BAD_KEY, "1024 bits"},
		{"rsa2048", 0, NULL},
		{"rsa2048e3", CN_ERR_BAD_KEY, "65537"},
		{"rsa3072", 0, NULL},
		{"rsa2056", 0, NULL},          /* a multiple of 8 */
		{"rsa2052", CN_ERR_BAD_KEY, "multiple of 8"},
		{"p256", 0, NULL},
		{"p384", 0, NULL},
		{"p521", CN_ERR_BAD_KEY, "P-256 or P-384"},
		{"secp256k1", CN_ERR_BAD_KEY, "P-256 or P-384"},
		{"ed25519", CN_ERR_BAD_KEY, "Ed25519"},
		{"ed448", CN_ERR_BAD_KEY, "not accepted"},
		{"rsapss", CN_ERR_BAD_KEY, "RSASSA-PSS"},
		{"explicit", CN_ERR_BAD_KEY, "explicit"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *w = cases[i].what;
		EVP_PKEY *k = NULL;

		if (strcmp(w, "rsa1024") == 0)
			k = rsa_key(1024, 65537);
		else if (strcmp(w, "rsa2048") == 0)
			k = rsa_key(2048, 65537);
		else if (strcmp(w, "rsa2048e3") == 0)
			k = rsa_key(2048, 3);
		else if (strcmp(w, "rsa3072") == 0)
			k = rsa_key(3072, 65537);
		else if (strcmp(w, "rsa2056") == 0)
			k = rsa_key(2056, 65537);
		else if (strcmp(w, "rsa2052") == 0)
			k = rsa_key(2052, 65537);
		else if (strcmp(w, "p256") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		else if (strcmp(w, "p384") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		else if (strcmp(w, "p521") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
		else if (strcmp(w, "secp256k1") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
		else if (strcmp(w, "ed25519") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		else if (strcmp(w, "ed448") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
		else if (strcmp(w, "rsapss") == 0)
			k = rsa_key_alg("RSA-PSS", 2048, 65537);
		else if (strcmp(w, "explicit") == 0) {
			BIO *bio = BIO_new_mem_buf(explicit_pub, -1);

			k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
			BIO_free(bio);
		}
		if (k == NULL)
			fail_msg("%s: key generation failed", w);
		cn_err_clear();
		if (cn_key_policy_check(k) != cases[i].rc)
			fail_msg("%s: got %d (%s)", w, cn_key_policy_check(k),
			    cn_err_detail());
		if (cases[i].detail != NULL && strstr(cn_err_detail(), cases[i].detail) == NULL)
			fail_msg("%s: detail \"%s\"", w, cn_err_detail());
		EVP_PKEY_free(k);
	}
	assert_int_equal(cn_key_policy_check(NULL), CN_ERR_BAD_KEY);
}


/* i2d_PUBKEY's bytes: OpenSSL's encoder, the reference. */
static unsigned char *ref_spki(EVP_PKEY *k, size_t *len)
{
	unsigned char *p = NULL;
	int n = i2d_PUBKEY(k, &p);

	assert_true(n > 0);
	*len = (size_t)n;
	return p;
}

/* The key decoded from the SPKI with its point in form (02/03 compressed, 06/07 hybrid). */
static EVP_PKEY *ec_key_in_form(EVP_PKEY *k, const char *form)
{
	EVP_PKEY *d = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	int n;

	d = EVP_PKEY_dup(k);
	assert_non_null(d);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(d,
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, form), 1);
	n = i2d_PUBKEY(d, &der);
	assert_true(n > 0);
	EVP_PKEY_free(d);
	p = der;
	d = d2i_PUBKEY(NULL, &p, n);
	assert_non_null(d);
	OPENSSL_free(der);
	return d;
}

static void test_pubkey_spki_der(void **state)
{
	static const char *const what[] = {"P-256", "P-384", "P-521", "secp256k1", "rsa2048",
	    "rsa2056", "ed25519"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		EVP_PKEY *k = NULL, *c = NULL;
		unsigned char *der = NULL, *ref = NULL, *cder = NULL;
		size_t len = 0, ref_len = 0, clen = 0;
		char fp[44], cfp[44];

		if (strncmp(what[i], "rsa", 3) == 0)
			k = rsa_key((unsigned)strtoul(what[i] + 3, NULL, 10), 65537);
		else if (strcmp(what[i], "ed25519") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		else
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", what[i]);
		assert_non_null(k);
		ref = ref_spki(k, &ref_len);
		assert_int_equal(cn_pubkey_spki_der(k, &der, &len), 0);
		if (len != ref_len || memcmp(der, ref, len) != 0)
			fail_msg("%s: SPKI differs from i2d_PUBKEY's", what[i]);
		if (strncmp(what[i], "P-", 2) == 0) {
			/* compressed and hybrid points come out uncompressed */
			static const char *const forms[] = {"compressed", "hybrid"};
			size_t f;

			assert_int_equal(cn_pubkey_sha256_b64url(k, fp), 0);
			for (f = 0; f < 2; f++) {
				c = ec_key_in_form(k, forms[f]);
				assert_int_equal(cn_pubkey_spki_der(c, &cder, &clen), 0);
				if (clen != ref_len || memcmp(cder, ref, clen) != 0)
					fail_msg("%s %s: not written uncompressed", what[i], forms[f]);
				assert_int_equal(cn_pubkey_sha256_b64url(c, cfp), 0);
				assert_string_equal(fp, cfp);
				free(cder);
				cder = NULL;
				EVP_PKEY_free(c);
				c = NULL;
			}
		}
		free(der);
		OPENSSL_free(ref);
		EVP_PKEY_free(k);
	}
}

/* The key set into a certificate: its SPKI, what signing and hashing see. */
static void test_pubkey_to_cert(void **state)
{
	static const char *const what[] = {"P-256", "P-384", "rsa2048", "ed25519"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		EVP_PKEY *k = NULL, *other = NULL, *ca = NULL;
		X509 *x = NULL, *back = NULL;
		unsigned char *ref = NULL, *got = NULL, *der = NULL;
		const unsigned char *p;
		size_t ref_len = 0;
		int n;

		if (strcmp(what[i], "rsa2048") == 0)
			k = rsa_key(2048, 65537);
		else if (strcmp(what[i], "ed25519") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		else
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", what[i]);
		ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		assert_non_null(k);
		assert_non_null(ca);
		ref = ref_spki(k, &ref_len);
		x = X509_new();
		assert_non_null(x);
		assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
		assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
		assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
		    MBSTRING_ASC, (const unsigned char *)"t", -1, -1, 0), 1);
		assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)), 1);
		assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
		assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
		assert_int_equal(cn_pubkey_to_cert(x, k), 0);
		n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &got);
		assert_int_equal((size_t)n, ref_len);
		assert_memory_equal(got, ref, ref_len);
		if (strcmp(what[i], "ed25519") == 0) {
			assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(x), k), 1);
		} else {
			assert_null(X509_get0_pubkey(x));
			ERR_clear_error();
		}
		/* signed, encoded and decoded, it holds k */
		assert_true(X509_sign(x, ca, EVP_sha256()) > 0);
		n = i2d_X509(x, &der);
		assert_true(n > 0);
		p = der;
		back = d2i_X509(NULL, &p, n);
		assert_non_null(back);
		assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(back), k), 1);
		assert_int_equal(X509_verify(back, ca), 1);
		/* a certificate that holds a key already gets the new one */
		other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		assert_int_equal(cn_pubkey_to_cert(back, other), 0);
		assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(back), other), 1);
		OPENSSL_free(got);
		OPENSSL_free(der);
		OPENSSL_free(ref);
		X509_free(back);
		X509_free(x);
		EVP_PKEY_free(other);
		EVP_PKEY_free(ca);
		EVP_PKEY_free(k);
	}
}

/* Points of every form give the key EVP_PKEY_fromdata gives; it verifies. */
static void test_ec_pubkey_from_point(void **state)
{
	static const struct {
		const char *group;
		int nid;
	} curves[] = {
		{"P-256", NID_X9_62_prime256v1},
		{"P-384", NID_secp384r1},
		{"P-521", NID_secp521r1},
	};
	static const char *const forms[] = {"uncompressed", "compressed", "hybrid"};
	static const unsigned char msg[] = "cairn";
	size_t i, f;

	(void)state;
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i].group);
		EVP_PKEY *pub = NULL, *fd = NULL;
		EVP_PKEY_CTX *ctx = NULL;
		EVP_MD_CTX *md = NULL;
		unsigned char pt[200], sig[160];
		size_t n = 0, sig_len = sizeof(sig);
		OSSL_PARAM params[3];

		assert_non_null(k);
		for (f = 0; f < 3; f++) {
			EVP_PKEY *d = EVP_PKEY_dup(k);

			assert_int_equal(EVP_PKEY_set_utf8_string_param(d,
			    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, forms[f]), 1);
			assert_int_equal(EVP_PKEY_get_octet_string_param(d,
			    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n), 1);
			EVP_PKEY_free(d);
			assert_int_equal(cn_ec_pubkey_from_point(curves[i].nid, pt, n, &pub), 0);
			assert_int_equal(EVP_PKEY_eq(pub, k), 1);
			assert_int_equal(EVP_PKEY_get_bits(pub), EVP_PKEY_get_bits(k));
			assert_int_equal(cn_key_policy_check(pub),
			    curves[i].nid == NID_secp521r1 ? CN_ERR_BAD_KEY : 0);
			if (f == 0) {
				/* the same key as the one EVP_PKEY_fromdata makes */
				ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
				params[0] = OSSL_PARAM_construct_utf8_string(
				    OSSL_PKEY_PARAM_GROUP_NAME, (char *)curves[i].group, 0);
				params[1] = OSSL_PARAM_construct_octet_string(
				    OSSL_PKEY_PARAM_PUB_KEY, pt, n);
				params[2] = OSSL_PARAM_construct_end();
				assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
				assert_int_equal(EVP_PKEY_fromdata(ctx, &fd, EVP_PKEY_PUBLIC_KEY,
				    params), 1);
				assert_int_equal(EVP_PKEY_eq(pub, fd), 1);
				EVP_PKEY_free(fd);
				fd = NULL;
				EVP_PKEY_CTX_free(ctx);
				/* a signature by k verifies with it */
				md = EVP_MD_CTX_new();
				assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k), 1);
				assert_int_equal(EVP_DigestSign(md, sig, &sig_len, msg, sizeof(msg)), 1);
				EVP_MD_CTX_free(md);
				md = EVP_MD_CTX_new();
				assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
				    pub), 1);
				assert_int_equal(EVP_DigestVerify(md, sig, sig_len, msg, sizeof(msg)), 1);
				EVP_MD_CTX_free(md);
				/* a point off the curve, a cut one, another curve's nid */
				pt[n - 1] ^= 1;
				assert_int_equal(cn_ec_pubkey_from_point(curves[i].nid, pt, n,
				    &fd), CN_ERR_BAD_KEY);
				pt[n - 1] ^= 1;
				assert_int_equal(cn_ec_pubkey_from_point(curves[i].nid, pt, n - 1,
				    &fd), CN_ERR_BAD_KEY);
				assert_int_equal(cn_ec_pubkey_from_point(curves[(i + 1) % 3].nid, pt,
				    n, &fd), CN_ERR_BAD_KEY);
				assert_null(fd);
			}
			EVP_PKEY_free(pub);
			pub = NULL;
		}
		EVP_PKEY_free(k);
	}
	assert_int_equal(cn_ec_pubkey_from_point(NID_secp256k1, (const unsigned char *)"\4", 1,
	    &(EVP_PKEY *){NULL}), CN_ERR_BAD_KEY);
	assert_int_equal(cn_ec_pubkey_from_point(NID_X9_62_prime256v1, NULL, 0,
	    &(EVP_PKEY *){NULL}), CN_ERR_BAD_KEY);
}

/* The point at infinity decodes, and the (quick) policy check refuses it. */
static void test_key_policy_infinity(void **state)
{
	static const unsigned char inf[] = {0x00};
	EVP_PKEY *k = NULL;
	int r;

	(void)state;
	r = cn_ec_pubkey_from_point(NID_X9_62_prime256v1, inf, sizeof(inf), &k);
	if (r == 0) {
		assert_int_equal(cn_key_policy_check(k), CN_ERR_BAD_KEY);
		EVP_PKEY_free(k);
	} else {
		assert_int_equal(r, CN_ERR_BAD_KEY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_type_parse),
		cmocka_unit_test(test_key_generate_pem_roundtrip),
		cmocka_unit_test(test_key_from_pem_inputs),
		cmocka_unit_test(test_pubkey_fingerprint),
		cmocka_unit_test(test_key_save_load),
		cmocka_unit_test(test_key_policy),
		cmocka_unit_test(test_pubkey_spki_der),
		cmocka_unit_test(test_pubkey_to_cert),
		cmocka_unit_test(test_ec_pubkey_from_point),
		cmocka_unit_test(test_key_policy_infinity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
