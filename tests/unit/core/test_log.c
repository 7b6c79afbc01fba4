/*
 * test_log.c - unit tests of src/core/log.c through log.h: cn_log_escape
 * (control and non-ASCII bytes as \xNN, the backslash too, truncation that
 * never splits an escape), level names, and the line CN_LOG writes,
 * including that a filtered level does not evaluate its arguments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "log.h"

struct esc_case {
	const char *in;
	size_t in_len; /* 0: strlen(in) */
	size_t out_len;
	const char *want;
};

static const struct esc_case esc_cases[] = {
	{"", 0, 16, ""},
	{"abc", 0, 16, "abc"},
	{" ~", 0, 16, " ~"},                     /* the printable range's ends */
	{"a\nb", 0, 16, "a\\x0ab"},
	{"\r\n", 0, 16, "\\x0d\\x0a"},
	{"\t", 0, 16, "\\x09"},
	{"\x1b[31m", 0, 16, "\\x1b[31m"},        /* terminal escape */
	{"\x7f", 0, 16, "\\x7f"},
	{"\x80\xff", 0, 16, "\\x80\\xff"},
	{"\xc3\xa9", 0, 16, "\\xc3\\xa9"},
	{"\\", 0, 16, "\\x5c"},                  /* so that \xNN stays unambiguous */
	{"\\x0a", 0, 16, "\\x5cx0a"},
	{"a\0b", 3, 16, "a\\x00b"},              /* in_len, not the NUL, ends input */
	{"abcdef", 3, 16, "abc"},
	/* truncation: at most out_len - 1 bytes, escapes are never split */
	{"abcdef", 0, 4, "abc"},
	{"abcdef", 0, 1, ""},
	{"abc", 0, 4, "abc"},
	{"\n", 0, 5, "\\x0a"},
	{"\n", 0, 4, ""},
	{"ab\n", 0, 6, "ab"},
	{"ab\n", 0, 7, "ab\\x0a"},
	{"a\nb", 0, 5, "a"},                     /* stops; does not skip to 'b' */
	{"a\nb", 0, 6, "a\\x0a"},
	{"a\nb", 0, 7, "a\\x0ab"},
};

static void test_escape_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		const struct esc_case *c = &esc_cases[i];
		char out[64];
		size_t in_len = c->in_len ? c->in_len : strlen(c->in);

		memset(out, '#', sizeof(out));
		assert_ptr_equal(cn_log_escape(c->in, in_len, out, c->out_len), out);
		if (strcmp(out, c->want) != 0)
			fail_msg("row %zu: got '%s', want '%s'", i, out, c->want);
		/* Nothing is written past out_len. */
		assert_int_equal(out[c->out_len], '#');
	}
}

static void test_escape_zero_out_len(void **state)
{
	char out[4] = "zzz";

	(void)state;
	assert_ptr_equal(cn_log_escape("abc", 3, out, 0), out);
	assert_string_equal(out, "zzz"); /* untouched */
}

/*
 * Every byte value: the output is printable ASCII only, at most out_len - 1
 * bytes, and decodes back to the input.
 */
static void test_escape_every_byte(void **state)
{
	char in[256], out[256 * 4 + 1], back[256];
	size_t i, o, n = 0;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (char)i;
	cn_log_escape(in, sizeof(in), out, sizeof(out));
	for (o = 0; out[o] != '\0'; o++) {
		unsigned char c = (unsigned char)out[o];

		assert_true(c >= 0x20 && c < 0x7f);
		if (c == '\\') {
			unsigned v = 0;

			assert_int_equal(out[o + 1], 'x');
			assert_int_equal(sscanf(out + o + 2, "%2x", &v), 1);
			back[n++] = (char)v;
			o += 3;
		} else {
			back[n++] = (char)c;
		}
	}
	assert_int_equal(n, 256);
	assert_memory_equal(back, in, 256);
	/* The whole rendering fits exactly: 95 printable minus '\\' stay. */
	assert_int_equal(strlen(out), 94 + (256 - 94) * 4);

	/* And with every smaller out_len it is a prefix of the full one. */
	for (i = 1; i < sizeof(out); i += 37) {
		char part[sizeof(out)];

		cn_log_escape(in, sizeof(in), part, i);
		assert_true(strlen(part) < i);
		assert_memory_equal(part, out, strlen(part));
		assert_true(strlen(part) + 4 >= i || strlen(part) == strlen(out));
	}
}

