/*
 * test_work_persist.c - src/ca/work_persist.c against pebble-challtestsrv:
 * just-in-time dns-persist-01 (draft-ietf-acme-dns-persist section 4.2) on
 * authorizations as newOrder and newAuthz make them (ca_authz_fill_new):
 * created valid by a record at the name or, with policy=wildcard, at a
 * parent below the registrable domain (the Debian public suffix list), with
 * expiry and a reuse period capped by the record's TTL (0 here, section
 * 7.8); left pending, untouched, for another account's record, a passed
 * persistUntil, a parent record without policy=wildcard, CAA naming another
 * CA, a deadline already passed (no lookup at all), the option off.
 *
 * Ports (21550-21559): 21550 DNS, 21551 management.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "acme/acme.h"
#include "config.h"
#include "err.h"
#include "policy.h"
#include "validate/validate.h"
#include "validate/vtest.h"
#include "work.h"

#define DNS_PORT 21550
#define MGMT_PORT 21551
#define ACCT 7
#define ACCT_URL "https://ca.example/acme/acct/7"
#define REUSE (30 * 86400)

static struct vt_cts cts;
static struct ca_resolver *res;
static struct ca_validate_cfg vcfg = {.resolver = "127.0.0.1:21550", .total_timeout_ms = 3000};
static struct ca_config cfg;
static struct ca_ctx ctx;

static int setup(void **state)
{
	(void)state;
	cfg.base_url = (char *)"https://ca.example";
	cfg.caa_identities = (char *)"ca.example";
	cfg.valid_authz_lifetime_s = REUSE;
	cfg.authz_lifetime_s = 7 * 86400;
	cfg.dns_persist_01 = true;
	cfg.dns_persist_01_jit = true;
	if (ca_policy_init(&cfg) != 0) /* the Debian public suffix list */
		return -1;
	if (vt_cts_start(&cts, DNS_PORT, MGMT_PORT, 0, 0, 0) != 0)
		return -1;
	if (ca_resolver_new(&vcfg, &res) != 0)
		return -1;
	ctx.cfg = &cfg;
	ctx.vcfg = &vcfg;
	ctx.resolver = res;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ca_resolver_free(res);
	vt_cts_stop(&cts);
	ca_policy_cleanup();
	return 0;
}

static void txt(const char *name, const char *value)
{
	char json[768];

	snprintf(json, sizeof(json), "{\"host\":\"_validation-persist.%s.\",\"value\":\"%s\"}", name, value);
	assert_int_equal(vt_cts_post(&cts, "/set-txt", json), 200);
}

/* A new authorization for name ("*." for a wildcard) as newOrder makes it. */
static void fill(struct ca_authz *az, const char *name, int64_t account, int64_t now)
{
	struct ca_identifier id;

	assert_int_equal(ca_policy_identifier(&cfg, "dns", name, &id), 0);
	assert_int_equal(ca_authz_fill_new(&ctx, account, now, &id, az), 0);
	ca_identifier_cleanup(&id);
}

static const struct ca_challenge *persist_challenge(const struct ca_authz *az)
{
	size_t i;

	for (i = 0; i < az->n_challenges; i++)
		if (strcmp(az->challenges[i].type, "dns-persist-01") == 0)
			return &az->challenges[i];
	fail_msg("no dns-persist-01 challenge");
	return NULL;
}

/* JIT on name: whether it made the authorization valid; checks either state. */
static bool jit(const char *name, int64_t account, const char *want_via)
{
	struct ca_authz az;
	const struct ca_challenge *ch;
	int64_t now = (int64_t)time(NULL);
	char via[254] = "";
	size_t i, valid = 0;
	bool ok;

	fill(&az, name, account, now);
	ok = ca_work_persist_jit(&ctx, &az, now, ca_work_persist_jit_deadline(&ctx), via);
	ch = persist_challenge(&az);
	for (i = 0; i < az.n_challenges; i++)
		valid += az.challenges[i].status == CA_ST_VALID;
	if (ok) {
		assert_int_equal(az.status, CA_ST_VALID);
		assert_int_equal(ch->status, CA_ST_VALID);
		assert_int_equal(ch->validated, now);
		assert_int_equal(valid, 1); /* the others stay pending */
		assert_int_equal(az.expires, now + REUSE);
		assert_int_equal(az.reuse_until, now); /* challtestsrv's TTL is 0 */
		if (want_via != NULL)
			assert_string_equal(via, want_via);
	} else {
		assert_int_equal(az.status, CA_ST_PENDING);
		assert_int_equal(ch->status, CA_ST_PENDING);
		assert_int_equal(ch->validated, 0);
		assert_int_equal(valid, 0);
		assert_int_equal(az.expires, now + cfg.authz_lifetime_s);
		assert_int_equal(az.reuse_until, 0);
	}
	ca_authz_cleanup(&az);
	return ok;
}

