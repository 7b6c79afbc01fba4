/*
 * jwk.c - public JSON Web Keys to and from OpenSSL keys, and JWK thumbprints.
 *
 * Implements RFC 7517 section 4 (the members we need), RFC 7518 sections 2
 * (Base64urlUInt), 6.2.1 (EC public keys: full-size coordinates, no point
 * compression) and 6.3.1 (RSA public keys), RFC 8037 section 2 (OKP
 * Ed25519) and RFC 7638 section 3 (thumbprints). Keys are built with
 * EVP_PKEY_fromdata (EC keys with cn_ec_pubkey_from_point, which copies a
 * group made once) and read back with EVP_PKEY_get_*_param only (OpenSSL 3).
 *
 * Left out: private keys (refused on input, never produced), "oct" keys,
 * Ed448, X25519, X448 and non-NIST curves; "use", "key_ops", "alg", "kid" and
 * "x5*" members are ignored rather than checked.
 */
#include "jose/jwk.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "b64url.h"
#include "json.h"
#include "mem.h"
#include "x509/key.h"

#define ED25519_KEY_LEN 32
#define EC_MAX_COORD 66 /* P-521 */
#define RSA_MAX_E_BYTES 32 /* e < 2^256 */

struct ec_curve {
	const char *crv;   /* JWK name, RFC 7518 section 6.2.1.1 */
	const char *group; /* OpenSSL group name */
	size_t coord_len;  /* bytes per coordinate */
	int nid;
};

static const struct ec_curve ec_curves[] = {
	{"P-256", "prime256v1", 32, NID_X9_62_prime256v1},
	{"P-384", "secp384r1", 48, NID_secp384r1},
	{"P-521", "secp521r1", 66, NID_secp521r1},
};

/* Private key members of EC, RSA, OKP (RFC 7518 6.2.2, 6.3.2; RFC 8037) and oct keys. */
static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

static const struct ec_curve *curve_by_crv(const char *crv)
{
	size_t i;

	for (i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
		if (strcmp(ec_curves[i].crv, crv) == 0)
			return &ec_curves[i];
	return NULL;
}

static const struct ec_curve *curve_by_group(const char *group)
{
	size_t i;

	for (i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
		if (strcmp(ec_curves[i].group, group) == 0 || strcmp(ec_curves[i].crv, group) == 0)
			return &ec_curves[i];
	return NULL;
}

/* A required string member, as CN_ERR_BAD_KEY when missing or not a string. */
static int get_member(const json_t *jwk, const char *name, const char **out)
{
	json_t *v = json_object_get(jwk, name);

	if (v == NULL)
		return cn_err_set(CN_ERR_BAD_KEY, "JWK is missing member \"%s\"", name);
	if (!json_is_string(v))
		return cn_err_set(CN_ERR_BAD_KEY, "JWK member \"%s\" is not a string", name);
	*out = json_string_value(v);
	return 0;
}

/* Decodes a base64url string member; caller frees *out. */
static int get_b64(const json_t *jwk, const char *name, unsigned char **out, size_t *out_len)
{
	const char *s = NULL;
	int r;

	r = get_member(jwk, name, &s);
	if (r != 0)
		return r;
	r = cn_b64url_decode(s, strlen(s), out, out_len);
	if (r != 0)
		return cn_err_set(CN_ERR_BAD_KEY, "JWK member \"%s\" is not valid base64url", name);
	return 0;
}

/* Builds a public key of type name from params. */
static int pkey_from_params(const char *name, OSSL_PARAM *params, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
	if (ctx == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_PKEY_CTX_new_from_name");
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_PKEY_fromdata_init");
		goto out;
	}
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1 || pkey == NULL) {
		r = cn_err_openssl(CN_ERR_BAD_KEY, "JWK: EVP_PKEY_fromdata");
		goto out;
	}
	*out = pkey;
	pkey = NULL;
	r = 0;
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int ec_to_pkey(const json_t *jwk, EVP_PKEY **out)
{
	const struct ec_curve *curve = NULL;
	const char *crv = NULL;
	unsigned char *x = NULL, *y = NULL;
	unsigned char point[1 + 2 * EC_MAX_COORD];
	size_t x_len = 0, y_len = 0;
	int r;

	r = get_member(jwk, "crv", &crv);
	if (r != 0)
		goto out;
	curve = curve_by_crv(crv);
	if (curve == NULL) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: unsupported EC curve (P-256, P-384, P-521 only)");
		goto out;
	}
	r = get_b64(jwk, "x", &x, &x_len);
	if (r != 0)
		goto out;
	r = get_b64(jwk, "y", &y, &y_len);
	if (r != 0)
		goto out;
	/* RFC 7518 6.2.1.2/6.2.1.3: the full size of a coordinate, no shortening. */
	if (x_len != curve->coord_len || y_len != curve->coord_len) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: %s coordinates must be %zu bytes each",
		    curve->crv, curve->coord_len);
		goto out;
	}
	point[0] = 0x04; /* SEC1 uncompressed point */
	memcpy(point + 1, x, x_len);
	memcpy(point + 1 + x_len, y, y_len);
	/*
	 * The import decodes the point and refuses it when it is not on the
	 * curve. An uncompressed point cannot be the point at infinity, and the
	 * three curves have cofactor 1, so no further (costly) check is needed.
	 * cn_ec_pubkey_from_point copies a group made once instead of building
	 * one as EVP_PKEY_fromdata does (a quarter of the CPU, OpenSSL 3.0).
	 */
	r = cn_ec_pubkey_from_point(curve->nid, point, 1 + x_len + y_len, out);
