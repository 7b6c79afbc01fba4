/*
 * test_jws.c - src/core/jose/jws.c: sign, parse and verify for every alg;
 * RFC 7515 A.3/A.4 and RFC 8037 A.4 vectors; tampering; the JWS shapes
 * RFC 8555 section 6.2 forbids; alg/key mismatches; External Account Binding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "b64url.h"
#include "buf.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "json.h"
#include "mem.h"

#define URL "https://ca.example/acme/new-order"
#define KID "https://ca.example/acme/acct/17"
#define NONCE "oFvnlFP1wIhRlYS2jTaXbA"

static EVP_PKEY *keys[CN_JWS_ALG_MAX]; /* one key per alg */
static EVP_PKEY *other_keys[CN_JWS_ALG_MAX]; /* a second key of the same kind */

static const size_t sig_lens[CN_JWS_ALG_MAX] = {
	[CN_JWS_RS256] = 256, [CN_JWS_ES256] = 64, [CN_JWS_ES384] = 96,
	[CN_JWS_ES512] = 132, [CN_JWS_EDDSA] = 64,
};

static EVP_PKEY *gen_key(enum cn_jws_alg alg)
{
	EVP_PKEY *k = NULL;

	switch (alg) {
	case CN_JWS_RS256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case CN_JWS_ES256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case CN_JWS_ES384:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case CN_JWS_ES512:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
		break;
	default:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	}
	return k;
}

static int setup(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CN_JWS_ALG_MAX; i++) {
		keys[i] = gen_key((enum cn_jws_alg)i);
		other_keys[i] = gen_key((enum cn_jws_alg)i);
		if (keys[i] == NULL || other_keys[i] == NULL)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CN_JWS_ALG_MAX; i++) {
		EVP_PKEY_free(keys[i]);
		EVP_PKEY_free(other_keys[i]);
	}
	return 0;
}

static char *b64s(const char *s)
{
	return cn_b64url_encode(s, strlen(s));
}

/* Decodes base64url text that the test knows is valid. */
static unsigned char *unb64(const char *s, size_t *len)
{
	unsigned char *out = NULL;

	assert_int_equal(cn_b64url_decode(s, strlen(s), &out, len), 0);
	return out;
}

/* A flattened JWS body from its three (already encoded) parts. */
static char *body3(const char *prot_b64, const char *payload_b64, const char *sig_b64)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "protected", prot_b64, "payload", payload_b64,
	    "signature", sig_b64);
	char *s;

	assert_non_null(j);
	s = cn_json_dump(j);
	json_decref(j);
	return s;
}

/* A string member of a JSON body (copy). */
static char *member(const char *body, const char *name)
{
	json_t *j = NULL;
	char *s;

	assert_int_equal(cn_json_parse(body, strlen(body), &j), 0);
	assert_true(json_is_string(json_object_get(j, name)));
	s = cn_xstrdup(json_string_value(json_object_get(j, name)));
	json_decref(j);
	return s;
}

/* The body with one string member replaced. */
static char *with_member(const char *body, const char *name, const char *value)
{
	json_t *j = NULL;
	char *s;

	assert_int_equal(cn_json_parse(body, strlen(body), &j), 0);
	assert_int_equal(json_object_set_new(j, name, json_string(value)), 0);
	s = cn_json_dump(j);
	json_decref(j);
	return s;
}

/* Replaces every "@P" with rep_p and "@Y" with rep_y. */
static char *expand(const char *tmpl, const char *rep_p, const char *rep_y)
{
	struct cn_buf b;
	const char *p;

	cn_buf_init(&b, 1 << 20);
	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '@' && p[1] == 'P') {
			assert_int_equal(cn_buf_adds(&b, rep_p), 0);
			p++;
		} else if (p[0] == '@' && p[1] == 'Y') {
			assert_int_equal(cn_buf_adds(&b, rep_y), 0);
			p++;
		} else {
			assert_int_equal(cn_buf_add(&b, p, 1), 0);
		}
	}
	return cn_buf_take(&b, NULL);
}

static struct cn_jws *parse_ok(const char *body)
{
	struct cn_jws *jws = NULL;
	int r = cn_jws_parse(body, strlen(body), &jws);

	if (r != 0)
		fail_msg("parse failed %d: %s", r, cn_err_detail());
	return jws;
}

static int parse_code(const char *body)
{
	struct cn_jws *jws = NULL;
	int r = cn_jws_parse(body, strlen(body), &jws);

	if (r == 0)
		cn_jws_free(jws);
	else
		assert_null(jws);
	return r;
}

/* parse + verify with key; the result code. */
static int parse_verify(const char *body, EVP_PKEY *key)
{
	struct cn_jws *jws = parse_ok(body);
	int r = cn_jws_verify(jws, key);

	cn_jws_free(jws);
	return r;
}

static char *sign(enum cn_jws_alg alg, const char *kid, const char *nonce, const char *payload)
{
	char *out = NULL;
	int r = cn_jws_sign(keys[alg], kid, nonce, URL, payload, &out);

	if (r != 0)
		fail_msg("sign %s: %d %s", cn_jws_alg_name(alg), r, cn_err_detail());
	return out;
}

