/*
 * jwk.h - JSON Web Keys (RFC 7517) for the keys ACME accounts use: EC P-256,
 * P-384, P-521 (RFC 7518 section 6.2), RSA (section 6.3) and OKP Ed25519
 * (RFC 8037 section 2); public keys only. JWK thumbprints (RFC 7638) for key
 * authorizations (RFC 8555 section 8.1).
 *
 * Left out: private JWKs, "oct" keys, Ed448/X25519/X448, secp256k1,
 * RSA-PSS-only keys, "x5c"/"x5u" certificate members (ignored).
 */
#ifndef CN_JOSE_JWK_H
#define CN_JOSE_JWK_H

#include <jansson.h>
#include <openssl/evp.h>

#include "err.h"

#define CN_JWK_THUMBPRINT_LEN 43 /* base64url of SHA-256, no padding */
#define CN_JWK_RSA_MIN_BITS 2048
#define CN_JWK_RSA_MAX_BITS 8192

/*
 * Public key from a JWK object: kty EC (crv P-256, P-384, P-521, x and y of
 * the full coordinate size, a valid point), RSA (n, e as minimal
 * Base64urlUInt, RFC 7518 section 2; n odd, 2048..8192 bits; e odd,
 * 65537 <= e < 2^256 as SP 800-56B asks), OKP (crv Ed25519, x of 32 bytes). Members other than the required ones are ignored, except private
 * members ("d", "p", "q", "dp", "dq", "qi", "oth", "k") which are refused.
 * Every refusal is CN_ERR_BAD_KEY with a detail (cn_err_detail). Built with
 * EVP_PKEY_fromdata. *out is a new key; caller EVP_PKEY_free's.
 */
int cn_jwk_to_pkey(const json_t *jwk, EVP_PKEY **out) CN_WUR;

/*
 * Public JWK of a key (EC P-256/384/521, RSA of any size, Ed25519) with only
 * the required members. *out is a new reference (caller json_decref's).
 * CN_ERR_BAD_KEY for other key types, CN_ERR_CRYPTO if OpenSSL fails.
 */
int cn_jwk_from_pkey(EVP_PKEY *pkey, json_t **out) CN_WUR;

/*
 * RFC 7638 SHA-256 thumbprint, base64url: out gets CN_JWK_THUMBPRINT_LEN
 * chars + NUL. Errors as cn_jwk_canonical.
 */
int cn_jwk_thumbprint(const json_t *jwk, char out[CN_JWK_THUMBPRINT_LEN + 1]) CN_WUR;

/*
 * Canonical compact JSON of only the required public members, sorted by
 * name, no whitespace (RFC 7638 section 3.2/3.3, the thumbprint input):
 * EC {crv,kty,x,y}, RSA {e,kty,n}, OKP {crv,kty,x}. The member values are
 * taken as they are (not decoded). CN_ERR_BAD_KEY when kty is not one of
 * these or a required member is missing or not a string. *out is a heap
 * string; caller frees.
 */
int cn_jwk_canonical(const json_t *jwk, char **out) CN_WUR;

#endif
