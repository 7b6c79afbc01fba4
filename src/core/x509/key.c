/*
 * key.c - key generation, PKCS#8 PEM I/O, the SPKI SHA-256 fingerprint and
 * the subscriber key policy (CA/B Forum BR 6.1.5 key sizes, 6.1.6 public key
 * parameters and quality checking, 7.1.3.1 SubjectPublicKeyInfo).
 *
 * Left out: encrypted PEM, PKCS#11 keys (later, through the signer).
 */
#include "x509/key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "b64url.h"
#include "file.h"
#include "mem.h"

/* BR 6.1.5: at least 2048 bits; our upper bound keeps verification cheap. */
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192

static const char *const key_type_names[CN_KEY_TYPE_MAX] = {
	[CN_KEY_P256] = "p256",
	[CN_KEY_P384] = "p384",
	[CN_KEY_RSA2048] = "rsa2048",
	[CN_KEY_RSA3072] = "rsa3072",
	[CN_KEY_RSA4096] = "rsa4096",
	[CN_KEY_ED25519] = "ed25519",
};

int cn_key_type_parse(const char *name, enum cn_key_type *out)
{
	int i;

	for (i = 0; i < CN_KEY_TYPE_MAX; i++) {
		if (strcmp(name, key_type_names[i]) == 0) {
			*out = (enum cn_key_type)i;
			return 0;
		}
	}
	return cn_err_set(CN_ERR_USAGE,
	    "unknown key type \"%.32s\" (p256, p384, rsa2048, rsa3072, rsa4096, "
	    "ed25519)", name);
}

const char *cn_key_type_name(enum cn_key_type t)
{
	if ((int)t < 0 || t >= CN_KEY_TYPE_MAX)
		return "?";
	return key_type_names[t];
}

int cn_key_generate(enum cn_key_type t, EVP_PKEY **out)
{
	EVP_PKEY *k = NULL;

	switch (t) {
	case CN_KEY_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case CN_KEY_P384:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case CN_KEY_RSA2048:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case CN_KEY_RSA3072:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case CN_KEY_RSA4096:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	case CN_KEY_ED25519:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		return cn_err_set(CN_ERR_USAGE, "unknown key type %d", (int)t);
	}
	if (k == NULL)
		return cn_err_openssl(CN_ERR_CRYPTO, "EVP_PKEY_Q_keygen");
	*out = k;
	return 0;
}

int cn_key_to_pem(EVP_PKEY *k, char **pem)
{
	BIO *bio = NULL;
	BUF_MEM *mem = NULL;
	char *s = NULL;
	int r;

	/* A secure-heap memory BIO: it is wiped when freed. */
	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "BIO_new");
		goto out;
	}
	/* OpenSSL 3 writes PrivateKeyInfo (PKCS#8) for every key type. */
	if (PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "PEM_write_bio_PrivateKey");
		goto out;
	}
	BIO_get_mem_ptr(bio, &mem);
	if (mem == NULL || mem->length == 0) {
		r = cn_err_set(CN_ERR_CRYPTO, "empty PEM output");
		goto out;
	}
	s = cn_xstrndup(mem->data, mem->length);
	*pem = s;
	r = 0;
out:
	BIO_free(bio);
	return r;
}

