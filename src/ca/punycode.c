/*
 * punycode.c - RFC 3492 Punycode (section 6: the bootstring parameters of
 * section 5, decoding with the overflow checks of section 6.4, encoding),
 * the A-label check the identifier policy applies to XN-labels (RFC 5890
 * section 2.3.2.1, RFC 5891 section 4.2.3.1; partial, see punycode.h) and
 * UTF-8 labels to A-labels for the public suffix list.
 *
 * Not here: IDNA2008's derived property table (RFC 5892), bidi (RFC 5893)
 * and contextual rules, Unicode normalization: cairnd never maps names, it
 * only refuses XN-labels that cannot be A-labels.
 */
#include "punycode.h"

#include <stdio.h>
#include <string.h>

/* RFC 3492 section 5 */
#define BASE 36u
#define TMIN 1u
#define TMAX 26u
#define SKEW 38u
#define DAMP 700u
#define INITIAL_BIAS 72u
#define INITIAL_N 0x80u
#define MAXINT UINT32_MAX

static uint32_t adapt(uint32_t delta, uint32_t numpoints, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((BASE - TMIN) * TMAX) / 2) {
		delta /= BASE - TMIN;
		k += BASE;
	}
	return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

static uint32_t digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (uint32_t)(c - '0') + 26;
	if (c >= 'A' && c <= 'Z')
		return (uint32_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint32_t)(c - 'a');
	return BASE;
}