static void test_alg_names_and_keys(void **state)
{
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	enum cn_jws_alg alg = CN_JWS_ALG_MAX;
	char *out = NULL;
	int i;

	(void)state;
	assert_string_equal(cn_jws_alg_name(CN_JWS_RS256), "RS256");
	assert_string_equal(cn_jws_alg_name(CN_JWS_ES256), "ES256");
	assert_string_equal(cn_jws_alg_name(CN_JWS_ES384), "ES384");
	assert_string_equal(cn_jws_alg_name(CN_JWS_ES512), "ES512");
	assert_string_equal(cn_jws_alg_name(CN_JWS_EDDSA), "EdDSA");
	assert_string_equal(cn_jws_alg_name(CN_JWS_ALG_MAX), "?");
	for (i = 0; i < CN_JWS_ALG_MAX; i++) {
		assert_int_equal(cn_jws_alg_for_key(keys[i], &alg), 0);
		assert_int_equal(alg, i);
		/* Every alg is in the advertised list. */
		assert_non_null(strstr(CN_JWS_ALGORITHMS, cn_jws_alg_name(alg)));
	}
	assert_non_null(k1);
	assert_non_null(x);
	assert_int_equal(cn_jws_alg_for_key(k1, &alg), CN_ERR_BAD_KEY);
	assert_int_equal(cn_jws_alg_for_key(x, &alg), CN_ERR_BAD_KEY);
	assert_int_equal(cn_jws_sign(k1, NULL, NONCE, URL, "{}", &out), CN_ERR_BAD_KEY);
	assert_int_equal(cn_jws_sign(keys[CN_JWS_ES256], NULL, NONCE, NULL, "{}", &out),
	    CN_ERR_INTERNAL);
	assert_null(out);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(x);
}

/* Sign, parse, verify: every alg, jwk and kid, payload and POST-as-GET. */
static void test_sign_parse_verify(void **state)
{
	static const char payload[] = "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.example\"}]}";
	int i, variant;

	(void)state;
	for (i = 0; i < CN_JWS_ALG_MAX; i++) {
		for (variant = 0; variant < 4; variant++) {
			const char *kid = (variant & 1) ? KID : NULL;
			const char *pl = (variant & 2) ? NULL : payload;
			char *body = sign((enum cn_jws_alg)i, kid, NONCE, pl);
			struct cn_jws *jws = parse_ok(body);
			char *prot = member(body, "protected"), *pay = member(body, "payload");
			char *tbs = NULL;
			EVP_PKEY *pk = NULL;

			assert_int_equal(jws->alg, i);
			assert_string_equal(jws->nonce, NONCE);
			assert_string_equal(jws->url, URL);
			assert_int_equal(jws->sig_len, sig_lens[i]);
			/* The protected header carries alg, jwk|kid, nonce, url only. */
			assert_int_equal(json_object_size(jws->protected_hdr), 4);
			if (kid != NULL) {
				assert_string_equal(jws->kid, KID);
				assert_null(jws->jwk);
			} else {
				assert_null(jws->kid);
				assert_non_null(jws->jwk);
				assert_int_equal(cn_jwk_to_pkey(jws->jwk, &pk), 0);
				assert_int_equal(EVP_PKEY_eq(pk, keys[i]), 1);
				assert_int_equal(cn_jws_verify(jws, pk), 0);
			}
			if (pl == NULL) {
				assert_true(jws->post_as_get);
				assert_int_equal(jws->payload_len, 0);
				assert_string_equal((const char *)jws->payload, "");
				assert_string_equal(pay, "");
				assert_null(jws->payload_json);
			} else {
				json_t *want = NULL;

				assert_false(jws->post_as_get);
				assert_int_equal(jws->payload_len, strlen(payload));
				assert_memory_equal(jws->payload, payload, strlen(payload));
				assert_int_equal(jws->payload[jws->payload_len], '\0');
				/* the parsed payload is kept, equal to parsing it again */
				assert_non_null(jws->payload_json);
				assert_true(json_is_object(jws->payload_json));
				assert_int_equal(cn_json_parse_object(payload, strlen(payload), &want), 0);
				assert_true(json_equal(jws->payload_json, want));
				json_decref(want);
			}
			tbs = cn_xmalloc(strlen(prot) + strlen(pay) + 2);
			memcpy(tbs, prot, strlen(prot));
			tbs[strlen(prot)] = '.';
			memcpy(tbs + strlen(prot) + 1, pay, strlen(pay) + 1);
			assert_int_equal(jws->signing_input_len, strlen(tbs));
			assert_string_equal(jws->signing_input, tbs);
			assert_int_equal(cn_jws_verify(jws, keys[i]), 0);
			/* Another key of the same kind: the signature does not verify. */
			assert_int_equal(cn_jws_verify(jws, other_keys[i]), CN_ERR_BAD_SIG);
			EVP_PKEY_free(pk);
			free(tbs);
			free(prot);
			free(pay);
			cn_jws_free(jws);
			free(body);
		}
	}
}

/* nonce == NULL leaves "nonce" out (key-change inner JWS, RFC 8555 7.3.5). */
static void test_sign_without_nonce(void **state)
{
	char *body = sign(CN_JWS_ES256, NULL, NULL, "{\"account\":\"" KID "\"}");
	struct cn_jws *jws = parse_ok(body);

	(void)state;
	assert_null(jws->nonce);
	assert_null(json_object_get(jws->protected_hdr, "nonce"));
	assert_int_equal(json_object_size(jws->protected_hdr), 3);
	assert_int_equal(cn_jws_verify(jws, keys[CN_JWS_ES256]), 0);
	cn_jws_free(jws);
	free(body);
}

/* ES signatures are R||S with leading zeros kept (RFC 7518 3.4 step 2). */
static void test_es_fixed_length_leading_zero(void **state)
{
	int i, zeros = 0;

	(void)state;
	for (i = 0; i < 3000 && zeros < 3; i++) {
		char *body = sign(CN_JWS_ES256, KID, NONCE, "{}");
		struct cn_jws *jws = parse_ok(body);

		assert_int_equal(jws->sig_len, 64);
		if (jws->sig[0] == 0 || jws->sig[32] == 0) {
			zeros++;
			assert_int_equal(cn_jws_verify(jws, keys[CN_JWS_ES256]), 0);
		}
		cn_jws_free(jws);
		free(body);
	}
	assert_int_equal(zeros, 3);
}

struct vector {
	const char *name;
	enum cn_jws_alg alg;
	const char *jwk;
	const char *signing_input;
	const char *sig;
};

