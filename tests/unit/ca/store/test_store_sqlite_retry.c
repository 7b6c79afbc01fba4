/*
 * test_store_sqlite_retry.c - challenge retries (RFC 8555 section 8.2) in
 * the SQLite store (src/ca/store/store_sqlite_retry.c): a failed attempt
 * below the limit returns the challenge to pending with its error and a
 * retry time, the next start waits for that time, and the attempt that
 * reaches the limit is left to ca_store_challenge_finish.
 */
#include "sqfix.h"

static void challenge(struct ca_store *st, int64_t id, enum ca_status want, const char *err)
{
	struct ca_challenge c;

	memset(&c, 0, sizeof(c));
	assert_int_equal(ca_store_challenge_get(st, id, &c), 0);
	assert_int_equal(c.status, want);
	if (err == NULL)
		assert_null(c.error_json);
	else
		assert_string_equal(c.error_json, err);
	ca_challenge_cleanup(&c);
}

static enum ca_status order_status(struct ca_store *st, int64_t id)
{
	struct ca_order o;
	enum ca_status s;

	memset(&o, 0, sizeof(o));
	assert_int_equal(ca_store_order_get(st, id, &o), 0);
	s = o.status;
	ca_order_cleanup(&o);
	return s;
}

static void test_retry_then_invalid(void **state)
{
	struct fx *f = *state;
	struct ca_authz az;
	struct ca_job j;
	int64_t acct, order, authz, chall, retry_at = -1, run_at = 0;
	int attempts = -1;
	bool final = true;

	memset(&az, 0, sizeof(az));
	acct = fx_account(f->st, "a");
	order = fx_order(f->st, acct, "r.example", &authz, &chall);
	assert_int_equal(ca_store_challenge_attempts(f->st, chall, &attempts, &retry_at), 0);
	assert_int_equal(attempts, 0);
	assert_int_equal(retry_at, 0);
	/* not processing yet: nothing to record */
	assert_int_equal(ca_store_challenge_attempt_failed(f->st, chall, "{\"e\":0}", 3, 1200,
	    &final), CN_ERR_CONFLICT);
	assert_int_equal(ca_store_challenge_attempt_failed(f->st, 9999, "{}", 3, 1200, &final),
	    CN_ERR_NOT_FOUND);

	assert_int_equal(ca_store_challenge_start_retry(f->st, chall, 1100, &run_at), 0);
	assert_int_equal(run_at, 1100);
	fx_drain_jobs(f->st);
	assert_int_equal(ca_store_challenge_attempt_failed(f->st, chall, "{\"e\":1}", 3, 1200,
	    &final), 0);
	assert_false(final);
	challenge(f->st, chall, CA_ST_PENDING, "{\"e\":1}");
	assert_int_equal(ca_store_authz_get(f->st, authz, &az), 0);
	assert_int_equal(az.status, CA_ST_PENDING);
	ca_authz_cleanup(&az);
	assert_int_equal(order_status(f->st, order), CA_ST_PENDING);
	assert_int_equal(ca_store_challenge_attempts(f->st, chall, &attempts, &retry_at), 0);
	assert_int_equal(attempts, 1);
	assert_int_equal(retry_at, 1200);

	/* asked again too early: the job waits for retry_at */
	assert_int_equal(ca_store_challenge_start_retry(f->st, chall, 1150, &run_at), 0);
	assert_int_equal(run_at, 1200);
	assert_int_equal(ca_store_challenge_start_retry(f->st, chall, 1150, &run_at), CN_ERR_CONFLICT);
	challenge(f->st, chall, CA_ST_PROCESSING, "{\"e\":1}");
	assert_int_equal(ca_store_job_claim(f->st, 1199, 10, &j), CN_ERR_NOT_FOUND);
	assert_int_equal(ca_store_job_claim(f->st, 1200, 10, &j), 0);
	assert_int_equal(j.target_id, chall);
	assert_int_equal(ca_store_job_done(f->st, j.id), 0);

	assert_int_equal(ca_store_challenge_attempt_failed(f->st, chall, "{\"e\":2}", 3, 1300,
	    &final), 0);
	assert_false(final);
	assert_int_equal(ca_store_challenge_start_retry(f->st, chall, 1400, &run_at), 0);
	assert_int_equal(run_at, 1400);
	/* the third failure is the last: counted, left processing */
	assert_int_equal(ca_store_challenge_attempt_failed(f->st, chall, "{\"e\":3}", 3, 1500,
	    &final), 0);
	assert_true(final);
	challenge(f->st, chall, CA_ST_PROCESSING, "{\"e\":2}");
	assert_int_equal(ca_store_challenge_attempts(f->st, chall, &attempts, &retry_at), 0);
	assert_int_equal(attempts, 3);
	assert_int_equal(retry_at, 1300);
	assert_int_equal(ca_store_challenge_finish(f->st, chall, false, "{\"e\":3}", 1501), 0);
	challenge(f->st, chall, CA_ST_INVALID, "{\"e\":3}");
	assert_int_equal(order_status(f->st, order), CA_ST_INVALID);
}

static void test_retry_then_valid_clears_error(void **state)
{
	struct fx *f = *state;
	int64_t acct, order, chall, run_at = 0;
	bool final = true;

	acct = fx_account(f->st, "a");
	order = fx_order(f->st, acct, "v.example", NULL, &chall);
	assert_int_equal(ca_store_challenge_start_retry(f->st, chall, 1100, &run_at), 0);
	assert_int_equal(ca_store_challenge_attempt_failed(f->st, chall, "{\"e\":1}", 2, 1110,
	    &final), 0);
	assert_false(final);
	assert_int_equal(ca_store_challenge_start_retry(f->st, chall, 1120, &run_at), 0);
	assert_int_equal(ca_store_challenge_finish(f->st, chall, true, NULL, 1121), 0);
	challenge(f->st, chall, CA_ST_VALID, NULL);
	assert_int_equal(order_status(f->st, order), CA_ST_READY);
}

static void test_limit_one_is_final_at_once(void **state)
{
	struct fx *f = *state;
	int64_t acct, chall, run_at = 0;
	bool final = false;

	acct = fx_account(f->st, "a");
	(void)fx_order(f->st, acct, "o.example", NULL, &chall);
	assert_int_equal(ca_store_challenge_start_retry(f->st, chall, 1100, &run_at), 0);
	assert_int_equal(ca_store_challenge_attempt_failed(f->st, chall, "{}", 1, 1110, &final), 0);
	assert_true(final);
	challenge(f->st, chall, CA_ST_PROCESSING, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_retry_then_invalid, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_retry_then_valid_clears_error, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_limit_one_is_final_at_once, fx_setup,
		    fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
