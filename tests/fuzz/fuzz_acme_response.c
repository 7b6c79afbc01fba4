/*
 * fuzz_acme_response.c - libFuzzer target for what the agent parses from a
 * CA's responses outside JSON objects: RFC 8555 6.7 problem documents
 * (src/core/acme/problem.c), Link header values (RFC 8288, as kept by
 * src/core/http/client.c) and Retry-After values (RFC 9110 10.2.3).
 *
 * The first input byte selects the parser; the rest is the input.
 * Invariants: a problem always has a type, a detail and a printable line of
 * bounded length; at most CN_HTTP_MAX_LINKS links, each with non-empty url
 * and rel without whitespace; Retry-After results are within [0, 30 days].
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/problem.h"
#include "http/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_problem(const uint8_t *d, size_t n)
{
	struct cn_acme_problem p;
	size_t i;

	cn_acme_problem_parse(d, n, 400, &p);
	if (p.type == NULL || p.detail == NULL || p.line == NULL)
		abort();
	if (strlen(p.line) > 480)
		abort();
	for (i = 0; p.line[i] != '\0'; i++)
		if ((unsigned char)p.line[i] < 0x20 || (unsigned char)p.line[i] >= 0x7f)
			abort(); /* escaped: printable ASCII only */
	(void)cn_acme_problem_code(p.type);
	(void)cn_acme_problem_err(&p);
	cn_acme_problem_cleanup(&p);
}

static void fuzz_link(const uint8_t *d, size_t n)
{
	struct cn_http_resp r;
	char *s = malloc(n + 1);
	size_t i;

	memcpy(s, d, n);
	s[n] = '\0';
	memset(&r, 0, sizeof(r));
	cn_http_link_parse(s, &r);
	if (r.n_links > CN_HTTP_MAX_LINKS)
		abort();
	for (i = 0; i < r.n_links; i++) {
		if (r.links[i].url == NULL || r.links[i].url[0] == '\0' || r.links[i].rel == NULL ||
		    r.links[i].rel[0] == '\0' || strpbrk(r.links[i].rel, " \t") != NULL)
			abort();
	}
	cn_http_resp_cleanup(&r);
	free(s);
}

static void fuzz_retry_after(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);
	long secs = -1;

	memcpy(s, d, n);
	s[n] = '\0';
	if (cn_http_retry_after_parse(s, 1700000000, &secs) == 0 && (secs < 0 || secs > 86400L * 30))
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_problem(data + 1, size - 1);
		break;
	case 1:
		fuzz_link(data + 1, size - 1);
		break;
	default:
		fuzz_retry_after(data + 1, size - 1);
		break;
	}
	return 0;
}
