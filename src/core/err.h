/*
 * err.h - the one error convention of cairn.
 *
 * A function that can fail returns 0 or a negative CN_ERR_* code. Each code
 * maps, in one table (err.c), to a short text, an RFC 8555 section 6.7 problem
 * type and an HTTP status, so that the ACME layer can turn any failure into a
 * problem document and main() into a one-line message.
 *
 * Detail: cn_err_set() records a human-readable detail for the current thread
 * (like OpenSSL's error queue, but one slot) and returns the code, so a check
 * deep in core can explain itself ("CSR is missing identifier x") while the
 * callers pass the code up silently. The edge reads it with cn_err_detail().
 */
#ifndef CN_ERR_H
#define CN_ERR_H

#include <stddef.h>

#define CN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CN_WUR __attribute__((warn_unused_result))

enum cn_err {
	CN_OK = 0,
	CN_ERR_INTERNAL = -1,          /* serverInternal, 500 */
	CN_ERR_TOO_BIG = -2,           /* a bounded buffer or input limit was hit */
	CN_ERR_MALFORMED = -3,         /* malformed, 400 */
	CN_ERR_BAD_SIG_ALG = -4,       /* badSignatureAlgorithm, 400 */
	CN_ERR_BAD_SIG = -5,           /* malformed (signature does not verify) */
	CN_ERR_BAD_NONCE = -6,         /* badNonce, 400 */
	CN_ERR_BAD_CSR = -7,           /* badCSR, 400 */
	CN_ERR_BAD_KEY = -8,           /* badPublicKey, 400 */
	CN_ERR_UNAUTHORIZED = -9,      /* unauthorized, 403 */
	CN_ERR_NOT_FOUND = -10,        /* malformed, 404 */
	CN_ERR_ACCOUNT_DNE = -11,      /* accountDoesNotExist, 400 */
	CN_ERR_REJECTED_ID = -12,      /* rejectedIdentifier, 400 */
	CN_ERR_UNSUPPORTED_ID = -13,   /* unsupportedIdentifier, 400 */
	CN_ERR_ORDER_NOT_READY = -14,  /* orderNotReady, 403 */
	CN_ERR_INCORRECT_RESPONSE = -15, /* incorrectResponse, 403 */
	CN_ERR_CONNECTION = -16,       /* connection, 400 */
	CN_ERR_DNS = -17,              /* dns, 400 */
	CN_ERR_TLS = -18,              /* tls, 400 */
	CN_ERR_CAA = -19,              /* caa, 403 */
	CN_ERR_UNSUPPORTED_CONTACT = -20, /* unsupportedContact, 400 */
	CN_ERR_INVALID_CONTACT = -21,  /* invalidContact, 400 */
	CN_ERR_BAD_REVOCATION_REASON = -22, /* badRevocationReason, 400 */
	CN_ERR_ALREADY_REVOKED = -23,  /* alreadyRevoked, 400 */
	CN_ERR_CONFLICT = -24,         /* malformed, 409 */
	CN_ERR_RATE_LIMITED = -25,     /* rateLimited, 429 */
	CN_ERR_USER_ACTION = -26,      /* userActionRequired, 403 */
	CN_ERR_METHOD = -27,           /* malformed, 405 */
	CN_ERR_MEDIA_TYPE = -28,       /* malformed, 415 */
	CN_ERR_IO = -29,               /* serverInternal: file or socket I/O */
	CN_ERR_STORE = -30,            /* serverInternal: the store failed */
	CN_ERR_CRYPTO = -31,           /* serverInternal: OpenSSL failed */
	CN_ERR_TIMEOUT = -32,          /* connection: a network deadline passed */
	CN_ERR_USAGE = -33,            /* bad command line or configuration */
	CN_ERR_EXTERNAL_ACCOUNT = -34, /* externalAccountRequired, 400 */
	CN_ERR_ACCOUNT_DEACTIVATED = -35, /* unauthorized, 401 */
	CN_ERR_BAD_REQUEST = -36,      /* malformed, 400 (plain HTTP errors) */
	CN_ERR_ALREADY_REPLACED = -37, /* alreadyReplaced (RFC 9773 section 7.4), 409 */
	CN_ERR_INVALID_PROFILE = -38,  /* invalidProfile (draft-ietf-acme-profiles 6.3), 400 */
	CN_ERR_MIN = -39
};

/* Short text for a code; never NULL. */
const char *cn_err_str(int code);
/* RFC 8555 problem type suffix ("malformed"), without the urn prefix. */
const char *cn_err_problem(int code);
/* HTTP status for a code. */
int cn_err_http_status(int code);

/* Records a detail for this thread and returns code. */
int cn_err_set(int code, const char *fmt, ...) CN_PRINTF(2, 3);
/* Records detail plus the first OpenSSL error, drains OpenSSL's queue. */
int cn_err_openssl(int code, const char *what);
/* The detail last recorded on this thread, or "" (borrowed). */
const char *cn_err_detail(void);
/* Forgets the recorded detail. */
void cn_err_clear(void);

#endif
