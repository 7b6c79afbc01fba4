/*
 * jws.c - parsing, verifying and signing the JWS objects of ACME requests.
 *
 * Implements RFC 7515 sections 5.1/5.2 (producing and validating a JWS) for
 * the flattened JSON serialization (7.2.2) with the restrictions of RFC 8555
 * section 6.2 (one signature, protected header only, no "b64": false, no
 * detached payload, no "none" or MAC algs); RFC 7518 sections 3.3 (RS256)
 * and 3.4 (ES256/384/512: fixed-length R||S, not DER); RFC 8037 section 3.1
 * (EdDSA with Ed25519, also under its RFC 9864 name "Ed25519"); and the
 * HS256 External Account Binding of RFC 8555 section 7.3.4.
 *
 * Left out: the compact and general serializations, PS256 and other algs,
 * "crit" extensions (all refused), "x5c"/"jku" key sources. Checking nonce,
 * url and kid against server state is the caller's job.
 */
#include "jose/jws.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "jose/jwk.h"
#include "json.h"
#include "log.h"
#include "mem.h"

#define HS256_LEN 32

struct alg_info {
	const char *name;     /* the "alg" value, RFC 7518 section 3.1 */
	const EVP_MD *(*md)(void); /* NULL for EdDSA (no pre-hash) */
	size_t ec_half;       /* R and S length in bytes for ES*, else 0 */
};

static const struct alg_info alg_table[CN_JWS_ALG_MAX] = {
	[CN_JWS_RS256] = {"RS256", EVP_sha256, 0},
	[CN_JWS_ES256] = {"ES256", EVP_sha256, 32},
	[CN_JWS_ES384] = {"ES384", EVP_sha384, 48},
	[CN_JWS_ES512] = {"ES512", EVP_sha512, 66},
	[CN_JWS_EDDSA] = {"EdDSA", NULL, 0},
};

const char *cn_jws_alg_name(enum cn_jws_alg alg)
{
	if ((int)alg < 0 || alg >= CN_JWS_ALG_MAX)
		return "?";
	return alg_table[alg].name;
}

/* Re-sets the current detail with a prefix naming the part that failed. */
static int detail_prefix(int code, const char *prefix)
{
	const char *detail = cn_err_detail();
	size_t n = strlen(detail);
	char d[400];

	if (n >= sizeof(d))
		n = sizeof(d) - 1;
	memcpy(d, detail, n); /* copied: cn_err_set overwrites the detail slot */
	d[n] = '\0';
	return cn_err_set(code, "%s: %s", prefix, d);
}

static int alg_parse(const char *name, enum cn_jws_alg *out)
{
	char esc[64];
	int i;

	for (i = 0; i < CN_JWS_ALG_MAX; i++) {
		if (strcmp(alg_table[i].name, name) == 0) {
			*out = (enum cn_jws_alg)i;
			return 0;
		}
	}
	/* RFC 9864 section 2.2: the fully-specified name of EdDSA over Ed25519. */
	if (strcmp(name, "Ed25519") == 0) {
		*out = CN_JWS_EDDSA;
		return 0;
	}
	if (strcmp(name, "none") == 0)
		return cn_err_set(CN_ERR_BAD_SIG_ALG, "alg \"none\" is not allowed (RFC 8555 6.2)");
	if (strncmp(name, "HS", 2) == 0)
		return cn_err_set(CN_ERR_BAD_SIG_ALG,
		    "MAC algorithm \"%s\" is not allowed (RFC 8555 6.2)",
		    cn_log_escape(name, strlen(name), esc, sizeof(esc)));
	return cn_err_set(CN_ERR_BAD_SIG_ALG, "unsupported alg \"%s\"",
	    cn_log_escape(name, strlen(name), esc, sizeof(esc)));
}