static void test_jit_valid(void **state)
{
	(void)state;
	txt("j.persist.example", "ca.example; accounturi=" ACCT_URL "; policy=wildcard");
	assert_true(jit("j.persist.example", ACCT, "j.persist.example"));
	assert_true(jit("www.j.persist.example", ACCT, "j.persist.example"));
	assert_true(jit("a.b.j.persist.example", ACCT, "j.persist.example"));
	assert_true(jit("*.j.persist.example", ACCT, "j.persist.example"));
	/* a record at the name itself needs no policy for the name */
	txt("exact.persist.example", "ca.example; accounturi=" ACCT_URL);
	assert_true(jit("exact.persist.example", ACCT, "exact.persist.example"));
	/* the registrable domain persist.example is the highest name asked */
	txt("persist.example", "ca.example; accounturi=" ACCT_URL "; policy=wildcard");
	assert_true(jit("x.y.top.persist.example", ACCT, "persist.example"));
}

static void test_jit_pending(void **state)
{
	char rec[256];

	(void)state;
	txt("p.persist.example.net", "ca.example; accounturi=" ACCT_URL "; policy=wildcard");
	/* another account */
	assert_false(jit("www.p.persist.example.net", ACCT + 1, NULL));
	/* no record anywhere (persist.example.net is the registrable domain) */
	assert_false(jit("www.nothing.example.net", ACCT, NULL));
	/* a parent's record without policy=wildcard; a wildcard without it */
	txt("np.persist.example.net", "ca.example; accounturi=" ACCT_URL);
	assert_false(jit("www.np.persist.example.net", ACCT, NULL));
	assert_false(jit("*.np.persist.example.net", ACCT, NULL));
	/* persistUntil passed */
	snprintf(rec, sizeof(rec), "ca.example; accounturi=" ACCT_URL "; policy=wildcard; persistUntil=%lld",
	    (long long)time(NULL) - 1);
	txt("old.persist.example.net", rec);
	assert_false(jit("old.persist.example.net", ACCT, NULL));
	/* CAA names another CA: no issuance after this validation either */
	assert_int_equal(vt_cts_post(&cts, "/add-caa", "{\"host\":\"caa.persist.example.net.\",\"policies\":"
	    "[{\"tag\":\"issue\",\"value\":\"other-ca.example\"}]}"), 200);
	txt("caa.persist.example.net", "ca.example; accounturi=" ACCT_URL);
	assert_false(jit("caa.persist.example.net", ACCT, NULL));
}

static void test_jit_off_or_late(void **state)
{
	struct ca_authz az;
	int64_t now = (int64_t)time(NULL), t0;
	char via[254] = "";

	(void)state;
	txt("late.persist.example", "ca.example; accounturi=" ACCT_URL);
	cfg.dns_persist_01_jit = false;
	assert_false(jit("late.persist.example", ACCT, NULL));
	cfg.dns_persist_01_jit = true;
	/* the request's deadline passed already: nothing asked, pending */
	fill(&az, "late.persist.example", ACCT, now);
	t0 = vt_now_ms();
	assert_false(ca_work_persist_jit(&ctx, &az, now, ca_work_persist_jit_deadline(&ctx) - 5000, via));
	assert_true(vt_now_ms() - t0 < 100);
	assert_int_equal(az.status, CA_ST_PENDING);
	ca_authz_cleanup(&az);
	/* an authorization that offers no dns-persist-01 (as with the option off) */
	cfg.dns_persist_01 = false;
	fill(&az, "late.persist.example", ACCT, now);
	cfg.dns_persist_01 = true;
	assert_false(ca_work_persist_jit(&ctx, &az, now, ca_work_persist_jit_deadline(&ctx), via));
	assert_int_equal(az.status, CA_ST_PENDING);
	ca_authz_cleanup(&az);
	/* and with it: valid */
	assert_true(jit("late.persist.example", ACCT, "late.persist.example"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jit_valid),
		cmocka_unit_test(test_jit_pending),
		cmocka_unit_test(test_jit_off_or_late),
	};

	if (ca_validate_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
