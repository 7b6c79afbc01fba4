/*
 * schema.h - the SQLite schema migrations embedded in cairnd (private to
 * store/). Migration N brings a store from PRAGMA user_version N-1 to N.
 * Each SQL text is a verbatim copy of schema/<name>.sql, the readable
 * source; tests/unit/ca/store/test_schema.c checks that they are equal.
 */
#ifndef CA_STORE_SCHEMA_H
#define CA_STORE_SCHEMA_H

#include <stddef.h>

struct ca_schema_migration {
	int version;      /* user_version after this migration: 1, 2, ... */
	const char *name; /* file name under src/ca/store/schema/ without .sql */
	const char *sql;  /* the whole file */
};

/* In order of version, starting at 1 with no gaps. */
extern const struct ca_schema_migration ca_schema_migrations[];
extern const size_t ca_schema_n_migrations;

#endif
