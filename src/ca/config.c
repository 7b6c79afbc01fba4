/*
 * config.c - the option table of cairnd and its parsers (command line and
 * config file). Durations accept a number with a unit: s, m, h, d
 * ("90d", "8h", "30s"; a bare number is seconds).
 */
#include "config.h"
#include "ratelimit.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "file.h"
#include "mem.h"

enum opt_type { OPT_STR, OPT_INT, OPT_DURATION, OPT_BOOL, OPT_PORT };

struct opt {
	const char *name;
	enum opt_type type;
	size_t offset;
	const char *dflt;
	int64_t min, max;
	const char *help;
};

#define OFF(f) offsetof(struct ca_config, f)
#define DAY 86400
/* Bounds of the rate limits and their windows. */
#define RATE_MAX 1000000
#define RATE_MAX_WINDOW (90 * (int64_t)DAY)

static const struct opt opts[] = {
	{"data", OPT_STR, OFF(data_dir), "", 0, 0,
	    "directory of the store, CA keys and certificates (created on first start)"},
	{"listen", OPT_STR, OFF(listen), "127.0.0.1:14000", 0, 0,
	    "HOST:PORT of the HTTPS ACME API"},
	{"base-url", OPT_STR, OFF(base_url), "", 0, 0,
	    "external URL prefix of the API (default https://LISTEN)"},
	{"http-listen", OPT_STR, OFF(http_listen), "127.0.0.1:14080", 0, 0,
	    "HOST:PORT of the plain-HTTP listener for issuer certificates (AIA), OCSP and CRLs"},
	{"http-base-url", OPT_STR, OFF(http_base_url), "", 0, 0,
	    "external URL prefix of the plain-HTTP listener (default http://HTTP-LISTEN)"},
	{"resolver", OPT_STR, OFF(resolver), "127.0.0.1:53", 0, 0,
	    "HOST:PORT of the DNS server asked for every validation lookup"},
	{"trust-anchor", OPT_STR, OFF(trust_anchor), "/usr/share/dns/root.key", 0, 0,
	    "DNSSEC trust anchor file of the resolver (default: the IANA root key, Debian package dns-root-data; empty: no DNSSEC validation)"},
	{"http01-port", OPT_PORT, OFF(http01_port), "80", 1, 65535,
	    "port the http-01 validator connects to"},
	{"tlsalpn01-port", OPT_PORT, OFF(tlsalpn01_port), "443", 1, 65535,
	    "port the tls-alpn-01 validator connects to (and https redirects may use)"},
	{"allow-private-targets", OPT_BOOL, OFF(allow_private_targets), "false", 0, 0,
	    "allow validation of loopback, private and reserved addresses (tests only)"},
	{"validity", OPT_DURATION, OFF(validity_s), "90d", 3600, 398 * (int64_t)DAY,
	    "lifetime of issued certificates"},
	{"backdate", OPT_DURATION, OFF(backdate_s), "1h", 0, DAY,
	    "notBefore is set this far in the past to absorb clock skew"},
	{"workers", OPT_INT, OFF(workers), "16", 1, 256,
	    "validation and finalization worker threads"},
	{"http-threads", OPT_INT, OFF(http_threads), "16", 1, 256,
	    "HTTPS server threads"},
	{"order-lifetime", OPT_DURATION, OFF(order_lifetime_s), "7d", 60, 30 * (int64_t)DAY,
	    "how long a pending order stays usable"},
	{"authz-lifetime", OPT_DURATION, OFF(authz_lifetime_s), "7d", 60, 30 * (int64_t)DAY,
	    "how long a pending authorization stays usable"},
	{"valid-authz-lifetime", OPT_DURATION, OFF(valid_authz_lifetime_s), "30d", 0, 398 * (int64_t)DAY,
	    "how long a valid authorization is reused for new orders of the same account"},
	{"nonce-lifetime", OPT_DURATION, OFF(nonce_lifetime_s), "1h", 10, DAY,
	    "how long an unused nonce is accepted"},
	{"retry-after", OPT_INT, OFF(retry_after_s), "1", 0, 3600,
	    "Retry-After seconds on pending and processing resources"},
	{"validation-connect-timeout", OPT_INT, OFF(validation_connect_timeout_ms), "5000", 100, 60000,
	    "validation connect timeout (ms)"},
	{"validation-timeout", OPT_INT, OFF(validation_timeout_ms), "10000", 100, 120000,
	    "total time of one validation request (ms)"},
	{"validation-max-body", OPT_INT, OFF(validation_max_body), "8192", 128, 1048576,
	    "bytes read from an http-01 response"},
	{"validation-max-redirects", OPT_INT, OFF(validation_max_redirects), "10", 0, 10,
	    "redirects an http-01 validation follows"},
	{"max-names", OPT_INT, OFF(max_names), "100", 1, 1000,
	    "identifiers per order"},
	{"ca-key-type", OPT_STR, OFF(ca_key_type), "p256", 0, 0,
	    "key type of a newly created root and intermediate: p256, p384, rsa2048, rsa3072, rsa4096"},
	{"api-names", OPT_STR, OFF(api_names), "localhost,127.0.0.1,::1", 0, 0,
	    "comma-separated names and IPs in the HTTPS API certificate created on first start"},
	{"tos-url", OPT_STR, OFF(tos_url), "", 0, 0,
	    "terms of service URL in the directory meta (default BASE/terms)"},
	{"tos-version", OPT_STR, OFF(tos_version), "", 0, 0,
	    "version of the terms of service; accounts that agreed to another one must agree again (RFC 8555 7.3.3 userActionRequired; empty: never ask again)"},
	{"website", OPT_STR, OFF(website), "https://github.com/cairn-ca/cairn", 0, 0,
	    "website URL in the directory meta"},
	{"caa-identities", OPT_STR, OFF(caa_identities), "cairn.invalid", 0, 0,
	    "comma-separated CAA issuer domain names of this CA"},
	{"caa-recheck-age", OPT_DURATION, OFF(caa_recheck_age_s), "8h", 0, 8 * 3600,
	    "CAA is checked again at finalization for authorizations validated longer ago (BR 3.2.2.8: at most 8h)"},
	{"public-suffix-list", OPT_STR, OFF(public_suffix_list), "/usr/share/publicsuffix/public_suffix_list.dat", 0, 0,
	    "public suffix list (Debian package publicsuffix); a name that is an ICANN public suffix is refused"},
	{"blocklist", OPT_STR, OFF(blocklist), "", 0, 0,
	    "file of names (one a line, # comments) refused together with their subdomains; empty: none"},
	{"log-level", OPT_STR, OFF(log_level), "info", 0, 0,
	    "err, warn, info or debug"},
	{"eab-required", OPT_BOOL, OFF(eab_required), "false", 0, 0,
	    "require External Account Binding for new accounts"},
	{"rate-orders-per-account", OPT_INT, OFF(rate_orders), "300", 0, RATE_MAX,
	    "new orders an account may create per --rate-orders-window (RFC 8555 6.6 rateLimited; 0: no limit)"},
	{"rate-orders-window", OPT_DURATION, OFF(rate_orders_window_s), "3h", 1, RATE_MAX_WINDOW,
	    "window of --rate-orders-per-account"},
	{"rate-certs-per-domain", OPT_INT, OFF(rate_certs_domain), "50", 0, RATE_MAX,
	    "certificates per registered domain (Public Suffix List; an IP address counts alone) per --rate-certs-per-domain-window; renewals are exempt (0: no limit)"},
	{"rate-certs-per-domain-window", OPT_DURATION, OFF(rate_certs_domain_window_s), "7d", 1, RATE_MAX_WINDOW,
	    "window of --rate-certs-per-domain"},
	{"rate-duplicate-certs", OPT_INT, OFF(rate_duplicates), "5", 0, RATE_MAX,
	    "certificates for exactly the same set of identifiers per --rate-duplicate-certs-window; renewals are exempt (0: no limit)"},
	{"rate-duplicate-certs-window", OPT_DURATION, OFF(rate_duplicates_window_s), "7d", 1, RATE_MAX_WINDOW,
	    "window of --rate-duplicate-certs"},
	{"rate-failed-validations", OPT_INT, OFF(rate_failed), "5", 0, RATE_MAX,
	    "failed (invalid) authorizations of an account for one identifier per --rate-failed-validations-window (0: no limit)"},
	{"rate-failed-validations-window", OPT_DURATION, OFF(rate_failed_window_s), "1h", 1, RATE_MAX_WINDOW,
	    "window of --rate-failed-validations"},
	{"rate-accounts-per-ip", OPT_INT, OFF(rate_accounts), "10", 0, RATE_MAX,
	    "new accounts per client IPv4 address or IPv6 /64 per --rate-accounts-per-ip-window (0: no limit)"},
	{"rate-accounts-per-ip-window", OPT_DURATION, OFF(rate_accounts_window_s), "3h", 1, RATE_MAX_WINDOW,
	    "window of --rate-accounts-per-ip"},
	{"rate-pending-authz", OPT_INT, OFF(rate_pending_authz), "300", 0, RATE_MAX,
	    "pending authorizations an account may hold; newOrder and newAuthz are refused at the limit (0: no limit)"},
	{"rate-limit-exempt", OPT_STR, OFF(rate_exempt), "127.0.0.0/8,::1/128", 0, 0,
	    "comma-separated CIDRs of clients no rate limit applies to (loopback by default: local tools and tests; empty when a reverse proxy on this host forwards the public)"},
	{"ocsp-validity", OPT_DURATION, OFF(ocsp_validity_s), "7d", 8 * 3600, 10 * (int64_t)DAY,
	    "validity of OCSP responses, thisUpdate to nextUpdate (BR 4.9.9: 8h to 10d)"},
	{"ocsp-refresh", OPT_DURATION, OFF(ocsp_refresh_s), "3d", 60, 4 * (int64_t)DAY,
	    "OCSP responses older than this are signed again (BR 4.9.9: at most 4d, 8h before nextUpdate)"},
	{"crl-shards", OPT_INT, OFF(crl_shards), "8", 1, 1024,
	    "number of CRL shards (partitioned CRLs, BR 7.2) new certificates are spread over"},
	{"crl-validity", OPT_DURATION, OFF(crl_validity_s), "7d", 3600, 10 * (int64_t)DAY,
	    "validity of CRLs, thisUpdate to nextUpdate (BR 7.2: at most 10d)"},
	{"crl-interval", OPT_DURATION, OFF(crl_interval_s), "1d", 60, 7 * (int64_t)DAY,
	    "each CRL shard is signed again at least this often (and within seconds of a revocation)"},
	{"revocation-poll", OPT_DURATION, OFF(revocation_poll_s), "1s", 1, 60,
	    "how often OCSP/CRL publishing looks for new certificates and revocations"},
	{"challenge-attempts", OPT_INT, OFF(challenge_attempts), "1", 1, 10,
	    "validation attempts of a challenge before it and its authorization are invalid (RFC 8555 8.2; 1: no retry)"},
	{"challenge-retry-after", OPT_DURATION, OFF(challenge_retry_after_s), "10s", 1, 3600,
	    "after a failed attempt, the wait before the next one starts (its Retry-After)"},
	{"default-profile", OPT_STR, OFF(default_profile), "classic", 0, 0,
	    "profile of orders that ask for none: classic, tlsserver or shortlived"},
	{"profile-classic-validity", OPT_DURATION, OFF(profile_validity_s[0]), "90d", 3600, 398 * (int64_t)DAY,
	    "lifetime of classic certificates (CN promoted; capped by --validity)"},
	{"profile-classic-authz-lifetime", OPT_DURATION, OFF(profile_authz_reuse_s[0]), "30d", 0, 398 * (int64_t)DAY,
	    "how long a valid authorization is reused for classic orders (capped by --valid-authz-lifetime)"},
	{"profile-classic-max-names", OPT_INT, OFF(profile_max_names[0]), "100", 1, 1000,
	    "identifiers per classic order (capped by --max-names)"},
	{"profile-classic-ip", OPT_BOOL, OFF(profile_ip[0]), "false", 0, 0,
	    "allow IP address identifiers in classic orders"},
	{"profile-tlsserver-validity", OPT_DURATION, OFF(profile_validity_s[1]), "45d", 3600, 398 * (int64_t)DAY,
	    "lifetime of tlsserver certificates (no CN; capped by --validity)"},
	{"profile-tlsserver-authz-lifetime", OPT_DURATION, OFF(profile_authz_reuse_s[1]), "30d", 0, 398 * (int64_t)DAY,
	    "how long a valid authorization is reused for tlsserver orders"},
	{"profile-tlsserver-max-names", OPT_INT, OFF(profile_max_names[1]), "100", 1, 1000,
	    "identifiers per tlsserver order"},
	{"profile-tlsserver-ip", OPT_BOOL, OFF(profile_ip[1]), "false", 0, 0,
	    "allow IP address identifiers in tlsserver orders"},
	{"profile-shortlived-validity", OPT_DURATION, OFF(profile_validity_s[2]), "160h", 3600, 398 * (int64_t)DAY,
	    "lifetime of shortlived certificates (no CN; capped by --validity)"},
	{"profile-shortlived-authz-lifetime", OPT_DURATION, OFF(profile_authz_reuse_s[2]), "7h", 0, 398 * (int64_t)DAY,
	    "how long a valid authorization is reused for shortlived orders"},
	{"profile-shortlived-max-names", OPT_INT, OFF(profile_max_names[2]), "25", 1, 1000,
	    "identifiers per shortlived order"},
	{"profile-shortlived-ip", OPT_BOOL, OFF(profile_ip[2]), "true", 0, 0,
	    "allow IP address identifiers in shortlived orders"},
	{"ari-retry-after", OPT_DURATION, OFF(ari_retry_after_s), "6h", 60, 7 * (int64_t)DAY,
	    "Retry-After of renewalInfo responses (RFC 9773 4.3.1)"},
	{"ari-explanation-url", OPT_STR, OFF(ari_explanation_url), "", 0, 0,
	    "explanationURL of renewalInfo responses (empty: none, unless a mark gives one)"},
	{"alternate-chain", OPT_STR, OFF(alternate_chain), "", 0, 0,
	    "second chain (Link rel=alternate): empty for none, auto (a second root made on first start cross-signs the intermediate) or a PEM file"},
	{"dns-account-01", OPT_BOOL, OFF(dns_account_01), "false", 0, 0,
	    "offer the dns-account-01 challenge (draft-ietf-acme-dns-account-label-00)"},
	{"dns-persist-01", OPT_BOOL, OFF(dns_persist_01), "false", 0, 0,
	    "offer the dns-persist-01 challenge (draft-ietf-acme-dns-persist); issuer names are the caa-identities"},
	{"dns-persist-01-jit", OPT_BOOL, OFF(dns_persist_01_jit), "false", 0, 0,
	    "look for the dns-persist-01 record when newOrder or newAuthz creates an authorization and create it valid when it qualifies (draft section 4.2; needs --dns-persist-01)"},
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static int parse_int64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return CN_ERR_USAGE;
	*out = v;
	return 0;
}

