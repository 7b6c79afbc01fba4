/* json.c - strict parsing and typed accessors on jansson. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

int cn_json_parse(const void *data, size_t len, json_t **out)
{
	json_error_t e;
	json_t *j;

	if (len > CN_MAX_JSON)
		return cn_err_set(CN_ERR_TOO_BIG, "JSON body of %zu bytes exceeds %d", len, CN_MAX_JSON);
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (j == NULL)
		return cn_err_set(CN_ERR_MALFORMED, "invalid JSON at line %d column %d: %s",
		    e.line, e.column, e.text);
	*out = j;
	return 0;
}

int cn_json_parse_object(const void *data, size_t len, json_t **out)
{
	json_t *j = NULL;
	int r;

	r = cn_json_parse(data, len, &j);
	if (r != 0)
		return r;
	if (!json_is_object(j)) {
		json_decref(j);
		return cn_err_set(CN_ERR_MALFORMED, "JSON value is not an object");
	}
	*out = j;
	return 0;
}

int cn_json_get_str(const json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return cn_err_set(CN_ERR_MALFORMED, "missing member \"%s\"", key);
	if (!json_is_string(v))
		return cn_err_set(CN_ERR_MALFORMED, "member \"%s\" is not a string", key);
	*out = json_string_value(v);
	return 0;
}

int cn_json_opt_str(const json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return cn_err_set(CN_ERR_MALFORMED, "member \"%s\" is not a string", key);
	*out = json_string_value(v);
	return 0;
}

int cn_json_opt_bool(const json_t *obj, const char *key, bool dflt, bool *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_is_boolean(v))
		return cn_err_set(CN_ERR_MALFORMED, "member \"%s\" is not a boolean", key);
	*out = json_is_true(v);
	return 0;
}

char *cn_json_dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL)
		abort(); /* only fails on allocation */
	return s;
}
