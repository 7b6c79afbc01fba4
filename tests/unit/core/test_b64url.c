/*
 * test_b64url.c - unit tests of src/core/b64url.c through b64url.h: the
 * RFC 4648 section 10 test vectors in standard base64 (section 4) and their
 * unpadded base64url equivalents (section 5, as RFC 7515 section 2 uses
 * them); strict decoding (padding, characters outside the alphabet,
 * impossible lengths, non-canonical trailing bits); round trips of every
 * length 0..300 checked against OpenSSL's encoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "err.h"

struct vector {
	const char *raw;
	size_t raw_len;
	const char *std; /* RFC 4648 section 4, padded */
	const char *url; /* section 5, no padding */
};

static const struct vector vectors[] = {
	/* RFC 4648 section 10 */
	{"", 0, "", ""},
	{"f", 1, "Zg==", "Zg"},
	{"fo", 2, "Zm8=", "Zm8"},
	{"foo", 3, "Zm9v", "Zm9v"},
	{"foob", 4, "Zm9vYg==", "Zm9vYg"},
	{"fooba", 5, "Zm9vYmE=", "Zm9vYmE"},
	{"foobar", 6, "Zm9vYmFy", "Zm9vYmFy"},
	/* The two characters where the alphabets differ (62 and 63). */
	{"\xfb\xef\xbe", 3, "++++", "----"},
	{"\xff\xff\xff", 3, "////", "____"},
	{"\xfb\xff", 2, "+/8=", "-_8"},
	{"\xff", 1, "/w==", "_w"},
	{"\x00", 1, "AA==", "AA"},
	{"\x00\x00\x00", 3, "AAAA", "AAAA"},
	{"\x03\xe0\x00", 3, "A+AA", "A-AA"},
	/* RFC 7515 appendix C: octets [3, 236, 255, 224, 193] */
	{"\x03\xec\xff\xe0\xc1", 5, "A+z/4ME=", "A-z_4ME"},
};

#define N_VECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void test_encode_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_VECTORS; i++) {
		char *s = NULL;

		s = cn_b64_encode(vectors[i].raw, vectors[i].raw_len);
		assert_string_equal(s, vectors[i].std);
		free(s);
		s = cn_b64url_encode(vectors[i].raw, vectors[i].raw_len);
		assert_string_equal(s, vectors[i].url);
		free(s);
	}
}

static void test_decode_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_VECTORS; i++) {
		unsigned char *out = NULL;
		size_t len = 12345;

		assert_int_equal(cn_b64_decode(vectors[i].std, strlen(vectors[i].std), &out, &len), 0);
		assert_int_equal(len, vectors[i].raw_len);
		assert_memory_equal(out, vectors[i].raw, len);
		assert_int_equal(out[len], '\0'); /* NUL-terminated for convenience */
		free(out);
		out = NULL;
		len = 12345;
		assert_int_equal(cn_b64url_decode(vectors[i].url, strlen(vectors[i].url), &out, &len), 0);
		assert_int_equal(len, vectors[i].raw_len);
		assert_memory_equal(out, vectors[i].raw, len);
		assert_int_equal(out[len], '\0');
		free(out);
	}
}

