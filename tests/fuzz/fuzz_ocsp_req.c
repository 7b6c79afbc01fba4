/*
 * fuzz_ocsp_req.c - libFuzzer target for the OCSP request parser
 * (src/ca/revocation/ocsp_req.c), which reads untrusted bytes from every GET
 * path and POST body of the responder (RFC 6960 4.1.1, appendix A.1). The
 * input is parsed as DER and, as a GET path would be, base64-decoded then
 * parsed. On success it checks what the responder relies on: the hashes and
 * serial lie inside the input, their lengths match the algorithm and the
 * serial is a minimal DER INTEGER of 1..CA_OCSP_SERIAL_MAX octets.
 * Seed corpus: tests/fuzz/corpus/fuzz_ocsp_req/ (requests made by openssl
 * ocsp -reqout: SHA-1, SHA-256, with nonce, signed).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "revocation/ocsp_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static void parse_and_check(const uint8_t *data, size_t size)
{
	struct ca_ocsp_req r;
	enum ca_ocsp_req_result res;

	memset(&r, 0, sizeof(r));
	res = ca_ocsp_req_parse(data, size, &r);
	check(res == CA_OCSP_REQ_OK || res == CA_OCSP_REQ_MALFORMED ||
	    res == CA_OCSP_REQ_BAD_HASH);
	if (res != CA_OCSP_REQ_OK)
		return;
	check(size > 0 && size <= CA_OCSP_REQ_MAX);
	check((r.hash == CA_OCSP_SHA1 && r.hash_len == 20) ||
	    (r.hash == CA_OCSP_SHA256 && r.hash_len == 32));
	check(r.name_hash >= data && r.name_hash + r.hash_len <= data + size);
	check(r.key_hash >= data && r.key_hash + r.hash_len <= data + size);
	check(r.serial >= data && r.serial + r.serial_len <= data + size);
	check(r.serial_len >= 1 && r.serial_len <= CA_OCSP_SERIAL_MAX);
	if (r.serial_len > 1) {
		check(!(r.serial[0] == 0x00 && (r.serial[1] & 0x80) == 0));
		check(!(r.serial[0] == 0xff && (r.serial[1] & 0x80) != 0));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *der = NULL;
	size_t len = 0;
	int r;

	parse_and_check(data, size);
	r = ca_ocsp_req_b64_decode((const char *)data, size, &der, &len);
	check(r == 0 || r == CN_ERR_MALFORMED || r == CN_ERR_TOO_BIG);
	if (r == 0) {
		check(len <= CA_OCSP_REQ_MAX);
		parse_and_check(der, len);
		free(der);
	}
	return 0;
}
