/*
 * fuzz_dns_answer_ttl.c - libFuzzer target for ca_v_answer_min_ttl
 * (src/ca/validate/resolver.c), the reader of the answer section of the DNS
 * messages libunbound passes on, whose TTLs (as the server sent them) cap
 * the reuse of a dns-persist-01 validation (draft-ietf-acme-dns-persist
 * section 7.8). The input is one DNS message. Invariants: no read outside
 * the input (ASan), a TTL found is below 2^31 (RFC 2181 section 8), no TTL
 * without an answer record, a failure leaves the output alone, and the same
 * input gives the same answer.
 * Seed corpus: tests/fuzz/corpus/fuzz_dns_answer_ttl/.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy = NULL;
	uint32_t ttl = 0xdeadbeefU, again = 0xdeadbeefU;
	bool ok, ok2;

	/* an exact-size copy, so that ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	check(copy != NULL);
	if (size > 0)
		memcpy(copy, data, size);
	ok = ca_v_answer_min_ttl(copy, size, &ttl);
	ok2 = ca_v_answer_min_ttl(copy, size, &again);
	check(ok == ok2 && ttl == again);
	if (ok) {
		check(ttl < 0x80000000U);
		check(size >= 12 && (copy[6] != 0 || copy[7] != 0));
	} else {
		check(ttl == 0xdeadbeefU);
	}
	free(copy);
	return 0;
}