/* in_len bounds the input: bytes after it are not read. */
static void test_decode_uses_in_len(void **state)
{
	unsigned char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(cn_b64url_decode("Zm9vYg==!!", 6, &out, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "foob", 4);
	free(out);
	out = NULL;
	assert_int_equal(cn_b64_decode("Zm8=garbage", 4, &out, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "fo", 2);
	free(out);
}

struct bad {
	const char *in;
	size_t len; /* 0: strlen(in) */
};

/* Every one is CN_ERR_MALFORMED for cn_b64url_decode. */
static const struct bad url_bad[] = {
	/* padding, which base64url in JOSE and ACME never carries */
	{"Zg==", 0}, {"Zg=", 0}, {"Zm8=", 0}, {"Zm9v=", 0}, {"Zm9vYg==", 0}, {"=", 0},
	{"====", 0}, {"Zm=v", 0}, {"=Zm9", 0},
	/* the standard alphabet's two characters */
	{"Zm+v", 0}, {"Zm/v", 0}, {"+/8", 0}, {"/w", 0},
	/* whitespace and others outside the alphabet */
	{"Zm9 v", 0}, {" Zm9v", 0}, {"Zm9v\n", 0}, {"Zm9\tv", 0}, {"Zm9v\r", 0},
	{"Zm.v", 0}, {"Zm9v!", 0}, {"Zm9~", 0}, {"Zm9*", 0}, {"Zm9%", 0},
	{"Zm\x80v", 0}, {"Zm9\xff", 0}, {"\xc3\xa9\xc3\xa9", 0},
	{"Zm\0v", 4}, {"\0\0", 2}, {"Zm9vY\0", 6},
	/* impossible length: len % 4 == 1 */
	{"Z", 0}, {"Zm9vY", 0}, {"Zm9vYmFyZ", 0}, {"AAAAA", 0},
	/* non-canonical trailing bits (RFC 4648 section 3.5) */
	{"Zh", 0}, {"Zv", 0}, {"Z_", 0}, {"Zm9", 0}, {"Zm-", 0}, {"Zm_", 0},
	{"AB", 0}, {"AAB", 0}, {"Zm9vYh", 0}, {"Zm9vYmF", 0}, {"__", 0}, {"___", 0},
};

/* Every one is CN_ERR_MALFORMED for cn_b64_decode. */
static const struct bad std_bad[] = {
	/* missing or misplaced padding: the length must be a multiple of 4 */
	{"Zg", 0}, {"Zg=", 0}, {"Zm8", 0}, {"Zm9vYg=", 0}, {"Z", 0}, {"Zm9vY", 0},
	{"Zg===", 0}, {"Zm9v=", 0},
	/* padding where data must be, or too much of it */
	{"Z===", 0}, {"====", 0}, {"Zm9v====", 0}, {"=Zm9", 0}, {"Z=g=", 0},
	{"Zg==Zg==", 0}, {"Zm=v", 0}, {"Zm8=Zm8=", 0}, {"==Zg", 0},
	/* the url alphabet's two characters */
	{"-_8=", 0}, {"Zm-v", 0}, {"Zm_v", 0},
	/* whitespace and others outside the alphabet (no line breaks either) */
	{"Zm9v\n", 0}, {"Zm9v\r\n", 0}, {"Zm 9", 0}, {" Zm9", 0}, {"Zm9\t", 0},
	{"Zm.v", 0}, {"Zm\x80v", 0}, {"Zm\0v", 4}, {"Zg=\0", 4},
	/* non-canonical trailing bits */
	{"Zh==", 0}, {"Zm9=", 0}, {"Zm+=", 0}, {"AB==", 0}, {"AAB=", 0}, {"//==", 0},
	{"Zm9vYh==", 0},
};

static void check_rejects(const struct bad *t, size_t n,
    int (*dec)(const char *, size_t, unsigned char **, size_t *))
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char sentinel, *out = &sentinel;
		size_t len = 777;
		size_t in_len = t[i].len ? t[i].len : strlen(t[i].in);

		cn_err_clear();
		if (dec(t[i].in, in_len, &out, &len) != CN_ERR_MALFORMED)
			fail_msg("row %zu ('%s') was not rejected", i, t[i].in);
		/* Outputs are written only on success. */
		assert_ptr_equal(out, &sentinel);
		assert_int_equal(len, 777);
		assert_true(strncmp(cn_err_detail(), "base64:", 7) == 0);
	}
}

static void test_url_rejects(void **state)
{
	(void)state;
	check_rejects(url_bad, sizeof(url_bad) / sizeof(url_bad[0]), cn_b64url_decode);
}

static void test_std_rejects(void **state)
{
	(void)state;
	check_rejects(std_bad, sizeof(std_bad) / sizeof(std_bad[0]), cn_b64_decode);
}

static const char url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Exhaustively: a final group of 2 characters carries 8 data bits of 12,
 * one of 3 characters 16 of 18; exactly the last characters whose unused
 * low bits are zero decode (values v with v % 16 == 0, resp. v % 4 == 0).
 */
static void test_trailing_bits_exhaustive(void **state)
{
	char in[8];
	size_t v;
	int r;

	(void)state;
	for (v = 0; v < 64; v++) {
		unsigned char *out = NULL;
		size_t len = 0;

		/* url, 2 characters: "A" + c */
		in[0] = 'A';
		in[1] = url_alpha[v];
		r = cn_b64url_decode(in, 2, &out, &len);
		assert_int_equal(r, v % 16 == 0 ? 0 : CN_ERR_MALFORMED);
		if (r == 0) {
			assert_int_equal(len, 1);
			assert_int_equal(out[0], (unsigned char)(v >> 4));
			free(out);
			out = NULL;
		}
		/* url, 3 characters: "AA" + c */
		in[0] = 'A';
		in[1] = 'A';
		in[2] = url_alpha[v];
		r = cn_b64url_decode(in, 3, &out, &len);
		assert_int_equal(r, v % 4 == 0 ? 0 : CN_ERR_MALFORMED);
		if (r == 0) {
			assert_int_equal(len, 2);
			assert_int_equal(out[1], (unsigned char)(v >> 2));
			free(out);
			out = NULL;
		}
		/* std, "A" c "==" and "AA" c "=" */
		memcpy(in, "A?==", 4);
		in[1] = std_alpha[v];
		r = cn_b64_decode(in, 4, &out, &len);
		assert_int_equal(r, v % 16 == 0 ? 0 : CN_ERR_MALFORMED);
		if (r == 0) {
			free(out);
			out = NULL;
		}
		memcpy(in, "AA?=", 4);
		in[2] = std_alpha[v];
		r = cn_b64_decode(in, 4, &out, &len);
		assert_int_equal(r, v % 4 == 0 ? 0 : CN_ERR_MALFORMED);
		if (r == 0)
			free(out);
	}
}

