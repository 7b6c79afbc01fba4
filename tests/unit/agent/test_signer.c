/* test_signer.c - unit tests for src/agent/signer.c: the path allow-list,
 * key creation/loading in the signer process, JWS signatures that verify
 * with the returned JWK, CSRs, and refusals carried back with their codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jose/jwk.h"
#include "jose/jws.h"
#include "signer.h"
#include "x509/csr.h"

static char dir[64];

static int setup(void **state)
{
	char p[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cairn-test-signer-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/accounts", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/accounts/ca", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/archive", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/archive/web", dir);
	mkdir(p, 0700);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_paths(void **state)
{
	static const struct {
		const char *p;
		bool ok;
	} cases[] = {
		{"accounts/ca/account.key", true},
		{"accounts/ca/account-new.key", true},
		{"archive/web/.new-123/privkey.pem", true},
		{"archive/web/3/privkey.pem", true},
		{"accounts/../x/account.key", false},
		{"accounts/./account.key", false},
		{"/etc/ssl/private/x.key", false},
		{"archive/web/cert.pem", false},
		{"certs/web/privkey.pem", false},
		{"accounts//account.key", false},
		{"accounts/ca/acc ount.key", false},
		{"archive/web/..", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (agent_signer_path_ok(cases[i].p) != cases[i].ok)
			fail_msg("%s", cases[i].p);
}

static void test_keys_jws_csr(void **state)
{
	struct agent_signer *s = NULL;
	json_t *jwk = NULL, *jwk2 = NULL;
	char thumb[44], thumb2[44], *jws = NULL, path[128];
	struct cn_jws *parsed = NULL;
	EVP_PKEY *pub = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	struct cn_csr *csr = NULL;
	const char *dns[] = {"a.example", "b.example"}, *ips[] = {"192.0.2.1"};
	struct stat sb;

	(void)state;
	assert_int_equal(agent_signer_start(dir, &s), 0);
	assert_true(agent_signer_pid(s) > 0);
	/* absent key without a type: not found, reported with the signer's detail */
	assert_int_equal(agent_signer_load_key(s, AGENT_SLOT_ACCOUNT, "accounts/ca/account.key", NULL, false,
	    &jwk, thumb), CN_ERR_NOT_FOUND);
	/* created on demand, 0600 */
	assert_int_equal(agent_signer_load_key(s, AGENT_SLOT_ACCOUNT, "accounts/ca/account.key", "p256", false,
	    &jwk, thumb), 0);
	snprintf(path, sizeof(path), "%s/accounts/ca/account.key", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_string_equal(json_string_value(json_object_get(jwk, "crv")), "P-256");
	assert_null(json_object_get(jwk, "d"));
	/* loaded again: same key */
	assert_int_equal(agent_signer_load_key(s, AGENT_SLOT_ACCOUNT, "accounts/ca/account.key", "p256", false,
	    &jwk2, thumb2), 0);
	assert_string_equal(thumb, thumb2);
	json_decref(jwk2);
	/* a JWS the CA side can verify with the JWK */
	assert_int_equal(agent_signer_jws(s, AGENT_SLOT_ACCOUNT, "https://ca/acct/1", "nonce-1",
	    "https://ca/new-order", "{\"a\":1}", &jws), 0);
	assert_int_equal(cn_jws_parse(jws, strlen(jws), &parsed), 0);
	assert_string_equal(parsed->kid, "https://ca/acct/1");
	assert_string_equal(parsed->nonce, "nonce-1");
	assert_string_equal(parsed->url, "https://ca/new-order");
	assert_string_equal((char *)parsed->payload, "{\"a\":1}");
	assert_int_equal(cn_jwk_to_pkey(jwk, &pub), 0);
	assert_int_equal(cn_jws_verify(parsed, pub), 0);
	cn_jws_free(parsed);
	free(jws);
	/* POST-as-GET with an embedded JWK and no nonce */
	assert_int_equal(agent_signer_jws(s, AGENT_SLOT_ACCOUNT, NULL, NULL, "https://ca/x", NULL, &jws), 0);
	assert_int_equal(cn_jws_parse(jws, strlen(jws), &parsed), 0);
	assert_true(parsed->post_as_get);
	assert_non_null(parsed->jwk);
	assert_null(parsed->nonce);
	assert_int_equal(cn_jws_verify(parsed, pub), 0);
	cn_jws_free(parsed);
	free(jws);
	/* an empty slot cannot sign */
	assert_int_equal(agent_signer_jws(s, AGENT_SLOT_CERT, NULL, "n", "https://ca/x", NULL, &jws), CN_ERR_USAGE);
	/* certificate key, fresh each time, and a CSR for it */
	assert_int_equal(agent_signer_load_key(s, AGENT_SLOT_CERT, "archive/web/.new-1/privkey.pem", "rsa2048", true,
	    NULL, NULL), CN_ERR_IO); /* the directory does not exist */
	snprintf(path, sizeof(path), "%s/archive/web/.new-1", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(agent_signer_load_key(s, AGENT_SLOT_CERT, "archive/web/.new-1/privkey.pem", "p384", true,
	    &jwk2, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(jwk2, "crv")), "P-384");
	assert_int_equal(agent_signer_csr(s, AGENT_SLOT_CERT, dns, 2, ips, 1, &der, &der_len), 0);
	assert_int_equal(cn_csr_parse_der(der, der_len, &csr), 0);
	assert_int_equal(cn_csr_check_identifiers(csr, dns, 2, ips, 1), 0);
	{
		EVP_PKEY *k2 = NULL;

		assert_int_equal(cn_jwk_to_pkey(jwk2, &k2), 0);
		assert_int_equal(EVP_PKEY_eq(csr->pubkey, k2), 1);
		EVP_PKEY_free(k2);
	}
	/* refused paths and types */
	assert_int_equal(agent_signer_load_key(s, AGENT_SLOT_CERT, "../etc/passwd.key", "p256", true, NULL, NULL),
	    CN_ERR_UNAUTHORIZED);
	assert_int_equal(agent_signer_load_key(s, AGENT_SLOT_CERT, "archive/web/.new-1/privkey.pem", "dsa", true,
	    NULL, NULL), CN_ERR_USAGE);
	/* the signer still answers after refusals */
	free(der);
	der = NULL;
	assert_int_equal(agent_signer_csr(s, AGENT_SLOT_CERT, dns, 1, NULL, 0, &der, &der_len) == 0, 1);
	free(der);
	cn_csr_free(csr);
	json_decref(jwk);
	json_decref(jwk2);
	EVP_PKEY_free(pub);
	{
		pid_t pid = agent_signer_pid(s);

		agent_signer_stop(s);
		assert_int_equal(kill(pid, 0), -1); /* reaped */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test_setup_teardown(test_keys_jws_csr, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
