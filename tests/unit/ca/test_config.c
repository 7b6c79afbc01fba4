/*
 * test_config.c - unit tests of src/ca/config.c through config.h: the
 * built-in defaults, `--x=y` and `--x y`, booleans, durations with units,
 * bounds, unknown options, config files (`key = value`, flags override them
 * wherever --config appears, errors name file:line), ca_config_finish, and
 * that --print-config output reads back as a config file. Values are read
 * back through ca_config_print, so the tests see what an operator sees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "err.h"

#define MAX_ARGS 8

static char tmpdir[] = "/tmp/test_config.XXXXXX";
static char paths[8][512];
static size_t n_paths;

/* Writes text to a new file in the temporary directory; returns its path. */
static const char *write_file(const char *name, const char *text)
{
	FILE *f;
	char *p;

	assert_true(n_paths < sizeof(paths) / sizeof(paths[0]));
	p = paths[n_paths++];
	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return p;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < n_paths; i++)
		unlink(paths[i]);
	return rmdir(tmpdir);
}

static char *print_to_string(const struct ca_config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	ca_config_print(c, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* The value --print-config shows for option name (caller frees). */
static char *printed(const struct ca_config *c, const char *name)
{
	char *text = print_to_string(c), *line, *next, *v = NULL;
	size_t n = strlen(name);

	for (line = text; line != NULL && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, name, n) == 0 && strncmp(line + n, " = ", 3) == 0) {
			v = strdup(line + n + 3);
			break;
		}
	}
	free(text);
	if (v == NULL)
		fail_msg("option %s is not printed", name);
	return v;
}

static void assert_printed(const struct ca_config *c, const char *name, const char *want)
{
	char *v = printed(c, name);

	if (strcmp(v, want) != 0)
		fail_msg("%s = '%s', want '%s'", name, v, want);
	free(v);
}

static int parse(struct ca_config *c, const char *const *args, bool *print_config,
    bool *show_help)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;

	while (args[argc] != NULL) {
		assert_true(argc < MAX_ARGS);
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	return ca_config_parse_args(c, argc, argv, print_config, show_help);
}

static void test_defaults(void **state)
{
	static const char *const want[][2] = {
		{"data", ""}, {"listen", "127.0.0.1:14000"}, {"base-url", ""},
		{"resolver", "127.0.0.1:53"}, {"trust-anchor", "/usr/share/dns/root.key"}, {"http01-port", "80"},
		{"tlsalpn01-port", "443"}, {"allow-private-targets", "false"},
		{"validity", "7776000s"}, {"backdate", "3600s"}, {"workers", "16"},
		{"http-threads", "16"}, {"order-lifetime", "604800s"},
		{"authz-lifetime", "604800s"}, {"valid-authz-lifetime", "2592000s"},
		{"nonce-lifetime", "3600s"}, {"retry-after", "1"},
		{"validation-connect-timeout", "5000"}, {"validation-timeout", "10000"},
		{"validation-max-body", "8192"}, {"validation-max-redirects", "10"},
		{"max-names", "100"}, {"ca-key-type", "p256"},
		{"api-names", "localhost,127.0.0.1,::1"}, {"tos-url", ""},
		{"website", "https://github.com/cairn-ca/cairn"}, {"caa-identities", "cairn.invalid"},
		{"log-level", "info"}, {"eab-required", "false"},
		{"rate-orders-per-account", "300"}, {"rate-orders-window", "10800s"},
		{"rate-certs-per-domain", "50"}, {"rate-certs-per-domain-window", "604800s"},
		{"rate-duplicate-certs", "5"}, {"rate-duplicate-certs-window", "604800s"},
		{"rate-failed-validations", "5"}, {"rate-failed-validations-window", "3600s"},
		{"rate-accounts-per-ip", "10"}, {"rate-accounts-per-ip-window", "10800s"},
		{"rate-pending-authz", "300"},
		{"challenge-attempts", "1"}, {"challenge-retry-after", "10s"},
		{"default-profile", "classic"}, {"profile-classic-validity", "7776000s"},
		{"profile-tlsserver-validity", "3888000s"}, {"profile-shortlived-validity", "576000s"},
		{"profile-shortlived-authz-lifetime", "25200s"}, {"profile-shortlived-ip", "true"},
		{"profile-classic-ip", "false"}, {"ari-retry-after", "21600s"},
		{"ari-explanation-url", ""}, {"alternate-chain", ""}, {"dns-account-01", "false"},
		{"dns-persist-01", "false"}, {"dns-persist-01-jit", "false"},
	};
	struct ca_config c;
	size_t i;

	(void)state;
	ca_config_defaults(&c);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_printed(&c, want[i][0], want[i][1]);
	/* The struct agrees with what is printed. */
	assert_int_equal(c.validity_s, 90 * 86400);
	assert_int_equal(c.workers, 16);
	assert_false(c.eab_required);
	assert_string_equal(c.listen, "127.0.0.1:14000");
	ca_config_cleanup(&c);
	assert_null(c.listen);
	assert_null(c.data_dir);
}

