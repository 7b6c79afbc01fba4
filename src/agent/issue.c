/*
 * issue.c - obtaining a certificate and installing it (RFC 8555 section
 * 7.4): newOrder (with "replaces", RFC 9773 section 5, and "profile",
 * draft-ietf-acme-profiles), authorizations (section 7.5), challenges
 * (section 7.5.1) through a solver, order polling honouring Retry-After
 * (section 7.4, with a short first poll), finalization with a CSR built by
 * the signer (or given by the user), download of the PEM chain (section
 * 7.4.2, alternate chains by Link rel="alternate"), and an atomic install
 * into a new version directory followed by the deploy hook.
 *
 * On any failure the staged version is removed and the live certificate is
 * not touched; the solver's records are always cleaned up.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "acme/problem.h"
#include "b64url.h"
#include "buf.h"
#include "file.h"
#include "hook.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "solve/solve.h"
#include "x509/cert.h"
#include "x509/csr.h"
#include "x509/san.h"

#define ISSUE_FIRST_POLL_MS 25
#define ISSUE_MAX_POLL_MS 5000
#define ISSUE_MAX_RETRY_AFTER_S 60
#define ISSUE_MAX_CSR_FILE (256 * 1024)
#define ISSUE_MAX_ALTERNATES 4

struct idents {
	char **dns;
	size_t n_dns;
	char **ips;
	size_t n_ips;
};

static void idents_free(struct idents *id)
{
	size_t i;

	for (i = 0; i < id->n_dns; i++)
		free(id->dns[i]);
	for (i = 0; i < id->n_ips; i++)
		free(id->ips[i]);
	free(id->dns);
	free(id->ips);
	memset(id, 0, sizeof(*id));
}

static void idents_add(struct idents *id, const char *v)
{
	char ip[CN_IP_TEXT_MAX];
	char *lc, *p;
	size_t i;

	if (cn_ip_normalize(v, ip) == 0) {
		for (i = 0; i < id->n_ips; i++)
			if (strcmp(id->ips[i], ip) == 0)
				return;
		id->ips = cn_xrealloc(id->ips, (id->n_ips + 1) * sizeof(*id->ips));
		id->ips[id->n_ips++] = cn_xstrdup(ip);
		return;
	}
	lc = cn_xstrdup(v);
	for (p = lc; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	for (i = 0; i < id->n_dns; i++) {
		if (strcmp(id->dns[i], lc) == 0) {
			free(lc);
			return;
		}
	}
	id->dns = cn_xrealloc(id->dns, (id->n_dns + 1) * sizeof(*id->dns));
	id->dns[id->n_dns++] = lc;
}

/* Reads a CSR file (PEM "CERTIFICATE REQUEST" or DER) into DER. */
static int csr_read(const char *path, unsigned char **der, size_t *der_len)
{
	char *data = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	X509_REQ *req = NULL;
	unsigned char *p = NULL;
	int n, r;

	r = cn_file_read(path, ISSUE_MAX_CSR_FILE, &data, &len);
	if (r != 0)
		return r;
	if (strstr(data, "-----BEGIN") == NULL) {
		*der = (unsigned char *)data;
		*der_len = len;
		return 0;
	}
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio != NULL)
		req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	if (req == NULL) {
		r = cn_err_openssl(CN_ERR_BAD_CSR, "reading the CSR PEM");
		goto out;
	}
	n = i2d_X509_REQ(req, &p);
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_BAD_CSR, "i2d_X509_REQ");
		goto out;
	}
	*der = cn_xmemdup(p, (size_t)n);
	*der_len = (size_t)n;
	r = 0;
out:
	OPENSSL_free(p);
	X509_REQ_free(req);
	BIO_free(bio);
	free(data);
	return r;
}

/* Waits before the next poll: the CA's Retry-After if any, else backoff. */
static void poll_wait(int round, long retry_after)
{
	long ms;

	if (round == 0)
		ms = ISSUE_FIRST_POLL_MS;
	else if (retry_after >= 0)
		ms = (retry_after > ISSUE_MAX_RETRY_AFTER_S ? ISSUE_MAX_RETRY_AFTER_S : retry_after) * 1000L;
	else
		ms = ISSUE_FIRST_POLL_MS << (round < 8 ? round : 8); /* 50 ms, 100 ms, ... */
	if (retry_after < 0 && ms > ISSUE_MAX_POLL_MS)
		ms = ISSUE_MAX_POLL_MS;
	if (round > 0 && retry_after == 0)
		ms = ISSUE_FIRST_POLL_MS; /* "Retry-After: 0": soon, but not a busy loop */
	agent_sleep_ms(ms);
}

