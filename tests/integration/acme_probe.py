#!/usr/bin/python3
"""acme_probe.py - RFC 8555 strictness probe for an ACME server (cairnd).

Run by 30-acme-strictness.sh with Debian's /usr/bin/python3 (it needs
python3-cryptography). It speaks ACME itself: the JWS signing (ES256 with
fixed-length R||S, ES384, RS256, EdDSA/Ed25519), JWK thumbprints (RFC 7638),
key authorizations, CSRs and the http-01 responder are written here with
`cryptography` and the standard library, independently of cairn's C code.

Each case prints one line on stdout: "PASS name" or "FAIL name: why"; the
last line is "DONE passed=N failed=N". Progress and details go to stderr.

What is checked (RFC 8555 sections in brackets): every error is a problem
document [6.7] with the exact type, a matching HTTP status, a detail, a fresh
Replay-Nonce [6.5] and Link rel="index" [7.1]; the directory and newNonce
[7.1.1, 7.2]; POST-as-GET only [6.3]; Content-Type [6.2]; algorithms and
keys [6.2]; jwk/kid [6.2]; url [6.4]; nonces [6.5]; strict JSON and JWS
serialization [6.2]; accounts and contacts [7.3]; orders and identifiers
[7.4, 7.1.3-7.1.5, 6.7.1]; http-01 [8.3]; finalize and CSR checks [7.4,
11.1]; the issued certificate (BR profile); revocation [7.6]; key rollover
[7.3.5]; deactivation [7.3.6]; an oversized body.

Environment (set by lib.sh's start_cairnd): ACME_DIRECTORY, ACME_CA_BUNDLE,
ACME_ISSUER_ROOT, CAIRND_DATA, CAIRND_BIN, HTTP01_PORT; STRICT_DOMAIN
(default strict.example.test; must resolve to 127.0.0.1 for the server).
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

ERR = "urn:ietf:params:acme:error:"
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")
JOSE = "application/jose+json"


def log(msg):
    print(f"[probe] {msg}", file=sys.stderr, flush=True)


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"))


def int_bytes(n, size=None):
    return n.to_bytes(size or max(1, (n.bit_length() + 7) // 8), "big")


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class Fail(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise Fail(why)


# ------------------------------------------------------------------ keys ---
class Key:
    """An account, certificate or CSR key with its JWS algorithm."""

    def __init__(self, alg, bits=2048):
        self.alg = alg
        if alg == "ES256":
            self.priv, self.size, self.hash = ec.generate_private_key(ec.SECP256R1()), 32, hashes.SHA256()
        elif alg == "ES384":
            self.priv, self.size, self.hash = ec.generate_private_key(ec.SECP384R1()), 48, hashes.SHA384()
        elif alg == "RS256":
            self.priv = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        elif alg == "EdDSA":
            self.priv = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(alg)
        self.pub = self.priv.public_key()

    def jwk(self):
        if self.alg in ("ES256", "ES384"):
            n = self.pub.public_numbers()
            return {"crv": "P-256" if self.size == 32 else "P-384", "kty": "EC",
                    "x": b64u(int_bytes(n.x, self.size)), "y": b64u(int_bytes(n.y, self.size))}
        if self.alg == "RS256":
            n = self.pub.public_numbers()
            return {"e": b64u(int_bytes(n.e)), "kty": "RSA", "n": b64u(int_bytes(n.n))}
        raw = self.pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64u(raw)}

    def sign(self, data):
        if self.alg in ("ES256", "ES384"):
            r, s = decode_dss_signature(self.priv.sign(data, ec.ECDSA(self.hash)))
            return int_bytes(r, self.size) + int_bytes(s, self.size)  # RFC 7518 3.4
        if self.alg == "RS256":
            return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.priv.sign(data)

    def thumbprint(self):
        # RFC 7638: the required members, sorted, no whitespace.
        return b64u(hashlib.sha256(json.dumps(self.jwk(), sort_keys=True,
                                              separators=(",", ":")).encode()).digest())

    def spki(self):
        return self.pub.public_bytes(serialization.Encoding.DER,
                                     serialization.PublicFormat.SubjectPublicKeyInfo)


# ------------------------------------------------------------------ HTTP ---
class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name)

    def ctype(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def links(self, rel):
        out = []
        for v in self.headers.get_all("Link") or []:
            for m in re.finditer(r'<([^>]*)>\s*;\s*rel="?([^";,]+)"?', v):
                if m.group(2) == rel:
                    out.append(m.group(1))
        return out

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise Fail(f"body is not JSON: {self}")

    def __str__(self):
        return f"HTTP {self.status} [{self.header('Content-Type')}] {self.body[:400]!r}"


class Http:
    def __init__(self, cafile):
        ctx = ssl.create_default_context(cafile=cafile)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPSHandler(context=ctx))

    def do(self, method, url, body=None, ctype=None):
        req = urllib.request.Request(url, data=body, method=method)
        if ctype is not None:
            req.add_header("Content-Type", ctype)
        try:
            with self.opener.open(req, timeout=20) as r:
                return Resp(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Resp(e.code, e.headers, e.read())


# ------------------------------------------------------------------ ACME ---
DEFAULT = object()


class Acme:
    def __init__(self, http, dir_url):
        self.http, self.dir_url = http, dir_url
        self.d = None
        self.pool = []

    def load(self):
        r = self.http.do("GET", self.dir_url)
        expect(r.status == 200, f"directory: {r}")
        self.d = r.json()
        return r

    def remember(self, r):
        n = r.header("Replay-Nonce")
        if n:
            self.pool.append(n)

    def nonce(self):
        if self.pool:
            return self.pool.pop()
        r = self.http.do("HEAD", self.d["newNonce"])
        n = r.header("Replay-Nonce")
        expect(r.status == 200 and n, f"newNonce gave no nonce: {r}")
        return n

    def jws(self, key, url, payload, kid=None, nonce=DEFAULT, hdr=None, drop=(), protected=None,
            signer=None):
        """A flattened JWS. payload None = POST-as-GET; dict = JSON; str/bytes = as is.
        hdr adds/overrides protected members, drop removes some, protected(p)
        may turn the header dict into its exact JSON text."""
        if nonce is DEFAULT:
            nonce = self.nonce()
        elif nonce in self.pool:  # used explicitly: never hand it out again
            self.pool.remove(nonce)
        p = {"alg": key.alg}
        if kid is not None:
            p["kid"] = kid
        else:
            p["jwk"] = key.jwk()
        if nonce is not None:
            p["nonce"] = nonce
        if url is not None:
            p["url"] = url
        p.update(hdr or {})
        for k in drop:
            p.pop(k, None)
        prot_b64 = b64u((protected(p) if protected else jdump(p)).encode())
        if payload is None:
            pay_b64 = ""
        elif isinstance(payload, bytes):
            pay_b64 = b64u(payload)
        elif isinstance(payload, str):
            pay_b64 = b64u(payload.encode())
        else:
            pay_b64 = b64u(jdump(payload).encode())
        sig = (signer or key.sign)(f"{prot_b64}.{pay_b64}".encode())
        return {"protected": prot_b64, "payload": pay_b64, "signature": b64u(sig)}

    def send(self, url, body, ctype=JOSE):
        if isinstance(body, str):
            body = body.encode()
        r = self.http.do("POST", url, body, ctype)
        self.remember(r)
        return r

    def post(self, url, key, payload, kid=None, **kw):
        return self.send(url, jdump(self.jws(key, url, payload, kid=kid, **kw)))

    def new_account(self, key, payload=None):
        r = self.post(self.d["newAccount"], key,
                      payload if payload is not None else {"termsOfServiceAgreed": True})
        return r, r.header("Location")


# ---------------------------------------------------------------- checks ---
class Runner:
    def __init__(self):
        self.passed = self.failed = 0

    def case(self, name, fn, *args):
        """Runs fn; prints PASS/FAIL; returns fn's result (True if None), or None on failure."""
        t0 = time.monotonic()
        try:
            res = fn(*args)
        except Fail as e:
            self.failed += 1
            why = " ".join(str(e).split())
            print(f"FAIL {name}: {why}", flush=True)
            log(f"FAIL {name}: {why}")
            return None
        except Exception as e:  # a probe bug or a dropped connection: a failure, not a crash
            self.failed += 1
            log(f"FAIL {name}: exception\n{traceback.format_exc()}")
            print(f"FAIL {name}: {type(e).__name__}: {' '.join(str(e).split())}", flush=True)
            return None
        self.passed += 1
        print(f"PASS {name}", flush=True)
        log(f"PASS {name} ({time.monotonic() - t0:.2f} s)")
        return True if res is None else res