struct arg_case {
	const char *args[MAX_ARGS];
	int r;
	const char *opt;    /* on success: this option ... */
	const char *want;   /* ... prints as this; on failure: a detail substring */
};

static const struct arg_case arg_cases[] = {
	{{NULL}, 0, "workers", "16"},
	/* both spellings, last one wins */
	{{"--workers=8"}, 0, "workers", "8"},
	{{"--workers", "8"}, 0, "workers", "8"},
	{{"--workers=8", "--workers", "9"}, 0, "workers", "9"},
	{{"--listen", "0.0.0.0:443"}, 0, "listen", "0.0.0.0:443"},
	{{"--listen=[::1]:8443"}, 0, "listen", "[::1]:8443"},
	{{"--listen="}, 0, "listen", ""},
	{{"--website=https://x/?a=b"}, 0, "website", "https://x/?a=b"},
	{{"--data", "--workers"}, 0, "data", "--workers"},
	/* booleans: a bare flag is true; only --x=VALUE takes a value */
	{{"--eab-required"}, 0, "eab-required", "true"},
	{{"--eab-required=true"}, 0, "eab-required", "true"},
	{{"--eab-required=yes"}, 0, "eab-required", "true"},
	{{"--eab-required=1"}, 0, "eab-required", "true"},
	{{"--eab-required", "--eab-required=false"}, 0, "eab-required", "false"},
	{{"--eab-required=no"}, 0, "eab-required", "false"},
	{{"--eab-required=0"}, 0, "eab-required", "false"},
	{{"--allow-private-targets"}, 0, "allow-private-targets", "true"},
	{{"--eab-required=maybe"}, CN_ERR_USAGE, NULL, "--eab-required: expected true or false, got 'maybe'"},
	{{"--eab-required=TRUE"}, CN_ERR_USAGE, NULL, "eab-required"},
	{{"--eab-required="}, CN_ERR_USAGE, NULL, "eab-required"},
	{{"--eab-required", "false"}, CN_ERR_USAGE, NULL, "unexpected argument 'false'"},
	/* rate limits: 0 turns one off; a window is at least 1s, at most 90d */
	{{"--rate-orders-per-account=0"}, 0, "rate-orders-per-account", "0"},
	{{"--rate-duplicate-certs", "1000000"}, 0, "rate-duplicate-certs", "1000000"},
	{{"--rate-duplicate-certs=1000001"}, CN_ERR_USAGE, NULL, "outside [0, 1000000]"},
	{{"--rate-accounts-per-ip=-1"}, CN_ERR_USAGE, NULL, "outside"},
	{{"--rate-failed-validations-window=10m"}, 0, "rate-failed-validations-window", "600s"},
	{{"--rate-orders-window=0"}, CN_ERR_USAGE, NULL,
	    "--rate-orders-window: 0 is outside [1, 7776000]"},
	{{"--rate-certs-per-domain-window=91d"}, CN_ERR_USAGE, NULL, "outside"},
	/* durations: N, Ns, Nm, Nh, Nd (valid-authz-lifetime allows 0..398d) */
	{{"--valid-authz-lifetime=90d"}, 0, "valid-authz-lifetime", "7776000s"},
	{{"--valid-authz-lifetime=8h"}, 0, "valid-authz-lifetime", "28800s"},
	{{"--valid-authz-lifetime=30s"}, 0, "valid-authz-lifetime", "30s"},
	{{"--valid-authz-lifetime=10m"}, 0, "valid-authz-lifetime", "600s"},
	{{"--valid-authz-lifetime", "3600"}, 0, "valid-authz-lifetime", "3600s"},
	{{"--valid-authz-lifetime=0"}, 0, "valid-authz-lifetime", "0s"},
	{{"--valid-authz-lifetime=0d"}, 0, "valid-authz-lifetime", "0s"},
	{{"--valid-authz-lifetime=398d"}, 0, "valid-authz-lifetime", "34387200s"},
	{{"--valid-authz-lifetime=34387200s"}, 0, "valid-authz-lifetime", "34387200s"},
	{{"--valid-authz-lifetime=34387201s"}, CN_ERR_USAGE, NULL,
	    "--valid-authz-lifetime: 34387201s is outside [0, 34387200]"},
	{{"--valid-authz-lifetime=399d"}, CN_ERR_USAGE, NULL, "outside"},
	{{"--valid-authz-lifetime=1w"}, CN_ERR_USAGE, NULL,
	    "--valid-authz-lifetime: invalid value '1w'"},
	{{"--valid-authz-lifetime=5dd"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=5D"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=d"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime="}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=-5s"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=5 d"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=1.5d"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=0x10"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=9223372036854775807d"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=106751991167301d"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=99999999999999999999"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--valid-authz-lifetime=9223372036854775807"}, CN_ERR_USAGE, NULL, "outside"},
	{{"--valid-authz-lifetime=106751991167300d"}, CN_ERR_USAGE, NULL, "outside"},
	/* duration bounds of other options */
	{{"--validity=3599"}, CN_ERR_USAGE, NULL, "--validity: 3599 is outside [3600, 34387200]"},
	{{"--validity=3600"}, 0, "validity", "3600s"},
	{{"--validity=1h"}, 0, "validity", "3600s"},
	{{"--validity=398d"}, 0, "validity", "34387200s"},
	{{"--validity=399d"}, CN_ERR_USAGE, NULL, "--validity: 399d is outside"},
	{{"--nonce-lifetime=9s"}, CN_ERR_USAGE, NULL, "outside [10, 86400]"},
	{{"--nonce-lifetime=10s"}, 0, "nonce-lifetime", "10s"},
	{{"--backdate=0"}, 0, "backdate", "0s"},
	{{"--backdate=1d"}, 0, "backdate", "86400s"},
	{{"--backdate=86401"}, CN_ERR_USAGE, NULL, "outside"},
	/* integers */
	{{"--workers=0"}, CN_ERR_USAGE, NULL, "--workers: 0 is outside [1, 256]"},
	{{"--workers=1"}, 0, "workers", "1"},
	{{"--workers=256"}, 0, "workers", "256"},
	{{"--workers=257"}, CN_ERR_USAGE, NULL, "outside [1, 256]"},
	{{"--workers=-1"}, CN_ERR_USAGE, NULL, "outside"},
	{{"--workers=4x"}, CN_ERR_USAGE, NULL, "--workers: invalid value '4x'"},
	{{"--workers="}, CN_ERR_USAGE, NULL, "invalid value ''"},
	{{"--workers=0x10"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--workers=1e3"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--workers=4s"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--workers=99999999999999999999"}, CN_ERR_USAGE, NULL, "invalid value"},
	{{"--workers=4294967300"}, CN_ERR_USAGE, NULL, "outside"}, /* not wrapped to 4 */
	{{"--retry-after=0"}, 0, "retry-after", "0"},
	{{"--retry-after=3601"}, CN_ERR_USAGE, NULL, "outside [0, 3600]"},
	{{"--validation-max-body=1048576"}, 0, "validation-max-body", "1048576"},
	{{"--validation-max-body=1048577"}, CN_ERR_USAGE, NULL, "outside"},
	/* ports */
	{{"--http01-port=0"}, CN_ERR_USAGE, NULL, "--http01-port: 0 is outside [1, 65535]"},
	{{"--http01-port=1"}, 0, "http01-port", "1"},
	{{"--http01-port", "65535"}, 0, "http01-port", "65535"},
	{{"--http01-port=65536"}, CN_ERR_USAGE, NULL, "outside"},
	{{"--tlsalpn01-port=https"}, CN_ERR_USAGE, NULL, "--tlsalpn01-port: invalid value"},
	/* unknown options and stray arguments are named */
	{{"--nope=1"}, CN_ERR_USAGE, NULL, "unknown option '--nope=1'"},
	{{"--nope"}, CN_ERR_USAGE, NULL, "unknown option '--nope'"},
	{{"--work=4"}, CN_ERR_USAGE, NULL, "unknown option '--work=4'"},
	{{"--workers-max=4"}, CN_ERR_USAGE, NULL, "unknown option '--workers-max=4'"},
	{{"--Workers=4"}, CN_ERR_USAGE, NULL, "unknown option '--Workers=4'"},
	{{"--"}, CN_ERR_USAGE, NULL, "unknown option '--'"},
	{{"--=4"}, CN_ERR_USAGE, NULL, "unknown option"},
	{{"--workers=4", "extra"}, CN_ERR_USAGE, NULL, "unexpected argument 'extra'"},
	{{"-w", "4"}, CN_ERR_USAGE, NULL, "unexpected argument '-w'"},
	{{"--print-config=yes"}, CN_ERR_USAGE, NULL, "unknown option"},
	/* a missing value */
	{{"--workers"}, CN_ERR_USAGE, NULL, "--workers needs a value"},
	{{"--listen"}, CN_ERR_USAGE, NULL, "--listen needs a value"},
	{{"--config"}, CN_ERR_USAGE, NULL, "--config needs a file"},
};

static void test_args(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(arg_cases) / sizeof(arg_cases[0]); i++) {
		const struct arg_case *t = &arg_cases[i];
		struct ca_config c;
		bool pc = true, sh = true;
		int r;

		ca_config_defaults(&c);
		cn_err_clear();
		r = parse(&c, t->args, &pc, &sh);
		if (r != t->r)
			fail_msg("row %zu (%s): got %d (%s)", i, t->args[0] ? t->args[0] : "",
			    r, cn_err_detail());
		if (r == 0) {
			assert_false(pc);
			assert_false(sh);
			assert_printed(&c, t->opt, t->want);
		} else if (strstr(cn_err_detail(), t->want) == NULL) {
			fail_msg("row %zu: detail '%s' lacks '%s'", i, cn_err_detail(), t->want);
		}
		ca_config_cleanup(&c);
	}
}

static void test_help_and_print_flags(void **state)
{
	static const struct {
		const char *args[MAX_ARGS];
		bool pc, sh;
	} cases[] = {
		{{"--help"}, false, true},
		{{"-h"}, false, true},
		{{"--print-config"}, true, false},
		{{"--workers=3", "--print-config", "--help"}, true, true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ca_config c;
		bool pc = !cases[i].pc, sh = !cases[i].sh;

		ca_config_defaults(&c);
		assert_int_equal(parse(&c, cases[i].args, &pc, &sh), 0);
		assert_int_equal(pc, cases[i].pc);
		assert_int_equal(sh, cases[i].sh);
		ca_config_cleanup(&c);
	}
}

static void test_config_file(void **state)
{
	const char *f = write_file("good.conf",
	    "# cairnd test configuration\n"
	    "\n"
	    "workers = 2\n"
	    "  listen=10.0.0.1:8443  \r\n"
	    "\teab-required\t=\tyes\n"
	    "validity = 30d\n"
	    "website = https://ca.example/?a=b # not a comment\n"
	    "data = /var/lib/cairn\n"
	    "caa-identities =\n"
	    "max-names = 7"); /* no final newline */
	const char *args[4][MAX_ARGS] = {
		{"--config", f},
		{"--config=", f}, /* filled below */
		{"--workers=9", "--config", f},
		{"--config", f, "--workers", "9"},
	};
	char eq_form[600];
	size_t i;

	(void)state;
	snprintf(eq_form, sizeof(eq_form), "--config=%s", f);
	args[1][0] = eq_form;
	args[1][1] = NULL;
	for (i = 0; i < 4; i++) {
		struct ca_config c;
		bool pc, sh;

		ca_config_defaults(&c);
		if (parse(&c, args[i], &pc, &sh) != 0)
			fail_msg("case %zu: %s", i, cn_err_detail());
		/* Flags override the file wherever --config appears. */
		assert_printed(&c, "workers", i < 2 ? "2" : "9");
		assert_printed(&c, "listen", "10.0.0.1:8443");
		assert_printed(&c, "eab-required", "true");
		assert_printed(&c, "validity", "2592000s");
		assert_printed(&c, "website", "https://ca.example/?a=b # not a comment");
		assert_printed(&c, "data", "/var/lib/cairn");
		assert_printed(&c, "caa-identities", "");
		assert_printed(&c, "max-names", "7");
		/* Untouched options keep their defaults. */
		assert_printed(&c, "http-threads", "16");
		ca_config_cleanup(&c);
	}
}

/* A later file overrides an earlier one; flags override both. */
static void test_two_config_files(void **state)
{
	const char *a = write_file("a.conf", "workers = 2\nmax-names = 5\nlog-level = debug\n");
	const char *b = write_file("b.conf", "workers = 3\n");
	const char *args[] = {"--log-level=warn", "--config", a, "--config", b, NULL};
	struct ca_config c;
	bool pc, sh;

	(void)state;
	ca_config_defaults(&c);
	assert_int_equal(parse(&c, args, &pc, &sh), 0);
	assert_printed(&c, "workers", "3");
	assert_printed(&c, "max-names", "5");
	assert_printed(&c, "log-level", "warn");
	ca_config_cleanup(&c);
}

struct file_case {
	const char *text;
	const char *detail; /* after "PATH:" */
};

static const struct file_case file_cases[] = {
	{"workers = 2\n# c\nbogus = 1\n", ":3: unknown option 'bogus'"},
	{"workers = 0\n", ":1: workers: 0 is outside [1, 256]"},
	{"\n\nlisten\n", ":3: expected 'key = value'"},
	{"validity = 1w\n", ":1: validity: invalid value '1w'"},
	{"# a\r\n\r\nvalidity = 400d\r\n", ":3: validity: 400d is outside"},
	{"eab-required = maybe\n", ":1: eab-required: expected true or false, got 'maybe'"},
	{"eab-required\n", ":1: expected 'key = value'"},
	{"config = other.conf\n", ":1: unknown option 'config'"},
	{"--workers = 3\n", ":1: unknown option '--workers'"},
	{"= 3\n", ":1: unknown option ''"},
	{"Workers = 3\n", ":1: unknown option 'Workers'"},
	{"workers = 3 # three\n", ":1: workers: invalid value '3 # three'"},
	{"print-config = true\n", ":1: unknown option 'print-config'"},
};

static void test_config_file_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
		char name[32], want[700];
		const char *f, *args[3] = {"--config", NULL, NULL};
		struct ca_config c;
		bool pc, sh;

		snprintf(name, sizeof(name), "bad%zu.conf", i);
		/* Reuse slots: these files are removed at once. */
		f = write_file(name, file_cases[i].text);
		args[1] = f;
		ca_config_defaults(&c);
		cn_err_clear();
		assert_int_equal(parse(&c, args, &pc, &sh), CN_ERR_USAGE);
		snprintf(want, sizeof(want), "%s%s", f, file_cases[i].detail);
		if (strstr(cn_err_detail(), want) == NULL)
			fail_msg("row %zu: detail '%s' lacks '%s'", i, cn_err_detail(), want);
		ca_config_cleanup(&c);
		unlink(f);
		n_paths--;
	}
}

static void test_config_file_unreadable(void **state)
{
	char missing[600];
	const char *args[3] = {"--config", NULL, NULL};
	struct ca_config c;
	bool pc, sh;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/missing.conf", tmpdir);
	args[1] = missing;
	ca_config_defaults(&c);
	assert_int_equal(parse(&c, args, &pc, &sh), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), "cannot read config file"));
	assert_non_null(strstr(cn_err_detail(), missing));
	/* A directory is not a config file either. */
	args[1] = tmpdir;
	assert_int_equal(parse(&c, args, &pc, &sh), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), tmpdir));
	ca_config_cleanup(&c);
}

