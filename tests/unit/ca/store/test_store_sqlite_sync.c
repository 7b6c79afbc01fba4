/*
 * test_store_sqlite_sync.c - the SQLite store's group commit
 * (store_sqlite_sync.c): a durable commit returns only after an fdatasync
 * that covers it, light commits (job leases) sync nothing, concurrent
 * writers share syncs, and a reader never returns while a commit begun
 * before its release is unsynced.
 */
#include <pthread.h>
#include <time.h>

#include "sqfix.h"
#include "store/store_sqlite_int.h"

static uint64_t syncs(struct fx *f)
{
	return sq_sync_count(&f->st->sync);
}

static void assert_all_synced(struct fx *f)
{
	assert_true(atomic_load(&f->st->sync.synced) >=
	    atomic_load(&f->st->sync.begun));
}

static void test_durable_commit_syncs(void **state)
{
	struct fx *f = *state;
	uint64_t before = syncs(f);

	fx_account(f->st, "sync-1");
	assert_int_equal(syncs(f), before + 1);
	assert_all_synced(f);
	fx_account(f->st, "sync-2");
	assert_int_equal(syncs(f), before + 2);
}

static void test_light_commit_does_not_sync(void **state)
{
	struct fx *f = *state;
	struct ca_job j;
	int64_t acct, chall;
	uint64_t before;

	acct = fx_account(f->st, "light");
	fx_order(f->st, acct, "light.example", NULL, &chall);
	assert_int_equal(ca_store_challenge_start(f->st, chall, 1100), 0);
	before = syncs(f);
	/* The claim is a light transaction: no sync of its own. */
	assert_int_equal(ca_store_job_claim(f->st, INT32_MAX, 10, &j), 0);
	assert_int_equal(syncs(f), before);
	assert_int_equal(ca_store_job_done(f->st, j.id), 0);
	assert_int_equal(syncs(f), before);
}

static void test_read_only_needs_no_sync(void **state)
{
	struct fx *f = *state;
	struct ca_account a;
	int64_t id = fx_account(f->st, "reader");
	uint64_t before = syncs(f);

	memset(&a, 0, sizeof(a));
	assert_int_equal(ca_store_account_get(f->st, id, &a), 0);
	ca_account_cleanup(&a);
	assert_int_equal(syncs(f), before);
}

#define N_WRITERS 8
#define N_EACH 25

struct writer {
	struct ca_store *st;
	int n;
	int failures;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct ca_account a;
	int64_t begun_before;
	int i;

	for (i = 0; i < N_EACH; i++) {
		/* This commit's number is above every number handed out
		 * before it, and it is synced when the insert returns. */
		begun_before = atomic_load(&w->st->sync.begun);
		memset(&a, 0, sizeof(a));
		a.status = CA_ST_VALID;
		snprintf(a.thumbprint, sizeof(a.thumbprint), "w%d-%d", w->n, i);
		a.jwk_json = (char *)"{}";
		a.contact_json = (char *)"[]";
		a.created = 1;
		if (ca_store_account_insert(w->st, &a) != 0 ||
		    atomic_load(&w->st->sync.synced) <= begun_before)
			w->failures++;
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	struct writer *w = arg;
	struct ca_account a;
	int i;

	for (i = 0; i < N_EACH * 4; i++) {
		memset(&a, 0, sizeof(a));
		if (ca_store_account_get(w->st, 1, &a) != 0)
			w->failures++;
		ca_account_cleanup(&a);
	}
	return NULL;
}

/* Concurrent writers all succeed, each finds its own commit synced, and
 * they share syncs: fewer fdatasyncs than commits (with 8 threads on a
 * real disk, by a wide margin; the test asks only for fewer). */
static void test_concurrent_writers_share_syncs(void **state)
{
	struct fx *f = *state;
	struct writer w[N_WRITERS + 2];
	pthread_t th[N_WRITERS + 2];
	uint64_t before, done;
	int i;

	fx_account(f->st, "first");
	before = syncs(f);
	for (i = 0; i < N_WRITERS + 2; i++) {
		w[i].st = f->st;
		w[i].n = i;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL,
		    i < N_WRITERS ? writer_main : reader_main, &w[i]), 0);
	}
	for (i = 0; i < N_WRITERS + 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	done = syncs(f) - before;
	assert_true(done >= 1);
	assert_true(done < (uint64_t)N_WRITERS * N_EACH);
	assert_all_synced(f);
	print_message("%d commits, %llu fdatasyncs\n", N_WRITERS * N_EACH,
	    (unsigned long long)done);
}

/* A reader released while another thread's commit is unsynced waits for
 * it: simulated by handing out a number without syncing it. */
static void test_reader_waits_for_begun_commit(void **state)
{
	struct fx *f = *state;
	int64_t seq;

	fx_account(f->st, "pending");
	seq = sq_sync_begun(&f->st->sync);
	assert_true(atomic_load(&f->st->sync.synced) < seq);
	/* The "writer" reports its commit written; the reader then syncs. */
	assert_int_equal(sq_sync_wait(&f->st->sync, seq), 0);
	assert_int_equal(sq_sync_reader(&f->st->sync), 0);
	assert_all_synced(f);
}

static void *late_writer(void *arg)
{
	struct fx *f = arg;
	struct timespec ts = {0, 50 * 1000000L};

	nanosleep(&ts, NULL);
	assert_int_equal(sq_sync_wait(&f->st->sync, atomic_load(&f->st->sync.begun)), 0);
	return NULL;
}

/* A thread that read while a commit was in flight is not answered before
 * that commit is durable: ca_store_sync_reads waits for it. */
static void test_sync_reads_waits_for_commit_in_flight(void **state)
{
	struct fx *f = *state;
	struct ca_account a;
	pthread_t th;
	int64_t id, seq;

	id = fx_account(f->st, "in-flight");
	assert_int_equal(ca_store_sync_reads(f->st), 0);
	seq = sq_sync_begun(&f->st->sync); /* a commit under way elsewhere */
	memset(&a, 0, sizeof(a));
	assert_int_equal(ca_store_account_get(f->st, id, &a), 0);
	ca_account_cleanup(&a);
	assert_true(atomic_load(&f->st->sync.synced) < seq);
	assert_int_equal(pthread_create(&th, NULL, late_writer, f), 0);
	assert_int_equal(ca_store_sync_reads(f->st), 0);
	assert_true(atomic_load(&f->st->sync.synced) >= seq);
	assert_int_equal(pthread_join(th, NULL), 0);
	/* Nothing read since: no wait. */
	assert_int_equal(ca_store_sync_reads(f->st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_durable_commit_syncs,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_light_commit_does_not_sync,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_read_only_needs_no_sync,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers_share_syncs,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reader_waits_for_begun_commit,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sync_reads_waits_for_commit_in_flight,
		    fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