static const char *obj_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One line for a failed authorization: "NAME: type: detail". */
static int authz_failure(struct agent_acme *a, const char *authz_url)
{
	struct cn_http_resp resp;
	json_t *authz = NULL;
	const json_t *chs, *ch, *id;
	const char *ident = "?";
	size_t i;
	int r;

	r = agent_acme_post(a, authz_url, NULL, 0, &resp, &authz);
	if (r != 0)
		return r;
	cn_http_resp_cleanup(&resp);
	id = json_object_get(authz, "identifier");
	if (obj_str(id, "value") != NULL)
		ident = obj_str(id, "value");
	chs = json_object_get(authz, "challenges");
	json_array_foreach(chs, i, ch) {
		const json_t *err = json_object_get(ch, "error");

		if (json_is_object(err)) {
			struct cn_acme_problem p;
			char esc[256];

			cn_acme_problem_from_json(err, 0, &p);
			cn_log_escape(ident, strlen(ident), esc, sizeof(esc));
			r = cn_err_set(cn_acme_problem_code(p.type), "%s: %s", esc, p.line);
			cn_acme_problem_cleanup(&p);
			json_decref(authz);
			return r;
		}
	}
	r = cn_err_set(CN_ERR_UNAUTHORIZED, "authorization for %s is %s", ident,
	    obj_str(authz, "status") ? obj_str(authz, "status") : "?");
	json_decref(authz);
	return r;
}

/* The problem in an invalid order ("error"), or a generic message. */
static int order_failure(struct agent_acme *a, const json_t *order, const struct agent_chall *ch,
    size_t n_ch)
{
	const json_t *err = json_object_get(order, "error");
	const json_t *authzs = json_object_get(order, "authorizations");
	const json_t *u;
	size_t i;
	int r;

	/* prefer the authorization's challenge error: it names the identifier */
	for (i = 0; i < n_ch; i++) {
		r = authz_failure(a, ch[i].authz_url);
		if (r != CN_ERR_UNAUTHORIZED || strstr(cn_err_detail(), "is valid") == NULL)
			return r;
	}
	json_array_foreach(authzs, i, u) {
		if (json_is_string(u) && n_ch == 0) {
			r = authz_failure(a, json_string_value(u));
			if (strstr(cn_err_detail(), "is valid") == NULL)
				return r;
		}
	}
	if (json_is_object(err)) {
		struct cn_acme_problem p;

		cn_acme_problem_from_json(err, 0, &p);
		r = cn_acme_problem_err(&p);
		cn_acme_problem_cleanup(&p);
		return r;
	}
	return cn_err_set(CN_ERR_UNAUTHORIZED, "order became invalid");
}

/* Polls the order until its status is none of the waiting ones. */
static int order_poll(struct agent_acme *a, const char *order_url, const char *wait1, const char *wait2,
    int64_t deadline, long first_retry_after, json_t **order)
{
	struct cn_http_resp resp;
	json_t *o = NULL;
	long ra = first_retry_after;
	const char *st;
	int round, r;

	for (round = 0;; round++) {
		if ((int64_t)time(NULL) >= deadline)
			return cn_err_set(CN_ERR_TIMEOUT, "order %s still %s at the deadline", order_url, wait1);
		if (agent_stop_requested)
			return cn_err_set(CN_ERR_TIMEOUT, "interrupted");
		poll_wait(round, ra);
		r = agent_acme_post(a, order_url, NULL, 0, &resp, &o);
		if (r != 0)
			return r;
		ra = resp.retry_after;
		cn_http_resp_cleanup(&resp);
		st = obj_str(o, "status");
		if (st == NULL) {
			json_decref(o);
			return cn_err_set(CN_ERR_MALFORMED, "order without status");
		}
		if (strcmp(st, wait1) != 0 && (wait2 == NULL || strcmp(st, wait2) != 0)) {
			*order = o;
			return 0;
		}
		CN_LOG(CN_LOG_DEBUG, "agent", "order is %s", st);
		json_decref(o);
		o = NULL;
	}
}