struct finish_case {
	const char *args[MAX_ARGS];
	int r;
	const char *base_url; /* or the detail on failure */
	const char *tos_url;
};

static const struct finish_case finish_cases[] = {
	{{NULL}, CN_ERR_USAGE, "--data DIR is required", NULL},
	{{"--data=/d"}, 0, "https://127.0.0.1:14000", "https://127.0.0.1:14000/terms"},
	{{"--data=/d", "--listen=[::1]:443"}, 0, "https://[::1]:443", "https://[::1]:443/terms"},
	{{"--data=/d", "--base-url=https://ca.example/acme/"}, 0, "https://ca.example/acme",
	    "https://ca.example/acme/terms"},
	{{"--data=/d", "--base-url=https://ca.example///"}, 0, "https://ca.example",
	    "https://ca.example/terms"},
	{{"--data=/d", "--tos-url=https://tos.example/v2"}, 0, "https://127.0.0.1:14000",
	    "https://tos.example/v2"},
	{{"--data=/d", "--listen=localhost"}, CN_ERR_USAGE,
	    "--listen: expected HOST:PORT, got 'localhost'", NULL},
	{{"--data=/d", "--resolver=127.0.0.1"}, CN_ERR_USAGE, "--resolver: expected HOST:PORT", NULL},
	{{"--data=/d", "--default-profile=shortlived"}, 0, "https://127.0.0.1:14000",
	    "https://127.0.0.1:14000/terms"},
	{{"--data=/d", "--default-profile=gold"}, CN_ERR_USAGE,
	    "--default-profile: expected classic, tlsserver or shortlived, got 'gold'", NULL},
	{{"--data=/d", "--dns-persist-01-jit"}, CN_ERR_USAGE,
	    "--dns-persist-01-jit needs --dns-persist-01", NULL},
	{{"--data=/d", "--dns-persist-01", "--dns-persist-01-jit"}, 0, "https://127.0.0.1:14000",
	    "https://127.0.0.1:14000/terms"},
};