static int parse_duration(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;
	int64_t mul = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v < 0)
		return CN_ERR_USAGE;
	if (*end != '\0') {
		if (end[1] != '\0')
			return CN_ERR_USAGE;
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = DAY; break;
		default: return CN_ERR_USAGE;
		}
	}
	if (v > INT64_MAX / mul)
		return CN_ERR_USAGE;
	*out = v * mul;
	return 0;
}

static int opt_set(struct ca_config *c, const struct opt *o, const char *val, const char *where)
{
	char *base = (char *)c;
	int64_t v = 0;
	int r = 0;

	switch (o->type) {
	case OPT_STR: {
		char **dst = (char **)(base + o->offset);

		free(*dst);
		*dst = cn_xstrdup(val);
		return 0;
	}
	case OPT_BOOL: {
		bool *dst = (bool *)(base + o->offset);

		if (strcmp(val, "true") == 0 || strcmp(val, "yes") == 0 || strcmp(val, "1") == 0)
			*dst = true;
		else if (strcmp(val, "false") == 0 || strcmp(val, "no") == 0 || strcmp(val, "0") == 0)
			*dst = false;
		else
			return cn_err_set(CN_ERR_USAGE, "%s%s: expected true or false, got '%s'",
			    where, o->name, val);
		return 0;
	}
	case OPT_INT:
	case OPT_PORT:
		r = parse_int64(val, &v);
		break;
	case OPT_DURATION:
		r = parse_duration(val, &v);
		break;
	}
	if (r != 0)
		return cn_err_set(CN_ERR_USAGE, "%s%s: invalid value '%s'", where, o->name, val);
	if (v < o->min || v > o->max)
		return cn_err_set(CN_ERR_USAGE, "%s%s: %s is outside [%" PRId64 ", %" PRId64 "]",
		    where, o->name, val, o->min, o->max);
	if (o->type == OPT_DURATION)
		*(int64_t *)(base + o->offset) = v;
	else
		*(int *)(base + o->offset) = (int)v;
	return 0;
}

