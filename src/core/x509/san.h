/*
 * san.h - the subjectAltName extension (RFC 5280 4.2.1.6) as cairn issues
 * it: dNSName and iPAddress entries only (RFC 8738 section 7 for IP
 * addresses), and IP address text in the RFC 5952 canonical form.
 */
#ifndef CN_X509_SAN_H
#define CN_X509_SAN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509v3.h>

#include "err.h"

/* Longest RFC 5952 text (INET6_ADDRSTRLEN) plus the NUL. */
#define CN_IP_TEXT_MAX 46
/* Most names we put into, or accept from, one subjectAltName. */
#define CN_SAN_MAX_NAMES 1000

/*
 * Parses an IPv4 dotted quad or IPv6 text and writes its RFC 5952 form
 * (lower case, longest zero run as "::", IPv4-mapped as ::ffff:a.b.c.d).
 * CN_ERR_MALFORMED if text is not an IP address.
 */
int cn_ip_normalize(const char *text, char out[CN_IP_TEXT_MAX]) CN_WUR;
/* 4 or 16 octets to RFC 5952 text. CN_ERR_MALFORMED for other lengths. */
int cn_ip_octets_to_text(const unsigned char *ip, size_t len,
    char out[CN_IP_TEXT_MAX]) CN_WUR;

/*
 * Whether name is a host name cairn will put into a dNSName: dot-separated
 * labels of 1-63 letters, digits and hyphens (not at either end of a
 * label), 253 characters at most, no trailing dot, optionally "*." in front.
 * Case is ignored. Single-label names are accepted here; the issuance
 * policy rejects internal names.
 */
bool cn_dns_name_is_valid(const char *name);

/*
 * Builds GeneralNames with one dNSName per dns entry (lower-cased) and one
 * iPAddress per ips entry (4 or 16 octets), in that order, leaving out
 * repeats (the same name in any case, the same address in any text form).
 * Caller frees with GENERAL_NAMES_free. CN_ERR_MALFORMED for a name that is not a valid host
 * name or IP address, or for no names at all; CN_ERR_TOO_BIG past
 * CN_SAN_MAX_NAMES.
 */
int cn_san_new(const char *const *dns, size_t n_dns, const char *const *ips,
    size_t n_ips, GENERAL_NAMES **out) CN_WUR;

#endif
