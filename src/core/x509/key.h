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
#include <openssl/x509.h>

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

/*
 * The DER SubjectPublicKeyInfo of k (RFC 5280 4.1.2.7) in one canonical
 * form: EC keys on P-256, P-384 and P-521 as id-ecPublicKey with the
 * namedCurve and the uncompressed point (RFC 5480 sections 2.1.1, 2.2), RSA
 * keys as rsaEncryption with NULL parameters and the RSAPublicKey (RFC 3279
 * 2.3.1), built from the key's parameters without OpenSSL 3's encoder (whose
 * set-up costs more than an ECDSA verification with OpenSSL 3.0); any other
 * key as i2d_PUBKEY writes it. These are i2d_PUBKEY's bytes too, except for
 * an EC key decoded from a compressed or hybrid point, which is written
 * uncompressed here. *der: caller frees with free. CN_ERR_CRYPTO.
 */
int cn_pubkey_spki_der(EVP_PKEY *k, unsigned char **der, size_t *len) CN_WUR;

/*
 * base64url (no padding) of SHA-256 over cn_pubkey_spki_der(k): 43
 * characters plus NUL. So the one key has one fingerprint, whichever point
 * encoding it came in. CN_ERR_CRYPTO on failure.
 */
int cn_pubkey_sha256_b64url(EVP_PKEY *k, char out[44]) CN_WUR;

/*
 * Sets the subjectPublicKeyInfo of x, a certificate being built, to k in the
 * form of cn_pubkey_spki_der. EC and RSA keys go in without OpenSSL 3's
 * encoder and decoder (X509_set_pubkey encodes the key, then decodes the
 * encoding again), and x does not keep a reference to k: X509_get0_pubkey(x)
 * is NULL afterwards (signing, encoding and hashing the key of x work as
 * usual). Other keys, or an x that holds a key already, go through
 * X509_set_pubkey. CN_ERR_CRYPTO.
 */
int cn_pubkey_to_cert(X509 *x, EVP_PKEY *k) CN_WUR;

/*
 * An EC public key on the curve nid (NID_X9_62_prime256v1, NID_secp384r1 or
 * NID_secp521r1) from its SEC1 point encoding (RFC 5480 section 2.2;
 * uncompressed, compressed or hybrid, as OpenSSL decodes them). OpenSSL
 * refuses a point that is not on the curve; the point at infinity (a single
 * 0x00) passes here and fails cn_key_policy_check. With OpenSSL 3.0 this
 * costs a quarter of EVP_PKEY_fromdata and a tenth of d2i_PUBKEY, which
 * build the curve's group (and a decoder) each time: the group is copied
 * from a key made once per curve. Caller frees *out with EVP_PKEY_free.
 * CN_ERR_BAD_KEY (another curve, a point that does not decode),
 * CN_ERR_CRYPTO.
 */
int cn_ec_pubkey_from_point(int nid, const unsigned char *point, size_t len,
    EVP_PKEY **out) CN_WUR;

/*
 * The CA's subscriber key policy (see above): 0, or CN_ERR_BAD_KEY with a
 * detail saying what is wrong. Cheap for EC keys (an on-curve check, which
 * is full public key validation on P-256 and P-384); RSA keys get the
 * SP 800-56B checks, a few modular exponentiations.
 */
int cn_key_policy_check(EVP_PKEY *k) CN_WUR;

#endif