static const struct opt *opt_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

void ca_config_defaults(struct ca_config *c)
{
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < N_OPTS; i++) {
		r = opt_set(c, &opts[i], opts[i].dflt, "default ");
		if (r != 0)
			abort(); /* the table itself is wrong */
	}
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int config_file_load(struct ca_config *c, const char *path)
{
	char *text = NULL, *line, *next, *eq, *key, *val;
	char where[600];
	size_t len = 0;
	int lineno = 0, r;
	const struct opt *o;

	r = cn_file_read(path, 1 << 20, &text, &len);
	if (r != 0) {
		r = cn_err_set(CN_ERR_USAGE, "cannot read config file %s", path);
		goto out;
	}
	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%d: ", path, lineno);
		eq = strchr(key, '=');
		if (eq == NULL) {
			r = cn_err_set(CN_ERR_USAGE, "%sexpected 'key = value'", where);
			goto out;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		o = opt_find(key, strlen(key));
		if (o == NULL || strcmp(key, "config") == 0) {
			r = cn_err_set(CN_ERR_USAGE, "%sunknown option '%s'", where, key);
			goto out;
		}
		r = opt_set(c, o, val, where);
		if (r != 0)
			goto out;
	}
	r = 0;
out:
	free(text);
	return r;
}

int ca_config_parse_args(struct ca_config *c, int argc, char **argv, bool *print_config,
    bool *show_help)
{
	int i, r;

	*print_config = false;
	*show_help = false;
	/* The config file first, so flags override it. */
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc)
				return cn_err_set(CN_ERR_USAGE, "--config needs a file");
			r = config_file_load(c, argv[i + 1]);
			if (r != 0)
				return r;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			r = config_file_load(c, argv[i] + 9);
			if (r != 0)
				return r;
		}
	}
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val;
		const struct opt *o;
		size_t name_len;

		if (strcmp(arg, "--config") == 0) {
			i++;
			continue;
		}
		if (strncmp(arg, "--config=", 9) == 0)
			continue;
		if (strcmp(arg, "--print-config") == 0) {
			*print_config = true;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			*show_help = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			return cn_err_set(CN_ERR_USAGE, "unexpected argument '%s'", arg);
		name = arg + 2;
		eq = strchr(name, '=');
		name_len = eq ? (size_t)(eq - name) : strlen(name);
		o = opt_find(name, name_len);
		if (o == NULL)
			return cn_err_set(CN_ERR_USAGE, "unknown option '%s' (see --help)", arg);
		if (eq) {
			val = eq + 1;
		} else if (o->type == OPT_BOOL) {
			val = "true";
		} else {
			if (i + 1 >= argc)
				return cn_err_set(CN_ERR_USAGE, "--%s needs a value", o->name);
			val = argv[++i];
		}
		r = opt_set(c, o, val, "--");
		if (r != 0)
			return r;
	}
	return 0;
}

