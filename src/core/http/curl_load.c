/*
 * http/curl_load.c - loads libcurl on first use (see curl_load.h for why).
 *
 * dlopen(RTLD_NOW | RTLD_LOCAL) of the SONAME, dlsym() of each function
 * client.c needs, curl_global_init() once; all under pthread_once so the
 * first request of any thread does it. The library is never closed: libcurl
 * and the TLS libraries below it keep global state for the life of the
 * process. (POSIX guarantees that a dlsym() result converts to a function
 * pointer.)
 */
#include "http/curl_load.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static struct cn_curl curl_fns;
static int curl_rc;
static char curl_why[256];

/* Resolves one symbol; records the first failure in curl_why. */
static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (p == NULL && curl_why[0] == '\0')
		snprintf(curl_why, sizeof(curl_why), "%s lacks %s", CN_CURL_SONAME, name);
	return p;
}

static void curl_load_once(void)
{
	CURLcode (*global_init)(long flags);
	const char *e;
	void *h;
	CURLcode c;

	h = dlopen(CN_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		e = dlerror();
		snprintf(curl_why, sizeof(curl_why), "%s cannot be loaded (install libcurl4): %s", CN_CURL_SONAME,
		    e != NULL ? e : "dlopen failed");
		curl_rc = CN_ERR_INTERNAL;
		return;
	}
	global_init = (CURLcode (*)(long))sym(h, "curl_global_init");
	curl_fns.easy_init = (CURL * (*)(void)) sym(h, "curl_easy_init");
	curl_fns.easy_cleanup = (void (*)(CURL *))sym(h, "curl_easy_cleanup");
	curl_fns.easy_reset = (void (*)(CURL *))sym(h, "curl_easy_reset");
	curl_fns.easy_setopt = (CURLcode (*)(CURL *, CURLoption, ...))sym(h, "curl_easy_setopt");
	curl_fns.easy_perform = (CURLcode (*)(CURL *))sym(h, "curl_easy_perform");
	curl_fns.easy_getinfo = (CURLcode (*)(CURL *, CURLINFO, ...))sym(h, "curl_easy_getinfo");
	curl_fns.easy_strerror = (const char *(*)(CURLcode))sym(h, "curl_easy_strerror");
	curl_fns.slist_append = (struct curl_slist * (*)(struct curl_slist *, const char *))
	    sym(h, "curl_slist_append");
	curl_fns.slist_free_all = (void (*)(struct curl_slist *))sym(h, "curl_slist_free_all");
	curl_fns.getdate = (time_t (*)(const char *, const time_t *))sym(h, "curl_getdate");
	if (curl_why[0] != '\0') {
		curl_rc = CN_ERR_INTERNAL;
		return;
	}
	c = global_init(CURL_GLOBAL_DEFAULT);
	if (c != CURLE_OK) {
		snprintf(curl_why, sizeof(curl_why), "curl_global_init: %s", curl_fns.easy_strerror(c));
		curl_rc = CN_ERR_INTERNAL;
		return;
	}
	curl_rc = 0;
}

int cn_curl_load(const struct cn_curl **out)
{
	pthread_once(&curl_once, curl_load_once);
	if (curl_rc != 0)
		return cn_err_set(curl_rc, "%s", curl_why);
	*out = &curl_fns;
	return 0;
}
