/*
 * admin_protocol.c - the `cairnd admin` commands of the protocol extensions
 * (issue 4), on the store only, so they work while cairnd runs:
 *   eab create [--comment TEXT] | eab list | eab revoke KID
 *       External Account Binding MAC keys (RFC 8555 section 7.3.4)
 *   ari mark (--serial S | --account ID | --issuer | --all) [--explanation URL]
 *       moves the ARI window (RFC 9773) of valid certificates into the past
 *   block-key (--cert FILE | --key FILE | --spki-sha256 HASH)
 *       refuses a key from now on and revokes its certificates (keyCompromise;
 *       the blocked_keys table of the revocation work, 002_revocation.sql)
 *   list accounts|orders|certs [--account ID] [--before ID] [--limit N]
 * Output is one record a line, tab-separated, for scripts.
 */
#include "admin.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "b64url.h"
#include "file.h"
#include "mem.h"
#include "x509/cert.h"
#include "x509/key.h"

#define ADMIN_EAB_KID_BYTES 16
#define ADMIN_EAB_KEY_BYTES 32
#define ADMIN_LIST_DEFAULT 100
#define ADMIN_KEY_MAX_PEM (64 * 1024)

void ca_admin_protocol_usage(FILE *f)
{
	fprintf(f,
	    "  eab create [--comment TEXT]  new External Account Binding key (prints kid and hmac-key)\n"
	    "  eab list                     EAB keys: kid, created, revoked, bound account, comment\n"
	    "  eab revoke KID               the key binds no new account\n"
	    "  ari mark (--serial S | --account ID | --issuer | --all) [--explanation URL]\n"
	    "                               tell these certificates' clients to renew now (RFC 9773)\n"
	    "  block-key (--cert FILE | --key FILE | --spki-sha256 HASH)\n"
	    "                               refuse a key and revoke its certificates (keyCompromise)\n"
	    "  list accounts|orders|certs [--account ID] [--before ID] [--limit N]\n");
}

/* Options of the form --name VALUE (or a flag) after the command words. */
struct admin_opts {
	const char *comment, *serial, *explanation, *cert, *key, *spki;
	int64_t account, before;
	long limit;
	bool issuer, all;
};

static int parse_int(const char *s, const char *what, int64_t min, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min) {
		fprintf(stderr, "cairnd admin: %s: '%s' is not a number >= %lld\n", what, s,
		    (long long)min);
		return CN_ERR_USAGE;
	}
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, int i, struct admin_opts *o)
{
	int64_t v = 0;

	memset(o, 0, sizeof(*o));
	o->limit = ADMIN_LIST_DEFAULT;
	for (; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--issuer") == 0) {
			o->issuer = true;
			continue;
		}
		if (strcmp(a, "--all") == 0) {
			o->all = true;
			continue;
		}
		if (val == NULL || strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "cairnd admin: unexpected '%s'\n", a);
			return CN_ERR_USAGE;
		}
		i++;
		if (strcmp(a, "--comment") == 0) {
			o->comment = val;
		} else if (strcmp(a, "--serial") == 0) {
			o->serial = val;
		} else if (strcmp(a, "--explanation") == 0) {
			o->explanation = val;
		} else if (strcmp(a, "--cert") == 0) {
			o->cert = val;
		} else if (strcmp(a, "--key") == 0) {
			o->key = val;
		} else if (strcmp(a, "--spki-sha256") == 0) {
			o->spki = val;
		} else if (strcmp(a, "--account") == 0) {
			if (parse_int(val, a, 1, &o->account) != 0)
				return CN_ERR_USAGE;
		} else if (strcmp(a, "--before") == 0) {
			if (parse_int(val, a, 1, &o->before) != 0)
				return CN_ERR_USAGE;
		} else if (strcmp(a, "--limit") == 0) {
			if (parse_int(val, a, 1, &v) != 0)
				return CN_ERR_USAGE;
			o->limit = v > 100000 ? 100000 : (long)v;
		} else {
			fprintf(stderr, "cairnd admin: unknown option '%s'\n", a);
			return CN_ERR_USAGE;
		}
	}
	return 0;
}