/* Refuses encrypted PEM instead of prompting on the terminal. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int cn_key_from_pem(const char *pem, size_t len, EVP_PKEY **out)
{
	BIO *bio = NULL;
	EVP_PKEY *k = NULL;
	int r;

	if (len > CN_KEY_MAX_PEM) {
		r = cn_err_set(CN_ERR_TOO_BIG, "private key PEM larger than %d bytes",
		    CN_KEY_MAX_PEM);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "BIO_new_mem_buf");
		goto out;
	}
	k = PEM_read_bio_PrivateKey_ex(bio, NULL, no_password, NULL, NULL, NULL);
	if (k == NULL) {
		r = cn_err_openssl(CN_ERR_BAD_KEY, "reading a PEM private key");
		goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	EVP_PKEY_free(k);
	BIO_free(bio);
	return r;
}

int cn_key_save(const char *path, EVP_PKEY *k)
{
	char *pem = NULL;
	int r;

	r = cn_key_to_pem(k, &pem);
	if (r != 0)
		goto out;
	r = cn_file_write_atomic(path, pem, strlen(pem), 0600);
out:
	if (pem != NULL)
		cn_free_secret(pem, strlen(pem));
	return r;
}

int cn_key_load(const char *path, EVP_PKEY **out)
{
	char *pem = NULL;
	size_t len = 0;
	int r;

	r = cn_file_read(path, CN_KEY_MAX_PEM, &pem, &len);
	if (r != 0)
		goto out;
	r = cn_key_from_pem(pem, len, out);
	if (r != 0) {
		char detail[256];

		snprintf(detail, sizeof(detail), "%s", cn_err_detail());
		r = cn_err_set(r, "%s: %s", path, detail);
	}
out:
	cn_free_secret(pem, len);
	return r;
}

int cn_pubkey_sha256_b64url(EVP_PKEY *k, char out[44])
{
	unsigned char *der = NULL;
	unsigned char md[32];
	unsigned int md_len = 0;
	char *b64 = NULL;
	int der_len;
	int r;

	der_len = i2d_PUBKEY(k, &der);
	if (der_len <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "i2d_PUBKEY");
		goto out;
	}
	if (EVP_Digest(der, (size_t)der_len, md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len != sizeof(md)) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_Digest");
		goto out;
	}
	b64 = cn_b64url_encode(md, sizeof(md));
	memcpy(out, b64, 44); /* 43 characters and the NUL */
	r = 0;
out:
	OPENSSL_free(der);
	free(b64);
	return r;
}

/* BR 6.1.6 (SP 800-89 / SP 800-56A checks) through the provider's validator. */
static int key_public_check(EVP_PKEY *k)
{
	EVP_PKEY_CTX *ctx = NULL;
	int r;

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (ctx == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_PKEY_CTX_new_from_pkey");
		goto out;
	}
	if (EVP_PKEY_public_check(ctx) != 1) {
		r = cn_err_openssl(CN_ERR_BAD_KEY, "public key validation");
		goto out;
	}
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int rsa_policy(EVP_PKEY *k)
{
	BIGNUM *e = NULL;
	int bits = EVP_PKEY_get_bits(k);
	int r;

	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS || bits % 8 != 0) {
		r = cn_err_set(CN_ERR_BAD_KEY,
		    "RSA key of %d bits: must be %d to %d bits, a multiple of 8",
		    bits, RSA_MIN_BITS, RSA_MAX_BITS);
		goto out;
	}
	if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		r = cn_err_openssl(CN_ERR_BAD_KEY, "reading the RSA exponent");
		goto out;
	}
	if (!BN_is_word(e, 65537)) {
		r = cn_err_set(CN_ERR_BAD_KEY, "RSA public exponent must be 65537");
		goto out;
	}
	r = key_public_check(k);
out:
	BN_free(e);
	return r;
}

static int ec_policy(EVP_PKEY *k)
{
	char group[64] = "";
	char enc[32] = "";
	size_t n = 0;
	int nid;

	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
	    sizeof(group), &n) != 1) {
		ERR_clear_error();
		return cn_err_set(CN_ERR_BAD_KEY, "EC key without a named curve");
	}
	nid = OBJ_txt2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1)
		return cn_err_set(CN_ERR_BAD_KEY,
		    "EC curve %s is not accepted (P-256 or P-384 only)", group);
	/* BR 7.1.3.1.2: the namedCurve encoding, never explicit parameters. */
	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING, enc,
	    sizeof(enc), &n) == 1 &&
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
		return cn_err_set(CN_ERR_BAD_KEY,
		    "EC key with explicit curve parameters");
	ERR_clear_error();
	return key_public_check(k);
}

int cn_key_policy_check(EVP_PKEY *k)
{
	if (k == NULL)
		return cn_err_set(CN_ERR_BAD_KEY, "no public key");
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		return rsa_policy(k);
	case EVP_PKEY_EC:
		return ec_policy(k);
	case EVP_PKEY_ED25519:
		return cn_err_set(CN_ERR_BAD_KEY,
		    "Ed25519 keys are not accepted in certificates (BR 6.1.5)");
	case EVP_PKEY_RSA_PSS:
		return cn_err_set(CN_ERR_BAD_KEY,
		    "RSASSA-PSS keys are not accepted (BR 7.1.3.1.1): use rsaEncryption");
	default:
		return cn_err_set(CN_ERR_BAD_KEY, "key type %s is not accepted",
		    OBJ_nid2sn(EVP_PKEY_get_base_id(k)));
	}
}
