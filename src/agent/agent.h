/*
 * agent.h - what cairn's commands share: the run context (options, state
 * directory, signer, ACME sessions), per-certificate settings, account
 * handling, issuance and the renewal decision.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "acme.h"
#include "certinfo.h"
#include "err.h"
#include "opts.h"
#include "signer.h"
#include "state.h"

#define AGENT_MAX_SESSIONS 8
#define AGENT_ARI_MIN_RECHECK 60        /* RFC 9773 4.3.2: clamp Retry-After to */
#define AGENT_ARI_MAX_RECHECK 86400     /* one minute .. one day */
#define AGENT_ARI_ERROR_RECHECK 21600   /* 4.3.3: six hours after a long-term error */
#define AGENT_ARI_NONE_RECHECK 86400    /* a CA without renewalInfo: its directory again after a day */
#define AGENT_FAIL_BACKOFF_MIN 300      /* first retry after a failed renewal */
#define AGENT_FAIL_BACKOFF_MAX 86400

struct agent_session {
	char *server;
	char *ca_bundle;
	struct agent_acme *acme;
	bool have_account;
};

struct agent_ctx {
	const struct agent_opts *o;
	struct agent_state st;
	struct agent_signer *signer;  /* started by the first agent_session_get() */
	bool want_signer;
	struct agent_session sessions[AGENT_MAX_SESSIONS];
	size_t n_sessions;
	const struct agent_acme *key_loaded_for; /* whose account key the signer holds */
};

/*
 * Opens the state directory. With need_signer, the signer is forked by the
 * first agent_session_get() (before that session's first request), so a
 * run that never contacts a CA never starts it.
 */
int agent_ctx_init(struct agent_ctx *ctx, const struct agent_opts *o, bool need_signer) CN_WUR;
/* Forgets the ACME sessions (the daemon refetches directories each pass). */
void agent_ctx_drop_sessions(struct agent_ctx *ctx);
void agent_ctx_cleanup(struct agent_ctx *ctx);

/* Everything `renew` needs, recorded in settings.json at issue time. */
struct agent_cert_cfg {
	char *name;
	char *server;
	char *ca_bundle;   /* absolute, or NULL */
	char **idents;     /* as given; empty in CSR mode */
	size_t n_idents;
	char *key_type;
	char *csr;         /* absolute path, or NULL */
	char *profile;
	char *challenge;
	char *webroot;
	char *standalone;
	char *tls_alpn;
	char *dns_hook;
	char *dns_update;
	char *tsig_key;
	long dns_wait_s;
	char *deploy_hook;
	char *preferred_chain;
	char *account_key_type;
	long timeout_s;
};

int agent_cert_cfg_from_opts(const struct agent_opts *o, struct agent_cert_cfg *c) CN_WUR;
int agent_cert_cfg_from_json(const json_t *j, struct agent_cert_cfg *c) CN_WUR;
json_t *agent_cert_cfg_to_json(const struct agent_cert_cfg *c);
void agent_cert_cfg_cleanup(struct agent_cert_cfg *c);

/* Account options from the command line (borrowed). */
struct agent_account_opts {
	const char *const *contact;
	size_t n_contact;
	bool agree_tos;
	const char *eab_kid;
	const char *eab_hmac_key;
	const char *key_type;
};
void agent_account_opts_from(const struct agent_opts *o, struct agent_account_opts *ao);

/*
 * The session for a server (opened on first use, directory fetched; the
 * signer is started first if it is not running yet). With
 * need_account, loads the account key in the signer and finds the account
 * URL, registering a new account when may_register (else failing with a
 * hint to run `cairn account register`).
 */
int agent_session_get(struct agent_ctx *ctx, const char *server, const char *ca_bundle,
    bool need_account, const struct agent_account_opts *ao, bool may_register,
    struct agent_acme **out) CN_WUR;

/* Loads the account for a (key in the signer, URL from account.json or newAccount). */
int agent_account_open(struct agent_ctx *ctx, struct agent_acme *a,
    const struct agent_account_opts *ao, bool may_register, bool *created) CN_WUR;

/* Issues (or renews) the certificate cfg describes, and installs it. */
struct agent_issue_in {
	const struct agent_cert_cfg *cfg;
	const char *action;       /* "issue" or "renew" (for the hook) */
	const char *replaces;     /* RFC 9773 id of the predecessor, or NULL */
	const struct agent_account_opts *acct;
	bool may_register;
};
int agent_issue_run(struct agent_ctx *ctx, const struct agent_issue_in *in) CN_WUR;

/* Renewal decision for an installed certificate. */
struct agent_due {
	bool due;
	int64_t when;       /* when it becomes due (<= now when due) */
	int64_t recheck;    /* when to look again (ARI Retry-After, backoff) */
	char why[160];
};

/*
 * Decides whether NAME is due at now: by ARI (RFC 9773) when status holds
 * a window for ci (the time chosen in it), else when a third of the
 * lifetime remains. With a not NULL and agent_ari_needs_fetch() true, first
 * fetches renewalInfo into status (window, chosen time, next check; for
 * the caller to save); with a NULL, or while the stored answer is fresh,
 * makes no request. Failed attempts back off (status "failures").
 */
int agent_renew_check(struct agent_acme *a, const struct agent_certinfo *ci,
    json_t *status, int64_t now, struct agent_due *d) CN_WUR;

/*
 * Whether deciding for ci at now needs the CA: true when ci has an ARI id,
 * has not expired, and status holds no answer for it whose recheck time
 * (the clamped Retry-After, RFC 9773 4.3.2) is still ahead.
 */
bool agent_ari_needs_fetch(const struct agent_certinfo *ci, const json_t *status, int64_t now);

/*
 * Fetches renewalInfo for ci into status (after issuance, RFC 9773 4.3).
 * A CA without renewalInfo is recorded as such (no window; recheck after
 * AGENT_ARI_NONE_RECHECK) and gives 0. CN_ERR_NOT_FOUND when ci has no ARI
 * id; a failed fetch records a recheck time and returns its error.
 */
int agent_ari_refresh(struct agent_acme *a, const struct agent_certinfo *ci,
    json_t *status, int64_t now) CN_WUR;

/* Runs renew for one certificate: 0 renewed, 1 failed, 2 not due. */
int agent_renew_one(struct agent_ctx *ctx, const char *name, bool force, int64_t *next_check);

/* Commands: each returns an exit code (AGENT_EXIT_*). */
int agent_cmd_account(struct agent_ctx *ctx);
int agent_cmd_issue(struct agent_ctx *ctx);
int agent_cmd_renew(struct agent_ctx *ctx);
int agent_cmd_revoke(struct agent_ctx *ctx);
int agent_cmd_list(struct agent_ctx *ctx);
int agent_cmd_daemon(struct agent_ctx *ctx);

/* Prints "cairn: what: detail" for the last error. */
void agent_report(const char *what, int code);

#endif
