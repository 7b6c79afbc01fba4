/*
 * test_file.c - unit tests for src/core/file.c: atomic replacement (mode,
 * contents, no temporary file left behind, failure leaves the old file) and
 * bounded reads (limits, missing files, non-regular files).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "file.h"

struct tmpdir {
	char path[64];
};

static int dir_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "/tmp/cairn-test-file-XXXXXX");
	if (mkdtemp(t->path) == NULL)
		return -1;
	*state = t;
	return 0;
}

static int dir_teardown(void **state)
{
	struct tmpdir *t = *state;
	DIR *d = opendir(t->path);
	struct dirent *e;
	char p[512];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
		    (e->d_name[1] == '.' && e->d_name[2] == '\0')))
			continue;
		snprintf(p, sizeof(p), "%s/%s", t->path, e->d_name);
		if (unlink(p) != 0)
			rmdir(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(t->path);
	free(t);
	return 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_write_then_read(void **state)
{
	struct tmpdir *t = *state;
	static const struct {
		const char *data;
		mode_t mode;
	} cases[] = {
		{"first", 0600},
		{"second, longer contents\n", 0644},
		{"", 0640},
		{"x", 0600},
	};
	char path[128];
	struct stat st;
	size_t i, len;
	char *got;

	snprintf(path, sizeof(path), "%s/f", t->path);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cn_file_write_atomic(path, cases[i].data,
		    strlen(cases[i].data), cases[i].mode), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, cases[i].mode);
		got = NULL;
		len = 99;
		assert_int_equal(cn_file_read(path, 1024, &got, &len), 0);
		assert_int_equal(len, strlen(cases[i].data));
		assert_string_equal(got, cases[i].data);
		free(got);
		assert_int_equal(count_entries(t->path), 1); /* no temp file left */
	}
}

static void test_read_limits(void **state)
{
	struct tmpdir *t = *state;
	char path[128], missing[128];
	char *got = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/ten", t->path);
	snprintf(missing, sizeof(missing), "%s/missing", t->path);
	assert_int_equal(cn_file_write_atomic(path, "0123456789", 10, 0600), 0);
	assert_int_equal(cn_file_read(path, 10, &got, &len), 0);
	assert_int_equal(len, 10);
	free(got);
	got = NULL;
	assert_int_equal(cn_file_read(path, 9, &got, &len), CN_ERR_TOO_BIG);
	assert_null(got);
	assert_int_equal(cn_file_read(missing, 10, &got, NULL), CN_ERR_NOT_FOUND);
	assert_int_equal(cn_file_read(t->path, 10, &got, NULL), CN_ERR_IO);
	assert_null(got);
	/* NULL len is allowed. */
	assert_int_equal(cn_file_read(path, 100, &got, NULL), 0);
	assert_string_equal(got, "0123456789");
	free(got);
}

static void test_write_failures(void **state)
{
	struct tmpdir *t = *state;
	char path[128], sub[128], bad[160];
	char *got = NULL;

	snprintf(path, sizeof(path), "%s/keep", t->path);
	snprintf(sub, sizeof(sub), "%s/adir", t->path);
	snprintf(bad, sizeof(bad), "%s/nodir/x", t->path);
	assert_int_equal(cn_file_write_atomic(path, "old", 3, 0600), 0);
	/* Renaming over a directory fails: the temp file must go away. */
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(cn_file_write_atomic(sub, "x", 1, 0600), CN_ERR_IO);
	assert_int_equal(count_entries(t->path), 2);
	assert_int_equal(cn_file_write_atomic(bad, "x", 1, 0600), CN_ERR_IO);
	assert_non_null(strstr(cn_err_detail(), "nodir"));
	assert_int_equal(cn_file_read(path, 10, &got, NULL), 0);
	assert_string_equal(got, "old");
	free(got);
	rmdir(sub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_then_read, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_read_limits, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_write_failures, dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
