/*
 * certcfg.c - per-certificate settings: built from the `issue` command line
 * (checked: names, one solver that fits the challenge type, absolute
 * paths), saved as settings.json beside the certificate, and read back by
 * `renew` and the daemon so that they need no options.
 */
#include "agent.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mem.h"
#include "x509/key.h"
#include "x509/san.h"

#define SETTINGS_VERSION 1

void agent_cert_cfg_cleanup(struct agent_cert_cfg *c)
{
	size_t i;

	free(c->name);
	free(c->server);
	free(c->ca_bundle);
	for (i = 0; i < c->n_idents; i++)
		free(c->idents[i]);
	free(c->idents);
	free(c->key_type);
	free(c->csr);
	free(c->profile);
	free(c->challenge);
	free(c->webroot);
	free(c->standalone);
	free(c->tls_alpn);
	free(c->dns_hook);
	free(c->dns_update);
	free(c->tsig_key);
	free(c->deploy_hook);
	free(c->preferred_chain);
	free(c->account_key_type);
	memset(c, 0, sizeof(*c));
}

static char *dup_or_null(const char *s)
{
	return s ? cn_xstrdup(s) : NULL;
}

static int abs_path(const char *opt, const char *p, char **out)
{
	char real[PATH_MAX];

	if (p == NULL) {
		*out = NULL;
		return 0;
	}
	if (realpath(p, real) == NULL)
		return cn_err_set(CN_ERR_USAGE, "--%s %s: %s", opt, p, strerror(errno));
	*out = cn_xstrdup(real);
	return 0;
}

int agent_cert_cfg_from_opts(const struct agent_opts *o, struct agent_cert_cfg *c)
{
	enum cn_key_type kt;
	const char *solver_type = NULL;
	int n_solvers = 0, r;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (o->n_domains == 0 && o->csr == NULL)
		return cn_err_set(CN_ERR_USAGE, "issue needs -d NAME or --csr FILE");
	if (o->n_domains > 0 && o->csr != NULL)
		return cn_err_set(CN_ERR_USAGE, "-d and --csr exclude each other (the CSR names the certificate)");
	if (o->key_type != NULL && o->csr != NULL)
		return cn_err_set(CN_ERR_USAGE, "--key-type and --csr exclude each other");
	r = cn_key_type_parse(o->key_type ? o->key_type : "p256", &kt);
	if (r != 0)
		return cn_err_set(CN_ERR_USAGE, "--key-type: %s", cn_err_detail());
	if (o->account_key_type != NULL) {
		r = cn_key_type_parse(o->account_key_type, &kt);
		if (r != 0)
			return cn_err_set(CN_ERR_USAGE, "--account-key-type: %s", cn_err_detail());
	}
	for (i = 0; i < o->n_domains; i++) {
		const char *d = o->domains[i];
		char ip[CN_IP_TEXT_MAX];

		if (cn_ip_normalize(d, ip) != 0 && !cn_dns_name_is_valid(d))
			return cn_err_set(CN_ERR_USAGE, "-d %s: not a DNS name or IP address", d);
	}
	if (o->webroot) {
		n_solvers++;
		solver_type = "http-01";
	}
	if (o->standalone) {
		n_solvers++;
		solver_type = "http-01";
	}
	if (o->tls_alpn) {
		n_solvers++;
		solver_type = "tls-alpn-01";
	}
	if (o->dns_hook) {
		n_solvers++;
		solver_type = "dns-01";
	}
	if (o->dns_update) {
		n_solvers++;
		solver_type = "dns-01";
	}
	if (n_solvers != 1)
		return cn_err_set(CN_ERR_USAGE, "give exactly one of --webroot, --standalone, --tls-alpn, "
		    "--dns-hook, --dns-update");
	if (o->challenge != NULL && strcmp(o->challenge, solver_type) != 0)
		return cn_err_set(CN_ERR_USAGE, "--challenge %s does not fit the solver (%s)", o->challenge,
		    solver_type);
	if (o->dns_update != NULL && o->tsig_key == NULL)
		return cn_err_set(CN_ERR_USAGE, "--dns-update needs --tsig-key");
	if (o->tsig_key != NULL && o->dns_update == NULL)
		return cn_err_set(CN_ERR_USAGE, "--tsig-key goes with --dns-update");
	if (o->name != NULL && !agent_certname_ok(o->name))
		return cn_err_set(CN_ERR_USAGE, "--name %s: use letters, digits, '.', '_' and '-'", o->name);
	c->server = cn_xstrdup(o->server);
	c->key_type = o->csr ? NULL : cn_xstrdup(o->key_type ? o->key_type : "p256");
	c->profile = dup_or_null(o->profile);
	c->challenge = cn_xstrdup(solver_type);
	c->standalone = dup_or_null(o->standalone);
	c->tls_alpn = dup_or_null(o->tls_alpn);
	c->dns_hook = dup_or_null(o->dns_hook);
	c->dns_update = dup_or_null(o->dns_update);
	c->dns_wait_s = o->dns_wait_s;
	c->deploy_hook = dup_or_null(o->deploy_hook);
	c->preferred_chain = dup_or_null(o->preferred_chain);
	c->account_key_type = cn_xstrdup(o->account_key_type ? o->account_key_type : "p256");
	c->timeout_s = o->timeout_s;
	if (o->n_domains > 0) {
		c->idents = cn_xcalloc(o->n_domains, sizeof(*c->idents));
		for (i = 0; i < o->n_domains; i++)
			c->idents[i] = cn_xstrdup(o->domains[i]);
		c->n_idents = o->n_domains;
	}
	r = abs_path("ca-bundle", o->ca_bundle, &c->ca_bundle);
	if (r == 0)
		r = abs_path("csr", o->csr, &c->csr);
	if (r == 0)
		r = abs_path("webroot", o->webroot, &c->webroot);
	if (r == 0)
		r = abs_path("tsig-key", o->tsig_key, &c->tsig_key);
	if (r != 0) {
		agent_cert_cfg_cleanup(c);
		return r;
	}
	if (o->name != NULL)
		c->name = cn_xstrdup(o->name);
	else if (c->n_idents > 0)
		c->name = agent_certname_default(c->idents[0]);
	/* CSR mode without --name: cmd_issue names it after the CSR's first name */
	return 0;
}

