/*
 * solve/dns01_update.c - dns-01 challenges (RFC 8555 section 8.4) published
 * by DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945), through ldns.
 *
 * The zone is found by asking the server itself for the SOA of the record
 * name (RFC 2136 section 4.2: the zone section names the enclosing zone).
 * Adding is an "Add To An RRset" (section 2.5.1) of one TXT record with
 * TTL DNS01_TTL; removal is "Delete An RR From An RRset" (section 2.5.4:
 * class NONE, TTL 0), so other TXT records at the name are untouched. The
 * server is given as an IP address (no system resolver is involved).
 *
 * TSIG keys are read from a BIND-style key file:
 *     key "name" { algorithm hmac-sha256; secret "base64"; };
 * Algorithms: hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512,
 * hmac-md5 (as ldns supports them).
 */
#include "solve/solve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "acme.h"
#include "file.h"
#include "log.h"
#include "mem.h"

#define DNS01_TTL 60
#define DNS01_TIMEOUT_S 5
#define TSIG_FILE_MAX 65536

struct dns_update {
	ldns_resolver *res;
	long wait_s;
	bool any_added;
};

/* ---- BIND key file ---------------------------------------------------------- */

/* Next token: a quoted string, a word, or one of { } ; */
static const char *next_token(const char *p, char *out, size_t out_len)
{
	size_t n = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p != '\0' && *p != '\n')
				p++;
			continue;
		}
		break;
	}
	if (*p == '\0')
		return NULL;
	if (*p == '{' || *p == '}' || *p == ';') {
		out[0] = *p;
		out[1] = '\0';
		return p + 1;
	}
	if (*p == '"') {
		p++;
		while (*p != '\0' && *p != '"') {
			if (n + 1 < out_len)
				out[n++] = *p;
			p++;
		}
		if (*p != '"')
			return NULL;
		out[n] = '\0';
		return p + 1;
	}
	while (*p != '\0' && !isspace((unsigned char)*p) && *p != '{' && *p != '}' && *p != ';' && *p != '"') {
		if (n + 1 < out_len)
			out[n++] = *p;
		p++;
	}
	out[n] = '\0';
	return p;
}

int agent_tsig_key_parse(const char *text, char **name, char **alg, char **secret)
{
	char tok[512], kname[256] = "", kalg[64] = "", ksec[512] = "";
	const char *p = text;

	p = next_token(p, tok, sizeof(tok));
	if (p == NULL || strcmp(tok, "key") != 0)
		goto bad;
	p = next_token(p, kname, sizeof(kname));
	if (p == NULL || kname[0] == '\0')
		goto bad;
	p = next_token(p, tok, sizeof(tok));
	if (p == NULL || strcmp(tok, "{") != 0)
		goto bad;
	for (;;) {
		char key[64];

		p = next_token(p, key, sizeof(key));
		if (p == NULL)
			goto bad;
		if (strcmp(key, "}") == 0)
			break;
		p = next_token(p, tok, sizeof(tok));
		if (p == NULL)
			goto bad;
		if (strcasecmp(key, "algorithm") == 0) {
			if (strlen(tok) >= sizeof(kalg))
				goto bad;
			memcpy(kalg, tok, strlen(tok) + 1);
		}
		else if (strcasecmp(key, "secret") == 0)
			memcpy(ksec, tok, sizeof(ksec)); /* both are 512 bytes, tok NUL-terminated */
		p = next_token(p, tok, sizeof(tok));
		if (p == NULL || strcmp(tok, ";") != 0)
			goto bad;
	}
	if (kalg[0] == '\0' || ksec[0] == '\0')
		goto bad;
	*name = cn_xstrdup(kname);
	*alg = cn_xstrdup(kalg);
	*secret = cn_xstrdup(ksec);
	return 0;
bad:
	return cn_err_set(CN_ERR_USAGE,
	    "TSIG key file: want key \"name\" { algorithm ALG; secret \"BASE64\"; };");
}

/* ldns's names for the algorithms (lib/tsig.c). */
static const char *ldns_alg_name(const char *alg)
{
	static const struct {
		const char *bind, *ldns;
	} m[] = {
		{"hmac-md5", "hmac-md5.sig-alg.reg.int."}, {"hmac-md5.sig-alg.reg.int", "hmac-md5.sig-alg.reg.int."},
		{"hmac-sha1", "hmac-sha1."}, {"hmac-sha224", "hmac-sha224."}, {"hmac-sha256", "hmac-sha256."},
		{"hmac-sha384", "hmac-sha384."}, {"hmac-sha512", "hmac-sha512."},
	};
	size_t i, n = strlen(alg);

	if (n > 0 && alg[n - 1] == '.')
		n--;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strlen(m[i].bind) == n && strncasecmp(m[i].bind, alg, n) == 0)
			return m[i].ldns;
	return NULL;
}

/* ---- updates ---------------------------------------------------------------- */

static int rcode_err(const char *what, ldns_pkt *answer)
{
	ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(answer));

	return cn_err_set(CN_ERR_DNS, "%s: server answered %s", what, lt ? lt->name : "?");
}

