/*
 * b64url.h - base64url without padding (RFC 4648 section 5, as RFC 8555
 * section 6.1 and RFC 7515 section 2 require): padding is never emitted and
 * is rejected on input, as are characters outside the alphabet and
 * non-canonical trailing bits. Also standard base64 (with padding) for PEM
 * and for the few places that need it.
 */
#ifndef CN_B64URL_H
#define CN_B64URL_H

#include <stddef.h>

#include "err.h"

/* Encodes len bytes; returns a NUL-terminated heap string (caller frees). */
char *cn_b64url_encode(const void *in, size_t len);
/*
 * Decodes in_len characters into a heap buffer (caller frees; NUL-terminated
 * for convenience, not counted in *out_len). CN_ERR_MALFORMED on padding,
 * bad characters, an impossible length or non-zero trailing bits.
 */
int cn_b64url_decode(const char *in, size_t in_len, unsigned char **out,
    size_t *out_len) CN_WUR;

/* Standard base64 with padding, no line breaks. */
char *cn_b64_encode(const void *in, size_t len);
/* Standard base64 with padding; whitespace is not accepted. */
int cn_b64_decode(const char *in, size_t in_len, unsigned char **out,
    size_t *out_len) CN_WUR;

#endif
