/*
 * cmd_renew.c - `cairn renew [CERTNAME | --all] [--force]`: renews what is
 * due (renew.c decides) with the settings recorded at issue time.
 * Exit 0 when at least one certificate was renewed and none failed, 1 when
 * any failed, 2 when nothing was due.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int agent_cmd_renew(struct agent_ctx *ctx)
{
	const struct agent_opts *o = ctx->o;
	char **names = NULL;
	size_t n = 0, i;
	bool any_changed = false, any_failed = false;
	int r, rc;

	if (o->n_args > 1 || (o->n_args == 1 && o->all)) {
		fprintf(stderr, "cairn: renew takes one CERTNAME or --all\n");
		return AGENT_EXIT_USAGE;
	}
	r = agent_state_lock(&ctx->st, true);
	if (r != 0) {
		agent_report("renew", r);
		return AGENT_EXIT_FAILED;
	}
	if (o->n_args == 1) {
		if (!agent_certname_ok(o->args[0]) || !agent_cert_exists(&ctx->st, o->args[0])) {
			fprintf(stderr, "cairn: renew: no certificate named '%s' in %s\n", o->args[0], ctx->st.dir);
			rc = AGENT_EXIT_FAILED;
			goto out;
		}
		rc = agent_renew_one(ctx, o->args[0], o->force, NULL);
		goto out;
	}
	r = agent_cert_names(&ctx->st, &names, &n);
	if (r != 0) {
		agent_report("renew", r);
		rc = AGENT_EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!agent_cert_exists(&ctx->st, names[i]))
			continue;
		rc = agent_renew_one(ctx, names[i], o->force, NULL);
		if (rc == AGENT_EXIT_CHANGED)
			any_changed = true;
		else if (rc == AGENT_EXIT_FAILED)
			any_failed = true;
	}
	rc = any_failed ? AGENT_EXIT_FAILED : any_changed ? AGENT_EXIT_CHANGED : AGENT_EXIT_NOTHING;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	agent_state_unlock(&ctx->st);
	return rc;
}