static void time_text(int64_t t, char out[32])
{
	if (t == 0)
		snprintf(out, 32, "-");
	else
		ca_time_fmt(t, out);
}

/* ---- eab */

static int cmd_eab(struct ca_store *st, int argc, char **argv, int i)
{
	struct admin_opts o;
	struct ca_eab_key *keys = NULL;
	unsigned char kid_raw[ADMIN_EAB_KID_BYTES], key[ADMIN_EAB_KEY_BYTES];
	char *kid = NULL, *key_b64 = NULL, created[32], revoked[32];
	size_t n = 0, k;
	const char *sub = i < argc ? argv[i] : "";
	int r;

	if (strcmp(sub, "create") == 0) {
		r = parse_opts(argc, argv, i + 1, &o);
		if (r != 0)
			return r;
		if (RAND_bytes(kid_raw, sizeof(kid_raw)) != 1 || RAND_bytes(key, sizeof(key)) != 1)
			return cn_err_openssl(CN_ERR_CRYPTO, "RAND_bytes");
		kid = cn_b64url_encode(kid_raw, sizeof(kid_raw));
		key_b64 = cn_b64url_encode(key, sizeof(key));
		r = ca_store_eab_create(st, kid, key, sizeof(key), o.comment, (int64_t)time(NULL));
		if (r == 0)
			printf("kid %s\nhmac-key %s\n", kid, key_b64);
		OPENSSL_cleanse(key, sizeof(key));
		cn_free_secret(key_b64, strlen(key_b64));
		free(kid);
		return r;
	}
	if (strcmp(sub, "list") == 0) {
		r = ca_store_eab_list(st, &keys, &n);
		if (r != 0)
			return r;
		for (k = 0; k < n; k++) {
			time_text(keys[k].created, created);
			time_text(keys[k].revoked, revoked);
			printf("%s\t%s\t%s\t%lld\t%s\n", keys[k].kid, created, revoked,
			    (long long)keys[k].account_id, keys[k].comment);
		}
		ca_eab_keys_free(keys, n);
		return 0;
	}
	if (strcmp(sub, "revoke") == 0 && i + 1 < argc) {
		r = ca_store_eab_revoke(st, argv[i + 1], (int64_t)time(NULL));
		if (r == 0)
			printf("revoked %s\n", argv[i + 1]);
		return r;
	}
	fprintf(stderr, "cairnd admin: eab create|list|revoke KID\n");
	return CN_ERR_USAGE;
}

/* ---- ari */

/* The intermediate's subjectKeyIdentifier (the AKI of what it issues). */
static int issuer_key_id(const char *data_dir, unsigned char **id, size_t *len)
{
	const ASN1_OCTET_STRING *ski;
	X509 *x = NULL;
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/intermediate.pem", data_dir);
	r = cn_cert_load(path, &x);
	if (r != 0)
		return r;
	ski = X509_get0_subject_key_id(x);
	if (ski == NULL) {
		X509_free(x);
		return cn_err_set(CN_ERR_IO, "%s has no subjectKeyIdentifier", path);
	}
	*len = (size_t)ASN1_STRING_length(ski);
	*id = cn_xmemdup(ASN1_STRING_get0_data(ski), *len);
	X509_free(x);
	return 0;
}

static bool cert_has_aki(const struct ca_cert *c, const unsigned char *id, size_t len)
{
	const ASN1_OCTET_STRING *aki;
	X509 *x = NULL;
	bool hit = false;

	if (cn_cert_from_der(c->der, c->der_len, &x) != 0)
		return false;
	aki = X509_get0_authority_key_id(x);
	hit = aki != NULL && (size_t)ASN1_STRING_length(aki) == len &&
	    memcmp(ASN1_STRING_get0_data(aki), id, len) == 0;
	X509_free(x);
	return hit;
}

