/*
 * opts.c - cairn's command line: the option table, the parser, `--help`
 * and the roff OPTIONS section of cairn(1), all from the same rows (as
 * curl's docs/cmdline-opts do), so the three never disagree.
 *
 * Options may appear before or after the command; "--name value" and
 * "--name=value" are both accepted, as is "-d value". A "--" ends options.
 */
#include "opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define C(x) (1u << AGENT_CMD_##x)
#define C_NET (C(ACCOUNT) | C(ISSUE) | C(RENEW) | C(REVOKE) | C(DAEMON))
#define C_ALL (C_NET | C(LIST))

enum opt_id {
	O_SERVER, O_CA_BUNDLE, O_STATE, O_CONTACT, O_AGREE_TOS, O_EAB_KID, O_EAB_HMAC,
	O_ACCOUNT_KEY_TYPE, O_TIMEOUT, O_VERBOSE, O_QUIET, O_LOG_LEVEL,
	O_DOMAIN, O_NAME, O_KEY_TYPE, O_CSR, O_PROFILE, O_CHALLENGE, O_WEBROOT,
	O_STANDALONE, O_TLS_ALPN, O_DNS_HOOK, O_DNS_UPDATE, O_TSIG_KEY, O_DNS_WAIT,
	O_DEPLOY_HOOK, O_PREFERRED_CHAIN,
	O_ALL, O_FORCE, O_JSON, O_CERT, O_REASON, O_CHECK_INTERVAL, O_ONCE, O_ROFF,
	O_HELP, O_VERSION
};

struct optdef {
	enum opt_id id;
	const char *name;
	char short_name;
	const char *arg; /* metavariable, NULL for a flag */
	unsigned cmds;
	const char *help;
};

