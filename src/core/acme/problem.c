/*
 * acme/problem.c - RFC 8555 section 6.7 problem documents as a client reads
 * them: type to error code, and a one-line, escaped rendering including up
 * to CN_ACME_PROBLEM_MAX_SUB subproblems (section 6.7.1).
 */
#include "acme/problem.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "mem.h"

#define PROBLEM_LINE_MAX 480 /* fits err.c's detail slot with a prefix */

static const struct {
	const char *type;
	int code;
} problem_codes[] = {
	{"accountDoesNotExist", CN_ERR_ACCOUNT_DNE},
	{"alreadyRevoked", CN_ERR_ALREADY_REVOKED},
	{"alreadyReplaced", CN_ERR_CONFLICT},
	{"badCSR", CN_ERR_BAD_CSR},
	{"badNonce", CN_ERR_BAD_NONCE},
	{"badPublicKey", CN_ERR_BAD_KEY},
	{"badRevocationReason", CN_ERR_BAD_REVOCATION_REASON},
	{"badSignatureAlgorithm", CN_ERR_BAD_SIG_ALG},
	{"caa", CN_ERR_CAA},
	{"compound", CN_ERR_BAD_REQUEST},
	{"connection", CN_ERR_CONNECTION},
	{"dns", CN_ERR_DNS},
	{"externalAccountRequired", CN_ERR_EXTERNAL_ACCOUNT},
	{"incorrectResponse", CN_ERR_INCORRECT_RESPONSE},
	{"invalidContact", CN_ERR_INVALID_CONTACT},
	{"malformed", CN_ERR_MALFORMED},
	{"orderNotReady", CN_ERR_ORDER_NOT_READY},
	{"rateLimited", CN_ERR_RATE_LIMITED},
	{"rejectedIdentifier", CN_ERR_REJECTED_ID},
	{"serverInternal", CN_ERR_INTERNAL},
	{"tls", CN_ERR_TLS},
	{"unauthorized", CN_ERR_UNAUTHORIZED},
	{"unsupportedContact", CN_ERR_UNSUPPORTED_CONTACT},
	{"unsupportedIdentifier", CN_ERR_UNSUPPORTED_ID},
	{"userActionRequired", CN_ERR_USER_ACTION},
};

static const char *type_suffix(const char *type)
{
	size_t n = strlen(CN_ACME_ERR_PREFIX);

	if (strncmp(type, CN_ACME_ERR_PREFIX, n) == 0)
		return type + n;
	return type;
}

int cn_acme_problem_code(const char *type)
{
	const char *s = type_suffix(type);
	size_t i;

	for (i = 0; i < sizeof(problem_codes) / sizeof(problem_codes[0]); i++)
		if (strcmp(problem_codes[i].type, s) == 0)
			return problem_codes[i].code;
	return CN_ERR_BAD_REQUEST;
}

int cn_acme_problem_is(const struct cn_acme_problem *p, const char *suffix)
{
	size_t n = strlen(CN_ACME_ERR_PREFIX);

	return p->type != NULL && strncmp(p->type, CN_ACME_ERR_PREFIX, n) == 0 &&
	    strcmp(p->type + n, suffix) == 0;
}

/* Appends untrusted text, escaped; stops silently at the line limit. */
static void add_escaped(struct cn_buf *b, const char *s)
{
	char tmp[PROBLEM_LINE_MAX];

	cn_log_escape(s, strlen(s), tmp, sizeof(tmp));
	if (cn_buf_adds(b, tmp) != 0)
		return;
}

static void add_plain(struct cn_buf *b, const char *s)
{
	if (cn_buf_adds(b, s) != 0)
		return;
}

static const char *str_member(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void cn_acme_problem_from_json(const json_t *json, long http_status,
    struct cn_acme_problem *p)
{
	struct cn_buf line;
	const char *type = NULL, *detail = NULL;
	const json_t *subs, *st, *sp;
	size_t i;
	char num[32];

	memset(p, 0, sizeof(p[0]));
	p->status = http_status;
	if (json_is_object(json)) {
		type = str_member(json, "type");
		detail = str_member(json, "detail");
		st = json_object_get(json, "status");
		if (json_is_integer(st))
			p->status = (long)json_integer_value(st);
	}
	p->type = cn_xstrdup(type ? type : "about:blank");
	if (detail != NULL) {
		p->detail = cn_xstrdup(detail);
	} else if (http_status > 0) {
		snprintf(num, sizeof(num), "HTTP %ld", http_status);
		p->detail = cn_xstrdup(num);
	} else {
		p->detail = cn_xstrdup("");
	}
	cn_buf_init(&line, PROBLEM_LINE_MAX);
	add_escaped(&line, p->type);
	if (p->detail[0] != '\0') {
		add_plain(&line, ": ");
		add_escaped(&line, p->detail);
	}
	subs = json_is_object(json) ? json_object_get(json, "subproblems") : NULL;
	if (json_is_array(subs)) {
		json_array_foreach(subs, i, sp) {
			const json_t *id = json_object_get(sp, "identifier");
			const char *st_type = str_member(sp, "type"), *st_detail = str_member(sp, "detail");

			if (i >= CN_ACME_PROBLEM_MAX_SUB) {
				snprintf(num, sizeof(num), " (+%zu more)", json_array_size(subs) - i);
				add_plain(&line, num);
				break;
			}
			add_plain(&line, i == 0 ? " [" : "; ");
			if (json_is_object(id) && str_member(id, "value") != NULL) {
				add_escaped(&line, str_member(id, "value"));
				add_plain(&line, ": ");
			}
			add_escaped(&line, type_suffix(st_type ? st_type : "?"));
			if (st_detail != NULL) {
				add_plain(&line, " ");
				add_escaped(&line, st_detail);
			}
			if (i + 1 == json_array_size(subs))
				add_plain(&line, "]");
		}
	}
	p->line = cn_buf_take(&line, NULL);
}

void cn_acme_problem_parse(const void *body, size_t len, long http_status,
    struct cn_acme_problem *p)
{
	json_t *j = NULL;

	if (len == 0 || cn_json_parse(body, len, &j) != 0)
		j = NULL;
	cn_acme_problem_from_json(j, http_status, p);
	json_decref(j);
}

void cn_acme_problem_cleanup(struct cn_acme_problem *p)
{
	if (p == NULL)
		return;
	free(p->type);
	free(p->detail);
	free(p->line);
	memset(p, 0, sizeof(*p));
}

int cn_acme_problem_err(const struct cn_acme_problem *p)
{
	return cn_err_set(cn_acme_problem_code(p->type), "%s", p->line);
}
