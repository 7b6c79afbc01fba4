/*
 * cross.c - the CA's alternate chain (RFC 8555 section 7.4.2: certificate
 * URLs may offer other chains with Link rel="alternate"). With
 * --alternate-chain auto, cairnd makes on first start a second root ("cairn
 * Root X2 <hex>", root-x2.pem and root-x2-key.pem) and with it a
 * cross-certificate of the intermediate (intermediate-x2.pem: the
 * intermediate's subject, key and extensions, issued by the second root),
 * so that leaves chain to either root: leaf + intermediate.pem to root.pem,
 * leaf + intermediate-x2.pem to root-x2.pem. With --alternate-chain FILE, the
 * operator supplies the chain (for example a cross-certificate from another
 * CA): its first certificate must carry the intermediate's subject and key,
 * and each certificate must be signed by the next one in the file.
 *
 * Like pki.c, files are written key first and atomically; an existing
 * cross-certificate is only checked, never changed.
 */
#include "signer/signer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "file.h"
#include "log.h"
#include "mem.h"
#include "signer/build.h"
#include "x509/cert.h"

#define X2_ROOT "root-x2.pem"
#define X2_ROOT_KEY "root-x2-key.pem"
#define X2_CROSS "intermediate-x2.pem"
#define X2_INTERMEDIATE "intermediate.pem"
#define X2_PATH_MAX 4096
#define X2_DAY (24 * 60 * 60)
#define X2_BACKDATE (60 * 60)
#define X2_ROOT_DAYS 7305

static int x2_path(const char *dir, const char *name, char **out)
{
	struct cn_buf b;
	int r;

	cn_buf_init(&b, X2_PATH_MAX);
	r = cn_buf_addf(&b, "%s/%s", dir, name);
	if (r != 0) {
		cn_buf_free(&b);
		return cn_err_set(CN_ERR_USAGE, "data directory path too long");
	}
	*out = cn_buf_take(&b, NULL);
	return 0;
}

static int x2_load_cert(const char *dir, const char *name, X509 **out)
{
	char *path = NULL;
	int r;

	r = x2_path(dir, name, &path);
	if (r == 0)
		r = cn_cert_load(path, out);
	free(path);
	return r;
}

static int x2_save_cert(const char *dir, const char *name, X509 *x)
{
	char *path = NULL, *pem = NULL;
	int r;

	r = x2_path(dir, name, &path);
	if (r == 0)
		r = cn_cert_to_pem(x, &pem);
	if (r == 0)
		r = cn_file_write_atomic(path, pem, strlen(pem), 0644);
	if (r == 0)
		CN_LOG(CN_LOG_INFO, "signer", "created %s", path);
	free(pem);
	free(path);
	return r;
}

static int x2_sign(X509 *x, EVP_PKEY *key)
{
	EVP_MD *md = EVP_MD_fetch(NULL, ca_build_md_name(key), NULL);
	int r = 0;

	if (md == NULL || X509_sign(x, key, md) <= 0)
		r = cn_err_openssl(CN_ERR_CRYPTO, "signing a CA certificate");
	EVP_MD_free(md);
	return r;
}

/* A new self-signed root for key (BR 7.1.2.1), "O=cairn, CN=cairn Root X2 <hex>". */
static int x2_make_root(EVP_PKEY *key, X509 **out)
{
	X509 *x = NULL;
	X509_NAME *name = NULL;
	unsigned char serial[CA_SERIAL_LEN], rnd[3], *name_der = NULL, key_id[CA_KEY_ID_MAX];
	size_t key_id_len = 0;
	char hex[48], cn[64];
	int64_t now = (int64_t)time(NULL);
	int name_len, r;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
		goto out;
	}
	ca_serial_hex(rnd, sizeof(rnd), hex);
	snprintf(cn, sizeof(cn), "cairn Root X2 %s", hex);
	r = ca_build_name("cairn", cn, &name);
	if (r == 0)
		r = ca_serial_new(serial);
	if (r != 0)
		goto out;
	name_len = i2d_X509_NAME(name, &name_der);
	if (name_len <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding a name");
		goto out;
	}
	r = ca_build_tbs(serial, sizeof(serial), name_der, (size_t)name_len, name, now - X2_BACKDATE,
	    now + (int64_t)X2_ROOT_DAYS * X2_DAY, key, &x);
	if (r == 0)
		r = ca_build_ski(x);
	if (r == 0)
		r = ca_build_key_id(x, key_id, &key_id_len);
	if (r == 0)
		r = ca_build_aki(x, key_id, key_id_len);
	if (r == 0)
		r = ca_build_basic_constraints(x, true, -1);
	if (r == 0)
		r = ca_build_key_usage(x, CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
	if (r == 0)
		r = x2_sign(x, key);
	if (r != 0)
		goto out;
	*out = x;
	x = NULL;
out:
	OPENSSL_free(name_der);
	X509_NAME_free(name);
	X509_free(x);
	return r;
}

