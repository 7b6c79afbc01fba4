/*
 * test_buf.c - unit tests of src/core/buf.c through buf.h: growth, the
 * limit at its exact boundary (a refused add leaves the buffer unchanged),
 * cn_buf_addf past its 256-byte stack buffer, take/reset/free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"

/* The snapshot a refused operation must leave untouched. */
struct snap {
	unsigned char *data;
	size_t len, cap, max;
	unsigned char copy[1024];
};

static void snap_take(const struct cn_buf *b, struct snap *s)
{
	s->data = b->data;
	s->len = b->len;
	s->cap = b->cap;
	s->max = b->max;
	assert_true(b->len < sizeof(s->copy));
	if (b->data)
		memcpy(s->copy, b->data, b->len + 1);
}

static void snap_check(const struct cn_buf *b, const struct snap *s)
{
	assert_ptr_equal(b->data, s->data);
	assert_int_equal(b->len, s->len);
	assert_int_equal(b->cap, s->cap);
	assert_int_equal(b->max, s->max);
	if (b->data)
		assert_memory_equal(b->data, s->copy, s->len + 1);
}

/* Invariants every buffer keeps. */
static void check_invariants(const struct cn_buf *b)
{
	assert_true(b->len <= b->max);
	if (b->data == NULL) {
		assert_int_equal(b->len, 0);
		assert_int_equal(b->cap, 0);
		assert_string_equal(cn_buf_str(b), "");
		return;
	}
	assert_true(b->len < b->cap);
	assert_int_equal(b->data[b->len], '\0');
	assert_ptr_equal(cn_buf_str(b), (const char *)b->data);
}

static void test_init_is_empty(void **state)
{
	struct cn_buf b;

	(void)state;
	memset(&b, 0xa5, sizeof(b));
	cn_buf_init(&b, 100);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 100);
	assert_string_equal(cn_buf_str(&b), "");
	check_invariants(&b);
	cn_buf_free(&b);
}

/* Appends chunks of many sizes and compares with a reference copy. */
static void test_growth_keeps_content(void **state)
{
	static const size_t chunks[] = {0, 1, 62, 1, 1, 63, 64, 65, 127, 128, 129, 500, 1, 3000, 0, 7};
	unsigned char ref[8192], src[4096];
	struct cn_buf b;
	size_t i, j, total = 0;

	(void)state;
	for (j = 0; j < sizeof(src); j++)
		src[j] = (unsigned char)(j * 7 + 3); /* includes NUL bytes */
	cn_buf_init(&b, sizeof(ref));
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(cn_buf_add(&b, src, chunks[i]), 0);
		memcpy(ref + total, src, chunks[i]);
		total += chunks[i];
		assert_int_equal(b.len, total);
		check_invariants(&b);
		assert_memory_equal(b.data, ref, total);
	}
	cn_buf_free(&b);
}

