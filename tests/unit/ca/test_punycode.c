/*
 * test_punycode.c - src/ca/punycode.c: the sample strings of RFC 3492
 * section 7.1 decoded and encoded, decoder failures (bad digits, non-basic
 * before the delimiter, overflow, too many code points, basic code points
 * from deltas), encoder limits, the A-label check, and UTF-8 labels of the
 * public suffix list turned into A-labels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "punycode.h"

struct sample {
	const char *name;
	const char *puny;
	size_t n;
	uint32_t cps[32];
};

/* RFC 3492 section 7.1 (those whose decoding fits a DNS label or close to it). */
static const struct sample samples[] = {
	{"A Arabic (Egyptian)", "egbpdaj6bu4bxfgehfvwxn", 17, {0x0644, 0x064a, 0x0647, 0x0645, 0x0627, 0x0628, 0x062a, 0x0643, 0x0644, 0x0645, 0x0648, 0x0634, 0x0639, 0x0631, 0x0628, 0x064a, 0x061f}},
	{"B Chinese (simplified)", "ihqwcrb4cv8a8dqg056pqjye", 9, {0x4ed6, 0x4eec, 0x4e3a, 0x4ec0, 0x4e48, 0x4e0d, 0x8bf4, 0x4e2d, 0x6587}},
	{"C Chinese (traditional)", "ihqwctvzc91f659drss3x8bo0yb", 9, {0x4ed6, 0x5011, 0x7232, 0x4ec0, 0x9ebd, 0x4e0d, 0x8aaa, 0x4e2d, 0x6587}},
	{"D Czech", "Proprostnemluvesky-uyb24dma41a", 22, {0x0050, 0x0072, 0x006f, 0x010d, 0x0070, 0x0072, 0x006f, 0x0073, 0x0074, 0x011b, 0x006e, 0x0065, 0x006d, 0x006c, 0x0075, 0x0076, 0x00ed, 0x010d, 0x0065, 0x0073, 0x006b, 0x0079}},
	{"E Hebrew", "4dbcagdahymbxekheh6e0a7fei0b", 22, {0x05dc, 0x05de, 0x05d4, 0x05d4, 0x05dd, 0x05e4, 0x05e9, 0x05d5, 0x05d8, 0x05dc, 0x05d0, 0x05de, 0x05d3, 0x05d1, 0x05e8, 0x05d9, 0x05dd, 0x05e2, 0x05d1, 0x05e8, 0x05d9, 0x05ea}},
	{"F Hindi", "i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd", 30, {0x092f, 0x0939, 0x0932, 0x094b, 0x0917, 0x0939, 0x093f, 0x0928, 0x094d, 0x0926, 0x0940, 0x0915, 0x094d, 0x092f, 0x094b, 0x0902, 0x0928, 0x0939, 0x0940, 0x0902, 0x092c, 0x094b, 0x0932, 0x0938, 0x0915, 0x0924, 0x0947, 0x0939, 0x0948, 0x0902}},
	{"G Japanese", "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa", 18, {0x306a, 0x305c, 0x307f, 0x3093, 0x306a, 0x65e5, 0x672c, 0x8a9e, 0x3092, 0x8a71, 0x3057, 0x3066, 0x304f, 0x308c, 0x306a, 0x3044, 0x306e, 0x304b}},
	{"L 3<nen>B<gumi>", "3B-ww4c5e180e575a65lsy2b", 8, {0x0033, 0x5e74, 0x0042, 0x7d44, 0x91d1, 0x516b, 0x5148, 0x751f}},
	{"M Amuro Namie", "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n", 24, {0x5b89, 0x5ba4, 0x5948, 0x7f8e, 0x6075, 0x002d, 0x0077, 0x0069, 0x0074, 0x0068, 0x002d, 0x0053, 0x0055, 0x0050, 0x0045, 0x0052, 0x002d, 0x004d, 0x004f, 0x004e, 0x004b, 0x0045, 0x0059, 0x0053}},
	{"P Maji de Koi", "MajiKoi5-783gue6qz075azm5e", 13, {0x004d, 0x0061, 0x006a, 0x0069, 0x3067, 0x004b, 0x006f, 0x0069, 0x3059, 0x308b, 0x0035, 0x79d2, 0x524d}},
	{"Q pafii", "de-jg4avhby1noc0d", 9, {0x30d1, 0x30d5, 0x30a3, 0x30fc, 0x0064, 0x0065, 0x30eb, 0x30f3, 0x30d0}},
	{"R sono supiido de", "d9juau41awczczp", 7, {0x305d, 0x306e, 0x30b9, 0x30d4, 0x30fc, 0x30c9, 0x3067}},
	{"S ASCII", "-> $1.00 <--", 11, {0x002d, 0x003e, 0x0020, 0x0024, 0x0031, 0x002e, 0x0030, 0x0030, 0x0020, 0x003c, 0x002d}},
	{"bücher", "bcher-kva", 6, {'b', 0xfc, 'c', 'h', 'e', 'r'}},
	{"one astral code point", "ls8h", 1, {0x1f4a9}},
};

