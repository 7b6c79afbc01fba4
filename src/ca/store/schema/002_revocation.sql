-- 002_revocation.sql - cairnd store schema, version 2: publishing revocation
-- (RFC 6960 OCSP with the RFC 9919 profile, RFC 5280 section 5 CRLs, CA/B
-- Forum BR 4.9 and 7.2/7.3) and blocked keys (BR 4.9.1.1 keyCompromise).
--
-- Triggers queue the work in the same transaction as the change that causes
-- it, whoever makes the change (ACME revokeCert, cairnd admin, another
-- instance): a new or revoked certificate gets a row in ocsp_pending, a
-- revocation bumps the gen of its CRL shard. The refreshers of every cairnd
-- instance sharing the store poll these tables.

-- The CRL shard of a certificate is fixed when its serial is reserved, before
-- the certificate (whose CRL distribution point names the shard) is signed.
-- Serials reserved before this migration belong to shard 0.
ALTER TABLE serials ADD COLUMN crl_shard INTEGER NOT NULL DEFAULT 0;

-- Key compromise revokes every certificate with the key; expiry bounds CRLs.
CREATE INDEX certs_key ON certs (key_sha256);
CREATE INDEX certs_revoked ON certs (not_after) WHERE status = 'revoked';

-- Pre-signed OCSP responses, one per certificate (a BasicOCSPResponse with a
-- SHA-1 and a SHA-256 CertID, RFC 9919 section 3.2.1). Every write replaces
-- the row and so gives it a new id (AUTOINCREMENT: never reused), which is how
-- instances mirror the table in memory (rows with id > the last one seen) and
-- how writers compare-and-set.
CREATE TABLE ocsp_responses (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	serial TEXT NOT NULL UNIQUE,
	der BLOB NOT NULL,
	this_update INTEGER NOT NULL,
	next_update INTEGER NOT NULL
);
CREATE INDEX ocsp_responses_this_update ON ocsp_responses (this_update);

-- Certificates whose response must be signed now. gen grows with every
-- change, so a refresher that signed an older state leaves the row in place.
CREATE TABLE ocsp_pending (
	serial TEXT PRIMARY KEY,
	gen INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;

-- CRL shards (BR 7.2 "partitioned CRLs"): the newest signed CRL of each, its
-- crlNumber, and gen, bumped by every revocation in the shard; the CRL is
-- current while built_gen = gen.
CREATE TABLE crl_shards (
	shard INTEGER PRIMARY KEY,
	number INTEGER NOT NULL DEFAULT 0,
	der BLOB,
	this_update INTEGER NOT NULL DEFAULT 0,
	next_update INTEGER NOT NULL DEFAULT 0,
	gen INTEGER NOT NULL DEFAULT 1,
	built_gen INTEGER NOT NULL DEFAULT 0
);

-- Keys that must never be certified again (base64url SHA-256 of the
-- SubjectPublicKeyInfo DER, as certs.key_sha256).
CREATE TABLE blocked_keys (
	key_sha256 TEXT PRIMARY KEY,
	blocked INTEGER NOT NULL,
	serial TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TRIGGER certs_ocsp_issued AFTER INSERT ON certs BEGIN
	INSERT INTO ocsp_pending (serial) VALUES (NEW.serial)
	    ON CONFLICT (serial) DO UPDATE SET gen = gen + 1;
END;

CREATE TRIGGER certs_revocation AFTER UPDATE OF status, reason, revoked_at
    ON certs WHEN NEW.status = 'revoked' BEGIN
	INSERT INTO ocsp_pending (serial) VALUES (NEW.serial)
	    ON CONFLICT (serial) DO UPDATE SET gen = gen + 1;
	INSERT INTO crl_shards (shard) VALUES (coalesce((SELECT crl_shard
	    FROM serials WHERE serial = NEW.serial), 0))
	    ON CONFLICT (shard) DO UPDATE SET gen = gen + 1;
END;

-- Certificates issued before this migration get their first response.
INSERT INTO ocsp_pending (serial) SELECT serial FROM certs;