S = {}  # state shared between cases


def need(*names):
    for n in names:
        expect(S.get(n) is not None, f"not run: prerequisite '{n}' failed")


def problem(acme, r, status, ptype):
    """r must be an RFC 8555 6.7 problem document of type ptype with HTTP
    status, a detail, a fresh Replay-Nonce and Link rel="index"."""
    body = r.body[:300]
    expect(r.status == status, f"HTTP {r.status}, want {status} ({ERR}{ptype}): {body!r}")
    expect(r.ctype() == "application/problem+json",
           f"Content-Type {r.header('Content-Type')!r}, want application/problem+json: {body!r}")
    j = r.json()
    expect(j.get("type") == ERR + ptype, f"type {j.get('type')!r}, want {ERR}{ptype}; detail {j.get('detail')!r}")
    expect(isinstance(j.get("detail"), str) and j["detail"].strip(), f"no detail: {body!r}")
    if "status" in j:
        expect(j["status"] == status, f"problem status {j['status']} differs from HTTP {status}")
    n = r.header("Replay-Nonce")
    expect(n and B64URL_RE.match(n), f"error response has no valid Replay-Nonce ({n!r})")
    expect(acme.dir_url in r.links("index"), f"no Link rel=\"index\" to {acme.dir_url}: {r.headers.get_all('Link')}")
    return j


def ok_json(r, status=200, what=""):
    expect(r.status == status, f"{what} HTTP {r.status}, want {status}: {r}")
    expect(r.ctype() == "application/json", f"{what} Content-Type {r.header('Content-Type')!r}")
    return r.json()


def parse_time(s):
    return datetime.strptime(re.sub(r"\.\d+", "", s), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def poll(acme, url, key, kid, want, deadline_s=30):
    """POST-as-GET url until its status is in want, honouring Retry-After."""
    end = time.monotonic() + deadline_s
    while True:
        r = acme.post(url, key, None, kid=kid)
        j = ok_json(r, 200, f"poll {url}:")
        if j.get("status") in want:
            return r, j
        expect(j.get("status") not in ("invalid", "deactivated", "revoked", "expired"),
               f"{url} became {j.get('status')}: {jdump(j)[:600]}")
        left = end - time.monotonic()
        expect(left > 0, f"{url} still {j.get('status')} after {deadline_s} s")
        ra = r.header("Retry-After")
        wait = int(ra) if ra and ra.isdigit() else 1
        time.sleep(max(0.05, min(wait, left, 5)))


# ----------------------------------------------------------- http-01 ---
class Responder:
    """http-01 responder on 127.0.0.1:port (RFC 8555 8.3)."""

    def __init__(self, port):
        self.answers, self.hits = {}, []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append(self.path)
                pre = "/.well-known/acme-challenge/"
                ka = outer.answers.get(self.path[len(pre):]) if self.path.startswith(pre) else None
                body = (ka or "not found").encode()
                self.send_response(200 if ka else 404)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt, *args):
                log("http-01 responder: " + fmt % args)

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


# ------------------------------------------------------------------ CSRs ---
def make_csr(key, names, cn=None):
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn or names[0])]))
    b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


# ================================================================= cases ===
def c_directory(acme):
    r = acme.load()
    expect(r.ctype() == "application/json", f"Content-Type {r.header('Content-Type')!r}")
    d = acme.d
    for k in ("newNonce", "newAccount", "newOrder", "revokeCert", "keyChange"):
        expect(isinstance(d.get(k), str) and d[k].startswith("https://"), f"directory lacks {k}: {d}")
    m = d.get("meta")
    expect(isinstance(m, dict), f"directory has no meta: {d}")
    expect(isinstance(m.get("termsOfService"), str) and m["termsOfService"], f"meta.termsOfService: {m}")
    expect(isinstance(m.get("website"), str) and m["website"], f"meta.website: {m}")
    caa = m.get("caaIdentities")
    expect(isinstance(caa, list) and caa and all(isinstance(x, str) and x for x in caa),
           f"meta.caaIdentities: {m}")


def c_nonce(acme, method, status):
    r = acme.http.do(method, acme.d["newNonce"])
    expect(r.status == status, f"{method} newNonce: HTTP {r.status}, want {status}")
    cc = (r.header("Cache-Control") or "").lower()
    expect("no-store" in cc, f"Cache-Control {cc!r}, want no-store (RFC 8555 7.2)")
    n = r.header("Replay-Nonce")
    expect(n and B64URL_RE.match(n), f"Replay-Nonce {n!r}")
    expect(acme.dir_url in r.links("index"), "no Link rel=\"index\"")
    if method == "GET":
        expect(r.body == b"", f"204 with a body {r.body[:100]!r}")
    S.setdefault("nonces_seen", set()).add(n)


