/*
 * solve/solve.h - challenge solvers (RFC 8555 section 8, RFC 8737).
 *
 * A solver publishes the response to one challenge (present) and removes
 * it again (cleanup). Solvers run in the network process and only ever see
 * key authorizations (token "." account-key thumbprint, section 8.1), never
 * a private key.
 *
 *   http-01     solve/http01.c       --webroot DIR, or --standalone [ADDR:]PORT
 *   dns-01      solve/dns01_hook.c   --dns-hook CMD
 *               solve/dns01_update.c --dns-update SERVER --tsig-key FILE
 *   tls-alpn-01 solve/tlsalpn01.c    --tls-alpn [ADDR:]PORT
 */
#ifndef AGENT_SOLVE_H
#define AGENT_SOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define AGENT_TOKEN_MAX 256

struct agent_chall {
	char *type;        /* "http-01", "dns-01", "tls-alpn-01" */
	char *ident_type;  /* "dns" or "ip" */
	char *ident;       /* identifier value (without "*." for wildcards) */
	bool wildcard;
	char *token;       /* base64url, checked */
	char *key_authz;   /* token "." thumbprint */
	char *dns_value;   /* dns-01: base64url(SHA-256(key_authz)) */
	char *url;         /* challenge URL */
	char *authz_url;
	bool presented;
};

struct agent_solver;

struct agent_solver_ops {
	const char *type;
	int (*present)(struct agent_solver *s, const struct agent_chall *c);
	int (*cleanup)(struct agent_solver *s, const struct agent_chall *c);
	/* called once after every present, before the CA is told to validate */
	int (*commit)(struct agent_solver *s);
	void (*free)(struct agent_solver *s);
};

struct agent_solver {
	const struct agent_solver_ops *ops;
	void *impl;
};

/* Settings a solver is made from (borrowed strings). */
struct agent_solver_cfg {
	const char *challenge; /* the type to use */
	const char *webroot;
	const char *standalone;
	const char *tls_alpn;
	const char *dns_hook;
	const char *dns_update;
	const char *tsig_key;
	long dns_wait_s;
};

/* Makes the solver the settings name (starting listeners). */
int agent_solver_new(const struct agent_solver_cfg *cfg, struct agent_solver **out) CN_WUR;
void agent_solver_free(struct agent_solver *s);

/* Builds key_authz (and dns_value) from token and thumbprint; checks the token. */
int agent_chall_prepare(struct agent_chall *c, const char *thumbprint) CN_WUR;
void agent_chall_cleanup(struct agent_chall *c);

/* Parses "[ADDR:]PORT" ("[v6]:PORT" too); addr defaults to "0.0.0.0"
 * (heap). */
int agent_parse_hostport(const char *s, char **addr, int *port) CN_WUR;
/* A listening TCP socket bound to addr:port (SO_REUSEADDR, non-blocking). */
int agent_listen_tcp(const char *addr, int port, int *fd) CN_WUR;

/* Constructors, one per file. */
int agent_http01_webroot_new(const char *dir, struct agent_solver **out) CN_WUR;
int agent_http01_standalone_new(const char *hostport, struct agent_solver **out) CN_WUR;
int agent_tlsalpn01_new(const char *hostport, struct agent_solver **out) CN_WUR;
int agent_dns01_hook_new(const char *cmd, long wait_s, struct agent_solver **out) CN_WUR;
int agent_dns01_update_new(const char *server, const char *tsig_key_file, long wait_s,
    struct agent_solver **out) CN_WUR;

/*
 * Parses a BIND key file ("key NAME { algorithm ALG; secret BASE64; };")
 * into heap strings. CN_ERR_USAGE when it does not have that shape.
 */
int agent_tsig_key_parse(const char *text, char **name, char **alg, char **secret) CN_WUR;

#endif
