/*
 * test_jwk.c - src/core/jose/jwk.c: RFC 7638 and RFC 8037 thumbprint
 * vectors, round trips for every key type, and the JWKs we must refuse.
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

#include "b64url.h"
#include "jose/jwk.h"
#include "json.h"
#include "mem.h"

/* RFC 7638 section 3.1. */
static const char rfc7638_jwk[] =
    "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAt"
    "VT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FD"
    "W2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINH"
    "aQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\","
    "\"kid\":\"2011-04-29\"}";
static const char rfc7638_canonical[] =
    "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2"
    "aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCi"
    "FV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65Y"
    "GjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n"
    "91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_x"
    "BniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"}";

/* RFC 7517 appendix A.1 (P-256) and RFC 8037 A.2 (Ed25519). */
#define EC_X "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"
#define EC_Y "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"
#define EC_D "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"
#define ED_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"

static json_t *load(const char *s)
{
	json_t *j = NULL;

	assert_int_equal(cn_json_parse(s, strlen(s), &j), 0);
	return j;
}

static void test_rfc7638_vector(void **state)
{
	json_t *jwk = load(rfc7638_jwk);
	char tp[CN_JWK_THUMBPRINT_LEN + 1];
	char *canon = NULL;
	EVP_PKEY *pkey = NULL;

	(void)state;
	assert_int_equal(cn_jwk_canonical(jwk, &canon), 0);
	assert_string_equal(canon, rfc7638_canonical);
	assert_int_equal(cn_jwk_thumbprint(jwk, tp), 0);
	assert_string_equal(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	assert_int_equal(strlen(tp), CN_JWK_THUMBPRINT_LEN);
	/* The example key is a valid 2048-bit public key. */
	assert_int_equal(cn_jwk_to_pkey(jwk, &pkey), 0);
	assert_int_equal(EVP_PKEY_get_bits(pkey), 2048);
	EVP_PKEY_free(pkey);
	free(canon);
	json_decref(jwk);
}

static void test_rfc8037_vector(void **state)
{
	json_t *jwk = load("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\"}");
	char tp[CN_JWK_THUMBPRINT_LEN + 1];
	char *canon = NULL;
	EVP_PKEY *pkey = NULL;

	(void)state;
	assert_int_equal(cn_jwk_canonical(jwk, &canon), 0);
	assert_string_equal(canon, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" ED_X "\"}");
	assert_int_equal(cn_jwk_thumbprint(jwk, tp), 0);
	assert_string_equal(tp, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
	assert_int_equal(cn_jwk_to_pkey(jwk, &pkey), 0);
	assert_true(EVP_PKEY_is_a(pkey, "ED25519"));
	EVP_PKEY_free(pkey);
	free(canon);
	json_decref(jwk);
}

/* Extra members are left out of the canonical form; order does not matter. */
static void test_canonical_ignores_extras(void **state)
{
	json_t *a = load("{\"y\":\"" EC_Y "\",\"use\":\"sig\",\"kid\":\"1\",\"x\":\"" EC_X
	    "\",\"crv\":\"P-256\",\"kty\":\"EC\"}");
	json_t *b = load("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}");
	char ta[CN_JWK_THUMBPRINT_LEN + 1], tb[CN_JWK_THUMBPRINT_LEN + 1];
	char *canon = NULL;

	(void)state;
	assert_int_equal(cn_jwk_canonical(a, &canon), 0);
	assert_string_equal(canon,
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}");
	assert_int_equal(cn_jwk_thumbprint(a, ta), 0);
	assert_int_equal(cn_jwk_thumbprint(b, tb), 0);
	assert_string_equal(ta, tb);
	free(canon);
	json_decref(a);
	json_decref(b);
}

struct canon_bad {
	const char *jwk;
	int code;
};

static void test_canonical_rejects(void **state)
{
	static const struct canon_bad rows[] = {
		{"{\"kty\":\"oct\",\"k\":\"AAAA\"}", CN_ERR_BAD_KEY},
		{"{\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", CN_ERR_BAD_KEY},
		{"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\"}", CN_ERR_BAD_KEY},
		{"{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":1}", CN_ERR_BAD_KEY},
		{"{\"kty\":7}", CN_ERR_BAD_KEY},
		{"[\"kty\"]", CN_ERR_BAD_KEY},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *j = load(rows[i].jwk);
		char tp[CN_JWK_THUMBPRINT_LEN + 1];
		char *canon = NULL;

		assert_int_equal(cn_jwk_canonical(j, &canon), rows[i].code);
		assert_null(canon);
		assert_int_equal(cn_jwk_thumbprint(j, tp), rows[i].code);
		json_decref(j);
	}
}

struct keygen {
	const char *type;
	const char *param; /* curve name, or NULL */
	size_t bits;       /* RSA bits */
	const char *kty;
	const char *crv;   /* expected "crv", or NULL */
	size_t members;
};

static const struct keygen keygens[] = {
	{"EC", "P-256", 0, "EC", "P-256", 4},
	{"EC", "P-384", 0, "EC", "P-384", 4},
	{"EC", "P-521", 0, "EC", "P-521", 4},
	{"RSA", NULL, 2048, "RSA", NULL, 3},
	{"RSA", NULL, 3072, "RSA", NULL, 3},
	{"ED25519", NULL, 0, "OKP", "Ed25519", 3},
};

static EVP_PKEY *gen(const struct keygen *k)
{
	EVP_PKEY *p;

	if (k->param != NULL)
		p = EVP_PKEY_Q_keygen(NULL, NULL, k->type, k->param);
	else if (k->bits != 0)
		p = EVP_PKEY_Q_keygen(NULL, NULL, k->type, k->bits);
	else
		p = EVP_PKEY_Q_keygen(NULL, NULL, k->type);
	assert_non_null(p);
	return p;
}

static void test_round_trips(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keygens) / sizeof(keygens[0]); i++) {
		const struct keygen *k = &keygens[i];
		EVP_PKEY *key = gen(k), *back = NULL;
		json_t *jwk = NULL, *jwk2 = NULL;
		char t1[CN_JWK_THUMBPRINT_LEN + 1], t2[CN_JWK_THUMBPRINT_LEN + 1];
		const char *crv = NULL;
		char *s1 = NULL, *s2 = NULL;

		assert_int_equal(cn_jwk_from_pkey(key, &jwk), 0);
		assert_int_equal(json_object_size(jwk), k->members);
		assert_string_equal(json_string_value(json_object_get(jwk, "kty")), k->kty);
		crv = json_string_value(json_object_get(jwk, "crv"));
		if (k->crv != NULL)
			assert_string_equal(crv, k->crv);
		else
			assert_null(crv);
		/* A public JWK only. */
		assert_null(json_object_get(jwk, "d"));
		assert_int_equal(cn_jwk_to_pkey(jwk, &back), 0);
		assert_int_equal(EVP_PKEY_eq(key, back), 1);
		assert_int_equal(cn_jwk_from_pkey(back, &jwk2), 0);
		s1 = cn_json_dump(jwk);
		s2 = cn_json_dump(jwk2);
		assert_string_equal(s1, s2);
		/* from_pkey emits the canonical member order already. */
		free(s2);
		assert_int_equal(cn_jwk_canonical(jwk, &s2), 0);
		assert_string_equal(s1, s2);
		assert_int_equal(cn_jwk_thumbprint(jwk, t1), 0);
		assert_int_equal(cn_jwk_thumbprint(jwk2, t2), 0);
		assert_string_equal(t1, t2);
		free(s1);
		free(s2);
		json_decref(jwk);
		json_decref(jwk2);
		EVP_PKEY_free(key);
		EVP_PKEY_free(back);
	}
}