static int new_order(struct agent_acme *a, const struct idents *id, const char *replaces,
    const char *profile, char **order_url, json_t **order)
{
	struct cn_http_resp resp;
	json_t *p = json_object(), *ids = json_array(), *o = NULL;
	char *body = NULL;
	size_t i;
	int r;

	if (profile != NULL && (a->profiles == NULL || json_object_get(a->profiles, profile) == NULL)) {
		/* draft-ietf-acme-profiles 4: only request an advertised profile */
		struct cn_buf names;
		const char *k;
		json_t *v;

		cn_buf_init(&names, 1024);
		json_object_foreach((json_t *)a->profiles, k, v) {
			if (cn_buf_addf(&names, "%s%s", names.len ? ", " : "", k) != 0)
				break;
		}
		r = cn_err_set(CN_ERR_USAGE, "the CA does not offer profile '%s' (%s%s)", profile,
		    a->profiles ? "it offers: " : "it advertises no profiles", cn_buf_str(&names));
		cn_buf_free(&names);
		json_decref(p);
		json_decref(ids);
		return r;
	}
	for (i = 0; i < id->n_dns; i++)
		json_array_append_new(ids, json_pack("{s:s,s:s}", "type", "dns", "value", id->dns[i]));
	for (i = 0; i < id->n_ips; i++)
		json_array_append_new(ids, json_pack("{s:s,s:s}", "type", "ip", "value", id->ips[i]));
	json_object_set_new(p, "identifiers", ids);
	if (replaces != NULL)
		json_object_set_new(p, "replaces", json_string(replaces));
	if (profile != NULL)
		json_object_set_new(p, "profile", json_string(profile));
	body = cn_json_dump(p);
	r = agent_acme_post(a, a->u_new_order, body, 0, &resp, &o);
	if (r == CN_ERR_CONFLICT && replaces != NULL) {
		/* RFC 9773 5: alreadyReplaced; order again without "replaces" */
		CN_LOG(CN_LOG_WARN, "agent", "CA refused replaces=%s (%s); ordering without it", replaces,
		    cn_err_detail());
		json_object_del(p, "replaces");
		free(body);
		body = cn_json_dump(p);
		r = agent_acme_post(a, a->u_new_order, body, 0, &resp, &o);
	}
	if (r != 0)
		goto out;
	if (resp.location == NULL || o == NULL) {
		r = cn_err_set(CN_ERR_MALFORMED, "newOrder answer lacks Location or an order object");
		cn_http_resp_cleanup(&resp);
		goto out;
	}
	*order_url = cn_xstrdup(resp.location);
	*order = o;
	o = NULL;
	cn_http_resp_cleanup(&resp);
out:
	json_decref(p);
	json_decref(o);
	free(body);
	return r;
}

/*
 * Fetches each authorization; for pending ones picks the configured
 * challenge and presents it. *ch gets the presented challenges.
 */
struct journal_ref {
	const struct agent_state *st;
	const char *name;
	const struct agent_solver_cfg *scfg;
};

