/*
 * http/curl_load.h - libcurl, loaded with dlopen() when the first HTTP
 * request needs it rather than at program start.
 *
 * libcurl.so.4 (Debian's OpenSSL flavour) pulls in some 30 shared
 * libraries (GnuTLS, Kerberos, LDAP, libssh2, ...) whose loading and
 * constructors cost a process about 20 ms of CPU and 5 MB of resident
 * memory. The agent's commonest run, a renewal check of a certificate that
 * is not due, makes no request at all, so it should not pay for them; this
 * is why src/core/http/client.c reaches libcurl only through this table and
 * why cairn is not linked with -lcurl. A process that is linked with libcurl
 * (cairnd) gets the copy it already has.
 *
 * Only the functions client.c calls are resolved. <curl/curl.h> is still
 * used for the types and constants (build-time only).
 */
#ifndef CN_HTTP_CURL_LOAD_H
#define CN_HTTP_CURL_LOAD_H

#include <time.h>

#include <curl/curl.h>

#include "err.h"

#define CN_CURL_SONAME "libcurl.so.4"

struct cn_curl {
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *c);
	void (*easy_reset)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	time_t (*getdate)(const char *s, const time_t *unused);
};

/*
 * The function table (borrowed, valid for the life of the process). The
 * first call loads CN_CURL_SONAME, resolves every function and runs
 * curl_global_init(CURL_GLOBAL_DEFAULT); it is thread-safe, and a failure
 * is remembered. CN_ERR_INTERNAL with a one-line detail ("libcurl.so.4
 * cannot be loaded (install libcurl4): ...") when the library, a function
 * or the global initialisation is missing.
 */
int cn_curl_load(const struct cn_curl **out) CN_WUR;

#endif
