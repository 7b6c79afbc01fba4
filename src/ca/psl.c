/*
 * psl.c - the ICANN section of the Public Suffix List and its matching
 * algorithm (https://publicsuffix.org/list/, "Algorithm"): the public
 * suffix of a name is given by the matching rule with the most labels, an
 * exception rule ("!") winning over all others and standing for the rule
 * without its leftmost label, "*" matching any one label, and "*" alone
 * applying when nothing else does. A name is a public suffix when that
 * suffix is the whole name.
 *
 * Only ICANN rules: the private section lists suffixes that companies
 * operate ("github.io"), whose owners may well want certificates for them.
 * Rules in Unicode are turned into A-labels (punycode.c), since requested
 * names are A-labels.
 */
#include "psl.h"

#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "log.h"
#include "mem.h"
#include "nameset.h"
#include "punycode.h"

/* The Debian list is about 250 KB. */
#define PSL_MAX_FILE (8 << 20)
/* Fewer ICANN rules than this: not the list. */
#define PSL_MIN_RULES 1000
#define PSL_MAX_NAME 253

struct ca_psl {
	struct ca_nameset *normal;    /* "co.uk" */
	struct ca_nameset *wild;      /* "*.ck" stored as "ck" */
	struct ca_nameset *exception; /* "!www.ck" stored as "www.ck" */
};

/* Lower-cases rule[0..len) into out as A-labels; false if it cannot be. */
static bool rule_to_ascii(const char *rule, size_t len, char *out, size_t out_len)
{
	char label[PSL_MAX_NAME + 1];
	size_t i = 0, j, k, o = 0, l;

	while (i <= len) {
		j = i;
		while (j < len && rule[j] != '.')
			j++;
		if (j == i)
			return false;
		if (ca_label_to_ascii(rule + i, j - i, label, sizeof(label)) != 0)
			return false;
		l = strlen(label);
		if (o + l + 2 > out_len)
			return false;
		if (o > 0)
			out[o++] = '.';
		for (k = 0; k < l; k++)
			out[o++] = (char)(label[k] >= 'A' && label[k] <= 'Z' ? label[k] + 32 : label[k]);
		i = j + 1;
	}
	out[o] = '\0';
	return o > 0;
}

int ca_psl_load(const char *path, struct ca_psl **out)
{
	struct ca_psl *p = NULL;
	char *text = NULL, *line, *next, *end;
	char ascii[PSL_MAX_NAME + 1];
	bool in_icann = false, seen_icann = false;
	size_t len, skipped = 0;
	int r;

	r = cn_file_read(path, PSL_MAX_FILE, &text, NULL);
	if (r != 0) {
		r = cn_err_set(CN_ERR_USAGE, "cannot read the public suffix list %s", path);
		goto out;
	}
	p = cn_xcalloc(1, sizeof(*p));
	p->normal = ca_nameset_new();
	p->wild = ca_nameset_new();
	p->exception = ca_nameset_new();
	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (strstr(line, "===BEGIN ICANN DOMAINS===") != NULL) {
			in_icann = seen_icann = true;
			continue;
		}
		if (strstr(line, "===END ICANN DOMAINS===") != NULL) {
			in_icann = false;
			continue;
		}
		if (!in_icann || line[0] == '/' || line[0] == '\0')
			continue;
		/* A rule is the line up to the first white space. */
		for (end = line; *end != '\0' && *end != ' ' && *end != '\t' && *end != '\r'; end++)
			;
		len = (size_t)(end - line);
		if (len == 0)
			continue;
		if (line[0] == '!' && rule_to_ascii(line + 1, len - 1, ascii, sizeof(ascii)))
			ca_nameset_add(p->exception, ascii, strlen(ascii));
		else if (len > 2 && line[0] == '*' && line[1] == '.' &&
		    rule_to_ascii(line + 2, len - 2, ascii, sizeof(ascii)))
			ca_nameset_add(p->wild, ascii, strlen(ascii));
		else if (line[0] != '!' && line[0] != '*' && rule_to_ascii(line, len, ascii, sizeof(ascii)))
			ca_nameset_add(p->normal, ascii, strlen(ascii));
		else
			skipped++;
	}
	ca_nameset_seal(p->normal);
	ca_nameset_seal(p->wild);
	ca_nameset_seal(p->exception);
	if (!seen_icann || ca_psl_rules(p) < PSL_MIN_RULES) {
		r = cn_err_set(CN_ERR_USAGE, "%s is not the public suffix list (%zu ICANN rules)", path,
		    ca_psl_rules(p));
		goto out;
	}
	CN_LOG(CN_LOG_INFO, "policy", "public suffix list %s: %zu ICANN rules%s", path, ca_psl_rules(p),
	    skipped ? " (some not usable, skipped)" : "");
	*out = p;
	p = NULL;
	r = 0;
out:
	ca_psl_free(p);
	free(text);
	return r;
}

bool ca_psl_is_public_suffix(const struct ca_psl *p, const char *name)
{
	size_t len = strlen(name);
	const char *s, *parent;

	if (len == 0)
		return false;
	/* An exception rule matching the name or a parent makes the suffix shorter than the name. */
	for (s = name; s != NULL; s = strchr(s, '.')) {
		if (*s == '.')
			s++;
		if (ca_nameset_has(p->exception, s, strlen(s)))
			return false;
	}
	if (ca_nameset_has(p->normal, name, len))
		return true;
	parent = strchr(name, '.');
	if (parent == NULL)
		return true; /* the implicit "*" rule */
	parent++;
	return ca_nameset_has(p->wild, parent, strlen(parent));
}

const char *ca_psl_registrable_domain(const struct ca_psl *p, const char *name)
{
	const char *s, *prev = NULL;

	/* The longest suffix of name that is a public suffix, plus one label. */
	for (s = name; s != NULL; s = strchr(s, '.')) {
		if (*s == '.')
			s++;
		if (*s == '\0')
			return NULL;
		if (ca_psl_is_public_suffix(p, s))
			return prev;
		prev = s;
	}
	return NULL;
}

size_t ca_psl_rules(const struct ca_psl *p)
{
	return ca_nameset_count(p->normal) + ca_nameset_count(p->wild) + ca_nameset_count(p->exception);
}

void ca_psl_free(struct ca_psl *p)
{
	if (p == NULL)
		return;
	ca_nameset_free(p->normal);
	ca_nameset_free(p->wild);
	ca_nameset_free(p->exception);
	free(p);
}
