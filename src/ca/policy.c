/*
 * policy.c - identifier policy. DNS names: lower-cased LDH labels of
 * 1..63 octets, at most 253 in all, at least two labels, no trailing dot, a
 * final label that is not all digits, a wildcard only as a whole leftmost
 * "*." label, no reserved LDH label ("--" in the third and fourth positions)
 * other than an XN-label, and no name in an IP reverse zone (in-addr.arpa,
 * ip6.arpa), as BR 7.1.2.7.12 requires. An XN-label must be an A-label
 * (punycode.c: it decodes and encodes back, partial IDNA2008 check). A name
 * that is an ICANN public suffix (psl.c), or a wildcard directly below one
 * (BR 3.2.2.6), is refused, and so is a name on or below an entry of the
 * operator's blocklist, or a wildcard that would cover such an entry. IP
 * addresses (RFC 8738): IPv4 dotted quad or IPv6, normalized to RFC 5952
 * text.
 *
 * The public suffix list and the blocklist are loaded once
 * (ca_policy_init, at startup) and only read afterwards.
 */
#include "policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "log.h"
#include "mem.h"
#include "nameset.h"
#include "psl.h"
#include "punycode.h"

#define CA_MAX_BLOCKLIST_FILE (64 << 20)

/* The loaded lists: written by ca_policy_init (or the first use), then read-only. */
static struct {
	pthread_mutex_t lock;
	bool loaded;
	struct ca_psl *psl;
	struct ca_nameset *blocked;         /* refused together with their subdomains */
	struct ca_nameset *blocked_parents; /* a wildcard here covers a blocked name */
} pol = {PTHREAD_MUTEX_INITIALIZER, false, NULL, NULL, NULL};

static bool is_ldh(int c)
{
	return isalnum(c) || c == '-';
}

/* One blocklist line (comment and blanks removed) into the sets. */
static int blocklist_entry(const char *path, int lineno, char *e, struct ca_nameset *set,
    struct ca_nameset *parents)
{
	size_t len = strlen(e), i, label = 0;
	const char *dot;

	for (i = 0; i < len; i++) {
		e[i] = (char)tolower((unsigned char)e[i]);
		if (e[i] == '.') {
			if (label == 0)
				break;
			label = 0;
		} else if (is_ldh((unsigned char)e[i]) && ++label <= 63) {
			continue;
		} else {
			break;
		}
	}
	if (i < len || label == 0 || len > CA_MAX_DNS_NAME)
		return cn_err_set(CN_ERR_USAGE,
		    "%s:%d: '%.80s' is not a DNS name (write one name a line; it blocks its subdomains too)",
		    path, lineno, e);
	ca_nameset_add(set, e, len);
	dot = strchr(e, '.');
	if (dot != NULL)
		ca_nameset_add(parents, dot + 1, strlen(dot + 1));
	return 0;
}