static int authorize(struct agent_acme *a, struct agent_solver *solver, const char *type,
    const json_t *order, const struct journal_ref *jr, struct agent_chall **chs_out, size_t *n_out)
{
	const json_t *authzs = json_object_get(order, "authorizations"), *u;
	struct agent_chall *chs = NULL;
	size_t n = 0, i, j;
	int r = 0;

	if (!json_is_array(authzs) || json_array_size(authzs) == 0 || json_array_size(authzs) > AGENT_MAX_LIST)
		return cn_err_set(CN_ERR_MALFORMED, "order without authorizations");
	chs = cn_xcalloc(json_array_size(authzs), sizeof(*chs));
	json_array_foreach(authzs, i, u) {
		struct cn_http_resp resp;
		json_t *az = NULL;
		const json_t *id, *cl, *c;
		const char *st, *ident, *itype;
		struct agent_chall *ch = &chs[n];
		bool found = false;

		if (!json_is_string(u)) {
			r = cn_err_set(CN_ERR_MALFORMED, "authorization URL is not a string");
			goto out;
		}
		r = agent_acme_post(a, json_string_value(u), NULL, 0, &resp, &az);
		if (r != 0)
			goto out;
		cn_http_resp_cleanup(&resp);
		st = obj_str(az, "status");
		id = json_object_get(az, "identifier");
		ident = obj_str(id, "value");
		itype = obj_str(id, "type");
		if (st == NULL || ident == NULL || itype == NULL) {
			json_decref(az);
			r = cn_err_set(CN_ERR_MALFORMED, "authorization without status or identifier");
			goto out;
		}
		if (strcmp(st, "valid") == 0) {
			CN_LOG(CN_LOG_DEBUG, "agent", "%s: already authorized", ident);
			json_decref(az);
			continue;
		}
		if (strcmp(st, "pending") != 0) {
			char esc[256];

			cn_log_escape(ident, strlen(ident), esc, sizeof(esc));
			r = cn_err_set(CN_ERR_UNAUTHORIZED, "authorization for %s is %s", esc, st);
			json_decref(az);
			goto out;
		}
		cl = json_object_get(az, "challenges");
		json_array_foreach(cl, j, c) {
			const char *ct = obj_str(c, "type");

			if (ct == NULL || strcmp(ct, type) != 0)
				continue;
			ch->type = cn_xstrdup(ct);
			ch->ident_type = cn_xstrdup(itype);
			ch->ident = cn_xstrdup(ident);
			ch->wildcard = json_is_true(json_object_get(az, "wildcard"));
			ch->token = obj_str(c, "token") ? cn_xstrdup(obj_str(c, "token")) : NULL;
			ch->url = obj_str(c, "url") ? cn_xstrdup(obj_str(c, "url")) : NULL;
			ch->authz_url = cn_xstrdup(json_string_value(u));
			found = true;
			break;
		}
		if (!found) {
			char esc[256];

			cn_log_escape(ident, strlen(ident), esc, sizeof(esc));
			r = cn_err_set(CN_ERR_UNSUPPORTED_ID, "the CA offers no %s challenge for %s", type, esc);
			json_decref(az);
			goto out;
		}
		json_decref(az);
		n++;
		if (ch->url == NULL) {
			r = cn_err_set(CN_ERR_MALFORMED, "challenge without url");
			goto out;
		}
		r = agent_chall_prepare(ch, a->thumbprint);
		if (r != 0)
			goto out;
		if (agent_journal_needed(jr->scfg)) {
			r = agent_journal_add(jr->st, jr->name, jr->scfg, ch);
			if (r != 0)
				goto out;
		}
		r = solver->ops->present(solver, ch);
		if (r != 0)
			goto out;
		ch->presented = true;
		CN_LOG(CN_LOG_DEBUG, "agent", "%s: %s challenge ready", ch->ident, type);
	}
out:
	*chs_out = chs;
	*n_out = n;
	return r;
}

static void challenges_cleanup(struct agent_solver *solver, struct agent_chall *chs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (chs[i].presented && solver != NULL && solver->ops->cleanup(solver, &chs[i]) != 0)
			CN_LOG(CN_LOG_WARN, "agent", "cleaning up the %s challenge for %s: %s", chs[i].type,
			    chs[i].ident, cn_err_detail());
		agent_chall_cleanup(&chs[i]);
	}
	free(chs);
}

/* Issuer CN of the topmost certificate in a PEM chain (heap) or NULL. */
static char *chain_top_issuer(const char *pem, size_t len)
{
	STACK_OF(X509) *sk = NULL;
	struct agent_certinfo ci;
	char *cn = NULL;

	if (cn_pem_certs_parse(pem, len, &sk) != 0)
		return NULL;
	if (agent_certinfo_from_x509(sk_X509_value(sk, sk_X509_num(sk) - 1), &ci) == 0) {
		cn = ci.issuer_cn ? cn_xstrdup(ci.issuer_cn) : NULL;
		agent_certinfo_cleanup(&ci);
	}
	sk_X509_pop_free(sk, X509_free);
	return cn;
}

