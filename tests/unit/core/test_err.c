/*
 * test_err.c - unit tests of src/core/err.c through err.h: every code has
 * its own row with a text, an RFC 8555 section 6.7 problem type and an HTTP
 * status; unknown codes fall back to serverInternal/500; the per-thread
 * detail of cn_err_set and cn_err_openssl.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

/* RFC 8555 section 6.7, table of error types, plus the extensions':
 * alreadyReplaced (RFC 9773 section 7.4), invalidProfile
 * (draft-ietf-acme-profiles section 6.3). */
static const char *const rfc8555_types[] = {
	"alreadyReplaced", "invalidProfile",
	"accountDoesNotExist", "alreadyRevoked", "badCSR", "badNonce", "badPublicKey",
	"badRevocationReason", "badSignatureAlgorithm", "caa", "compound", "connection",
	"dns", "externalAccountRequired", "incorrectResponse", "invalidContact", "malformed",
	"orderNotReady", "rateLimited", "rejectedIdentifier", "serverInternal", "tls",
	"unauthorized", "unsupportedContact", "unsupportedIdentifier", "userActionRequired",
};

static bool is_rfc8555_type(const char *t)
{
	size_t i;

	for (i = 0; i < sizeof(rfc8555_types) / sizeof(rfc8555_types[0]); i++)
		if (strcmp(t, rfc8555_types[i]) == 0)
			return true;
	return false;
}

/*
 * Every code in (CN_ERR_MIN, 0] has a problem type from the RFC and a
 * status; each has its own text (an unlisted code would silently share
 * CN_ERR_INTERNAL's row), so a code added to the enum without a table row
 * fails here.
 */
static void test_every_code_has_a_row(void **state)
{
	int code, other;

	(void)state;
	for (code = CN_ERR_MIN + 1; code <= 0; code++) {
		const char *text = cn_err_str(code);
		const char *problem = cn_err_problem(code);
		int status = cn_err_http_status(code);

		assert_non_null(text);
		assert_true(text[0] != '\0');
		assert_non_null(problem);
		if (!is_rfc8555_type(problem))
			fail_msg("code %d has problem type '%s'", code, problem);
		if (code < 0 && (status < 400 || status > 599))
			fail_msg("code %d has status %d", code, status);
		for (other = CN_ERR_MIN + 1; other < code; other++)
			if (strcmp(cn_err_str(other), text) == 0)
				fail_msg("codes %d and %d share the text '%s'", other, code, text);
	}
	assert_int_equal(cn_err_http_status(CN_OK), 200);
}

static void test_unknown_codes_are_internal(void **state)
{
	static const int unknown[] = {CN_ERR_MIN, CN_ERR_MIN - 1, -1000, 1, 42, INT32_MIN, INT32_MAX};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_string_equal(cn_err_problem(unknown[i]), "serverInternal");
		assert_int_equal(cn_err_http_status(unknown[i]), 500);
		assert_string_equal(cn_err_str(unknown[i]), cn_err_str(CN_ERR_INTERNAL));
	}
}

/* Spot checks against the comments of err.h and RFC 8555 sections 6.7, 7. */
static const struct {
	int code;
	const char *problem;
	int status;
} spot[] = {
	{CN_ERR_INTERNAL, "serverInternal", 500},
	{CN_ERR_MALFORMED, "malformed", 400},
	{CN_ERR_BAD_SIG_ALG, "badSignatureAlgorithm", 400},
	{CN_ERR_BAD_NONCE, "badNonce", 400},
	{CN_ERR_BAD_CSR, "badCSR", 400},
	{CN_ERR_BAD_KEY, "badPublicKey", 400},
	{CN_ERR_UNAUTHORIZED, "unauthorized", 403},
	{CN_ERR_NOT_FOUND, "malformed", 404},
	{CN_ERR_ACCOUNT_DNE, "accountDoesNotExist", 400},
	{CN_ERR_REJECTED_ID, "rejectedIdentifier", 400},
	{CN_ERR_UNSUPPORTED_ID, "unsupportedIdentifier", 400},
	{CN_ERR_ORDER_NOT_READY, "orderNotReady", 403},
	{CN_ERR_INCORRECT_RESPONSE, "incorrectResponse", 403},
	{CN_ERR_CONNECTION, "connection", 400},
	{CN_ERR_DNS, "dns", 400},
	{CN_ERR_TLS, "tls", 400},
	{CN_ERR_CAA, "caa", 403},
	{CN_ERR_UNSUPPORTED_CONTACT, "unsupportedContact", 400},
	{CN_ERR_INVALID_CONTACT, "invalidContact", 400},
	{CN_ERR_BAD_REVOCATION_REASON, "badRevocationReason", 400},
	{CN_ERR_ALREADY_REVOKED, "alreadyRevoked", 400},
	{CN_ERR_CONFLICT, "malformed", 409},
	{CN_ERR_RATE_LIMITED, "rateLimited", 429},
	{CN_ERR_USER_ACTION, "userActionRequired", 403},
	{CN_ERR_METHOD, "malformed", 405},
	{CN_ERR_MEDIA_TYPE, "malformed", 415},
	{CN_ERR_IO, "serverInternal", 500},
	{CN_ERR_STORE, "serverInternal", 500},
	{CN_ERR_CRYPTO, "serverInternal", 500},
	{CN_ERR_TIMEOUT, "connection", 400},
	{CN_ERR_EXTERNAL_ACCOUNT, "externalAccountRequired", 400},
	{CN_ERR_ACCOUNT_DEACTIVATED, "unauthorized", 401},
	{CN_ERR_BAD_REQUEST, "malformed", 400},
	{CN_ERR_ALREADY_REPLACED, "alreadyReplaced", 409},
	{CN_ERR_INVALID_PROFILE, "invalidProfile", 400},
};

