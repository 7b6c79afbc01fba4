/* test_problem.c - unit tests for src/core/acme/problem.c: type mapping,
 * one-line rendering with subproblems, escaping, non-JSON bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "acme/problem.h"

static void test_codes(void **state)
{
	static const struct {
		const char *type;
		int code;
	} cases[] = {
		{"urn:ietf:params:acme:error:badNonce", CN_ERR_BAD_NONCE},
		{"urn:ietf:params:acme:error:rateLimited", CN_ERR_RATE_LIMITED},
		{"urn:ietf:params:acme:error:alreadyReplaced", CN_ERR_CONFLICT},
		{"urn:ietf:params:acme:error:accountDoesNotExist", CN_ERR_ACCOUNT_DNE},
		{"urn:ietf:params:acme:error:malformed", CN_ERR_MALFORMED},
		{"urn:ietf:params:acme:error:serverInternal", CN_ERR_INTERNAL},
		{"connection", CN_ERR_CONNECTION},
		{"urn:ietf:params:acme:error:somethingNew", CN_ERR_BAD_REQUEST},
		{"about:blank", CN_ERR_BAD_REQUEST},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cn_acme_problem_code(cases[i].type), cases[i].code);
}

static void test_render(void **state)
{
	static const char body[] =
	    "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"status\":400,"
	    "\"detail\":\"Error creating new order\\n:: bad\","
	    "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\","
	    "\"detail\":\"internal name\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.local\"}},"
	    "{\"type\":\"urn:ietf:params:acme:error:caa\",\"identifier\":{\"type\":\"dns\",\"value\":\"b.test\"}}]}";
	struct cn_acme_problem p;

	(void)state;
	cn_acme_problem_parse(body, strlen(body), 400, &p);
	assert_string_equal(p.type, "urn:ietf:params:acme:error:rejectedIdentifier");
	assert_int_equal(p.status, 400);
	assert_true(cn_acme_problem_is(&p, "rejectedIdentifier"));
	assert_false(cn_acme_problem_is(&p, "rejected"));
	assert_string_equal(p.line,
	    "urn:ietf:params:acme:error:rejectedIdentifier: Error creating new order\\x0a:: bad "
	    "[a.local: rejectedIdentifier internal name; b.test: caa]");
	assert_int_equal(cn_acme_problem_err(&p), CN_ERR_REJECTED_ID);
	assert_string_equal(cn_err_detail(), p.line);
	cn_acme_problem_cleanup(&p);

	cn_acme_problem_parse("<html>oops</html>", 17, 502, &p);
	assert_string_equal(p.type, "about:blank");
	assert_string_equal(p.line, "about:blank: HTTP 502");
	assert_int_equal(p.status, 502);
	cn_acme_problem_cleanup(&p);

	cn_acme_problem_from_json(NULL, 0, &p);
	assert_string_equal(p.line, "about:blank");
	cn_acme_problem_cleanup(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