static const struct optdef optdefs[] = {
	{O_SERVER, "server", 0, "URL", C_ALL,
	    "ACME directory URL of the CA (default " AGENT_DEFAULT_SERVER "); recorded per certificate"},
	{O_CA_BUNDLE, "ca-bundle", 0, "PEM", C_ALL,
	    "trust only these CA certificates for the CA's HTTPS API (default: the system store); recorded per certificate"},
	{O_STATE, "state", 0, "DIR", C_ALL, "state directory (default " AGENT_DEFAULT_STATE ")"},
	{O_CONTACT, "contact", 0, "URI", C_ALL,
	    "account contact, e.g. mailto:ops@example.com (an address without a scheme gets mailto:); repeatable"},
	{O_AGREE_TOS, "agree-tos", 0, NULL, C_ALL, "agree to the CA's terms of service"},
	{O_EAB_KID, "eab-kid", 0, "KID", C_ALL, "external account binding key identifier (RFC 8555 section 7.3.4)"},
	{O_EAB_HMAC, "eab-hmac-key", 0, "KEY", C_ALL, "external account binding MAC key, base64url"},
	{O_ACCOUNT_KEY_TYPE, "account-key-type", 0, "TYPE", C(ACCOUNT) | C(ISSUE),
	    "key type of a new account key: p256 (default), p384, rsa2048, rsa3072, rsa4096, ed25519"},
	{O_TIMEOUT, "timeout", 0, "SECONDS", C_ALL, "give up on an order (validation, issuance) after this long (default 300)"},
	{O_VERBOSE, "verbose", 'v', NULL, C_ALL, "log progress (info level); twice: protocol steps (debug)"},
	{O_QUIET, "quiet", 'q', NULL, C_ALL, "log errors only"},
	{O_LOG_LEVEL, "log-level", 0, "LEVEL", C_ALL, "err, warn (default; info for daemon), info or debug"},
	{O_DOMAIN, "domain", 'd', "NAME", C(ISSUE),
	    "DNS name, wildcard (*.example.com, dns-01 only) or IP address to certify; repeatable"},
	{O_NAME, "name", 0, "CERTNAME", C(ISSUE), "certificate name in the state directory (default: the first -d)"},
	{O_KEY_TYPE, "key-type", 0, "TYPE", C(ISSUE),
	    "certificate key type: p256 (default), p384, rsa2048, rsa3072, rsa4096, ed25519"},
	{O_CSR, "csr", 0, "FILE", C(ISSUE), "use this CSR (PEM or DER) instead of generating a key; its names are the certificate's"},
	{O_PROFILE, "profile", 0, "NAME", C(ISSUE), "certificate profile to request (draft-ietf-acme-profiles)"},
	{O_CHALLENGE, "challenge", 0, "TYPE", C(ISSUE),
	    "http-01, dns-01 or tls-alpn-01 (default: implied by the solver option)"},
	{O_WEBROOT, "webroot", 0, "DIR", C(ISSUE), "http-01: write tokens to DIR/.well-known/acme-challenge/"},
	{O_STANDALONE, "standalone", 0, "[ADDR:]PORT", C(ISSUE), "http-01: serve tokens from a built-in HTTP server"},
	{O_TLS_ALPN, "tls-alpn", 0, "[ADDR:]PORT", C(ISSUE), "tls-alpn-01: answer from a built-in TLS server (RFC 8737)"},
	{O_DNS_HOOK, "dns-hook", 0, "CMD", C(ISSUE),
	    "dns-01: run `CMD add FQDN VALUE` and later `CMD del FQDN VALUE` (FQDN without trailing dot)"},
	{O_DNS_UPDATE, "dns-update", 0, "SERVER[:PORT]", C(ISSUE), "dns-01: publish TXT records by RFC 2136 UPDATE to SERVER"},
	{O_TSIG_KEY, "tsig-key", 0, "FILE", C(ISSUE), "TSIG key (BIND key file: key \"name\" { algorithm hmac-sha256; secret \"...\"; };)"},
	{O_DNS_WAIT, "dns-wait", 0, "SECONDS", C(ISSUE), "dns-01: wait this long after publishing before answering (default 0)"},
	{O_DEPLOY_HOOK, "deploy-hook", 0, "CMD", C(ISSUE), "run CMD (through /bin/sh) after each install; see DEPLOY HOOK"},
	{O_PREFERRED_CHAIN, "preferred-chain", 0, "ISSUER_CN", C(ISSUE),
	    "install the alternate chain whose topmost certificate's issuer CN is this, when the CA offers one"},
	{O_ALL, "all", 0, NULL, C(RENEW), "renew every certificate that is due"},
	{O_FORCE, "force", 0, NULL, C(RENEW), "renew even if not due"},
	{O_JSON, "json", 0, NULL, C(LIST) | C(ACCOUNT), "print JSON"},
	{O_CERT, "cert", 0, "FILE", C(REVOKE), "revoke this certificate file instead of a named one"},
	{O_REASON, "reason", 0, "R", C(REVOKE),
	    "unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, or an RFC 5280 code"},
	{O_CHECK_INTERVAL, "check-interval", 0, "SECONDS", C(DAEMON), "longest sleep between checks (default 43200)"},
	{O_ONCE, "once", 0, NULL, C(DAEMON), "run one check-and-renew pass, then exit"},
	{O_ROFF, "roff", 0, NULL, C(HELP), "print the man page's OPTIONS section"},
	{O_HELP, "help", 'h', NULL, C_ALL | C(HELP) | C(NONE), "show help"},
	{O_VERSION, "version", 'V', NULL, C_ALL | C(NONE), "show the version"},
};

#define N_OPTDEFS (sizeof(optdefs) / sizeof(optdefs[0]))

static const struct {
	enum agent_cmd cmd;
	const char *name;
	const char *synopsis;
	const char *help;
} cmddefs[] = {
	{AGENT_CMD_ACCOUNT, "account", "account register|show|update|deactivate|rollover",
	    "manage the ACME account at --server"},
	{AGENT_CMD_ISSUE, "issue", "issue -d NAME [-d NAME ...] [solver] [options]",
	    "obtain and install a certificate"},
	{AGENT_CMD_RENEW, "renew", "renew [CERTNAME | --all] [--force]",
	    "renew certificates that are due, with the settings recorded at issue"},
	{AGENT_CMD_REVOKE, "revoke", "revoke CERTNAME | --cert FILE [--reason R]", "revoke a certificate"},
	{AGENT_CMD_LIST, "list", "list [--json]", "list the certificates in the state directory"},
	{AGENT_CMD_DAEMON, "daemon", "daemon [--check-interval SECONDS] [--once]",
	    "renew everything on schedule, forever"},
	{AGENT_CMD_HELP, "help", "help [COMMAND]", "show help"},
	{AGENT_CMD_VERSION, "version", "version", "show the version"},
};

