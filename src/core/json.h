/*
 * json.h - strict JSON parsing and small typed accessors on jansson.
 *
 * Parsing always rejects duplicate member names (RFC 7515 section 5.2 and
 * RFC 8555 section 6.2 need it), trailing data and bad UTF-8, and bounds the
 * input size. Accessors return CN_ERR_MALFORMED with a detail naming the
 * member when a member is missing or has the wrong type.
 */
#ifndef CN_JSON_H
#define CN_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define CN_MAX_JSON 65536

/* Parses len bytes into a new reference (caller json_decref's). */
int cn_json_parse(const void *data, size_t len, json_t **out) CN_WUR;
/* Like cn_json_parse, and the result must be an object. */
int cn_json_parse_object(const void *data, size_t len, json_t **out) CN_WUR;

/* Borrowed string member; CN_ERR_MALFORMED when absent or not a string. */
int cn_json_get_str(const json_t *obj, const char *key, const char **out) CN_WUR;
/* Borrowed string member or NULL when absent; CN_ERR_MALFORMED if not a string. */
int cn_json_opt_str(const json_t *obj, const char *key, const char **out) CN_WUR;
/* Boolean member, default when absent; CN_ERR_MALFORMED if not a boolean. */
int cn_json_opt_bool(const json_t *obj, const char *key, bool dflt, bool *out) CN_WUR;

/* Serializes compactly (caller frees). */
char *cn_json_dump(const json_t *j);

#endif
