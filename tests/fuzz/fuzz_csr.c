/*
 * fuzz_csr.c - libFuzzer target for cn_csr_parse_der (src/core/x509/csr.c),
 * the parser of the CSR in ACME finalize requests (RFC 8555 section 7.4).
 * On success it checks the invariants the rest of cairnd relies on, runs the
 * identifier check against the CSR's own names and frees everything.
 * Seed corpus: tests/fuzz/corpus/fuzz_csr/ (CSRs made with openssl req).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "x509/csr.h"
#include "x509/san.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cn_csr *csr = NULL;
	char ip[CN_IP_TEXT_MAX];
	size_t i, j;
	int r;

	r = cn_csr_parse_der(data, size, &csr);
	if (r != 0) {
		check(r == CN_ERR_BAD_CSR && csr == NULL);
		return 0;
	}
	check(csr->asn1 != NULL && csr->pubkey != NULL);
	check(csr->n_dns == 0 || csr->dns_names != NULL);
	check(csr->n_ip == 0 || csr->ip_addrs != NULL);
	for (i = 0; i < csr->n_dns; i++) {
		const char *d = csr->dns_names[i];

		check(d[0] != '\0' && strlen(d) <= 253);
		for (j = 0; d[j] != '\0'; j++)
			check(d[j] > 0x20 && d[j] < 0x7f && !(d[j] >= 'A' && d[j] <= 'Z'));
		for (j = 0; j < i; j++)
			check(strcmp(d, csr->dns_names[j]) != 0);
	}
	for (i = 0; i < csr->n_ip; i++) {
		check(cn_ip_normalize(csr->ip_addrs[i], ip) == 0);
		check(strcmp(ip, csr->ip_addrs[i]) == 0);
		for (j = 0; j < i; j++)
			check(strcmp(csr->ip_addrs[i], csr->ip_addrs[j]) != 0);
	}
	if (csr->common_name != NULL)
		check(csr->common_name[0] != '\0');
	/* The CSR's own names always match, unless the CN or the SAN is off. */
	r = cn_csr_check_identifiers(csr, (const char *const *)csr->dns_names,
	    csr->n_dns, (const char *const *)csr->ip_addrs, csr->n_ip);
	check(r == 0 || r == CN_ERR_BAD_CSR);
	if (r == 0)
		check(csr->n_dns + csr->n_ip > 0);
	cn_csr_free(csr);
	return 0;
}
