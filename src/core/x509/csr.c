/*
 * csr.c - PKCS#10 certificate signing requests (RFC 2986) for ACME
 * finalization (RFC 8555 section 7.4): strict parsing, the check that the
 * requested names are exactly the order's identifiers (RFC 8555 7.4, RFC 8738
 * section 7 for IP addresses), and building a CSR for the agent and tests.
 *
 * Parsing uses OpenSSL's ASN.1 templates, with a CertificationRequest type
 * of our own (RFC 2986 section 4.1, laid out as OpenSSL's X509_REQ) whose
 * SubjectPublicKeyInfo is kept as parsed: OpenSSL's X509_PUBKEY decodes the
 * key while the CSR is parsed, through an OSSL_DECODER whose set-up alone
 * costs more than verifying the CSR's signature with OpenSSL 3.0
 * (bench/README.md). EC keys on the NIST curves are made from their point
 * (cn_ec_pubkey_from_point), any other key by d2i_PUBKEY as before.
 *
 * Left out: CSR attributes other than extensionRequest (ignored), requested
 * extensions other than subjectAltName (ignored: the CA decides the
 * profile), subject attributes other than commonName (ignored).
 */
#include "x509/csr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "mem.h"
#include "x509/key.h"
#include "x509/san.h"

#define DNS_SAN_MAX 253
#define CN_CSR_CN_MAX 64 /* ub-common-name, RFC 5280 appendix A */
#define ESC_MAX 96 /* escaped names in error details */

/*
 * RFC 2986 section 4.1 in OpenSSL's template macros, which need these
 * typedef names. The attributes are OPTIONAL as in OpenSSL's X509_REQ_INFO
 * (some encoders leave out an empty set).
 */
typedef struct {
	X509_ALGOR *algor;
	ASN1_BIT_STRING *public_key;
} CN_CSR_SPKI;

typedef struct {
	ASN1_ENCODING enc;  /* the DER as received: what the signature covers */
	ASN1_INTEGER *version;
	X509_NAME *subject;
	CN_CSR_SPKI *pubkey;
	STACK_OF(X509_ATTRIBUTE) *attributes; /* NULL when left out */
} CN_CSR_INFO;

typedef struct cn_csr_asn1 {
	CN_CSR_INFO *info;
	X509_ALGOR *sig_alg;
	ASN1_BIT_STRING *signature;
} CN_CSR_ASN1;