/* The intermediate's cross-certificate: its subject, key, validity end (at
 * most the root's) and extensions, issued by root with root_key. */
static int x2_make_cross(X509 *inter, X509 *root, EVP_PKEY *root_key, X509 **out)
{
	X509 *x = NULL;
	unsigned char serial[CA_SERIAL_LEN], *issuer_der = NULL, key_id[CA_KEY_ID_MAX];
	size_t key_id_len = 0;
	int64_t now = (int64_t)time(NULL), na = 0, root_na = 0;
	int issuer_len, r;

	r = cn_asn1_time_to_unix(X509_get0_notAfter(inter), &na);
	if (r == 0)
		r = cn_asn1_time_to_unix(X509_get0_notAfter(root), &root_na);
	if (r == 0)
		r = ca_serial_new(serial);
	if (r != 0)
		goto out;
	if (na > root_na)
		na = root_na;
	issuer_len = i2d_X509_NAME(X509_get_subject_name(root), &issuer_der);
	if (issuer_len <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding the issuer name");
		goto out;
	}
	r = ca_build_tbs(serial, sizeof(serial), issuer_der, (size_t)issuer_len,
	    X509_get_subject_name(inter), now - X2_BACKDATE, na, X509_get0_pubkey(inter), &x);
	if (r == 0)
		r = ca_build_ski(x);
	if (r == 0)
		r = ca_build_key_id(root, key_id, &key_id_len);
	if (r == 0)
		r = ca_build_aki(x, key_id, key_id_len);
	if (r == 0)
		r = ca_build_basic_constraints(x, true, 0);
	if (r == 0)
		r = ca_build_key_usage(x, CA_KU_DIGITAL_SIGNATURE | CA_KU_KEY_CERT_SIGN |
		    CA_KU_CRL_SIGN);
	if (r == 0)
		r = ca_build_eku_server_auth(x);
	if (r == 0)
		r = ca_build_policy_dv(x);
	if (r == 0)
		r = x2_sign(x, root_key);
	if (r != 0)
		goto out;
	*out = x;
	x = NULL;
out:
	OPENSSL_free(issuer_der);
	X509_free(x);
	return r;
}

/* The first certificate must be the intermediate's (subject and key), each
 * one signed by the next. */
static int chain_check(X509 *inter, STACK_OF(X509) *chain, const char *what)
{
	X509 *first = sk_X509_value(chain, 0);
	int i, n = sk_X509_num(chain);

	if (X509_NAME_cmp(X509_get_subject_name(first), X509_get_subject_name(inter)) != 0 ||
	    EVP_PKEY_eq(X509_get0_pubkey(first), X509_get0_pubkey(inter)) != 1)
		return cn_err_set(CN_ERR_IO, "%s: the first certificate is not the intermediate's "
		    "(same subject and key)", what);
	for (i = 0; i + 1 < n; i++) {
		if (X509_verify(sk_X509_value(chain, i), X509_get0_pubkey(sk_X509_value(chain,
		    i + 1))) != 1) {
			ERR_clear_error();
			return cn_err_set(CN_ERR_IO, "%s: certificate %d is not signed by certificate %d",
			    what, i + 1, i + 2);
		}
	}
	return 0;
}

