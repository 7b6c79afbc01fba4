/*
 * test_nameset.c - src/ca/nameset.c: adding, sealing (sort, duplicates
 * removed), lookups of names and of name prefixes given by length, an
 * unsealed or missing set, and a large set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nameset.h"

static void test_basic(void **state)
{
	static const char *const in[] = {"b.example", "a.example", "c.example", "a.example", "example",
	    "a.example.com", "b.example"};
	struct ca_nameset *s = ca_nameset_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ca_nameset_add(s, in[i], strlen(in[i]));
	assert_false(ca_nameset_has(s, "a.example", 9)); /* not sealed yet */
	ca_nameset_seal(s);
	assert_int_equal(ca_nameset_count(s), 5);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_true(ca_nameset_has(s, in[i], strlen(in[i])));
	assert_false(ca_nameset_has(s, "d.example", 9));
	assert_false(ca_nameset_has(s, "a.exampl", 8));
	assert_false(ca_nameset_has(s, "", 0));
	assert_false(ca_nameset_has(s, "a.example.co", 12));
	/* len selects a prefix of a longer string */
	assert_true(ca_nameset_has(s, "a.example.com", 9));
	assert_true(ca_nameset_has(s, "examplexyz", 7));
	assert_false(ca_nameset_has(NULL, "a", 1));
	assert_int_equal(ca_nameset_count(NULL), 0);
	ca_nameset_free(s);
	ca_nameset_free(NULL);
}

static void test_empty_and_large(void **state)
{
	struct ca_nameset *s = ca_nameset_new();
	char name[32];
	int i;

	(void)state;
	ca_nameset_seal(s);
	assert_int_equal(ca_nameset_count(s), 0);
	assert_false(ca_nameset_has(s, "x", 1));
	for (i = 9999; i >= 0; i--) {
		snprintf(name, sizeof(name), "n%d.example", i);
		ca_nameset_add(s, name, strlen(name));
	}
	ca_nameset_seal(s);
	assert_int_equal(ca_nameset_count(s), 10000);
	for (i = 0; i < 10000; i += 7) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_true(ca_nameset_has(s, name, strlen(name)));
		snprintf(name, sizeof(name), "m%d.example", i);
		assert_false(ca_nameset_has(s, name, strlen(name)));
	}
	ca_nameset_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_empty_and_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
