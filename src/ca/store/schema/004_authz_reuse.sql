-- 004_authz_reuse.sql - cairnd store schema, version 4: a cap on the reuse of
-- a valid authorization that is shorter than its expiry.
--
-- Applied by store_sqlite.c like every migration (one transaction with
-- PRAGMA user_version = 4). The readable copy of this file is embedded in
-- schema.c; test_schema checks that the two are equal.

-- draft-ietf-acme-dns-persist section 7.8: a dns-persist-01 validation may be
-- reused for new orders (authz_find_valid) only until the TTL of its TXT
-- record has passed, when that is sooner than the configured reuse window.
-- The authorization itself stays valid until expires for the orders that
-- hold it already. NULL: no cap (every other validation method, and every
-- authorization made before this migration).
ALTER TABLE authzs ADD COLUMN reuse_until INTEGER;
