/* test_journal.c - unit tests for src/agent/journal.c: responses a killed
 * run left behind (here: a webroot file) are removed by the replay, the
 * journal is then gone; a journal entry with a token that is not base64url
 * never names a file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "journal.h"

static void test_replay_webroot(void **state)
{
	struct agent_state st;
	struct agent_solver_cfg scfg;
	struct agent_solver *s = NULL;
	struct agent_chall c;
	char dir[64], wr[128], p[256], victim[256];
	static const char bad[] = "[{\"challenge\":\"http-01\",\"webroot\":\"%s\",\"ident_type\":\"dns\","
	    "\"ident\":\"a.example\",\"token\":\"../../victim-xxxxxxxxxx\"}]";
	char body[512];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cairn-test-journal-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(wr, sizeof(wr), "%s/www", dir);
	assert_int_equal(mkdir(wr, 0755), 0);
	assert_int_equal(agent_state_open(dir, &st), 0);
	snprintf(p, sizeof(p), "%s/archive/web", dir);
	assert_int_equal(mkdir(p, 0700), 0);

	memset(&scfg, 0, sizeof(scfg));
	scfg.challenge = "http-01";
	scfg.webroot = wr;
	assert_true(agent_journal_needed(&scfg));
	memset(&c, 0, sizeof(c));
	c.type = strdup("http-01");
	c.ident_type = strdup("dns");
	c.ident = strdup("a.example");
	c.token = strdup("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
	c.url = strdup("https://ca/c");
	assert_int_equal(agent_chall_prepare(&c, "thumb"), 0);
	/* a run journals, publishes, and is killed */
	assert_int_equal(agent_journal_add(&st, "web", &scfg, &c), 0);
	assert_int_equal(agent_http01_webroot_new(wr, &s), 0);
	assert_int_equal(s->ops->present(s, &c), 0);
	agent_solver_free(s);
	snprintf(p, sizeof(p), "%s/.well-known/acme-challenge/%s", wr, c.token);
	assert_int_equal(access(p, F_OK), 0);
	/* the next run replays */
	agent_journal_replay(&st, "web");
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/archive/web/pending.json", dir);
	assert_int_equal(access(p, F_OK), -1);
	agent_journal_replay(&st, "web"); /* nothing to do */

	/* a hostile token in the journal is refused */
	snprintf(victim, sizeof(victim), "%s/victim-xxxxxxxxxx", wr); /* where ../../ would reach */
	assert_int_equal(cn_file_write_atomic(victim, "x", 1, 0600), 0);
	snprintf(body, sizeof(body), bad, wr);
	assert_int_equal(cn_file_write_atomic(p, body, strlen(body), 0600), 0);
	agent_journal_replay(&st, "web");
	assert_int_equal(access(victim, F_OK), 0);
	assert_int_equal(access(p, F_OK), -1);

	agent_chall_cleanup(&c);
	agent_state_close(&st);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_webroot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
