/*
 * key.h - private key generation, PEM I/O and the CA's subscriber key
 * policy, shared by cairnd and the agent.
 *
 * PEM output is PKCS#8 ("BEGIN PRIVATE KEY", RFC 5958), unencrypted: files
 * are protected by their mode (0600). The key policy implements CA/B Forum
 * BR 6.1.5 and 6.1.6 as narrowed by cairn: RSA 2048..8192 bits (a multiple
 * of 8) with e = 65537, or ECDSA on P-256 / P-384 (BR also allows P-521;
 * cairn does not, like Let's Encrypt). Ed25519 is not allowed in WebPKI
 * certificates. Encrypted PEM input is refused, never prompted for.
 */
#ifndef CN_X509_KEY_H
#define CN_X509_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"

enum cn_key_type {
	CN_KEY_P256,
	CN_KEY_P384,
	CN_KEY_RSA2048,
	CN_KEY_RSA3072,
	CN_KEY_RSA4096,
	CN_KEY_ED25519,
	CN_KEY_TYPE_MAX
};

/* Largest PEM private key file we read (an RSA 8192 PKCS#8 PEM is ~6.5 KB). */
#define CN_KEY_MAX_PEM (64 * 1024)

/* "p256" "p384" "rsa2048" "rsa3072" "rsa4096" "ed25519"; else CN_ERR_USAGE. */
int cn_key_type_parse(const char *name, enum cn_key_type *out) CN_WUR;
/* The name cn_key_type_parse accepts for t ("?" when out of range). */
const char *cn_key_type_name(enum cn_key_type t);

/* Generates a fresh key (caller frees with EVP_PKEY_free). CN_ERR_USAGE for
 * an unknown type, CN_ERR_CRYPTO when OpenSSL fails. */
int cn_key_generate(enum cn_key_type t, EVP_PKEY **out) CN_WUR;

/* Unencrypted PKCS#8 PEM of the private key, NUL-terminated (caller frees
 * with cn_free_secret(pem, strlen(pem))). CN_ERR_CRYPTO on failure. */
int cn_key_to_pem(EVP_PKEY *k, char **pem) CN_WUR;
/* Parses one PEM private key (PKCS#8 or traditional RSA/EC). Caller frees.
 * CN_ERR_BAD_KEY if it does not parse or is encrypted; CN_ERR_TOO_BIG past
 * CN_KEY_MAX_PEM. */
int cn_key_from_pem(const char *pem, size_t len, EVP_PKEY **out) CN_WUR;

/* Writes the key as PKCS#8 PEM to path atomically with mode 0600.
 * CN_ERR_IO / CN_ERR_CRYPTO. */
int cn_key_save(const char *path, EVP_PKEY *k) CN_WUR;
/* Reads a PEM private key from path (caller frees). CN_ERR_NOT_FOUND,
 * CN_ERR_IO, CN_ERR_TOO_BIG, CN_ERR_BAD_KEY. */
int cn_key_load(const char *path, EVP_PKEY **out) CN_WUR;

/* base64url (no padding) of SHA-256 over the DER SubjectPublicKeyInfo of k:
 * 43 characters plus NUL. CN_ERR_CRYPTO on failure. */
int cn_pubkey_sha256_b64url(EVP_PKEY *k, char out[44]) CN_WUR;

/* The CA's subscriber key policy (see above): 0, or CN_ERR_BAD_KEY with a
 * detail saying what is wrong. */
int cn_key_policy_check(EVP_PKEY *k) CN_WUR;

#endif
