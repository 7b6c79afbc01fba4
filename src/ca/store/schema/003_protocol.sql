-- 003_protocol.sql - cairnd store schema, version 3: state of the protocol
-- extensions (the interface is the "protocol extensions" section at the end
-- of store.h): External Account Binding keys, challenge retries, ARI
-- replacements and early-renewal marks. (Blocked keys are 002's.)
--
-- Applied by store_sqlite.c like every migration (one transaction with
-- PRAGMA user_version = 3). The readable copy of this file is embedded in
-- schema.c; test_schema checks that the two are equal.

-- RFC 8555 section 7.3.4: MAC keys made by `cairnd admin eab create`. A key
-- binds at most one account: account_id is set in the transaction that
-- creates the account. revoked is the time it was revoked (0: usable).
CREATE TABLE eab_keys (
	kid TEXT PRIMARY KEY,
	hmac_key BLOB NOT NULL,
	created INTEGER NOT NULL,
	revoked INTEGER NOT NULL DEFAULT 0,
	account_id INTEGER REFERENCES accounts (id),
	comment TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- RFC 8555 section 8.2: failed validation attempts of a challenge that was
-- given another try, and the time before which no new attempt starts.
CREATE TABLE challenge_attempts (
	challenge_id INTEGER PRIMARY KEY REFERENCES challenges (id),
	attempts INTEGER NOT NULL,
	retry_at INTEGER NOT NULL
);

-- RFC 9773 section 5: the certificate an order replaces, as the client named
-- it (cert_id, AKI "." serial) and by its serial (lower-case hex).
CREATE TABLE order_replaces (
	order_id INTEGER PRIMARY KEY REFERENCES orders (id),
	cert_id TEXT NOT NULL,
	serial TEXT NOT NULL
);
CREATE INDEX order_replaces_serial ON order_replaces (serial, order_id);

-- RFC 9773 section 4.2: certificates an operator marked for early renewal
-- (`cairnd admin ari mark`); their suggested window lies before `marked`.
CREATE TABLE ari_marks (
	serial TEXT PRIMARY KEY,
	marked INTEGER NOT NULL,
	explanation_url TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Certificates by account (ARI marks by account, admin lists).
CREATE INDEX certs_account ON certs (account_id, id);
