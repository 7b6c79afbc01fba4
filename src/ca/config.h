/*
 * config.h - cairnd's configuration: one table (config.c) of every option
 * with its type, default, bounds and help. The same table drives command-line
 * parsing, the config file (`key = value` lines, keys are the option names),
 * --print-config and the documentation table in README and cairnd.conf.5.
 *
 * The configuration is built once in main() and then passed around as
 * `const struct ca_config *`; nothing reads the environment behind its back.
 */
#ifndef CA_CONFIG_H
#define CA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct ca_config {
	char *data_dir;
	char *listen;             /* HOST:PORT of the HTTPS ACME API */
	char *base_url;           /* external URL prefix; default https://LISTEN */
	char *http_listen;        /* HOST:PORT of the plain-HTTP listener (AIA, OCSP, CRLs) */
	char *http_base_url;      /* its external URL prefix; default http://HTTP_LISTEN */
	char *resolver;           /* HOST:PORT */
	char *trust_anchor;       /* DNSSEC trust anchor file or "" */
	int http01_port;
	int tlsalpn01_port;
	bool allow_private_targets;
	int64_t validity_s;       /* certificate lifetime */
	int64_t backdate_s;       /* notBefore is this far in the past (clock skew) */
	int workers;              /* validation/finalization worker threads */
	int http_threads;         /* HTTPS server threads */
	int64_t order_lifetime_s;
	int64_t authz_lifetime_s; /* pending authorization lifetime */
	int64_t valid_authz_lifetime_s; /* reuse window of a valid authorization */
	int64_t nonce_lifetime_s;
	int retry_after_s;        /* Retry-After on pending/processing resources */
	int validation_connect_timeout_ms;
	int validation_timeout_ms;
	int validation_max_body;
	int validation_max_redirects;
	int max_names;            /* identifiers per order */
	char *ca_key_type;        /* p256, p384, rsa2048, rsa3072, rsa4096 */
	char *api_names;          /* comma-separated names/IPs in the API TLS cert */
	char *tos_url;
	char *website;
	char *caa_identities;     /* comma-separated */
	int64_t caa_recheck_age_s; /* CAA again at finalization for older authorizations */
	char *public_suffix_list; /* path of the public suffix list */
	char *blocklist;          /* path of the operator's blocklist or "" */
	char *log_level;
	bool eab_required;
	/* rate limits (ratelimit.c, RFC 8555 section 6.6); a limit of 0 is off */
	int rate_orders;          /* new orders per account per window */
	int64_t rate_orders_window_s;
	int rate_certs_domain;    /* certificates per registered domain per window */
	int64_t rate_certs_domain_window_s;
	int rate_duplicates;      /* certificates for the same identifier set per window */
	int64_t rate_duplicates_window_s;
	int rate_failed;          /* invalid authorizations per account and identifier */
	int64_t rate_failed_window_s;
	int rate_accounts;        /* new accounts per client address (IPv6: /64) */
	int64_t rate_accounts_window_s;
	int rate_pending_authz;   /* pending authorizations per account */
	char *tos_version;        /* terms version accounts must have agreed to ("": any) */
	char *rate_exempt;        /* comma-separated CIDRs whose clients no limit applies to */
	/* revocation publishing (src/ca/revocation/) */
	int64_t ocsp_validity_s;  /* thisUpdate to nextUpdate of OCSP responses */
	int64_t ocsp_refresh_s;   /* responses older than this are signed again */
	int crl_shards;           /* CRL shards new certificates are spread over */
	int64_t crl_validity_s;   /* thisUpdate to nextUpdate of CRLs */
	int64_t crl_interval_s;   /* CRLs are signed again at least this often */
	int64_t revocation_poll_s; /* how often the refresher looks for work */
	/* protocol extensions (issue 4) */
	int challenge_attempts;   /* validation attempts before a challenge is invalid */
	int64_t challenge_retry_after_s; /* wait after a failed attempt */
	char *default_profile;    /* profile of orders that ask for none */
	int64_t profile_validity_s[3];    /* classic, tlsserver, shortlived */
	int64_t profile_authz_reuse_s[3];
	int profile_max_names[3];
	bool profile_ip[3];
	int64_t ari_retry_after_s;
	char *ari_explanation_url;
	char *alternate_chain;    /* "", "auto" or a PEM file */
	bool dns_account_01;
	bool dns_persist_01;
	bool dns_persist_01_jit;  /* validate dns-persist-01 when an authorization is created */
};

/* Fills c with the built-in defaults (heap strings; release with ca_config_cleanup). */
void ca_config_defaults(struct ca_config *c);
/*
 * Applies argv (after the program name). A `--config FILE` is read first,
 * wherever it appears, so flags override the file. Unknown options, bad
 * values and out-of-bounds numbers give CN_ERR_USAGE with a detail naming the
 * option (and file:line for the config file).
 * Sets *print_config when --print-config was given, *show_help for --help.
 */
int ca_config_parse_args(struct ca_config *c, int argc, char **argv, bool *print_config,
    bool *show_help) CN_WUR;
/* Checks cross-option consistency after parsing; CN_ERR_USAGE with detail. */
int ca_config_finish(struct ca_config *c) CN_WUR;
/* Writes every option as `key = value` with its help as a comment. */
void ca_config_print(const struct ca_config *c, FILE *f);
/* Writes the option table (for --help). */
void ca_config_usage(FILE *f);
/* Writes the option table as a Markdown table (README / docs). */
void ca_config_markdown(FILE *f);
void ca_config_cleanup(struct ca_config *c);

#endif
