/*
 * test_json.c - unit tests of src/core/json.c through json.h: duplicate
 * member names rejected at any depth (RFC 7515 section 5.2, RFC 8555
 * section 6.2), trailing data, bad UTF-8 (RFC 8259 section 8.1), the
 * CN_MAX_JSON limit at its boundary, and the typed accessors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "json.h"

struct doc {
	const char *text;
	size_t len; /* 0: strlen(text) */
};

static size_t doc_len(const struct doc *d)
{
	return d->len ? d->len : strlen(d->text);
}

/* Accepted by cn_json_parse (any JSON value, RFC 8259). */
static const struct doc good[] = {
	{"{}", 0}, {"[]", 0}, {"1", 0}, {"-0.5e3", 0}, {"\"s\"", 0}, {"null", 0},
	{"true", 0}, {" \t\r\n{}\n ", 0},
	{"{\"a\":1,\"b\":{\"a\":1},\"c\":[{\"a\":1},{\"a\":2}]}", 0},
	{"{\"a\":1,\"A\":2}", 0},                /* names are case-sensitive */
	{"{\"a\":{\"b\":1},\"b\":{\"a\":1}}", 0},  /* same name, different objects */
	{"[{\"a\":1},{\"a\":1}]", 0},
	{"\"\\u00e9\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0},
	{"\"\\ud83d\\ude00\"", 0},               /* an escaped surrogate pair */
	{"{\"\xc3\xa9\":true}", 0},
};

/* Rejected by cn_json_parse with CN_ERR_MALFORMED. */
static const struct doc bad[] = {
	/* duplicate members at every depth */
	{"{\"a\":1,\"a\":1}", 0},
	{"{\"a\":1,\"b\":2,\"a\":3}", 0},
	{"{\"x\":{\"a\":1,\"a\":2}}", 0},
	{"[{\"a\":1,\"a\":2}]", 0},
	{"{\"x\":[1,{\"y\":{\"z\":null,\"z\":null}}]}", 0},
	{"[[[[{\"k\":{},\"k\":[]}]]]]", 0},
	{"{\"a\":1,\"\\u0061\":2}", 0},          /* equal after unescaping */
	{"{\"\xc3\xa9\":1,\"\\u00e9\":2}", 0},
	/* trailing data */
	{"{}x", 0}, {"{} {}", 0}, {"{},", 0}, {"1 2", 0}, {"[]]", 0}, {"{}}", 0},
	{"null null", 0}, {"\"a\"\"b\"", 0}, {"{}\0", 3}, {"{} \0 ", 5},
	/* bad UTF-8 */
	{"\"\xff\"", 0}, {"\"\xc0\xaf\"", 0},             /* overlong '/' */
	{"\"\xe0\x80\xaf\"", 0},                           /* overlong, 3 bytes */
	{"\"\xed\xa0\x80\"", 0},                           /* encoded surrogate */
	{"\"\xe2\x82\"", 0},                               /* truncated */
	{"\"\x80\"", 0},                                   /* lone continuation */
	{"\"\xf4\x90\x80\x80\"", 0},                       /* past U+10FFFF */
	{"{\"\xfe\":1}", 0},                               /* in a member name */
	{"\xef\xbb\xbf{}", 0},                             /* a BOM is not JSON */
	/* invalid escapes and NUL */
	{"\"\\ud800\"", 0}, {"\"\\udc00\"", 0}, {"\"\\u0000\"", 0}, {"\"\\x41\"", 0},
	{"\"a\0b\"", 5}, {"\"\t\"", 0},
	/* not JSON at all */
	{"", 0}, {" ", 0}, {"{", 0}, {"{\"a\"}", 0}, {"{'a':1}", 0}, {"{a:1}", 0},
	{"[1,]", 0}, {"{\"a\":1,}", 0}, {"NaN", 0}, {"01", 0}, {"+1", 0}, {".5", 0},
	{"True", 0}, {"/* c */{}", 0},
};

static void test_accepts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		json_t *j = NULL;

		if (cn_json_parse(good[i].text, doc_len(&good[i]), &j) != 0)
			fail_msg("good row %zu rejected: %s", i, cn_err_detail());
		assert_non_null(j);
		json_decref(j);
	}
}

static void test_rejects(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t sentinel, *j = &sentinel;
		int r;

		cn_err_clear();
		r = cn_json_parse(bad[i].text, doc_len(&bad[i]), &j);
		if (r != CN_ERR_MALFORMED)
			fail_msg("bad row %zu returned %d", i, r);
		assert_ptr_equal(j, &sentinel); /* untouched on failure */
		assert_true(strncmp(cn_err_detail(), "invalid JSON", 12) == 0);
	}
}

/* The detail of a duplicate names where it is. */
static void test_duplicate_detail(void **state)
{
	static const char text[] = "{\n\"a\": {\"k\": 1,\n \"k\": 2}}";
	json_t *j = NULL;

	(void)state;
	assert_int_equal(cn_json_parse(text, strlen(text), &j), CN_ERR_MALFORMED);
	assert_null(j);
	assert_non_null(strstr(cn_err_detail(), "line 3"));
	assert_non_null(strstr(cn_err_detail(), "duplicate"));
}