/* --issuer: every valid certificate whose AKI is the intermediate's key. */
static int mark_issuer(struct ca_store *st, const char *data_dir, int64_t now, const char *url,
    size_t *marked)
{
	struct ca_cert *certs = NULL;
	unsigned char *id = NULL;
	size_t id_len = 0, n = 0, k, one;
	int64_t before = 0;
	int r;

	*marked = 0;
	r = issuer_key_id(data_dir, &id, &id_len);
	for (; r == 0; before = certs[n - 1].id) {
		ca_certs_free(certs, n);
		certs = NULL;
		n = 0;
		r = ca_store_cert_list(st, 0, before, 1000, &certs, &n);
		if (r != 0 || n == 0)
			break;
		for (k = 0; k < n && r == 0; k++) {
			if (certs[k].status != CA_ST_VALID || certs[k].not_after <= now ||
			    !cert_has_aki(&certs[k], id, id_len))
				continue;
			r = ca_store_ari_mark(st, certs[k].serial, 0, now, url, &one);
			if (r == CN_ERR_NOT_FOUND)
				r = 0; /* revoked or expired meanwhile */
			else if (r == 0)
				*marked += one;
		}
	}
	ca_certs_free(certs, n);
	free(id);
	return r;
}

static int cmd_ari(struct ca_store *st, const char *data_dir, int argc, char **argv, int i)
{
	struct admin_opts o;
	char serial[48];
	size_t n = 0;
	int64_t now = (int64_t)time(NULL);
	int r, selectors;

	if (i >= argc || strcmp(argv[i], "mark") != 0) {
		fprintf(stderr, "cairnd admin: ari mark (--serial S | --account ID | --issuer | --all)\n");
		return CN_ERR_USAGE;
	}
	r = parse_opts(argc, argv, i + 1, &o);
	if (r != 0)
		return r;
	selectors = (o.serial != NULL) + (o.account != 0) + o.issuer + o.all;
	if (selectors != 1) {
		fprintf(stderr, "cairnd admin: ari mark needs exactly one of --serial, --account, "
		    "--issuer, --all\n");
		return CN_ERR_USAGE;
	}
	if (o.serial) {
		ca_admin_serial_normalize(o.serial, serial);
		r = ca_store_ari_mark(st, serial, 0, now, o.explanation, &n);
	} else if (o.account) {
		r = ca_store_ari_mark(st, NULL, o.account, now, o.explanation, &n);
	} else if (o.issuer) {
		r = mark_issuer(st, data_dir, now, o.explanation, &n);
	} else {
		r = ca_store_ari_mark(st, NULL, 0, now, o.explanation, &n);
	}
	if (r == 0)
		printf("marked %zu\n", n);
	return r;
}

/* ---- block-key */

/* The SubjectPublicKeyInfo hash of a certificate, public or private key PEM. */
static int key_hash_from_file(const char *path, bool is_cert, char out[48])
{
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	BIO *bio = NULL;
	char *pem = NULL;
	size_t len = 0;
	int r;

	if (is_cert) {
		r = cn_cert_load(path, &x);
		if (r == 0)
			r = cn_pubkey_sha256_b64url(X509_get0_pubkey(x), out);
		X509_free(x);
		return r;
	}
	r = cn_file_read(path, ADMIN_KEY_MAX_PEM, &pem, &len);
	if (r != 0)
		return r;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio != NULL)
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (k == NULL && bio != NULL) {
		ERR_clear_error();
		(void)BIO_reset(bio);
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	}
	if (k == NULL)
		r = cn_err_openssl(CN_ERR_BAD_KEY, "reading a PEM public or private key");
	else
		r = cn_pubkey_sha256_b64url(k, out);
	EVP_PKEY_free(k);
	BIO_free(bio);
	cn_free_secret(pem, len);
	return r;
}