def c_account_new(acme, alg):
    key = Key(alg)
    r, loc = acme.new_account(key, {"termsOfServiceAgreed": True,
                                    "contact": [f"mailto:{alg.lower()}@example.com"]})
    j = ok_json(r, 201, f"newAccount {alg}:")
    expect(loc and "/acct/" in loc, f"no account Location: {loc!r}")
    expect(j.get("status") == "valid", f"account status {j.get('status')!r}")
    expect(j.get("contact") == [f"mailto:{alg.lower()}@example.com"], f"contact {j.get('contact')}")
    expect(isinstance(j.get("orders"), str), f"account has no orders URL: {j}")
    if alg == "ES256":
        S["orders_url"] = j["orders"]
    # The kid works with this algorithm too: POST-as-GET of the account.
    r = acme.post(loc, key, None, kid=loc)
    j = ok_json(r, 200, "account POST-as-GET:")
    expect(j.get("status") == "valid", f"account POST-as-GET status {j.get('status')!r}")
    S[f"acct_{alg}"] = (key, loc)
    return True


def c_content_type(acme, ctype):
    key, kid = S["acct_ES256"]
    url = kid
    body = jdump(acme.jws(key, url, None, kid=kid))
    problem(acme, acme.send(url, body, ctype=ctype), 415, "malformed")


def algorithms_ok(j):
    algs = j.get("algorithms")
    expect(isinstance(algs, list), f"badSignatureAlgorithm without an algorithms list: {j}")
    for a in ("ES256", "ES384", "RS256", "EdDSA"):
        expect(a in algs, f"algorithms {algs} lacks {a}")
    for a in ("none", "HS256"):
        expect(a not in algs, f"algorithms {algs} lists {a}")


def c_alg_none(acme):
    key = Key("ES256")
    body = acme.jws(key, acme.d["newAccount"], {"termsOfServiceAgreed": True},
                    hdr={"alg": "none"}, signer=lambda data: b"")
    algorithms_ok(problem(acme, acme.send(acme.d["newAccount"], jdump(body)), 400, "badSignatureAlgorithm"))


def c_alg_hs256(acme):
    key = Key("ES256")
    mac = secrets.token_bytes(32)
    body = acme.jws(key, acme.d["newAccount"], {"termsOfServiceAgreed": True}, hdr={"alg": "HS256"},
                    signer=lambda data: hmac.new(mac, data, hashlib.sha256).digest())
    algorithms_ok(problem(acme, acme.send(acme.d["newAccount"], jdump(body)), 400, "badSignatureAlgorithm"))


def c_alg_mismatch_jwk(acme):
    # Header says ES256, the embedded jwk is RSA, the signature is RS256.
    key = Key("RS256")
    body = acme.jws(key, acme.d["newAccount"], {"termsOfServiceAgreed": True}, hdr={"alg": "ES256"})
    problem(acme, acme.send(acme.d["newAccount"], jdump(body)), 400, "badSignatureAlgorithm")


def c_alg_mismatch_kid(acme):
    # The account key is RSA; the request claims ES256.
    key, kid = S["acct_RS256"]
    body = acme.jws(key, kid, None, kid=kid, hdr={"alg": "ES256"})
    problem(acme, acme.send(kid, jdump(body)), 400, "badSignatureAlgorithm")


def c_alg_p256_as_es384(acme):
    key, kid = S["acct_ES256"]
    body = acme.jws(key, kid, None, kid=kid, hdr={"alg": "ES384"})
    problem(acme, acme.send(kid, jdump(body)), 400, "badSignatureAlgorithm")


def c_jwk_rsa1024(acme):
    key = Key("RS256", bits=1024)
    r, _ = acme.new_account(key)
    problem(acme, r, 400, "badPublicKey")


def c_jwk_on_new_order(acme):
    key, _ = S["acct_ES256"]
    r = acme.post(acme.d["newOrder"], key, {"identifiers": [{"type": "dns", "value": S["domain"]}]})
    problem(acme, r, 400, "malformed")


def c_kid_on_new_account(acme):
    key, kid = S["acct_ES256"]
    r = acme.post(acme.d["newAccount"], key, {"termsOfServiceAgreed": True}, kid=kid)
    problem(acme, r, 400, "malformed")


def c_jwk_and_kid(acme):
    key, kid = S["acct_ES256"]
    r = acme.post(kid, key, None, kid=kid, hdr={"jwk": key.jwk()})
    problem(acme, r, 400, "malformed")


def c_url_mismatch(acme):
    key, kid = S["acct_ES256"]
    body = acme.jws(key, acme.d["newOrder"], None, kid=kid)  # signed for newOrder ...
    problem(acme, acme.send(kid, jdump(body)), 403, "unauthorized")  # ... sent to the account


def c_url_missing(acme):
    key, kid = S["acct_ES256"]
    body = acme.jws(key, None, None, kid=kid)
    problem(acme, acme.send(kid, jdump(body)), 403, "unauthorized")


def fresh_nonce_works(acme, r, sent):
    n = r.header("Replay-Nonce")
    expect(n != sent, "the badNonce response repeats the rejected nonce")
    key, kid = S["acct_ES256"]
    r2 = acme.post(kid, key, None, kid=kid, nonce=n)
    ok_json(r2, 200, "request with the nonce from the badNonce response:")


def c_nonce_reused(acme):
    key, kid = S["acct_ES256"]
    n = acme.nonce()
    ok_json(acme.post(kid, key, None, kid=kid, nonce=n), 200, "first use of the nonce:")
    r = acme.post(kid, key, None, kid=kid, nonce=n)
    problem(acme, r, 400, "badNonce")
    fresh_nonce_works(acme, r, n)


def c_nonce_made_up(acme):
    key, kid = S["acct_ES256"]
    n = b64u(secrets.token_bytes(16))
    r = acme.post(kid, key, None, kid=kid, nonce=n)
    problem(acme, r, 400, "badNonce")
    fresh_nonce_works(acme, r, n)


def c_nonce_missing(acme):
    key, kid = S["acct_ES256"]
    r = acme.post(kid, key, None, kid=kid, nonce=None)
    problem(acme, r, 400, "badNonce")
    fresh_nonce_works(acme, r, None)


def c_dup_body(acme):
    key, kid = S["acct_ES256"]
    j = acme.jws(key, kid, None, kid=kid)
    body = ('{"protected":"%s","payload":"%s","payload":"%s","signature":"%s"}'
            % (j["protected"], j["payload"], j["payload"], j["signature"]))
    problem(acme, acme.send(kid, body), 400, "malformed")