/* Only len bytes are parsed: what follows them is not trailing data. */
static void test_len_bounds_input(void **state)
{
	static const char text[] = "{\"a\":1}garbage";
	json_t *j = NULL;

	(void)state;
	assert_int_equal(cn_json_parse(text, 7, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
	json_decref(j);
	j = NULL;
	assert_int_equal(cn_json_parse(text, 6, &j), CN_ERR_MALFORMED);
}

/* A string document of exactly n bytes: "aaa...". */
static char *string_doc(size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	assert_true(n >= 2);
	memset(s, 'a', n);
	s[0] = '"';
	s[n - 1] = '"';
	s[n] = '\0';
	return s;
}

static void test_size_limit_boundary(void **state)
{
	char *s = NULL;
	json_t *j = NULL;

	(void)state;
	s = string_doc(CN_MAX_JSON);
	assert_int_equal(cn_json_parse(s, CN_MAX_JSON, &j), 0);
	assert_int_equal(json_string_length(j), CN_MAX_JSON - 2);
	json_decref(j);
	j = NULL;
	free(s);

	s = string_doc(CN_MAX_JSON + 1);
	cn_err_clear();
	assert_int_equal(cn_json_parse(s, CN_MAX_JSON + 1, &j), CN_ERR_TOO_BIG);
	assert_null(j);
	assert_non_null(strstr(cn_err_detail(), "65537"));
	assert_int_equal(cn_json_parse_object(s, CN_MAX_JSON + 1, &j), CN_ERR_TOO_BIG);
	free(s);

	/* The limit is on bytes, whatever they are: whitespace counts. */
	s = malloc(CN_MAX_JSON + 1);
	assert_non_null(s);
	memset(s, ' ', CN_MAX_JSON + 1);
	s[0] = '{';
	s[1] = '}';
	assert_int_equal(cn_json_parse(s, CN_MAX_JSON, &j), 0);
	json_decref(j);
	j = NULL;
	assert_int_equal(cn_json_parse(s, CN_MAX_JSON + 1, &j), CN_ERR_TOO_BIG);
	assert_int_equal(cn_json_parse(s, SIZE_MAX, &j), CN_ERR_TOO_BIG);
	free(s);
}

/* Deep nesting within the size limit fails cleanly (no stack exhaustion). */
static void test_deep_nesting(void **state)
{
	size_t depth = 30000, i;
	char *s = malloc(2 * depth);
	json_t *j = NULL;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < depth; i++) {
		s[i] = '[';
		s[2 * depth - 1 - i] = ']';
	}
	assert_int_equal(cn_json_parse(s, 2 * depth, &j), CN_ERR_MALFORMED);
	assert_null(j);
	/* A moderate depth is fine. */
	assert_int_equal(cn_json_parse(s + depth - 100, 200, &j), 0);
	json_decref(j);
	free(s);
}

static void test_parse_object(void **state)
{
	static const char *const not_objects[] = {"[]", "1", "\"{}\"", "null", "true", "[{}]"};
	json_t *j = NULL;
	size_t i;

	(void)state;
	assert_int_equal(cn_json_parse_object("{\"a\":[]}", 8, &j), 0);
	assert_true(json_is_object(j));
	json_decref(j);
	for (i = 0; i < sizeof(not_objects) / sizeof(not_objects[0]); i++) {
		j = NULL;
		cn_err_clear();
		assert_int_equal(cn_json_parse_object(not_objects[i], strlen(not_objects[i]), &j),
		    CN_ERR_MALFORMED);
		assert_null(j);
		assert_string_equal(cn_err_detail(), "JSON value is not an object");
	}
	/* Parse errors pass through unchanged. */
	assert_int_equal(cn_json_parse_object("{\"a\":1,\"a\":1}", 13, &j), CN_ERR_MALFORMED);
	assert_null(j);
}

static const char accessor_doc[] =
    "{\"s\":\"str\",\"empty\":\"\",\"n\":1,\"z\":null,\"o\":{},\"a\":[],"
    "\"t\":true,\"f\":false,\"ts\":\"true\",\"one\":1,\"zero\":0}";

struct str_case {
	const char *key;
	int get_r;   /* cn_json_get_str */
	int opt_r;   /* cn_json_opt_str */
	const char *want; /* value on success (NULL: absent for opt) */
	const char *detail; /* expected detail on failure */
};

static const struct str_case str_cases[] = {
	{"s", 0, 0, "str", NULL},
	{"empty", 0, 0, "", NULL},
	{"ts", 0, 0, "true", NULL},
	{"missing", CN_ERR_MALFORMED, 0, NULL, "missing member \"missing\""},
	{"S", CN_ERR_MALFORMED, 0, NULL, "missing member \"S\""},
	{"n", CN_ERR_MALFORMED, CN_ERR_MALFORMED, NULL, "member \"n\" is not a string"},
	{"z", CN_ERR_MALFORMED, CN_ERR_MALFORMED, NULL, "member \"z\" is not a string"},
	{"o", CN_ERR_MALFORMED, CN_ERR_MALFORMED, NULL, "member \"o\" is not a string"},
	{"a", CN_ERR_MALFORMED, CN_ERR_MALFORMED, NULL, "member \"a\" is not a string"},
	{"t", CN_ERR_MALFORMED, CN_ERR_MALFORMED, NULL, "member \"t\" is not a string"},
};

static void test_str_accessors(void **state)
{
	json_t *j = NULL;
	size_t i;

	(void)state;
	assert_int_equal(cn_json_parse_object(accessor_doc, strlen(accessor_doc), &j), 0);
	for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
		const struct str_case *c = &str_cases[i];
		const char *sentinel = "untouched", *v = sentinel;

		cn_err_clear();
		assert_int_equal(cn_json_get_str(j, c->key, &v), c->get_r);
		if (c->get_r == 0) {
			assert_string_equal(v, c->want);
		} else {
			assert_ptr_equal(v, sentinel);
			assert_string_equal(cn_err_detail(), c->detail);
		}
		v = sentinel;
		cn_err_clear();
		assert_int_equal(cn_json_opt_str(j, c->key, &v), c->opt_r);
		if (c->opt_r != 0) {
			assert_ptr_equal(v, sentinel);
			assert_string_equal(cn_err_detail(), c->detail);
		} else if (c->want == NULL) {
			assert_null(v); /* absent */
		} else {
			assert_string_equal(v, c->want);
		}
	}
	json_decref(j);
}