static int cmd_block_key(struct ca_store *st, int argc, char **argv, int i)
{
	struct admin_opts o;
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	int64_t n = 0;
	char hash[48];
	int r;

	r = parse_opts(argc, argv, i, &o);
	if (r != 0)
		return r;
	if ((o.cert != NULL) + (o.key != NULL) + (o.spki != NULL) != 1) {
		fprintf(stderr, "cairnd admin: block-key needs one of --cert, --key, --spki-sha256\n");
		return CN_ERR_USAGE;
	}
	if (o.spki) {
		r = cn_b64url_decode(o.spki, strlen(o.spki), &raw, &raw_len);
		free(raw);
		if (r != 0 || raw_len != 32)
			return cn_err_set(CN_ERR_USAGE, "--spki-sha256: not a base64url SHA-256");
		snprintf(hash, sizeof(hash), "%s", o.spki);
	} else {
		r = key_hash_from_file(o.cert ? o.cert : o.key, o.cert != NULL, hash);
		if (r != 0)
			return r;
	}
	/* Every valid certificate with the key is revoked with keyCompromise. */
	r = ca_store_key_block(st, hash, "", (int64_t)time(NULL), &n);
	if (r == 0)
		printf("blocked %s, revoked %lld certificate%s\n", hash, (long long)n,
		    n == 1 ? "" : "s");
	return r;
}

/* ---- list */

static int list_orders(struct ca_store *st, const struct admin_opts *o)
{
	struct ca_order ord;
	int64_t *ids = NULL;
	size_t n = 0, k;
	char expires[32];
	int r;

	r = ca_store_order_ids(st, o->account, o->before, (size_t)o->limit, &ids, &n);
	for (k = 0; k < n && r == 0; k++) {
		memset(&ord, 0, sizeof(ord));
		r = ca_store_order_get(st, ids[k], &ord);
		if (r != 0)
			break;
		time_text(ord.expires, expires);
		printf("%lld\t%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)ord.id,
		    (long long)ord.account_id, ca_status_str(ord.status),
		    ord.profile ? ord.profile : "-", expires, ord.identifiers_json,
		    ord.cert_serial[0] ? ord.cert_serial : "-");
		ca_order_cleanup(&ord);
	}
	free(ids);
	return r;
}

static int cmd_list(struct ca_store *st, int argc, char **argv, int i)
{
	struct admin_opts o;
	struct ca_account *accts = NULL;
	struct ca_cert *certs = NULL;
	const char *what = i < argc ? argv[i] : "";
	char t1[32], t2[32];
	size_t n = 0, k;
	int r;

	r = parse_opts(argc, argv, i + 1, &o);
	if (r != 0)
		return r;
	if (strcmp(what, "accounts") == 0) {
		r = ca_store_account_list(st, o.before, (size_t)o.limit, &accts, &n);
		for (k = 0; k < n && r == 0; k++) {
			time_text(accts[k].created, t1);
			printf("%lld\t%s\t%s\t%s\t%s\n", (long long)accts[k].id,
			    ca_status_str(accts[k].status), t1, accts[k].thumbprint,
			    accts[k].contact_json);
		}
		ca_accounts_free(accts, n);
		return r;
	}
	if (strcmp(what, "orders") == 0)
		return list_orders(st, &o);
	if (strcmp(what, "certs") == 0) {
		r = ca_store_cert_list(st, o.account, o.before, (size_t)o.limit, &certs, &n);
		for (k = 0; k < n && r == 0; k++) {
			time_text(certs[k].not_before, t1);
			time_text(certs[k].not_after, t2);
			printf("%s\t%lld\t%lld\t%s\t%s\t%s\t%s\n", certs[k].serial,
			    (long long)certs[k].account_id, (long long)certs[k].order_id,
			    ca_status_str(certs[k].status), t1, t2, certs[k].key_sha256);
		}
		ca_certs_free(certs, n);
		return r;
	}
	fprintf(stderr, "cairnd admin: list accounts|orders|certs\n");
	return CN_ERR_USAGE;
}

int ca_admin_protocol(struct ca_store *st, const char *data_dir, int argc, char **argv, int i,
    bool *handled)
{
	const char *cmd = argv[i];

	*handled = true;
	if (strcmp(cmd, "eab") == 0)
		return cmd_eab(st, argc, argv, i + 1);
	if (strcmp(cmd, "ari") == 0)
		return cmd_ari(st, data_dir, argc, argv, i + 1);
	if (strcmp(cmd, "block-key") == 0)
		return cmd_block_key(st, argc, argv, i + 1);
	if (strcmp(cmd, "list") == 0)
		return cmd_list(st, argc, argv, i + 1);
	*handled = false;
	return 0;
}
