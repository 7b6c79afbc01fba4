/*
 * test_render.c - unit tests of the time and id helpers of
 * src/ca/acme/render.c through acme/acme.h: ca_time_parse (RFC 3339
 * section 5.6 date-time with the section 5.7 bounds, as RFC 8555 section
 * 7.1.3 uses for notBefore/notAfter), ca_time_fmt, and ca_parse_id (the
 * decimal ids in resource URLs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/acme.h"
#include "err.h"

struct time_case {
	const char *s;
	int64_t t;
};

static const struct time_case good_times[] = {
	{"1970-01-01T00:00:00Z", 0},
	{"2023-11-14T22:13:20Z", 1700000000},
	{"2023-11-14t22:13:20z", 1700000000},       /* section 5.6 NOTE: lower case */
	{"2023-11-14T22:13:20.999999999Z", 1700000000}, /* fractions are dropped */
	{"2023-11-14T22:13:20.0Z", 1700000000},
	{"2023-11-14T23:13:20+01:00", 1700000000},
	{"2023-11-14T17:43:20-04:30", 1700000000},
	{"2023-11-15T21:59:20+23:46", 1700000000},
	{"2023-11-13T22:14:20-23:59", 1700000000},
	{"2023-11-14T22:13:20+00:00", 1700000000},
	{"2023-11-14T22:13:20-00:00", 1700000000},  /* section 4.3 */
	{"2023-11-14T22:13:20.5+00:00", 1700000000},
	{"1969-12-31T23:59:59Z", -1},
	{"0000-01-01T00:00:00Z", -62167219200LL},
	{"9999-12-31T23:59:59Z", 253402300799LL},
	{"2000-02-29T00:00:00Z", 951782400},        /* 2000 is a leap year */
	{"2024-02-29T12:00:00Z", 1709208000},
	{"2023-12-31T23:59:59Z", 1704067199},
	/* section 5.8 examples */
	{"1985-04-12T23:20:50.52Z", 482196050},
	{"1996-12-19T16:39:57-08:00", 851042397},
	{"1990-12-31T23:59:60Z", 662688000},         /* a leap second */
	{"1990-12-31T15:59:60-08:00", 662688000},
	{"1937-01-01T12:00:27.87+00:20", -1041337173},
};

static const char *const bad_times[] = {
	"", "2023", "2023-11-14", "2023-11-14T", "2023-11-14T22:13",
	"2023-11-14T22:13:20",            /* no time zone */
	"2023-11-14 22:13:20Z",           /* space instead of T */
	"2023-11-14T22:13Z", "23-11-14T22:13:20Z", "02023-11-14T22:13:20Z",
	"+202-11-14T22:13:20Z", "-202-11-14T22:13:20Z",
	"2023-1-14T22:13:20Z", "2023-11-4T22:13:20Z", "2023-11-14T2:13:20Z",
	"2023-11-14T22:1:20Z", "2023-11-14T22:13:2Z",
	/* what sscanf("%2d") let through: whitespace, signs, doubled T */
	"2023- 1-14T22:13:20Z", "2023-+1-14T22:13:20Z", "2023-11- 4T22:13:20Z",
	"2023-11-14T-1:00:00Z", "2023-11-14T22:-1:00Z", "2023-11-14T22:13:-1Z",
	"2023-11-14T+1:13:20Z", "2023-11-14TT2:13:20Z", "2023-11-14tT2:13:20Z",
	" 023-11-14T22:13:20Z",
	/* field bounds (section 5.7) */
	"2023-00-14T22:13:20Z", "2023-13-14T22:13:20Z", "2023-11-00T22:13:20Z",
	"2023-11-32T22:13:20Z", "2023-11-31T22:13:20Z", "2023-04-31T00:00:00Z",
	"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-30T00:00:00Z",
	"2023-11-14T24:00:00Z", "2023-11-14T22:60:20Z", "2023-11-14T22:13:61Z",
	"2023-11-14T99:99:99Z",
	/* fractions */
	"2023-11-14T22:13:20.Z", "2023-11-14T22:13:20,5Z", "2023-11-14T22:13:20..5Z",
	"2023-11-14T22:13:20.5.5Z",
	/* offsets */
	"2023-11-14T22:13:20+0100", "2023-11-14T22:13:20+01", "2023-11-14T22:13:20+1:00",
	"2023-11-14T22:13:20+01:0", "2023-11-14T22:13:20+24:00", "2023-11-14T22:13:20+01:60",
	"2023-11-14T22:13:20+99:99", "2023-11-14T22:13:20 +01:00", "2023-11-14T22:13:20UTC",
	"2023-11-14T22:13:20+01:00Z", "2023-11-14T22:13:20Z+01:00", "2023-11-14T22:13:20+-1:00",
	"2023-11-14T22:13:20- 1:00", "2023-11-14T22:13:20+ 1:00",
	/* trailing data */
	"2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20Z ", "2023-11-14T22:13:20ZZ",
	"2023-11-14T22:13:20Z\n", "2023-11-14T22:13:20+01:00:00",
	/* other formats */
	"1700000000", "Tue, 14 Nov 2023 22:13:20 GMT", "20231114T221320Z",
	"2023-W46-2T22:13:20Z", "2023/11/14T22:13:20Z",
};

static void test_time_parse_good(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_times) / sizeof(good_times[0]); i++) {
		int64_t t = 12345;

		if (ca_time_parse(good_times[i].s, &t) != 0)
			fail_msg("'%s' rejected: %s", good_times[i].s, cn_err_detail());
		if (t != good_times[i].t)
			fail_msg("'%s' parsed as %lld, want %lld", good_times[i].s, (long long)t,
			    (long long)good_times[i].t);
	}
}