static void test_level_parse(void **state)
{
	static const struct {
		const char *name;
		int r, level;
	} cases[] = {
		{"err", 0, CN_LOG_ERR}, {"warn", 0, CN_LOG_WARN}, {"info", 0, CN_LOG_INFO},
		{"debug", 0, CN_LOG_DEBUG}, {"INFO", CN_ERR_USAGE, -1}, {"", CN_ERR_USAGE, -1},
		{"trace", CN_ERR_USAGE, -1}, {"info ", CN_ERR_USAGE, -1},
		{"error", CN_ERR_USAGE, -1}, {"warning", CN_ERR_USAGE, -1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int level = -1;

		cn_err_clear();
		assert_int_equal(cn_log_level_parse(cases[i].name, &level), cases[i].r);
		assert_int_equal(level, cases[i].level);
		if (cases[i].r != 0)
			assert_non_null(strstr(cn_err_detail(), "unknown log level"));
	}
}

/* Runs fn with stderr sent to a temporary file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/test_log.XXXXXX";
	char *text = NULL;
	int fd, saved;
	long n;
	FILE *f;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) == 2);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	f = fdopen(fd, "r");
	assert_non_null(f);
	n = lseek(fd, 0, SEEK_END);
	assert_true(n >= 0);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static int evaluations;

static int count_evaluation(void)
{
	return ++evaluations;
}

static int log_line;

static void log_some(void)
{
	cn_log_level = CN_LOG_INFO;
	evaluations = 0;
	log_line = __LINE__ + 1;
	CN_LOG(CN_LOG_WARN, "acme", "bad %s n=%d", "input", count_evaluation());
	CN_LOG(CN_LOG_DEBUG, "acme", "hidden %d", count_evaluation());
	CN_LOG(CN_LOG_INFO, "store", "opened");
	cn_log_level = CN_LOG_DEBUG;
	CN_LOG(CN_LOG_DEBUG, "signer", "shown %d", count_evaluation());
	cn_log_write(99, "x", "dir/sub/file.c", 5, "out of range level");
	cn_log_level = CN_LOG_INFO;
}

static void test_log_lines(void **state)
{
	char *text = NULL, *line2, *line3, *line4, *line5;
	char want[128];

	(void)state;
	text = capture_stderr(log_some);
	/* The filtered debug line did not evaluate its argument. */
	assert_int_equal(evaluations, 2);
	/* "YYYY-MM-DDTHH:MM:SS.mmmZ warn acme: bad input n=1 (test_log.c:N)" */
	assert_true(strlen(text) > 24);
	assert_int_equal(text[4], '-');
	assert_int_equal(text[10], 'T');
	assert_int_equal(text[19], '.');
	assert_int_equal(text[23], 'Z');
	snprintf(want, sizeof(want), " warn acme: bad input n=1 (test_log.c:%d)\n", log_line);
	assert_memory_equal(text + 24, want, strlen(want));
	line2 = strchr(text, '\n') + 1;
	assert_non_null(strstr(line2, " info store: opened (test_log.c:"));
	line3 = strchr(line2, '\n') + 1;
	assert_non_null(strstr(line3, " debug signer: shown 2 (test_log.c:"));
	line4 = strchr(line3, '\n') + 1;
	/* An unknown level is shown as err; only the file's base name is kept. */
	assert_non_null(strstr(line4, " err x: out of range level (file.c:5)\n"));
	line5 = strchr(line4, '\n') + 1;
	assert_int_equal(*line5, '\0');
	assert_null(strstr(text, "hidden"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_table),
		cmocka_unit_test(test_escape_zero_out_len),
		cmocka_unit_test(test_escape_every_byte),
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_log_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
