/*
 * fuzz_certinfo.c - libFuzzer target for agent_certinfo_brief_from_pem
 * (src/agent/certinfo.c), the DER walk that reads serial, validity and the
 * RFC 9773 identifier of an installed certificate without OpenSSL.
 *
 * The input is a certificate's DER (wrapped here in PEM). Invariants: the
 * reader fails with CN_ERR_MALFORMED and an empty result, or gives a serial
 * of 1..23 octets in hex; and whenever OpenSSL's full parse
 * (agent_certinfo_from_pem) accepts the same input too, both agree on
 * serial, notBefore and notAfter, and on the identifier whenever the full
 * parse has one (OpenSSL reports no AKI when any extension it knows fails
 * to decode, e.g. a broken basicConstraints; the DER walk still finds it:
 * corpus bad-basic-constraints.der).
 * Seed corpus: tests/fuzz/corpus/fuzz_certinfo/ (certificates made with
 * openssl req / x509: EC and RSA, v1, critical extensions, dates past 2049).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "certinfo.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_certinfo brief, full;
	char *b64, *pem;
	size_t n, len;
	int r;

	if (size > 16384)
		return 0;
	b64 = cn_b64_encode(data, size);
	n = strlen(b64) + 64;
	pem = malloc(n);
	check(pem != NULL);
	len = (size_t)snprintf(pem, n, "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n", b64);
	free(b64);
	r = agent_certinfo_brief_from_pem(pem, len, &brief);
	if (r != 0) {
		check(r == CN_ERR_MALFORMED && brief.ari_id == NULL && brief.serial[0] == '\0');
		free(pem);
		return 0;
	}
	n = strlen(brief.serial);
	check(n >= 2 && n <= 46 && n % 2 == 0 && strspn(brief.serial, "0123456789abcdef") == n);
	check(brief.n_names == 0 && brief.issuer_cn == NULL);
	if (agent_certinfo_from_pem(pem, len, &full) == 0) {
		check(strcmp(brief.serial, full.serial) == 0);
		check(brief.not_before == full.not_before && brief.not_after == full.not_after);
		check(full.ari_id == NULL || str_eq(brief.ari_id, full.ari_id));
		agent_certinfo_cleanup(&full);
	}
	agent_certinfo_cleanup(&brief);
	free(pem);
	return 0;
}
