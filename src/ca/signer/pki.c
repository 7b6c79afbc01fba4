/*
 * pki.c - the CA's certificate hierarchies, created on first start
 * (DESIGN.md "First start"): a root (CA/B Forum BR 7.1.2.1) and an issuing
 * intermediate (BR 7.1.2.6, TLS subordinate CA), and apart from them a small
 * CA and leaf certificate for the HTTPS API, so the ACME hierarchy never
 * signs cairnd's own TLS certificate.
 *
 * Crash safety: each key is written before its certificate and every file
 * is replaced atomically, so a certificate file always has its key. A key
 * whose certificate is missing was never used and is replaced; a certificate
 * without its key, or a child without its parent, is an error for the
 * operator.
 *
 * Left out: countryName in CA names (BR 7.1.2.10.2 asks for it; cairn cannot
 * know it), CRL DP and AIA in the intermediate (the URLs are not known at
 * creation; XXX add them when the CRL/AIA listener is configured).
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
#include "x509/san.h"

#define PKI_PATH_MAX 4096
#define PKI_ORG "cairn"
#define DAY (24 * 60 * 60)
/* notBefore an hour back tolerates clock skew (BR allows up to one day). */
#define BACKDATE (60 * 60)
#define ROOT_DAYS 7305         /* 20 years, BR 7.1.2.1.1: 2922..9132 */
#define INTERMEDIATE_DAYS 2922 /* 8 years */
#define API_CA_DAYS 7305
#define API_CERT_DAYS 365

enum pki_kind { PKI_ROOT, PKI_INTERMEDIATE, PKI_API_CA, PKI_API_CERT };

/* The names of one two-level hierarchy's files. */
struct pki_files {
	const char *ca_cert, *ca_key, *child_cert, *child_key;
	enum pki_kind ca_kind, child_kind;
};

static const struct pki_files acme_files = {
	"root.pem", "root-key.pem", "intermediate.pem", "intermediate-key.pem",
	PKI_ROOT, PKI_INTERMEDIATE,
};
static const struct pki_files api_files = {
	"api-ca.pem", "api-ca-key.pem", "api-cert.pem", "api-key.pem",
	PKI_API_CA, PKI_API_CERT,
};

static const char *const default_api_names[] = {"localhost", "127.0.0.1", "::1"};

static int pki_path(const char *dir, const char *name, char **out)
{
	struct cn_buf b;
	int r;

	cn_buf_init(&b, PKI_PATH_MAX);
	r = cn_buf_addf(&b, "%s/%s", dir, name);
	if (r != 0) {
		cn_buf_free(&b);
		return cn_err_set(CN_ERR_USAGE, "data directory path too long");
	}
	*out = cn_buf_take(&b, NULL);
	return 0;
}

static int pki_exists(const char *dir, const char *name, bool *exists)
{
	struct stat st;
	char *path = NULL;
	int r;

	r = pki_path(dir, name, &path);
	if (r != 0)
		return r;
	if (stat(path, &st) == 0) {
		*exists = true;
	} else if (errno == ENOENT) {
		*exists = false;
	} else {
		r = cn_err_set(CN_ERR_IO, "%s: %s", path, strerror(errno));
	}
	free(path);
	return r;
}

static int pki_load_cert(const char *dir, const char *name, X509 **out)
{
	char *path = NULL;
	int r;

	r = pki_path(dir, name, &path);
	if (r == 0)
		r = cn_cert_load(path, out);
	if (r != 0 && r != CN_ERR_NOT_FOUND)
		r = CN_ERR_IO; /* the detail names the file */
	free(path);
	return r;
}

static int pki_load_key(const char *dir, const char *name, EVP_PKEY **out)
{
	char *path = NULL;
	int r;

	r = pki_path(dir, name, &path);
	if (r == 0)
		r = cn_key_load(path, out);
	free(path);
	return r;
}

/* Loads cert and its key and checks that they match. */
static int pki_load_pair(const char *dir, const char *cert_name,
    const char *key_name, X509 **cert, EVP_PKEY **key)
{
	X509 *c = NULL;
	EVP_PKEY *k = NULL;
	int r;

	r = pki_load_cert(dir, cert_name, &c);
	if (r != 0)
		goto out;
	r = pki_load_key(dir, key_name, &k);
	if (r != 0) {
		if (r == CN_ERR_NOT_FOUND)
			r = cn_err_set(CN_ERR_IO, "%s/%s exists but %s is missing", dir,
			    cert_name, key_name);
		goto out;
	}
	if (X509_check_private_key(c, k) != 1) {
		r = cn_err_openssl(CN_ERR_IO, "key and certificate do not match");
		r = cn_err_set(r, "%s/%s does not match %s", dir, key_name, cert_name);
		goto out;
	}
	*cert = c;
	*key = k;
	c = NULL;
	k = NULL;
	r = 0;
out:
	X509_free(c);
	EVP_PKEY_free(k);
	return r;
}