int cn_jws_alg_for_key(EVP_PKEY *key, enum cn_jws_alg *out)
{
	char group[64];

	if (key == NULL)
		return cn_err_set(CN_ERR_BAD_KEY, "no key");
	if (EVP_PKEY_is_a(key, "RSA")) {
		*out = CN_JWS_RS256;
		return 0;
	}
	if (EVP_PKEY_is_a(key, "ED25519")) {
		*out = CN_JWS_EDDSA;
		return 0;
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
		    sizeof(group), NULL) != 1)
			return cn_err_openssl(CN_ERR_BAD_KEY, "EC key without a named group");
		if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
			*out = CN_JWS_ES256;
		else if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
			*out = CN_JWS_ES384;
		else if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0)
			*out = CN_JWS_ES512;
		else
			return cn_err_set(CN_ERR_BAD_KEY, "unsupported EC curve %s", group);
		return 0;
	}
	return cn_err_set(CN_ERR_BAD_KEY, "unsupported key type (EC, RSA, Ed25519 only)");
}

/*
 * A flattened JWS object must have exactly protected, payload, signature
 * (RFC 8555 6.2: no unprotected header, no multiple signatures).
 */
static int check_members(const json_t *obj, const char *what)
{
	const char *key;
	json_t *v;
	char esc[64];

	json_object_foreach((json_t *)obj, key, v) {
		(void)v;
		if (strcmp(key, "protected") == 0 || strcmp(key, "payload") == 0 ||
		    strcmp(key, "signature") == 0)
			continue;
		if (strcmp(key, "header") == 0)
			return cn_err_set(CN_ERR_MALFORMED,
			    "%s: the JWS unprotected header must not be used", what);
		if (strcmp(key, "signatures") == 0)
			return cn_err_set(CN_ERR_MALFORMED,
			    "%s: must be a flattened JWS with one signature", what);
		return cn_err_set(CN_ERR_MALFORMED, "%s: unexpected member \"%s\"", what,
		    cn_log_escape(key, strlen(key), esc, sizeof(esc)));
	}
	return 0;
}

