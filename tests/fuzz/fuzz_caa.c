/*
 * fuzz_caa.c - libFuzzer target for the CAA record parser and decision of
 * src/ca/validate/caa.c (RFC 8659 section 4, RFC 8657): the RDATA of CAA
 * answers and their issue-values come from any DNS server on the Internet.
 *
 * Input: one control byte, then records, each a 2-byte big-endian length
 * and that many RDATA bytes. Control bit 0: the identifier is a wildcard;
 * bits 1-2: the validation method (http-01, dns-01, tls-alpn-01, none);
 * bit 3: no account URI; bit 4: the rest of the input is not records but
 * the value of one "issue" property. Every record is parsed; the parsed
 * ones are decided on. Invariants: a parsed record has a 1..255-octet tag
 * of letters and digits and a NUL-terminated value of the remaining
 * length; the decision is 0 or CN_ERR_CAA with a bounded, non-empty
 * detail, the same twice; adding "0 issue cairn.test" to a non-wildcard
 * RRset never turns a permission into a refusal.
 * Seed corpus: tests/fuzz/corpus/fuzz_caa/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "validate/caa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RRS 64

static void check(int cond)
{
	if (!cond)
		abort();
}

static int decide(const struct ca_caa_req *req, const struct ca_caa_rr *rrs, size_t n)
{
	int r = ca_caa_decide(req, "www.fuzz.example", "fuzz.example", rrs, n);

	check(r == 0 || r == CN_ERR_CAA);
	if (r != 0)
		check(cn_err_detail()[0] != '\0' && strlen(cn_err_detail()) < 512);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"http-01", "dns-01", "tls-alpn-01", NULL};
	struct ca_caa_rr rrs[MAX_RRS + 1];
	struct ca_caa_req req;
	size_t n = 0, off = 1, len, i;
	int r, r2;

	if (size < 1)
		return 0;
	req.identities = "cairn.test,ca2.cairn.test";
	req.wildcard = (data[0] & 1) != 0;
	req.method = methods[(data[0] >> 1) & 3];
	req.account_uri = (data[0] & 8) ? NULL : "https://ca.test/acme/acct/1";
	if (data[0] & 16) {
		rrs[0].flags = 0;
		snprintf(rrs[0].tag, sizeof(rrs[0].tag), "%s", req.wildcard ? "issuewild" : "issue");
		rrs[0].value = malloc(size);
		check(rrs[0].value != NULL);
		memcpy(rrs[0].value, data + 1, size - 1);
		rrs[0].value[size - 1] = '\0';
		rrs[0].value_len = size - 1;
		n = 1;
	}
	while (!(data[0] & 16) && off + 2 <= size && n < MAX_RRS) {
		len = ((size_t)data[off] << 8) | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		r = ca_caa_rr_parse(data + off, len, &rrs[n]);
		off += len;
		if (r != 0) {
			check(r == CN_ERR_MALFORMED);
			continue;
		}
		check(strlen(rrs[n].tag) >= 1 && strlen(rrs[n].tag) <= 255);
		for (i = 0; rrs[n].tag[i] != '\0'; i++)
			check((rrs[n].tag[i] >= 'a' && rrs[n].tag[i] <= 'z') ||
			    (rrs[n].tag[i] >= 'A' && rrs[n].tag[i] <= 'Z') ||
			    (rrs[n].tag[i] >= '0' && rrs[n].tag[i] <= '9'));
		check(rrs[n].value_len == len - 2 - strlen(rrs[n].tag));
		check(rrs[n].value[rrs[n].value_len] == '\0');
		n++;
	}
	r = decide(&req, rrs, n);
	r2 = decide(&req, rrs, n);
	check(r == r2);
	if (!req.wildcard) {
		rrs[n].flags = 0;
		snprintf(rrs[n].tag, sizeof(rrs[n].tag), "issue");
		rrs[n].value = (char *)"cairn.test";
		rrs[n].value_len = strlen(rrs[n].value);
		r2 = decide(&req, rrs, n + 1);
		check(r != 0 || r2 == 0);
	}
	for (i = 0; i < n; i++)
		ca_caa_rr_cleanup(&rrs[i]);
	return 0;
}