static char digit_char(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

static uint32_t threshold(uint32_t k, uint32_t bias)
{
	if (k <= bias)
		return TMIN;
	if (k >= bias + TMAX)
		return TMAX;
	return k - bias;
}

int ca_puny_decode(const char *in, size_t len, uint32_t *out, size_t max, size_t *n_out)
{
	uint32_t n = INITIAL_N, i = 0, bias = INITIAL_BIAS, oldi, w, k, digit, t;
	size_t b = 0, j, pos, n_cps = 0;

	for (j = 0; j < len; j++)
		if (in[j] == '-')
			b = j;
	for (j = 0; j < b; j++) {
		if ((unsigned char)in[j] >= 0x80)
			return cn_err_set(CN_ERR_MALFORMED, "Punycode has a non-ASCII character");
		if (n_cps >= max)
			return cn_err_set(CN_ERR_MALFORMED, "Punycode decodes to more than %zu code points", max);
		out[n_cps++] = (unsigned char)in[j];
	}
	pos = b > 0 ? b + 1 : 0;
	while (pos < len) {
		oldi = i;
		w = 1;
		for (k = BASE;; k += BASE) {
			if (pos >= len)
				return cn_err_set(CN_ERR_MALFORMED, "Punycode ends inside a number");
			digit = digit_value(in[pos++]);
			if (digit >= BASE)
				return cn_err_set(CN_ERR_MALFORMED, "Punycode has a character that is not a digit");
			if (digit > (MAXINT - i) / w)
				return cn_err_set(CN_ERR_MALFORMED, "Punycode overflows");
			i += digit * w;
			t = threshold(k, bias);
			if (digit < t)
				break;
			if (w > MAXINT / (BASE - t))
				return cn_err_set(CN_ERR_MALFORMED, "Punycode overflows");
			w *= BASE - t;
		}
		bias = adapt(i - oldi, (uint32_t)n_cps + 1, oldi == 0);
		if (i / ((uint32_t)n_cps + 1) > MAXINT - n)
			return cn_err_set(CN_ERR_MALFORMED, "Punycode overflows");
		n += i / ((uint32_t)n_cps + 1);
		i %= (uint32_t)n_cps + 1;
		if (n < INITIAL_N)
			return cn_err_set(CN_ERR_MALFORMED, "Punycode encodes a basic code point");
		if (n_cps >= max)
			return cn_err_set(CN_ERR_MALFORMED, "Punycode decodes to more than %zu code points", max);
		memmove(out + i + 1, out + i, (n_cps - i) * sizeof(*out));
		out[i++] = n;
		n_cps++;
	}
	*n_out = n_cps;
	return 0;
}

int ca_puny_encode(const uint32_t *cps, size_t n_cps, char *out, size_t out_len)
{
	uint32_t n = INITIAL_N, delta = 0, bias = INITIAL_BIAS, h, b = 0, m, q, k, t;
	size_t o = 0, j;

#define PUT(c)                                                                    \
	do {                                                                      \
		if (o + 1 >= out_len)                                             \
			return cn_err_set(CN_ERR_TOO_BIG, "Punycode is too long"); \
		out[o++] = (c);                                                   \
	} while (0)

	if (out_len == 0)
		return cn_err_set(CN_ERR_TOO_BIG, "Punycode is too long");
	if (n_cps > CA_PUNY_MAX_CPS * 4)
		return cn_err_set(CN_ERR_TOO_BIG, "too many code points");
	for (j = 0; j < n_cps; j++) {
		if (cps[j] > 0x10ffff || (cps[j] >= 0xd800 && cps[j] <= 0xdfff))
			return cn_err_set(CN_ERR_MALFORMED, "U+%04X is not a Unicode scalar value", (unsigned)cps[j]);
		if (cps[j] < INITIAL_N) {
			PUT((char)cps[j]);
			b++;
		}
	}
	h = b;
	if (b > 0)
		PUT('-');
	while (h < n_cps) {
		m = MAXINT;
		for (j = 0; j < n_cps; j++)
			if (cps[j] >= n && cps[j] < m)
				m = cps[j];
		if (m - n > (MAXINT - delta) / (h + 1))
			return cn_err_set(CN_ERR_MALFORMED, "Punycode overflows");
		delta += (m - n) * (h + 1);
		n = m;
		for (j = 0; j < n_cps; j++) {
			if (cps[j] < n && ++delta == 0)
				return cn_err_set(CN_ERR_MALFORMED, "Punycode overflows");
			if (cps[j] != n)
				continue;
			for (q = delta, k = BASE;; k += BASE) {
				t = threshold(k, bias);
				if (q < t)
					break;
				PUT(digit_char(t + (q - t) % (BASE - t)));
				q = (q - t) / (BASE - t);
			}
			PUT(digit_char(q));
			bias = adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		n++;
	}
	out[o] = '\0';
	return 0;
#undef PUT
}

/* Code points an A-label must not decode to (see punycode.h). */
static const char *bad_code_point(uint32_t c)
{
	if (c < 0x80) {
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
			return NULL;
		return c >= 'A' && c <= 'Z' ? "an upper-case letter" : "an ASCII character other than letters, "
										  "digits and hyphen";
	}
	if (c <= 0x9f)
		return "a control character";
	if (c == 0xa0)
		return "a no-break space";
	if (c == 0x3002 || c == 0xff0e || c == 0xff61)
		return "a full stop";
	if (c >= 0xd800 && c <= 0xdfff)
		return "a surrogate";
	if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
		return "a noncharacter";
	if (c == 0xfffd)
		return "the replacement character";
	if (c > 0x10ffff)
		return "no Unicode code point";
	return NULL;
}

int ca_xn_label_check(const char *label, size_t len)
{
	uint32_t cps[CA_PUNY_MAX_CPS];
	char again[CA_PUNY_MAX_CPS * 8];
	const char *why;
	size_t n = 0, i;
	bool non_ascii = false;

	if (len < 5 || strncmp(label, "xn--", 4) != 0)
		return cn_err_set(CN_ERR_MALFORMED, "not an XN-label");
	if (ca_puny_decode(label + 4, len - 4, cps, CA_PUNY_MAX_CPS, &n) != 0)
		return CN_ERR_MALFORMED; /* the detail says why */
	for (i = 0; i < n; i++) {
		why = bad_code_point(cps[i]);
		if (why != NULL)
			return cn_err_set(CN_ERR_MALFORMED, "it decodes to %s (U+%04X)", why, (unsigned)cps[i]);
		if (cps[i] >= 0x80)
			non_ascii = true;
	}
	if (!non_ascii)
		return cn_err_set(CN_ERR_MALFORMED, "it decodes to ASCII only");
	if (cps[0] == '-' || cps[n - 1] == '-')
		return cn_err_set(CN_ERR_MALFORMED, "it decodes to a label that begins or ends with a hyphen");
	if (n >= 4 && cps[2] == '-' && cps[3] == '-')
		return cn_err_set(CN_ERR_MALFORMED, "it decodes to a label with \"--\" in positions 3 and 4");
	if (ca_puny_encode(cps, n, again, sizeof(again)) != 0 || strlen(again) != len - 4 ||
	    memcmp(again, label + 4, len - 4) != 0)
		return cn_err_set(CN_ERR_MALFORMED, "it is not the Punycode encoding of what it decodes to");
	return 0;
}

/* Decodes one UTF-8 sequence at s[*i]; false on a malformed or overlong one. */
static bool utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	unsigned char c = s[*i];
	size_t need, k;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return true;
	}
	if ((c & 0xe0) == 0xc0) {
		need = 1;
		v = c & 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2;
		v = c & 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return false;
	}
	if (need > len - *i - 1)
		return false;
	for (k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return false;
		v = (v << 6) | (s[*i + k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return false;
	*i += need + 1;
	*cp = v;
	return true;
}

int ca_label_to_ascii(const char *utf8, size_t len, char *out, size_t out_len)
{
	const unsigned char *s = (const unsigned char *)utf8;
	uint32_t cps[CA_PUNY_MAX_CPS];
	size_t i = 0, n = 0;
	bool ascii = true;
	int w;

	while (i < len) {
		if (n >= CA_PUNY_MAX_CPS)
			return cn_err_set(CN_ERR_TOO_BIG, "label is too long");
		if (!utf8_next(s, len, &i, &cps[n]))
			return cn_err_set(CN_ERR_MALFORMED, "label is not UTF-8");
		if (cps[n] >= 0x80)
			ascii = false;
		n++;
	}
	if (ascii) {
		if (len + 1 > out_len)
			return cn_err_set(CN_ERR_TOO_BIG, "label is too long");
		memcpy(out, utf8, len);
		out[len] = '\0';
		return 0;
	}
	if (out_len < 5)
		return cn_err_set(CN_ERR_TOO_BIG, "label is too long");
	w = snprintf(out, out_len, "xn--");
	if (w != 4)
		return cn_err_set(CN_ERR_TOO_BIG, "label is too long");
	return ca_puny_encode(cps, n, out + 4, out_len - 4);
}
