/*
 * punycode.h - Punycode (RFC 3492) and the check that an XN-label of a
 * requested DNS name is a real A-label (a P-Label in BR 7.1.2.7.12 terms),
 * for the identifier policy (policy.c), and UTF-8 rules of the public
 * suffix list turned into A-labels (psl.c).
 */
#ifndef CA_PUNYCODE_H
#define CA_PUNYCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Most code points we decode or encode: a DNS label has at most 63 octets. */
#define CA_PUNY_MAX_CPS 63

/*
 * Decodes the Punycode string in[0..len) (the part after "xn--"; letters
 * of either case) into at most max code points. Errors: CN_ERR_MALFORMED
 * (a bad digit, a non-basic code point before the delimiter, overflow, a
 * basic code point produced by the deltas, more than max code points).
 * *n is written only on success.
 */
int ca_puny_decode(const char *in, size_t len, uint32_t *out, size_t max, size_t *n) CN_WUR;

/*
 * Encodes n code points as Punycode into out (NUL-terminated, lower-case
 * digits), without the "xn--" prefix. Errors: CN_ERR_MALFORMED (a code
 * point above 0x10FFFF or a surrogate), CN_ERR_TOO_BIG (out_len too small).
 */
int ca_puny_encode(const uint32_t *cps, size_t n, char *out, size_t out_len) CN_WUR;

/*
 * Checks that the lower-case label[0..len), which starts with "xn--", is
 * an A-label: the rest decodes as Punycode to at least one non-ASCII code
 * point and encodes back to exactly the same text; the decoded label does
 * not begin or end with a hyphen nor have "--" in positions 3 and 4 (RFC
 * 5891 section 4.2.3.1); it holds no upper-case or non-LDH ASCII, C1
 * control, no-break space, full stop look-alike (U+3002, U+FF0E, U+FF61),
 * surrogate, noncharacter or U+FFFD. This is a partial IDNA2008 check: the
 * full derived property table of RFC 5892 is not applied. Errors:
 * CN_ERR_MALFORMED with a detail that says what is wrong.
 */
int ca_xn_label_check(const char *label, size_t len) CN_WUR;

/*
 * Converts one UTF-8 label (lower-case, as the public suffix list writes
 * them) to its A-label: ASCII labels are copied, others become "xn--" +
 * Punycode. Errors: CN_ERR_MALFORMED (bad UTF-8), CN_ERR_TOO_BIG.
 */
int ca_label_to_ascii(const char *utf8, size_t len, char *out, size_t out_len) CN_WUR;

#endif