static void test_add_zero_bytes_allocates_empty_string(void **state)
{
	struct cn_buf b;

	(void)state;
	cn_buf_init(&b, 0);
	assert_int_equal(cn_buf_add(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_int_equal(b.len, 0);
	check_invariants(&b);
	assert_string_equal(cn_buf_str(&b), "");
	cn_buf_free(&b);
}

static void test_binary_with_nul(void **state)
{
	struct cn_buf b;

	(void)state;
	cn_buf_init(&b, 16);
	assert_int_equal(cn_buf_add(&b, "a\0b", 3), 0);
	assert_int_equal(cn_buf_adds(&b, "cd"), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "a\0bcd", 6);
	cn_buf_free(&b);
}

/* Each row: limit, then a sequence of add sizes with the expected result. */
struct limit_case {
	size_t max;
	size_t adds[4];
	int want[4];
	size_t n;
};

static const struct limit_case limit_cases[] = {
	{0, {0, 1}, {0, CN_ERR_TOO_BIG}, 2},
	{1, {1, 0, 1}, {0, 0, CN_ERR_TOO_BIG}, 3},
	{3, {3, 1}, {0, CN_ERR_TOO_BIG}, 2},
	{3, {4, 3, 0}, {CN_ERR_TOO_BIG, 0, 0}, 3},
	{10, {4, 6, 1, 0}, {0, 0, CN_ERR_TOO_BIG, 0}, 4},
	{10, {4, 7, 6, 1}, {0, CN_ERR_TOO_BIG, 0, CN_ERR_TOO_BIG}, 4},
	{63, {63, 1}, {0, CN_ERR_TOO_BIG}, 2},
	{64, {63, 1, 1}, {0, 0, CN_ERR_TOO_BIG}, 3},
	{200, {100, 100, 1}, {0, 0, CN_ERR_TOO_BIG}, 3},
	{200, {201, 200}, {CN_ERR_TOO_BIG, 0}, 2},
};

static void test_limit_exact_boundary(void **state)
{
	unsigned char src[256];
	size_t i, k;

	(void)state;
	memset(src, 'x', sizeof(src));
	for (i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]); i++) {
		const struct limit_case *c = &limit_cases[i];
		struct cn_buf b;
		struct snap s;
		size_t total = 0;

		cn_buf_init(&b, c->max);
		for (k = 0; k < c->n; k++) {
			snap_take(&b, &s);
			cn_err_clear();
			assert_int_equal(cn_buf_add(&b, src, c->adds[k]), c->want[k]);
			if (c->want[k] == 0) {
				total += c->adds[k];
			} else {
				snap_check(&b, &s);
				assert_non_null(strstr(cn_err_detail(), "bytes"));
			}
			assert_int_equal(b.len, total);
			check_invariants(&b);
		}
		cn_buf_free(&b);
	}
}

/*
 * Lengths past the limit, or whose sum with len and the NUL would wrap
 * size_t, are refused before any copy (the last row overflowed `need` to 0
 * and copied past the allocation before the fix).
 */
static const struct {
	size_t max, n;
} huge_cases[] = {
	{16, SIZE_MAX},
	{16, SIZE_MAX - 1},
	{16, SIZE_MAX / 2 + 1},
	{SIZE_MAX / 2, SIZE_MAX / 2 + 1},
	{SIZE_MAX / 2, SIZE_MAX / 2 - 1}, /* 2 + n > max */
	{SIZE_MAX - 1, SIZE_MAX},
	{SIZE_MAX - 1, SIZE_MAX - 2},
	{SIZE_MAX, SIZE_MAX},
	{SIZE_MAX, SIZE_MAX - 1},
	{SIZE_MAX, SIZE_MAX - 2}, /* len + n == SIZE_MAX: no room for the NUL */
};

static void test_huge_lengths_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(huge_cases) / sizeof(huge_cases[0]); i++) {
		struct cn_buf b;
		struct snap s;

		cn_buf_init(&b, huge_cases[i].max);
		assert_int_equal(cn_buf_adds(&b, "ab"), 0);
		snap_take(&b, &s);
		assert_int_equal(cn_buf_add(&b, "x", huge_cases[i].n), CN_ERR_TOO_BIG);
		snap_check(&b, &s);
		cn_buf_free(&b);
	}
}

/*
 * Within a near-SIZE_MAX limit, an absurd length must end in the
 * out-of-memory abort of cn_xrealloc, not in an endless loop of a capacity
 * doubled past SIZE_MAX (as before the fix). Run in a child with an alarm.
 */