static void test_spot_checks(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(spot) / sizeof(spot[0]); i++) {
		assert_string_equal(cn_err_problem(spot[i].code), spot[i].problem);
		assert_int_equal(cn_err_http_status(spot[i].code), spot[i].status);
	}
}

static void test_set_returns_code_and_records_detail(void **state)
{
	(void)state;
	cn_err_clear();
	assert_string_equal(cn_err_detail(), "");
	assert_int_equal(cn_err_set(CN_ERR_BAD_CSR, "CSR lacks %s (%d)", "x.example", 7),
	    CN_ERR_BAD_CSR);
	assert_string_equal(cn_err_detail(), "CSR lacks x.example (7)");
	/* The next set replaces it. */
	assert_int_equal(cn_err_set(CN_OK, "%s", "second"), CN_OK);
	assert_string_equal(cn_err_detail(), "second");
	cn_err_clear();
	assert_string_equal(cn_err_detail(), "");
}

/* A long detail is truncated and still NUL-terminated. */
static void test_long_detail_truncated(void **state)
{
	char big[2000];
	size_t len;

	(void)state;
	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cn_err_set(CN_ERR_MALFORMED, "<%s>", big), CN_ERR_MALFORMED);
	len = strlen(cn_err_detail());
	assert_true(len > 100 && len < sizeof(big));
	assert_int_equal(cn_err_detail()[0], '<');
	assert_int_equal(cn_err_detail()[len - 1], 'd');
	cn_err_clear();
}

static void *thread_main(void *arg)
{
	int *ok = arg;

	/* A new thread starts with an empty detail of its own. */
	*ok = cn_err_detail()[0] == '\0';
	(void)cn_err_set(CN_ERR_IO, "thread detail");
	*ok = *ok && strcmp(cn_err_detail(), "thread detail") == 0;
	return NULL;
}

static void test_detail_is_per_thread(void **state)
{
	pthread_t t;
	int ok = 0;

	(void)state;
	(void)cn_err_set(CN_ERR_IO, "main detail");
	assert_int_equal(pthread_create(&t, NULL, thread_main, &ok), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(ok);
	assert_string_equal(cn_err_detail(), "main detail");
	cn_err_clear();
}

/* cn_err_openssl takes the first queued OpenSSL error and drains the queue. */
static void test_openssl_detail(void **state)
{
	EVP_PKEY *pk = NULL;
	const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01};
	const unsigned char *p = junk;

	(void)state;
	ERR_clear_error();
	assert_int_equal(cn_err_openssl(CN_ERR_CRYPTO, "nothing queued"), CN_ERR_CRYPTO);
	assert_string_equal(cn_err_detail(), "nothing queued failed");

	pk = d2i_PUBKEY(NULL, &p, (long)sizeof(junk));
	assert_null(pk);
	assert_true(ERR_peek_error() != 0);
	assert_int_equal(cn_err_openssl(CN_ERR_BAD_KEY, "d2i_PUBKEY"), CN_ERR_BAD_KEY);
	assert_true(strncmp(cn_err_detail(), "d2i_PUBKEY failed: error:", 25) == 0);
	assert_int_equal(ERR_peek_error(), 0);
	cn_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_a_row),
		cmocka_unit_test(test_unknown_codes_are_internal),
		cmocka_unit_test(test_spot_checks),
		cmocka_unit_test(test_set_returns_code_and_records_detail),
		cmocka_unit_test(test_long_detail_truncated),
		cmocka_unit_test(test_detail_is_per_thread),
		cmocka_unit_test(test_openssl_detail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