static void set_str(json_t *j, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new(j, k, json_string(v));
}

json_t *agent_cert_cfg_to_json(const struct agent_cert_cfg *c)
{
	json_t *j = json_object(), *ids = json_array();
	size_t i;

	json_object_set_new(j, "version", json_integer(SETTINGS_VERSION));
	set_str(j, "name", c->name);
	set_str(j, "server", c->server);
	set_str(j, "ca_bundle", c->ca_bundle);
	for (i = 0; i < c->n_idents; i++)
		json_array_append_new(ids, json_string(c->idents[i]));
	json_object_set_new(j, "identifiers", ids);
	set_str(j, "key_type", c->key_type);
	set_str(j, "csr", c->csr);
	set_str(j, "profile", c->profile);
	set_str(j, "challenge", c->challenge);
	set_str(j, "webroot", c->webroot);
	set_str(j, "standalone", c->standalone);
	set_str(j, "tls_alpn", c->tls_alpn);
	set_str(j, "dns_hook", c->dns_hook);
	set_str(j, "dns_update", c->dns_update);
	set_str(j, "tsig_key", c->tsig_key);
	json_object_set_new(j, "dns_wait", json_integer(c->dns_wait_s));
	set_str(j, "deploy_hook", c->deploy_hook);
	set_str(j, "preferred_chain", c->preferred_chain);
	set_str(j, "account_key_type", c->account_key_type);
	json_object_set_new(j, "timeout", json_integer(c->timeout_s));
	return j;
}

static int get_opt(const json_t *j, const char *k, char **out)
{
	const char *v = NULL;
	int r;

	r = cn_json_opt_str(j, k, &v);
	if (r != 0)
		return r;
	*out = dup_or_null(v);
	return 0;
}

static long get_long(const json_t *j, const char *k, long dflt)
{
	const json_t *v = json_object_get(j, k);

	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

int agent_cert_cfg_from_json(const json_t *j, struct agent_cert_cfg *c)
{
	const json_t *ids, *v;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	if (get_long(j, "version", 0) != SETTINGS_VERSION)
		return cn_err_set(CN_ERR_MALFORMED, "settings.json: unknown version");
	r = get_opt(j, "name", &c->name);
	if (r == 0)
		r = get_opt(j, "server", &c->server);
	if (r == 0)
		r = get_opt(j, "ca_bundle", &c->ca_bundle);
	if (r == 0)
		r = get_opt(j, "key_type", &c->key_type);
	if (r == 0)
		r = get_opt(j, "csr", &c->csr);
	if (r == 0)
		r = get_opt(j, "profile", &c->profile);
	if (r == 0)
		r = get_opt(j, "challenge", &c->challenge);
	if (r == 0)
		r = get_opt(j, "webroot", &c->webroot);
	if (r == 0)
		r = get_opt(j, "standalone", &c->standalone);
	if (r == 0)
		r = get_opt(j, "tls_alpn", &c->tls_alpn);
	if (r == 0)
		r = get_opt(j, "dns_hook", &c->dns_hook);
	if (r == 0)
		r = get_opt(j, "dns_update", &c->dns_update);
	if (r == 0)
		r = get_opt(j, "tsig_key", &c->tsig_key);
	if (r == 0)
		r = get_opt(j, "deploy_hook", &c->deploy_hook);
	if (r == 0)
		r = get_opt(j, "preferred_chain", &c->preferred_chain);
	if (r == 0)
		r = get_opt(j, "account_key_type", &c->account_key_type);
	if (r != 0)
		goto fail;
	c->dns_wait_s = get_long(j, "dns_wait", 0);
	c->timeout_s = get_long(j, "timeout", 300);
	ids = json_object_get(j, "identifiers");
	if (!json_is_array(ids) || json_array_size(ids) > AGENT_MAX_LIST) {
		r = cn_err_set(CN_ERR_MALFORMED, "settings.json: bad identifiers");
		goto fail;
	}
	if (json_array_size(ids) > 0)
		c->idents = cn_xcalloc(json_array_size(ids), sizeof(*c->idents));
	json_array_foreach(ids, i, v) {
		if (!json_is_string(v)) {
			r = cn_err_set(CN_ERR_MALFORMED, "settings.json: bad identifier");
			goto fail;
		}
		c->idents[c->n_idents++] = cn_xstrdup(json_string_value(v));
	}
	if (c->name == NULL || c->server == NULL || c->challenge == NULL ||
	    (c->n_idents == 0 && c->csr == NULL)) {
		r = cn_err_set(CN_ERR_MALFORMED, "settings.json: name, server, challenge or identifiers missing");
		goto fail;
	}
	return 0;
fail:
	agent_cert_cfg_cleanup(c);
	return r;
}