/* Downloads the chain (and, with preferred, the alternate that fits). */
static int download(struct agent_acme *a, const char *url, const char *preferred, char **pem, size_t *len)
{
	struct cn_http_resp resp, alt;
	char *alts[ISSUE_MAX_ALTERNATES];
	size_t n_alts = 0, i;
	char *top;
	int r;

	r = agent_acme_post(a, url, NULL, AGENT_POST_PEM, &resp, NULL);
	if (r != 0)
		return r;
	if (resp.body_len == 0) {
		cn_http_resp_cleanup(&resp);
		return cn_err_set(CN_ERR_MALFORMED, "empty certificate download");
	}
	if (preferred != NULL) {
		top = chain_top_issuer((char *)resp.body, resp.body_len);
		if (top != NULL && strcasecmp(top, preferred) == 0) {
			free(top);
			goto take;
		}
		free(top);
		for (i = 0; i < resp.n_links && n_alts < ISSUE_MAX_ALTERNATES; i++)
			if (strcasecmp(resp.links[i].rel, "alternate") == 0)
				alts[n_alts++] = cn_xstrdup(resp.links[i].url);
		for (i = 0; i < n_alts; i++) {
			if (agent_acme_post(a, alts[i], NULL, AGENT_POST_PEM, &alt, NULL) != 0)
				continue;
			top = chain_top_issuer((char *)alt.body, alt.body_len);
			if (top != NULL && strcasecmp(top, preferred) == 0) {
				free(top);
				cn_http_resp_cleanup(&resp);
				resp = alt;
				CN_LOG(CN_LOG_INFO, "agent", "using the alternate chain issued by %s", preferred);
				break;
			}
			free(top);
			cn_http_resp_cleanup(&alt);
		}
		for (i = 0; i < n_alts; i++)
			free(alts[i]);
	}
take:
	*pem = (char *)resp.body;
	*len = resp.body_len;
	resp.body = NULL;
	cn_http_resp_cleanup(&resp);
	return 0;
}

/* Splits the chain, checks the leaf against the CSR key, stages the files. */
static int stage_certs(const struct agent_stage *sg, const char *pem, size_t len, EVP_PKEY *csr_key,
    struct agent_certinfo *ci)
{
	STACK_OF(X509) *sk = NULL;
	struct cn_buf leaf, chain, full;
	char *p = NULL;
	int i, r;

	cn_buf_init(&leaf, 1 << 20);
	cn_buf_init(&chain, 1 << 20);
	cn_buf_init(&full, 1 << 20);
	r = cn_pem_certs_parse(pem, len, &sk);
	if (r != 0) {
		r = agent_err_prefix(r, "certificate from the CA");
		goto out;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(sk, 0)), csr_key) != 1) {
		r = cn_err_set(CN_ERR_BAD_KEY, "the CA's certificate is not for our key");
		goto out;
	}
	for (i = 0; i < sk_X509_num(sk); i++) {
		r = cn_cert_to_pem(sk_X509_value(sk, i), &p);
		if (r != 0)
			goto out;
		r = cn_buf_adds(i == 0 ? &leaf : &chain, p);
		if (r == 0)
			r = cn_buf_adds(&full, p);
		free(p);
		p = NULL;
		if (r != 0)
			goto out;
	}
	r = agent_certinfo_from_x509(sk_X509_value(sk, 0), ci);
	if (r != 0)
		goto out;
	r = agent_stage_write(sg, "cert.pem", leaf.data, leaf.len, 0644);
	if (r == 0)
		r = agent_stage_write(sg, "chain.pem", chain.data ? (void *)chain.data : (void *)"", chain.len, 0644);
	if (r == 0)
		r = agent_stage_write(sg, "fullchain.pem", full.data, full.len, 0644);
	if (r != 0)
		agent_certinfo_cleanup(ci);
out:
	cn_buf_free(&leaf);
	cn_buf_free(&chain);
	cn_buf_free(&full);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