int ca_config_finish(struct ca_config *c)
{
	struct cn_buf b;
	int r;

	if (c->data_dir[0] == '\0')
		return cn_err_set(CN_ERR_USAGE, "--data DIR is required");
	if (ca_ratelimit_exempt_check(c->rate_exempt) != 0)
		return CN_ERR_USAGE;
	if (strlen(c->tos_version) > 63)
		return cn_err_set(CN_ERR_USAGE, "--tos-version: at most 63 characters");
	if (strchr(c->listen, ':') == NULL)
		return cn_err_set(CN_ERR_USAGE, "--listen: expected HOST:PORT, got '%s'", c->listen);
	if (strchr(c->resolver, ':') == NULL)
		return cn_err_set(CN_ERR_USAGE, "--resolver: expected HOST:PORT, got '%s'", c->resolver);
	if (c->base_url[0] == '\0') {
		cn_buf_init(&b, 1024);
		r = cn_buf_addf(&b, "https://%s", c->listen);
		if (r != 0) {
			cn_buf_free(&b);
			return cn_err_set(CN_ERR_USAGE, "--listen is too long");
		}
		free(c->base_url);
		c->base_url = cn_buf_take(&b, NULL);
	}
	if (strchr(c->http_listen, ':') == NULL)
		return cn_err_set(CN_ERR_USAGE, "--http-listen: expected HOST:PORT, got '%s'",
		    c->http_listen);
	if (c->http_base_url[0] == '\0') {
		cn_buf_init(&b, 1024);
		r = cn_buf_addf(&b, "http://%s", c->http_listen);
		if (r != 0) {
			cn_buf_free(&b);
			return cn_err_set(CN_ERR_USAGE, "--http-listen is too long");
		}
		free(c->http_base_url);
		c->http_base_url = cn_buf_take(&b, NULL);
	}
	if (strncmp(c->http_base_url, "http://", 7) != 0)
		return cn_err_set(CN_ERR_USAGE, "--http-base-url must be an http:// URL (BR 7.1.2.7.7)");
	while (c->http_base_url[0] && c->http_base_url[strlen(c->http_base_url) - 1] == '/')
		c->http_base_url[strlen(c->http_base_url) - 1] = '\0';
	/* No trailing slash: paths are appended as "/acme/...". */
	while (c->base_url[0] && c->base_url[strlen(c->base_url) - 1] == '/')
		c->base_url[strlen(c->base_url) - 1] = '\0';
	/* BR 4.9.9: a new response at least 8 hours before nextUpdate (half the
	 * validity below 16 hours); the bounds of ocsp-refresh cap it at 4 days. */
	if (c->ocsp_validity_s >= 16 * 3600 ? c->ocsp_refresh_s > c->ocsp_validity_s - 8 * 3600 :
	    c->ocsp_refresh_s > c->ocsp_validity_s / 2)
		return cn_err_set(CN_ERR_USAGE, "--ocsp-refresh must leave 8 hours (half of a "
		    "validity under 16h) before the responses' nextUpdate (BR 4.9.9)");
	if (c->dns_persist_01_jit && !c->dns_persist_01)
		return cn_err_set(CN_ERR_USAGE, "--dns-persist-01-jit needs --dns-persist-01");
	if (c->crl_interval_s >= c->crl_validity_s)
		return cn_err_set(CN_ERR_USAGE, "--crl-interval must be shorter than --crl-validity");
	if (strcmp(c->default_profile, "classic") != 0 && strcmp(c->default_profile, "tlsserver") != 0 &&
	    strcmp(c->default_profile, "shortlived") != 0)
		return cn_err_set(CN_ERR_USAGE,
		    "--default-profile: expected classic, tlsserver or shortlived, got '%s'",
		    c->default_profile);
	if (c->tos_url[0] == '\0') {
		cn_buf_init(&b, 2048);
		r = cn_buf_addf(&b, "%s/terms", c->base_url);
		if (r != 0) {
			cn_buf_free(&b);
			return cn_err_set(CN_ERR_USAGE, "--base-url is too long");
		}
		free(c->tos_url);
		c->tos_url = cn_buf_take(&b, NULL);
	}
	return 0;
}