static int blocklist_load(const char *path, struct ca_nameset **set_out, struct ca_nameset **parents_out)
{
	struct ca_nameset *set = ca_nameset_new(), *parents = ca_nameset_new();
	char *text = NULL, *line, *next, *e, *hash;
	int lineno = 0, r = 0;

	if (path != NULL && path[0] != '\0') {
		r = cn_file_read(path, CA_MAX_BLOCKLIST_FILE, &text, NULL);
		if (r != 0) {
			r = cn_err_set(CN_ERR_USAGE, "cannot read the blocklist %s", path);
			goto out;
		}
		for (line = text; line != NULL && r == 0; line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			lineno++;
			hash = strchr(line, '#');
			if (hash != NULL)
				*hash = '\0';
			while (*line == ' ' || *line == '\t')
				line++;
			e = line + strlen(line);
			while (e > line && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
				*--e = '\0';
			if (*line != '\0')
				r = blocklist_entry(path, lineno, line, set, parents);
		}
		if (r != 0)
			goto out;
	}
	ca_nameset_seal(set);
	ca_nameset_seal(parents);
	if (path != NULL && path[0] != '\0')
		CN_LOG(CN_LOG_INFO, "policy", "blocklist %s: %zu names", path, ca_nameset_count(set));
	*set_out = set;
	*parents_out = parents;
	set = parents = NULL;
out:
	ca_nameset_free(set);
	ca_nameset_free(parents);
	free(text);
	return r;
}

/* Loads the lists named by cfg; pol.lock held. */
static int load_locked(const struct ca_config *cfg)
{
	const char *psl_path = cfg && cfg->public_suffix_list && cfg->public_suffix_list[0] ?
	    cfg->public_suffix_list : CA_POLICY_DEFAULT_PSL;
	struct ca_psl *psl = NULL;
	struct ca_nameset *blocked = NULL, *parents = NULL;
	int r;

	r = ca_psl_load(psl_path, &psl);
	if (r == 0)
		r = blocklist_load(cfg ? cfg->blocklist : NULL, &blocked, &parents);
	if (r != 0) {
		ca_psl_free(psl);
		return r;
	}
	ca_psl_free(pol.psl);
	ca_nameset_free(pol.blocked);
	ca_nameset_free(pol.blocked_parents);
	pol.psl = psl;
	pol.blocked = blocked;
	pol.blocked_parents = parents;
	pol.loaded = true;
	return 0;
}

int ca_policy_init(const struct ca_config *cfg)
{
	int r;

	pthread_mutex_lock(&pol.lock);
	r = load_locked(cfg);
	pthread_mutex_unlock(&pol.lock);
	return r;
}

void ca_policy_cleanup(void)
{
	pthread_mutex_lock(&pol.lock);
	ca_psl_free(pol.psl);
	ca_nameset_free(pol.blocked);
	ca_nameset_free(pol.blocked_parents);
	pol.psl = NULL;
	pol.blocked = pol.blocked_parents = NULL;
	pol.loaded = false;
	pthread_mutex_unlock(&pol.lock);
}

static int policy_ready(const struct ca_config *cfg)
{
	char why[400];
	int r = 0;

	pthread_mutex_lock(&pol.lock);
	if (!pol.loaded) {
		r = load_locked(cfg);
		if (r != 0) {
			snprintf(why, sizeof(why), "%s", cn_err_detail());
			CN_LOG(CN_LOG_ERR, "policy", "%s", why);
			r = cn_err_set(CN_ERR_INTERNAL, "the CA's identifier policy is not available: %s", why);
		}
	}
	pthread_mutex_unlock(&pol.lock);
	return r;
}

/* Every XN-label of name must be an A-label. */
static int xn_labels_check(const char *name)
{
	const char *p = name, *e;
	char why[300];

	while (*p != '\0') {
		e = strchr(p, '.');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) >= 4 && strncmp(p, "xn--", 4) == 0 && ca_xn_label_check(p, (size_t)(e - p)) != 0) {
			snprintf(why, sizeof(why), "%s", cn_err_detail());
			return cn_err_set(CN_ERR_REJECTED_ID, "the label '%.*s' of '%.253s' is not a valid A-label: %s",
			    (int)(e - p), p, name, why);
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

/* Public suffixes and the blocklist; pol is loaded. */
static int lists_check(const char *name, bool wildcard)
{
	const char *s;

	if (ca_psl_is_public_suffix(pol.psl, name)) {
		if (wildcard)
			return cn_err_set(CN_ERR_REJECTED_ID,
			    "'*.%.253s' is a wildcard directly below the public suffix '%.253s' (BR 3.2.2.6)", name,
			    name);
		return cn_err_set(CN_ERR_REJECTED_ID,
		    "'%.253s' is a public suffix: nobody can show control of every name below it", name);
	}
	for (s = name; s != NULL; s = strchr(s, '.')) {
		if (*s == '.')
			s++;
		if (ca_nameset_has(pol.blocked, s, strlen(s)))
			return cn_err_set(CN_ERR_REJECTED_ID,
			    "'%s%.253s' is refused by the policy of this CA ('%.253s' is on its blocklist)",
			    wildcard ? "*." : "", name, s);
	}
	if (wildcard && ca_nameset_has(pol.blocked_parents, name, strlen(name)))
		return cn_err_set(CN_ERR_REJECTED_ID,
		    "'*.%.253s' would cover a name that is on the blocklist of this CA", name);
	return 0;
}

/* True when name is suffix or ends in "." suffix. */
static bool dns_name_in_zone(const char *name, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && strcmp(name + len - n, suffix) == 0 &&
	    (len == n || name[len - n - 1] == '.');
}

static int dns_name_check(const char *name)
{
	size_t len = strlen(name), label = 0, labels = 0;
	bool all_digits = true;
	const char *p, *start = name;

	if (len == 0)
		return cn_err_set(CN_ERR_REJECTED_ID, "empty DNS name");
	if (len > CA_MAX_DNS_NAME)
		return cn_err_set(CN_ERR_REJECTED_ID, "DNS name is longer than %d octets", CA_MAX_DNS_NAME);
	if (name[len - 1] == '.')
		return cn_err_set(CN_ERR_REJECTED_ID, "DNS name '%.253s' ends with a dot", name);
	for (p = name; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0)
				return cn_err_set(CN_ERR_REJECTED_ID, "DNS name '%.253s' has an empty label", name);
			if (p[-1] == '-')
				return cn_err_set(CN_ERR_REJECTED_ID,
				    "a label of '%.253s' ends with a hyphen", name);
			/* BR 7.1.2.7.12: P-Labels or Non-Reserved LDH Labels only. */
			if (label >= 4 && start[2] == '-' && start[3] == '-' &&
			    strncmp(start, "xn", 2) != 0)
				return cn_err_set(CN_ERR_REJECTED_ID,
				    "a label of '%.253s' is a reserved LDH label ('--' in positions 3-4)",
				    name);
			labels++;
			if (*p == '\0')
				break;
			label = 0;
			start = p + 1;
			all_digits = true;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || *p == '-'))
			return cn_err_set(CN_ERR_REJECTED_ID,
			    "DNS name '%.253s' has a character outside letters, digits and hyphen", name);
		if (label == 0 && *p == '-')
			return cn_err_set(CN_ERR_REJECTED_ID, "a label of '%.253s' starts with a hyphen", name);
		if (!isdigit((unsigned char)*p))
			all_digits = false;
		if (++label > 63)
			return cn_err_set(CN_ERR_REJECTED_ID, "a label of '%.253s' is longer than 63 octets", name);
	}
	if (labels < 2)
		return cn_err_set(CN_ERR_REJECTED_ID, "DNS name '%.253s' has fewer than two labels", name);
	if (all_digits)
		return cn_err_set(CN_ERR_REJECTED_ID,
		    "DNS name '%.253s' ends in a numeric label (an IP address is an \"ip\" identifier)", name);
	/* BR 4.2.2 and 7.1.2.7.12 (effective 2026-03-15). */
	if (dns_name_in_zone(name, len, "in-addr.arpa") || dns_name_in_zone(name, len, "ip6.arpa"))
		return cn_err_set(CN_ERR_REJECTED_ID,
		    "DNS name '%.253s' is in an IP reverse zone (an IP address is an \"ip\" identifier)",
		    name);
	return 0;
}