def c_dup_protected(acme):
    key, kid = S["acct_ES256"]
    j = acme.jws(key, kid, None, kid=kid, protected=lambda p: jdump(p)[:-1] + ',"url":' + json.dumps(p["url"]) + "}")
    problem(acme, acme.send(kid, jdump(j)), 400, "malformed")


def c_dup_payload(acme):
    key, kid = S["acct_ES256"]
    payload = '{"contact":["mailto:dup@example.com"],"contact":["mailto:dup@example.com"]}'
    problem(acme, acme.post(kid, key, payload, kid=kid), 400, "malformed")


def c_unprotected_header(acme):
    key, kid = S["acct_ES256"]
    j = acme.jws(key, kid, None, kid=kid)
    j["header"] = {"kid": kid}
    problem(acme, acme.send(kid, jdump(j)), 400, "malformed")


def c_padding_protected(acme):
    key, kid = S["acct_ES256"]
    p = {"alg": key.alg, "kid": kid, "nonce": acme.nonce(), "url": kid}
    text = jdump(p)
    while len(text) % 3 == 0:  # so that standard base64 needs padding
        text += " "
    prot = base64.urlsafe_b64encode(text.encode()).decode()
    expect(prot.endswith("="), "probe: protected header needs no padding")
    sig = key.sign(f"{prot}.".encode())  # signed over the padded form: only the padding is wrong
    problem(acme, acme.send(kid, jdump({"protected": prot, "payload": "", "signature": b64u(sig)})),
            400, "malformed")


def c_padding_signature(acme):
    key, kid = S["acct_ES256"]
    j = acme.jws(key, kid, None, kid=kid)
    expect(len(j["signature"]) % 4 != 0, "probe: signature needs no padding")
    j["signature"] += "=" * (-len(j["signature"]) % 4)
    problem(acme, acme.send(kid, jdump(j)), 400, "malformed")


def c_bad_signature(acme):
    key, kid = S["acct_ES256"]
    j = acme.jws(key, kid, None, kid=kid)
    sig = bytearray(b64u_dec(j["signature"]))
    sig[10] ^= 0x01
    j["signature"] = b64u(bytes(sig))
    problem(acme, acme.send(kid, jdump(j)), 400, "malformed")


def c_tos_missing(acme):
    r, _ = acme.new_account(Key("ES256"), {"contact": ["mailto:tos@example.com"]})
    problem(acme, r, 400, "malformed")


def c_only_existing_unknown(acme):
    r, _ = acme.new_account(Key("ES256"), {"onlyReturnExisting": True})
    problem(acme, r, 400, "accountDoesNotExist")


def c_same_key(acme, payload):
    key, kid = S["acct_ES256"]
    r, loc = acme.new_account(key, payload)
    j = ok_json(r, 200, "newAccount with a registered key:")
    expect(loc == kid, f"Location {loc!r}, want the existing account {kid!r}")
    expect(j.get("status") == "valid", f"status {j.get('status')!r}")


def c_contact(acme, contact, ptype):
    # A key without an account: the contact check is what refuses it.
    r, _ = acme.new_account(Key("ES256"), {"termsOfServiceAgreed": True, "contact": [contact]})
    problem(acme, r, 400, ptype)


def c_contact_update(acme):
    key, kid = S["acct_ES256"]
    new = ["mailto:updated@example.org"]
    j = ok_json(acme.post(kid, key, {"contact": new}, kid=kid), 200, "contact update:")
    expect(j.get("contact") == new, f"contact after update {j.get('contact')}")
    j = ok_json(acme.post(kid, key, None, kid=kid), 200, "account after update:")
    expect(j.get("contact") == new, f"contact read back {j.get('contact')}")


def c_contact_update_invalid(acme):
    key, kid = S["acct_ES256"]
    problem(acme, acme.post(kid, key, {"contact": ["mailto:nobody@nodot"]}, kid=kid), 400, "invalidContact")
    j = ok_json(acme.post(kid, key, None, kid=kid), 200, "account after refused update:")
    expect(j.get("contact") == ["mailto:updated@example.org"], f"contact changed anyway: {j.get('contact')}")


def c_kid_unknown(acme):
    key, kid = S["acct_ES256"]
    ghost = re.sub(r"/acct/\d+$", "/acct/987654321", kid)
    expect(ghost != kid, f"probe: cannot derive an account URL from {kid}")
    r = acme.post(acme.d["newOrder"], key, {"identifiers": [{"type": "dns", "value": S["domain"]}]}, kid=ghost)
    problem(acme, r, 400, "accountDoesNotExist")


def new_order(acme, idents, extra=None, acct="acct_ES256"):
    key, kid = S[acct]
    payload = {"identifiers": idents}
    payload.update(extra or {})
    return acme.post(acme.d["newOrder"], key, payload, kid=kid)


def c_order_unsupported(acme):
    ident = {"type": "email", "value": "someone@example.com"}
    j = problem(acme, new_order(acme, [ident]), 400, "unsupportedIdentifier")
    sub = j.get("subproblems")
    expect(isinstance(sub, list) and len(sub) == 1, f"subproblems {sub}")
    expect(sub[0].get("identifier") == ident, f"subproblem identifier {sub[0].get('identifier')}, want {ident}")
    expect(sub[0].get("type") == ERR + "unsupportedIdentifier", f"subproblem type {sub[0].get('type')}")


def c_order_rejected(acme, names, good=()):
    idents = [{"type": "dns", "value": n} for n in names]
    r = new_order(acme, idents + [{"type": "dns", "value": g} for g in good])
    j = problem(acme, r, 400, "rejectedIdentifier")
    sub = j.get("subproblems")
    expect(isinstance(sub, list), f"no subproblems: {j}")
    got = [s.get("identifier") for s in sub]
    expect(got == idents, f"subproblem identifiers {got}, want {idents}")
    for s in sub:
        expect(s.get("type") == ERR + "rejectedIdentifier", f"subproblem type {s.get('type')}")
        expect(isinstance(s.get("detail"), str) and s["detail"], f"subproblem without detail {s}")


def c_order_not_after(acme):
    na = rfc3339(datetime.now(timezone.utc) + timedelta(days=400))
    r = new_order(acme, [{"type": "dns", "value": S["domain"]}], {"notAfter": na})
    problem(acme, r, 400, "malformed")


def check_token(t):
    expect(isinstance(t, str) and B64URL_RE.match(t) and len(t) >= 22, f"token {t!r}: not base64url of >= 128 bits")
    expect(len(b64u_dec(t)) >= 16, f"token {t!r} decodes to fewer than 16 octets")