static int pki_save(const char *dir, const char *cert_name, const char *key_name,
    X509 *cert, EVP_PKEY *key)
{
	char *path = NULL, *pem = NULL;
	int r;

	/* The key first: a certificate file must never lack its key. */
	r = pki_path(dir, key_name, &path);
	if (r != 0)
		goto out;
	r = cn_key_save(path, key);
	if (r != 0)
		goto out;
	free(path);
	path = NULL;
	r = pki_path(dir, cert_name, &path);
	if (r != 0)
		goto out;
	r = cn_cert_to_pem(cert, &pem);
	if (r != 0)
		goto out;
	r = cn_file_write_atomic(path, pem, strlen(pem), 0644);
	if (r != 0)
		goto out;
	CN_LOG(CN_LOG_INFO, "signer", "created %s", path);
out:
	free(pem);
	free(path);
	return r;
}

/* "<prefix> <6 random hex digits>", so that names differ between installs. */
static int random_cn(const char *prefix, char *out, size_t size)
{
	unsigned char rnd[3];
	char hex[48];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
	ca_serial_hex(rnd, sizeof(rnd), hex);
	snprintf(out, size, "%s %s", prefix, hex);
	return 0;
}

/* Lower-case DNS names and RFC 5952 IPs, split by kind. */
struct api_names {
	char **dns, **ips;
	size_t n_dns, n_ips;
};

static void api_names_free(struct api_names *n)
{
	size_t i;

	for (i = 0; i < n->n_dns; i++)
		free(n->dns[i]);
	for (i = 0; i < n->n_ips; i++)
		free(n->ips[i]);
	free(n->dns);
	free(n->ips);
}

static int api_names_split(const char *const *names, size_t n, struct api_names *out)
{
	char ip[CN_IP_TEXT_MAX];
	size_t i, j;

	out->dns = cn_xcalloc(n, sizeof(char *));
	out->ips = cn_xcalloc(n, sizeof(char *));
	out->n_dns = out->n_ips = 0;
	for (i = 0; i < n; i++) {
		if (cn_ip_normalize(names[i], ip) == 0) {
			out->ips[out->n_ips++] = cn_xstrdup(ip);
		} else if (cn_dns_name_is_valid(names[i]) && names[i][0] != '*') {
			char *d = cn_xstrdup(names[i]);

			for (j = 0; d[j] != '\0'; j++)
				if (d[j] >= 'A' && d[j] <= 'Z')
					d[j] = (char)(d[j] - 'A' + 'a');
			out->dns[out->n_dns++] = d;
		} else {
			return cn_err_set(CN_ERR_USAGE,
			    "API name \"%.64s\" is neither a host name nor an IP address",
			    names[i]);
		}
	}
	cn_err_clear();
	return 0;
}

/*
 * Makes one certificate of the given kind for key, signed by issuer_key
 * (issuer NULL: self-signed).
 */
