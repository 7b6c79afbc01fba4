/*
 * fuzz_dnspersist.c - libFuzzer target for ca_dns_persist_record_check
 * (src/ca/validate/dnspersist01.c), the parser of the DNS TXT records a
 * dns-persist-01 validation reads (draft-ietf-acme-dns-persist section 4,
 * RFC 8659 section 4.2 issue-values). The input is one TXT record; it is
 * checked as a plain and as a wildcard validation. Invariants: only the
 * documented codes come back, and a record accepted for a wildcard is
 * accepted for the plain name too.
 * Seed corpus: tests/fuzz/corpus/fuzz_dnspersist/.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "validate/validate.h"

#define MAX_RECORD 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char txt[MAX_RECORD + 1];
	int plain, wild;

	if (size > MAX_RECORD)
		return 0;
	memcpy(txt, data, size);
	txt[size] = '\0';
	plain = ca_dns_persist_record_check(txt, "ca.example,ca2.example",
	    "https://ca.example/acme/acct/1", false, 1700000000);
	wild = ca_dns_persist_record_check(txt, "ca.example,ca2.example",
	    "https://ca.example/acme/acct/1", true, 1700000000);
	check(plain == 0 || plain == CN_ERR_NOT_FOUND || plain == CN_ERR_INCORRECT_RESPONSE);
	check(wild == 0 || wild == CN_ERR_NOT_FOUND || wild == CN_ERR_INCORRECT_RESPONSE);
	check(wild != 0 || plain == 0);
	return 0;
}