static void test_time_parse_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		int64_t t = 12345;
		int r;

		cn_err_clear();
		r = ca_time_parse(bad_times[i], &t);
		if (r != CN_ERR_MALFORMED)
			fail_msg("'%s' returned %d (t=%lld)", bad_times[i], r, (long long)t);
		assert_int_equal(t, 12345); /* untouched */
		assert_non_null(strstr(cn_err_detail(), "RFC 3339"));
	}
}

/* Every prefix of a valid time is refused (no reads past the end). */
static void test_time_parse_prefixes(void **state)
{
	static const char full[] = "2023-11-14T22:13:20.25+01:00";
	char buf[sizeof(full)];
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(full) - 1; n++) {
		int64_t t = 0;
		char *heap = NULL;

		memcpy(buf, full, n);
		buf[n] = '\0';
		/* On the heap at its exact size, so ASan sees any overread. */
		heap = malloc(n + 1);
		assert_non_null(heap);
		memcpy(heap, buf, n + 1);
		assert_int_equal(ca_time_parse(heap, &t), CN_ERR_MALFORMED);
		free(heap);
	}
}

static const struct time_case fmt_cases[] = {
	{"1970-01-01T00:00:00Z", 0},
	{"1969-12-31T23:59:59Z", -1},
	{"2023-11-14T22:13:20Z", 1700000000},
	{"2000-02-29T00:00:00Z", 951782400},
	{"2038-01-19T03:14:08Z", 2147483648LL},     /* past 32-bit time_t */
	{"9999-12-31T23:59:59Z", 253402300799LL},
	{"0000-01-01T00:00:00Z", -62167219200LL},
	{"0999-12-31T23:59:59Z", -30610224001LL},   /* four digits, padded */
	{"0001-02-03T04:05:06Z", -62132730894LL},
	/* beyond RFC 3339's four-digit years: clamped */
	{"9999-12-31T23:59:59Z", 253402300800LL},
	{"9999-12-31T23:59:59Z", INT64_MAX},
	{"0000-01-01T00:00:00Z", -62167219201LL},
	{"0000-01-01T00:00:00Z", INT64_MIN},
};

static void test_time_fmt(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		char out[32];

		memset(out, '#', sizeof(out));
		ca_time_fmt(fmt_cases[i].t, out);
		assert_string_equal(out, fmt_cases[i].s);
	}
}

/* fmt then parse is the identity, across eras and every month. */
static void test_time_round_trip(void **state)
{
	int64_t t;

	(void)state;
	for (t = -62167219200LL; t <= 253402300799LL; t += 86400LL * 29 + 3607) {
		char out[32];
		int64_t back = 0;

		ca_time_fmt(t, out);
		assert_int_equal(strlen(out), 20);
		assert_int_equal(ca_time_parse(out, &back), 0);
		assert_int_equal(back, t);
	}
}

struct id_case {
	const char *s;
	int r;
	int64_t id;
	const char *rest;
};

static const struct id_case id_cases[] = {
	{"1", 0, 1, ""},
	{"42", 0, 42, ""},
	{"42/orders", 0, 42, "/orders"},
	{"7/finalize", 0, 7, "/finalize"},
	{"10/", 0, 10, "/"},
	{"123456789012", 0, 123456789012LL, ""},
	{"9223372036854775799", 0, 9223372036854775799LL, ""},
	{"", CN_ERR_NOT_FOUND, 0, NULL},
	{"0", CN_ERR_NOT_FOUND, 0, NULL},
	{"0/x", CN_ERR_NOT_FOUND, 0, NULL},
	{"01", CN_ERR_NOT_FOUND, 0, NULL},
	{"007", CN_ERR_NOT_FOUND, 0, NULL},
	{"-1", CN_ERR_NOT_FOUND, 0, NULL},
	{"+1", CN_ERR_NOT_FOUND, 0, NULL},
	{" 1", CN_ERR_NOT_FOUND, 0, NULL},
	{"1 ", CN_ERR_NOT_FOUND, 0, NULL},
	{"a", CN_ERR_NOT_FOUND, 0, NULL},
	{"1a", CN_ERR_NOT_FOUND, 0, NULL},
	{"0x10", CN_ERR_NOT_FOUND, 0, NULL},
	{"1.5", CN_ERR_NOT_FOUND, 0, NULL},
	{"1?x=2", CN_ERR_NOT_FOUND, 0, NULL},
	{"1%2f", CN_ERR_NOT_FOUND, 0, NULL},
	{"/1", CN_ERR_NOT_FOUND, 0, NULL},
	{"9223372036854775808", CN_ERR_NOT_FOUND, 0, NULL},
	{"18446744073709551617", CN_ERR_NOT_FOUND, 0, NULL},
	{"99999999999999999999999999", CN_ERR_NOT_FOUND, 0, NULL},
};

static void test_parse_id(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(id_cases) / sizeof(id_cases[0]); i++) {
		const struct id_case *c = &id_cases[i];
		const char *sentinel = "untouched", *rest = sentinel;
		int64_t id = -7;
		int r;

		r = ca_parse_id(c->s, &id, &rest);
		if (r != c->r)
			fail_msg("'%s': got %d, want %d", c->s, r, c->r);
		if (r == 0) {
			assert_int_equal(id, c->id);
			assert_string_equal(rest, c->rest);
			assert_ptr_equal(rest, c->s + strlen(c->s) - strlen(c->rest));
		} else {
			assert_int_equal(id, -7);
			assert_ptr_equal(rest, sentinel);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_parse_good),
		cmocka_unit_test(test_time_parse_bad),
		cmocka_unit_test(test_time_parse_prefixes),
		cmocka_unit_test(test_time_fmt),
		cmocka_unit_test(test_time_round_trip),
		cmocka_unit_test(test_parse_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