/* A string member with its full length (JSON strings may hold NULs). */
static int get_part(const json_t *obj, const char *name, const char **s, size_t *len)
{
	json_t *v = json_object_get(obj, name);

	if (v == NULL)
		return cn_err_set(CN_ERR_MALFORMED, "JWS member \"%s\" is missing", name);
	if (!json_is_string(v))
		return cn_err_set(CN_ERR_MALFORMED, "JWS member \"%s\" is not a string", name);
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

static int decode_part(const char *s, size_t len, const char *what, unsigned char **out,
    size_t *out_len)
{
	int r;

	r = cn_b64url_decode(s, len, out, out_len);
	if (r != 0)
		return detail_prefix(CN_ERR_MALFORMED, what);
	return 0;
}

/* Decodes a base64url JSON object with no duplicate members. */
static int decode_object(const char *s, size_t len, const char *what, json_t **out)
{
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	int r;

	r = decode_part(s, len, what, &raw, &raw_len);
	if (r != 0)
		return r;
	r = cn_json_parse_object(raw, raw_len, out);
	if (r != 0)
		r = detail_prefix(r == CN_ERR_TOO_BIG ? r : CN_ERR_MALFORMED, what);
	free(raw);
	return r;
}

/* "crit" (RFC 7515 4.1.11) names extensions we do not understand; "b64" is RFC 7797. */
static int check_no_extensions(const json_t *hdr, const char *what)
{
	if (json_object_get(hdr, "b64") != NULL)
		return cn_err_set(CN_ERR_MALFORMED,
		    "%s: the unencoded payload option (\"b64\") must not be used", what);
	if (json_object_get(hdr, "crit") != NULL)
		return cn_err_set(CN_ERR_MALFORMED,
		    "%s: no critical header extensions are supported", what);
	return 0;
}

static int parse_protected(struct cn_jws *jws, const char *b64, size_t len)
{
	const char *alg = NULL, *kid = NULL;
	json_t *hdr = NULL, *jwk = NULL;
	int r;

	r = decode_object(b64, len, "protected header", &jws->protected_hdr);
	if (r != 0)
		return r;
	hdr = jws->protected_hdr;
	r = cn_json_get_str(hdr, "alg", &alg);
	if (r != 0)
		return detail_prefix(r, "protected header");
	r = alg_parse(alg, &jws->alg);
	if (r != 0)
		return r;
	r = check_no_extensions(hdr, "protected header");
	if (r != 0)
		return r;
	jwk = json_object_get(hdr, "jwk");
	if (jwk != NULL && !json_is_object(jwk))
		return cn_err_set(CN_ERR_MALFORMED, "protected header: \"jwk\" is not an object");
	r = cn_json_opt_str(hdr, "kid", &kid);
	if (r != 0)
		return detail_prefix(r, "protected header");
	if (jwk != NULL && kid != NULL)
		return cn_err_set(CN_ERR_MALFORMED,
		    "protected header: \"jwk\" and \"kid\" are mutually exclusive");
	if (jwk == NULL && kid == NULL)
		return cn_err_set(CN_ERR_MALFORMED,
		    "protected header: one of \"jwk\" or \"kid\" is required");
	r = cn_json_opt_str(hdr, "nonce", &jws->nonce);
	if (r != 0)
		return detail_prefix(r, "protected header");
	r = cn_json_opt_str(hdr, "url", &jws->url);
	if (r != 0)
		return detail_prefix(r, "protected header");
	jws->jwk = jwk;
	jws->kid = kid;
	return 0;
}

static int parse_payload(struct cn_jws *jws, const char *b64, size_t len)
{
	json_t *obj = NULL;
	int r;

	/* RFC 8555 6.3: POST-as-GET has a zero-length payload. */
	if (len == 0) {
		jws->payload = (unsigned char *)cn_xstrdup("");
		jws->payload_len = 0;
		jws->post_as_get = true;
		return 0;
	}
	r = decode_part(b64, len, "payload", &jws->payload, &jws->payload_len);
	if (r != 0)
		return r;
	r = cn_json_parse_object(jws->payload, jws->payload_len, &obj);
	if (r != 0)
		return detail_prefix(r == CN_ERR_TOO_BIG ? r : CN_ERR_MALFORMED, "payload");
	jws->payload_json = obj; /* kept: the caller need not parse it again */
	return 0;
}

/* Joins a "." b into a new NUL-terminated string. */
static char *join_dot(const char *a, size_t a_len, const char *b, size_t b_len, size_t *out_len)
{
	char *s = cn_xmalloc(a_len + b_len + 2);

	memcpy(s, a, a_len);
	s[a_len] = '.';
	memcpy(s + a_len + 1, b, b_len);
	s[a_len + 1 + b_len] = '\0';
	*out_len = a_len + 1 + b_len;
	return s;
}

int cn_jws_parse(const void *body, size_t len, struct cn_jws **out)
{
	json_t *root = NULL;
	struct cn_jws *jws = NULL;
	const char *prot = NULL, *payload = NULL, *sig = NULL;
	size_t prot_len = 0, payload_len = 0, sig_len = 0;
	int r;

	if (len > CN_MAX_JWS_BODY) {
		r = cn_err_set(CN_ERR_TOO_BIG, "JWS body of %zu bytes exceeds %d", len,
		    CN_MAX_JWS_BODY);
		goto out;
	}
	r = cn_json_parse_object(body, len, &root);
	if (r != 0) {
		r = detail_prefix(r, "JWS");
		goto out;
	}
	r = check_members(root, "JWS");
	if (r != 0)
		goto out;
	r = get_part(root, "protected", &prot, &prot_len);
	if (r != 0)
		goto out;
	r = get_part(root, "payload", &payload, &payload_len);
	if (r != 0)
		goto out;
	r = get_part(root, "signature", &sig, &sig_len);
	if (r != 0)
		goto out;
	jws = cn_xcalloc(1, sizeof(*jws));
	r = parse_protected(jws, prot, prot_len);
	if (r != 0)
		goto out;
	r = parse_payload(jws, payload, payload_len);
	if (r != 0)
		goto out;
	r = decode_part(sig, sig_len, "signature", &jws->sig, &jws->sig_len);
	if (r != 0)
		goto out;
	if (jws->sig_len == 0) {
		r = cn_err_set(CN_ERR_MALFORMED, "JWS signature is empty");
		goto out;
	}
	jws->signing_input = join_dot(prot, prot_len, payload, payload_len,
	    &jws->signing_input_len);
	*out = jws;
	jws = NULL;
	r = 0;
out:
	cn_jws_free(jws);
	json_decref(root);
	return r;
}

void cn_jws_free(struct cn_jws *jws)
{
	if (jws == NULL)
		return;
	json_decref(jws->protected_hdr);
	json_decref(jws->payload_json);
	free(jws->payload);
	free(jws->signing_input);
	free(jws->sig);
	free(jws);
}

/* RFC 7518 3.4: R||S, each half bytes, to the DER ECDSA-Sig-Value OpenSSL wants. */
static int rs_to_der(const unsigned char *sig, size_t half, unsigned char **der, size_t *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *buf = NULL, *p = NULL;
	int n, r;

	es = ECDSA_SIG_new();
	br = BN_bin2bn(sig, (int)half, NULL);
	bs = BN_bin2bn(sig + half, (int)half, NULL);
	if (es == NULL || br == NULL || bs == NULL || ECDSA_SIG_set0(es, br, bs) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "ECDSA_SIG_set0");
		goto out;
	}
	br = bs = NULL; /* owned by es now */
	n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "i2d_ECDSA_SIG");
		goto out;
	}
	buf = cn_xmalloc((size_t)n);
	p = buf;
	if (i2d_ECDSA_SIG(es, &p) != n) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "i2d_ECDSA_SIG");
		goto out;
	}
	*der = buf;
	*der_len = (size_t)n;
	buf = NULL;
	r = 0;
