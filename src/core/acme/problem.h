/*
 * acme/problem.h - client side of RFC 8555 section 6.7 problem documents
 * (RFC 7807): parse one, map its type to a CN_ERR_* code and render it as
 * the one line a user sees ("urn:ietf:params:acme:error:TYPE: detail").
 * Subproblems (section 6.7.1) are summarised after the detail. RFC 9773
 * section 7.4 adds "alreadyReplaced".
 */
#ifndef CN_ACME_PROBLEM_H
#define CN_ACME_PROBLEM_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define CN_ACME_ERR_PREFIX "urn:ietf:params:acme:error:"
#define CN_ACME_PROBLEM_MAX_SUB 4 /* subproblems rendered */

struct cn_acme_problem {
	char *type;   /* as sent; "about:blank" when absent */
	char *detail; /* as sent, or "" */
	long status;  /* the document's "status", or the HTTP status, or 0 */
	char *line;   /* printable one-line rendering (escaped) */
};

/*
 * Builds a problem from a parsed document (json may be NULL or not an
 * object: then only http_status is known). Never fails; free with
 * cn_acme_problem_cleanup.
 */
void cn_acme_problem_from_json(const json_t *json, long http_status,
    struct cn_acme_problem *p);

/*
 * Parses body as a problem document; a body that is not JSON still gives a
 * problem (type "about:blank", detail "HTTP <status>").
 */
void cn_acme_problem_parse(const void *body, size_t len, long http_status,
    struct cn_acme_problem *p);

void cn_acme_problem_cleanup(struct cn_acme_problem *p);

/* CN_ERR_* for an ACME error type (full URN or bare suffix); CN_ERR_BAD_REQUEST
 * for unknown types. */
int cn_acme_problem_code(const char *type);

/* True when type is the ACME error named suffix ("badNonce"). */
int cn_acme_problem_is(const struct cn_acme_problem *p, const char *suffix);

/* Records p->line as this thread's error detail and returns its code. */
int cn_acme_problem_err(const struct cn_acme_problem *p);

#endif