static int run_deploy_hook(struct agent_ctx *ctx, const struct agent_cert_cfg *cfg, const char *action,
    const struct agent_certinfo *ci, unsigned version)
{
	char *env[14];
	struct cn_buf b;
	char *dir, nb[32], na[32];
	size_t n = 0, i;
	int r;

	if (cfg->deploy_hook == NULL)
		return 0;
	{
		size_t dl = strlen(ctx->st.dir) + strlen(cfg->name) + 8;

		dir = cn_xmalloc(dl);
		snprintf(dir, dl, "%s/certs/%s", ctx->st.dir, cfg->name);
	}
	agent_fmt_time(ci->not_before, nb);
	agent_fmt_time(ci->not_after, na);
	cn_buf_init(&b, 1 << 20);
#define ENVF(...)                                                      \
	do {                                                           \
		cn_buf_reset(&b);                                      \
		if (cn_buf_addf(&b, __VA_ARGS__) == 0)                 \
			env[n++] = cn_xstrdup(cn_buf_str(&b));         \
	} while (0)
	ENVF("CAIRN_ACTION=%s", action);
	ENVF("CAIRN_CERT_NAME=%s", cfg->name);
	ENVF("CAIRN_CERT_DIR=%s", dir);
	ENVF("CAIRN_CERT_PATH=%s/cert.pem", dir);
	ENVF("CAIRN_CHAIN_PATH=%s/chain.pem", dir);
	ENVF("CAIRN_FULLCHAIN_PATH=%s/fullchain.pem", dir);
	ENVF("CAIRN_KEY_PATH=%s/privkey.pem", dir);
	ENVF("CAIRN_CERT_SERIAL=%s", ci->serial);
	ENVF("CAIRN_CERT_NOT_BEFORE=%s", nb);
	ENVF("CAIRN_CERT_NOT_AFTER=%s", na);
	ENVF("CAIRN_CERT_VERSION=%u", version);
	ENVF("CAIRN_SERVER=%s", cfg->server);
	cn_buf_reset(&b);
	if (cn_buf_adds(&b, "CAIRN_CERT_NAMES=") == 0) {
		for (i = 0; i < ci->n_names; i++)
			if (cn_buf_addf(&b, "%s%s", i ? " " : "", ci->names[i]) != 0)
				break;
		env[n++] = cn_xstrdup(cn_buf_str(&b));
	}
#undef ENVF
	cn_buf_free(&b);
	CN_LOG(CN_LOG_INFO, "agent", "running the deploy hook for %s", cfg->name);
	r = agent_hook_run(cfg->deploy_hook, NULL, 0, (const char *const *)env, n);
	for (i = 0; i < n; i++)
		free(env[i]);
	free(dir);
	return r;
}

/* Records the outcome in status.json. */
static void status_record(struct agent_ctx *ctx, const char *name, const struct agent_certinfo *ci, int err,
    struct agent_acme *a)
{
	json_t *st = NULL;
	char t[32];
	int64_t now = (int64_t)time(NULL);

	if (agent_cert_status_load(&ctx->st, name, &st) != 0)
		st = json_object();
	agent_fmt_time(now, t);
	if (err == 0) {
		json_object_set_new(st, "serial", json_string(ci->serial));
		json_object_set_new(st, "installed", json_string(t));
		json_object_set_new(st, "failures", json_integer(0));
		json_object_del(st, "last_error");
		json_object_del(st, "last_failure");
		json_object_del(st, "ari");
		json_object_del(st, "revoked");
		if (a != NULL && ci->ari_id != NULL && agent_ari_refresh(a, ci, st, now) != 0)
			CN_LOG(CN_LOG_WARN, "agent", "renewalInfo: %s", cn_err_detail());
	} else {
		const json_t *f = json_object_get(st, "failures");

		json_object_set_new(st, "failures",
		    json_integer(json_is_integer(f) ? json_integer_value(f) + 1 : 1));
		json_object_set_new(st, "last_failure", json_string(t));
		json_object_set_new(st, "last_error", json_string(cn_err_detail()));
	}
	if (agent_cert_status_save(&ctx->st, name, st) != 0)
		CN_LOG(CN_LOG_WARN, "agent", "saving status: %s", cn_err_detail());
	json_decref(st);
}