static const struct vector vectors[] = {
	{"RFC 7515 A.3", CN_JWS_ES256,
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}",
	    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
	    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
	    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"},
	{"RFC 7515 A.4", CN_JWS_ES512,
	    "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_"
	    "NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk\",\"y\":\"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl"
	    "y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2\"}",
	    "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA",
	    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8G"
	    "aSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn"},
	{"RFC 8037 A.4", CN_JWS_EDDSA,
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
	    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc",
	    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"},
};

/*
 * The RFC examples have no jwk/kid, so cn_jws_parse refuses them as ACME
 * requests; their signatures are checked through the struct directly.
 */
static void test_rfc_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		json_t *jwk = NULL;
		EVP_PKEY *key = NULL;
		struct cn_jws jws;
		char *tbs = cn_xstrdup(v->signing_input);
		const char *dot = strchr(v->signing_input, '.');
		char *prot = cn_xstrndup(v->signing_input, (size_t)(dot - v->signing_input));
		char *body = NULL;
		int r;

		assert_int_equal(cn_json_parse(v->jwk, strlen(v->jwk), &jwk), 0);
		assert_int_equal(cn_jwk_to_pkey(jwk, &key), 0);
		memset(&jws, 0, sizeof(jws));
		jws.alg = v->alg;
		jws.signing_input = tbs;
		jws.signing_input_len = strlen(tbs);
		jws.sig = unb64(v->sig, &jws.sig_len);
		r = cn_jws_verify(&jws, key);
		if (r != 0)
			fail_msg("%s: %d %s", v->name, r, cn_err_detail());
		tbs[strlen(tbs) - 1] ^= 1; /* one bit of the payload */
		assert_int_equal(cn_jws_verify(&jws, key), CN_ERR_BAD_SIG);
		body = body3(prot, dot + 1, v->sig);
		assert_int_equal(parse_code(body), CN_ERR_MALFORMED);
		free(body);
		free(prot);
		free(jws.sig);
		free(tbs);
		EVP_PKEY_free(key);
		json_decref(jwk);
	}
}

/* Changing any of the three parts breaks the signature. */
static void test_tampering(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CN_JWS_ALG_MAX; i++) {
		char *body = sign((enum cn_jws_alg)i, KID, NONCE, "{\"status\":\"valid\"}");
		char *other_pay = b64s("{\"status\":\"deactivated\"}");
		char *other_hdr_json = NULL, *other_hdr = NULL, *t = NULL;
		char *sig = member(body, "signature"), *prot = member(body, "protected");
		unsigned char *raw = NULL;
		size_t raw_len = 0;
		char *sig2 = NULL;

		assert_int_equal(parse_verify(body, keys[i]), 0);
		/* payload */
		t = with_member(body, "payload", other_pay);
		assert_int_equal(parse_verify(t, keys[i]), CN_ERR_BAD_SIG);
		free(t);
		/* POST-as-GET instead of the payload */
		t = with_member(body, "payload", "");
		assert_int_equal(parse_verify(t, keys[i]), CN_ERR_BAD_SIG);
		free(t);
		/* protected: same alg and kid, another url */
		other_hdr_json = expand("{\"alg\":\"@P\",\"kid\":\"" KID "\",\"nonce\":\"" NONCE
		    "\",\"url\":\"https://ca.example/acme/revoke-cert\"}", cn_jws_alg_name(i), "");
		other_hdr = b64s(other_hdr_json);
		t = with_member(body, "protected", other_hdr);
		assert_int_equal(parse_verify(t, keys[i]), CN_ERR_BAD_SIG);
		free(t);
		/* signature: one bit flipped, first and last byte */
		raw = unb64(sig, &raw_len);
		raw[raw_len - 1] ^= 0x01;
		sig2 = cn_b64url_encode(raw, raw_len);
		t = with_member(body, "signature", sig2);
		assert_int_equal(parse_verify(t, keys[i]), CN_ERR_BAD_SIG);
		free(t);
		free(sig2);
		raw[raw_len - 1] ^= 0x01;
		raw[0] ^= 0x80;
		sig2 = cn_b64url_encode(raw, raw_len);
		t = with_member(body, "signature", sig2);
		assert_int_equal(parse_verify(t, keys[i]), CN_ERR_BAD_SIG);
		free(t);
		free(sig2);
		free(raw);
		free(other_hdr_json);
		free(other_hdr);
		free(other_pay);
		free(sig);
		free(prot);
		free(body);
	}
}

/* RFC 7518 3.4: exactly 2 * coordinate size; DER is not accepted. */
static void test_es_wrong_length(void **state)
{
	static const enum cn_jws_alg es[] = {CN_JWS_ES256, CN_JWS_ES384, CN_JWS_ES512};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(es) / sizeof(es[0]); i++) {
		enum cn_jws_alg alg = es[i];
		char *body = sign(alg, KID, NONCE, "{}");
		struct cn_jws *jws = parse_ok(body);
		unsigned char *raw = cn_xmalloc(jws->sig_len + 1), *der = NULL;
		size_t der_len = 0;
		const EVP_MD *md = alg == CN_JWS_ES256 ? EVP_sha256() :
		    alg == CN_JWS_ES384 ? EVP_sha384() : EVP_sha512();
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		char *s = NULL, *t = NULL;
		size_t n = jws->sig_len;

		memcpy(raw, jws->sig, n);
		raw[n] = 0;
		/* one byte too many, one too few */
		s = cn_b64url_encode(raw, n + 1);
		t = with_member(body, "signature", s);
		assert_int_equal(parse_verify(t, keys[alg]), CN_ERR_BAD_SIG);
		free(s);
		free(t);
		s = cn_b64url_encode(raw, n - 1);
		t = with_member(body, "signature", s);
		assert_int_equal(parse_verify(t, keys[alg]), CN_ERR_BAD_SIG);
		free(s);
		free(t);
		/* a valid DER signature over the same input */
		assert_non_null(ctx);
		assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, keys[alg]), 1);
		assert_int_equal(EVP_DigestSign(ctx, NULL, &der_len,
		    (const unsigned char *)jws->signing_input, jws->signing_input_len), 1);
		der = cn_xmalloc(der_len);
		assert_int_equal(EVP_DigestSign(ctx, der, &der_len,
		    (const unsigned char *)jws->signing_input, jws->signing_input_len), 1);
		assert_int_not_equal(der_len, n);
		s = cn_b64url_encode(der, der_len);
		t = with_member(body, "signature", s);
		assert_int_equal(parse_verify(t, keys[alg]), CN_ERR_BAD_SIG);
		assert_non_null(strstr(cn_err_detail(), "bytes"));
		free(s);
		free(t);
		free(der);
		EVP_MD_CTX_free(ctx);
		free(raw);
		cn_jws_free(jws);
		free(body);
	}
}

