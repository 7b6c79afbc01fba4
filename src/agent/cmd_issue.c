/*
 * cmd_issue.c - `cairn issue`: obtain a certificate for the names given (or
 * the CSR given), record every option in its settings so that `renew`
 * needs none, install it and run the deploy hook. Registers an account at
 * the CA first if there is none for --server. Prints the certificate
 * directory on success.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "mem.h"
#include "x509/csr.h"

#include <openssl/pem.h>

/* CSR mode without --name: the CSR's first DNS name (or IP) names it. */
static int name_from_csr(struct agent_cert_cfg *cfg)
{
	char *data = NULL;
	struct cn_csr *csr = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	X509_REQ *req = NULL;
	unsigned char *der = NULL;
	int n, r;

	r = cn_file_read(cfg->csr, 256 * 1024, &data, &len);
	if (r != 0)
		return r;
	if (strstr(data, "-----BEGIN") != NULL) {
		bio = BIO_new_mem_buf(data, (int)len);
		req = bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;
		n = req ? i2d_X509_REQ(req, &der) : -1;
		if (n <= 0) {
			r = cn_err_openssl(CN_ERR_BAD_CSR, "reading the CSR");
			goto out;
		}
		r = cn_csr_parse_der(der, (size_t)n, &csr);
	} else {
		r = cn_csr_parse_der((unsigned char *)data, len, &csr);
	}
	if (r != 0)
		goto out;
	if (csr->n_dns > 0)
		cfg->name = agent_certname_default(csr->dns_names[0]);
	else if (csr->n_ip > 0)
		cfg->name = agent_certname_default(csr->ip_addrs[0]);
	else
		r = cn_err_set(CN_ERR_BAD_CSR, "the CSR names no DNS name or IP address");
out:
	cn_csr_free(csr);
	OPENSSL_free(der);
	X509_REQ_free(req);
	BIO_free(bio);
	free(data);
	return r;
}

int agent_cmd_issue(struct agent_ctx *ctx)
{
	struct agent_cert_cfg cfg;
	struct agent_account_opts ao;
	struct agent_issue_in in;
	int r;

	r = agent_cert_cfg_from_opts(ctx->o, &cfg);
	if (r != 0) {
		agent_report("issue", r);
		return AGENT_EXIT_USAGE;
	}
	if (cfg.name == NULL) {
		r = name_from_csr(&cfg);
		if (r != 0) {
			agent_report("issue", r);
			agent_cert_cfg_cleanup(&cfg);
			return AGENT_EXIT_FAILED;
		}
	}
	agent_account_opts_from(ctx->o, &ao);
	r = agent_state_lock(&ctx->st, true);
	if (r == 0) {
		memset(&in, 0, sizeof(in));
		in.cfg = &cfg;
		in.action = "issue";
		in.acct = &ao;
		in.may_register = true;
		r = agent_issue_run(ctx, &in);
		agent_state_unlock(&ctx->st);
	}
	if (r != 0) {
		agent_report("issue", r);
		agent_cert_cfg_cleanup(&cfg);
		return r == CN_ERR_USAGE ? AGENT_EXIT_USAGE : AGENT_EXIT_FAILED;
	}
	printf("%s/certs/%s\n", ctx->st.dir, cfg.name);
	agent_cert_cfg_cleanup(&cfg);
	return AGENT_EXIT_CHANGED;
}