ASN1_SEQUENCE(CN_CSR_SPKI) = {
	ASN1_SIMPLE(CN_CSR_SPKI, algor, X509_ALGOR),
	ASN1_SIMPLE(CN_CSR_SPKI, public_key, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(CN_CSR_SPKI)

ASN1_SEQUENCE_enc(CN_CSR_INFO, enc, NULL) = {
	ASN1_SIMPLE(CN_CSR_INFO, version, ASN1_INTEGER),
	ASN1_SIMPLE(CN_CSR_INFO, subject, X509_NAME),
	ASN1_SIMPLE(CN_CSR_INFO, pubkey, CN_CSR_SPKI),
	ASN1_IMP_SET_OF_OPT(CN_CSR_INFO, attributes, X509_ATTRIBUTE, 0),
} static_ASN1_SEQUENCE_END_ref(CN_CSR_INFO, CN_CSR_INFO)

ASN1_SEQUENCE(CN_CSR_ASN1) = {
	ASN1_SIMPLE(CN_CSR_ASN1, info, CN_CSR_INFO),
	ASN1_SIMPLE(CN_CSR_ASN1, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(CN_CSR_ASN1, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(CN_CSR_ASN1)

static void csr_add_unique(char ***arr, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*arr)[i], s) == 0)
			return;
	*arr = cn_xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = cn_xstrdup(s);
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cn_csr_free(struct cn_csr *csr)
{
	if (csr == NULL)
		return;
	ASN1_item_free((ASN1_VALUE *)csr->asn1, ASN1_ITEM_rptr(CN_CSR_ASN1));
	EVP_PKEY_free(csr->pubkey);
	free_strv(csr->dns_names, csr->n_dns);
	free_strv(csr->ip_addrs, csr->n_ip);
	free(csr->common_name);
	free(csr);
}

/* SHA-1 and older digests are refused, as browsers refuse them. */
static int csr_check_sig_alg(const struct cn_csr_asn1 *a)
{
	const ASN1_OBJECT *alg = NULL;
	int sig_nid, md_nid = NID_undef, pk_nid = NID_undef;

	X509_ALGOR_get0(&alg, NULL, NULL, a->sig_alg);
	sig_nid = OBJ_obj2nid(alg);

	if (sig_nid == NID_undef || OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) != 1)
		return cn_err_set(CN_ERR_BAD_CSR, "unknown CSR signature algorithm");
	switch (md_nid) {
	case NID_md2:
	case NID_md4:
	case NID_md5:
	case NID_mdc2:
	case NID_sha1:
	case NID_ripemd160:
		return cn_err_set(CN_ERR_BAD_CSR,
		    "CSR signature algorithm %s is too weak", OBJ_nid2sn(sig_nid));
	default:
		return 0;
	}
}

static int csr_common_name(struct cn_csr *csr)
{
	const X509_NAME *name = csr->asn1->info->subject;
	const ASN1_STRING *data;
	unsigned char *utf8 = NULL;
	int idx, len;
	int r;

	idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (idx < 0)
		return 0;
	if (X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0) {
		r = cn_err_set(CN_ERR_BAD_CSR, "CSR subject has more than one commonName");
		goto out;
	}
	data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
	len = ASN1_STRING_to_UTF8(&utf8, data);
	if (len < 0) {
		r = cn_err_openssl(CN_ERR_BAD_CSR, "decoding the CSR commonName");
		goto out;
	}
	if (len == 0 || strlen((char *)utf8) != (size_t)len) {
		r = cn_err_set(CN_ERR_BAD_CSR, "CSR commonName is empty or holds a NUL");
		goto out;
	}
	csr->common_name = cn_xstrdup((char *)utf8);
	r = 0;
out:
	OPENSSL_free(utf8);
	return r;
}

static int csr_dns_name(struct cn_csr *csr, const ASN1_IA5STRING *ia5)
{
	const unsigned char *p = ASN1_STRING_get0_data(ia5);
	int len = ASN1_STRING_length(ia5);
	char name[DNS_SAN_MAX + 1];
	int i;

	if (len <= 0 || len > DNS_SAN_MAX)
		return cn_err_set(CN_ERR_BAD_CSR, "CSR dNSName of %d characters", len);
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c <= 0x20 || c >= 0x7f)
			return cn_err_set(CN_ERR_BAD_CSR,
			    "CSR dNSName holds a byte 0x%02x", c);
		name[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	name[len] = '\0';
	csr_add_unique(&csr->dns_names, &csr->n_dns, name);
	return 0;
}

static int csr_ip_addr(struct cn_csr *csr, const ASN1_OCTET_STRING *os)
{
	char text[CN_IP_TEXT_MAX];
	int r;

	r = cn_ip_octets_to_text(ASN1_STRING_get0_data(os),
	    (size_t)ASN1_STRING_length(os), text);
	if (r != 0)
		return cn_err_set(CN_ERR_BAD_CSR, "CSR iPAddress of %d octets",
		    ASN1_STRING_length(os));
	csr_add_unique(&csr->ip_addrs, &csr->n_ip, text);
	return 0;
}

static int csr_san(struct cn_csr *csr, X509_EXTENSION *ext)
{
	const ASN1_OCTET_STRING *value = X509_EXTENSION_get_data(ext);
	const unsigned char *p = ASN1_STRING_get0_data(value);
	const unsigned char *end = p + ASN1_STRING_length(value);
	GENERAL_NAMES *gens = NULL;
	int i, n, type;
	int r;

	gens = d2i_GENERAL_NAMES(NULL, &p, ASN1_STRING_length(value));
	if (gens == NULL) {
		r = cn_err_openssl(CN_ERR_BAD_CSR, "decoding the CSR subjectAltName");
		goto out;
	}
	if (p != end) {
		r = cn_err_set(CN_ERR_BAD_CSR, "trailing data in the CSR subjectAltName");
		goto out;
	}
	n = sk_GENERAL_NAME_num(gens);
	if (n > CN_SAN_MAX_NAMES) {
		r = cn_err_set(CN_ERR_BAD_CSR, "CSR has more than %d subjectAltNames",
		    CN_SAN_MAX_NAMES);
		goto out;
	}
	for (i = 0; i < n; i++) {
		void *v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i), &type);

		if (type == GEN_DNS)
			r = csr_dns_name(csr, v);
		else if (type == GEN_IPADD)
			r = csr_ip_addr(csr, v);
		else
			r = cn_err_set(CN_ERR_BAD_CSR,
			    "CSR subjectAltName of type %d (only dNSName and iPAddress)",
			    type);
		if (r != 0)
			goto out;
	}
	r = 0;
out:
	GENERAL_NAMES_free(gens);
	return r;
}