/* Finds the zone enclosing fqdn by asking the server for its SOA. */
static int find_zone(ldns_resolver *res, const char *fqdn, ldns_rdf **zone)
{
	ldns_rdf *name = NULL, *cur = NULL, *parent;
	ldns_pkt *q = NULL, *a = NULL;
	ldns_rr_list *soa;
	ldns_status s;
	int r = CN_ERR_DNS;

	name = ldns_dname_new_frm_str(fqdn);
	if (name == NULL)
		return cn_err_set(CN_ERR_MALFORMED, "bad DNS name %s", fqdn);
	cur = ldns_rdf_clone(name);
	while (cur != NULL && ldns_dname_label_count(cur) > 0) {
		ldns_pkt_free(a);
		a = NULL;
		q = ldns_pkt_query_new(ldns_rdf_clone(cur), LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
		if (q == NULL) {
			r = cn_err_set(CN_ERR_INTERNAL, "ldns_pkt_query_new failed");
			goto out;
		}
		ldns_pkt_set_random_id(q);
		s = ldns_resolver_send_pkt(&a, res, q);
		ldns_pkt_free(q);
		q = NULL;
		if (s != LDNS_STATUS_OK || a == NULL) {
			r = cn_err_set(CN_ERR_DNS, "SOA query for %s: %s", fqdn, ldns_get_errorstr_by_id(s));
			goto out;
		}
		soa = ldns_pkt_rr_list_by_type(a, LDNS_RR_TYPE_SOA, LDNS_SECTION_ANSWER);
		if (soa != NULL && ldns_rr_list_rr_count(soa) > 0) {
			*zone = ldns_rdf_clone(ldns_rr_owner(ldns_rr_list_rr(soa, 0)));
			ldns_rr_list_deep_free(soa);
			r = 0;
			goto out;
		}
		ldns_rr_list_deep_free(soa);
		soa = ldns_pkt_rr_list_by_type(a, LDNS_RR_TYPE_SOA, LDNS_SECTION_AUTHORITY);
		if (soa != NULL && ldns_rr_list_rr_count(soa) > 0) {
			*zone = ldns_rdf_clone(ldns_rr_owner(ldns_rr_list_rr(soa, 0)));
			ldns_rr_list_deep_free(soa);
			r = 0;
			goto out;
		}
		ldns_rr_list_deep_free(soa);
		parent = ldns_dname_left_chop(cur);
		ldns_rdf_deep_free(cur);
		cur = parent;
	}
	r = cn_err_set(CN_ERR_DNS, "no zone found for %s at the update server", fqdn);
out:
	ldns_pkt_free(a);
	ldns_rdf_deep_free(cur);
	ldns_rdf_deep_free(name);
	return r;
}

static int send_update(struct dns_update *u, const struct agent_chall *c, bool add)
{
	char *fqdn = NULL, *rrtext = NULL;
	ldns_rdf *zone = NULL;
	ldns_rr *rr = NULL;
	ldns_rr_list *up = NULL;
	ldns_pkt *pkt = NULL, *answer = NULL;
	ldns_status s;
	size_t n;
	int r;

	n = strlen(c->ident) + 20;
	fqdn = cn_xmalloc(n);
	snprintf(fqdn, n, "_acme-challenge.%s.", c->ident);
	r = find_zone(u->res, fqdn, &zone);
	if (r != 0)
		goto out;
	n = strlen(fqdn) + strlen(c->dns_value) + 64;
	rrtext = cn_xmalloc(n);
	snprintf(rrtext, n, "%s %d IN TXT \"%s\"", fqdn, add ? DNS01_TTL : 0, c->dns_value);
	s = ldns_rr_new_frm_str(&rr, rrtext, 0, NULL, NULL);
	if (s != LDNS_STATUS_OK) {
		r = cn_err_set(CN_ERR_INTERNAL, "TXT record: %s", ldns_get_errorstr_by_id(s));
		goto out;
	}
	if (!add)
		ldns_rr_set_class(rr, LDNS_RR_CLASS_NONE); /* RFC 2136 2.5.4 */
	up = ldns_rr_list_new();
	ldns_rr_list_push_rr(up, rr);
	rr = NULL;
	pkt = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, NULL, up, NULL);
	zone = NULL; /* owned by the packet now */
	if (pkt == NULL) {
		r = cn_err_set(CN_ERR_INTERNAL, "ldns_update_pkt_new failed");
		goto out;
	}
	ldns_pkt_set_random_id(pkt);
	s = ldns_update_pkt_tsig_add(pkt, u->res);
	if (s != LDNS_STATUS_OK) {
		r = cn_err_set(CN_ERR_CRYPTO, "TSIG: %s", ldns_get_errorstr_by_id(s));
		goto out;
	}
	s = ldns_resolver_send_pkt(&answer, u->res, pkt);
	if (s != LDNS_STATUS_OK || answer == NULL) {
		r = cn_err_set(CN_ERR_DNS, "UPDATE %s: %s", fqdn, ldns_get_errorstr_by_id(s));
		goto out;
	}
	if (ldns_pkt_get_rcode(answer) != LDNS_RCODE_NOERROR) {
		r = rcode_err(fqdn, answer);
		goto out;
	}
	CN_LOG(CN_LOG_DEBUG, "dns-01", "UPDATE %s %s done", add ? "add" : "delete", fqdn);
	r = 0;
out:
	ldns_pkt_free(answer);
	ldns_pkt_free(pkt);
	ldns_rr_list_deep_free(up);
	ldns_rr_free(rr);
	ldns_rdf_deep_free(zone);
	free(rrtext);
	free(fqdn);
	return r;
}