int ca_policy_identifier(const struct ca_config *cfg, const char *type, const char *value,
    struct ca_identifier *out)
{
	char *norm = NULL;
	size_t i, len;
	bool wildcard = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (strcmp(type, "dns") == 0) {
		len = strlen(value);
		if (len > CA_MAX_DNS_NAME + 2)
			return cn_err_set(CN_ERR_REJECTED_ID, "DNS name is longer than %d octets",
			    CA_MAX_DNS_NAME);
		if (strncmp(value, "*.", 2) == 0) {
			wildcard = true;
			value += 2;
			len -= 2;
		}
		norm = cn_xstrndup(value, len);
		for (i = 0; i < len; i++)
			norm[i] = (char)tolower((unsigned char)norm[i]);
		r = dns_name_check(norm);
		if (r == 0)
			r = xn_labels_check(norm);
		if (r == 0)
			r = policy_ready(cfg);
		if (r == 0)
			r = lists_check(norm, wildcard);
		if (r != 0) {
			free(norm);
			return r;
		}
	} else if (strcmp(type, "ip") == 0) {
		unsigned char bin[16];
		char text[INET6_ADDRSTRLEN];
		int af = strchr(value, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(af, value, bin) != 1 || inet_ntop(af, bin, text, sizeof(text)) == NULL)
			return cn_err_set(CN_ERR_REJECTED_ID, "'%.64s' is not an IP address", value);
		norm = cn_xstrdup(text);
	} else {
		return cn_err_set(CN_ERR_UNSUPPORTED_ID, "identifier type '%.32s' is not supported", type);
	}
	snprintf(out->type, sizeof(out->type), "%s", type);
	out->value = norm;
	out->wildcard = wildcard;
	return 0;
}

int ca_policy_registrable_domain(const struct ca_config *cfg, const char *name, const char **out)
{
	const char *top;
	int r;

	r = policy_ready(cfg);
	if (r != 0)
		return r;
	top = ca_psl_registrable_domain(pol.psl, name);
	if (top == NULL)
		return cn_err_set(CN_ERR_REJECTED_ID, "'%.253s' is a public suffix", name);
	*out = top;
	return 0;
}

void ca_identifier_cleanup(struct ca_identifier *id)
{
	free(id->value);
	id->value = NULL;
}

const char *const *ca_policy_challenges(const struct ca_identifier *id)
{
	static const char *const dns_all[] = {"http-01", "dns-01", "tls-alpn-01", NULL};
	static const char *const dns_wild[] = {"dns-01", NULL};
	static const char *const ip[] = {"http-01", "tls-alpn-01", NULL};

	if (strcmp(id->type, "ip") == 0)
		return ip;
	return id->wildcard ? dns_wild : dns_all;
}