out:
	free(x);
	free(y);
	return r;
}

/* Base64urlUInt (RFC 7518 section 2): the minimal number of octets. */
static int get_uint(const json_t *jwk, const char *name, unsigned char **out, size_t *out_len)
{
	unsigned char *v = NULL;
	size_t len = 0;
	int r;

	r = get_b64(jwk, name, &v, &len);
	if (r != 0)
		return r;
	if (len == 0 || (len > 1 && v[0] == 0)) {
		free(v);
		return cn_err_set(CN_ERR_BAD_KEY,
		    "JWK member \"%s\" is not a minimal Base64urlUInt", name);
	}
	*out = v;
	*out_len = len;
	return 0;
}

static int rsa_to_pkey(const json_t *jwk, EVP_PKEY **out)
{
	unsigned char *n = NULL, *e = NULL;
	size_t n_len = 0, e_len = 0;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	int bits, r;

	r = get_uint(jwk, "n", &n, &n_len);
	if (r != 0)
		goto out;
	r = get_uint(jwk, "e", &e, &e_len);
	if (r != 0)
		goto out;
	if (n_len > CN_JWK_RSA_MAX_BITS / 8) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: RSA modulus over %d bits", CN_JWK_RSA_MAX_BITS);
		goto out;
	}
	if (e_len > RSA_MAX_E_BYTES) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: RSA exponent too large");
		goto out;
	}
	bn_n = BN_bin2bn(n, (int)n_len, NULL);
	bn_e = BN_bin2bn(e, (int)e_len, NULL);
	if (bn_n == NULL || bn_e == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "BN_bin2bn");
		goto out;
	}
	bits = BN_num_bits(bn_n);
	if (bits < CN_JWK_RSA_MIN_BITS || bits > CN_JWK_RSA_MAX_BITS) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: RSA modulus of %d bits (%d..%d allowed)",
		    bits, CN_JWK_RSA_MIN_BITS, CN_JWK_RSA_MAX_BITS);
		goto out;
	}
	if (!BN_is_odd(bn_n)) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: RSA modulus is even");
		goto out;
	}
	/* SP 800-56B 6.2.1 (and OpenSSL's own public check): odd e, 65537 <= e < 2^256. */
	if (!BN_is_odd(bn_e) || BN_num_bits(bn_e) < 17) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: RSA exponent must be odd and at least 65537");
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "OSSL_PARAM_BLD");
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "OSSL_PARAM_BLD_to_param");
		goto out;
	}
	/*
	 * No EVP_PKEY_public_check: for RSA it runs a primality test on n, too
	 * costly per request; the checks above are what it adds that matters.
	 */
	r = pkey_from_params("RSA", params, out);
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	free(n);
	free(e);
	return r;
}