def c_order_new(acme):
    key, kid = S["acct_ES256"]
    names = [S["domain"], "www." + S["domain"]]
    r = new_order(acme, [{"type": "dns", "value": n} for n in names])
    j = ok_json(r, 201, "newOrder:")
    loc = r.header("Location")
    expect(loc and loc.startswith("https://"), f"no order Location: {loc!r}")
    expect(j.get("status") == "pending", f"order status {j.get('status')!r}")
    expect(sorted(i["value"] for i in j.get("identifiers", [])) == sorted(names), f"identifiers {j.get('identifiers')}")
    authzs = j.get("authorizations")
    expect(isinstance(authzs, list) and len(authzs) == 2, f"authorizations {authzs}")
    expect(isinstance(j.get("finalize"), str) and j["finalize"].startswith("https://"), f"finalize {j.get('finalize')}")
    expect(isinstance(j.get("expires"), str) and parse_time(j["expires"]) > datetime.now(timezone.utc),
           f"expires {j.get('expires')!r}")
    j2 = ok_json(acme.post(loc, key, None, kid=kid), 200, "order POST-as-GET:")
    expect(j2.get("authorizations") == authzs and j2.get("finalize") == j["finalize"], f"order reads back {j2}")
    S["order"] = {"url": loc, "names": names, "authzs": authzs, "finalize": j["finalize"]}


def c_order_authz(acme):
    need("order")
    key, kid = S["acct_ES256"]
    tokens, S["chall"] = set(), {}
    for az in S["order"]["authzs"]:
        r = acme.post(az, key, None, kid=kid)
        j = ok_json(r, 200, f"authz {az}:")
        expect(j.get("status") == "pending", f"authz status {j.get('status')!r}")
        ident = j.get("identifier", {})
        expect(ident.get("type") == "dns" and ident.get("value") in S["order"]["names"], f"authz identifier {ident}")
        expect(not j.get("wildcard"), f"non-wildcard authz says wildcard: {j}")
        expect(isinstance(j.get("expires"), str), f"authz without expires: {j}")
        ch = j.get("challenges", [])
        types = sorted(c.get("type") for c in ch)
        expect(types == ["dns-01", "http-01", "tls-alpn-01"], f"challenge types {types}")
        for c in ch:
            check_token(c.get("token"))
            expect(c["token"] not in tokens, "a token is reused")
            tokens.add(c["token"])
            expect(c.get("status") == "pending" and isinstance(c.get("url"), str), f"challenge {c}")
            rc = acme.post(c["url"], key, None, kid=kid)
            jc = ok_json(rc, 200, f"challenge {c['url']}:")
            expect(jc.get("token") == c["token"] and jc.get("type") == c["type"], f"challenge reads back {jc}")
            expect(az in rc.links("up"), f"challenge has no Link rel=\"up\" to {az}: {rc.headers.get_all('Link')}")
            if c["type"] == "http-01":
                S["chall"][ident["value"]] = (az, c["url"], c["token"])


def c_order_wildcard(acme):
    key, kid = S["acct_ES256"]
    base = "wild." + S["domain"]
    r = new_order(acme, [{"type": "dns", "value": "*." + base}])
    j = ok_json(r, 201, "wildcard newOrder:")
    expect(len(j.get("authorizations", [])) == 1, f"authorizations {j.get('authorizations')}")
    ja = ok_json(acme.post(j["authorizations"][0], key, None, kid=kid), 200, "wildcard authz:")
    expect(ja.get("identifier") == {"type": "dns", "value": base}, f"wildcard authz identifier {ja.get('identifier')}")
    expect(ja.get("wildcard") is True, f"wildcard authz lacks wildcard: true: {ja}")
    types = [c.get("type") for c in ja.get("challenges", [])]
    expect(types == ["dns-01"], f"wildcard challenge types {types}, want only dns-01")
    for c in ja["challenges"]:
        check_token(c.get("token"))


def c_finalize_not_ready(acme):
    need("order")
    key, kid = S["acct_ES256"]
    csr = make_csr(ec.generate_private_key(ec.SECP256R1()), S["order"]["names"])
    r = acme.post(S["order"]["finalize"], key, {"csr": b64u(csr)}, kid=kid)
    problem(acme, r, 403, "orderNotReady")


def c_plain_get(acme, what):
    key, kid = S["acct_ES256"]
    url = {"account": lambda: kid, "order": lambda: S["order"]["url"],
           "authz": lambda: S["order"]["authzs"][0],
           "challenge": lambda: next(iter(S["chall"].values()))[1],
           "orders": lambda: S["orders_url"],
           "cert": lambda: S["cert_url"]}[what]()
    r = acme.http.do("GET", url)
    problem(acme, r, 405, "malformed")
    allow = r.header("Allow") or ""
    expect("POST" in allow, f"405 without Allow: POST (Allow {allow!r})")
    r = acme.post(url, key, None, kid=kid)
    expect(r.status == 200, f"POST-as-GET {url}: {r}")


def c_http01(acme, responder):
    need("order", "chall")
    key, kid = S["acct_ES256"]
    for name, (az, curl, token) in S["chall"].items():
        responder.answers[token] = f"{token}.{key.thumbprint()}"
    for name, (az, curl, token) in S["chall"].items():
        r = acme.post(curl, key, {}, kid=kid)
        j = ok_json(r, 200, f"respond to challenge {curl}:")
        expect(j.get("status") in ("pending", "processing", "valid"), f"challenge status after POST {{}}: {j}")
        expect(az in r.links("up"), "challenge response has no Link rel=\"up\"")
    for name, (az, curl, token) in S["chall"].items():
        _, j = poll(acme, az, key, kid, ("valid",))
        hc = [c for c in j["challenges"] if c["type"] == "http-01"][0]
        expect(hc.get("status") == "valid" and isinstance(hc.get("validated"), str), f"http-01 challenge {hc}")
        expect(f"/.well-known/acme-challenge/{token}" in responder.hits,
               f"the server never fetched the key authorization for {name} (hits {responder.hits})")
    _, j = poll(acme, S["order"]["url"], key, kid, ("ready",))
    S["ready"] = True


def finalize_bad(acme, csr_der, types):
    need("ready")
    key, kid = S["acct_ES256"]
    r = acme.post(S["order"]["finalize"], key, {"csr": b64u(csr_der)}, kid=kid)
    want = types[0]
    if r.status == 400 and r.ctype() == "application/problem+json" and r.json().get("type") in [ERR + t for t in types]:
        want = r.json()["type"][len(ERR):]
    j = problem(acme, r, 400, want)
    j2 = ok_json(acme.post(S["order"]["url"], key, None, kid=kid), 200, "order after a refused CSR:")
    expect(j2.get("status") == "ready", f"order is {j2.get('status')} after a refused CSR, want ready")
    return j


