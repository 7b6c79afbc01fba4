/*
 * load.h - what the files of bench/acme-load share: options, latency
 * samples, the http-01 responder and the subscriber driver.
 *
 * acme-load is a load generator for any ACME (RFC 8555) server: N simulated
 * subscribers, each with its own account, run the whole issuance flow
 * (section 7.4: newOrder, authorizations, http-01 challenges answered by
 * our own responder (section 8.3), finalize, certificate download) again and
 * again. It is a measuring instrument, not a client: it checks only what it
 * needs to go on, and counts every failure by its problem type.
 */
#ifndef BL_LOAD_H
#define BL_LOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "err.h"

#define BL_MAX_NAMES 100
#define BL_MAX_THREADS 8

struct bl_opts {
	const char *directory;    /* ACME directory URL */
	const char *ca_bundle;    /* PEM trust anchors of the ACME server's TLS */
	const char *suffix;       /* names are RANDOM.suffix */
	int concurrency;          /* subscribers */
	int threads;              /* driver threads (curl multi handles) */
	int names;                /* identifiers per order */
	int http01_port;          /* our responder listens on 127.0.0.1:port */
	double duration_s;        /* measured window */
	double warmup_s;          /* unmeasured issuance before the window */
	double stall_s;           /* no issuance for this long = a hang */
	int poll_ms;              /* poll interval */
	double rate;              /* most new orders a second, all subscribers (0: no limit) */
	bool honor_retry_after;   /* wait max(poll_ms, Retry-After) */
	int key_pool;             /* pre-generated certificate keys */
	long server_pid;          /* 0: no server sampling */
	int verbose;
	int req_timeout_ms;
};

/* Steps whose latency is measured (milliseconds). */
enum bl_step {
	BL_NEW_ORDER,     /* newOrder request */
	BL_AUTHZ,         /* POST-as-GET of an authorization */
	BL_CHALLENGE,     /* POST {} to the challenge */
	BL_VALIDATION,    /* challenge POST until the authorization is valid */
	BL_FINALIZE_POST, /* the finalize request itself */
	BL_FINALIZE,      /* finalize request until the order is valid */
	BL_CERT,          /* certificate download */
	BL_ISSUANCE,      /* newOrder until the chain is downloaded */
	BL_REQUEST,       /* every HTTP request */
	BL_STEP_MAX
};
const char *bl_step_name(enum bl_step s);

/* A growable array of samples. */
struct bl_samples {
	double *v;
	size_t n, cap;
};
void bl_samples_add(struct bl_samples *s, double v);
void bl_samples_merge(struct bl_samples *dst, const struct bl_samples *src);
/* p in [0,1] of the samples (sorts them); 0 when empty. */
double bl_samples_pct(struct bl_samples *s, double p);
void bl_samples_free(struct bl_samples *s);

/* Error counts by name ("urn:...:badNonce", "http-500", "curl-...", ...). */
#define BL_MAX_ERR_KINDS 64
struct bl_errors {
	char name[BL_MAX_ERR_KINDS][96];
	uint64_t count[BL_MAX_ERR_KINDS];
	size_t n;
	uint64_t total;
};
void bl_errors_add(struct bl_errors *e, const char *name);
void bl_errors_merge(struct bl_errors *dst, const struct bl_errors *src);

/* Milliseconds on the monotonic clock. */
double bl_now_ms(void);

/* ---- the http-01 responder (load-http01.c) */
struct bl_responder;
/* Listens on 127.0.0.1:port and serves /.well-known/acme-challenge/TOKEN
 * from its table in its own thread. */
int bl_responder_start(int port, struct bl_responder **out) CN_WUR;
/* Adds token -> key authorization (copied). Thread-safe. */
void bl_responder_put(struct bl_responder *r, const char *token, const char *key_auth);
void bl_responder_del(struct bl_responder *r, const char *token);
/* Requests served (200) and refused (404 or malformed). */
void bl_responder_counts(struct bl_responder *r, uint64_t *served, uint64_t *refused);
void bl_responder_stop(struct bl_responder *r);

/* ---- certificate keys and CSRs (load-csr.c) */
struct bl_cert_key {
	EVP_PKEY *key;            /* P-256 */
	unsigned char *spki;      /* its SubjectPublicKeyInfo DER */
	size_t spki_len;
};
/* Encodes k->spki from k->key. */
int bl_cert_key_init(struct bl_cert_key *k) CN_WUR;
/* Frees the key and its encoding. */
void bl_cert_key_cleanup(struct bl_cert_key *k);
/* A CSR for the DNS names, signed with k (ES256). *der: caller frees. */
int bl_csr_der(const struct bl_cert_key *k, const char *const *names, size_t n,
    unsigned char **der, size_t *der_len) CN_WUR;

/* ---- the subscribers (load-flow.c) */
struct bl_directory {
	char *new_nonce;
	char *new_account;
	char *new_order;
};

/* What all driver threads share. */
struct bl_shared {
	const struct bl_opts *opts;
	struct bl_directory dir;
	struct bl_responder *responder;
	struct bl_cert_key *cert_keys; /* opts->key_pool keys, shared read-only */
	atomic_uint_fast64_t key_next;
	/* Phase, set by the main thread: */
	atomic_int phase;         /* BL_PHASE_* */
	_Atomic double window_start_ms, window_end_ms;
	atomic_uint_fast64_t completed;      /* issuances, any phase */
	atomic_uint_fast64_t accounts_ready;
	atomic_int setup_failed;
	pthread_mutex_t rate_mu;  /* --rate: the next free start slot */
	double next_start_ms;
};

enum { BL_PHASE_SETUP, BL_PHASE_RUN, BL_PHASE_STOP };

/* One driver thread's subscribers and its results. */
struct bl_driver {
	struct bl_shared *sh;
	int first_sub, n_subs;
	pthread_t thread;
	/* results, merged by main after join */
	struct bl_samples lat[BL_STEP_MAX];
	struct bl_errors errors;
	uint64_t issued;          /* completed inside the window */
	uint64_t requests;        /* HTTP requests inside the window */
	uint64_t connects;        /* new connections they needed */
	uint64_t bad_nonce_retries;
	uint64_t polls;
	double oldest_request_ms; /* age of the oldest request in flight at the stop */
};

/* Thread body: creates its subscribers' accounts, then runs the flow
 * until the phase is BL_PHASE_STOP. */
void *bl_driver_main(void *arg);

/* Fetches the directory (blocking, one easy handle). */
int bl_directory_fetch(const struct bl_opts *o, struct bl_directory *d) CN_WUR;
void bl_directory_cleanup(struct bl_directory *d);

#endif
