/*
 * solve/dns01_hook.c - dns-01 challenges (RFC 8555 section 8.4) through an
 * operator command: `CMD add _acme-challenge.NAME VALUE` before validation
 * and `CMD del _acme-challenge.NAME VALUE` afterwards (no trailing dot; for
 * a wildcard NAME is the base domain). VALUE is base64url(SHA-256(key
 * authorization)). The hook must not return before the record is visible
 * to the CA's resolvers, or --dns-wait must cover the propagation delay.
 */
#include "solve/solve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "hook.h"
#include "log.h"
#include "mem.h"

struct dns_hook {
	char *cmd;
	long wait_s;
	bool any_added;
};

static char *record_name(const struct agent_chall *c)
{
	size_t n = strlen(c->ident) + 17;
	char *p = cn_xmalloc(n);

	snprintf(p, n, "_acme-challenge.%s", c->ident);
	return p;
}

static int hook_call(struct dns_hook *h, const char *verb, const struct agent_chall *c)
{
	char *fqdn = record_name(c);
	const char *args[3] = {verb, fqdn, c->dns_value};
	int r;

	CN_LOG(CN_LOG_DEBUG, "dns-01", "hook %s %s", verb, fqdn);
	r = agent_hook_run(h->cmd, args, 3, NULL, 0);
	free(fqdn);
	return r;
}

static int hook_present(struct agent_solver *s, const struct agent_chall *c)
{
	struct dns_hook *h = s->impl;
	int r;

	if (strcmp(c->ident_type, "dns") != 0)
		return cn_err_set(CN_ERR_USAGE, "dns-01 cannot validate %s identifiers", c->ident_type);
	r = hook_call(h, "add", c);
	if (r == 0)
		h->any_added = true;
	return r;
}

static int hook_cleanup(struct agent_solver *s, const struct agent_chall *c)
{
	return hook_call(s->impl, "del", c);
}

static int hook_commit(struct agent_solver *s)
{
	struct dns_hook *h = s->impl;

	if (h->any_added && h->wait_s > 0) {
		CN_LOG(CN_LOG_INFO, "dns-01", "waiting %lds for DNS propagation", h->wait_s);
		agent_sleep_ms(h->wait_s * 1000);
	}
	return 0;
}

static void hook_free(struct agent_solver *s)
{
	struct dns_hook *h = s->impl;

	free(h->cmd);
	free(h);
	free(s);
}

static const struct agent_solver_ops dns_hook_ops = {
	"dns-01", hook_present, hook_cleanup, hook_commit, hook_free,
};

int agent_dns01_hook_new(const char *cmd, long wait_s, struct agent_solver **out)
{
	struct agent_solver *s = cn_xcalloc(1, sizeof(*s));
	struct dns_hook *h = cn_xcalloc(1, sizeof(*h));

	h->cmd = cn_xstrdup(cmd);
	h->wait_s = wait_s;
	s->ops = &dns_hook_ops;
	s->impl = h;
	*out = s;
	return 0;
}