/* Every byte value outside the url alphabet is rejected in every position. */
static void test_every_foreign_byte_rejected(void **state)
{
	unsigned c;
	size_t pos;

	(void)state;
	for (c = 0; c < 256; c++) {
		if (c != 0 && strchr(url_alpha, (int)c) != NULL)
			continue;
		for (pos = 0; pos < 4; pos++) {
			char in[4] = {'A', 'A', 'A', 'A'};
			unsigned char *out = NULL;
			size_t len = 0;

			in[pos] = (char)c;
			assert_int_equal(cn_b64url_decode(in, 4, &out, &len), CN_ERR_MALFORMED);
			assert_null(out);
		}
	}
}

/* xorshift64*: fixed seed, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint8_t rng_byte(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint8_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 56);
}

/*
 * Every length 0..300 of random bytes: the encodings have the right length
 * and alphabet, the standard one equals OpenSSL's EVP_EncodeBlock, the url
 * one is the standard one translated and unpadded, and both decode back.
 */
static void test_round_trip_random(void **state)
{
	unsigned char raw[301];
	char ossl[4 * 101 + 1], trans[4 * 101 + 1];
	size_t n, i;

	(void)state;
	for (n = 0; n <= 300; n++) {
		char *u = NULL, *s = NULL;
		unsigned char *back = NULL;
		size_t back_len = 0, ulen;

		for (i = 0; i < n; i++)
			raw[i] = rng_byte();
		u = cn_b64url_encode(raw, n);
		s = cn_b64_encode(raw, n);
		ulen = (n * 4 + 2) / 3;
		assert_int_equal(strlen(u), ulen);
		assert_int_equal(strlen(s), (n + 2) / 3 * 4);
		assert_int_equal(strspn(u, url_alpha), ulen);

		assert_int_equal(EVP_EncodeBlock((unsigned char *)ossl, raw, (int)n),
		    (int)strlen(s));
		assert_string_equal(s, ossl);
		for (i = 0; ossl[i] != '\0' && ossl[i] != '='; i++)
			trans[i] = ossl[i] == '+' ? '-' : ossl[i] == '/' ? '_' : ossl[i];
		trans[i] = '\0';
		assert_string_equal(u, trans);

		assert_int_equal(cn_b64url_decode(u, ulen, &back, &back_len), 0);
		assert_int_equal(back_len, n);
		if (n)
			assert_memory_equal(back, raw, n);
		free(back);
		back = NULL;
		assert_int_equal(cn_b64_decode(s, strlen(s), &back, &back_len), 0);
		assert_int_equal(back_len, n);
		if (n)
			assert_memory_equal(back, raw, n);
		free(back);
		back = NULL;

		/* Each other codec's output is refused whenever it differs. */
		if (strcmp(u, s) != 0) {
			unsigned char *x = NULL;
			size_t xl = 0;

			assert_int_equal(cn_b64url_decode(s, strlen(s), &x, &xl), CN_ERR_MALFORMED);
		}
		free(u);
		free(s);
	}
}

static void test_empty_input(void **state)
{
	unsigned char *out = NULL;
	size_t len = 5;

	(void)state;
	assert_int_equal(cn_b64url_decode("", 0, &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(out[0], '\0');
	free(out);
	out = NULL;
	len = 5;
	assert_int_equal(cn_b64_decode("", 0, &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(len, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_vectors),
		cmocka_unit_test(test_decode_vectors),
		cmocka_unit_test(test_decode_uses_in_len),
		cmocka_unit_test(test_url_rejects),
		cmocka_unit_test(test_std_rejects),
		cmocka_unit_test(test_trailing_bits_exhaustive),
		cmocka_unit_test(test_every_foreign_byte_rejected),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_empty_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