static void opt_value(const struct ca_config *c, const struct opt *o, char *out, size_t n)
{
	const char *base = (const char *)c;

	switch (o->type) {
	case OPT_STR:
		snprintf(out, n, "%s", *(char *const *)(base + o->offset));
		break;
	case OPT_BOOL:
		snprintf(out, n, "%s", *(const bool *)(base + o->offset) ? "true" : "false");
		break;
	case OPT_INT:
	case OPT_PORT:
		snprintf(out, n, "%d", *(const int *)(base + o->offset));
		break;
	case OPT_DURATION:
		snprintf(out, n, "%" PRId64 "s", *(const int64_t *)(base + o->offset));
		break;
	}
}

void ca_config_print(const struct ca_config *c, FILE *f)
{
	char val[1024];
	size_t i;

	fprintf(f, "# cairnd configuration: every option with its current value.\n");
	for (i = 0; i < N_OPTS; i++) {
		opt_value(c, &opts[i], val, sizeof(val));
		fprintf(f, "# %s\n%s = %s\n", opts[i].help, opts[i].name, val);
	}
}

static const char *type_name(enum opt_type t)
{
	switch (t) {
	case OPT_STR: return "string";
	case OPT_INT: return "integer";
	case OPT_DURATION: return "duration";
	case OPT_BOOL: return "boolean";
	case OPT_PORT: return "port";
	}
	return "?";
}

