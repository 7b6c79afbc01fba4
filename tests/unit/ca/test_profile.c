/*
 * test_profile.c - unit tests of src/ca/profile.c: the three profiles,
 * their defaults, options and the global caps, and invalidProfile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "profile.h"

static void test_defaults(void **state)
{
	struct ca_config c;
	struct ca_profile p;

	(void)state;
	ca_config_defaults(&c);
	assert_int_equal(ca_profile_get(&c, "classic", &p), 0);
	assert_string_equal(p.name, "classic");
	assert_int_equal(p.validity_s, 90 * 86400);
	assert_int_equal(p.authz_reuse_s, 30 * 86400);
	assert_int_equal(p.max_names, 100);
	assert_true(p.common_name);
	assert_false(p.allow_ip);
	assert_int_equal(ca_profile_get(&c, "tlsserver", &p), 0);
	assert_int_equal(p.validity_s, 45 * 86400);
	assert_false(p.common_name);
	assert_false(p.allow_ip);
	assert_int_equal(ca_profile_get(&c, "shortlived", &p), 0);
	assert_int_equal(p.validity_s, 160 * 3600);
	assert_int_equal(p.authz_reuse_s, 7 * 3600);
	assert_int_equal(p.max_names, 25);
	assert_false(p.common_name);
	assert_true(p.allow_ip);
	ca_profile_at(&c, 1, &p);
	assert_string_equal(p.name, "tlsserver");
	assert_non_null(p.description);
	ca_config_cleanup(&c);
}

static void test_unknown(void **state)
{
	struct ca_config c;
	struct ca_profile p;

	(void)state;
	ca_config_defaults(&c);
	assert_int_equal(ca_profile_get(&c, "Classic", &p), CN_ERR_INVALID_PROFILE);
	assert_int_equal(ca_profile_get(&c, "", &p), CN_ERR_INVALID_PROFILE);
	assert_int_equal(ca_profile_get(&c, "default", &p), CN_ERR_INVALID_PROFILE);
	ca_config_cleanup(&c);
}

static void test_options_and_caps(void **state)
{
	char *argv[] = {"--profile-tlsserver-validity=10d", "--profile-classic-validity=200d",
	    "--validity=100d", "--profile-shortlived-ip=false", "--profile-classic-ip",
	    "--max-names=10", "--valid-authz-lifetime=1h", NULL};
	struct ca_config c;
	struct ca_profile p;
	bool pc, sh;

	(void)state;
	ca_config_defaults(&c);
	assert_int_equal(ca_config_parse_args(&c, 7, argv, &pc, &sh), 0);
	assert_int_equal(ca_profile_get(&c, "tlsserver", &p), 0);
	assert_int_equal(p.validity_s, 10 * 86400);
	assert_int_equal(p.max_names, 10);
	assert_int_equal(p.authz_reuse_s, 3600);
	assert_int_equal(ca_profile_get(&c, "classic", &p), 0);
	assert_int_equal(p.validity_s, 100 * 86400);   /* capped by --validity */
	assert_true(p.allow_ip);
	assert_int_equal(ca_profile_get(&c, "shortlived", &p), 0);
	assert_false(p.allow_ip);
	assert_int_equal(p.authz_reuse_s, 3600);
	ca_config_cleanup(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_options_and_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