def c_csr_extra(acme):
    csr = make_csr(ec.generate_private_key(ec.SECP256R1()), S["order"]["names"] + ["extra." + S["domain"]])
    finalize_bad(acme, csr, ["badCSR"])


def c_csr_missing(acme):
    csr = make_csr(ec.generate_private_key(ec.SECP256R1()), S["order"]["names"][:1])
    finalize_bad(acme, csr, ["badCSR"])


def c_csr_cn_not_san(acme):
    csr = make_csr(ec.generate_private_key(ec.SECP256R1()), S["order"]["names"], cn="other." + S["domain"])
    finalize_bad(acme, csr, ["badCSR"])


def c_csr_rsa1024(acme):
    csr = make_csr(rsa.generate_private_key(public_exponent=65537, key_size=1024), S["order"]["names"])
    j = finalize_bad(acme, csr, ["badCSR", "badPublicKey"])
    expect(re.search(r"1024|2048|RSA|small|short|size", j["detail"], re.I), f"detail does not say why: {j['detail']!r}")
    log(f"RSA-1024 CSR -> {j['type']}: {j['detail']}")


def c_csr_account_key(acme):
    key, _ = S["acct_ES256"]
    csr = make_csr(key.priv, S["order"]["names"])
    finalize_bad(acme, csr, ["badCSR"])


def c_finalize_ok(acme):
    need("ready")
    key, kid = S["acct_ES256"]
    S["cert_key"] = ec.generate_private_key(ec.SECP256R1())
    csr = make_csr(S["cert_key"], S["order"]["names"])
    r = acme.post(S["order"]["finalize"], key, {"csr": b64u(csr)}, kid=kid)
    j = ok_json(r, 200, "finalize:")
    expect(j.get("status") in ("processing", "valid"), f"order status after finalize {j.get('status')!r}")
    # cairnd signs within the finalize request when its CAA checks are fresh.
    if os.environ.get("EXPECT_FINALIZE_VALID") == "1":
        expect(j["status"] == "valid" and isinstance(j.get("certificate"), str),
               f"finalize answered {j.get('status')!r}, want valid with a certificate URL")
        expect(r.header("Retry-After") is None, "a valid order with Retry-After")
    if j["status"] == "processing":
        expect((r.header("Retry-After") or "").isdigit(), "processing order without Retry-After")
    _, j = poll(acme, S["order"]["url"], key, kid, ("valid",))
    expect(isinstance(j.get("certificate"), str), f"valid order without certificate URL: {j}")
    S["cert_url"] = j["certificate"]


def c_cert_download(acme):
    need("cert_url")
    key, kid = S["acct_ES256"]
    r = acme.post(S["cert_url"], key, None, kid=kid)
    expect(r.status == 200, f"certificate download: {r}")
    expect(r.ctype() == "application/pem-certificate-chain", f"Content-Type {r.header('Content-Type')!r}")
    pems = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\r?\n?", r.body, re.S)
    expect(len(pems) == 2, f"{len(pems)} certificates in the chain, want leaf + intermediate")
    S["leaf_pem"], S["inter_pem"] = pems
    S["leaf"] = x509.load_pem_x509_certificate(pems[0])
    S["inter"] = x509.load_pem_x509_certificate(pems[1])


def c_cert_verify(acme):
    need("leaf")
    root = os.environ["ACME_ISSUER_ROOT"]
    with tempfile.TemporaryDirectory() as d:
        leaf, inter = os.path.join(d, "leaf.pem"), os.path.join(d, "inter.pem")
        with open(leaf, "wb") as f:
            f.write(S["leaf_pem"])
        with open(inter, "wb") as f:
            f.write(S["inter_pem"])
        p = subprocess.run(["openssl", "verify", "-purpose", "sslserver", "-CAfile", root,
                            "-untrusted", inter, leaf], capture_output=True, text=True)
        expect(p.returncode == 0 and p.stdout.strip().endswith("OK"),
               f"openssl verify: {p.stdout.strip()} {p.stderr.strip()}")


def c_cert_profile(acme):
    need("leaf")
    leaf, inter = S["leaf"], S["inter"]
    ext = leaf.extensions
    eku = ext.get_extension_for_class(x509.ExtendedKeyUsage).value
    expect(ExtendedKeyUsageOID.SERVER_AUTH in eku, f"EKU {list(eku)} lacks serverAuth")
    sans = ext.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    expect(sorted(sans) == sorted(S["order"]["names"]), f"SANs {sans}, want {S['order']['names']}")
    ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    expect(ski, "no subjectKeyIdentifier")
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    inter_ski = inter.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    expect(aki == inter_ski, "authorityKeyIdentifier is not the intermediate's subjectKeyIdentifier")
    aia = ext.get_extension_for_class(x509.AuthorityInformationAccess).value
    ca_issuers = [a.access_location.value for a in aia if a.access_method == AuthorityInformationAccessOID.CA_ISSUERS]
    expect(ca_issuers and ca_issuers[0].startswith("http://"), f"AIA caIssuers {ca_issuers}")
    S["ca_issuers"] = ca_issuers[0]
    expect(leaf.serial_number > 0 and leaf.serial_number.bit_length() >= 64,
           f"serial {leaf.serial_number:x} has fewer than 64 bits")
    life = (leaf.not_valid_after - leaf.not_valid_before).total_seconds() + 1  # inclusive (RFC 5280 4.1.2.5)
    expect(life == 90 * 86400, f"validity {life} s, want 90 days ({90 * 86400} s)")
    expect(leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
           == S["cert_key"].public_key().public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo),
           "the certificate's key is not the CSR's key")
    expect(leaf.issuer == inter.subject, "leaf issuer is not the intermediate")


def c_cert_aia(acme):
    need("ca_issuers")
    r = acme.http.do("GET", S["ca_issuers"])
    expect(r.status == 200, f"GET {S['ca_issuers']}: {r}")
    try:
        got = x509.load_der_x509_certificate(r.body)
    except ValueError:
        got = x509.load_pem_x509_certificate(r.body)
    expect(got == S["inter"], "the caIssuers URL does not serve the intermediate")


def cert_b64():
    return b64u(S["leaf"].public_bytes(serialization.Encoding.DER))