/* The alg must fit the key: no cross-use, whatever the header claims. */
static void test_alg_key_mismatch(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < CN_JWS_ALG_MAX; i++) {
		char *body = sign((enum cn_jws_alg)i, KID, NONCE, "{}");

		for (j = 0; j < CN_JWS_ALG_MAX; j++) {
			char *claim = NULL, *claim_b64 = NULL, *t = NULL;

			if (j == i)
				continue;
			/* the genuine JWS checked against a key of another kind */
			assert_int_equal(parse_verify(body, keys[j]), CN_ERR_BAD_SIG_ALG);
			/* the header rewritten to claim alg j, verified with key i */
			claim = expand("{\"alg\":\"@P\",\"kid\":\"" KID "\",\"nonce\":\"" NONCE
			    "\",\"url\":\"" URL "\"}", cn_jws_alg_name((enum cn_jws_alg)j), "");
			claim_b64 = b64s(claim);
			t = with_member(body, "protected", claim_b64);
			assert_int_equal(parse_verify(t, keys[i]), CN_ERR_BAD_SIG_ALG);
			free(t);
			free(claim_b64);
			free(claim);
		}
		free(body);
	}
}

/* RFC 9864: "Ed25519" is the fully-specified name of EdDSA over Ed25519. */
static void test_ed25519_alg_name(void **state)
{
	static const char hdr[] = "{\"alg\":\"Ed25519\",\"kid\":\"" KID "\",\"nonce\":\"" NONCE
	    "\",\"url\":\"" URL "\"}";
	char *prot = b64s(hdr), *pay = b64s("{}"), *tbs = NULL, *sig_b64 = NULL, *body = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	size_t sig_len = sizeof(sig);
	struct cn_jws *jws = NULL;

	(void)state;
	tbs = expand("@P.@Y", prot, pay);
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, keys[CN_JWS_EDDSA]), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)tbs,
	    strlen(tbs)), 1);
	sig_b64 = cn_b64url_encode(sig, sig_len);
	body = body3(prot, pay, sig_b64);
	jws = parse_ok(body);
	assert_int_equal(jws->alg, CN_JWS_EDDSA);
	assert_int_equal(cn_jws_verify(jws, keys[CN_JWS_EDDSA]), 0);
	assert_int_equal(cn_jws_verify(jws, keys[CN_JWS_ES256]), CN_ERR_BAD_SIG_ALG);
	cn_jws_free(jws);
	EVP_MD_CTX_free(ctx);
	free(body);
	free(sig_b64);
	free(tbs);
	free(prot);
	free(pay);
}

#define HDR(extra) "{\"alg\":\"ES256\"," extra "\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}"
#define HDR_KID(extra) HDR("\"kid\":\"" KID "\"," extra)
#define JWK_P256 "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\"," \
	"\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\"}"

struct hdr_case {
	const char *name;
	const char *hdr;     /* protected header JSON */
	const char *payload; /* payload JSON; "" for POST-as-GET */
	int code;
	const char *detail;  /* expected in cn_err_detail(), or NULL */
};

