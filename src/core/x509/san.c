/*
 * san.c - building subjectAltName GeneralNames (RFC 5280 4.2.1.6) from
 * dNSName and iPAddress identifiers (RFC 8738 section 7), host name syntax
 * (RFC 1123 section 2.1, CA/B Forum BR 7.1.2.7.12: LDH labels, no root
 * label) and RFC 5952 text for IP addresses.
 */
#include "x509/san.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mem.h"

#define DNS_NAME_MAX 253
#define DNS_LABEL_MAX 63

int cn_ip_octets_to_text(const unsigned char *ip, size_t len,
    char out[CN_IP_TEXT_MAX])
{
	int af;

	if (len == 4)
		af = AF_INET;
	else if (len == 16)
		af = AF_INET6;
	else
		return cn_err_set(CN_ERR_MALFORMED, "IP address of %zu octets", len);
	/* glibc's inet_ntop follows RFC 5952 section 4 (no "::" for one field). */
	if (inet_ntop(af, ip, out, CN_IP_TEXT_MAX) == NULL)
		return cn_err_set(CN_ERR_MALFORMED, "inet_ntop failed");
	return 0;
}

/* Text to 4 or 16 octets; returns the length, or 0 if text is no address. */
static size_t ip_parse(const char *text, unsigned char ip[16])
{
	if (inet_pton(AF_INET, text, ip) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, ip) == 1)
		return 16;
	return 0;
}

int cn_ip_normalize(const char *text, char out[CN_IP_TEXT_MAX])
{
	unsigned char ip[16];
	size_t len;

	len = ip_parse(text, ip);
	if (len == 0)
		return cn_err_set(CN_ERR_MALFORMED, "\"%.64s\" is not an IP address",
		    text);
	return cn_ip_octets_to_text(ip, len, out);
}

static bool is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

bool cn_dns_name_is_valid(const char *name)
{
	size_t len = strlen(name);
	size_t i, label = 0;

	if (len == 0 || len > DNS_NAME_MAX)
		return false;
	if (name[0] == '*') {
		/* A wildcard is exactly one leading "*." label. */
		if (len < 3 || name[1] != '.')
			return false;
		name += 2;
		len -= 2;
	}
	for (i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > DNS_LABEL_MAX ||
			    name[i - 1] == '-' || name[i - label] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_ldh(c))
			return false;
		label++;
	}
	return true;
}

/* Whether gens already holds a name of this type with these bytes. */
static bool gens_has(const GENERAL_NAMES *gens, int type, const void *data,
    size_t len)
{
	int i, t;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const ASN1_STRING *v = GENERAL_NAME_get0_value(
		    sk_GENERAL_NAME_value(gens, i), &t);

		if (t == type && (size_t)ASN1_STRING_length(v) == len &&
		    memcmp(ASN1_STRING_get0_data(v), data, len) == 0)
			return true;
	}
	return false;
}

static int add_dns(GENERAL_NAMES *gens, const char *name)
{
	GENERAL_NAME *gen = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	char *lower = NULL;
	size_t i, len;
	int r;

	if (!cn_dns_name_is_valid(name)) {
		r = cn_err_set(CN_ERR_MALFORMED, "\"%.64s\" is not a valid host name",
		    name);
		goto out;
	}
	len = strlen(name);
	lower = cn_xstrdup(name);
	for (i = 0; i < len; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	if (gens_has(gens, GEN_DNS, lower, len)) {
		r = 0;
		goto out;
	}
	gen = GENERAL_NAME_new();
	ia5 = ASN1_IA5STRING_new();
	if (gen == NULL || ia5 == NULL || ASN1_STRING_set(ia5, lower, (int)len) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building a dNSName");
		goto out;
	}
	GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
	ia5 = NULL;
	if (sk_GENERAL_NAME_push(gens, gen) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "sk_GENERAL_NAME_push");
		goto out;
	}
	gen = NULL;
	r = 0;
out:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gen);
	free(lower);
	return r;
}

static int add_ip(GENERAL_NAMES *gens, const char *text)
{
	GENERAL_NAME *gen = NULL;
	ASN1_OCTET_STRING *os = NULL;
	unsigned char ip[16];
	size_t len;
	int r;

	len = ip_parse(text, ip);
	if (len == 0) {
		r = cn_err_set(CN_ERR_MALFORMED, "\"%.64s\" is not an IP address",
		    text);
		goto out;
	}
	if (gens_has(gens, GEN_IPADD, ip, len)) {
		r = 0;
		goto out;
	}
	gen = GENERAL_NAME_new();
	os = ASN1_OCTET_STRING_new();
	if (gen == NULL || os == NULL || ASN1_OCTET_STRING_set(os, ip, (int)len) != 1) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "building an iPAddress");
		goto out;
	}
	GENERAL_NAME_set0_value(gen, GEN_IPADD, os);
	os = NULL;
	if (sk_GENERAL_NAME_push(gens, gen) <= 0) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "sk_GENERAL_NAME_push");
		goto out;
	}
	gen = NULL;
	r = 0;
out:
	ASN1_OCTET_STRING_free(os);
	GENERAL_NAME_free(gen);
	return r;
}

int cn_san_new(const char *const *dns, size_t n_dns, const char *const *ips,
    size_t n_ips, GENERAL_NAMES **out)
{
	GENERAL_NAMES *gens = NULL;
	size_t i;
	int r;

	if (n_dns + n_ips == 0) {
		r = cn_err_set(CN_ERR_MALFORMED, "no subjectAltName entries");
		goto out;
	}
	if (n_dns > CN_SAN_MAX_NAMES || n_ips > CN_SAN_MAX_NAMES - n_dns) {
		r = cn_err_set(CN_ERR_TOO_BIG, "more than %d subjectAltName entries",
		    CN_SAN_MAX_NAMES);
		goto out;
	}
	gens = GENERAL_NAMES_new();
	if (gens == NULL) {
		r = cn_err_openssl(CN_ERR_CRYPTO, "GENERAL_NAMES_new");
		goto out;
	}
	for (i = 0; i < n_dns; i++) {
		r = add_dns(gens, dns[i]);
		if (r != 0)
			goto out;
	}
	for (i = 0; i < n_ips; i++) {
		r = add_ip(gens, ips[i]);
		if (r != 0)
			goto out;
	}
	*out = gens;
	gens = NULL;
	r = 0;
out:
	GENERAL_NAMES_free(gens);
	return r;
}
