/*
 * cert.h - small X.509 certificate helpers (RFC 5280 section 4.1): strict DER
 * decoding, PEM encoding and decoding of chains, serial numbers as hex and
 * ASN.1 times as Unix seconds.
 */
#ifndef CN_X509_CERT_H
#define CN_X509_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "err.h"

/* Largest certificate chain PEM we parse. */
#define CN_CERT_MAX_PEM (1024 * 1024)
/* Largest single certificate DER we decode. */
#define CN_CERT_MAX_DER (64 * 1024)

/* Decodes exactly one DER certificate spanning all len bytes (caller frees
 * with X509_free). CN_ERR_MALFORMED otherwise, CN_ERR_TOO_BIG past
 * CN_CERT_MAX_DER. */
int cn_cert_from_der(const unsigned char *der, size_t len, X509 **out) CN_WUR;
/* DER encoding (caller frees with free). CN_ERR_CRYPTO. */
int cn_cert_to_der(X509 *x, unsigned char **der, size_t *len) CN_WUR;
/* "-----BEGIN CERTIFICATE-----" PEM, NUL-terminated (caller frees).
 * CN_ERR_CRYPTO. */
int cn_cert_to_pem(X509 *x, char **pem) CN_WUR;

/*
 * Parses a PEM chain: one or more "CERTIFICATE" blocks, each strict DER; text
 * between blocks is ignored, any other block type is an error. Returns a new
 * stack in file order (caller frees with sk_X509_pop_free(s, X509_free)).
 * CN_ERR_MALFORMED if there is no certificate or a block does not parse,
 * CN_ERR_TOO_BIG past CN_CERT_MAX_PEM.
 */
int cn_pem_certs_parse(const char *pem, size_t len, STACK_OF(X509) **out) CN_WUR;

/*
 * Reads a PEM file holding exactly one certificate (caller frees).
 * CN_ERR_NOT_FOUND, CN_ERR_IO, CN_ERR_TOO_BIG, CN_ERR_MALFORMED (the detail
 * names the file).
 */
int cn_cert_load(const char *path, X509 **out) CN_WUR;

/*
 * Lower-case hex of the serial number's DER INTEGER contents octets (so a
 * serial whose top bit is set keeps its leading "00", and the text is the same
 * as the one derived from the serial bytes given to the signer).
 * CN_ERR_MALFORMED if the serial is longer than 23 octets (RFC 5280 4.1.2.2
 * allows 20).
 */
int cn_cert_serial_hex(X509 *x, char out[48]) CN_WUR;

/* Seconds since the Unix epoch of a UTCTime or GeneralizedTime (must be in
 * the RFC 5280 4.1.2.5 form, in UTC). CN_ERR_MALFORMED. */
int cn_asn1_time_to_unix(const ASN1_TIME *t, int64_t *out) CN_WUR;

#endif