static void test_growth_past_half_size_max_does_not_hang(void **state)
{
	pid_t pid;
	int status = 0;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cn_buf b;
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 2); /* the OOM message is expected */
		alarm(20);
		cn_buf_init(&b, SIZE_MAX - 1);
		if (cn_buf_adds(&b, "ab") != 0)
			_exit(3);
		(void)!cn_buf_add(&b, "x", SIZE_MAX / 2 + 1);
		_exit(0); /* unreachable: the allocation cannot succeed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		assert_int_not_equal(WTERMSIG(status), SIGALRM);
	else
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
		    WEXITSTATUS(status) != 3);
}

static void test_too_big_detail_names_limit(void **state)
{
	struct cn_buf b;

	(void)state;
	cn_err_clear();
	cn_buf_init(&b, 3);
	assert_int_equal(cn_buf_add(&b, "abc", 3), 0);
	assert_int_equal(cn_buf_add(&b, "d", 1), CN_ERR_TOO_BIG);
	assert_string_equal(cn_err_detail(), "more than 3 bytes");
	assert_string_equal(cn_buf_str(&b), "abc");
	cn_buf_free(&b);
}

static void test_adds(void **state)
{
	struct cn_buf b;

	(void)state;
	cn_buf_init(&b, 5);
	assert_int_equal(cn_buf_adds(&b, ""), 0);
	assert_int_equal(cn_buf_adds(&b, "abc"), 0);
	assert_int_equal(cn_buf_adds(&b, "def"), CN_ERR_TOO_BIG);
	assert_int_equal(cn_buf_adds(&b, "de"), 0);
	assert_string_equal(cn_buf_str(&b), "abcde");
	cn_buf_free(&b);
}

/*
 * cn_buf_addf formats into 256 bytes on the stack first and takes a heap
 * path past that: check lengths on both sides of the switch, with the
 * formatted string compared byte for byte.
 */
static void test_addf_lengths(void **state)
{
	static const size_t lens[] = {0, 1, 254, 255, 256, 257, 300, 511, 512, 1000, 4095, 10000};
	char *arg = NULL, *want = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];
		struct cn_buf b;
		size_t j;

		arg = malloc(n + 1);
		want = malloc(n + 3);
		assert_non_null(arg);
		assert_non_null(want);
		for (j = 0; j < n; j++)
			arg[j] = (char)('a' + j % 26);
		arg[n] = '\0';
		want[0] = '<';
		memcpy(want + 1, arg, n);
		want[n + 1] = '>';
		want[n + 2] = '\0';
		/* First with an exact limit, then with one byte less. */
		cn_buf_init(&b, n + 2);
		assert_int_equal(cn_buf_addf(&b, "<%s>", arg), 0);
		assert_int_equal(b.len, n + 2);
		assert_string_equal(cn_buf_str(&b), want);
		check_invariants(&b);
		cn_buf_free(&b);

		cn_buf_init(&b, n + 1);
		assert_int_equal(cn_buf_addf(&b, "<%s>", arg), CN_ERR_TOO_BIG);
		assert_null(b.data);
		assert_int_equal(b.len, 0);
		cn_buf_free(&b);
		free(arg);
		free(want);
	}
}

/* A long addf appended after existing content, and refused when the sum
 * passes the limit even though the formatted text alone would fit. */
static void test_addf_appends_and_refuses_sum(void **state)
{
	char big[401];
	struct cn_buf b;
	struct snap s;

	(void)state;
	memset(big, 'q', 400);
	big[400] = '\0';
	cn_buf_init(&b, 1000);
	assert_int_equal(cn_buf_addf(&b, "%d-%s", 42, "x"), 0);
	assert_int_equal(cn_buf_addf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 4 + 402);
	assert_memory_equal(b.data, "42-x[qqq", 8);
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(cn_buf_addf(&b, "%s", big), 0);
	assert_int_equal(b.len, 806);
	snap_take(&b, &s);
	/* 806 + 400 > 1000, although 400 <= 1000. */
	assert_int_equal(cn_buf_addf(&b, "%s", big), CN_ERR_TOO_BIG);
	snap_check(&b, &s);
	/* A short one still fits afterwards: 806 + 194 == 1000. */
	assert_int_equal(cn_buf_addf(&b, "%.194s", big), 0);
	assert_int_equal(b.len, 1000);
	assert_int_equal(cn_buf_addf(&b, "%s", ""), 0);
	assert_int_equal(cn_buf_addf(&b, "%c", 'z'), CN_ERR_TOO_BIG);
	assert_int_equal(b.len, 1000);
	check_invariants(&b);
	cn_buf_free(&b);
}

