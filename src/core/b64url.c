/*
 * b64url.c - base64url (RFC 4648 section 5) without padding, and standard
 * base64 (section 4) with padding. Decoding is strict: canonical input only.
 */
#include "b64url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static const char url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *encode(const unsigned char *in, size_t len, const char *alpha, int pad)
{
	size_t out_len = (len / 3) * 4 + 5;
	char *out = cn_xmalloc(out_len);
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		out[o++] = alpha[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int decode_char(char c, const char *alpha)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(alpha, c);
	return p ? (int)(p - alpha) : -1;
}

/* Decodes unpadded input of in_len characters. */
static int decode(const char *in, size_t in_len, const char *alpha,
    unsigned char **out, size_t *out_len)
{
	size_t rem = in_len % 4, full = in_len / 4, n, i, o = 0;
	unsigned char *buf;
	int v[4];

	if (rem == 1)
		return cn_err_set(CN_ERR_MALFORMED, "base64: impossible length %zu", in_len);
	n = full * 3 + (rem ? rem - 1 : 0);
	buf = cn_xmalloc(n + 1);
	for (i = 0; i < in_len; i += 4) {
		size_t k, take = in_len - i < 4 ? in_len - i : 4;
		uint32_t w = 0;

		for (k = 0; k < take; k++) {
			v[k] = decode_char(in[i + k], alpha);
			if (v[k] < 0) {
				free(buf);
				return cn_err_set(CN_ERR_MALFORMED,
				    "base64: invalid character at offset %zu", i + k);
			}
			w |= (uint32_t)v[k] << (18 - 6 * k);
		}
		buf[o++] = (unsigned char)(w >> 16);
		if (take > 2)
			buf[o++] = (unsigned char)(w >> 8);
		if (take > 3)
			buf[o++] = (unsigned char)w;
		/* Non-zero trailing bits mean a non-canonical encoding. */
		if ((take == 2 && (w & 0xffff)) || (take == 3 && (w & 0xff))) {
			free(buf);
			return cn_err_set(CN_ERR_MALFORMED, "base64: non-canonical trailing bits");
		}
	}
	buf[o] = '\0';
	*out = buf;
	*out_len = o;
	return 0;
}

char *cn_b64url_encode(const void *in, size_t len)
{
	return encode(in, len, url_alpha, 0);
}

int cn_b64url_decode(const char *in, size_t in_len, unsigned char **out, size_t *out_len)
{
	return decode(in, in_len, url_alpha, out, out_len);
}

char *cn_b64_encode(const void *in, size_t len)
{
	return encode(in, len, std_alpha, 1);
}

int cn_b64_decode(const char *in, size_t in_len, unsigned char **out, size_t *out_len)
{
	size_t pad = 0;

	if (in_len % 4 != 0)
		return cn_err_set(CN_ERR_MALFORMED, "base64: length %zu is not a multiple of 4", in_len);
	while (pad < 2 && in_len > pad && in[in_len - 1 - pad] == '=')
		pad++;
	return decode(in, in_len - pad, std_alpha, out, out_len);
}
