/*
 * signer.h - the only part of cairn that reads private keys.
 *
 * agent_signer_start() forks a process that holds the account key(s) and
 * the certificate key and answers small, typed, length-capped requests over
 * a socketpair: load or create a key, sign a JWS, build a CSR. The network
 * side (HTTP, JSON, PEM from the CA) never has a private key in its memory,
 * as in OpenBSD acme-client's keyproc. The signer only touches key files
 * under the state directory, by relative paths it checks against an
 * allow-list (accounts/ID/NAME.key, archive/NAME/V/privkey.pem).
 *
 * The calls below are the client side, used by the network process; each
 * returns 0 or a CN_ERR_* code with the signer's error detail.
 */
#ifndef AGENT_SIGNER_H
#define AGENT_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"

#define AGENT_SIGNER_MAX_MSG (256 * 1024) /* largest request or reply */
#define AGENT_SIGNER_MAX_FIELDS 2100      /* CSR: up to 1000 dns + 1000 ips */

enum agent_key_slot {
	AGENT_SLOT_ACCOUNT,     /* the account key */
	AGENT_SLOT_NEW_ACCOUNT, /* the replacement during a key rollover */
	AGENT_SLOT_CERT,        /* the certificate key */
	AGENT_SLOT_MAX
};

struct agent_signer;

/*
 * Forks the signer, which serves key files under state_dir (absolute).
 * Must be called before any thread is started.
 */
int agent_signer_start(const char *state_dir, struct agent_signer **out) CN_WUR;
/* Closes the channel and reaps the signer; NULL-safe. */
void agent_signer_stop(struct agent_signer *s);
/* The signer's process id (for tests). */
pid_t agent_signer_pid(const struct agent_signer *s);

/*
 * Puts a key into slot: with key_type NULL, loads the key file at relpath
 * (CN_ERR_NOT_FOUND when absent); with fresh, generates a new key of
 * key_type and saves it at relpath (0600, atomic); otherwise loads it and,
 * when absent, generates and saves one. Returns the public JWK (caller
 * json_decref's; may pass NULL) and its RFC 7638 thumbprint (may be NULL).
 */
int agent_signer_load_key(struct agent_signer *s, enum agent_key_slot slot,
    const char *relpath, const char *key_type, bool fresh, json_t **jwk,
    char thumbprint[44]) CN_WUR;

/*
 * Signs an ACME JWS with the key in slot (RFC 8555 section 6.2): kid NULL
 * embeds the JWK, nonce NULL leaves it out, payload NULL is POST-as-GET.
 * *out: heap JSON (caller frees).
 */
int agent_signer_jws(struct agent_signer *s, enum agent_key_slot slot,
    const char *kid, const char *nonce, const char *url, const char *payload,
    char **out) CN_WUR;

/* A CSR (DER, caller frees) signed by the key in slot. */
int agent_signer_csr(struct agent_signer *s, enum agent_key_slot slot,
    const char *const *dns, size_t n_dns, const char *const *ips, size_t n_ips,
    unsigned char **der, size_t *der_len) CN_WUR;

/* Checks that relpath is one the signer accepts (exported for tests). */
bool agent_signer_path_ok(const char *relpath);

#endif
