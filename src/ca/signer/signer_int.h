/*
 * signer_int.h - the signer's state, shared by the files of src/ca/signer/
 * that sign with the intermediate's key (signer.c: certificates,
 * signer_ocsp.c: OCSP responses, signer_crl.c: CRLs). Nothing outside the
 * signer includes it.
 */
#ifndef CA_SIGNER_INT_H
#define CA_SIGNER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signer/build.h"

struct ca_signer {
	X509 *cert;                /* the intermediate */
	EVP_PKEY *key;             /* its private key, decoded once */
	EVP_MD *md;                /* fetched once */
	unsigned char *issuer_name_der; /* the intermediate's subject */
	size_t issuer_name_len;
	unsigned char key_id[CA_KEY_ID_MAX]; /* its subjectKeyIdentifier */
	size_t key_id_len;
	unsigned char *der;        /* the intermediate certificate */
	size_t der_len;
	char *chain_pem;
};

/* An "http://" URL of printable ASCII, at most CA_URL_MAX characters (BR
 * 7.1.2.7.7, 7.1.2.11.2: AIA and CRL DP URLs are plain HTTP). */
bool ca_signer_url_ok(const char *url);

#endif