static int okp_to_pkey(const json_t *jwk, EVP_PKEY **out)
{
	const char *crv = NULL;
	unsigned char *x = NULL;
	size_t x_len = 0;
	OSSL_PARAM params[2];
	int r;

	r = get_member(jwk, "crv", &crv);
	if (r != 0)
		goto out;
	if (strcmp(crv, "Ed25519") != 0) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: unsupported OKP curve (Ed25519 only)");
		goto out;
	}
	r = get_b64(jwk, "x", &x, &x_len);
	if (r != 0)
		goto out;
	if (x_len != ED25519_KEY_LEN) {
		r = cn_err_set(CN_ERR_BAD_KEY, "JWK: Ed25519 key must be %d bytes", ED25519_KEY_LEN);
		goto out;
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, x, x_len);
	params[1] = OSSL_PARAM_construct_end();
	r = pkey_from_params("ED25519", params, out);
out:
	free(x);
	return r;
}

int cn_jwk_to_pkey(const json_t *jwk, EVP_PKEY **out)
{
	const char *kty = NULL;
	size_t i;
	int r;

	if (!json_is_object(jwk))
		return cn_err_set(CN_ERR_BAD_KEY, "JWK is not a JSON object");
	for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
		if (json_object_get(jwk, private_members[i]) != NULL)
			return cn_err_set(CN_ERR_BAD_KEY,
			    "JWK has private member \"%s\"; send the public key only",
			    private_members[i]);
	r = get_member(jwk, "kty", &kty);
	if (r != 0)
		return r;
	if (strcmp(kty, "EC") == 0)
		return ec_to_pkey(jwk, out);
	if (strcmp(kty, "RSA") == 0)
		return rsa_to_pkey(jwk, out);
	if (strcmp(kty, "OKP") == 0)
		return okp_to_pkey(jwk, out);
	return cn_err_set(CN_ERR_BAD_KEY, "JWK: unsupported key type (EC, RSA, OKP only)");
}

/* b64url of a BIGNUM, padded to pad bytes, or minimal when pad is 0. */
static int bn_b64(const BIGNUM *bn, size_t pad, char **out)
{
	unsigned char *buf = NULL;
	size_t len = pad ? pad : (size_t)BN_num_bytes(bn);
	int r;

	if (len == 0)
		len = 1; /* zero is one zero octet (RFC 7518 section 2) */
	buf = cn_xmalloc(len);
	if (BN_bn2binpad(bn, buf, (int)len) < 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "BN_bn2binpad");
		goto out;
	}
	*out = cn_b64url_encode(buf, len);
	r = 0;
out:
	free(buf);
	return r;
}

static int ec_from_pkey(EVP_PKEY *pkey, json_t **out)
{
	const struct ec_curve *curve = NULL;
	char group[64];
	BIGNUM *bx = NULL, *by = NULL;
	char *x = NULL, *y = NULL;
	json_t *j = NULL;
	int r;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
	    sizeof(group), NULL) != 1) {
		r = cn_err_openssl(CN_ERR_BAD_KEY, "EC key without a named group");
		goto out;
	}
	curve = curve_by_group(group);
	if (curve == NULL) {
		r = cn_err_set(CN_ERR_BAD_KEY, "unsupported EC curve (P-256, P-384, P-521 only)");
		goto out;
	}
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EC public point");
		goto out;
	}
	r = bn_b64(bx, curve->coord_len, &x);
	if (r != 0)
		goto out;
	r = bn_b64(by, curve->coord_len, &y);
	if (r != 0)
		goto out;
	j = json_pack("{s:s, s:s, s:s, s:s}", "crv", curve->crv, "kty", "EC", "x", x, "y", y);
	if (j == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "json_pack failed");
		goto out;
	}
	*out = j;
	r = 0;
out:
	BN_free(bx);
	BN_free(by);
	free(x);
	free(y);
	return r;
}

static int rsa_from_pkey(EVP_PKEY *pkey, json_t **out)
{
	BIGNUM *bn = NULL, *be = NULL;
	char *n = NULL, *e = NULL;
	json_t *j = NULL;
	int r;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &bn) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &be) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "RSA public key");
		goto out;
	}
	r = bn_b64(bn, 0, &n);
	if (r != 0)
		goto out;
	r = bn_b64(be, 0, &e);
	if (r != 0)
		goto out;
	j = json_pack("{s:s, s:s, s:s}", "e", e, "kty", "RSA", "n", n);
	if (j == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "json_pack failed");
		goto out;
	}
	*out = j;
	r = 0;
out:
	BN_free(bn);
	BN_free(be);
	free(n);
	free(e);
	return r;
}