/* The extensionRequest attribute (PKCS#9, RFC 2985 5.4.2), as
 * X509_REQ_get_extensions reads it. */
static int csr_extensions(struct cn_csr *csr)
{
	STACK_OF(X509_ATTRIBUTE) *attrs = csr->asn1->info->attributes;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	const ASN1_TYPE *value = NULL;
	const unsigned char *p;
	X509_ATTRIBUTE *attr;
	int i, n, nid, n_ext_req = 0, seen_san = 0;
	int r;

	n = attrs != NULL ? sk_X509_ATTRIBUTE_num(attrs) : 0;
	for (i = 0; i < n; i++) {
		attr = sk_X509_ATTRIBUTE_value(attrs, i);
		nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(attr));
		if (nid != NID_ext_req && nid != NID_ms_ext_req)
			continue;
		if (++n_ext_req > 1 || X509_ATTRIBUTE_count(attr) != 1) {
			r = cn_err_set(CN_ERR_BAD_CSR,
			    "CSR must have at most one extensionRequest with one value");
			goto out;
		}
		value = X509_ATTRIBUTE_get0_type(attr, 0);
	}
	if (n_ext_req == 0)
		return 0;
	if (value == NULL || value->type != V_ASN1_SEQUENCE) {
		r = cn_err_set(CN_ERR_BAD_CSR, "decoding the CSR extensionRequest: not a SEQUENCE");
		goto out;
	}
	p = value->value.sequence->data;
	exts = d2i_X509_EXTENSIONS(NULL, &p, value->value.sequence->length);
	if (exts == NULL) {
		r = cn_err_openssl(CN_ERR_BAD_CSR, "decoding the CSR extensionRequest");
		goto out;
	}
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *ext = sk_X509_EXTENSION_value(exts, i);

		if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name)
			continue;
		if (seen_san++) {
			r = cn_err_set(CN_ERR_BAD_CSR,
			    "CSR requests more than one subjectAltName extension");
			goto out;
		}
		r = csr_san(csr, ext);
		if (r != 0)
			goto out;
	}
	r = 0;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return r;
}

/*
 * The subject's public key: EC keys on P-256, P-384 and P-521 straight from
 * their point, other keys (other curves, explicit parameters, RSA, ...)
 * through OpenSSL's decoder, which is what parsing an X509_REQ does for
 * every key. The key policy is the caller's (cn_key_policy_check).
 */
static int csr_pubkey(struct cn_csr *csr)
{
	const CN_CSR_SPKI *spki = csr->asn1->info->pubkey;
	const ASN1_OBJECT *alg = NULL;
	const void *param = NULL;
	const unsigned char *p;
	unsigned char *der = NULL;
	int ptype = V_ASN1_UNDEF, curve = NID_undef, n;
	int r;

	X509_ALGOR_get0(&alg, &ptype, &param, spki->algor);
	if (ptype == V_ASN1_OBJECT)
		curve = OBJ_obj2nid(param);
	if (OBJ_obj2nid(alg) == NID_X9_62_id_ecPublicKey &&
	    (curve == NID_X9_62_prime256v1 || curve == NID_secp384r1 ||
	    curve == NID_secp521r1) &&
	    (spki->public_key->flags & 0x07) == 0) { /* no unused bits */
		r = cn_ec_pubkey_from_point(curve, ASN1_STRING_get0_data(spki->public_key),
		    (size_t)ASN1_STRING_length(spki->public_key), &csr->pubkey);
		if (r != 0)
			r = cn_err_set(CN_ERR_BAD_CSR, "decoding the CSR public key: %s",
			    cn_err_detail());
		return r;
	}
	n = ASN1_item_i2d((const ASN1_VALUE *)spki, &der, ASN1_ITEM_rptr(CN_CSR_SPKI));
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_BAD_CSR, "encoding the CSR public key");
		goto out;
	}
	p = der;
	csr->pubkey = d2i_PUBKEY(NULL, &p, n);
	if (csr->pubkey == NULL) {
		r = cn_err_openssl(CN_ERR_BAD_CSR, "decoding the CSR public key");
		goto out;
	}
	r = 0;