out:
	free(buf);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(es);
	return r;
}

/* OpenSSL's DER signature to fixed-length R||S (2 * half bytes at out). */
static int der_to_rs(const unsigned char *der, size_t der_len, size_t half, unsigned char *out)
{
	const unsigned char *p = der;
	const BIGNUM *br = NULL, *bs = NULL;
	ECDSA_SIG *es = NULL;
	int r;

	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (es == NULL || p != der + der_len) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "d2i_ECDSA_SIG");
		goto out;
	}
	ECDSA_SIG_get0(es, &br, &bs);
	if (BN_bn2binpad(br, out, (int)half) < 0 || BN_bn2binpad(bs, out + half, (int)half) < 0) {
		r = cn_err_set(CN_ERR_CRYPTO, "ECDSA signature does not fit %zu bytes", half);
		goto out;
	}
	r = 0;
out:
	ECDSA_SIG_free(es);
	return r;
}

int cn_jws_verify(const struct cn_jws *jws, EVP_PKEY *key)
{
	const struct alg_info *ai = NULL;
	enum cn_jws_alg key_alg = CN_JWS_ALG_MAX;
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	const unsigned char *sig = jws->sig;
	size_t sig_len = jws->sig_len;
	int r;

	if ((int)jws->alg < 0 || jws->alg >= CN_JWS_ALG_MAX) {
		r = cn_err_set(CN_ERR_BAD_SIG_ALG, "unknown alg");
		goto out;
	}
	ai = &alg_table[jws->alg];
	r = cn_jws_alg_for_key(key, &key_alg);
	if (r != 0)
		goto out;
	if (key_alg != jws->alg) {
		r = cn_err_set(CN_ERR_BAD_SIG_ALG, "alg %s does not fit the key (which signs with %s)",
		    ai->name, alg_table[key_alg].name);
		goto out;
	}
	if (ai->ec_half != 0) {
		if (jws->sig_len != 2 * ai->ec_half) {
			r = cn_err_set(CN_ERR_BAD_SIG, "%s signature must be %zu bytes, not %zu",
			    ai->name, 2 * ai->ec_half, jws->sig_len);
			goto out;
		}
		r = rs_to_der(jws->sig, ai->ec_half, &der, &sig_len);
		if (r != 0)
			goto out;
		sig = der;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_MD_CTX_new");
		goto out;
	}
	if (EVP_DigestVerifyInit(md, NULL, ai->md ? ai->md() : NULL, NULL, key) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_DigestVerifyInit");
		goto out;
	}
	if (EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)jws->signing_input,
	    jws->signing_input_len) != 1) {
		ERR_clear_error();
		r = cn_err_set(CN_ERR_BAD_SIG, "JWS signature does not verify");
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(md);
	free(der);
	return r;
}