/* EC coordinates with leading zero bytes keep their full length (RFC 7518 6.2.1.2). */
static void test_ec_coordinates_full_length(void **state)
{
	int found = 0, tries;

	(void)state;
	for (tries = 0; tries < 6000 && !found; tries++) {
		EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		json_t *jwk = NULL;
		unsigned char *x = NULL;
		size_t x_len = 0;
		const char *xs;

		assert_non_null(key);
		assert_int_equal(cn_jwk_from_pkey(key, &jwk), 0);
		xs = json_string_value(json_object_get(jwk, "x"));
		assert_int_equal(cn_b64url_decode(xs, strlen(xs), &x, &x_len), 0);
		assert_int_equal(x_len, 32);
		if (x[0] == 0) {
			EVP_PKEY *back = NULL;

			found = 1;
			assert_int_equal(cn_jwk_to_pkey(jwk, &back), 0);
			assert_int_equal(EVP_PKEY_eq(key, back), 1);
			EVP_PKEY_free(back);
		}
		free(x);
		json_decref(jwk);
		EVP_PKEY_free(key);
	}
	assert_true(found);
}

static void test_unsupported_pkey(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	json_t *jwk = NULL;

	(void)state;
	assert_non_null(k);
	assert_non_null(x);
	assert_int_equal(cn_jwk_from_pkey(k, &jwk), CN_ERR_BAD_KEY);
	assert_int_equal(cn_jwk_from_pkey(x, &jwk), CN_ERR_BAD_KEY);
	assert_null(jwk);
	EVP_PKEY_free(k);
	EVP_PKEY_free(x);
}

