/*
 * admin.c - `cairnd admin --data DIR COMMAND`:
 *   cert-status SERIAL     prints "valid" or "revoked REASON"; exit 1 if unknown
 *   revoke SERIAL [REASON] marks a certificate revoked (RFC 5280 reason code
 *                          or name; 1, keyCompromise, also blocks its key and
 *                          revokes every unexpired certificate with it). A
 *                          running cairnd publishes it (OCSP, CRL) within seconds.
 *   count-certs            prints the number of certificates in the store
 * and those of admin_protocol.c (eab, ari, block-key, list).
 */
#include "admin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "store/store.h"

static void admin_usage(FILE *f)
{
	fprintf(f, "usage: cairnd admin --data DIR COMMAND\n"
	           "  cert-status SERIAL       print \"valid\" or \"revoked REASON\" (exit 1: unknown)\n"
	           "  revoke SERIAL [REASON]   revoke a certificate (reason code, default 0)\n"
	           "  count-certs              print the number of certificates issued\n");
	ca_admin_protocol_usage(f);
}

/* RFC 5280 section 5.3.1 CRLReason by code or name; -1 if neither. */
static long reason_parse(const char *s)
{
	static const char *const names[] = {"unspecified", "keyCompromise", "cACompromise",
	    "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold", NULL,
	    "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
	char *end = NULL;
	long v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && strcasecmp(s, names[i]) == 0)
			return (long)i;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		return -1;
	return v;
}

/*
 * Accepts a serial as openssl prints it (upper case, maybe colons) or
 * without leading zeros, and returns the store's form: lower-case hex of the
 * DER integer's bytes, whose first byte is never zero for our serials.
 */
void ca_admin_serial_normalize(const char *in, char out[48])
{
	size_t i, o = 0, pad;
	char tmp[48];

	/* At most 46 digits, so that a padding "0" and the NUL fit in out. */
	for (i = 0; in[i] && o + 2 < sizeof(tmp); i++) {
		if (in[i] == ':')
			continue;
		if (o == 0 && in[i] == '0')
			continue; /* leading zeros */
		tmp[o++] = (char)tolower((unsigned char)in[i]);
	}
	tmp[o] = '\0';
	pad = o % 2;
	out[0] = '0';
	memcpy(out + pad, tmp, o + 1);
}

int ca_admin_main(int argc, char **argv)
{
	const char *data = NULL, *cmd = NULL;
	struct ca_store *st = NULL;
	struct ca_cert c;
	char path[4096], serial[48];
	int i, r, rc = 1;

	memset(&c, 0, sizeof(c));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			data = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			admin_usage(stdout);
			return 0;
		} else {
			cmd = argv[i];
			break;
		}
	}
	if (data == NULL || cmd == NULL) {
		admin_usage(stderr);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/cairn.db", data);
	r = ca_store_open(path, 1, &st);
	if (r != 0) {
		fprintf(stderr, "cairnd admin: cannot open the store %s: %s\n", path, cn_err_detail());
		return 1;
	}
	if (strcmp(cmd, "cert-status") == 0 && i + 1 < argc) {
		ca_admin_serial_normalize(argv[i + 1], serial);
		r = ca_store_cert_by_serial(st, serial, &c);
		if (r == CN_ERR_NOT_FOUND) {
			fprintf(stderr, "cairnd admin: no certificate with serial %s\n", serial);
			goto out;
		}
		if (r != 0)
			goto fail;
		if (c.status == CA_ST_REVOKED)
			printf("revoked %d\n", c.reason);
		else
			printf("valid\n");
		rc = 0;
	} else if (strcmp(cmd, "revoke") == 0 && i + 1 < argc) {
		long reason = 0;

		if (i + 2 < argc) {
			reason = reason_parse(argv[i + 2]);
			if (reason < 0 || reason > 10 || reason == 7) {
				fprintf(stderr, "cairnd admin: '%s' is not an RFC 5280 reason code\n", argv[i + 2]);
				rc = 2;
				goto out;
			}
		}
		ca_admin_serial_normalize(argv[i + 1], serial);
		if (reason == 1) {
			/* keyCompromise: block the key, revoke all its certificates. */
			int64_t n = 0;

			r = ca_store_key_compromised(st, serial, (int64_t)time(NULL), &n);
			if (r != 0)
				goto fail;
			printf("revoked %s; key blocked, %lld certificates revoked\n", serial,
			    (long long)n);
		} else {
			r = ca_store_cert_revoke(st, serial, (int)reason, (int64_t)time(NULL));
			if (r != 0)
				goto fail;
			printf("revoked %s\n", serial);
		}
		rc = 0;
	} else if (strcmp(cmd, "count-certs") == 0) {
		int64_t n = 0;

		r = ca_store_cert_count(st, &n);
		if (r != 0)
			goto fail;
		printf("%lld\n", (long long)n);
		rc = 0;
	} else {
		bool handled = false;

		cn_err_clear();
		r = ca_admin_protocol(st, data, argc, argv, i, &handled);
		if (!handled) {
			admin_usage(stderr);
			rc = 2;
		} else if (r == CN_ERR_USAGE && cn_err_detail()[0] == '\0') {
			rc = 2;
		} else if (r != 0) {
			goto fail;
		} else {
			rc = 0;
		}
	}
	goto out;
fail:
	fprintf(stderr, "cairnd admin: %s: %s\n", cmd, cn_err_detail()[0] ? cn_err_detail() : cn_err_str(r));
out:
	ca_cert_cleanup(&c);
	ca_store_close(st);
	return rc;
}
