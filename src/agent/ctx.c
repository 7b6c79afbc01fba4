/*
 * ctx.c - the run context of one cairn invocation: state directory, the
 * signer process, and one ACME session per CA, reused by every certificate
 * of a `renew --all` or daemon pass (one kept-alive connection per CA).
 *
 * The signer is forked when the first session is opened, before that
 * session's first request (and before libcurl is loaded): a renewal check
 * that needs no request never starts it.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

int agent_ctx_init(struct agent_ctx *ctx, const struct agent_opts *o, bool need_signer)
{
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->o = o;
	r = agent_state_open(o->state_dir, &ctx->st);
	if (r != 0)
		return r;
	ctx->want_signer = need_signer;
	return 0;
}

/* Starts the signer on first need (single-threaded here: before any solver thread). */
static int ctx_signer_start(struct agent_ctx *ctx)
{
	if (ctx->signer != NULL || !ctx->want_signer)
		return 0;
	return agent_signer_start(ctx->st.dir, &ctx->signer);
}

void agent_ctx_drop_sessions(struct agent_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->n_sessions; i++) {
		agent_acme_free(ctx->sessions[i].acme);
		free(ctx->sessions[i].server);
		free(ctx->sessions[i].ca_bundle);
	}
	ctx->n_sessions = 0;
	ctx->key_loaded_for = NULL;
}

void agent_ctx_cleanup(struct agent_ctx *ctx)
{
	agent_ctx_drop_sessions(ctx);
	agent_signer_stop(ctx->signer);
	ctx->signer = NULL;
	agent_state_close(&ctx->st);
}

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int agent_session_get(struct agent_ctx *ctx, const char *server, const char *ca_bundle,
    bool need_account, const struct agent_account_opts *ao, bool may_register,
    struct agent_acme **out)
{
	struct agent_session *s = NULL;
	size_t i;
	int r;

	r = ctx_signer_start(ctx);
	if (r != 0)
		return r;
	for (i = 0; i < ctx->n_sessions && s == NULL; i++)
		if (str_eq(ctx->sessions[i].server, server) && str_eq(ctx->sessions[i].ca_bundle, ca_bundle))
			s = &ctx->sessions[i];
	if (s == NULL) {
		if (ctx->n_sessions == AGENT_MAX_SESSIONS) {
			/* recycle the oldest */
			ctx->key_loaded_for = NULL;
			agent_acme_free(ctx->sessions[0].acme);
			free(ctx->sessions[0].server);
			free(ctx->sessions[0].ca_bundle);
			memmove(&ctx->sessions[0], &ctx->sessions[1],
			    (AGENT_MAX_SESSIONS - 1) * sizeof(ctx->sessions[0]));
			ctx->n_sessions--;
		}
		s = &ctx->sessions[ctx->n_sessions];
		memset(s, 0, sizeof(*s));
		r = agent_acme_open(server, ca_bundle, ctx->o->timeout_s > 60 ? 60000 : ctx->o->timeout_s * 1000,
		    ctx->signer, &s->acme);
		if (r != 0)
			return r;
		s->server = cn_xstrdup(server);
		s->ca_bundle = ca_bundle ? cn_xstrdup(ca_bundle) : NULL;
		ctx->n_sessions++;
	}
	if (need_account && !s->have_account) {
		r = agent_account_open(ctx, s->acme, ao, may_register, NULL);
		if (r != 0)
			return r;
		s->have_account = true;
	} else if (need_account && ctx->key_loaded_for != s->acme) {
		/* another CA's account key is in the signer's slot: switch back */
		r = agent_signer_load_key(ctx->signer, AGENT_SLOT_ACCOUNT, s->acme->account_key_rel,
		    NULL, false, NULL, NULL);
		if (r != 0)
			return r;
		ctx->key_loaded_for = s->acme;
	}
	*out = s->acme;
	return 0;
}

void agent_report(const char *what, int code)
{
	const char *d = cn_err_detail();

	if (d[0] != '\0')
		fprintf(stderr, "cairn: %s: %s\n", what, d);
	else
		fprintf(stderr, "cairn: %s: %s\n", what, cn_err_str(code));
}