static void test_samples(void **state)
{
	uint32_t cps[CA_PUNY_MAX_CPS];
	char out[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];

		n = 0;
		if (ca_puny_decode(s->puny, strlen(s->puny), cps, CA_PUNY_MAX_CPS, &n) != 0)
			fail_msg("%s: decode failed: %s", s->name, cn_err_detail());
		assert_int_equal(n, s->n);
		assert_memory_equal(cps, s->cps, n * sizeof(uint32_t));
		if (ca_puny_encode(s->cps, s->n, out, sizeof(out)) != 0)
			fail_msg("%s: encode failed: %s", s->name, cn_err_detail());
		assert_string_equal(out, s->puny);
	}
}

/* Digits are case-insensitive when decoding (RFC 3492 section 5). */
static void test_decode_case(void **state)
{
	uint32_t cps[CA_PUNY_MAX_CPS];
	size_t n = 0;

	(void)state;
	assert_int_equal(ca_puny_decode("BCHER-KVA", 9, cps, CA_PUNY_MAX_CPS, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(cps[0], 'B');
	assert_int_equal(cps[1], 0xfc);
}

static void test_decode_errors(void **state)
{
	static const struct {
		const char *in;
		const char *detail;
	} bad[] = {
		{"bcher-kva9", "ends inside a number"},
		{"bcher-kv", "ends inside a number"},
		{"abc-d_f", "not a digit"},
		{"abc-d.f", "not a digit"},
		{"-", NULL},                     /* a delimiter at 0 is read as a digit */
		{"\xc3\xa4-kva", "non-ASCII"},
		{"99999999999a", "overflows"},
		{"a-99999999999999999999", "overflows"},
		{"a", NULL},                     /* decodes U+0080 fine, see test_check */
	};
	uint32_t cps[CA_PUNY_MAX_CPS];
	size_t i, n;
	int r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 12345;
		cn_err_clear();
		r = ca_puny_decode(bad[i].in, strlen(bad[i].in), cps, CA_PUNY_MAX_CPS, &n);
		if (strcmp(bad[i].in, "a") == 0) {
			assert_int_equal(r, 0);
			assert_int_equal(n, 1);
			assert_int_equal(cps[0], 0x80);
			continue;
		}
		if (r != CN_ERR_MALFORMED)
			fail_msg("'%s': got %d", bad[i].in, r);
		assert_int_equal(n, 12345); /* untouched */
		if (bad[i].detail && strstr(cn_err_detail(), bad[i].detail) == NULL)
			fail_msg("'%s': detail '%s' lacks '%s'", bad[i].in, cn_err_detail(), bad[i].detail);
	}
	/* more code points than room */
	assert_int_equal(ca_puny_decode("ihqwcrb4cv8a8dqg056pqjye", 24, cps, 8, &n), CN_ERR_MALFORMED);
	assert_non_null(strstr(cn_err_detail(), "more than 8"));
	assert_int_equal(ca_puny_decode("abcdefghij-", 11, cps, 8, &n), CN_ERR_MALFORMED);
	/* empty input: zero code points */
	assert_int_equal(ca_puny_decode("", 0, cps, 8, &n), 0);
	assert_int_equal(n, 0);
}

static void test_encode_errors(void **state)
{
	static const uint32_t surrogate[] = {'a', 0xd800};
	static const uint32_t too_high[] = {0x110000};
	static const uint32_t ok[] = {'b', 0xfc, 'c', 'h', 'e', 'r'};
	char out[64];

	(void)state;
	assert_int_equal(ca_puny_encode(surrogate, 2, out, sizeof(out)), CN_ERR_MALFORMED);
	assert_int_equal(ca_puny_encode(too_high, 1, out, sizeof(out)), CN_ERR_MALFORMED);
	assert_int_equal(ca_puny_encode(ok, 6, out, 9), CN_ERR_TOO_BIG);   /* "bcher-kva" needs 10 */
	assert_int_equal(ca_puny_encode(ok, 6, out, 10), 0);
	assert_string_equal(out, "bcher-kva");
	assert_int_equal(ca_puny_encode(ok, 6, out, 0), CN_ERR_TOO_BIG);
	assert_int_equal(ca_puny_encode(ok, 0, out, 1), 0);
	assert_string_equal(out, "");
}

static void test_check(void **state)
{
	static const struct {
		const char *label;
		int r;
		const char *detail;
	} cases[] = {
		{"xn--bcher-kva", 0, NULL},
		{"xn--mnchen-3ya", 0, NULL},
		{"xn--fiqs8s", 0, NULL},
		{"xn--ls8h", 0, NULL},
		{"xn--zca", 0, NULL},
		{"xn--", CN_ERR_MALFORMED, "not an XN-label"},
		{"bcher-kva", CN_ERR_MALFORMED, "not an XN-label"},
		{"xn--bcher-kvb", 0, NULL}, /* "bc" U+01C8 "her": IDNA2008 would refuse it; we do not check that */
		{"xn--abc", CN_ERR_MALFORMED, "control character"},
		{"xn--a", CN_ERR_MALFORMED, "control character (U+0080)"},
		{"xn--www-", CN_ERR_MALFORMED, "ASCII only"},
		{"xn--bcher-kva9", CN_ERR_MALFORMED, "ends inside a number"},
		{"xn--a-93t", CN_ERR_MALFORMED, "full stop"},
		{"xn----bga", CN_ERR_MALFORMED, "begins or ends with a hyphen"},
		{"xn--ab---epa", CN_ERR_MALFORMED, "positions 3 and 4"},
		{"xn--zn7c", CN_ERR_MALFORMED, "replacement character"},
		{"xn--266c", CN_ERR_MALFORMED, "noncharacter"},
		{"xn--x-3ba", CN_ERR_MALFORMED, "no-break space"},
		/* decodes, but is not what encoding the result gives back */
		{"xn--bcher-kva0", CN_ERR_MALFORMED, NULL},
		{"xn--Bcher-kva", CN_ERR_MALFORMED, "upper-case"},
	};
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cn_err_clear();
		r = ca_xn_label_check(cases[i].label, strlen(cases[i].label));
		if (r != cases[i].r)
			fail_msg("'%s': got %d (%s), want %d", cases[i].label, r, cn_err_detail(), cases[i].r);
		if (cases[i].detail && strstr(cn_err_detail(), cases[i].detail) == NULL)
			fail_msg("'%s': detail '%s' lacks '%s'", cases[i].label, cn_err_detail(), cases[i].detail);
	}
}

