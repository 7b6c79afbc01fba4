/*
 * httpd.c - the HTTPS server glue: libmicrohttpd with an internal thread pool
 * (epoll), TLS from in-memory PEM, TCP_NODELAY on every connection, request
 * bodies bounded by CA_MAX_BODY (413 beyond), and the translation between
 * MHD's callbacks and struct ca_req / struct ca_resp.
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "acme/acme.h"
#include "buf.h"
#include "log.h"
#include "mem.h"

#define CA_MAX_BODY (64 * 1024)
#define CA_MAX_QUERY 512
#define CA_CONN_TIMEOUT_S 30
/* Per-connection memory pool. MHD zeroes the whole pool between keep-alive
 * requests, so the plain-HTTP listener (OCSP, CRLs: small requests, many per
 * connection; an OCSP GET is at most 255 bytes by RFC 9919 section 6) gets a
 * small one. */
#define CA_CONN_MEMORY (128 * 1024)
#define CA_PLAIN_CONN_MEMORY (16 * 1024)

struct ca_httpd {
	struct MHD_Daemon *d;
	const struct ca_ctx *ctx;
	ca_httpd_handler *handler;
};

struct req_state {
	struct cn_buf body;
	bool too_big;
};

int ca_parse_hostport(const char *s, struct sockaddr_storage *ss, unsigned int *ss_len)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *port, *colon;
	size_t hlen;
	int e;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return cn_err_set(CN_ERR_USAGE, "'%s' is not [IPV6]:PORT", s);
		hlen = (size_t)(close - s - 1);
		if (hlen >= sizeof(host))
			return cn_err_set(CN_ERR_USAGE, "address too long");
		memcpy(host, s + 1, hlen);
		port = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return cn_err_set(CN_ERR_USAGE, "'%s' is not HOST:PORT", s);
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			return cn_err_set(CN_ERR_USAGE, "address too long");
		memcpy(host, s, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if (strcmp(host, "localhost") != 0)
		hints.ai_flags |= AI_NUMERICHOST;
	e = getaddrinfo(hlen ? host : NULL, port, &hints, &res);
	if (e != 0)
		return cn_err_set(CN_ERR_USAGE, "cannot use address '%s': %s", s, gai_strerror(e));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*ss_len = (unsigned int)res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void set_nodelay(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *ci;
	int one = 1;

	(void)cls;
	(void)socket_context;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL)
		setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

struct query_acc {
	struct cn_buf b;
	bool failed;
};

static enum MHD_Result query_add(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query_acc *q = cls;

	(void)kind;
	if (q->b.len && cn_buf_add(&q->b, "&", 1) != 0)
		q->failed = true;
	if (cn_buf_adds(&q->b, key) != 0)
		q->failed = true;
	if (value && (cn_buf_add(&q->b, "=", 1) != 0 || cn_buf_adds(&q->b, value) != 0))
		q->failed = true;
	return MHD_YES;
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct ca_resp *resp)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t i;

	mr = MHD_create_response_from_buffer(resp->body_len, resp->body ? resp->body : (void *)"",
	    resp->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (mr == NULL)
		return MHD_NO;
	resp->body = NULL; /* MHD owns it now */
	if (resp->content_type)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	for (i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(mr, resp->header_names[i], resp->header_values[i]);
	ret = MHD_queue_response(conn, (unsigned int)resp->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls)
{
	const struct ca_httpd *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct req_state *st = *con_cls;
	struct query_acc q;
	struct ca_req req;
	struct ca_resp resp;
	enum MHD_Result ret;

	(void)version;
	if (st == NULL) {
		st = cn_xcalloc(1, sizeof(*st));
		cn_buf_init(&st->body, CA_MAX_BODY);
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		if (!st->too_big && cn_buf_add(&st->body, upload_data, *upload_data_size) != 0)
			st->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	cn_buf_init(&q.b, CA_MAX_QUERY);
	q.failed = false;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_add, &q);
	req.method = method;
	req.path = url;
	req.query = q.b.len ? cn_buf_str(&q.b) : NULL;
	req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	req.body = st->body.data ? st->body.data : (const unsigned char *)"";
	req.body_len = st->body.len;
	req.now = (int64_t)time(NULL);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	req.peer = ci != NULL ? ci->client_addr : NULL;
	cn_err_clear();
	if (st->too_big) {
		req.reject_code = CN_ERR_TOO_BIG;
		req.reject_detail = "request body is larger than 65536 bytes";
	} else if (q.failed) {
		req.reject_code = CN_ERR_MALFORMED;
		req.reject_detail = "query string is too long";
	}
	h->handler(h->ctx, &req, &resp);
	/* Nothing read from the store is shown before it is durable. */
	if (ca_store_sync_reads(h->ctx->store) != 0) {
		ca_resp_cleanup(&resp);
		memset(&resp, 0, sizeof(resp));
		ca_resp_problem(&resp, CN_ERR_STORE, "the store cannot make its data durable");
	}
	ret = send_resp(conn, &resp);
	ca_req_cleanup(&req);
	ca_resp_cleanup(&resp);
	cn_buf_free(&q.b);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req_state *st = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (st == NULL)
		return;
	cn_buf_free(&st->body);
	free(st);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) CN_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	CN_LOG(CN_LOG_DEBUG, "httpd", "%s", msg);
}

int ca_httpd_start(const struct ca_ctx *ctx, ca_httpd_handler *handler, const char *listen,
    const char *cert_pem, const char *key_pem, int threads, struct ca_httpd **out)
{
	struct sockaddr_storage ss;
	unsigned int ss_len = 0;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct ca_httpd *h;
	int r;

	r = ca_parse_hostport(listen, &ss, &ss_len);
	if (r != 0)
		return r;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h = cn_xcalloc(1, sizeof(*h));
	h->ctx = ctx;
	h->handler = handler;
#define CA_MHD_COMMON_OPTIONS                                                   \
	MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,                           \
	MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,                     \
	MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CA_CONN_TIMEOUT_S,         \
	MHD_OPTION_CONNECTION_MEMORY_LIMIT,                                     \
	(size_t)(cert_pem ? CA_CONN_MEMORY : CA_PLAIN_CONN_MEMORY),             \
	MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,                        \
	MHD_OPTION_NOTIFY_CONNECTION, set_nodelay, NULL,                        \
	MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,                              \
	MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024
	if (cert_pem)
		h->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request, h,
		    CA_MHD_COMMON_OPTIONS,
		    MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
		    MHD_OPTION_HTTPS_MEM_KEY, key_pem,
		    MHD_OPTION_END);
	else
		h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
		    CA_MHD_COMMON_OPTIONS, MHD_OPTION_END);
#undef CA_MHD_COMMON_OPTIONS
	if (h->d == NULL) {
		free(h);
		return cn_err_set(CN_ERR_IO, "cannot listen on %s%s", listen,
		    cert_pem ? " (in use, or bad TLS key/certificate)" : " (in use?)");
	}
	*out = h;
	return 0;
}

void ca_httpd_stop(struct ca_httpd *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