def admin_status():
    serial = S["leaf"].serial_number
    tries = [int_bytes(serial).hex(), f"{serial:x}"]
    for s in tries:
        p = subprocess.run([os.environ["CAIRND_BIN"], "admin", "--data", os.environ["CAIRND_DATA"], "cert-status", s],
                           capture_output=True, text=True)
        if p.returncode == 0:
            return p.stdout.strip()
    raise Fail(f"cairnd admin cert-status {tries[0]}: {p.stderr.strip()}")


def c_revoke_other(acme):
    need("leaf")
    key, kid = S["acct_ES384"]
    r = acme.post(acme.d["revokeCert"], key, {"certificate": cert_b64(), "reason": 4}, kid=kid)
    problem(acme, r, 403, "unauthorized")
    expect(admin_status() == "valid", "the certificate changed status anyway")


def c_revoke_reason(acme, reason):
    need("leaf")
    key, kid = S["acct_ES256"]
    r = acme.post(acme.d["revokeCert"], key, {"certificate": cert_b64(), "reason": reason}, kid=kid)
    problem(acme, r, 400, "badRevocationReason")


def c_revoke_cert_key(acme):
    need("leaf")
    st = admin_status()
    expect(st == "valid", f"cert-status before revocation {st!r}")
    ck = Key("ES256")
    ck.priv, ck.pub = S["cert_key"], S["cert_key"].public_key()
    r = acme.post(acme.d["revokeCert"], ck, {"certificate": cert_b64(), "reason": 1})  # jwk = certificate key
    expect(r.status == 200, f"revocation by the certificate key: {r}")
    S["revoked"] = True


def c_revoke_again(acme):
    need("revoked")
    key, kid = S["acct_ES256"]
    r = acme.post(acme.d["revokeCert"], key, {"certificate": cert_b64(), "reason": 4}, kid=kid)
    problem(acme, r, 400, "alreadyRevoked")


def c_revoke_admin(acme):
    need("revoked")
    st = admin_status()
    expect(st == "revoked 1", f"cairnd admin cert-status says {st!r}, want 'revoked 1'")


def key_change_body(acme, old, kid, new, account):
    inner = acme.jws(new, acme.d["keyChange"], {"account": account, "oldKey": old.jwk()}, nonce=None)
    return acme.jws(old, acme.d["keyChange"], inner, kid=kid)


def c_key_change(acme, acct, new_alg, state):
    old, kid = S[acct]
    new = Key(new_alg)
    r = acme.send(acme.d["keyChange"], jdump(key_change_body(acme, old, kid, new, kid)))
    j = ok_json(r, 200, "keyChange:")
    expect(j.get("status") == "valid", f"account status after keyChange {j.get('status')!r}")
    ok_json(acme.post(kid, new, None, kid=kid), 200, "account with the new key:")
    S[state] = (old, new, kid)


def c_key_change_old_kid(acme, state, status, ptype):
    need(state)
    old, new, kid = S[state]
    # Same key type: the old key's signature just does not verify for the
    # account (malformed, like any bad signature). Another key type: its alg
    # does not fit the account's key (badSignatureAlgorithm).
    problem(acme, acme.post(kid, old, None, kid=kid), status, ptype)


def c_key_change_old_lookup(acme, state):
    need(state)
    old, new, kid = S[state]
    r, _ = acme.new_account(old, {"onlyReturnExisting": True})
    problem(acme, r, 400, "accountDoesNotExist")
    r, loc = acme.new_account(new, {"onlyReturnExisting": True})
    ok_json(r, 200, "onlyReturnExisting with the new key:")
    expect(loc == kid, f"the new key finds {loc!r}, want {kid!r}")


def c_key_change_conflict(acme):
    need("rolled")
    old, cur, kid = S["rolled"]
    taken, taken_kid = S["acct_ES256"]
    r = acme.send(acme.d["keyChange"], jdump(key_change_body(acme, cur, kid, taken, kid)))
    problem(acme, r, 409, "malformed")
    expect(r.header("Location") == taken_kid, f"409 Location {r.header('Location')!r}, want {taken_kid!r}")
    ok_json(acme.post(kid, cur, None, kid=kid), 200, "account key after the refused rollover:")


def c_deactivate(acme):
    key, kid = S["acct_EdDSA"]
    j = ok_json(acme.post(kid, key, {"status": "deactivated"}, kid=kid), 200, "deactivation:")
    expect(j.get("status") == "deactivated", f"status after deactivation {j.get('status')!r}")
    S["deactivated"] = True


def c_deactivated_use(acme):
    need("deactivated")
    key, kid = S["acct_EdDSA"]
    problem(acme, acme.post(kid, key, None, kid=kid), 401, "unauthorized")
    r = acme.post(acme.d["newOrder"], key, {"identifiers": [{"type": "dns", "value": S["domain"]}]}, kid=kid)
    problem(acme, r, 401, "unauthorized")


def c_too_big(acme, full):
    key, kid = S["acct_ES256"]
    j = acme.jws(key, kid, None, kid=kid)
    j["payload"] = "A" * (70 * 1024)
    r = acme.send(kid, jdump(j))
    expect(r.status in (400, 413), f"oversized body: {r}")
    if not full:  # the problem document alone
        expect(r.ctype() == "application/problem+json", f"oversized body: {r}")
        expect(r.json().get("type") == ERR + "malformed", f"oversized body: {r}")
        return
    problem(acme, r, r.status, "malformed")


def c_alive(acme):
    acme.load()
    key, kid = S["acct_ES256"]
    ok_json(acme.post(kid, key, None, kid=kid), 200, "request after the oversized body:")