#define N_CMDDEFS (sizeof(cmddefs) / sizeof(cmddefs[0]))

const char *agent_cmd_name(enum agent_cmd c)
{
	size_t i;

	for (i = 0; i < N_CMDDEFS; i++)
		if (cmddefs[i].cmd == c)
			return cmddefs[i].name;
	return "";
}

static const struct optdef *opt_find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_OPTDEFS; i++)
		if (strlen(optdefs[i].name) == len && strncmp(optdefs[i].name, name, len) == 0)
			return &optdefs[i];
	return NULL;
}

static const struct optdef *opt_find_short(char c)
{
	size_t i;

	for (i = 0; i < N_OPTDEFS; i++)
		if (optdefs[i].short_name == c)
			return &optdefs[i];
	return NULL;
}

static int parse_long(const char *name, const char *v, long lo, long hi, long *out)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return cn_err_set(CN_ERR_USAGE, "--%s: expected a number from %ld to %ld, got '%s'",
		    name, lo, hi, v);
	*out = n;
	return 0;
}

static int list_add(const char **list, size_t *n, const char *v, const char *name)
{
	if (*n >= AGENT_MAX_LIST)
		return cn_err_set(CN_ERR_USAGE, "--%s: more than %d values", name, AGENT_MAX_LIST);
	list[(*n)++] = v;
	return 0;
}

/* Applies one option; deferred command check happens in agent_opts_parse. */
static int opt_apply(struct agent_opts *o, const struct optdef *d, const char *v)
{
	switch (d->id) {
	case O_SERVER: o->server = v; o->server_set = true; return 0;
	case O_CA_BUNDLE: o->ca_bundle = v; return 0;
	case O_STATE: o->state_dir = v; return 0;
	case O_CONTACT: return list_add(o->contact, &o->n_contact, v, d->name);
	case O_AGREE_TOS: o->agree_tos = true; return 0;
	case O_EAB_KID: o->eab_kid = v; return 0;
	case O_EAB_HMAC: o->eab_hmac_key = v; return 0;
	case O_ACCOUNT_KEY_TYPE: o->account_key_type = v; return 0;
	case O_TIMEOUT: return parse_long(d->name, v, 1, 86400, &o->timeout_s);
	case O_VERBOSE: o->log_level = o->log_level >= CN_LOG_INFO ? CN_LOG_DEBUG : CN_LOG_INFO; return 0;
	case O_QUIET: o->log_level = CN_LOG_ERR; return 0;
	case O_LOG_LEVEL: return cn_log_level_parse(v, &o->log_level);
	case O_DOMAIN: return list_add(o->domains, &o->n_domains, v, d->name);
	case O_NAME: o->name = v; return 0;
	case O_KEY_TYPE: o->key_type = v; return 0;
	case O_CSR: o->csr = v; return 0;
	case O_PROFILE: o->profile = v; return 0;
	case O_CHALLENGE: o->challenge = v; return 0;
	case O_WEBROOT: o->webroot = v; return 0;
	case O_STANDALONE: o->standalone = v; return 0;
	case O_TLS_ALPN: o->tls_alpn = v; return 0;
	case O_DNS_HOOK: o->dns_hook = v; return 0;
	case O_DNS_UPDATE: o->dns_update = v; return 0;
	case O_TSIG_KEY: o->tsig_key = v; return 0;
	case O_DNS_WAIT: return parse_long(d->name, v, 0, 3600, &o->dns_wait_s);
	case O_DEPLOY_HOOK: o->deploy_hook = v; return 0;
	case O_PREFERRED_CHAIN: o->preferred_chain = v; return 0;
	case O_ALL: o->all = true; return 0;
	case O_FORCE: o->force = true; return 0;
	case O_JSON: o->json = true; return 0;
	case O_CERT: o->cert_file = v; return 0;
	case O_REASON: o->reason = v; return 0;
	case O_CHECK_INTERVAL: return parse_long(d->name, v, 60, 86400 * 7, &o->check_interval_s);
	case O_ONCE: o->once = true; return 0;
	case O_ROFF: o->roff = true; return 0;
	case O_HELP: return 0; /* handled by agent_opts_parse */
	case O_VERSION: o->cmd = AGENT_CMD_VERSION; return 0;
	}
	return cn_err_set(CN_ERR_INTERNAL, "unhandled option");
}