/* Signs tbs with key for alg; ES signatures come out as R||S. Caller frees *out. */
static int sign_raw(EVP_PKEY *key, enum cn_jws_alg alg, const char *tbs, size_t tbs_len,
    unsigned char **out, size_t *out_len)
{
	const struct alg_info *ai = &alg_table[alg];
	EVP_MD_CTX *md = NULL;
	unsigned char *sig = NULL, *rs = NULL;
	size_t sig_len = 0;
	int r;

	md = EVP_MD_CTX_new();
	if (md == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_MD_CTX_new");
		goto out;
	}
	if (EVP_DigestSignInit(md, NULL, ai->md ? ai->md() : NULL, NULL, key) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_DigestSignInit");
		goto out;
	}
	/* One-shot: EdDSA cannot sign in pieces. */
	if (EVP_DigestSign(md, NULL, &sig_len, (const unsigned char *)tbs, tbs_len) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_DigestSign");
		goto out;
	}
	sig = cn_xmalloc(sig_len);
	if (EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)tbs, tbs_len) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "EVP_DigestSign");
		goto out;
	}
	if (ai->ec_half != 0) {
		rs = cn_xmalloc(2 * ai->ec_half);
		r = der_to_rs(sig, sig_len, ai->ec_half, rs);
		if (r != 0)
			goto out;
		free(sig);
		sig = rs;
		rs = NULL;
		sig_len = 2 * ai->ec_half;
	}
	*out = sig;
	*out_len = sig_len;
	sig = NULL;
	r = 0;
out:
	free(rs);
	free(sig);
	EVP_MD_CTX_free(md);
	return r;
}

/* Sets a string member; the value must be UTF-8. */
static int set_str(json_t *obj, const char *name, const char *value)
{
	json_t *s = json_string(value);

	if (s == NULL)
		return cn_err_set(CN_ERR_INTERNAL, "JWS header \"%s\" is not UTF-8", name);
	if (json_object_set_new(obj, name, s) != 0)
		return cn_err_set(CN_ERR_INTERNAL, "json_object_set_new failed");
	return 0;
}

/* The flattened JWS object {"protected", "payload", "signature"}. */
static int flattened(const char *prot_b64, const char *payload_b64, const unsigned char *sig,
    size_t sig_len, json_t **out)
{
	char *sig_b64 = cn_b64url_encode(sig, sig_len);
	json_t *j;

	j = json_pack("{s:s, s:s, s:s}", "protected", prot_b64, "payload", payload_b64,
	    "signature", sig_b64);
	free(sig_b64);
	if (j == NULL)
		return cn_err_set(CN_ERR_INTERNAL, "json_pack failed");
	*out = j;
	return 0;
}

int cn_jws_sign(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
    const char *payload, char **out)
{
	enum cn_jws_alg alg = CN_JWS_ALG_MAX;
	json_t *hdr = NULL, *jwk = NULL, *jws = NULL;
	char *hdr_json = NULL, *prot_b64 = NULL, *payload_b64 = NULL, *tbs = NULL;
	unsigned char *sig = NULL;
	size_t tbs_len = 0, sig_len = 0;
	int r;

	if (url == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "cn_jws_sign: url is required");
		goto out;
	}
	r = cn_jws_alg_for_key(key, &alg);
	if (r != 0)
		goto out;
	hdr = json_object();
	if (hdr == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "json_object failed");
		goto out;
	}
	r = set_str(hdr, "alg", alg_table[alg].name);
	if (r != 0)
		goto out;
	if (kid != NULL) {
		r = set_str(hdr, "kid", kid);
		if (r != 0)
			goto out;
	} else {
		r = cn_jwk_from_pkey(key, &jwk);
		if (r != 0)
			goto out;
		if (json_object_set_new(hdr, "jwk", jwk) != 0) {
			jwk = NULL; /* set_new consumed it even on failure */
			r = cn_err_set(CN_ERR_INTERNAL, "json_object_set_new failed");
			goto out;
		}
		jwk = NULL;
	}
	if (nonce != NULL) {
		r = set_str(hdr, "nonce", nonce);
		if (r != 0)
			goto out;
	}
	r = set_str(hdr, "url", url);
	if (r != 0)
		goto out;
	hdr_json = cn_json_dump(hdr);
	prot_b64 = cn_b64url_encode(hdr_json, strlen(hdr_json));
	payload_b64 = payload ? cn_b64url_encode(payload, strlen(payload)) : cn_xstrdup("");
	tbs = join_dot(prot_b64, strlen(prot_b64), payload_b64, strlen(payload_b64), &tbs_len);
	r = sign_raw(key, alg, tbs, tbs_len, &sig, &sig_len);
	if (r != 0)
		goto out;
	r = flattened(prot_b64, payload_b64, sig, sig_len, &jws);
	if (r != 0)
		goto out;
	*out = cn_json_dump(jws);
	r = 0;