/* An RSA JWK from raw n and e bytes. */
static json_t *rsa_jwk(const unsigned char *n, size_t n_len, const unsigned char *e, size_t e_len)
{
	char *ns = cn_b64url_encode(n, n_len), *es = cn_b64url_encode(e, e_len);
	json_t *j = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", ns, "e", es);

	assert_non_null(j);
	free(ns);
	free(es);
	return j;
}

static const unsigned char e_65537[] = {1, 0, 1};

/* n of bits bits, odd, all other bytes 0xc3. */
static json_t *rsa_jwk_bits(size_t bits, const unsigned char *e, size_t e_len)
{
	size_t len = (bits + 7) / 8;
	unsigned char *n = cn_xmalloc(len);
	json_t *j;

	memset(n, 0xc3, len);
	n[0] = (unsigned char)(bits % 8 ? (1u << (bits % 8)) - 1 : 0xff);
	n[len - 1] |= 1;
	j = rsa_jwk(n, len, e, e_len);
	free(n);
	return j;
}

struct bad_jwk {
	const char *name;
	const char *jwk;
	const char *detail; /* expected in cn_err_detail() */
};

static const struct bad_jwk bad_jwks[] = {
	{"EC private d", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y
	    "\",\"d\":\"" EC_D "\"}", "private member \"d\""},
	{"OKP private d", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X
	    "\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}", "private member \"d\""},
	{"RSA private p", "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"p\":\"AQAB\"}", "private member \"p\""},
	{"RSA private qi", "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"qi\":\"AQAB\"}", "private member \"qi\""},
	{"oct", "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}", "private member \"k\""},
	{"oct without k", "{\"kty\":\"oct\"}", "unsupported key type"},
	{"no kty", "{\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", "missing member \"kty\""},
	{"kty not string", "{\"kty\":1,\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", "\"kty\" is not a string"},
	{"kty lower case", "{\"kty\":\"ec\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", "unsupported key type"},
	{"not an object", "[\"EC\"]", "not a JSON object"},
	{"EC no crv", "{\"kty\":\"EC\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", "missing member \"crv\""},
	{"EC P-192", "{\"kty\":\"EC\",\"crv\":\"P-192\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", "unsupported EC curve"},
	{"EC secp256k1", "{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", "unsupported EC curve"},
	{"EC OpenSSL name", "{\"kty\":\"EC\",\"crv\":\"prime256v1\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", "unsupported EC curve"},
	{"EC wrong curve for coords", "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}", "must be 48 bytes"},
	{"EC no y", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\"}", "missing member \"y\""},
	{"EC y not string", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":42}", "\"y\" is not a string"},
	{"EC short x", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7A\",\"y\":\"" EC_Y "\"}", "must be 32 bytes"},
	{"EC point off curve", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X
	    "\",\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyA\"}", "not on curve"},
	{"EC padding", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "=\",\"y\":\"" EC_Y "\"}", "\"x\" is not valid base64url"},
	{"EC standard base64", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\",\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFy+\"}", "\"y\" is not valid base64url"},
	{"EC whitespace", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\" " EC_X "\",\"y\":\"" EC_Y "\"}", "\"x\" is not valid base64url"},
	{"EC non-canonical bits", "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyN\"}", "\"y\" is not valid base64url"},
	{"OKP Ed448", "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"" ED_X "\"}", "Ed25519 only"},
	{"OKP X25519", "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08\"}", "Ed25519 only"},
	{"OKP no crv", "{\"kty\":\"OKP\",\"x\":\"" ED_X "\"}", "missing member \"crv\""},
	{"OKP short x", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ\"}", "must be 32 bytes"},
	{"RSA no e", "{\"kty\":\"RSA\",\"n\":\"AQAB\"}", "missing member \"e\""},
	{"RSA empty n", "{\"kty\":\"RSA\",\"n\":\"\",\"e\":\"AQAB\"}", "minimal Base64urlUInt"},
};

static void test_rejects_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_jwks) / sizeof(bad_jwks[0]); i++) {
		json_t *j = load(bad_jwks[i].jwk);
		EVP_PKEY *p = NULL;
		int r;

		cn_err_clear();
		r = cn_jwk_to_pkey(j, &p);
		if (r != CN_ERR_BAD_KEY)
			fail_msg("%s: got %d", bad_jwks[i].name, r);
		assert_null(p);
		if (strstr(cn_err_detail(), bad_jwks[i].detail) == NULL)
			fail_msg("%s: detail \"%s\"", bad_jwks[i].name, cn_err_detail());
		json_decref(j);
	}
}