out:
	OPENSSL_free(der);
	return r;
}

int cn_csr_parse_der(const unsigned char *der, size_t len, struct cn_csr **out)
{
	const unsigned char *p = der;
	struct cn_csr_asn1 *a = NULL;
	struct cn_csr *csr = NULL;
	int r;

	if (len > CN_CSR_MAX_DER) {
		r = cn_err_set(CN_ERR_BAD_CSR, "CSR larger than %d bytes", CN_CSR_MAX_DER);
		goto out;
	}
	a = (struct cn_csr_asn1 *)ASN1_item_d2i(NULL, &p, (long)len,
	    ASN1_ITEM_rptr(CN_CSR_ASN1));
	if (a == NULL) {
		r = cn_err_openssl(CN_ERR_BAD_CSR, "decoding the CSR");
		goto out;
	}
	if (p != der + len) {
		r = cn_err_set(CN_ERR_BAD_CSR, "%zu bytes of trailing data after the CSR",
		    (size_t)(der + len - p));
		goto out;
	}
	csr = cn_xcalloc(1, sizeof(*csr));
	csr->asn1 = a;
	a = NULL;
	if (ASN1_INTEGER_get(csr->asn1->info->version) != X509_REQ_VERSION_1) {
		r = cn_err_set(CN_ERR_BAD_CSR, "CSR version %ld (must be v1)",
		    ASN1_INTEGER_get(csr->asn1->info->version));
		goto out;
	}
	r = csr_pubkey(csr);
	if (r != 0)
		goto out;
	r = csr_check_sig_alg(csr->asn1);
	if (r != 0)
		goto out;
	/* over the CertificationRequestInfo as received (its cached encoding) */
	if (ASN1_item_verify_ex(ASN1_ITEM_rptr(CN_CSR_INFO), csr->asn1->sig_alg,
	    csr->asn1->signature, csr->asn1->info, NULL, csr->pubkey, NULL, NULL) != 1) {
		ERR_clear_error();
		r = cn_err_set(CN_ERR_BAD_CSR, "CSR signature does not verify");
		goto out;
	}
	r = csr_common_name(csr);
	if (r != 0)
		goto out;
	r = csr_extensions(csr);
	if (r != 0)
		goto out;
	*out = csr;
	csr = NULL;
	r = 0;
out:
	ASN1_item_free((ASN1_VALUE *)a, ASN1_ITEM_rptr(CN_CSR_ASN1));
	cn_csr_free(csr);
	return r;
}

static bool dns_in(const char *name, char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(name, set[i]) == 0)
			return true;
	return false;
}