/* PEM of every certificate of chain, in order (caller frees). */
static int chain_pem(STACK_OF(X509) *chain, char **out)
{
	struct cn_buf b;
	char *one = NULL;
	int i, r = 0;

	cn_buf_init(&b, CN_CERT_MAX_PEM);
	for (i = 0; i < sk_X509_num(chain) && r == 0; i++) {
		r = cn_cert_to_pem(sk_X509_value(chain, i), &one);
		if (r == 0)
			r = cn_buf_adds(&b, one);
		free(one);
		one = NULL;
	}
	if (r != 0) {
		cn_buf_free(&b);
		return r;
	}
	*out = cn_buf_take(&b, NULL);
	return 0;
}

/* auto: creates what is missing of root-x2 and intermediate-x2, checks
 * what exists; the chain is the cross-certificate. */
static int x2_auto(const char *dir, enum cn_key_type type, X509 *inter, STACK_OF(X509) *chain)
{
	X509 *root = NULL, *cross = NULL;
	EVP_PKEY *key = NULL;
	char *key_path = NULL;
	int r;

	r = x2_load_cert(dir, X2_CROSS, &cross);
	if (r == 0) {
		r = x2_load_cert(dir, X2_ROOT, &root);
		if (r == 0 && X509_verify(cross, X509_get0_pubkey(root)) != 1) {
			ERR_clear_error();
			r = cn_err_set(CN_ERR_IO, "%s/%s is not signed by %s", dir, X2_CROSS, X2_ROOT);
		}
		goto done;
	}
	if (r != CN_ERR_NOT_FOUND)
		goto out;
	r = x2_path(dir, X2_ROOT_KEY, &key_path);
	if (r != 0)
		goto out;
	r = x2_load_cert(dir, X2_ROOT, &root);
	if (r == 0) {
		r = cn_key_load(key_path, &key);
		if (r == 0 && X509_check_private_key(root, key) != 1)
			r = cn_err_openssl(CN_ERR_IO, "root-x2 key and certificate do not match");
	} else if (r == CN_ERR_NOT_FOUND) {
		r = cn_key_generate(type, &key);
		if (r == 0)
			r = cn_key_save(key_path, key); /* the key first, as pki.c */
		if (r == 0)
			r = x2_make_root(key, &root);
		if (r == 0)
			r = x2_save_cert(dir, X2_ROOT, root);
	}
	if (r == 0)
		r = x2_make_cross(inter, root, key, &cross);
	if (r == 0)
		r = x2_save_cert(dir, X2_CROSS, cross);
done:
	if (r != 0)
		goto out;
	if (sk_X509_push(chain, cross) <= 0) {
		r = cn_err_set(CN_ERR_INTERNAL, "sk_X509_push failed");
		goto out;
	}
	cross = NULL;
	r = chain_check(inter, chain, X2_CROSS);
out:
	free(key_path);
	EVP_PKEY_free(key);
	X509_free(root);
	X509_free(cross);
	return r;
}

int ca_pki_alt_chain(const char *data_dir, const char *mode, enum cn_key_type type, char **pem)
{
	STACK_OF(X509) *chain = NULL;
	X509 *inter = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	*pem = NULL;
	if (mode == NULL || mode[0] == '\0')
		return 0;
	r = x2_load_cert(data_dir, X2_INTERMEDIATE, &inter);
	if (r != 0)
		goto out;
	if (strcmp(mode, "auto") == 0) {
		chain = sk_X509_new_null();
		if (chain == NULL) {
			r = cn_err_set(CN_ERR_INTERNAL, "sk_X509_new_null failed");
			goto out;
		}
		r = x2_auto(data_dir, type, inter, chain);
	} else {
		r = cn_file_read(mode, CN_CERT_MAX_PEM, &text, &len);
		if (r != 0) {
			r = cn_err_set(CN_ERR_USAGE, "--alternate-chain: cannot read %s", mode);
			goto out;
		}
		r = cn_pem_certs_parse(text, len, &chain);
		if (r == 0)
			r = chain_check(inter, chain, mode);
	}
	if (r == 0)
		r = chain_pem(chain, pem);
out:
	free(text);
	sk_X509_pop_free(chain, X509_free);
	X509_free(inter);
	return r;
}