static int ed25519_from_pkey(EVP_PKEY *pkey, json_t **out)
{
	unsigned char raw[ED25519_KEY_LEN];
	size_t len = sizeof(raw);
	char *x = NULL;
	json_t *j = NULL;
	int r;

	if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != sizeof(raw)) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_PKEY_get_raw_public_key");
		goto out;
	}
	x = cn_b64url_encode(raw, len);
	j = json_pack("{s:s, s:s, s:s}", "crv", "Ed25519", "kty", "OKP", "x", x);
	if (j == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "json_pack failed");
		goto out;
	}
	*out = j;
	r = 0;
out:
	free(x);
	return r;
}

int cn_jwk_from_pkey(EVP_PKEY *pkey, json_t **out)
{
	if (pkey == NULL)
		return cn_err_set(CN_ERR_BAD_KEY, "no key");
	if (EVP_PKEY_is_a(pkey, "EC"))
		return ec_from_pkey(pkey, out);
	if (EVP_PKEY_is_a(pkey, "RSA"))
		return rsa_from_pkey(pkey, out);
	if (EVP_PKEY_is_a(pkey, "ED25519"))
		return ed25519_from_pkey(pkey, out);
	return cn_err_set(CN_ERR_BAD_KEY, "unsupported key type %s (EC, RSA, Ed25519 only)",
	    EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "?");
}

/* RFC 7638 section 3.2: the required members per kty, in sorted order. */
struct kty_members {
	const char *kty;
	const char *members[4];
};

static const struct kty_members kty_table[] = {
	{"EC", {"crv", "kty", "x", "y"}},
	{"RSA", {"e", "kty", "n", NULL}},
	{"OKP", {"crv", "kty", "x", NULL}}, /* RFC 8037 section 2 */
};

int cn_jwk_canonical(const json_t *jwk, char **out)
{
	const struct kty_members *km = NULL;
	const char *kty = NULL;
	json_t *obj = NULL;
	size_t i;
	int r;

	if (!json_is_object(jwk))
		return cn_err_set(CN_ERR_BAD_KEY, "JWK is not a JSON object");
	r = get_member(jwk, "kty", &kty);
	if (r != 0)
		return r;
	for (i = 0; i < sizeof(kty_table) / sizeof(kty_table[0]); i++)
		if (strcmp(kty_table[i].kty, kty) == 0)
			km = &kty_table[i];
	if (km == NULL)
		return cn_err_set(CN_ERR_BAD_KEY, "JWK: unsupported key type (EC, RSA, OKP only)");
	obj = json_object();
	if (obj == NULL)
		return cn_err_set(CN_ERR_INTERNAL, "json_object failed");
	for (i = 0; i < 4 && km->members[i] != NULL; i++) {
		json_t *v = json_object_get(jwk, km->members[i]);
		json_t *copy = NULL;

		if (v == NULL || !json_is_string(v)) {
			r = cn_err_set(CN_ERR_BAD_KEY, "JWK member \"%s\" missing or not a string",
			    km->members[i]);
			goto out;
		}
		copy = json_stringn(json_string_value(v), json_string_length(v));
		if (copy == NULL || json_object_set_new(obj, km->members[i], copy) != 0) {
			r = cn_err_set(CN_ERR_INTERNAL, "json_object_set_new failed");
			goto out;
		}
	}
	/* Section 3.3: no whitespace, members in lexicographic order. */
	*out = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	if (*out == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "json_dumps failed");
		goto out;
	}
	r = 0;
out:
	json_decref(obj);
	return r;
}

int cn_jwk_thumbprint(const json_t *jwk, char out[CN_JWK_THUMBPRINT_LEN + 1])
{
	unsigned char md[32];
	unsigned int md_len = 0;
	char *canon = NULL, *b64 = NULL;
	int r;

	r = cn_jwk_canonical(jwk, &canon);
	if (r != 0)
		goto out;
	if (EVP_Digest(canon, strlen(canon), md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len != sizeof(md)) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_Digest");
		goto out;
	}
	b64 = cn_b64url_encode(md, md_len);
	if (strlen(b64) != CN_JWK_THUMBPRINT_LEN) {
		r = cn_err_set(CN_ERR_INTERNAL, "thumbprint length");
		goto out;
	}
	memcpy(out, b64, CN_JWK_THUMBPRINT_LEN + 1);
	r = 0;
out:
	free(canon);
	free(b64);
	return r;
}
