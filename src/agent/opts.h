/*
 * opts.h - the command line of cairn: one table of options (opts.c) that
 * drives parsing, `cairn --help` and the OPTIONS section of cairn(1)
 * (`cairn help --roff` prints it; tests/unit/agent/test_opts.c checks that
 * docs/cairn.1 carries exactly that text).
 */
#ifndef AGENT_OPTS_H
#define AGENT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* Exit codes (documented in --help and cairn(1)). */
#define AGENT_EXIT_CHANGED 0  /* success; for renew: something was renewed */
#define AGENT_EXIT_FAILED 1   /* an operation failed */
#define AGENT_EXIT_NOTHING 2  /* renew: nothing was due */
#define AGENT_EXIT_USAGE 64   /* bad command line */

#define AGENT_DEFAULT_SERVER "https://acme-v02.api.letsencrypt.org/directory"
#define AGENT_DEFAULT_STATE "/var/lib/cairn"
#define AGENT_MAX_LIST 100 /* most -d / --contact values */

enum agent_cmd {
	AGENT_CMD_NONE,
	AGENT_CMD_ACCOUNT,
	AGENT_CMD_ISSUE,
	AGENT_CMD_RENEW,
	AGENT_CMD_REVOKE,
	AGENT_CMD_LIST,
	AGENT_CMD_DAEMON,
	AGENT_CMD_HELP,
	AGENT_CMD_VERSION,
	AGENT_CMD_MAX
};

struct agent_opts {
	enum agent_cmd cmd;
	const char *sub; /* account: register|show|update|deactivate|rollover */
	/* global */
	const char *server;
	bool server_set;
	const char *ca_bundle;
	const char *state_dir;
	const char *contact[AGENT_MAX_LIST];
	size_t n_contact;
	bool agree_tos;
	const char *eab_kid;
	const char *eab_hmac_key;
	const char *account_key_type;
	int log_level;
	long timeout_s;
	/* issue */
	const char *domains[AGENT_MAX_LIST];
	size_t n_domains;
	const char *name;
	const char *key_type;
	const char *csr;
	const char *profile;
	const char *challenge;
	const char *webroot;
	const char *standalone;
	const char *tls_alpn;
	const char *dns_hook;
	const char *dns_update;
	const char *tsig_key;
	long dns_wait_s;
	const char *deploy_hook;
	const char *preferred_chain;
	/* renew, revoke, list, daemon */
	bool all;
	bool force;
	bool json;
	bool roff;
	const char *cert_file;
	const char *reason;
	long check_interval_s;
	bool once;
	/* positional arguments after the command (borrowed from argv) */
	const char *args[8];
	size_t n_args;
};

/*
 * Parses argv (options may come before or after the command) into o, which
 * borrows argv's strings. Errors: CN_ERR_USAGE with a detail.
 */
int agent_opts_parse(int argc, char **argv, struct agent_opts *o) CN_WUR;

/* Name of a command ("issue"), or "" for AGENT_CMD_NONE. */
const char *agent_cmd_name(enum agent_cmd c);

/* Prints usage; cmd AGENT_CMD_NONE prints the overview of every command. */
void agent_opts_help(FILE *f, enum agent_cmd cmd);

/* Prints the OPTIONS and EXIT STATUS sections of cairn(1) in roff. */
void agent_opts_roff(FILE *f);

#endif
