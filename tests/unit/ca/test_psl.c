/*
 * test_psl.c - src/ca/psl.c: the public suffix algorithm (normal, wildcard
 * and exception rules, the implicit "*" rule) on a list written here, with
 * Unicode rules matched as A-labels, comments and trailing text ignored,
 * the private section left out; load errors; the registrable domain (where
 * the dns-persist-01 walk up a name stops); and the Debian list
 * (/usr/share/publicsuffix/public_suffix_list.dat, package publicsuffix).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "psl.h"

#define DEBIAN_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

static char path[64];

/* 1000 filler rules (a real list has thousands) plus the rules under test. */
static int write_list(const char *extra_icann, const char *private_rules)
{
	FILE *f;
	int fd, i;

	snprintf(path, sizeof(path), "/tmp/cairn-psl-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "// test list\n// ===BEGIN ICANN DOMAINS===\n\n// filler\n");
	for (i = 0; i < 1000; i++)
		fprintf(f, "filler%d\n", i);
	fprintf(f, "%s// ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\n%s"
		   "// ===END PRIVATE DOMAINS===\n",
	    extra_icann, private_rules);
	return fclose(f) == 0 ? 0 : -1;
}

static void test_algorithm(void **state)
{
	static const struct {
		const char *name;
		bool ps;
	} cases[] = {
		{"uk", true},            /* listed, and any single label anyway */
		{"co.uk", true},
		{"example.co.uk", false},
		{"a.example.co.uk", false},
		{"test", true},          /* unlisted: the implicit "*" */
		{"example.test", false},
		{"a.example.test", false},
		{"ck", true},
		{"foo.ck", true},        /* *.ck */
		{"www.ck", false},       /* !www.ck */
		{"a.www.ck", false},
		{"a.foo.ck", false},
		{"kawasaki.jp", true},
		{"foo.kawasaki.jp", true},
		{"city.kawasaki.jp", false},
		{"x.city.kawasaki.jp", false},
		{"xn--55qx5d.cn", true}, /* written in UTF-8 in the list */
		{"example.xn--55qx5d.cn", false},
		{"trailing.example", true},   /* "trailing.example some words" */
		{"github.io", false},    /* private section */
		{"io", true},
		{"", false},
	};
	struct ca_psl *p = NULL;
	size_t i;

	(void)state;
	assert_int_equal(write_list("uk\nco.uk\n*.ck\n!www.ck\njp\nkawasaki.jp\n*.kawasaki.jp\n!city.kawasaki.jp\n"
				    "cn\n\xe5\x85\xac\xe5\x8f\xb8.cn\ntrailing.example some words\n"
				    "!\n*.\n\xff\xfe.bad\n..\n",
			     "github.io\n"),
	    0);
	assert_int_equal(ca_psl_load(path, &p), 0);
	unlink(path);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ca_psl_is_public_suffix(p, cases[i].name) != cases[i].ps)
			fail_msg("'%s': want %s", cases[i].name, cases[i].ps ? "a public suffix" : "not one");
	assert_int_equal(ca_psl_rules(p), 1000 + 11);
	ca_psl_free(p);
	ca_psl_free(NULL);
}

/* The registrable domain: the public suffix and one more label, a pointer
 * into the name; NULL for a public suffix. */
static void test_registrable_domain(void **state)
{
	static const struct {
		const char *name, *want; /* want NULL: none */
	} cases[] = {
		{"www.example.co.uk", "example.co.uk"},
		{"a.b.example.co.uk", "example.co.uk"},
		{"example.co.uk", "example.co.uk"},
		{"co.uk", NULL},
		{"uk", NULL},
		{"www.example.test", "example.test"}, /* the implicit "*" */
		{"a.b.c.d.example.test", "example.test"},
		{"foo.ck", NULL},                     /* *.ck */
		{"a.b.foo.ck", "b.foo.ck"},
		{"www.ck", "www.ck"},                 /* !www.ck */
		{"a.www.ck", "www.ck"},
		{"x.y.foo.kawasaki.jp", "y.foo.kawasaki.jp"},
		{"x.city.kawasaki.jp", "city.kawasaki.jp"},
		{"x.kawasaki.jp", NULL},             /* *.kawasaki.jp */
		{"a.github.io", "github.io"},        /* the private section does not count */
		{"", NULL},
	};
	struct ca_psl *p = NULL;
	const char *got;
	size_t i;

	(void)state;
	assert_int_equal(write_list("uk\nco.uk\n*.ck\n!www.ck\njp\nkawasaki.jp\n*.kawasaki.jp\n"
				    "!city.kawasaki.jp\n", "github.io\n"), 0);
	assert_int_equal(ca_psl_load(path, &p), 0);
	unlink(path);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = ca_psl_registrable_domain(p, cases[i].name);
		if (cases[i].want == NULL ? got != NULL :
		    got == NULL || strcmp(got, cases[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s'", cases[i].name, got ? got : "(none)",
			    cases[i].want ? cases[i].want : "(none)");
		/* a suffix of the name itself, on a label boundary */
		if (got != NULL)
			assert_true(got == cases[i].name || got[-1] == '.');
	}
	ca_psl_free(p);
	/* the Debian list */
	assert_int_equal(ca_psl_load(DEBIAN_PSL, &p), 0);
	assert_string_equal(ca_psl_registrable_domain(p, "www.shop.example.com.au"), "example.com.au");
	assert_string_equal(ca_psl_registrable_domain(p, "a.b.example.com"), "example.com");
	assert_null(ca_psl_registrable_domain(p, "com.au"));
	ca_psl_free(p);
}

static void test_load_errors(void **state)
{
	struct ca_psl *p = NULL;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(ca_psl_load("/nonexistent/psl.dat", &p), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), "/nonexistent/psl.dat"));
	/* no ICANN section */
	snprintf(path, sizeof(path), "/tmp/cairn-psl-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "com\nnet\norg\n");
	fclose(f);
	assert_int_equal(ca_psl_load(path, &p), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), "is not the public suffix list"));
	unlink(path);
	assert_null(p);
}

static void test_debian_list(void **state)
{
	static const struct {
		const char *name;
		bool ps;
	} cases[] = {
		{"com", true}, {"co.uk", true}, {"com.au", true}, {"example.com", false},
		{"example.co.uk", false}, {"test", true}, {"example.test", false}, {"invalid", true},
		{"example.invalid", false}, {"github.io", false}, {"www.ck", false}, {"foo.ck", true},
		{"city.kawasaki.jp", false}, {"xn--55qx5d.cn", true}, {"xn--fiqs8s", true},
		{"example.xn--fiqs8s", false},
	};
	struct ca_psl *p = NULL;
	size_t i;

	(void)state;
	if (ca_psl_load(DEBIAN_PSL, &p) != 0)
		fail_msg("%s: %s (install the Debian package publicsuffix)", DEBIAN_PSL, cn_err_detail());
	assert_true(ca_psl_rules(p) > 5000);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ca_psl_is_public_suffix(p, cases[i].name) != cases[i].ps)
			fail_msg("'%s': want %s", cases[i].name, cases[i].ps ? "a public suffix" : "not one");
	ca_psl_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_algorithm),
		cmocka_unit_test(test_registrable_domain),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_debian_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
