/*
 * cmd_revoke.c - `cairn revoke CERTNAME | --cert FILE [--reason R]`
 * (RFC 8555 section 7.6), signed with the account key. A named certificate
 * is revoked at the CA that issued it (its recorded server) and marked
 * revoked in its status, so that `renew --all` leaves it alone. Reasons are
 * RFC 5280 section 5.3.1 CRLReason names or codes.
 */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "b64url.h"
#include "file.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "x509/cert.h"

static const struct {
	const char *name;
	int code;
} reasons[] = {
	{"unspecified", 0}, {"keyCompromise", 1}, {"cACompromise", 2}, {"affiliationChanged", 3},
	{"superseded", 4}, {"cessationOfOperation", 5}, {"certificateHold", 6}, {"removeFromCRL", 8},
	{"privilegeWithdrawn", 9}, {"aACompromise", 10},
};

static int reason_parse(const char *s, int *out)
{
	char *end = NULL;
	long v;
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (strcasecmp(reasons[i].name, s) == 0) {
			*out = reasons[i].code;
			return 0;
		}
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == 0 && end != s && *end == '\0' && v >= 0 && v <= 10 && v != 7) {
		*out = (int)v;
		return 0;
	}
	return cn_err_set(CN_ERR_USAGE, "unknown revocation reason '%s'", s);
}

int agent_cmd_revoke(struct agent_ctx *ctx)
{
	const struct agent_opts *o = ctx->o;
	struct agent_cert_cfg cfg;
	struct cn_http_resp resp;
	STACK_OF(X509) *sk = NULL;
	json_t *settings = NULL, *payload = NULL, *status = NULL;
	const char *name = NULL, *server = o->server, *bundle = o->ca_bundle;
	char *data = NULL, *b64 = NULL, *body = NULL, serial[48] = "";
	unsigned char *der = NULL;
	size_t len = 0, der_len = 0;
	bool have_cfg = false;
	struct agent_acme *a = NULL;
	int reason = -1, r, rc = AGENT_EXIT_FAILED;

	if ((o->n_args == 1) == (o->cert_file != NULL) || o->n_args > 1) {
		fprintf(stderr, "cairn: revoke takes one CERTNAME or --cert FILE\n");
		return AGENT_EXIT_USAGE;
	}
	if (o->reason != NULL && reason_parse(o->reason, &reason) != 0) {
		agent_report("revoke", CN_ERR_USAGE);
		return AGENT_EXIT_USAGE;
	}
	r = agent_state_lock(&ctx->st, true);
	if (r != 0) {
		agent_report("revoke", r);
		return AGENT_EXIT_FAILED;
	}
	if (o->n_args == 1) {
		name = o->args[0];
		if (!agent_certname_ok(name) || !agent_cert_exists(&ctx->st, name)) {
			fprintf(stderr, "cairn: revoke: no certificate named '%s' in %s\n", name, ctx->st.dir);
			goto out;
		}
		r = agent_cert_read(&ctx->st, name, "settings.json", &data, &len);
		if (r == 0)
			r = cn_json_parse_object(data, len, &settings);
		free(data);
		data = NULL;
		if (r == 0)
			r = agent_cert_cfg_from_json(settings, &cfg);
		if (r != 0) {
			agent_report(name, r);
			goto out;
		}
		have_cfg = true;
		server = o->server_set ? o->server : cfg.server;
		bundle = o->ca_bundle ? o->ca_bundle : cfg.ca_bundle;
		r = agent_cert_read(&ctx->st, name, "cert.pem", &data, &len);
	} else {
		r = cn_file_read(o->cert_file, 1 << 20, &data, &len);
	}
	if (r == 0)
		r = cn_pem_certs_parse(data, len, &sk);
	if (r == 0)
		r = cn_cert_to_der(sk_X509_value(sk, 0), &der, &der_len);
	if (r == 0)
		r = cn_cert_serial_hex(sk_X509_value(sk, 0), serial);
	if (r != 0) {
		agent_report(name ? name : o->cert_file, r);
		goto out;
	}
	r = agent_session_get(ctx, server, bundle, true, NULL, false, &a);
	if (r != 0) {
		agent_report("revoke", r);
		goto out;
	}
	if (a->u_revoke == NULL) {
		fprintf(stderr, "cairn: revoke: the CA's directory has no revokeCert\n");
		goto out;
	}
	b64 = cn_b64url_encode(der, der_len);
	payload = json_pack("{s:s}", "certificate", b64);
	if (reason >= 0)
		json_object_set_new(payload, "reason", json_integer(reason));
	body = cn_json_dump(payload);
	r = agent_acme_post(a, a->u_revoke, body, 0, &resp, NULL);
	if (r != 0) {
		agent_report(name ? name : o->cert_file, r);
		goto out;
	}
	cn_http_resp_cleanup(&resp);
	CN_LOG(CN_LOG_INFO, "agent", "revoked serial %s", serial);
	if (name != NULL && agent_cert_status_load(&ctx->st, name, &status) == 0) {
		char t[32];

		agent_fmt_time((int64_t)time(NULL), t);
		json_object_set_new(status, "revoked", json_string(t));
		json_object_set_new(status, "revoked_serial", json_string(serial));
		if (agent_cert_status_save(&ctx->st, name, status) != 0)
			CN_LOG(CN_LOG_WARN, "agent", "saving status: %s", cn_err_detail());
	}
	printf("revoked %s\n", serial);
	rc = AGENT_EXIT_CHANGED;
out:
	agent_state_unlock(&ctx->st);
	if (have_cfg)
		agent_cert_cfg_cleanup(&cfg);
	if (sk != NULL)
		sk_X509_pop_free(sk, X509_free);
	json_decref(settings);
	json_decref(payload);
	json_decref(status);
	free(data);
	free(der);
	free(b64);
	free(body);
	return rc;
}