int agent_issue_run(struct agent_ctx *ctx, const struct agent_issue_in *in)
{
	const struct agent_cert_cfg *cfg = in->cfg;
	struct agent_solver_cfg scfg;
	struct agent_solver *solver = NULL;
	struct agent_acme *a = NULL;
	struct agent_stage sg;
	struct agent_certinfo ci;
	struct idents id;
	struct agent_chall *chs = NULL;
	struct cn_csr *csr = NULL;
	json_t *order = NULL, *fin = NULL, *settings = NULL;
	struct cn_http_resp resp;
	unsigned char *csr_der = NULL;
	size_t csr_len = 0, n_chs = 0, i;
	char *order_url = NULL, *pem = NULL, *body = NULL, *csr_b64 = NULL, *sjson = NULL, *key_rel = NULL;
	const char *st, *u;
	int64_t deadline = (int64_t)time(NULL) + (cfg->timeout_s > 0 ? cfg->timeout_s : 300);
	unsigned version = 0;
	size_t pem_len = 0;
	bool staged = false, have_ci = false;
	int r, saved;

	memset(&sg, 0, sizeof(sg));
	memset(&id, 0, sizeof(id));
	memset(&ci, 0, sizeof(ci));
	for (i = 0; i < cfg->n_idents; i++)
		idents_add(&id, cfg->idents[i]);
	r = agent_session_get(ctx, cfg->server, cfg->ca_bundle, true, in->acct, in->may_register, &a);
	if (r != 0)
		goto out;
	r = agent_stage_begin(&ctx->st, cfg->name, &sg);
	if (r != 0)
		goto out;
	staged = true;
	agent_journal_replay(&ctx->st, cfg->name); /* leftovers of a killed run */
	/* the CSR: the user's, or one for a fresh key made by the signer */
	if (cfg->csr != NULL) {
		r = csr_read(cfg->csr, &csr_der, &csr_len);
		if (r != 0)
			goto out;
	} else {
		size_t kl = strlen(sg.rel) + 16;

		key_rel = cn_xmalloc(kl);
		snprintf(key_rel, kl, "%s/privkey.pem", sg.rel);
		r = agent_signer_load_key(ctx->signer, AGENT_SLOT_CERT, key_rel, cfg->key_type, true, NULL, NULL);
		if (r != 0)
			goto out;
		r = agent_signer_csr(ctx->signer, AGENT_SLOT_CERT, (const char *const *)id.dns, id.n_dns,
		    (const char *const *)id.ips, id.n_ips, &csr_der, &csr_len);
		if (r != 0)
			goto out;
	}
	r = cn_csr_parse_der(csr_der, csr_len, &csr);
	if (r != 0)
		goto out;
	if (cfg->csr != NULL) {
		for (i = 0; i < csr->n_dns; i++)
			idents_add(&id, csr->dns_names[i]);
		for (i = 0; i < csr->n_ip; i++)
			idents_add(&id, csr->ip_addrs[i]);
		if (id.n_dns + id.n_ips == 0) {
			r = cn_err_set(CN_ERR_BAD_CSR, "the CSR names no DNS name or IP address");
			goto out;
		}
	}
	r = new_order(a, &id, in->replaces, cfg->profile, &order_url, &order);
	if (r != 0)
		goto out;
	CN_LOG(CN_LOG_DEBUG, "agent", "order %s", order_url);
	st = obj_str(order, "status");
	if (st != NULL && strcmp(st, "pending") == 0) {
		memset(&scfg, 0, sizeof(scfg));
		scfg.challenge = cfg->challenge;
		scfg.webroot = cfg->webroot;
		scfg.standalone = cfg->standalone;
		scfg.tls_alpn = cfg->tls_alpn;
		scfg.dns_hook = cfg->dns_hook;
		scfg.dns_update = cfg->dns_update;
		scfg.tsig_key = cfg->tsig_key;
		scfg.dns_wait_s = cfg->dns_wait_s;
		r = agent_solver_new(&scfg, &solver);
		if (r != 0)
			goto out;
		{
			struct journal_ref jr = {&ctx->st, cfg->name, &scfg};

			r = authorize(a, solver, cfg->challenge, order, &jr, &chs, &n_chs);
		}
		if (r != 0)
			goto out;
		if (n_chs > 0) {
			r = solver->ops->commit(solver);
			if (r != 0)
				goto out;
		}
		for (i = 0; i < n_chs; i++) {
			r = agent_acme_post(a, chs[i].url, "{}", 0, &resp, NULL);
			if (r != 0)
				goto out;
			cn_http_resp_cleanup(&resp);
		}
		json_decref(order);
		order = NULL;
		r = order_poll(a, order_url, "pending", NULL, deadline, -1, &order);
		if (r != 0)
			goto out;
		st = obj_str(order, "status");
		if (st != NULL && strcmp(st, "invalid") == 0) {
			r = order_failure(a, order, chs, n_chs);
			goto out;
		}
		/* validation is over: take the records down before finalizing */
		challenges_cleanup(solver, chs, n_chs);
		chs = NULL;
		n_chs = 0;
		agent_journal_clear(&ctx->st, cfg->name);
	}
	if (st == NULL || (strcmp(st, "ready") != 0 && strcmp(st, "valid") != 0 &&
	    strcmp(st, "processing") != 0)) {
		r = order_failure(a, order, NULL, 0);
		goto out;
	}
	if (strcmp(st, "ready") == 0) {
		u = obj_str(order, "finalize");
		if (u == NULL) {
			r = cn_err_set(CN_ERR_MALFORMED, "order without finalize URL");
			goto out;
		}
		csr_b64 = cn_b64url_encode(csr_der, csr_len);
		{
			json_t *p = json_pack("{s:s}", "csr", csr_b64);

			body = cn_json_dump(p);
			json_decref(p);
		}
		r = agent_acme_post(a, u, body, 0, &resp, &fin);
		if (r != 0)
			goto out;
		{
			long ra = resp.retry_after;

			cn_http_resp_cleanup(&resp);
			st = obj_str(fin, "status");
			if (st == NULL || strcmp(st, "valid") != 0) {
				json_t *o = NULL;

				json_decref(fin);
				fin = NULL;
				r = order_poll(a, order_url, "processing", "ready", deadline, ra, &o);
				if (r != 0)
					goto out;
				json_decref(order);
				order = o;
			} else {
				json_decref(order);
				order = fin;
				fin = NULL;
			}
		}
	} else if (strcmp(st, "processing") == 0) {
		json_t *o = NULL;

		r = order_poll(a, order_url, "processing", NULL, deadline, -1, &o);
		if (r != 0)
			goto out;
		json_decref(order);
		order = o;
	}
	st = obj_str(order, "status");
	u = obj_str(order, "certificate");
	if (st == NULL || strcmp(st, "valid") != 0 || u == NULL) {
		r = order_failure(a, order, NULL, 0);
		goto out;
	}
	r = download(a, u, cfg->preferred_chain, &pem, &pem_len);
	if (r != 0)
		goto out;
	r = stage_certs(&sg, pem, pem_len, csr->pubkey, &ci);
	if (r != 0)
		goto out;
	have_ci = true;
	settings = agent_cert_cfg_to_json(cfg);
	sjson = json_dumps(settings, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (sjson == NULL)
		abort();
	r = agent_stage_write(&sg, "settings.json", sjson, strlen(sjson), 0600);
	if (r != 0)
		goto out;
	r = agent_stage_commit(&ctx->st, &sg, &version);
	if (r != 0)
		goto out;
	CN_LOG(CN_LOG_INFO, "agent", "installed %s version %u (serial %s)", cfg->name, version, ci.serial);
	status_record(ctx, cfg->name, &ci, 0, a);
	r = run_deploy_hook(ctx, cfg, in->action, &ci, version);
	if (r != 0)
		r = agent_err_prefix(r, "%s is installed, but the deploy hook failed", cfg->name);
out:
	saved = r;
	if (r != 0 && r != CN_ERR_USAGE && agent_cert_exists(&ctx->st, cfg->name) && version == 0) {
		/* keep the error detail across the status write */
		char detail[512];

		snprintf(detail, sizeof(detail), "%s", cn_err_detail());
		status_record(ctx, cfg->name, NULL, r, NULL);
		cn_err_set(r, "%s", detail);
	}
	if (chs != NULL) {
		challenges_cleanup(solver, chs, n_chs);
		agent_journal_clear(&ctx->st, cfg->name);
	}
	agent_solver_free(solver);
	if (staged)
		agent_stage_abort(&sg);
	if (have_ci)
		agent_certinfo_cleanup(&ci);
	idents_free(&id);
	cn_csr_free(csr);
	json_decref(order);
	json_decref(fin);
	json_decref(settings);
	free(csr_der);
	free(order_url);
	free(pem);
	free(body);
	free(csr_b64);
	free(sjson);
	free(key_rel);
	return saved;
}