out:
	json_decref(jws);
	json_decref(jwk);
	json_decref(hdr);
	free(hdr_json);
	free(prot_b64);
	free(payload_b64);
	free(tbs);
	free(sig);
	return r;
}

static int hs256(const unsigned char *key, size_t key_len, const char *data, size_t len,
    unsigned char mac[HS256_LEN])
{
	size_t mac_len = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
	    (const unsigned char *)data, len, mac, HS256_LEN, &mac_len) == NULL ||
	    mac_len != HS256_LEN)
		return cn_err_openssl(CN_ERR_CRYPTO, "HMAC-SHA256");
	return 0;
}

int cn_jws_eab_sign(const unsigned char *hmac_key, size_t key_len, const char *eab_kid,
    const char *url, const json_t *account_jwk, json_t **out)
{
	json_t *hdr = NULL;
	char *hdr_json = NULL, *jwk_json = NULL, *prot_b64 = NULL, *payload_b64 = NULL;
	char *tbs = NULL;
	unsigned char mac[HS256_LEN];
	size_t tbs_len = 0;
	int r;

	if (hmac_key == NULL || key_len == 0) {
		r = cn_err_set(CN_ERR_USAGE, "the EAB MAC key is empty");
		goto out;
	}
	if (eab_kid == NULL || url == NULL || !json_is_object(account_jwk)) {
		r = cn_err_set(CN_ERR_INTERNAL, "cn_jws_eab_sign: kid, url and JWK are required");
		goto out;
	}
	hdr = json_object();
	if (hdr == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "json_object failed");
		goto out;
	}
	r = set_str(hdr, "alg", "HS256");
	if (r != 0)
		goto out;
	r = set_str(hdr, "kid", eab_kid);
	if (r != 0)
		goto out;
	r = set_str(hdr, "url", url);
	if (r != 0)
		goto out;
	hdr_json = cn_json_dump(hdr);
	jwk_json = cn_json_dump(account_jwk);
	prot_b64 = cn_b64url_encode(hdr_json, strlen(hdr_json));
	payload_b64 = cn_b64url_encode(jwk_json, strlen(jwk_json));
	tbs = join_dot(prot_b64, strlen(prot_b64), payload_b64, strlen(payload_b64), &tbs_len);
	r = hs256(hmac_key, key_len, tbs, tbs_len, mac);
	if (r != 0)
		goto out;
	r = flattened(prot_b64, payload_b64, mac, sizeof(mac), out);
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	json_decref(hdr);
	free(hdr_json);
	free(jwk_json);
	free(prot_b64);
	free(payload_b64);
	free(tbs);
	return r;
}

