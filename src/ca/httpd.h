/*
 * httpd.h - cairnd's HTTPS listener on libmicrohttpd (GnuTLS): a thread pool
 * that collects each request (bounded body), hands it to the ACME layer and
 * sends back its response.
 */
#ifndef CA_HTTPD_H
#define CA_HTTPD_H

#include "err.h"

struct ca_ctx;
struct ca_httpd;

struct ca_req;
struct ca_resp;
/* Handles one request; must always fill resp. */
typedef void ca_httpd_handler(const struct ca_ctx *ctx, struct ca_req *req, struct ca_resp *resp);

/* Starts serving handler on listen ("HOST:PORT", "[V6]:PORT"): HTTPS with
 * the PEM certificate and key, or plain HTTP when cert_pem is NULL;
 * threads >= 1. */
int ca_httpd_start(const struct ca_ctx *ctx, ca_httpd_handler *handler, const char *listen,
    const char *cert_pem, const char *key_pem, int threads, struct ca_httpd **out) CN_WUR;
void ca_httpd_stop(struct ca_httpd *h);

/* Splits "HOST:PORT" / "[V6]:PORT" into a numeric sockaddr (loopback,
 * wildcard or any literal address; names are not resolved). */
struct sockaddr_storage;
int ca_parse_hostport(const char *s, struct sockaddr_storage *ss, unsigned int *ss_len) CN_WUR;

#endif
