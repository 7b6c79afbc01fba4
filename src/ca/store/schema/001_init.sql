-- 001_init.sql - cairnd store schema, version 1 (the interface is store.h).
--
-- Applied by store_sqlite.c in one BEGIN IMMEDIATE transaction that also
-- sets PRAGMA user_version = 1. Statuses are RFC 8555 section 7.1.6 strings,
-- times are Unix seconds. Rows are never deleted except nonces (consumed or
-- expired) and jobs (done); ids of jobs are never reused (AUTOINCREMENT) so a
-- stale worker cannot finish somebody else's job. The readable copy of this
-- file is embedded in schema.c; test_schema checks that the two are equal.

-- RFC 8555 section 6.5: single-use anti-replay nonces, shared by every
-- cairnd instance.
CREATE TABLE nonces (
	value TEXT PRIMARY KEY,
	expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX nonces_expires ON nonces (expires);

-- RFC 8555 section 7.1.2
CREATE TABLE accounts (
	id INTEGER PRIMARY KEY,
	status TEXT NOT NULL CHECK (status IN ('valid', 'deactivated', 'revoked')),
	thumbprint TEXT NOT NULL UNIQUE,
	jwk_json TEXT NOT NULL,
	contact_json TEXT NOT NULL DEFAULT '[]',
	tos_agreed INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL
);

-- RFC 8555 section 7.1.4; the reuse lookup (authz_find_valid) is one index
-- range scan.
CREATE TABLE authzs (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	status TEXT NOT NULL CHECK (status IN ('pending', 'valid', 'invalid',
	    'deactivated', 'expired', 'revoked')),
	id_type TEXT NOT NULL,
	id_value TEXT NOT NULL,
	wildcard INTEGER NOT NULL DEFAULT 0,
	expires INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE INDEX authzs_reuse ON authzs (account_id, id_type, id_value, wildcard,
    status, expires);

-- RFC 8555 sections 7.1.5 and 8
CREATE TABLE challenges (
	id INTEGER PRIMARY KEY,
	authz_id INTEGER NOT NULL REFERENCES authzs (id),
	type TEXT NOT NULL,
	token TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'valid',
	    'invalid')),
	validated INTEGER NOT NULL DEFAULT 0,
	error_json TEXT
);
CREATE INDEX challenges_authz ON challenges (authz_id);

-- RFC 8555 section 7.1.3; csr is stored by finalize (section 7.4).
CREATE TABLE orders (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'processing',
	    'valid', 'invalid')),
	expires INTEGER NOT NULL,
	not_before INTEGER NOT NULL DEFAULT 0,
	not_after INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL,
	identifiers_json TEXT NOT NULL,
	error_json TEXT,
	profile TEXT,
	cert_serial TEXT NOT NULL DEFAULT '',
	csr BLOB
);
CREATE INDEX orders_account ON orders (account_id, id);

-- Which authorizations an order needs; looked up both ways.
CREATE TABLE order_authzs (
	order_id INTEGER NOT NULL REFERENCES orders (id),
	authz_id INTEGER NOT NULL REFERENCES authzs (id),
	PRIMARY KEY (order_id, authz_id)
) WITHOUT ROWID;
CREATE INDEX order_authzs_authz ON order_authzs (authz_id, order_id);

-- Every serial ever reserved, before anything is signed with it. order_id is
-- 0 for certificates that belong to no order.
CREATE TABLE serials (
	serial TEXT PRIMARY KEY,
	order_id INTEGER NOT NULL,
	reserved INTEGER NOT NULL
) WITHOUT ROWID;

-- Issued certificates (RFC 5280); reason is a CRLReason when revoked.
CREATE TABLE certs (
	id INTEGER PRIMARY KEY,
	serial TEXT NOT NULL UNIQUE,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	order_id INTEGER NOT NULL REFERENCES orders (id),
	der BLOB NOT NULL,
	key_sha256 TEXT NOT NULL,
	not_before INTEGER NOT NULL,
	not_after INTEGER NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
	reason INTEGER NOT NULL DEFAULT 0,
	revoked_at INTEGER NOT NULL DEFAULT 0
);

-- Durable work queue. A job is runnable when run_after <= now and nobody
-- holds its lease (lease_until <= now). The index's entries are ordered by
-- (run_after, id), which is the claim order.
CREATE TABLE jobs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL CHECK (kind IN ('validate', 'finalize')),
	target_id INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	run_after INTEGER NOT NULL,
	lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_run_after ON jobs (run_after);
