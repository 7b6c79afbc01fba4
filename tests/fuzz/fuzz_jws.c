/*
 * fuzz_jws.c - libFuzzer target for the JWS request parser (RFC 7515 7.2.2
 * as restricted by RFC 8555 6.2) and the JWK import it leads to.
 *
 * Parses the input as a request body; when it parses, checks the invariants
 * of struct cn_jws; when it carries a jwk that imports, verifies the
 * signature and checks that the key's own JWK has the same canonical form
 * (RFC 7638) as the one sent, since import accepts only canonical encodings.
 * Violations abort, so they show up as crashes (also under the replay main).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jose/jwk.h"
#include "jose/jws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parsed(const struct cn_jws *jws)
{
	if (jws->protected_hdr == NULL || (int)jws->alg < 0 || jws->alg >= CN_JWS_ALG_MAX)
		abort();
	if ((jws->jwk == NULL) == (jws->kid == NULL))
		abort(); /* exactly one of jwk and kid */
	if (jws->payload == NULL || jws->payload[jws->payload_len] != '\0')
		abort();
	if (jws->post_as_get != (jws->payload_len == 0))
		abort();
	if (jws->signing_input == NULL || strlen(jws->signing_input) != jws->signing_input_len)
		abort();
	if (jws->sig == NULL || jws->sig_len == 0)
		abort();
}

static void check_key(const struct cn_jws *jws, EVP_PKEY *key)
{
	char *sent = NULL, *own = NULL;
	char tp[CN_JWK_THUMBPRINT_LEN + 1];
	json_t *jwk = NULL;
	int r;

	r = cn_jws_verify(jws, key);
	if (r != 0 && r != CN_ERR_BAD_SIG && r != CN_ERR_BAD_SIG_ALG)
		abort();
	if (cn_jwk_thumbprint(jws->jwk, tp) != 0 || strlen(tp) != CN_JWK_THUMBPRINT_LEN)
		abort();
	if (cn_jwk_from_pkey(key, &jwk) != 0)
		abort();
	if (cn_jwk_canonical(jws->jwk, &sent) != 0 || cn_jwk_canonical(jwk, &own) != 0)
		abort();
	if (strcmp(sent, own) != 0)
		abort();
	free(sent);
	free(own);
	json_decref(jwk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cn_jws *jws = NULL;
	EVP_PKEY *key = NULL;

	if (cn_jws_parse(data, size, &jws) != 0)
		return 0;
	check_parsed(jws);
	if (jws->jwk != NULL && cn_jwk_to_pkey(jws->jwk, &key) == 0) {
		check_key(jws, key);
		EVP_PKEY_free(key);
	}
	cn_jws_free(jws);
	return 0;
}