static int pki_make_cert(enum pki_kind kind, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key, const struct api_names *names, X509 **out)
{
	X509 *x = NULL;
	X509_NAME *subject = NULL;
	GENERAL_NAMES *gens = NULL;
	EVP_MD *md = NULL;
	unsigned char serial[CA_SERIAL_LEN];
	unsigned char *issuer_der = NULL;
	unsigned char key_id[CA_KEY_ID_MAX];
	size_t key_id_len = 0;
	char cn[128];
	int64_t now = (int64_t)time(NULL);
	int days, issuer_len;
	unsigned ku;
	int r;

	switch (kind) {
	case PKI_ROOT:
		days = ROOT_DAYS;
		r = random_cn("cairn Root CA", cn, sizeof(cn));
		break;
	case PKI_INTERMEDIATE:
		days = INTERMEDIATE_DAYS;
		r = random_cn("cairn Intermediate CA", cn, sizeof(cn));
		break;
	case PKI_API_CA:
		days = API_CA_DAYS;
		r = random_cn("cairn API CA", cn, sizeof(cn));
		break;
	default:
		days = API_CERT_DAYS;
		r = 0;
		break;
	}
	if (r != 0)
		goto out;
	if (kind == PKI_API_CERT) {
		const char *first = names->n_dns > 0 ? names->dns[0] : names->ips[0];

		r = cn_san_new((const char *const *)names->dns, names->n_dns,
		    (const char *const *)names->ips, names->n_ips, &gens);
		if (r != 0)
			goto out;
		if (strlen(first) <= CA_CN_MAX)
			r = ca_build_name(NULL, first, &subject);
	} else {
		r = ca_build_name(PKI_ORG, cn, &subject);
	}
	if (r != 0)
		goto out;
	r = ca_serial_new(serial);
	if (r != 0)
		goto out;
	issuer_len = i2d_X509_NAME(issuer != NULL ? X509_get_subject_name(issuer) :
	    subject, &issuer_der);
	if (issuer_len <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding the issuer name");
		goto out;
	}
	r = ca_build_tbs(serial, sizeof(serial), issuer_der, (size_t)issuer_len,
	    subject, now - BACKDATE, now + (int64_t)days * DAY, key, &x);
	if (r != 0)
		goto out;
	r = ca_build_ski(x);
	if (r != 0)
		goto out;
	/* AKI: the issuer's key identifier (the own one when self-signed). */
	r = ca_build_key_id(issuer != NULL ? issuer : x, key_id, &key_id_len);
	if (r == 0)
		r = ca_build_aki(x, key_id, key_id_len);
	if (r != 0)
		goto out;
	switch (kind) {
	case PKI_ROOT:
		r = ca_build_basic_constraints(x, true, -1);
		if (r == 0)
			r = ca_build_key_usage(x, CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
		break;
	case PKI_API_CA:
		r = ca_build_basic_constraints(x, true, 0);
		if (r == 0)
			r = ca_build_key_usage(x, CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
		break;
	case PKI_INTERMEDIATE:
		r = ca_build_basic_constraints(x, true, 0);
		if (r == 0)
			r = ca_build_key_usage(x, CA_KU_DIGITAL_SIGNATURE |
			    CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
		if (r == 0)
			r = ca_build_eku_server_auth(x);
		if (r == 0)
			r = ca_build_policy_dv(x);
		break;
	case PKI_API_CERT:
		ku = CA_KU_DIGITAL_SIGNATURE;
		if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
			ku |= CA_KU_KEY_ENCIPHERMENT;
		r = ca_build_basic_constraints(x, false, -1);
		if (r == 0)
			r = ca_build_key_usage(x, ku);
		if (r == 0)
			r = ca_build_eku_server_auth(x);
		if (r == 0)
			r = ca_build_san(x, gens, subject == NULL);
		break;
	}
	if (r != 0)
		goto out;
	md = EVP_MD_fetch(NULL, ca_build_md_name(issuer_key), NULL);
	if (md == NULL || X509_sign(x, issuer_key, md) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "signing a CA certificate");
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
out:
	EVP_MD_free(md);
	OPENSSL_free(issuer_der);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(subject);
	X509_free(x);
	return r;
}

/* Generates a key and a certificate of the kind and saves both. */
static int pki_create(const char *dir, const char *cert_name,
    const char *key_name, enum pki_kind kind, enum cn_key_type type,
    X509 *issuer, EVP_PKEY *issuer_key, const struct api_names *names,
    X509 **cert_out, EVP_PKEY **key_out)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int r;

	r = cn_key_generate(type, &key);
	if (r != 0)
		goto out;
	r = pki_make_cert(kind, key, issuer, issuer != NULL ? issuer_key : key,
	    names, &cert);
	if (r != 0)
		goto out;
	r = pki_save(dir, cert_name, key_name, cert, key);
	if (r != 0)
		goto out;
	if (cert_out != NULL) {
		*cert_out = cert;
		cert = NULL;
	}
	if (key_out != NULL) {
		*key_out = key;
		key = NULL;
	}
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	return r;
}

/* Creates what is missing of one two-level hierarchy, checks what exists. */
static int pki_hierarchy(const char *dir, const struct pki_files *f,
    enum cn_key_type type, const struct api_names *names)
{
	X509 *ca = NULL, *child = NULL;
	EVP_PKEY *ca_key = NULL, *child_key = NULL, *ca_pub;
	bool have_ca, have_child;
	int r;

	r = pki_exists(dir, f->ca_cert, &have_ca);
	if (r == 0)
		r = pki_exists(dir, f->child_cert, &have_child);
	if (r != 0)
		goto out;
	if (!have_ca && have_child) {
		r = cn_err_set(CN_ERR_IO, "%s/%s exists but %s is missing", dir,
		    f->child_cert, f->ca_cert);
		goto out;
	}
	if (!have_ca) {
		r = pki_create(dir, f->ca_cert, f->ca_key, f->ca_kind, type, NULL,
		    NULL, names, &ca, &ca_key);
	} else if (!have_child) {
		/* The CA's key is needed only to create the child. */
		r = pki_load_pair(dir, f->ca_cert, f->ca_key, &ca, &ca_key);
	} else {
		r = pki_load_cert(dir, f->ca_cert, &ca);
	}
	if (r != 0)
		goto out;
	if (!have_child) {
		r = pki_create(dir, f->child_cert, f->child_key, f->child_kind, type,
		    ca, ca_key, names, NULL, NULL);
		goto out;
	}
	r = pki_load_pair(dir, f->child_cert, f->child_key, &child, &child_key);
	if (r != 0)
		goto out;
	ca_pub = X509_get0_pubkey(ca);
	if (ca_pub == NULL || X509_verify(child, ca_pub) != 1) {
		ERR_clear_error();
		r = cn_err_set(CN_ERR_IO, "%s/%s is not signed by %s", dir,
		    f->child_cert, f->ca_cert);
		goto out;
	}
	r = 0;
out:
	X509_free(ca);
	X509_free(child);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(child_key);
	return r;
}

/* An existing API certificate is kept; say so if it lacks a configured name. */
static void pki_check_api_names(const char *dir, const struct api_names *names)
{
	X509 *cert = NULL;
	size_t i;

	if (pki_load_cert(dir, api_files.child_cert, &cert) != 0)
		return;
	for (i = 0; i < names->n_dns; i++)
		if (X509_check_host(cert, names->dns[i], 0, 0, NULL) != 1)
			CN_LOG(CN_LOG_WARN, "signer", "%s/%s does not cover %s; remove it "
			    "and %s to make a new one", dir, api_files.child_cert,
			    names->dns[i], api_files.child_key);
	for (i = 0; i < names->n_ips; i++)
		if (X509_check_ip_asc(cert, names->ips[i], 0) != 1)
			CN_LOG(CN_LOG_WARN, "signer", "%s/%s does not cover %s; remove it "
			    "and %s to make a new one", dir, api_files.child_cert,
			    names->ips[i], api_files.child_key);
	ERR_clear_error();
	X509_free(cert);
}

int ca_pki_init(const char *data_dir, enum cn_key_type ca_key_type,
    const char *const *api_names, size_t n_api_names)
{
	struct api_names names = {NULL, NULL, 0, 0};
	int r;

	switch (ca_key_type) {
	case CN_KEY_P256:
	case CN_KEY_P384:
	case CN_KEY_RSA2048:
	case CN_KEY_RSA3072:
	case CN_KEY_RSA4096:
		break;
	default:
		r = cn_err_set(CN_ERR_USAGE,
		    "CA key type must be p256, p384, rsa2048, rsa3072 or rsa4096");
		goto out;
	}
	if (api_names == NULL || n_api_names == 0) {
		api_names = default_api_names;
		n_api_names = sizeof(default_api_names) / sizeof(default_api_names[0]);
	}
	r = api_names_split(api_names, n_api_names, &names);
	if (r != 0)
		goto out;
	if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
		r = cn_err_set(CN_ERR_IO, "%s: %s", data_dir, strerror(errno));
		goto out;
	}
	r = pki_hierarchy(data_dir, &acme_files, ca_key_type, &names);
	if (r != 0)
		goto out;
	r = pki_hierarchy(data_dir, &api_files, ca_key_type, &names);
	if (r != 0)
		goto out;
	pki_check_api_names(data_dir, &names);
out:
	api_names_free(&names);
	return r;
}

int ca_pki_api_tls(const char *data_dir, char **cert_pem, char **key_pem)
{
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	char *path = NULL, *c = NULL, *k = NULL;
	size_t k_len = 0;
	int r;

	r = pki_load_pair(data_dir, api_files.child_cert, api_files.child_key, &cert,
	    &key);
	if (r != 0)
		goto out;
	r = cn_cert_to_pem(cert, &c);
	if (r != 0)
		goto out;
	r = pki_path(data_dir, api_files.child_key, &path);
	if (r != 0)
		goto out;
	r = cn_file_read(path, CN_KEY_MAX_PEM, &k, &k_len);
	if (r != 0)
		goto out;
	*cert_pem = c;
	*key_pem = k;
	c = NULL;
	k = NULL;
out:
	free(c);
	cn_free_secret(k, k_len);
	free(path);
	X509_free(cert);
	EVP_PKEY_free(key);
	return r;
}
