-- 006_tos_version.sql - cairnd store schema, version 6: the version of the
-- terms of service each account agreed to.
--
-- Applied by store_sqlite.c like every migration (one transaction with
-- PRAGMA user_version = 6). The readable copy of this file is embedded in
-- schema.c; test_schema checks that the two are equal.

-- RFC 8555 section 7.3.3: when the operator sets --tos-version, an account
-- that agreed to another version gets userActionRequired until it agrees
-- again. '': agreed before versions were kept (or never asked).
ALTER TABLE accounts ADD COLUMN tos_version TEXT NOT NULL DEFAULT '';
