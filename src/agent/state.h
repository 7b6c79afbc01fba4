/*
 * state.h - cairn's state directory.
 *
 *   STATE/lock                          flock(2) taken by every writer
 *   STATE/accounts/ID/account.key       account key (0600; only the signer reads it)
 *   STATE/accounts/ID/account.json      server URL, account URL, contact
 *   STATE/certs/NAME                    symlink -> ../archive/NAME/N (the live version)
 *   STATE/archive/NAME/N/               cert.pem chain.pem fullchain.pem privkey.pem
 *                                       settings.json (everything renew needs)
 *   STATE/archive/NAME/status.json      renewal bookkeeping (ARI, failures, revocation)
 *   STATE/archive/NAME/.new-PID/        a version being built
 *
 * So STATE/certs/NAME/{cert.pem,chain.pem,fullchain.pem,privkey.pem} is what
 * web servers point to. A new version is built in .new-PID (each file
 * written atomically: temp, fsync, rename), renamed to N, and made live by
 * renaming a new symlink over certs/NAME; each rename is followed by an
 * fsync of its directory. A crash at any point leaves the previous version
 * live and whole. The last AGENT_KEEP_VERSIONS versions are kept.
 */
#ifndef AGENT_STATE_H
#define AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"

#define AGENT_KEEP_VERSIONS 5
#define AGENT_MAX_STATE_FILE (1024 * 1024)
#define AGENT_CERTNAME_MAX 200

struct agent_state {
	char *dir; /* absolute, no trailing slash */
	int lock_fd;
};

/* Creates (0700) and opens the state directory. */
int agent_state_open(const char *dir, struct agent_state *st) CN_WUR;
void agent_state_close(struct agent_state *st);
/* Takes the exclusive lock; waits for it when wait, else CN_ERR_CONFLICT. */
int agent_state_lock(struct agent_state *st, bool wait) CN_WUR;
void agent_state_unlock(struct agent_state *st);

/* STATE "/" rel (heap). */
char *agent_state_path(const struct agent_state *st, const char *rel);

/* Directory name for a server's account: host_port_path, filesystem-safe (heap). */
char *agent_account_id(const char *server_url);
/* "accounts/ID/account.key" for the server (heap); creates accounts/ID. */
int agent_account_key_rel(const struct agent_state *st, const char *server_url,
    char **rel) CN_WUR;
/* account.json of the server; CN_ERR_NOT_FOUND when there is none. */
int agent_account_load(const struct agent_state *st, const char *server_url,
    json_t **out) CN_WUR;
int agent_account_save(const struct agent_state *st, const char *server_url,
    const json_t *acct) CN_WUR;

/* Certificate names: 1..AGENT_CERTNAME_MAX of [A-Za-z0-9._-], not starting with '.'. */
bool agent_certname_ok(const char *name);
/* The default name for a first identifier ("*.a.b" -> "_.a.b"; heap). */
char *agent_certname_default(const char *ident);
/* Whether certs/NAME exists (is live). */
bool agent_cert_exists(const struct agent_state *st, const char *name);
/* Reads certs/NAME/file (heap, NUL-terminated). CN_ERR_NOT_FOUND. */
int agent_cert_read(const struct agent_state *st, const char *name,
    const char *file, char **data, size_t *len) CN_WUR;
/* Live certificate names, sorted (caller frees each and the array). */
int agent_cert_names(const struct agent_state *st, char ***names, size_t *n) CN_WUR;
/* The live version number of NAME, 0 when none. */
unsigned agent_cert_version(const struct agent_state *st, const char *name);
/* archive/NAME/status.json; an empty object when absent. */
int agent_cert_status_load(const struct agent_state *st, const char *name,
    json_t **out) CN_WUR;
int agent_cert_status_save(const struct agent_state *st, const char *name,
    const json_t *status) CN_WUR;

struct agent_stage {
	char *name; /* certificate name */
	char *rel;  /* archive/NAME/.new-PID */
	char *abs;  /* STATE/archive/NAME/.new-PID */
};

/* Makes a fresh staging directory (removing leftovers of crashed runs). */
int agent_stage_begin(const struct agent_state *st, const char *name,
    struct agent_stage *sg) CN_WUR;
/* Writes one file of the new version atomically. */
int agent_stage_write(const struct agent_stage *sg, const char *file,
    const void *data, size_t len, mode_t mode) CN_WUR;
/* Makes the staged version live; *version gets its number. */
int agent_stage_commit(const struct agent_state *st, struct agent_stage *sg,
    unsigned *version) CN_WUR;
/* Removes the staging directory (if still there) and frees sg; NULL-safe. */
void agent_stage_abort(struct agent_stage *sg);

#endif
