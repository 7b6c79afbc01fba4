/*
 * cmd_list.c - `cairn list [--json]`: the certificates in the state
 * directory with serial, validity, names, live version, and renewal state.
 * Reads files only; needs neither the signer nor the network.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mem.h"

static json_t *cert_json(struct agent_ctx *ctx, const char *name)
{
	struct agent_certinfo ci;
	json_t *j = json_object(), *names, *status = NULL, *settings = NULL;
	char *data = NULL, t[32];
	size_t len = 0, i;

	json_object_set_new(j, "name", json_string(name));
	json_object_set_new(j, "version", json_integer(agent_cert_version(&ctx->st, name)));
	if (agent_cert_read(&ctx->st, name, "cert.pem", &data, &len) == 0 &&
	    agent_certinfo_from_pem(data, len, &ci) == 0) {
		json_object_set_new(j, "serial", json_string(ci.serial));
		agent_fmt_time(ci.not_before, t);
		json_object_set_new(j, "not_before", json_string(t));
		agent_fmt_time(ci.not_after, t);
		json_object_set_new(j, "not_after", json_string(t));
		names = json_array();
		for (i = 0; i < ci.n_names; i++)
			json_array_append_new(names, json_string(ci.names[i]));
		json_object_set_new(j, "names", names);
		if (ci.issuer_cn != NULL)
			json_object_set_new(j, "issuer", json_string(ci.issuer_cn));
		if (ci.ari_id != NULL)
			json_object_set_new(j, "ari_id", json_string(ci.ari_id));
		agent_certinfo_cleanup(&ci);
	} else {
		json_object_set_new(j, "error", json_string(cn_err_detail()));
	}
	free(data);
	data = NULL;
	if (agent_cert_read(&ctx->st, name, "settings.json", &data, &len) == 0 &&
	    cn_json_parse_object(data, len, &settings) == 0) {
		const json_t *v;

		v = json_object_get(settings, "server");
		if (json_is_string(v))
			json_object_set(j, "server", (json_t *)v);
		v = json_object_get(settings, "challenge");
		if (json_is_string(v))
			json_object_set(j, "challenge", (json_t *)v);
	}
	free(data);
	if (agent_cert_status_load(&ctx->st, name, &status) == 0) {
		const char *keys[] = {"revoked", "failures", "last_error", "last_failure", "installed"};

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (json_object_get(status, keys[i]) != NULL)
				json_object_set(j, keys[i], json_object_get(status, keys[i]));
		if (json_is_object(json_object_get(status, "ari")) &&
		    json_is_integer(json_object_get(json_object_get(status, "ari"), "chosen"))) {
			agent_fmt_time(json_integer_value(json_object_get(json_object_get(status, "ari"), "chosen")), t);
			json_object_set_new(j, "ari_renew_at", json_string(t));
		}
	}
	json_decref(settings);
	json_decref(status);
	return j;
}

int agent_cmd_list(struct agent_ctx *ctx)
{
	char **names = NULL;
	size_t n = 0, i, k;
	json_t *all = json_array();
	int r;

	r = agent_cert_names(&ctx->st, &names, &n);
	if (r != 0) {
		agent_report("list", r);
		json_decref(all);
		return AGENT_EXIT_FAILED;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(all, cert_json(ctx, names[i]));
	if (ctx->o->json) {
		char *s = json_dumps(all, JSON_INDENT(2));

		if (s == NULL)
			abort();
		printf("%s\n", s);
		free(s);
	} else {
		if (n == 0)
			printf("no certificates in %s\n", ctx->st.dir);
		for (i = 0; i < n; i++) {
			const json_t *c = json_array_get(all, i), *nm = json_object_get(c, "names"), *v;
			const char *s;

			s = json_string_value(json_object_get(c, "serial"));
			printf("%s\n  serial:    %s\n", json_string_value(json_object_get(c, "name")), s ? s : "?");
			s = json_string_value(json_object_get(c, "not_after"));
			printf("  expires:   %s\n", s ? s : "?");
			printf("  names:    ");
			json_array_foreach(nm, k, v)
				printf(" %s", json_string_value(v));
			printf("\n  directory: %s/certs/%s\n", ctx->st.dir, json_string_value(json_object_get(c, "name")));
			if (json_object_get(c, "revoked") != NULL)
				printf("  revoked:   %s\n", json_string_value(json_object_get(c, "revoked")));
			if (json_object_get(c, "last_error") != NULL)
				printf("  last error: %s\n", json_string_value(json_object_get(c, "last_error")));
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	json_decref(all);
	return AGENT_EXIT_CHANGED;
}
