/*
 * key.c - key generation, PKCS#8 PEM I/O, canonical SubjectPublicKeyInfo
 * encoding (RFC 5280 4.1.2.7, RFC 5480 2, RFC 3279 2.3.1) and its SHA-256
 * fingerprint, EC public keys from points, and the subscriber key policy
 * (CA/B Forum BR 6.1.5 key sizes, 6.1.6 public key parameters and quality
 * checking, 7.1.3.1 SubjectPublicKeyInfo).
 *
 * With OpenSSL 3.0 every OSSL_ENCODER or OSSL_DECODER context costs more
 * than an ECDSA verification (bench/README.md), and EVP_PKEY_fromdata builds
 * the curve's group each time; the SubjectPublicKeyInfo of EC and RSA keys is
 * therefore written here from the key's parameters, and EC keys are made
 * from points by copying a group made once.
 *
 * Left out: encrypted PEM, PKCS#11 keys (later, through the signer).
 */
#include "x509/key.h"

#include <pthread.h>
#include <stdbool.h>
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
#include <openssl/params.h>
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

/* The curves with a fast path (cn_ec_pubkey_from_point, SPKI building):
 * NIST P-256, P-384 and P-521 (RFC 5480 section 2.1.1.1). */
static const struct {
	int nid;
	size_t coord; /* octets per coordinate */
} ec_curves[] = {
	{NID_X9_62_prime256v1, 32},
	{NID_secp384r1, 48},
	{NID_secp521r1, 66},
};
#define EC_CURVES (sizeof(ec_curves) / sizeof(ec_curves[0]))
#define EC_MAX_POINT (1 + 2 * 66)

static int ec_curve_index(int nid)
{
	size_t i;

	for (i = 0; i < EC_CURVES; i++)
		if (ec_curves[i].nid == nid)
			return (int)i;
	return -1;
}

/* The NID of an EC key's named curve, NID_undef when it has none; its name
 * in group[size] ("" when none). */
static int ec_key_curve_named(EVP_PKEY *k, char *group, size_t size)
{
	size_t n = 0;
	int nid;

	group[0] = '\0';
	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
	    size, &n) != 1) {
		ERR_clear_error();
		group[0] = '\0';
		return NID_undef;
	}
	nid = OBJ_txt2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	return nid;
}

static int ec_key_curve(EVP_PKEY *k)
{
	char group[64];

	return ec_key_curve_named(k, group, sizeof(group));
}

/* True when an EC key is to be encoded with explicit curve parameters. */
static bool ec_key_explicit(EVP_PKEY *k)
{
	char enc[32] = "";
	size_t n = 0;

	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING, enc,
	    sizeof(enc), &n) != 1) {
		ERR_clear_error();
		return false;
	}
	return strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0;
}

/*
 * The parts of a canonical SubjectPublicKeyInfo: the algorithm, its
 * parameter (a curve, or NULL for RSA) and the subjectPublicKey octets.
 * alg is NID_undef for keys left to OpenSSL's encoder.
 */
struct spki_parts {
	int alg;
	int curve;
	unsigned char *key; /* OPENSSL_malloc'd */
	size_t key_len;
};

/* RFC 5480 2.2: the uncompressed point 04 || X || Y. */
static int ec_spki_parts(EVP_PKEY *k, int curve, struct spki_parts *out)
{
	unsigned char pt[EC_MAX_POINT];
	size_t n = 0, coord = ec_curves[ec_curve_index(curve)].coord;
	BIGNUM *x = NULL, *y = NULL;
	int r;

	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt,
	    sizeof(pt), &n) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "reading the EC public key");
		goto out;
	}
	if (n != 1 + 2 * coord || pt[0] != POINT_CONVERSION_UNCOMPRESSED) {
		/* decoded from a compressed or hybrid point: write it uncompressed */
		if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
		    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1 ||
		    BN_bn2binpad(x, pt + 1, (int)coord) < 0 ||
		    BN_bn2binpad(y, pt + 1 + coord, (int)coord) < 0) {
			r = cn_err_openssl(CN_ERR_CRYPTO, "reading the EC public point");
			goto out;
		}
		pt[0] = POINT_CONVERSION_UNCOMPRESSED;
		n = 1 + 2 * coord;
	}
	out->alg = NID_X9_62_id_ecPublicKey;
	out->curve = curve;
	out->key = OPENSSL_memdup(pt, n);
	out->key_len = n;
	r = out->key != NULL ? 0 : cn_err_set(CN_ERR_CRYPTO, "out of memory");
out:
	BN_free(x);
	BN_free(y);
	return r;
}

/* DER length octets (X.690 8.1.3) of len at p (NULL: only count them). */
static size_t der_len(unsigned char *p, size_t len)
{
	size_t n = 0, i, v;

	if (len < 0x80) {
		if (p != NULL)
			p[0] = (unsigned char)len;
		return 1;
	}
	for (v = len; v > 0; v >>= 8)
		n++;
	if (p != NULL) {
		p[0] = (unsigned char)(0x80 | n);
		for (i = 0, v = len; i < n; i++, v >>= 8)
			p[n - i] = (unsigned char)(v & 0xff);
	}
	return 1 + n;
}

