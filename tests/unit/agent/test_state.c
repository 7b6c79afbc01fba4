/* test_state.c - unit tests for src/agent/state.c: layout, versioned
 * installs through the symlink swap, pruning, leftovers of crashed runs,
 * names, account files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

struct fx {
	char dir[64];
	struct agent_state st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-state-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	/* a subdirectory that does not exist yet: open must create it */
	strncat(f->dir, "/s", sizeof(f->dir) - strlen(f->dir) - 1);
	if (agent_state_open(f->dir, &f->st) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	agent_state_close(&f->st);
	f->dir[strlen(f->dir) - 2] = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void install(struct fx *f, const char *name, const char *content)
{
	struct agent_stage sg;
	unsigned v = 0;

	assert_int_equal(agent_stage_begin(&f->st, name, &sg), 0);
	assert_int_equal(agent_stage_write(&sg, "cert.pem", content, strlen(content), 0644), 0);
	assert_int_equal(agent_stage_write(&sg, "privkey.pem", "k", 1, 0600), 0);
	assert_int_equal(agent_stage_commit(&f->st, &sg, &v), 0);
	agent_stage_abort(&sg);
}

static void test_versions_and_symlink(void **state)
{
	struct fx *f = *state;
	char *data = NULL, path[PATH_MAX], target[PATH_MAX];
	size_t len = 0;
	struct stat sb;
	ssize_t n;
	int i;

	assert_false(agent_cert_exists(&f->st, "web"));
	assert_int_equal(agent_cert_version(&f->st, "web"), 0);
	install(f, "web", "one");
	assert_true(agent_cert_exists(&f->st, "web"));
	assert_int_equal(agent_cert_version(&f->st, "web"), 1);
	assert_int_equal(agent_cert_read(&f->st, "web", "cert.pem", &data, &len), 0);
	assert_string_equal(data, "one");
	free(data);
	snprintf(path, sizeof(path), "%s/certs/web", f->st.dir);
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../archive/web/1");
	snprintf(path, sizeof(path), "%s/certs/web/privkey.pem", f->st.dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	for (i = 2; i <= 8; i++) {
		char c[16];

		snprintf(c, sizeof(c), "v%d", i);
		install(f, "web", c);
	}
	assert_int_equal(agent_cert_version(&f->st, "web"), 8);
	assert_int_equal(agent_cert_read(&f->st, "web", "cert.pem", &data, &len), 0);
	assert_string_equal(data, "v8");
	free(data);
	/* pruned to the newest AGENT_KEEP_VERSIONS */
	for (i = 1; i <= 8; i++) {
		snprintf(path, sizeof(path), "%s/archive/web/%d", f->st.dir, i);
		assert_int_equal(access(path, F_OK) == 0, i > 8 - AGENT_KEEP_VERSIONS);
	}
	/* the status file lives beside the versions */
	{
		json_t *s = NULL;

		assert_int_equal(agent_cert_status_load(&f->st, "web", &s), 0);
		assert_int_equal(json_object_size(s), 0);
		json_object_set_new(s, "failures", json_integer(2));
		assert_int_equal(agent_cert_status_save(&f->st, "web", s), 0);
		json_decref(s);
		assert_int_equal(agent_cert_status_load(&f->st, "web", &s), 0);
		assert_int_equal(json_integer_value(json_object_get(s, "failures")), 2);
		json_decref(s);
	}
}

static void test_abort_and_leftovers(void **state)
{
	struct fx *f = *state;
	struct agent_stage sg;
	char path[PATH_MAX], *data = NULL;
	size_t len;

	install(f, "a", "live");
	/* an aborted build leaves the live version alone */
	assert_int_equal(agent_stage_begin(&f->st, "a", &sg), 0);
	assert_int_equal(agent_stage_write(&sg, "cert.pem", "half", 4, 0644), 0);
	snprintf(path, sizeof(path), "%s", sg.abs);
	agent_stage_abort(&sg);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(agent_cert_read(&f->st, "a", "cert.pem", &data, &len), 0);
	assert_string_equal(data, "live");
	free(data);
	/* a crashed run's directory is removed by the next one */
	snprintf(path, sizeof(path), "%s/archive/a/.new-99999", f->st.dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/archive/a/.new-99999/cert.pem", f->st.dir);
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fputs("junk", fp);
		fclose(fp);
	}
	install(f, "a", "next");
	snprintf(path, sizeof(path), "%s/archive/a/.new-99999", f->st.dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(agent_cert_version(&f->st, "a"), 2);
}

static void test_names(void **state)
{
	struct fx *f = *state;
	char **names = NULL, *s;
	size_t n = 0, i;

	(void)state;
	assert_true(agent_certname_ok("example.com"));
	assert_true(agent_certname_ok("_.example.com"));
	assert_false(agent_certname_ok(""));
	assert_false(agent_certname_ok(".hidden"));
	assert_false(agent_certname_ok("a/b"));
	assert_false(agent_certname_ok("*.example.com"));
	assert_false(agent_certname_ok(".."));
	s = agent_certname_default("*.example.com");
	assert_string_equal(s, "_.example.com");
	free(s);
	s = agent_certname_default("2001:db8::1");
	assert_string_equal(s, "2001_db8__1");
	free(s);
	install(f, "zeta", "z");
	install(f, "alpha", "a");
	assert_int_equal(agent_cert_names(&f->st, &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "alpha");
	assert_string_equal(names[1], "zeta");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	{
		struct agent_stage sg;

		assert_int_equal(agent_stage_begin(&f->st, "../etc", &sg), CN_ERR_USAGE);
	}
}

static void test_accounts(void **state)
{
	struct fx *f = *state;
	char *id, *rel = NULL;
	json_t *a = NULL, *b = NULL;

	id = agent_account_id("https://127.0.0.1:14000/dir");
	assert_string_equal(id, "127.0.0.1_14000_dir");
	free(id);
	id = agent_account_id("https://acme-v02.api.letsencrypt.org/directory");
	assert_string_equal(id, "acme-v02.api.letsencrypt.org_directory");
	free(id);
	id = agent_account_id("https://[::1]:443/");
	assert_string_equal(id, "1_443");
	free(id);
	id = agent_account_id("https://../x");
	assert_string_equal(id, "x");
	free(id);
	id = agent_account_id("https://..");
	assert_string_equal(id, "server");
	free(id);
	assert_int_equal(agent_account_load(&f->st, "https://ca/dir", &a), CN_ERR_NOT_FOUND);
	assert_int_equal(agent_account_key_rel(&f->st, "https://ca/dir", &rel), 0);
	assert_string_equal(rel, "accounts/ca_dir/account.key");
	free(rel);
	a = json_pack("{s:s}", "url", "https://ca/acct/1");
	assert_int_equal(agent_account_save(&f->st, "https://ca/dir", a), 0);
	assert_int_equal(agent_account_load(&f->st, "https://ca/dir", &b), 0);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
}

static void test_lock(void **state)
{
	struct fx *f = *state;
	struct agent_state other;

	assert_int_equal(agent_state_lock(&f->st, false), 0);
	assert_int_equal(agent_state_open(f->dir, &other), 0);
	assert_int_equal(agent_state_lock(&other, false), CN_ERR_CONFLICT);
	agent_state_unlock(&f->st);
	assert_int_equal(agent_state_lock(&other, false), 0);
	agent_state_close(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_versions_and_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_and_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