static void test_finish(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(finish_cases) / sizeof(finish_cases[0]); i++) {
		const struct finish_case *t = &finish_cases[i];
		struct ca_config c;
		bool pc, sh;
		int r;

		ca_config_defaults(&c);
		assert_int_equal(parse(&c, t->args, &pc, &sh), 0);
		cn_err_clear();
		r = ca_config_finish(&c);
		if (r != t->r)
			fail_msg("row %zu: got %d (%s)", i, r, cn_err_detail());
		if (r == 0) {
			assert_string_equal(c.base_url, t->base_url);
			assert_string_equal(c.tos_url, t->tos_url);
		} else if (strstr(cn_err_detail(), t->base_url) == NULL) {
			fail_msg("row %zu: detail '%s' lacks '%s'", i, cn_err_detail(), t->base_url);
		}
		ca_config_cleanup(&c);
	}
}

static void test_finish_long_listen(void **state)
{
	char *arg = malloc(3000);
	const char *args[] = {"--data=/d", arg, NULL};
	struct ca_config c;
	bool pc, sh;

	(void)state;
	assert_non_null(arg);
	memcpy(arg, "--listen=", 9);
	memset(arg + 9, 'h', 2980);
	memcpy(arg + 2989, ":1", 3);
	ca_config_defaults(&c);
	assert_int_equal(parse(&c, args, &pc, &sh), 0);
	assert_int_equal(ca_config_finish(&c), CN_ERR_USAGE);
	assert_non_null(strstr(cn_err_detail(), "--listen is too long"));
	ca_config_cleanup(&c);
	free(arg);
}

