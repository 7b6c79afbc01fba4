/*
 * jws.h - JSON Web Signatures as ACME uses them (RFC 8555 section 6.2):
 * flattened JSON serialization only (RFC 7515 section 7.2.2), one signature,
 * protected header only, algorithms RS256, ES256, ES384, ES512 (RFC 7518
 * section 3) and EdDSA with Ed25519 (RFC 8037 section 3.1); and the HS256
 * External Account Binding JWS (RFC 8555 section 7.3.4).
 */
#ifndef CN_JOSE_JWS_H
#define CN_JOSE_JWS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "err.h"

enum cn_jws_alg { CN_JWS_RS256, CN_JWS_ES256, CN_JWS_ES384, CN_JWS_ES512, CN_JWS_EDDSA, CN_JWS_ALG_MAX };

/* For the badSignatureAlgorithm "algorithms" list (RFC 8555 section 6.2). */
#define CN_JWS_ALGORITHMS "RS256 ES256 ES384 ES512 EdDSA"
#define CN_MAX_JWS_BODY (64 * 1024)

struct cn_jws {
	json_t *protected_hdr;  /* owned: the decoded protected header object */
	enum cn_jws_alg alg;
	const json_t *jwk;      /* borrowed from protected_hdr, or NULL */
	const char *kid;        /* borrowed, or NULL */
	const char *nonce;      /* borrowed, or NULL */
	const char *url;        /* borrowed, or NULL */
	unsigned char *payload; /* owned, decoded, NUL-terminated; "" when POST-as-GET */
	size_t payload_len;
	json_t *payload_json;   /* owned: the payload parsed (an object), NULL when POST-as-GET */
	bool post_as_get;       /* payload member was the empty string */
	char *signing_input;    /* owned: ASCII(protected_b64 "." payload_b64) */
	size_t signing_input_len;
	unsigned char *sig;     /* owned, decoded signature */
	size_t sig_len;
};

/*
 * Parses a flattened JSON JWS. The body must be a JSON object with exactly
 * "protected", "payload" and "signature", all strings (an unprotected
 * "header" or general-serialization "signatures" is refused, RFC 8555 6.2);
 * duplicate members are refused, in the body and in the protected header;
 * base64url is strict (no padding, canonical). The protected header must be
 * a JSON object with "alg": "none", HS256/384/512 and unknown algs are
 * CN_ERR_BAD_SIG_ALG ("Ed25519", RFC 9864's name for EdDSA with Ed25519, is
 * taken as CN_JWS_EDDSA). "jwk" (an object) and "kid" (a string): exactly
 * one of them, else CN_ERR_MALFORMED. "nonce" and "url" are optional here
 * but must be strings; the caller checks them. "b64" (RFC 7797) and "crit"
 * are refused. The payload must decode to a JSON object or be empty
 * (POST-as-GET). The signature must not be empty. A body over
 * CN_MAX_JWS_BODY is CN_ERR_TOO_BIG. Other failures are CN_ERR_MALFORMED.
 * Every failure sets a detail (cn_err_detail). *out: free with cn_jws_free.
 */
int cn_jws_parse(const void *body, size_t len, struct cn_jws **out) CN_WUR;

/*
 * Verifies the signature with key. The alg must fit the key (ES256 only with
 * P-256, ES384 with P-384, ES512 with P-521, RS256 with RSA, EdDSA with
 * Ed25519), else CN_ERR_BAD_SIG_ALG. ES signatures must be exactly the fixed
 * R||S length (RFC 7518 3.4). A wrong signature is CN_ERR_BAD_SIG.
 */
int cn_jws_verify(const struct cn_jws *jws, EVP_PKEY *key) CN_WUR;

void cn_jws_free(struct cn_jws *jws);

/* The alg a key signs with (ES256 for P-256, ...); CN_ERR_BAD_KEY otherwise. */
int cn_jws_alg_for_key(EVP_PKEY *key, enum cn_jws_alg *out) CN_WUR;

/* "ES256", ...; "?" for a value out of range. Static string. */
const char *cn_jws_alg_name(enum cn_jws_alg alg);

/*
 * Signs an ACME request (flattened JSON) with the protected header
 * {"alg", "jwk" or "kid", "nonce", "url"}. kid == NULL embeds the public jwk
 * instead. nonce == NULL leaves "nonce" out (the inner JWS of a key change,
 * RFC 8555 7.3.5). url is required. payload == NULL means POST-as-GET (empty
 * payload); otherwise it is signed as given (the caller passes JSON). ES
 * signatures are emitted as fixed-length R||S. *out: heap JSON string,
 * caller frees. CN_ERR_BAD_KEY for an unsupported key, CN_ERR_CRYPTO when
 * signing fails, CN_ERR_INTERNAL when url is NULL.
 */
int cn_jws_sign(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
    const char *payload, char **out) CN_WUR;

/*
 * External Account Binding (RFC 8555 7.3.4): an HS256 JWS over the account
 * JWK (payload: its compact JSON) with protected {alg: HS256, kid: eab_kid,
 * url}. hmac_key is the decoded MAC key (not empty). *out: new reference to
 * the JWS object {"protected","payload","signature"} to put in the
 * newAccount payload as "externalAccountBinding".
 */
int cn_jws_eab_sign(const unsigned char *hmac_key, size_t key_len, const char *eab_kid,
    const char *url, const json_t *account_jwk, json_t **out) CN_WUR;

/*
 * Verifies an EAB JWS object (the "externalAccountBinding" member, already a
 * json_t): exactly "protected", "payload", "signature"; protected has alg
 * HS256 (others CN_ERR_MALFORMED), a non-empty string kid, no nonce, no
 * crit/b64 and url equal to `url`. lookup_key(ctx, kid, &key, &key_len)
 * returns 0 with a heap key (wiped and freed here) or a negative CN_ERR_* that
 * is returned unchanged (say CN_ERR_UNAUTHORIZED for an unknown kid). The MAC
 * is compared in constant time. The payload must be a public JWK whose
 * canonical form (cn_jwk_canonical) equals account_jwk's.
 * Errors: CN_ERR_MALFORMED for a badly formed EAB; CN_ERR_UNAUTHORIZED for a
 * url mismatch, a wrong MAC or a payload that is another key; CN_ERR_BAD_KEY
 * if the payload is not an acceptable public JWK. *kid_out: heap copy of kid.
 */
int cn_jws_eab_verify(const json_t *eab, const char *url, const json_t *account_jwk,
    int (*lookup_key)(void *ctx, const char *kid, unsigned char **key, size_t *key_len), void *ctx,
    char **kid_out) CN_WUR;

#endif