static void test_label_to_ascii(void **state)
{
	static const struct {
		const char *in;
		int r;
		const char *out;
	} cases[] = {
		{"example", 0, "example"},
		{"b\xc3\xbc" "cher", 0, "xn--bcher-kva"},
		{"\xe5\x85\xac\xe5\x8f\xb8", 0, "xn--55qx5d"},         /* 公司 */
		{"\xf0\x9f\x92\xa9", 0, "xn--ls8h"},                   /* U+1F4A9 */
		{"\xc3", CN_ERR_MALFORMED, NULL},                      /* truncated */
		{"\xc0\xaf", CN_ERR_MALFORMED, NULL},                  /* overlong */
		{"\xe0\x80\xaf", CN_ERR_MALFORMED, NULL},              /* overlong */
		{"\xed\xa0\x80", CN_ERR_MALFORMED, NULL},              /* a surrogate */
		{"\xf4\x90\x80\x80", CN_ERR_MALFORMED, NULL},          /* above U+10FFFF */
		{"\xff", CN_ERR_MALFORMED, NULL},
		{"\x80", CN_ERR_MALFORMED, NULL},
	};
	char out[80];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = ca_label_to_ascii(cases[i].in, strlen(cases[i].in), out, sizeof(out));
		if (r != cases[i].r)
			fail_msg("case %zu: got %d, want %d", i, r, cases[i].r);
		if (r == 0)
			assert_string_equal(out, cases[i].out);
	}
	assert_int_equal(ca_label_to_ascii("example", 7, out, 7), CN_ERR_TOO_BIG);
	assert_int_equal(ca_label_to_ascii("b\xc3\xbc" "cher", 7, out, 10), CN_ERR_TOO_BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_decode_case),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_label_to_ascii),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
