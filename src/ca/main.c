/*
 * main.c - cairnd: options, first-start set-up (store, root, intermediate,
 * API TLS certificate), starting the job workers and the HTTPS listener, and
 * orderly shutdown on SIGINT/SIGTERM. Nothing else lives here.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include "acme/acme.h"
#include "acme/keycache.h"
#include "admin.h"
#include "buf.h"
#include "config.h"
#include "csrcache.h"
#include "httpd.h"
#include "jobs.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "revocation/revocation.h"
#include "signer/signer.h"
#include "store/store.h"
#include "validate/validate.h"
#include "x509/key.h"

#define CA_MAX_API_NAMES 32
#define CA_HOUSEKEEPING_S 60

static int die(const char *what)
{
	fprintf(stderr, "cairnd: %s: %s\n", what, cn_err_detail()[0] ? cn_err_detail() : "failed");
	return 1;
}

static size_t split_names(char *list, const char **names, size_t max)
{
	char *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(list, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
		if (*tok)
			names[n++] = tok;
	return n;
}

static int data_dir_prepare(const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return cn_err_set(CN_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	struct ca_config cfg;
	struct ca_validate_cfg vcfg;
	struct ca_ctx ctx;
	struct ca_store *store = NULL;
	struct ca_signer *signer = NULL;
	struct ca_resolver *resolver = NULL;
	struct ca_jobs *jobs = NULL;
	struct ca_httpd *httpd = NULL, *public_httpd = NULL;
	struct ca_revocation *revocation = NULL;
	enum cn_key_type key_type;
	const char *api_names[CA_MAX_API_NAMES];
	char *names_copy = NULL, *cert_pem = NULL, *key_pem = NULL, *alt_chain = NULL;
	char db_path[4096];
	bool print_config = false, show_help = false;
	sigset_t sigs;
	size_t n_names;
	int rc = 1, r, sig, level, pool;

	if (argc > 1 && strcmp(argv[1], "admin") == 0)
		return ca_admin_main(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "--options-markdown") == 0) {
		ca_config_markdown(stdout); /* the table in README.md */
		return 0;
	}
	memset(&ctx, 0, sizeof(ctx));
	memset(&vcfg, 0, sizeof(vcfg));
	ca_config_defaults(&cfg);
	r = ca_config_parse_args(&cfg, argc - 1, argv + 1, &print_config, &show_help);
	if (r != 0) {
		rc = die("configuration");
		goto out;
	}
	if (show_help) {
		ca_config_usage(stdout);
		rc = 0;
		goto out;
	}
	if (print_config) {
		if (cfg.data_dir[0] == '\0') {
			free(cfg.data_dir);
			cfg.data_dir = cn_xstrdup("DIR");
		}
		if (ca_config_finish(&cfg) != 0) {
			rc = die("configuration");
			goto out;
		}
		ca_config_print(&cfg, stdout);
		rc = 0;
		goto out;
	}
	if (ca_config_finish(&cfg) != 0 || cn_log_level_parse(cfg.log_level, &level) != 0 ||
	    cn_key_type_parse(cfg.ca_key_type, &key_type) != 0) {
		rc = die("configuration");
		goto out;
	}
	cn_log_level = level;

	/* Signals are handled by the main thread alone (sigwait below). */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (ca_policy_init(&cfg) != 0) { /* public suffix list, blocklist */
		rc = die("identifier policy");
		goto out;
	}
	if (data_dir_prepare(cfg.data_dir) != 0) {
		rc = die("data directory");
		goto out;
	}
	names_copy = cn_xstrdup(cfg.api_names);
	n_names = split_names(names_copy, api_names, CA_MAX_API_NAMES);
	if (ca_pki_init(cfg.data_dir, key_type, api_names, n_names) != 0) {
		rc = die("creating the CA");
		goto out;
	}
	if (ca_signer_open(cfg.data_dir, &signer) != 0) {
		rc = die("loading the intermediate");
		goto out;
	}
	if (ca_pki_alt_chain(cfg.data_dir, cfg.alternate_chain, key_type, &alt_chain) != 0) {
		rc = die("the alternate chain");
		goto out;
	}
	snprintf(db_path, sizeof(db_path), "%s/cairn.db", cfg.data_dir);
	/* + the plain-HTTP listener's 2 threads and the revocation refresher */
	pool = cfg.http_threads + cfg.workers + 3;
	if (ca_store_open(db_path, pool < CA_STORE_MAX_POOL ? pool : CA_STORE_MAX_POOL,
	    &store) != 0) {
		rc = die("opening the store");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || ca_validate_global_init() != 0) {
		rc = die("initializing libcurl");
		goto out;
	}
	vcfg.resolver = cfg.resolver;
	vcfg.trust_anchor_file = cfg.trust_anchor[0] ? cfg.trust_anchor : NULL;
	vcfg.http01_port = cfg.http01_port;
	vcfg.tlsalpn01_port = cfg.tlsalpn01_port;
	vcfg.allow_private = cfg.allow_private_targets;
	vcfg.connect_timeout_ms = cfg.validation_connect_timeout_ms;
	vcfg.total_timeout_ms = cfg.validation_timeout_ms;
	vcfg.max_body = (size_t)cfg.validation_max_body;
	vcfg.max_redirects = cfg.validation_max_redirects;
	if (ca_resolver_new(&vcfg, &resolver) != 0) {
		rc = die("starting the resolver");
		goto out;
	}
	ctx.cfg = &cfg;
	ctx.store = store;
	ctx.signer = signer;
	ctx.alt_chain_pem = alt_chain;
	ctx.keys = ca_keycache_new(CA_KEYCACHE_SLOTS);
	ctx.csrs = ca_csrcache_new(CA_CSRCACHE_SLOTS);
	ctx.nonces = ca_noncepool_new();
	ctx.vcfg = &vcfg;
	ctx.resolver = resolver;
	if (ca_jobs_start(&ctx, &vcfg, resolver, cfg.workers, &jobs) != 0) {
		rc = die("starting workers");
		goto out;
	}
	ctx.jobs = jobs;
	if (ca_pki_api_tls(cfg.data_dir, &cert_pem, &key_pem) != 0 ||
	    ca_httpd_start(&ctx, ca_acme_handle, cfg.listen, cert_pem, key_pem, cfg.http_threads,
	        &httpd) != 0) {
		rc = die("starting the HTTPS listener");
		goto out;
	}
	if (ca_revocation_new(&cfg, store, signer, &revocation) != 0 ||
	    ca_revocation_start(revocation) != 0) {
		rc = die("starting OCSP and CRL publishing");
		goto out;
	}
	ctx.revocation = revocation;
	if (ca_httpd_start(&ctx, ca_public_handle, cfg.http_listen, NULL, NULL, 2,
	        &public_httpd) != 0) {
		rc = die("starting the plain-HTTP listener");
		goto out;
	}
	CN_LOG(CN_LOG_INFO, "main", "ACME on https://%s, AIA/OCSP/CRLs on http://%s, data in %s, resolver %s",
	    cfg.listen, cfg.http_listen, cfg.data_dir, cfg.resolver);
	printf("cairnd: serving ACME directory %s/directory\n", cfg.base_url);
	fflush(stdout);

	for (;;) {
		struct timespec ts = {CA_HOUSEKEEPING_S, 0};

		sig = sigtimedwait(&sigs, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (ca_store_nonce_purge(store, (int64_t)time(NULL)) != 0)
			CN_LOG(CN_LOG_WARN, "main", "nonce purge failed");
	}
	CN_LOG(CN_LOG_INFO, "main", "shutting down on signal %d", sig);
	rc = 0;
out:
	ca_httpd_stop(httpd);
	ca_httpd_stop(public_httpd);
	ca_revocation_free(revocation);
	ca_jobs_stop(jobs);
	ca_resolver_free(resolver);
	ca_store_close(store);
	ca_signer_free(signer);
	ca_keycache_free(ctx.keys);
	ca_csrcache_free(ctx.csrs);
	ca_noncepool_free(ctx.nonces);
	if (key_pem)
		cn_free_secret(key_pem, strlen(key_pem));
	free(cert_pem);
	free(alt_chain);
	free(names_copy);
	ca_policy_cleanup();
	ca_config_cleanup(&cfg);
	curl_global_cleanup();
	return rc;
}