void ca_config_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: cairnd --data DIR [options]\n"
	           "       cairnd admin --data DIR COMMAND ...   (see cairnd admin --help)\n\n"
	           "Every option is also a config-file key (`key = value`, --config FILE).\n"
	           "Durations take a unit: 30s, 10m, 8h, 90d.\n\n");
	for (i = 0; i < N_OPTS; i++)
		fprintf(f, "  --%-28s %s (%s, default '%s')\n", opts[i].name, opts[i].help,
		    type_name(opts[i].type), opts[i].dflt);
	fprintf(f, "  --%-28s %s\n  --%-28s %s\n", "config FILE", "read options from FILE first",
	    "print-config", "print the effective configuration and exit");
}

void ca_config_markdown(FILE *f)
{
	size_t i;

	fprintf(f, "| option (flag and config key) | type | default | meaning |\n|---|---|---|---|\n");
	for (i = 0; i < N_OPTS; i++)
		fprintf(f, "| `--%s` | %s | `%s` | %s |\n", opts[i].name, type_name(opts[i].type),
		    opts[i].dflt, opts[i].help);
}

void ca_config_cleanup(struct ca_config *c)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++) {
		if (opts[i].type == OPT_STR) {
			char **p = (char **)((char *)c + opts[i].offset);

			free(*p);
			*p = NULL;
		}
	}
}