static bool str_in(const char *s, char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static const char *esc(const char *s, char *buf)
{
	return cn_log_escape(s, strlen(s), buf, ESC_MAX);
}

int cn_csr_check_identifiers(const struct cn_csr *csr, const char *const *dns,
    size_t n_dns, const char *const *ips, size_t n_ips)
{
	char **want_ips = NULL;
	char ip[CN_IP_TEXT_MAX];
	char e[ESC_MAX];
	size_t i;
	int r;

	want_ips = cn_xcalloc(n_ips ? n_ips : 1, sizeof(*want_ips));
	for (i = 0; i < n_ips; i++) {
		r = cn_ip_normalize(ips[i], ip);
		if (r != 0)
			goto out;
		want_ips[i] = cn_xstrdup(ip);
	}
	if (csr->n_dns + csr->n_ip == 0) {
		r = cn_err_set(CN_ERR_BAD_CSR, "CSR has no subjectAltName");
		goto out;
	}
	if (csr->common_name != NULL &&
	    !dns_in(csr->common_name, csr->dns_names, csr->n_dns) &&
	    !(cn_ip_normalize(csr->common_name, ip) == 0 &&
	    str_in(ip, csr->ip_addrs, csr->n_ip))) {
		r = cn_err_set(CN_ERR_BAD_CSR,
		    "CSR commonName \"%s\" is not among its subjectAltNames",
		    esc(csr->common_name, e));
		goto out;
	}
	for (i = 0; i < csr->n_dns; i++) {
		if (!dns_in(csr->dns_names[i], (char *const *)dns, n_dns)) {
			r = cn_err_set(CN_ERR_BAD_CSR,
			    "CSR has identifier %s which is not in the order",
			    esc(csr->dns_names[i], e));
			goto out;
		}
	}
	for (i = 0; i < csr->n_ip; i++) {
		if (!str_in(csr->ip_addrs[i], want_ips, n_ips)) {
			r = cn_err_set(CN_ERR_BAD_CSR,
			    "CSR has identifier %s which is not in the order",
			    csr->ip_addrs[i]);
			goto out;
		}
	}
	for (i = 0; i < n_dns; i++) {
		if (!dns_in(dns[i], csr->dns_names, csr->n_dns)) {
			r = cn_err_set(CN_ERR_BAD_CSR, "CSR is missing identifier %s",
			    esc(dns[i], e));
			goto out;
		}
	}
	for (i = 0; i < n_ips; i++) {
		if (!str_in(want_ips[i], csr->ip_addrs, csr->n_ip)) {
			r = cn_err_set(CN_ERR_BAD_CSR, "CSR is missing identifier %s",
			    want_ips[i]);
			goto out;
		}
	}
	r = 0;
out:
	free_strv(want_ips, n_ips);
	return r;
}

/* The digest to sign with for a key, NULL for Ed25519/Ed448. */
static const EVP_MD *csr_md(EVP_PKEY *key)
{
	int id = EVP_PKEY_get_base_id(key);

	if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448)
		return NULL;
	if (id == EVP_PKEY_EC && EVP_PKEY_get_bits(key) == 384)
		return EVP_sha384();
	if (id == EVP_PKEY_EC && EVP_PKEY_get_bits(key) > 384)
		return EVP_sha512();
	return EVP_sha256();
}

int cn_csr_new(EVP_PKEY *key, const char *const *dns, size_t n_dns,
    const char *const *ips, size_t n_ips, bool set_cn, unsigned char **der,
    size_t *len)
{
	X509_REQ *req = NULL;
	GENERAL_NAMES *gens = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_NAME *name = NULL;
	unsigned char *p = NULL;
	char cn[CN_IP_TEXT_MAX];
	const char *cn_value;
	int n, r;

	r = cn_san_new(dns, n_dns, ips, n_ips, &gens);
	if (r != 0)
		goto out;
	req = X509_REQ_new();
	name = X509_NAME_new();
	exts = sk_X509_EXTENSION_new_null();
	if (req == NULL || name == NULL || exts == NULL ||
	    X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building a CSR");
		goto out;
	}
	if (set_cn) {
		/* The first SAN entry, as it was encoded (lower case / RFC 5952). */
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, 0);
		int type;
		const ASN1_STRING *v = GENERAL_NAME_get0_value(g, &type);

		if (type == GEN_DNS && ASN1_STRING_length(v) > CN_CSR_CN_MAX) {
			cn_value = NULL; /* longer than ub-common-name: no CN */
		} else if (type == GEN_DNS) {
			cn_value = (const char *)ASN1_STRING_get0_data(v);
		} else {
			r = cn_ip_octets_to_text(ASN1_STRING_get0_data(v),
			    (size_t)ASN1_STRING_length(v), cn);
			if (r != 0)
				goto out;
			cn_value = cn;
		}
		if (cn_value != NULL && X509_NAME_add_entry_by_NID(name,
		    NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn_value, -1,
		    -1, 0) != 1) {
			r = cn_err_openssl(CN_ERR_CRYPTO, "setting the CSR commonName");
			goto out;
		}
	}
	if (X509_REQ_set_subject_name(req, name) != 1 ||
	    X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1 ||
	    X509_REQ_add_extensions(req, exts) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "setting the CSR extensions");
		goto out;
	}
	if (X509_REQ_sign(req, key, csr_md(key)) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "signing the CSR");
		goto out;
	}
	n = i2d_X509_REQ(req, &p);
	if (n <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "encoding the CSR");
		goto out;
	}
	*der = cn_xmemdup(p, (size_t)n);
	*len = (size_t)n;
	r = 0;
out:
	OPENSSL_free(p);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return r;
}
