/* test_opts.c - unit tests for src/agent/opts.c: parsing, per-command
 * option checks, defaults, help and roff output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opts.h"

static int parse(struct agent_opts *o, const char *line)
{
	static char buf[1024];
	char *argv[64];
	int argc = 0;
	char *p;

	snprintf(buf, sizeof(buf), "cairn %s", line);
	for (p = buf; *p;) {
		while (*p == ' ')
			*p++ = '\0';
		if (*p == '\0')
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	argv[argc] = NULL;
	return agent_opts_parse(argc, argv, o);
}

static void test_table(void **state)
{
	static const struct {
		const char *line;
		int rc;
		enum agent_cmd cmd;
	} cases[] = {
		{"issue -d a.example --standalone 80", 0, AGENT_CMD_ISSUE},
		{"--server https://x/dir issue -d a.example -d b.example --webroot /tmp", 0, AGENT_CMD_ISSUE},
		{"issue --domain=a.example --tls-alpn=127.0.0.1:443", 0, AGENT_CMD_ISSUE},
		{"renew --all --force", 0, AGENT_CMD_RENEW},
		{"renew web", 0, AGENT_CMD_RENEW},
		{"list --json", 0, AGENT_CMD_LIST},
		{"account register --agree-tos --contact a@b.c", 0, AGENT_CMD_ACCOUNT},
		{"account rollover --account-key-type p384", 0, AGENT_CMD_ACCOUNT},
		{"revoke web --reason keyCompromise", 0, AGENT_CMD_REVOKE},
		{"daemon --check-interval 600 --once", 0, AGENT_CMD_DAEMON},
		{"--help", 0, AGENT_CMD_HELP},
		{"issue --help", 0, AGENT_CMD_HELP},
		{"help --roff", 0, AGENT_CMD_HELP},
		{"--version", 0, AGENT_CMD_VERSION},
		{"", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"frobnicate", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"issue --nope", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"issue -d", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"list --force", CN_ERR_USAGE, AGENT_CMD_NONE},          /* --force is renew's */
		{"list --server https://x/ --ca-bundle /c", 0, AGENT_CMD_LIST}, /* global options */
		{"renew --webroot /x", CN_ERR_USAGE, AGENT_CMD_NONE},    /* recorded, not given again */
		{"account", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"account frob", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"daemon --check-interval 5", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"issue --timeout x", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"issue --agree-tos=yes", CN_ERR_USAGE, AGENT_CMD_NONE},
		{"list --log-level loud", CN_ERR_USAGE, AGENT_CMD_NONE},
	};
	struct agent_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(&o, cases[i].line);

		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, want %d (%s)", cases[i].line, rc, cases[i].rc, cn_err_detail());
		if (rc == 0)
			assert_int_equal(o.cmd, cases[i].cmd);
	}
}

static void test_values(void **state)
{
	struct agent_opts o;

	(void)state;
	assert_int_equal(parse(&o, "issue -d a.example -db.example --name web --key-type rsa2048 "
	    "--standalone 127.0.0.1:5002 --deploy-hook true -v -v"), 0);
	assert_int_equal(o.n_domains, 2);
	assert_string_equal(o.domains[0], "a.example");
	assert_string_equal(o.domains[1], "b.example");
	assert_string_equal(o.name, "web");
	assert_string_equal(o.key_type, "rsa2048");
	assert_string_equal(o.standalone, "127.0.0.1:5002");
	assert_string_equal(o.deploy_hook, "true");
	assert_int_equal(o.log_level, CN_LOG_DEBUG);
	assert_string_equal(o.server, AGENT_DEFAULT_SERVER);
	assert_false(o.server_set);
	assert_string_equal(o.state_dir, AGENT_DEFAULT_STATE);
	assert_int_equal(o.timeout_s, 300);
	assert_int_equal(parse(&o, "renew"), 0);
	assert_int_equal(o.log_level, CN_LOG_WARN);
	assert_int_equal(parse(&o, "renew -v"), 0);
	assert_int_equal(o.log_level, CN_LOG_INFO);
	assert_int_equal(parse(&o, "renew -vv"), 0);
	assert_int_equal(o.log_level, CN_LOG_DEBUG);
	assert_int_equal(parse(&o, "renew -vd"), CN_ERR_USAGE);
	assert_int_equal(parse(&o, "daemon"), 0);
	assert_int_equal(o.log_level, CN_LOG_INFO);
	assert_int_equal(parse(&o, "daemon -q"), 0);
	assert_int_equal(o.log_level, CN_LOG_ERR);

	assert_int_equal(parse(&o, "account update --contact a@b.c --contact mailto:x@y.z --state /s"), 0);
	assert_string_equal(o.sub, "update");
	assert_int_equal(o.n_contact, 2);
	assert_string_equal(o.state_dir, "/s");

	assert_int_equal(parse(&o, "renew -- --all"), 0);
	assert_false(o.all);
	assert_int_equal(o.n_args, 1);
	assert_string_equal(o.args[0], "--all");

	assert_int_equal(parse(&o, "issue --help"), 0);
	assert_int_equal(o.cmd, AGENT_CMD_HELP);
	assert_string_equal(o.args[0], "issue");
}

static void test_help_and_roff(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&buf, &len);
	agent_opts_help(f, AGENT_CMD_NONE);
	fclose(f);
	assert_non_null(strstr(buf, "renew [CERTNAME | --all] [--force]"));
	assert_non_null(strstr(buf, "--server URL"));
	assert_non_null(strstr(buf, "2 renew: nothing was due"));
	free(buf);

	f = open_memstream(&buf, &len);
	agent_opts_help(f, AGENT_CMD_ISSUE);
	fclose(f);
	assert_non_null(strstr(buf, "--dns-hook CMD"));
	assert_non_null(strstr(buf, "--tls-alpn [ADDR:]PORT"));
	assert_null(strstr(buf, "--force"));
	free(buf);

	f = open_memstream(&buf, &len);
	agent_opts_roff(f);
	fclose(f);
	assert_non_null(strstr(buf, ".SH OPTIONS\n"));
	assert_non_null(strstr(buf, "\\fB\\-\\-eab\\-hmac\\-key\\fR \\fIKEY\\fR"));
	assert_non_null(strstr(buf, ".SH EXIT STATUS"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_help_and_roff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