static int cmd_lookup(const char *s, enum agent_cmd *out)
{
	size_t i;

	for (i = 0; i < N_CMDDEFS; i++) {
		if (strcmp(cmddefs[i].name, s) == 0) {
			*out = cmddefs[i].cmd;
			return 0;
		}
	}
	return cn_err_set(CN_ERR_USAGE, "unknown command '%s' (try cairn --help)", s);
}

int agent_opts_parse(int argc, char **argv, struct agent_opts *o)
{
	const struct optdef *seen[64];
	size_t n_seen = 0, i;
	bool opts_done = false, help = false;
	int k, r;

	memset(o, 0, sizeof(*o));
	o->log_level = -1; /* unset: decided by the command below */
	o->timeout_s = 300;
	o->check_interval_s = 43200;
	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *v = NULL;
		const struct optdef *d = NULL;

		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (!opts_done && a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			d = opt_find_long(a + 2, len);
			if (d == NULL)
				return cn_err_set(CN_ERR_USAGE, "unknown option '%s'", a);
			if (eq != NULL) {
				if (d->arg == NULL)
					return cn_err_set(CN_ERR_USAGE, "--%s takes no value", d->name);
				v = eq + 1;
			}
		} else if (!opts_done && a[0] == '-' && a[1] != '\0') {
			d = opt_find_short(a[1]);
			if (d == NULL)
				return cn_err_set(CN_ERR_USAGE, "unknown option '-%c'", a[1]);
			if (a[2] != '\0' && d->arg == NULL) {
				/* bundled flags: -vv, -vq */
				const char *f;

				for (f = a + 1; *f != '\0'; f++) {
					const struct optdef *fd = opt_find_short(*f);

					if (fd == NULL || fd->arg != NULL)
						return cn_err_set(CN_ERR_USAGE, "bad option bundle '%s'", a);
					if (fd->id == O_HELP) {
						help = true;
						continue;
					}
					r = opt_apply(o, fd, NULL);
					if (r != 0)
						return r;
				}
				continue;
			}
			if (a[2] != '\0')
				v = a + 2;
		}
		if (d == NULL) {
			/* a word: the command, the account subcommand, or an argument */
			if (o->cmd == AGENT_CMD_NONE) {
				r = cmd_lookup(a, &o->cmd);
				if (r != 0)
					return r;
			} else if (o->cmd == AGENT_CMD_ACCOUNT && o->sub == NULL) {
				o->sub = a;
			} else {
				if (o->n_args >= sizeof(o->args) / sizeof(o->args[0]))
					return cn_err_set(CN_ERR_USAGE, "too many arguments");
				o->args[o->n_args++] = a;
			}
			continue;
		}
		if (d->arg != NULL && v == NULL) {
			if (k + 1 >= argc)
				return cn_err_set(CN_ERR_USAGE, "--%s needs a value (%s)", d->name, d->arg);
			v = argv[++k];
		}
		if (d->id == O_HELP) {
			help = true;
			continue;
		}
		r = opt_apply(o, d, v);
		if (r != 0)
			return r;
		if (n_seen < sizeof(seen) / sizeof(seen[0]))
			seen[n_seen++] = d;
	}
	if (help) {
		o->args[0] = o->cmd == AGENT_CMD_NONE || o->cmd == AGENT_CMD_HELP ? NULL : agent_cmd_name(o->cmd);
		o->n_args = o->args[0] ? 1 : 0;
		o->cmd = AGENT_CMD_HELP;
		return 0;
	}
	if (o->cmd == AGENT_CMD_VERSION)
		return 0;
	if (o->cmd == AGENT_CMD_NONE)
		return cn_err_set(CN_ERR_USAGE, "no command given (try cairn --help)");
	for (i = 0; i < n_seen; i++)
		if ((seen[i]->cmds & (1u << o->cmd)) == 0)
			return cn_err_set(CN_ERR_USAGE, "--%s does not apply to '%s'", seen[i]->name,
			    agent_cmd_name(o->cmd));
	if (o->cmd == AGENT_CMD_ACCOUNT && o->sub == NULL)
		return cn_err_set(CN_ERR_USAGE, "account needs register, show, update, deactivate or rollover");
	if (o->cmd == AGENT_CMD_ACCOUNT && strcmp(o->sub, "register") != 0 && strcmp(o->sub, "show") != 0 &&
	    strcmp(o->sub, "update") != 0 && strcmp(o->sub, "deactivate") != 0 &&
	    strcmp(o->sub, "rollover") != 0)
		return cn_err_set(CN_ERR_USAGE, "unknown account command '%s'", o->sub);
	if (o->log_level < 0)
		o->log_level = o->cmd == AGENT_CMD_DAEMON ? CN_LOG_INFO : CN_LOG_WARN;
	if (o->server == NULL)
		o->server = AGENT_DEFAULT_SERVER;
	if (o->state_dir == NULL)
		o->state_dir = AGENT_DEFAULT_STATE;
	return 0;
}