static int vaddf_helper(struct cn_buf *b, const char *fmt, ...) CN_PRINTF(2, 3);
static int vaddf_helper(struct cn_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cn_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

static void test_vaddf_heap_path(void **state)
{
	char big[600];
	struct cn_buf b;

	(void)state;
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cn_buf_init(&b, 4096);
	assert_int_equal(vaddf_helper(&b, "%s|%d|%s", big, -7, big), 0);
	assert_int_equal(b.len, 599 * 2 + 4);
	assert_memory_equal(b.data + 599, "|-7|", 4);
	assert_int_equal(b.data[b.len - 1], 'v');
	cn_buf_free(&b);
}

static void test_take(void **state)
{
	struct cn_buf b;
	char *p = NULL;
	size_t len = 99;

	(void)state;
	cn_buf_init(&b, 300);
	assert_int_equal(cn_buf_adds(&b, "hello"), 0);
	p = cn_buf_take(&b, &len);
	assert_string_equal(p, "hello");
	assert_int_equal(len, 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 300); /* the limit stays */
	free(p);

	/* The buffer is reusable and the limit still applies. */
	assert_int_equal(cn_buf_adds(&b, "again"), 0);
	p = cn_buf_take(&b, NULL);
	assert_string_equal(p, "again");
	free(p);
	p = malloc(301);
	assert_non_null(p);
	memset(p, 'l', 301);
	assert_int_equal(cn_buf_add(&b, p, 301), CN_ERR_TOO_BIG);
	free(p);

	/* Take of an empty buffer gives "" (never NULL). */
	len = 99;
	p = cn_buf_take(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	cn_buf_free(&b);
}

static void test_reset_keeps_allocation(void **state)
{
	struct cn_buf b;
	unsigned char *data;
	size_t cap;

	(void)state;
	cn_buf_init(&b, 10);
	cn_buf_reset(&b); /* on a never-used buffer */
	assert_null(b.data);
	assert_int_equal(cn_buf_adds(&b, "0123456789"), 0);
	data = b.data;
	cap = b.cap;
	cn_buf_reset(&b);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.len, 0);
	assert_string_equal(cn_buf_str(&b), "");
	/* The full limit is available again. */
	assert_int_equal(cn_buf_adds(&b, "abcdefghij"), 0);
	assert_int_equal(cn_buf_adds(&b, "k"), CN_ERR_TOO_BIG);
	assert_string_equal(cn_buf_str(&b), "abcdefghij");
	cn_buf_free(&b);
}

static void test_free_is_idempotent(void **state)
{
	struct cn_buf b;

	(void)state;
	cn_buf_init(&b, 10);
	cn_buf_free(&b); /* never used */
	assert_int_equal(cn_buf_adds(&b, "abc"), 0);
	cn_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	cn_buf_free(&b);
	assert_string_equal(cn_buf_str(&b), "");
	/* Usable after free, with the same limit. */
	assert_int_equal(cn_buf_adds(&b, "0123456789"), 0);
	assert_int_equal(cn_buf_adds(&b, "x"), CN_ERR_TOO_BIG);
	cn_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty),
		cmocka_unit_test(test_growth_keeps_content),
		cmocka_unit_test(test_add_zero_bytes_allocates_empty_string),
		cmocka_unit_test(test_binary_with_nul),
		cmocka_unit_test(test_limit_exact_boundary),
		cmocka_unit_test(test_huge_lengths_refused),
		cmocka_unit_test(test_growth_past_half_size_max_does_not_hang),
		cmocka_unit_test(test_too_big_detail_names_limit),
		cmocka_unit_test(test_adds),
		cmocka_unit_test(test_addf_lengths),
		cmocka_unit_test(test_addf_appends_and_refuses_sum),
		cmocka_unit_test(test_vaddf_heap_path),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_reset_keeps_allocation),
		cmocka_unit_test(test_free_is_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