/* RFC 8555 7.3.4: the protected header of an EAB JWS. */
static int eab_check_header(const json_t *hdr, const char *url, const char **kid)
{
	const char *alg = NULL, *hdr_url = NULL;
	int r;

	r = cn_json_get_str(hdr, "alg", &alg);
	if (r != 0)
		return detail_prefix(r, "externalAccountBinding");
	if (strcmp(alg, "HS256") != 0)
		return cn_err_set(CN_ERR_MALFORMED, "externalAccountBinding must use HS256");
	r = check_no_extensions(hdr, "externalAccountBinding");
	if (r != 0)
		return r;
	if (json_object_get(hdr, "nonce") != NULL)
		return cn_err_set(CN_ERR_MALFORMED, "externalAccountBinding must not have a nonce");
	r = cn_json_get_str(hdr, "kid", kid);
	if (r != 0)
		return detail_prefix(r, "externalAccountBinding");
	if ((*kid)[0] == '\0')
		return cn_err_set(CN_ERR_MALFORMED, "externalAccountBinding kid is empty");
	r = cn_json_get_str(hdr, "url", &hdr_url);
	if (r != 0)
		return detail_prefix(r, "externalAccountBinding");
	if (url == NULL || strcmp(hdr_url, url) != 0)
		return cn_err_set(CN_ERR_UNAUTHORIZED,
		    "externalAccountBinding url does not match the request url");
	return 0;
}

int cn_jws_eab_verify(const json_t *eab, const char *url, const json_t *account_jwk,
    int (*lookup_key)(void *ctx, const char *kid, unsigned char **key, size_t *key_len), void *ctx,
    char **kid_out)
{
	json_t *hdr = NULL, *payload_jwk = NULL;
	const char *prot = NULL, *payload = NULL, *sig = NULL, *kid = NULL;
	size_t prot_len = 0, payload_len = 0, sig_len = 0;
	unsigned char *sig_raw = NULL, *key = NULL;
	size_t sig_raw_len = 0, key_len = 0, tbs_len = 0;
	unsigned char mac[HS256_LEN];
	char *tbs = NULL, *canon_payload = NULL, *canon_account = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	if (!json_is_object(eab)) {
		r = cn_err_set(CN_ERR_MALFORMED, "externalAccountBinding is not a JWS object");
		goto out;
	}
	r = check_members(eab, "externalAccountBinding");
	if (r != 0)
		goto out;
	r = get_part(eab, "protected", &prot, &prot_len);
	if (r == 0)
		r = get_part(eab, "payload", &payload, &payload_len);
	if (r == 0)
		r = get_part(eab, "signature", &sig, &sig_len);
	if (r != 0) {
		r = detail_prefix(r, "externalAccountBinding");
		goto out;
	}
	r = decode_object(prot, prot_len, "externalAccountBinding protected header", &hdr);
	if (r != 0)
		goto out;
	r = eab_check_header(hdr, url, &kid);
	if (r != 0)
		goto out;
	r = decode_object(payload, payload_len, "externalAccountBinding payload", &payload_jwk);
	if (r != 0)
		goto out;
	r = decode_part(sig, sig_len, "externalAccountBinding signature", &sig_raw, &sig_raw_len);
	if (r != 0)
		goto out;
	r = lookup_key(ctx, kid, &key, &key_len);
	if (r != 0)
		goto out;
	if (key == NULL || key_len == 0) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "externalAccountBinding key is empty");
		goto out;
	}
	tbs = join_dot(prot, prot_len, payload, payload_len, &tbs_len);
	r = hs256(key, key_len, tbs, tbs_len, mac);
	if (r != 0)
		goto out;
	if (sig_raw_len != sizeof(mac) || CRYPTO_memcmp(mac, sig_raw, sizeof(mac)) != 0) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "externalAccountBinding MAC does not verify");
		goto out;
	}
	/* Step 5: the payload is the account key (public members only). */
	r = cn_jwk_to_pkey(payload_jwk, &pkey);
	if (r != 0) {
		r = detail_prefix(r, "externalAccountBinding payload");
		goto out;
	}
	r = cn_jwk_canonical(payload_jwk, &canon_payload);
	if (r != 0)
		goto out;
	r = cn_jwk_canonical(account_jwk, &canon_account);
	if (r != 0)
		goto out;
	if (strcmp(canon_payload, canon_account) != 0) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED,
		    "externalAccountBinding payload is not the account key");
		goto out;
	}
	*kid_out = cn_xstrdup(kid);
	r = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	cn_free_secret(key, key_len);
	EVP_PKEY_free(pkey);
	json_decref(hdr);
	json_decref(payload_jwk);
	free(sig_raw);
	free(tbs);
	free(canon_payload);
	free(canon_account);
	return r;
}