# ================================================================== main ===
def main():
    for v in ("ACME_DIRECTORY", "ACME_CA_BUNDLE", "ACME_ISSUER_ROOT", "CAIRND_DATA", "CAIRND_BIN", "HTTP01_PORT"):
        if not os.environ.get(v):
            print(f"FAIL probe-setup: {v} is not set", flush=True)
            return 1
    S["domain"] = os.environ.get("STRICT_DOMAIN", "strict.example.test")
    acme = Acme(Http(os.environ["ACME_CA_BUNDLE"]), os.environ["ACME_DIRECTORY"])
    R = Runner()
    t0 = time.monotonic()

    if not R.case("directory", c_directory, acme):
        print(f"DONE passed={R.passed} failed={R.failed}", flush=True)
        return 1
    R.case("new-nonce-head-200", c_nonce, acme, "HEAD", 200)
    R.case("new-nonce-get-204", c_nonce, acme, "GET", 204)
    for alg in ("ES256", "ES384", "RS256", "EdDSA"):
        R.case(f"new-account-{alg}", c_account_new, acme, alg)

    def guarded(name, fn, *args, needs=("acct_ES256",)):
        def run():
            need(*needs)
            return fn(*args)
        return R.case(name, run)

    guarded("content-type-json-415", c_content_type, acme, "application/json")
    guarded("content-type-text-415", c_content_type, acme, "text/plain")
    R.case("alg-none", c_alg_none, acme)
    R.case("alg-hs256", c_alg_hs256, acme)
    R.case("alg-es256-with-rsa-jwk", c_alg_mismatch_jwk, acme)
    guarded("alg-es256-with-rsa-account", c_alg_mismatch_kid, acme, needs=("acct_RS256",))
    guarded("alg-es384-with-p256-account", c_alg_p256_as_es384, acme)
    R.case("jwk-rsa1024-badpublickey", c_jwk_rsa1024, acme)
    guarded("jwk-on-new-order", c_jwk_on_new_order, acme)
    guarded("kid-on-new-account", c_kid_on_new_account, acme)
    guarded("jwk-and-kid", c_jwk_and_kid, acme)
    guarded("url-mismatch", c_url_mismatch, acme)
    guarded("url-missing", c_url_missing, acme)
    guarded("nonce-reused", c_nonce_reused, acme)
    guarded("nonce-made-up", c_nonce_made_up, acme)
    guarded("nonce-missing", c_nonce_missing, acme)
    guarded("duplicate-member-body", c_dup_body, acme)
    guarded("duplicate-member-protected", c_dup_protected, acme)
    guarded("duplicate-member-payload", c_dup_payload, acme)
    guarded("unprotected-header", c_unprotected_header, acme)
    guarded("base64url-padding-protected", c_padding_protected, acme)
    guarded("base64url-padding-signature", c_padding_signature, acme)
    guarded("bad-signature", c_bad_signature, acme)

    R.case("account-tos-missing", c_tos_missing, acme)
    R.case("account-only-existing-unknown", c_only_existing_unknown, acme)
    guarded("account-same-key-200", c_same_key, acme, {"termsOfServiceAgreed": True})
    guarded("account-only-existing-known", c_same_key, acme, {"onlyReturnExisting": True})
    R.case("contact-tel-unsupported", c_contact, acme, "tel:+12025550123", "unsupportedContact")
    R.case("contact-no-dot-invalid", c_contact, acme, "mailto:a@b", "invalidContact")
    R.case("contact-hfields-invalid", c_contact, acme, "mailto:a@b.c?subject=x", "invalidContact")
    R.case("contact-two-addresses-invalid", c_contact, acme, "mailto:a@example.com,b@example.com", "invalidContact")
    guarded("contact-update", c_contact_update, acme)
    guarded("contact-update-invalid", c_contact_update_invalid, acme)
    guarded("kid-unknown-account", c_kid_unknown, acme)

    guarded("order-email-unsupported", c_order_unsupported, acme)
    bad = ["bad_name.example", "*.*.example.com", "a..b.com", "localhost"]
    for n in bad:
        guarded(f"order-rejected-{n}", c_order_rejected, acme, [n])
    guarded("order-rejected-subproblems", c_order_rejected, acme, bad, [S["domain"]])
    guarded("order-notafter-too-late", c_order_not_after, acme)
    guarded("order-new", c_order_new, acme)
    guarded("order-authz-challenges", c_order_authz, acme)
    guarded("order-wildcard-dns01-only", c_order_wildcard, acme)
    guarded("finalize-not-ready", c_finalize_not_ready, acme)
    for what in ("account", "orders", "order", "authz", "challenge"):
        guarded(f"plain-get-{what}-405", c_plain_get, acme, what, needs=("acct_ES256", "order", "chall"))

    responder = None
    try:
        responder = Responder(int(os.environ["HTTP01_PORT"]))
    except OSError as e:
        log(f"cannot listen on 127.0.0.1:{os.environ['HTTP01_PORT']}: {e}")
    guarded("http01-validation", lambda: (expect(responder, "no http-01 responder"), c_http01(acme, responder)))
    if responder:
        responder.stop()
    guarded("finalize-csr-extra-name", c_csr_extra, acme)
    guarded("finalize-csr-missing-name", c_csr_missing, acme)
    guarded("finalize-csr-cn-not-in-sans", c_csr_cn_not_san, acme)
    guarded("finalize-csr-rsa1024", c_csr_rsa1024, acme)
    guarded("finalize-csr-account-key", c_csr_account_key, acme)
    guarded("finalize-ok", c_finalize_ok, acme, needs=("acct_ES256", "ready"))
    guarded("cert-download", c_cert_download, acme)
    guarded("cert-verify-openssl", c_cert_verify, acme)
    guarded("cert-profile", c_cert_profile, acme)
    guarded("cert-aia-ca-issuers", c_cert_aia, acme)
    guarded("plain-get-cert-405", c_plain_get, acme, "cert", needs=("acct_ES256", "cert_url"))

    guarded("revoke-other-account", c_revoke_other, acme, needs=("acct_ES384",))
    guarded("revoke-reason-7", c_revoke_reason, acme, 7)
    guarded("revoke-reason-2", c_revoke_reason, acme, 2)
    guarded("revoke-by-cert-key", c_revoke_cert_key, acme, needs=())
    guarded("revoke-again-already-revoked", c_revoke_again, acme)
    guarded("revoke-admin-cert-status", c_revoke_admin, acme, needs=())

    guarded("key-change-rs256-to-es256", c_key_change, acme, "acct_RS256", "ES256", "rolled",
            needs=("acct_RS256",))
    guarded("key-change-old-key-lookup", c_key_change_old_lookup, acme, "rolled", needs=())
    guarded("key-change-old-key-kid-other-alg", c_key_change_old_kid, acme, "rolled", 400,
            "badSignatureAlgorithm", needs=())
    guarded("key-change-es384-to-es384", c_key_change, acme, "acct_ES384", "ES384", "rolled384",
            needs=("acct_ES384",))
    guarded("key-change-old-key-kid", c_key_change_old_kid, acme, "rolled384", 400, "malformed", needs=())
    guarded("key-change-conflict-409", c_key_change_conflict, acme)
    guarded("account-deactivate", c_deactivate, acme, needs=("acct_EdDSA",))
    guarded("account-deactivated-401", c_deactivated_use, acme, needs=())

    guarded("body-over-64k", c_too_big, acme, False)
    guarded("body-over-64k-nonce-and-index", c_too_big, acme, True)
    guarded("server-alive-after-errors", c_alive, acme)

    log(f"{R.passed + R.failed} cases in {time.monotonic() - t0:.1f} s")
    print(f"DONE passed={R.passed} failed={R.failed}", flush=True)
    return 0 if R.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