struct bool_case {
	const char *key;
	bool dflt;
	int r;
	bool want;
};

static const struct bool_case bool_cases[] = {
	{"t", false, 0, true},
	{"t", true, 0, true},
	{"f", true, 0, false},
	{"f", false, 0, false},
	{"missing", true, 0, true},
	{"missing", false, 0, false},
	{"ts", false, CN_ERR_MALFORMED, false},  /* "true" as a string */
	{"one", false, CN_ERR_MALFORMED, false},
	{"zero", true, CN_ERR_MALFORMED, false},
	{"z", true, CN_ERR_MALFORMED, false},    /* null is not a boolean */
	{"o", false, CN_ERR_MALFORMED, false},
	{"s", false, CN_ERR_MALFORMED, false},
};

static void test_bool_accessor(void **state)
{
	json_t *j = NULL;
	size_t i;

	(void)state;
	assert_int_equal(cn_json_parse_object(accessor_doc, strlen(accessor_doc), &j), 0);
	for (i = 0; i < sizeof(bool_cases) / sizeof(bool_cases[0]); i++) {
		const struct bool_case *c = &bool_cases[i];
		bool v;

		/* Prime with the opposite of what success would write. */
		v = !c->want;
		cn_err_clear();
		assert_int_equal(cn_json_opt_bool(j, c->key, c->dflt, &v), c->r);
		if (c->r == 0) {
			assert_int_equal(v, c->want);
		} else {
			assert_int_equal(v, !c->want);
			assert_non_null(strstr(cn_err_detail(), c->key));
			assert_non_null(strstr(cn_err_detail(), "not a boolean"));
		}
	}
	json_decref(j);
}

/* Accessors on something that is not an object find nothing. */
static void test_accessors_on_non_object(void **state)
{
	json_t *arr = json_array();
	const char *v = NULL;
	bool b = false;

	(void)state;
	assert_int_equal(cn_json_get_str(arr, "a", &v), CN_ERR_MALFORMED);
	assert_int_equal(cn_json_opt_str(arr, "a", &v), 0);
	assert_null(v);
	assert_int_equal(cn_json_opt_bool(arr, "a", true, &b), 0);
	assert_true(b);
	assert_int_equal(cn_json_get_str(NULL, "a", &v), CN_ERR_MALFORMED);
	json_decref(arr);
}

static void test_dump(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"{ \"b\" : [1, 2], \"a\" : \"x\" }", "{\"b\":[1,2],\"a\":\"x\"}"},
		{" \"s\" ", "\"s\""},
		{"[ ]", "[]"},
		{"{\"e\":\"\\u00e9\\n\"}", "{\"e\":\"\xc3\xa9\\n\"}"},
		{"null", "null"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = NULL, *back = NULL;
		char *s = NULL;

		assert_int_equal(cn_json_parse(cases[i].in, strlen(cases[i].in), &j), 0);
		s = cn_json_dump(j);
		assert_string_equal(s, cases[i].out);
		assert_int_equal(cn_json_parse(s, strlen(s), &back), 0);
		assert_true(json_equal(j, back));
		free(s);
		json_decref(j);
		json_decref(back);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_duplicate_detail),
		cmocka_unit_test(test_len_bounds_input),
		cmocka_unit_test(test_size_limit_boundary),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_parse_object),
		cmocka_unit_test(test_str_accessors),
		cmocka_unit_test(test_bool_accessor),
		cmocka_unit_test(test_accessors_on_non_object),
		cmocka_unit_test(test_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
