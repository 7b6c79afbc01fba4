/*
 * signer_fixture.h - fixture shared by the unit tests of the CRL and OCSP
 * signers (header-only; each test is one translation unit): a fresh PKI
 * made by ca_pki_init in its own mkdtemp directory, the signer opened on
 * it, and its root and intermediate certificates loaded.
 */
#ifndef SIGNER_FIXTURE_H
#define SIGNER_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "log.h"
#include "signer/signer.h"
#include "x509/cert.h"
#include "x509/key.h"

struct fixture {
	char dir[64];
	struct ca_signer *signer;
	X509 *root, *inter;
};

static inline X509 *load(const char *dir, const char *name)
{
	char path[160];
	X509 *x = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(cn_cert_load(path, &x), 0);
	return x;
}

/* The fixture in a new directory made from TMPL ("/tmp/...-XXXXXX"). */
static inline int signer_fixture_setup(void **state, const char *tmpl)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	cn_log_level = CN_LOG_WARN;
	snprintf(f->dir, sizeof(f->dir), "%s", tmpl);
	if (mkdtemp(f->dir) == NULL || ca_pki_init(f->dir, CN_KEY_P256, NULL, 0) != 0 ||
	    ca_signer_open(f->dir, &f->signer) != 0)
		return -1;
	f->root = load(f->dir, "root.pem");
	f->inter = load(f->dir, "intermediate.pem");
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	static const char *const files[] = {"root.pem", "root-key.pem", "intermediate.pem",
		"intermediate-key.pem", "api-ca.pem", "api-ca-key.pem", "api-cert.pem", "api-key.pem"};
	struct fixture *f = *state;
	char path[160];
	size_t i;

	ca_signer_free(f->signer);
	X509_free(f->root);
	X509_free(f->inter);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

#endif
