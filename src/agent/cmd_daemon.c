/*
 * cmd_daemon.c - `cairn daemon`: one long-running process that renews every
 * certificate on schedule (renew.c's decision: ARI or one third of the
 * lifetime, with backoff after failures) and serves the standalone
 * challenge responders itself while it renews, so that no cron job is
 * needed. It wakes at the earliest time any certificate needs attention,
 * and at least every --check-interval seconds. SIGHUP wakes it for an
 * immediate pass; SIGTERM or SIGINT stop it (an order in progress is
 * abandoned, its challenge records cleaned up, the live certificate kept).
 */
#include "agent.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

volatile sig_atomic_t agent_wake_requested;

static void on_hup(int sig)
{
	(void)sig;
	agent_wake_requested = 1;
}

/* One pass over all certificates; returns the earliest next check. */
static int daemon_pass(struct agent_ctx *ctx, int64_t *next, bool *changed, bool *failed)
{
	char **names = NULL;
	size_t n = 0, i;
	int64_t nc;
	int r, rc;

	r = agent_state_lock(&ctx->st, true);
	if (r != 0)
		return r;
	agent_ctx_drop_sessions(ctx); /* a fresh directory (and ARI support) whenever a pass needs the CA */
	r = agent_cert_names(&ctx->st, &names, &n);
	if (r != 0)
		goto out;
	for (i = 0; i < n && !agent_stop_requested; i++) {
		if (!agent_cert_exists(&ctx->st, names[i]))
			continue;
		rc = agent_renew_one(ctx, names[i], false, &nc);
		if (rc == AGENT_EXIT_CHANGED)
			*changed = true;
		else if (rc == AGENT_EXIT_FAILED)
			*failed = true;
		if (nc < *next)
			*next = nc;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	agent_state_unlock(&ctx->st);
	return r;
}

int agent_cmd_daemon(struct agent_ctx *ctx)
{
	struct sigaction sa;
	int64_t now, next;
	bool changed = false, failed = false;
	char t[32];
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	CN_LOG(CN_LOG_INFO, "agent", "daemon started (state %s)", ctx->st.dir);
	while (!agent_stop_requested) {
		now = (int64_t)time(NULL);
		next = now + ctx->o->check_interval_s;
		agent_wake_requested = 0;
		r = daemon_pass(ctx, &next, &changed, &failed);
		if (r != 0)
			agent_report("daemon", r);
		if (ctx->o->once)
			break;
		now = (int64_t)time(NULL);
		if (next < now + 1)
			next = now + 1;
		if (next > now + ctx->o->check_interval_s)
			next = now + ctx->o->check_interval_s;
		agent_fmt_time(next, t);
		CN_LOG(CN_LOG_INFO, "agent", "next check at %s", t);
		while (!agent_stop_requested && !agent_wake_requested && (int64_t)time(NULL) < next)
			agent_sleep_ms(500);
	}
	CN_LOG(CN_LOG_INFO, "agent", "daemon stopping");
	if (ctx->o->once)
		return failed ? AGENT_EXIT_FAILED : changed ? AGENT_EXIT_CHANGED : AGENT_EXIT_NOTHING;
	return AGENT_EXIT_CHANGED;
}
