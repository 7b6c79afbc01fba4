/*
 * test_key.c - unit tests for src/core/x509/key.c: key type names, key
 * generation for every type, PKCS#8 PEM round trips (and refusal of
 * encrypted or broken PEM), atomic save/load with mode 0600, the SPKI
 * SHA-256 fingerprint against a value computed with the openssl CLI, and
 * the subscriber key policy table (BR 6.1.5, 6.1.6).
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
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_type_parse),
		cmocka_unit_test(test_key_generate_pem_roundtrip),
		cmocka_unit_test(test_key_from_pem_inputs),
		cmocka_unit_test(test_pubkey_fingerprint),
		cmocka_unit_test(test_key_save_load),
		cmocka_unit_test(test_key_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
