/* test_hook.c - unit tests for src/agent/hook.c: arguments arrive as
 * positional parameters (never interpreted by the shell), environment
 * variables are added and override inherited ones, exit statuses and
 * signals become errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "hook.h"

static void test_args_and_env(void **state)
{
	char out[64], cmd[256], *data = NULL;
	const char *args[] = {"add", "_acme-challenge.a.example", "$(touch /tmp/cairn-hook-pwned); x"};
	const char *env[] = {"CAIRN_CERT_NAME=web", "HOME=/nowhere"};

	(void)state;
	snprintf(out, sizeof(out), "/tmp/cairn-hook-XXXXXX");
	assert_true(mkstemp(out) >= 0);
	unlink("/tmp/cairn-hook-pwned");
	/* the hook contract: CMD ARGS..., so CMD here is a small inner script */
	snprintf(cmd, sizeof(cmd), "sh -c 'printf \"%%s|%%s|%%s|%%s|%%s\" \"$CAIRN_CERT_NAME\" \"$HOME\" \"$1\" \"$2\" \"$3\" >%s' inner", out);
	assert_int_equal(agent_hook_run(cmd, args, 3, env, 2), 0);
	assert_int_equal(cn_file_read(out, 4096, &data, NULL), 0);
	assert_string_equal(data, "web|/nowhere|add|_acme-challenge.a.example|$(touch /tmp/cairn-hook-pwned); x");
	assert_int_equal(access("/tmp/cairn-hook-pwned", F_OK), -1);
	free(data);
	unlink(out);
}

static void test_failures(void **state)
{
	(void)state;
	assert_int_equal(agent_hook_run("true", NULL, 0, NULL, 0), 0);
	/* without arguments the command runs as written */
	assert_int_equal(agent_hook_run("if true; then exit 0; fi", NULL, 0, NULL, 0), 0);
	assert_int_equal(agent_hook_run("exit 3", NULL, 0, NULL, 0), CN_ERR_IO);
	assert_non_null(strstr(cn_err_detail(), "status 3"));
	assert_int_equal(agent_hook_run("kill -TERM $$", NULL, 0, NULL, 0), CN_ERR_IO);
	assert_non_null(strstr(cn_err_detail(), "signal 15"));
	assert_int_equal(agent_hook_run("/nonexistent/command", NULL, 0, NULL, 0), CN_ERR_IO);
	assert_non_null(strstr(cn_err_detail(), "status 127"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_and_env),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