/* --print-config output is itself a config file giving the same values. */
static void test_print_reads_back(void **state)
{
	const char *args[] = {"--workers=17", "--validity=45d", "--eab-required",
	    "--listen=192.0.2.1:9443", "--caa-identities=a.example,b.example",
	    "--validation-max-redirects=0", "--data=/srv/cairn", NULL};
	const char *args2[3] = {"--config", NULL, NULL};
	struct ca_config c, d;
	char *one = NULL, *two = NULL;
	bool pc, sh;

	(void)state;
	ca_config_defaults(&c);
	assert_int_equal(parse(&c, args, &pc, &sh), 0);
	one = print_to_string(&c);
	args2[1] = write_file("printed.conf", one);
	ca_config_defaults(&d);
	if (parse(&d, args2, &pc, &sh) != 0)
		fail_msg("printed config does not read back: %s", cn_err_detail());
	two = print_to_string(&d);
	assert_string_equal(one, two);
	assert_int_equal(d.workers, 17);
	assert_int_equal(d.validity_s, 45 * 86400);
	assert_true(d.eab_required);
	assert_int_equal(d.validation_max_redirects, 0);
	free(one);
	free(two);
	ca_config_cleanup(&c);
	ca_config_cleanup(&d);
}

/* --help and the Markdown table list every option that --print-config does. */
static void test_usage_and_markdown_list_every_option(void **state)
{
	struct ca_config c;
	char *printed_text = NULL, *usage = NULL, *md = NULL, *line, *next;
	size_t ulen = 0, mlen = 0, n = 0;
	FILE *f;

	(void)state;
	ca_config_defaults(&c);
	printed_text = print_to_string(&c);
	f = open_memstream(&usage, &ulen);
	assert_non_null(f);
	ca_config_usage(f);
	assert_int_equal(fclose(f), 0);
	f = open_memstream(&md, &mlen);
	assert_non_null(f);
	ca_config_markdown(f);
	assert_int_equal(fclose(f), 0);
	for (line = printed_text; line != NULL && *line; line = next) {
		char *eq, key[80], want[96];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#')
			continue;
		eq = strstr(line, " = ");
		assert_non_null(eq);
		assert_true((size_t)(eq - line) < sizeof(key));
		memcpy(key, line, (size_t)(eq - line));
		key[eq - line] = '\0';
		snprintf(want, sizeof(want), "  --%s ", key);
		if (strstr(usage, want) == NULL)
			fail_msg("--help lacks %s", key);
		snprintf(want, sizeof(want), "| `--%s` |", key);
		if (strstr(md, want) == NULL)
			fail_msg("the Markdown table lacks %s", key);
		n++;
	}
	assert_int_equal(n, 74);
	assert_non_null(strstr(usage, "--config FILE"));
	free(printed_text);
	free(usage);
	free(md);
	ca_config_cleanup(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_help_and_print_flags),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_two_config_files),
		cmocka_unit_test(test_config_file_errors),
		cmocka_unit_test(test_config_file_unreadable),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_finish_long_listen),
		cmocka_unit_test(test_print_reads_back),
		cmocka_unit_test(test_usage_and_markdown_list_every_option),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