/* Contents octets of a non-negative INTEGER (X.690 8.3): minimal, with a
 * leading zero when the top bit is set. */
static size_t der_uint_len(const BIGNUM *bn)
{
	size_t n = (size_t)BN_num_bytes(bn);

	if (n == 0)
		return 1;
	return BN_num_bits(bn) % 8 == 0 ? n + 1 : n;
}

static unsigned char *der_put_uint(unsigned char *p, const BIGNUM *bn)
{
	size_t n = der_uint_len(bn);

	*p++ = V_ASN1_INTEGER;
	p += der_len(p, n);
	/* BN_bn2binpad writes the leading zero octet(s) */
	BN_bn2binpad(bn, p, (int)n);
	return p + n;
}

/* RFC 3279 2.3.1: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }. */
static int rsa_spki_parts(EVP_PKEY *k, struct spki_parts *out)
{
	BIGNUM *n = NULL, *e = NULL;
	unsigned char *der = NULL, *p;
	size_t body, total;
	int r;

	if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "reading the RSA public key");
		goto out;
	}
	if (BN_is_negative(n) || BN_is_negative(e)) {
		r = cn_err_set(CN_ERR_CRYPTO, "negative RSA public key parameter");
		goto out;
	}
	body = 1 + der_len(NULL, der_uint_len(n)) + der_uint_len(n) +
	    1 + der_len(NULL, der_uint_len(e)) + der_uint_len(e);
	total = 1 + der_len(NULL, body) + body;
	der = OPENSSL_malloc(total);
	if (der == NULL) {
		r = cn_err_set(CN_ERR_CRYPTO, "out of memory");
		goto out;
	}
	p = der;
	*p++ = V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED;
	p += der_len(p, body);
	p = der_put_uint(p, n);
	der_put_uint(p, e);
	out->alg = NID_rsaEncryption;
	out->curve = NID_undef;
	out->key = der;
	out->key_len = total;
	der = NULL;
	r = 0;
out:
	OPENSSL_free(der);
	BN_free(n);
	BN_free(e);
	return r;
}

/* The canonical parts of k; out->alg NID_undef for other kinds of keys. */
static int spki_parts(EVP_PKEY *k, struct spki_parts *out)
{
	int curve;

	memset(out, 0, sizeof(*out));
	out->alg = NID_undef;
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_EC:
		curve = ec_key_curve(k);
		if (ec_curve_index(curve) < 0 || ec_key_explicit(k))
			return 0;
		return ec_spki_parts(k, curve, out);
	case EVP_PKEY_RSA:
		return rsa_spki_parts(k, out);
	default:
		return 0;
	}
}

/* Moves the parts into pub (its algorithm and subjectPublicKey). */
static int spki_parts_set(X509_PUBKEY *pub, struct spki_parts *parts)
{
	void *param = parts->curve != NID_undef ? OBJ_nid2obj(parts->curve) : NULL;
	int ptype = parts->curve != NID_undef ? V_ASN1_OBJECT : V_ASN1_NULL;

	if (X509_PUBKEY_set0_param(pub, OBJ_nid2obj(parts->alg), ptype, param,
	    parts->key, (int)parts->key_len) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "X509_PUBKEY_set0_param");
	parts->key = NULL; /* pub's now */
	return 0;
}

int cn_pubkey_spki_der(EVP_PKEY *k, unsigned char **der, size_t *len)
{
	struct spki_parts parts;
	X509_PUBKEY *pub = NULL;
	unsigned char *p = NULL;
	int n, r;

	r = spki_parts(k, &parts);
	if (r != 0)
		goto out;
	if (parts.alg == NID_undef) {
		n = i2d_PUBKEY(k, &p);
	} else {
		pub = X509_PUBKEY_new();
		if (pub == NULL) {
			r = cn_err_openssl(CN_ERR_CRYPTO, "X509_PUBKEY_new");
			goto out;
		}
		r = spki_parts_set(pub, &parts);
		if (r != 0)
			goto out;
		n = i2d_X509_PUBKEY(pub, &p);
	}
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding a SubjectPublicKeyInfo");
		goto out;
	}
	*der = cn_xmemdup(p, (size_t)n);
	*len = (size_t)n;
	r = 0;
out:
	OPENSSL_free(parts.key);
	OPENSSL_free(p);
	X509_PUBKEY_free(pub);
	return r;
}

int cn_pubkey_sha256_b64url(EVP_PKEY *k, char out[44])
{
	unsigned char *der = NULL;
	unsigned char md[32];
	unsigned int md_len = 0;
	size_t der_len_ = 0;
	char *b64 = NULL;
	int r;

	r = cn_pubkey_spki_der(k, &der, &der_len_);
	if (r != 0)
		goto out;
	if (EVP_Digest(der, der_len_, md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len != sizeof(md)) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_Digest");
		goto out;
	}
	b64 = cn_b64url_encode(md, sizeof(md));
	memcpy(out, b64, 44); /* 43 characters and the NUL */
	r = 0;
out:
	free(der);
	free(b64);
	return r;
}

