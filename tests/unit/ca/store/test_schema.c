/*
 * test_schema.c - checks that the schema embedded in cairnd
 * (src/ca/store/schema.c) is exactly the readable copy under
 * src/ca/store/schema/ (read at test time; tests run from the repo root),
 * and that the migrations are numbered 1..n without gaps and each runs on a
 * fresh database after its predecessors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/schema.h"

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0)
		goto out;
	data = malloc((size_t)n + 1);
	if (data == NULL)
		goto out;
	if (fread(data, 1, (size_t)n, fp) != (size_t)n) {
		free(data);
		data = NULL;
		goto out;
	}
	data[n] = '\0';
	*len = (size_t)n;
out:
	fclose(fp);
	return data;
}

static void test_embedded_equals_sql_files(void **state)
{
	char path[256], prefix[8];
	char *text;
	size_t i, len = 0;

	(void)state;
	assert_true(ca_schema_n_migrations >= 1);
	for (i = 0; i < ca_schema_n_migrations; i++) {
		const struct ca_schema_migration *m = &ca_schema_migrations[i];

		assert_int_equal(m->version, (int)i + 1);
		snprintf(prefix, sizeof(prefix), "%03d_", m->version);
		assert_memory_equal(m->name, prefix, 4);
		snprintf(path, sizeof(path), "src/ca/store/schema/%s.sql", m->name);
		text = read_file(path, &len);
		if (text == NULL)
			fail_msg("cannot read %s (run from the repository root)", path);
		assert_int_equal(strlen(m->sql), len);
		assert_string_equal(m->sql, text);
		free(text);
	}
}

static void test_migrations_apply_in_order(void **state)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	size_t i;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (i = 0; i < ca_schema_n_migrations; i++) {
		if (sqlite3_exec(db, ca_schema_migrations[i].sql, NULL, NULL,
		    &msg) != SQLITE_OK)
			fail_msg("%s: %s", ca_schema_migrations[i].name, msg);
	}
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_equals_sql_files),
		cmocka_unit_test(test_migrations_apply_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