static const struct hdr_case hdr_cases[] = {
	{"kid, object payload", HDR_KID(""), "{}", 0, NULL},
	{"jwk, POST-as-GET", HDR("\"jwk\":" JWK_P256 ","), "", 0, NULL},
	{"alg none", "{\"alg\":\"none\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_BAD_SIG_ALG, "none"},
	{"alg HS256", "{\"alg\":\"HS256\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_BAD_SIG_ALG, "MAC"},
	{"alg HS384", "{\"alg\":\"HS384\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_BAD_SIG_ALG, "MAC"},
	{"alg HS512", "{\"alg\":\"HS512\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_BAD_SIG_ALG, "MAC"},
	{"alg PS256", "{\"alg\":\"PS256\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_BAD_SIG_ALG, "PS256"},
	{"alg lower case", "{\"alg\":\"es256\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_BAD_SIG_ALG, NULL},
	{"alg empty", "{\"alg\":\"\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_BAD_SIG_ALG, NULL},
	{"alg Ed448", "{\"alg\":\"Ed448\",\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_BAD_SIG_ALG, NULL},
	{"alg missing", "{\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}", CN_ERR_MALFORMED, "alg"},
	{"alg not a string", "{\"alg\":256,\"kid\":\"" KID "\",\"url\":\"" URL "\"}", "{}",
	    CN_ERR_MALFORMED, "alg"},
	{"jwk and kid", HDR("\"jwk\":" JWK_P256 ",\"kid\":\"" KID "\","), "{}", CN_ERR_MALFORMED,
	    "mutually exclusive"},
	{"neither jwk nor kid", HDR(""), "{}", CN_ERR_MALFORMED, "required"},
	{"jwk not an object", HDR("\"jwk\":\"" KID "\","), "{}", CN_ERR_MALFORMED, "jwk"},
	{"kid not a string", HDR("\"kid\":17,"), "{}", CN_ERR_MALFORMED, "kid"},
	{"kid null", HDR("\"kid\":null,"), "{}", CN_ERR_MALFORMED, "kid"},
	{"url not a string", "{\"alg\":\"ES256\",\"kid\":\"" KID "\",\"url\":[\"" URL "\"]}", "{}",
	    CN_ERR_MALFORMED, "url"},
	{"nonce not a string", "{\"alg\":\"ES256\",\"kid\":\"" KID "\",\"nonce\":1,\"url\":\"" URL
	    "\"}", "{}", CN_ERR_MALFORMED, "nonce"},
	{"b64 false", HDR_KID("\"b64\":false,"), "{}", CN_ERR_MALFORMED, "b64"},
	{"b64 true", HDR_KID("\"b64\":true,"), "{}", CN_ERR_MALFORMED, "b64"},
	{"crit", HDR_KID("\"crit\":[\"exp\"],\"exp\":1,"), "{}", CN_ERR_MALFORMED, "critical"},
	{"crit empty", HDR_KID("\"crit\":[],"), "{}", CN_ERR_MALFORMED, "critical"},
	{"duplicate kid", HDR_KID("\"kid\":\"https://ca.example/acme/acct/18\","), "{}",
	    CN_ERR_MALFORMED, "protected header"},
	{"duplicate alg", "{\"alg\":\"ES256\",\"alg\":\"none\",\"kid\":\"" KID "\"}", "{}",
	    CN_ERR_MALFORMED, "protected header"},
	{"protected array", "[\"ES256\"]", "{}", CN_ERR_MALFORMED, "protected header"},
	{"protected null", "null", "{}", CN_ERR_MALFORMED, "protected header"},
	{"protected empty", "", "{}", CN_ERR_MALFORMED, "protected header"},
	{"protected not JSON", "alg=ES256", "{}", CN_ERR_MALFORMED, "protected header"},
	{"protected trailing data", HDR_KID("") "{}", "{}", CN_ERR_MALFORMED, "protected header"},
	{"payload array", HDR_KID(""), "[]", CN_ERR_MALFORMED, "payload"},
	{"payload string", HDR_KID(""), "\"x\"", CN_ERR_MALFORMED, "payload"},
	{"payload number", HDR_KID(""), "1", CN_ERR_MALFORMED, "payload"},
	{"payload null", HDR_KID(""), "null", CN_ERR_MALFORMED, "payload"},
	{"payload not JSON", HDR_KID(""), "{", CN_ERR_MALFORMED, "payload"},
	{"payload duplicate", HDR_KID(""), "{\"status\":\"valid\",\"status\":\"deactivated\"}",
	    CN_ERR_MALFORMED, "payload"},
};

static void test_parse_header_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *c = &hdr_cases[i];
		char *prot = b64s(c->hdr), *pay = b64s(c->payload);
		char *body = body3(prot, pay, "AAAA");
		int r;

		cn_err_clear();
		r = parse_code(body);
		if (r != c->code)
			fail_msg("%s: got %d (%s)", c->name, r, cn_err_detail());
		if (c->detail != NULL && strstr(cn_err_detail(), c->detail) == NULL)
			fail_msg("%s: detail \"%s\"", c->name, cn_err_detail());
		free(body);
		free(prot);
		free(pay);
	}
}

struct body_case {
	const char *name;
	const char *body; /* @P: a valid protected header, @Y: the payload {} */
	int code;
	const char *detail;
};

static const struct body_case body_cases[] = {
	{"valid", "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AAAA\"}", 0, NULL},
	{"member order", "{\"signature\":\"AAAA\",\"payload\":\"@Y\",\"protected\":\"@P\"}", 0, NULL},
	{"whitespace", " {\n\"protected\" : \"@P\",\t\"payload\":\"@Y\",\"signature\":\"AAAA\"}\n", 0,
	    NULL},
	{"duplicate signature",
	    "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AAAA\",\"signature\":\"AAAB\"}",
	    CN_ERR_MALFORMED, NULL},
	{"duplicate protected",
	    "{\"protected\":\"@P\",\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AAAA\"}",
	    CN_ERR_MALFORMED, NULL},
	{"unprotected header",
	    "{\"protected\":\"@P\",\"header\":{\"kid\":\"x\"},\"payload\":\"@Y\",\"signature\":\"AAAA\"}",
	    CN_ERR_MALFORMED, "unprotected header"},
	{"general serialization",
	    "{\"payload\":\"@Y\",\"signatures\":[{\"protected\":\"@P\",\"signature\":\"AAAA\"}]}",
	    CN_ERR_MALFORMED, "one signature"},
	{"extra member",
	    "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AAAA\",\"x\":1}",
	    CN_ERR_MALFORMED, "unexpected member"},
	{"detached payload", "{\"protected\":\"@P\",\"signature\":\"AAAA\"}", CN_ERR_MALFORMED,
	    "payload"},
	{"missing protected", "{\"payload\":\"@Y\",\"signature\":\"AAAA\"}", CN_ERR_MALFORMED,
	    "protected"},
	{"missing signature", "{\"protected\":\"@P\",\"payload\":\"@Y\"}", CN_ERR_MALFORMED,
	    "signature"},
	{"payload null", "{\"protected\":\"@P\",\"payload\":null,\"signature\":\"AAAA\"}",
	    CN_ERR_MALFORMED, "payload"},
	{"protected as object",
	    "{\"protected\":{\"alg\":\"ES256\"},\"payload\":\"@Y\",\"signature\":\"AAAA\"}",
	    CN_ERR_MALFORMED, "protected"},
	{"signature number", "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":1}",
	    CN_ERR_MALFORMED, "signature"},
	{"padding in protected", "{\"protected\":\"@P=\",\"payload\":\"@Y\",\"signature\":\"AAAA\"}",
	    CN_ERR_MALFORMED, "protected"},
	{"padding in payload", "{\"protected\":\"@P\",\"payload\":\"@Y=\",\"signature\":\"AAAA\"}",
	    CN_ERR_MALFORMED, "payload"},
	{"padding in signature", "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AA==\"}",
	    CN_ERR_MALFORMED, "signature"},
	{"standard base64 in signature",
	    "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AA+/\"}", CN_ERR_MALFORMED,
	    "signature"},
	{"space in protected", "{\"protected\":\" @P\",\"payload\":\"@Y\",\"signature\":\"AAAA\"}",
	    CN_ERR_MALFORMED, "protected"},
	{"NUL in signature",
	    "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AAAA\\u0000AAAA\"}",
	    CN_ERR_MALFORMED, NULL},
	{"impossible length", "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AAAAA\"}",
	    CN_ERR_MALFORMED, "signature"},
	{"non-canonical bits", "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AB\"}",
	    CN_ERR_MALFORMED, "signature"},
	{"empty signature", "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"\"}",
	    CN_ERR_MALFORMED, "empty"},
	{"trailing data", "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AAAA\"} {}",
	    CN_ERR_MALFORMED, NULL},
	{"compact serialization", "@P.@Y.AAAA", CN_ERR_MALFORMED, NULL},
	{"array", "[\"@P\",\"@Y\",\"AAAA\"]", CN_ERR_MALFORMED, NULL},
	{"empty body", "", CN_ERR_MALFORMED, NULL},
	{"bad UTF-8", "{\"protected\":\"@P\",\"payload\":\"@Y\",\"signature\":\"AAAA\",\"\xff\":1}",
	    CN_ERR_MALFORMED, NULL},
};

static void test_parse_body_table(void **state)
{
	char *prot = b64s(HDR_KID("")), *pay = b64s("{}");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
		const struct body_case *c = &body_cases[i];
		char *body = expand(c->body, prot, pay);
		int r;

		cn_err_clear();
		r = parse_code(body);
		if (r != c->code)
			fail_msg("%s: got %d (%s)", c->name, r, cn_err_detail());
		if (c->detail != NULL && strstr(cn_err_detail(), c->detail) == NULL)
			fail_msg("%s: detail \"%s\"", c->name, cn_err_detail());
		free(body);
	}
	free(prot);
	free(pay);
}

/* CN_MAX_JWS_BODY: a body at the limit parses, one byte more is CN_ERR_TOO_BIG. */
static void test_body_limit(void **state)
{
	char *prot = b64s(HDR_KID("")), *pay = b64s("{}"), *body = NULL, *big = NULL;
	struct cn_jws *jws = NULL;
	size_t len;

	(void)state;
	body = body3(prot, pay, "AAAA");
	len = strlen(body);
	big = cn_xmalloc(CN_MAX_JWS_BODY + 2);
	memset(big, ' ', CN_MAX_JWS_BODY + 1);
	memcpy(big, body, len); /* trailing whitespace is allowed JSON */
	big[CN_MAX_JWS_BODY + 1] = '\0';
	assert_int_equal(cn_jws_parse(big, CN_MAX_JWS_BODY + 1, &jws), CN_ERR_TOO_BIG);
	assert_null(jws);
	assert_int_equal(cn_jws_parse(big, CN_MAX_JWS_BODY, &jws), 0);
	cn_jws_free(jws);
	free(big);
	free(body);
	free(prot);
	free(pay);
}

/* --- External Account Binding --- */

struct eab_ctx {
	const char *kid;
	const unsigned char *key;
	size_t key_len;
	int fail;  /* returned for an unknown kid */
	int calls;
};

static int lookup(void *arg, const char *kid, unsigned char **key, size_t *key_len)
{
	struct eab_ctx *c = arg;

	c->calls++;
	if (strcmp(kid, c->kid) != 0)
		return c->fail;
	*key = cn_xmemdup(c->key, c->key_len);
	*key_len = c->key_len;
	return 0;
}

static const unsigned char mac_key[32] = {
	0x4f, 0x1d, 0x2a, 0x77, 0x90, 0x03, 0x5e, 0xc1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

#define NEW_ACCOUNT "https://ca.example/acme/new-account"

/* An HS256 JWS built here, independently of jws.c, for malformed cases. */
static json_t *eab_manual(const char *hdr_json, const char *payload_json, const unsigned char *key,
    size_t key_len)
{
	char *prot = b64s(hdr_json), *pay = b64s(payload_json), *tbs = expand("@P.@Y", prot, pay);
	unsigned char mac[32];
	size_t mac_len = 0;
	char *sig;
	json_t *j;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
	    (const unsigned char *)tbs, strlen(tbs), mac, sizeof(mac), &mac_len));
	sig = cn_b64url_encode(mac, mac_len);
	j = json_pack("{s:s, s:s, s:s}", "protected", prot, "payload", pay, "signature", sig);
	assert_non_null(j);
	free(sig);
	free(tbs);
	free(prot);
	free(pay);
	return j;
}

static json_t *account_jwk(enum cn_jws_alg alg)
{
	json_t *j = NULL;

	assert_int_equal(cn_jwk_from_pkey(keys[alg], &j), 0);
	return j;
}

static void test_eab_roundtrip(void **state)
{
	struct eab_ctx ctx = {"kid-1", mac_key, sizeof(mac_key), CN_ERR_UNAUTHORIZED, 0};
	int i;

	(void)state;
	for (i = 0; i < CN_JWS_ALG_MAX; i++) {
		json_t *jwk = account_jwk((enum cn_jws_alg)i), *eab = NULL, *hdr = NULL, *pl = NULL;
		char *kid = NULL;
		unsigned char *raw = NULL;
		size_t raw_len = 0;

		assert_int_equal(cn_jws_eab_sign(mac_key, sizeof(mac_key), "kid-1", NEW_ACCOUNT, jwk,
		    &eab), 0);
		assert_int_equal(json_object_size(eab), 3);
		/* protected is exactly {alg, kid, url}; payload is the JWK */
		raw = unb64(json_string_value(json_object_get(eab, "protected")), &raw_len);
		assert_int_equal(cn_json_parse(raw, raw_len, &hdr), 0);
		free(raw);
		assert_int_equal(json_object_size(hdr), 3);
		assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "HS256");
		assert_string_equal(json_string_value(json_object_get(hdr, "kid")), "kid-1");
		assert_string_equal(json_string_value(json_object_get(hdr, "url")), NEW_ACCOUNT);
		raw = unb64(json_string_value(json_object_get(eab, "payload")), &raw_len);
		assert_int_equal(cn_json_parse(raw, raw_len, &pl), 0);
		free(raw);
		assert_true(json_equal(pl, jwk));
		raw = unb64(json_string_value(json_object_get(eab, "signature")), &raw_len);
		assert_int_equal(raw_len, 32);
		free(raw);

		assert_int_equal(cn_jws_eab_verify(eab, NEW_ACCOUNT, jwk, lookup, &ctx, &kid), 0);
		assert_string_equal(kid, "kid-1");
		free(kid);
		json_decref(pl);
		json_decref(hdr);
		json_decref(eab);
		json_decref(jwk);
	}
}

/* The full newAccount flow: EAB inside the payload of an outer jwk JWS. */
static void test_eab_in_new_account(void **state)
{
	struct eab_ctx ctx = {"kid-1", mac_key, sizeof(mac_key), CN_ERR_UNAUTHORIZED, 0};
	json_t *jwk = account_jwk(CN_JWS_ES256), *eab = NULL, *payload = NULL, *inner = NULL;
	char *payload_s = NULL, *body = NULL, *kid = NULL;
	struct cn_jws *jws = NULL;
	EVP_PKEY *pk = NULL;

	(void)state;
	assert_int_equal(cn_jws_eab_sign(mac_key, sizeof(mac_key), "kid-1", NEW_ACCOUNT, jwk, &eab),
	    0);
	payload = json_pack("{s:b, s:o}", "termsOfServiceAgreed", 1, "externalAccountBinding", eab);
	assert_non_null(payload);
	payload_s = cn_json_dump(payload);
	assert_int_equal(cn_jws_sign(keys[CN_JWS_ES256], NULL, NONCE, NEW_ACCOUNT, payload_s, &body),
	    0);
	jws = parse_ok(body);
	assert_int_equal(cn_jwk_to_pkey(jws->jwk, &pk), 0);
	assert_int_equal(cn_jws_verify(jws, pk), 0);
	assert_int_equal(cn_json_parse(jws->payload, jws->payload_len, &inner), 0);
	assert_int_equal(cn_jws_eab_verify(json_object_get(inner, "externalAccountBinding"),
	    jws->url, jws->jwk, lookup, &ctx, &kid), 0);
	assert_string_equal(kid, "kid-1");
	free(kid);
	json_decref(inner);
	EVP_PKEY_free(pk);
	cn_jws_free(jws);
	free(body);
	free(payload_s);
	json_decref(payload);
	json_decref(jwk);
}

static void test_eab_refusals(void **state)
{
	unsigned char wrong_key[32];
	struct eab_ctx ctx = {"kid-1", mac_key, sizeof(mac_key), CN_ERR_UNAUTHORIZED, 0};
	struct eab_ctx wrong = {"kid-1", wrong_key, sizeof(wrong_key), CN_ERR_UNAUTHORIZED, 0};
	struct eab_ctx unknown = {"kid-2", mac_key, sizeof(mac_key), CN_ERR_STORE, 0};
	json_t *jwk = account_jwk(CN_JWS_ES256), *other = account_jwk(CN_JWS_ES384);
	json_t *eab = NULL, *t = NULL;
	char *kid = NULL, *pay = NULL;

	(void)state;
	memcpy(wrong_key, mac_key, sizeof(wrong_key));
	wrong_key[31] ^= 1;
	assert_int_equal(cn_jws_eab_sign(mac_key, sizeof(mac_key), "kid-1", NEW_ACCOUNT, jwk, &eab),
	    0);
	/* wrong MAC key */
	assert_int_equal(cn_jws_eab_verify(eab, NEW_ACCOUNT, jwk, lookup, &wrong, &kid),
	    CN_ERR_UNAUTHORIZED);
	assert_int_equal(wrong.calls, 1);
	/* another url (replay at another endpoint) */
	assert_int_equal(cn_jws_eab_verify(eab, "https://ca.example/acme/key-change", jwk, lookup,
	    &ctx, &kid), CN_ERR_UNAUTHORIZED);
	assert_non_null(strstr(cn_err_detail(), "url"));
	/* bound to another account key */
	assert_int_equal(cn_jws_eab_verify(eab, NEW_ACCOUNT, other, lookup, &ctx, &kid),
	    CN_ERR_UNAUTHORIZED);
	assert_non_null(strstr(cn_err_detail(), "account key"));
	/* unknown kid: the lookup's code comes back unchanged */
	assert_int_equal(cn_jws_eab_verify(eab, NEW_ACCOUNT, jwk, lookup, &unknown, &kid),
	    CN_ERR_STORE);
	assert_int_equal(unknown.calls, 1);
	/* payload swapped for another key: the MAC breaks */
	t = json_deep_copy(eab);
	pay = cn_json_dump(other);
	{
		char *pb = b64s(pay);

		json_object_set_new(t, "payload", json_string(pb));
		free(pb);
	}
	assert_int_equal(cn_jws_eab_verify(t, NEW_ACCOUNT, other, lookup, &ctx, &kid),
	    CN_ERR_UNAUTHORIZED);
	json_decref(t);
	free(pay);
	/* truncated MAC */
	t = json_deep_copy(eab);
	{
		size_t n = 0;
		unsigned char *raw = unb64(json_string_value(json_object_get(t, "signature")), &n);
		char *s = cn_b64url_encode(raw, n - 1);

		json_object_set_new(t, "signature", json_string(s));
		free(s);
		free(raw);
	}
	assert_int_equal(cn_jws_eab_verify(t, NEW_ACCOUNT, jwk, lookup, &ctx, &kid),
	    CN_ERR_UNAUTHORIZED);
	json_decref(t);
	/* an unprotected header */
	t = json_deep_copy(eab);
	json_object_set_new(t, "header", json_pack("{s:s}", "kid", "kid-1"));
	assert_int_equal(cn_jws_eab_verify(t, NEW_ACCOUNT, jwk, lookup, &ctx, &kid),
	    CN_ERR_MALFORMED);
	json_decref(t);
	/* not an object */
	t = json_string("eab");
	assert_int_equal(cn_jws_eab_verify(t, NEW_ACCOUNT, jwk, lookup, &ctx, &kid),
	    CN_ERR_MALFORMED);
	json_decref(t);
	assert_null(kid);
	/* empty MAC key */
	assert_int_equal(cn_jws_eab_sign(mac_key, 0, "kid-1", NEW_ACCOUNT, jwk, &t), CN_ERR_USAGE);
	json_decref(eab);
	json_decref(jwk);
	json_decref(other);
}

#define EAB_JWK "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\"," \
	"\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\"}"

struct eab_case {
	const char *name;
	const char *hdr;
	const char *payload;
	int code;
};

static const struct eab_case eab_cases[] = {
	{"valid", "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}", EAB_JWK, 0},
	{"payload JWK with extra members, other order",
	    "{\"url\":\"" NEW_ACCOUNT "\",\"kid\":\"kid-1\",\"alg\":\"HS256\"}",
	    "{\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\",\"use\":\"sig\","
	    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\",\"crv\":\"P-256\",\"kty\":\"EC\"}", 0},
	{"alg HS512", "{\"alg\":\"HS512\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}", EAB_JWK,
	    CN_ERR_MALFORMED},
	{"alg ES256", "{\"alg\":\"ES256\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}", EAB_JWK,
	    CN_ERR_MALFORMED},
	{"alg none", "{\"alg\":\"none\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}", EAB_JWK,
	    CN_ERR_MALFORMED},
	{"alg missing", "{\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}", EAB_JWK, CN_ERR_MALFORMED},
	{"nonce present", "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"nonce\":\"" NONCE "\",\"url\":\""
	    NEW_ACCOUNT "\"}", EAB_JWK, CN_ERR_MALFORMED},
	{"kid missing", "{\"alg\":\"HS256\",\"url\":\"" NEW_ACCOUNT "\"}", EAB_JWK, CN_ERR_MALFORMED},
	{"kid empty", "{\"alg\":\"HS256\",\"kid\":\"\",\"url\":\"" NEW_ACCOUNT "\"}", EAB_JWK,
	    CN_ERR_MALFORMED},
	{"kid number", "{\"alg\":\"HS256\",\"kid\":1,\"url\":\"" NEW_ACCOUNT "\"}", EAB_JWK,
	    CN_ERR_MALFORMED},
	{"url missing", "{\"alg\":\"HS256\",\"kid\":\"kid-1\"}", EAB_JWK, CN_ERR_MALFORMED},
	{"crit", "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"crit\":[\"x\"],\"x\":1,\"url\":\"" NEW_ACCOUNT
	    "\"}", EAB_JWK, CN_ERR_MALFORMED},
	{"b64 false", "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"b64\":false,\"url\":\"" NEW_ACCOUNT
	    "\"}", EAB_JWK, CN_ERR_MALFORMED},
	{"duplicate kid", "{\"alg\":\"HS256\",\"kid\":\"kid-2\",\"kid\":\"kid-1\",\"url\":\""
	    NEW_ACCOUNT "\"}", EAB_JWK, CN_ERR_MALFORMED},
	{"protected not an object", "[\"HS256\"]", EAB_JWK, CN_ERR_MALFORMED},
	{"payload not an object", "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}",
	    "[1]", CN_ERR_MALFORMED},
	{"payload empty", "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}", "",
	    CN_ERR_MALFORMED},
	{"payload with private key",
	    "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}",
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
	    "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\","
	    "\"d\":\"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE\"}", CN_ERR_BAD_KEY},
	{"payload another key", "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "\"}",
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
	    CN_ERR_UNAUTHORIZED},
	{"other url", "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"" NEW_ACCOUNT "/\"}", EAB_JWK,
	    CN_ERR_UNAUTHORIZED},
};

/* EABs as another client would build them, MAC valid, shape varied. */
static void test_eab_table(void **state)
{
	json_t *account = NULL;
	size_t i;

	(void)state;
	assert_int_equal(cn_json_parse(EAB_JWK, strlen(EAB_JWK), &account), 0);
	for (i = 0; i < sizeof(eab_cases) / sizeof(eab_cases[0]); i++) {
		const struct eab_case *c = &eab_cases[i];
		struct eab_ctx ctx = {"kid-1", mac_key, sizeof(mac_key), CN_ERR_UNAUTHORIZED, 0};
		json_t *eab = eab_manual(c->hdr, c->payload, mac_key, sizeof(mac_key));
		char *kid = NULL;
		int r;

		r = cn_jws_eab_verify(eab, NEW_ACCOUNT, account, lookup, &ctx, &kid);
		if (r != c->code)
			fail_msg("%s: got %d (%s)", c->name, r, cn_err_detail());
		if (r == 0)
			assert_string_equal(kid, "kid-1");
		else
			assert_null(kid);
		free(kid);
		json_decref(eab);
	}
	json_decref(account);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_names_and_keys),
		cmocka_unit_test(test_sign_parse_verify),
		cmocka_unit_test(test_sign_without_nonce),
		cmocka_unit_test(test_es_fixed_length_leading_zero),
		cmocka_unit_test(test_rfc_vectors),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_es_wrong_length),
		cmocka_unit_test(test_alg_key_mismatch),
		cmocka_unit_test(test_ed25519_alg_name),
		cmocka_unit_test(test_parse_header_table),
		cmocka_unit_test(test_parse_body_table),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_eab_roundtrip),
		cmocka_unit_test(test_eab_in_new_account),
		cmocka_unit_test(test_eab_refusals),
		cmocka_unit_test(test_eab_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