static int upd_present(struct agent_solver *s, const struct agent_chall *c)
{
	struct dns_update *u = s->impl;
	int r;

	if (strcmp(c->ident_type, "dns") != 0)
		return cn_err_set(CN_ERR_USAGE, "dns-01 cannot validate %s identifiers", c->ident_type);
	r = send_update(u, c, true);
	if (r == 0)
		u->any_added = true;
	return r;
}

static int upd_cleanup(struct agent_solver *s, const struct agent_chall *c)
{
	return send_update(s->impl, c, false);
}

static int upd_commit(struct agent_solver *s)
{
	struct dns_update *u = s->impl;

	if (u->any_added && u->wait_s > 0) {
		CN_LOG(CN_LOG_INFO, "dns-01", "waiting %lds for DNS propagation", u->wait_s);
		agent_sleep_ms(u->wait_s * 1000);
	}
	return 0;
}

static void upd_free(struct agent_solver *s)
{
	struct dns_update *u = s->impl;

	if (u->res != NULL)
		ldns_resolver_deep_free(u->res);
	free(u);
	free(s);
}

static const struct agent_solver_ops dns_update_ops = {
	"dns-01", upd_present, upd_cleanup, upd_commit, upd_free,
};

int agent_dns01_update_new(const char *server, const char *tsig_key_file, long wait_s,
    struct agent_solver **out)
{
	struct agent_solver *s = NULL;
	struct dns_update *u = NULL;
	char *addr = NULL, *text = NULL, *kname = NULL, *kalg = NULL, *ksec = NULL;
	const char *lalg;
	unsigned char a[16];
	ldns_rdf *ns = NULL;
	struct timeval tv = {DNS01_TIMEOUT_S, 0};
	int port = 53, r;

	if (strchr(server, ':') != NULL && (server[0] == '[' || strchr(server, ':') == strrchr(server, ':'))) {
		r = agent_parse_hostport(server, &addr, &port);
		if (r != 0)
			return r;
	} else {
		addr = cn_xstrdup(server);
	}
	r = cn_file_read(tsig_key_file, TSIG_FILE_MAX, &text, NULL);
	if (r != 0)
		goto out;
	r = agent_tsig_key_parse(text, &kname, &kalg, &ksec);
	if (r != 0)
		goto out;
	lalg = ldns_alg_name(kalg);
	if (lalg == NULL) {
		r = cn_err_set(CN_ERR_USAGE, "TSIG algorithm %s is not supported", kalg);
		goto out;
	}
	if (inet_pton(AF_INET, addr, a) == 1)
		ns = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, a);
	else if (inet_pton(AF_INET6, addr, a) == 1)
		ns = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, a);
	if (ns == NULL) {
		r = cn_err_set(CN_ERR_USAGE, "--dns-update wants an IP address, got '%s'", addr);
		goto out;
	}
	u = cn_xcalloc(1, sizeof(*u));
	u->wait_s = wait_s;
	u->res = ldns_resolver_new();
	if (u->res == NULL || ldns_resolver_push_nameserver(u->res, ns) != LDNS_STATUS_OK) {
		r = cn_err_set(CN_ERR_INTERNAL, "ldns_resolver_new failed");
		goto out;
	}
	ldns_resolver_set_port(u->res, (uint16_t)port);
	ldns_resolver_set_recursive(u->res, false);
	ldns_resolver_set_timeout(u->res, tv);
	ldns_resolver_set_retry(u->res, 2);
	ldns_resolver_set_fallback(u->res, true);
	ldns_resolver_set_tsig_keyname(u->res, kname);
	ldns_resolver_set_tsig_algorithm(u->res, lalg);
	ldns_resolver_set_tsig_keydata(u->res, ksec);
	s = cn_xcalloc(1, sizeof(*s));
	s->ops = &dns_update_ops;
	s->impl = u;
	u = NULL;
	*out = s;
	r = 0;
out:
	if (u != NULL) {
		if (u->res != NULL)
			ldns_resolver_deep_free(u->res);
		free(u);
	}
	ldns_rdf_deep_free(ns);
	free(addr);
	if (text != NULL)
		cn_free_secret(text, strlen(text));
	free(kname);
	free(kalg);
	if (ksec != NULL)
		cn_free_secret(ksec, strlen(ksec));
	return r;
}