struct rsa_case {
	const char *name;
	size_t bits;
	const unsigned char *e;
	size_t e_len;
	int code;
};

static const unsigned char e_3[] = {3};
static const unsigned char e_even[] = {1, 0, 2};
static const unsigned char e_lead0[] = {0, 1, 0, 1};
static const unsigned char e_big[33] = {1, [32] = 1};
static const unsigned char e_max[32] = {0x80, [31] = 1};

static void test_rsa_limits(void **state)
{
	static const struct rsa_case rows[] = {
		{"1024 bits", 1024, e_65537, sizeof(e_65537), CN_ERR_BAD_KEY},
		{"2047 bits", 2047, e_65537, sizeof(e_65537), CN_ERR_BAD_KEY},
		{"2048 bits", 2048, e_65537, sizeof(e_65537), 0},
		{"8192 bits", 8192, e_65537, sizeof(e_65537), 0},
		{"8193 bits", 8193, e_65537, sizeof(e_65537), CN_ERR_BAD_KEY},
		{"16384 bits", 16384, e_65537, sizeof(e_65537), CN_ERR_BAD_KEY},
		{"e = 3", 2048, e_3, sizeof(e_3), CN_ERR_BAD_KEY},
		{"even e", 2048, e_even, sizeof(e_even), CN_ERR_BAD_KEY},
		{"e with leading zero", 2048, e_lead0, sizeof(e_lead0), CN_ERR_BAD_KEY},
		{"e of 2^256 + 1", 2048, e_big, sizeof(e_big), CN_ERR_BAD_KEY},
		{"e just under 2^256", 2048, e_max, sizeof(e_max), 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *j = rsa_jwk_bits(rows[i].bits, rows[i].e, rows[i].e_len);
		EVP_PKEY *p = NULL;
		int r = cn_jwk_to_pkey(j, &p);

		if (r != rows[i].code)
			fail_msg("%s: got %d (%s)", rows[i].name, r, cn_err_detail());
		if (r == 0) {
			assert_int_equal(EVP_PKEY_get_bits(p), (int)rows[i].bits);
			EVP_PKEY_free(p);
		} else {
			assert_null(p);
		}
		json_decref(j);
	}
}

/* RFC 7518 section 2: Base64urlUInt is minimal; and n must be odd. */
static void test_rsa_modulus_form(void **state)
{
	unsigned char n[257];
	json_t *j;
	EVP_PKEY *p = NULL;

	(void)state;
	memset(n, 0xc3, sizeof(n));
	n[0] = 0; /* 2048-bit modulus with a leading zero octet */
	j = rsa_jwk(n, sizeof(n), e_65537, sizeof(e_65537));
	assert_int_equal(cn_jwk_to_pkey(j, &p), CN_ERR_BAD_KEY);
	json_decref(j);
	j = rsa_jwk(n + 1, sizeof(n) - 1, e_65537, sizeof(e_65537));
	assert_int_equal(cn_jwk_to_pkey(j, &p), 0);
	EVP_PKEY_free(p);
	p = NULL;
	json_decref(j);
	n[256] = 0xc2; /* even */
	j = rsa_jwk(n + 1, sizeof(n) - 1, e_65537, sizeof(e_65537));
	assert_int_equal(cn_jwk_to_pkey(j, &p), CN_ERR_BAD_KEY);
	assert_null(p);
	json_decref(j);
}

/* Unknown public members ("use", "alg", "kid") are ignored (RFC 7517 section 4). */
static void test_extra_members_accepted(void **state)
{
	json_t *j = load("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y
	    "\",\"use\":\"sig\",\"alg\":\"ES256\",\"kid\":\"k1\"}");
	EVP_PKEY *p = NULL;

	(void)state;
	assert_int_equal(cn_jwk_to_pkey(j, &p), 0);
	assert_true(EVP_PKEY_is_a(p, "EC"));
	EVP_PKEY_free(p);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7638_vector),
		cmocka_unit_test(test_rfc8037_vector),
		cmocka_unit_test(test_canonical_ignores_extras),
		cmocka_unit_test(test_canonical_rejects),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_ec_coordinates_full_length),
		cmocka_unit_test(test_unsupported_pkey),
		cmocka_unit_test(test_rejects_table),
		cmocka_unit_test(test_rsa_limits),
		cmocka_unit_test(test_rsa_modulus_form),
		cmocka_unit_test(test_extra_members_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
