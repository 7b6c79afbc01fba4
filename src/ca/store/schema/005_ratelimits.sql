-- 005_ratelimits.sql - cairnd store schema, version 5: what the rate limits
-- of RFC 8555 section 6.6 count (src/ca/ratelimit.c; the interface is the
-- "rate limits" section of store.h). The counts live in the store, not in a
-- process, so every cairnd instance on one store shares them. Each check is
-- one index range scan, newest first, of at most `limit` entries.
--
-- Applied by store_sqlite.c like every migration (one transaction with
-- PRAGMA user_version = 5). The readable copy of this file is embedded in
-- schema.c; test_schema checks that the two are equal.

-- New orders per account in a window.
CREATE INDEX orders_account_created ON orders (account_id, created);

-- Failed validations per account and identifier (invalid authorizations,
-- wildcard or not, counted from their creation) and pending authorizations
-- per account (until they expire).
CREATE INDEX authzs_failed ON authzs (account_id, id_type, id_value, created)
    WHERE status = 'invalid';
CREATE INDEX authzs_pending ON authzs (account_id, expires)
    WHERE status = 'pending';

-- New accounts per client address: where each account was created from
-- (ip_key: the IPv4 address, or the /64 of an IPv6 address).
CREATE TABLE account_origins (
	account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
	ip_key TEXT NOT NULL,
	created INTEGER NOT NULL
);
CREATE INDEX account_origins_ip ON account_origins (ip_key, created);

-- The identifiers of each issued certificate, as its order named them:
-- "dns:NAME", "dns:*.NAME" or "ip:ADDRESS". issued is the time its serial
-- was reserved (just before signing); n_names the number of identifiers.
-- Duplicate certificates (the same set) are found by one name and n_names;
-- renewals (the same set, same account, not expired) likewise by account.
CREATE TABLE cert_names (
	cert_id INTEGER NOT NULL REFERENCES certs (id),
	name TEXT NOT NULL,
	issued INTEGER NOT NULL,
	n_names INTEGER NOT NULL,
	account_id INTEGER NOT NULL,
	not_after INTEGER NOT NULL,
	PRIMARY KEY (cert_id, name)
) WITHOUT ROWID;
CREATE INDEX cert_names_set ON cert_names (name, n_names, issued);
CREATE INDEX cert_names_account ON cert_names (account_id, name, n_names, not_after);

-- Certificates per registered domain: each DNS name of a certificate
-- (without "*.") and every domain above it ("a.b.example.com",
-- "b.example.com", "example.com", "com"), once per certificate, so that the
-- certificates under a registered domain (found with the Public Suffix List
-- when an order is checked) are one index range; an IP address is its own
-- key, "ip:ADDRESS". (All rows of a certificate have the same issued: the
-- key keeps one row per domain and certificate.)
CREATE TABLE cert_domains (
	domain TEXT NOT NULL,
	issued INTEGER NOT NULL,
	cert_id INTEGER NOT NULL REFERENCES certs (id),
	PRIMARY KEY (domain, issued, cert_id)
) WITHOUT ROWID;

-- 0..253: the positions in a DNS name where a dot may be (triggers cannot
-- recurse over the labels; they join this table instead).
CREATE TABLE name_positions (p INTEGER PRIMARY KEY);
WITH RECURSIVE n (p) AS (SELECT 0 UNION ALL SELECT p + 1 FROM n WHERE p < 253)
INSERT INTO name_positions (p) SELECT p FROM n;

-- Whoever inserts a certificate (any instance, any path) fills both tables
-- in the same transaction.
CREATE TRIGGER certs_ratelimits AFTER INSERT ON certs BEGIN
	INSERT OR IGNORE INTO cert_names (cert_id, name, issued, n_names,
	    account_id, not_after)
	    SELECT NEW.id, json_extract(i.value, '$.type') || ':' ||
	        json_extract(i.value, '$.value'),
	        coalesce((SELECT s.reserved FROM serials s
	            WHERE s.serial = NEW.serial), NEW.not_before),
	        json_array_length(o.identifiers_json), NEW.account_id,
	        NEW.not_after
	    FROM orders o, json_each(CASE WHEN json_valid(o.identifiers_json)
	        THEN o.identifiers_json ELSE '[]' END) i
	    WHERE o.id = NEW.order_id AND i.type = 'object';
	INSERT OR IGNORE INTO cert_domains (domain, cert_id, issued)
	    SELECT substr(h.host, p.p + 1), NEW.id, h.issued
	    FROM (SELECT CASE WHEN substr(name, 1, 6) = 'dns:*.'
	            THEN substr(name, 7) ELSE substr(name, 5) END AS host, issued
	        FROM cert_names WHERE cert_id = NEW.id
	        AND substr(name, 1, 4) = 'dns:') h
	    JOIN name_positions p ON p.p = 0 OR (p.p < length(h.host)
	        AND substr(h.host, p.p, 1) = '.');
	INSERT OR IGNORE INTO cert_domains (domain, cert_id, issued)
	    SELECT name, NEW.id, issued FROM cert_names
	    WHERE cert_id = NEW.id AND substr(name, 1, 3) = 'ip:';
END;

-- Certificates issued before this migration that have not expired count
-- too (renewals, and windows that reach back before the upgrade).
INSERT OR IGNORE INTO cert_names (cert_id, name, issued, n_names, account_id,
    not_after)
    SELECT c.id, json_extract(i.value, '$.type') || ':' ||
        json_extract(i.value, '$.value'),
        coalesce((SELECT s.reserved FROM serials s WHERE s.serial = c.serial),
            c.not_before),
        json_array_length(o.identifiers_json), c.account_id, c.not_after
    FROM certs c JOIN orders o ON o.id = c.order_id,
        json_each(CASE WHEN json_valid(o.identifiers_json)
            THEN o.identifiers_json ELSE '[]' END) i
    WHERE c.not_after > CAST(strftime('%s', 'now') AS INTEGER)
    AND i.type = 'object';
INSERT OR IGNORE INTO cert_domains (domain, cert_id, issued)
    SELECT substr(h.host, p.p + 1), h.cert_id, h.issued
    FROM (SELECT cert_id, CASE WHEN substr(name, 1, 6) = 'dns:*.'
            THEN substr(name, 7) ELSE substr(name, 5) END AS host, issued
        FROM cert_names WHERE substr(name, 1, 4) = 'dns:') h
    JOIN name_positions p ON p.p = 0 OR (p.p < length(h.host)
        AND substr(h.host, p.p, 1) = '.');
INSERT OR IGNORE INTO cert_domains (domain, cert_id, issued)
    SELECT name, cert_id, issued FROM cert_names
    WHERE substr(name, 1, 3) = 'ip:';