static void opt_line(FILE *f, const struct optdef *d)
{
	char head[64];

	if (d->short_name)
		snprintf(head, sizeof(head), "-%c, --%s%s%s", d->short_name, d->name,
		    d->arg ? " " : "", d->arg ? d->arg : "");
	else
		snprintf(head, sizeof(head), "    --%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
	if (strlen(head) <= 26)
		fprintf(f, "  %-26s %s\n", head, d->help);
	else
		fprintf(f, "  %s\n  %-26s %s\n", head, "", d->help);
}

static const char exit_help[] =
    "Exit status: 0 done (renew: something was renewed), 1 failed,\n"
    "2 renew: nothing was due, 64 usage error.\n";

void agent_opts_help(FILE *f, enum agent_cmd cmd)
{
	size_t i;

	if (cmd == AGENT_CMD_NONE || cmd == AGENT_CMD_HELP || cmd == AGENT_CMD_VERSION) {
		fprintf(f, "usage: cairn COMMAND [options]\n\nCommands:\n");
		for (i = 0; i < N_CMDDEFS; i++)
			fprintf(f, "  %-52s %s\n", cmddefs[i].synopsis, cmddefs[i].help);
		fprintf(f, "\nGlobal options:\n");
		for (i = 0; i < N_OPTDEFS; i++)
			if ((optdefs[i].cmds & C_ALL) == C_ALL)
				opt_line(f, &optdefs[i]);
		fprintf(f, "\nRun `cairn help COMMAND` for a command's options.\n%s", exit_help);
		return;
	}
	for (i = 0; i < N_CMDDEFS; i++)
		if (cmddefs[i].cmd == cmd)
			fprintf(f, "usage: cairn %s\n  %s\n\nOptions:\n", cmddefs[i].synopsis, cmddefs[i].help);
	for (i = 0; i < N_OPTDEFS; i++)
		if (optdefs[i].cmds & (1u << cmd))
			opt_line(f, &optdefs[i]);
	fprintf(f, "\n%s", exit_help);
}

/* Writes s with roff's special characters escaped. */
static void roff_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

void agent_opts_roff(FILE *f)
{
	size_t i, j;

	fputs(".SH OPTIONS\n", f);
	for (i = 0; i < N_OPTDEFS; i++) {
		const struct optdef *d = &optdefs[i];
		bool first = true;

		fputs(".TP\n", f);
		if (d->short_name)
			fprintf(f, "\\fB\\-%c\\fR, ", d->short_name);
		fputs("\\fB\\-\\-", f);
		roff_text(f, d->name);
		fputs("\\fR", f);
		if (d->arg) {
			fputs(" \\fI", f);
			roff_text(f, d->arg);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		roff_text(f, d->help);
		fputs(" (", f);
		for (j = 0; j < N_CMDDEFS; j++) {
			if (d->cmds & (1u << cmddefs[j].cmd)) {
				fprintf(f, "%s%s", first ? "" : ", ", cmddefs[j].name);
				first = false;
			}
		}
		fputs(")\n", f);
	}
	fputs(".SH EXIT STATUS\n.TP\n0\nsuccess; for \\fBrenew\\fR, at least one certificate was renewed\n"
	      ".TP\n1\nan operation failed (the previous certificate, if any, is left in place)\n"
	      ".TP\n2\n\\fBrenew\\fR: no certificate was due\n"
	      ".TP\n64\nusage error\n", f);
}