int cn_pubkey_to_cert(X509 *x, EVP_PKEY *k)
{
	struct spki_parts parts;
	EVP_PKEY *held;
	int r;

	ERR_set_mark();
	held = X509_get0_pubkey(x);
	ERR_pop_to_mark();
	r = held == NULL ? spki_parts(k, &parts) : 0;
	if (r != 0)
		return r;
	if (held != NULL || parts.alg == NID_undef) {
		if (X509_set_pubkey(x, k) != 1)
			return cn_err_openssl(CN_ERR_CRYPTO, "X509_set_pubkey");
		return 0;
	}
	r = spki_parts_set(X509_get_X509_PUBKEY(x), &parts);
	OPENSSL_free(parts.key);
	return r;
}

/* Keys holding only a curve, one per fast-path curve, made once; new keys
 * copy their group from these. */
static EVP_PKEY *ec_templates[EC_CURVES];
static pthread_once_t ec_templates_once = PTHREAD_ONCE_INIT;

/* A public key at the curve's generator: any valid key of the curve will do. */
static EVP_PKEY *ec_template(int nid)
{
	EC_GROUP *g = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	unsigned char pt[EC_MAX_POINT];
	OSSL_PARAM params[3];
	size_t n;

	g = EC_GROUP_new_by_curve_name(nid);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (g == NULL || ctx == NULL)
		goto out;
	n = EC_POINT_point2oct(g, EC_GROUP_get0_generator(g), POINT_CONVERSION_UNCOMPRESSED,
	    pt, sizeof(pt), NULL);
	if (n == 0)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)OBJ_nid2sn(nid), 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, n);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	EC_GROUP_free(g);
	return k;
}

static void ec_templates_init(void)
{
	size_t i;

	for (i = 0; i < EC_CURVES; i++)
		ec_templates[i] = ec_template(ec_curves[i].nid);
}

int cn_ec_pubkey_from_point(int nid, const unsigned char *point, size_t len, EVP_PKEY **out)
{
	EVP_PKEY *k = NULL;
	int i, r;

	i = ec_curve_index(nid);
	if (i < 0) {
		r = cn_err_set(CN_ERR_BAD_KEY, "EC curve %s has no fast path",
		    nid != NID_undef ? OBJ_nid2sn(nid) : "?");
		goto out;
	}
	pthread_once(&ec_templates_once, ec_templates_init);
	if (ec_templates[i] == NULL) {
		r = cn_err_set(CN_ERR_CRYPTO, "cannot make a %s key", OBJ_nid2sn(nid));
		goto out;
	}
	k = EVP_PKEY_new();
	if (k == NULL || EVP_PKEY_copy_parameters(k, ec_templates[i]) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "copying the EC group");
		goto out;
	}
	/* EC_KEY_oct2key underneath: the point must decode and be on the curve. */
	if (len == 0 || len > EC_MAX_POINT ||
	    EVP_PKEY_set_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
	    point, len) != 1) {
		r = cn_err_openssl(CN_ERR_BAD_KEY, "decoding the EC public point");
		goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	EVP_PKEY_free(k);
	return r;
}

/*
 * BR 6.1.6 (SP 800-89 / SP 800-56A checks) through the provider's validator.
 * EC keys get the quick check (not the point at infinity, coordinates in
 * range, on the curve: SP 800-56A rev. 3 5.6.2.3.4, partial validation),
 * which is full validation (5.6.2.3.3) on the curves we accept: P-256 and
 * P-384 have cofactor 1, so every point on the curve but infinity has the
 * group's prime order, and the full check's n*Q = infinity step, an EC
 * multiplication as costly as an ECDSA verification, adds nothing. RSA
 * keys get the full check.
 */
static int key_public_check(EVP_PKEY *k, bool quick)
{
	EVP_PKEY_CTX *ctx = NULL;
	int r;

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (ctx == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_PKEY_CTX_new_from_pkey");
		goto out;
	}
	if ((quick ? EVP_PKEY_public_check_quick(ctx) : EVP_PKEY_public_check(ctx)) != 1) {
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
	r = key_public_check(k, false);
out:
	BN_free(e);
	return r;
}

static int ec_policy(EVP_PKEY *k)
{
	char group[64];
	int nid;

	nid = ec_key_curve_named(k, group, sizeof(group));
	if (group[0] == '\0')
		return cn_err_set(CN_ERR_BAD_KEY, "EC key without a named curve");
	if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1)
		return cn_err_set(CN_ERR_BAD_KEY,
		    "EC curve %s is not accepted (P-256 or P-384 only)", group);
	/* BR 7.1.3.1.2: the namedCurve encoding, never explicit parameters. */
	if (ec_key_explicit(k))
		return cn_err_set(CN_ERR_BAD_KEY,
		    "EC key with explicit curve parameters");
	ERR_clear_error();
	/* cofactor 1 (see key_public_check): the quick check is the full one */
	return key_public_check(k, true);
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
