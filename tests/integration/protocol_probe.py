#!/usr/bin/python3
"""protocol_probe.py - cairnd's protocol extensions driven by python3-acme.

Run by 45-protocol.sh with Debian's /usr/bin/python3 (python3-acme 2.1,
python3-josepy, python3-cryptography). The ACME side is python3-acme's
ClientV2/ClientNetwork: its JWS signing, nonces, EAB (ExternalAccountBinding)
and polling. Where that version has no API (key rollover, newAuthz,
profiles, replaces, renewalInfo), requests are built from its message
classes and signed by its ClientNetwork; nothing of cairn's C code is used
on this side. cairnd must run with --eab-required --challenge-attempts 3
--challenge-retry-after 2s --dns-account-01 --dns-persist-01
--alternate-chain auto --caa-identities ca.example.test
--ari-explanation-url ARI_URL (see 45-protocol.sh); with PROBE_PHASE=jit,
only the just-in-time dns-persist-01 cases run, against a cairnd that has
--dns-persist-01-jit as well.

Each case prints "PASS name" or "FAIL name: why"; the last line is
"DONE passed=N failed=N". Progress goes to stderr.

Covered: directory (newAuthz, renewalInfo, meta.profiles,
externalAccountRequired); EAB (RFC 8555 7.3.4: required, unknown kid, bad
MAC, one key one account, revoked key, admin list); key rollover (7.3.5,
409 with Location); account orders list with Link rel="next" (7.1.2.1);
deactivation (7.3.6: 401 afterwards, pending orders cancelled);
pre-authorization (7.4.1) and authorization deactivation (7.5.2); challenge
retry (8.2: error kept, Retry-After, limit); profiles (draft-ietf-acme-
profiles: classic/tlsserver/shortlived, invalidProfile, IP identifiers,
notAfter within the profile); ARI (RFC 9773: renewalInfo, replaces,
alreadyReplaced, admin marks); the alternate chain (7.4.2);
dns-account-01; dns-persist-01 (draft-ietf-acme-dns-persist: the record at
the name, policy=wildcard for a wildcard and for subdomains from a parent's
record, a wildcard refused without it, persistUntil passed, no reuse of a
validation whose record has TTL 0 as challtestsrv's all have; with
PROBE_PHASE=jit, section 4.2: newOrder and newAuthz answer valid, finalize
at once, pending without a qualifying record); key blocking; admin lists.
"""

import base64
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import subprocess
import sys
import threading
import time
import traceback
import urllib.request

import josepy as jose
import requests
from acme import challenges, client, crypto_util, errors, jws as acme_jws, messages
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID

DIRECTORY = os.environ["ACME_DIRECTORY"]
CA_BUNDLE = os.environ["ACME_CA_BUNDLE"]
CAIRND_BIN = os.environ["CAIRND_BIN"]
CAIRND_DATA = os.environ["CAIRND_DATA"]
HTTP01_PORT = int(os.environ["HTTP01_PORT"])
MGMT = "http://127.0.0.1:%s" % os.environ["CHALL_MGMT_PORT"]
ARI_URL = os.environ.get("ARI_URL", "https://ca.example.test/ari")
ISSUER = "ca.example.test"
SUFFIX = "proto.example.test"
ERR = "urn:ietf:params:acme:error:"

PASSED = 0
FAILED = 0


def log(msg):
    print(f"[protocol] {msg}", file=sys.stderr, flush=True)


class Fail(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise Fail(why)


def case(name, fn, *args):
    global PASSED, FAILED
    try:
        fn(*args)
        print(f"PASS {name}", flush=True)
        PASSED += 1
    except Exception as e:  # every failure is reported, none stops the run
        why = str(e) if isinstance(e, Fail) else f"{type(e).__name__}: {e}"
        log(f"{name}: {why}\n{traceback.format_exc()}")
        print(f"FAIL {name}: {why}".replace("\n", " ")[:500], flush=True)
        FAILED += 1


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Raw(jose.JSONDeSerializable):
    """Any JSON object as a payload for ClientNetwork.post."""

    def __init__(self, obj):
        self.obj = obj

    def to_partial_json(self):
        return self.obj

    @classmethod
    def from_json(cls, jobj):
        return cls(jobj)


# ----------------------------------------------------------- responders ---
class Http01(http.server.BaseHTTPRequestHandler):
    tokens = {}       # token -> key authorization
    refuse = {}       # token -> number of requests still answered 404

    def do_GET(self):
        prefix = "/.well-known/acme-challenge/"
        tok = self.path[len(prefix):] if self.path.startswith(prefix) else None
        if tok in Http01.refuse and Http01.refuse[tok] > 0:
            Http01.refuse[tok] -= 1
            tok = None
        body = Http01.tokens.get(tok)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def dns_set_txt(name, value):
    r = requests.post(MGMT + "/set-txt", json={"host": name.rstrip(".") + ".", "value": value},
                      timeout=5)
    r.raise_for_status()


def dns_clear_txt(name):
    requests.post(MGMT + "/clear-txt", json={"host": name.rstrip(".") + "."}, timeout=5)


def admin(*args, check=True):
    p = subprocess.run([CAIRND_BIN, "admin", "--data", CAIRND_DATA, *args],
                       capture_output=True, text=True, timeout=30)
    if check and p.returncode != 0:
        raise Fail(f"cairnd admin {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


# -------------------------------------------------------------- accounts ---
def new_key():
    return jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))


def new_client(key=None):
    key = key or new_key()
    net = client.ClientNetwork(key, alg=jose.ES256, verify_ssl=CA_BUNDLE,
                               user_agent="cairn-protocol-probe")
    directory = client.ClientV2.get_directory(DIRECTORY, net)
    return client.ClientV2(directory, net)


def eab_create(comment="probe"):
    out = admin("eab", "create", "--comment", comment).stdout.split()
    expect(len(out) == 4 and out[0] == "kid" and out[2] == "hmac-key", f"eab create printed {out}")
    return out[1], out[3]


def register(acme, kid=None, hmac=None):
    if kid is None:
        kid, hmac = eab_create()
    eab = messages.ExternalAccountBinding.from_data(
        account_public_key=acme.net.key.public_key(), kid=kid, hmac_key=hmac,
        directory=acme.directory)
    return acme.new_account(messages.NewRegistration.from_data(
        terms_of_service_agreed=True, external_account_binding=eab))


def account():
    acme = new_client()
    register(acme)
    return acme


def raw_post(acme, url, obj):
    """Signed POST through python3-acme's ClientNetwork, without raising on
    errors (the library turns 409 into ConflictError and drops the problem)."""
    net = acme.net
    nonce = net._get_nonce(url, acme.directory["newNonce"])
    data = net._wrap_in_jws(obj, nonce, url)
    resp = net._send_request("POST", url, data=data,
                             headers={"Content-Type": "application/jose+json"})
    net._add_nonce(resp)
    return resp


def problem(resp, ptype, status):
    expect(resp.status_code == status, f"HTTP {resp.status_code}, want {status}: {resp.text[:300]}")
    expect(resp.headers.get("Content-Type", "").startswith("application/problem+json"),
           f"Content-Type {resp.headers.get('Content-Type')}")
    j = resp.json()
    expect(j.get("type") == ERR + ptype, f"problem type {j.get('type')}, want {ptype}: {j}")
    expect(j.get("detail"), "problem without detail")
    return j


def expect_error(fn, ptype):
    try:
        fn()
    except messages.Error as e:
        expect(e.typ == ERR + ptype, f"problem {e.typ}, want {ptype}: {e.detail}")
        return e
    raise Fail(f"no {ptype} problem")


# ---------------------------------------------------------------- orders ---
def csr_for(names, key=None, ips=()):
    key = key or ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    csr = crypto_util.make_csr(pem, list(names) or None,
                               ipaddrs=[ipaddress.ip_address(i) for i in ips] or None)
    return key, csr


def new_order(acme, names=(), ips=(), **extra):
    ids = [{"type": "dns", "value": n} for n in names] + [{"type": "ip", "value": i} for i in ips]
    payload = {"identifiers": ids, **extra}
    return raw_post(acme, acme.directory["newOrder"], Raw(payload))


def order_ok(acme, names=(), ips=(), **extra):
    resp = new_order(acme, names, ips, **extra)
    expect(resp.status_code == 201, f"newOrder: HTTP {resp.status_code}: {resp.text[:300]}")
    return resp.headers["Location"], resp.json()


def get(acme, url):
    return acme._post_as_get(url)


def solve_http01(acme, authz_url):
    authz = messages.Authorization.from_json(get(acme, authz_url).json())
    if authz.status == messages.STATUS_VALID:
        return
    ch = next(c for c in authz.challenges if c.chall.typ == "http-01")
    resp, validation = ch.response_and_validation(acme.net.key)
    Http01.tokens[ch.chall.encode("token")] = validation
    acme.answer_challenge(ch, resp)


def wait_status(acme, url, want, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        j = get(acme, url).json()
        if j["status"] in want:
            return j
        time.sleep(0.3)
    raise Fail(f"{url} stayed {j['status']}, want {want}")


def issue(acme, names=(), ips=(), key=None, alt=False, **extra):
    """An order solved with http-01 and finalized; returns (orderr, order json)."""
    loc, order = order_ok(acme, names, ips, **extra)
    for a in order["authorizations"]:
        solve_http01(acme, a)
    wait_status(acme, loc, ("ready",))
    key, csr = csr_for(names, key, ips)
    orderr = messages.OrderResource(body=messages.Order.from_json(order), uri=loc, csr_pem=csr,
                                    authorizations=[])
    orderr = acme.finalize_order(orderr, datetime.datetime.now() + datetime.timedelta(seconds=60),
                                 fetch_alternative_chains=alt)
    return orderr, get(acme, loc).json(), key


def leaf_of(pem):
    return x509.load_pem_x509_certificate(pem.encode())


def chain_of(pem):
    end = "-----END CERTIFICATE-----"
    return [x509.load_pem_x509_certificate((block + end).encode())
            for block in pem.split(end) if "-----BEGIN CERTIFICATE-----" in block]


def cert_id(cert):
    aki = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
    n = cert.serial_number
    ser = n.to_bytes((n.bit_length() + 8) // 8, "big")  # DER content octets: sign bit clear
    if len(ser) > 1 and ser[0] == 0 and ser[1] < 0x80:
        ser = ser[1:]
    return b64u(aki.key_identifier) + "." + b64u(ser)


RENEWAL_INFO = None


def renewal_info(cid):
    global RENEWAL_INFO
    if RENEWAL_INFO is None:
        RENEWAL_INFO = requests.get(DIRECTORY, verify=CA_BUNDLE, timeout=10).json()["renewalInfo"]
    return requests.get(RENEWAL_INFO + "/" + cid, verify=CA_BUNDLE, timeout=10)


def rfc3339(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


# =============================================================== cases ===
def t_directory():
    d = requests.get(DIRECTORY, verify=CA_BUNDLE, timeout=10).json()
    expect(d["newAuthz"].endswith("/acme/new-authz"), f"newAuthz {d.get('newAuthz')}")
    expect(d["renewalInfo"].endswith("/acme/renewal-info"), f"renewalInfo {d.get('renewalInfo')}")
    expect(set(d["meta"]["profiles"]) == {"classic", "tlsserver", "shortlived"},
           f"meta.profiles {d['meta'].get('profiles')}")
    expect(d["meta"]["externalAccountRequired"] is True, "externalAccountRequired is not true")


def t_eab_required():
    acme = new_client()
    expect(acme.external_account_required(), "python3-acme sees no externalAccountRequired")
    expect_error(lambda: acme.new_account(messages.NewRegistration.from_data(
        terms_of_service_agreed=True)), "externalAccountRequired")


def t_eab_unknown_kid():
    acme = new_client()
    expect_error(lambda: register(acme, "no-such-kid", b64u(os.urandom(32))), "unauthorized")


def t_eab_bad_mac():
    kid, _ = eab_create()
    acme = new_client()
    expect_error(lambda: register(acme, kid, b64u(os.urandom(32))), "unauthorized")
    # the key is still unbound: the right MAC works afterwards
    return kid


def t_eab_one_account():
    kid, hmac = eab_create("one account")
    a = new_client()
    regr = register(a, kid, hmac)
    expect(regr.uri and "/acme/acct/" in regr.uri, f"account URL {regr.uri}")
    b = new_client()
    expect_error(lambda: register(b, kid, hmac), "unauthorized")
    listing = admin("eab", "list").stdout
    acct_id = regr.uri.rsplit("/", 1)[1]
    line = next((l for l in listing.splitlines() if l.startswith(kid + "\t")), None)
    expect(line is not None, f"eab list lacks {kid}")
    expect(line.split("\t")[3] == acct_id, f"eab list: {line!r}, want account {acct_id}")
    # the same account key again finds the same account (7.3.1)
    a.net.account = None
    try:
        register(a, kid, hmac)
        raise Fail("newAccount with a known key did not return the account")
    except errors.ConflictError as e:
        expect(e.location == regr.uri, f"Location {e.location}, want {regr.uri}")


def t_eab_revoked():
    kid, hmac = eab_create("to revoke")
    admin("eab", "revoke", kid)
    expect(admin("eab", "revoke", kid, check=False).returncode != 0, "revoking twice succeeded")
    expect_error(lambda: register(new_client(), kid, hmac), "unauthorized")


def t_key_change():
    acme = account()
    old_key, kid = acme.net.key, acme.net.account.uri
    other = account()
    url = acme.directory["keyChange"]
    # 409 with the Location of the account that holds the key already
    inner = acme_jws.JWS.sign(json.dumps({"account": kid, "oldKey": old_key.public_key()
                                          .to_partial_json()}).encode(),
                              key=other.net.key, alg=jose.ES256, nonce=None, url=url)
    resp = raw_post(acme, url, Raw(inner.to_partial_json()))
    expect(resp.status_code == 409, f"key in use: HTTP {resp.status_code}")
    expect(resp.headers.get("Location") == other.net.account.uri,
           f"409 Location {resp.headers.get('Location')}")
    # a new key
    new = new_key()
    inner = acme_jws.JWS.sign(json.dumps({"account": kid, "oldKey": old_key.public_key()
                                          .to_partial_json()}).encode(),
                              key=new, alg=jose.ES256, nonce=None, url=url)
    resp = raw_post(acme, url, Raw(inner.to_partial_json()))
    expect(resp.status_code == 200, f"keyChange: HTTP {resp.status_code}: {resp.text[:200]}")
    # the old key fails at once, the new one works
    resp = raw_post(acme, acme.directory["newOrder"],
                    Raw({"identifiers": [{"type": "dns", "value": "kc." + SUFFIX}]}))
    expect(resp.status_code >= 400, "the old key still works")
    acme.net.key = new
    order_ok(acme, ["kc." + SUFFIX])
    old = new_client(old_key)
    expect_error(lambda: old.new_account(messages.NewRegistration.from_data(
        only_return_existing=True)), "accountDoesNotExist")


def t_orders_list():
    acme = account()
    made = set()
    for i in range(103):
        made.add(order_ok(acme, [f"list{i}.{SUFFIX}"])[0])
    acct = get(acme, acme.net.account.uri).json()
    url, seen, pages = acct["orders"], [], 0
    while url:
        resp = get(acme, url)
        seen += resp.json()["orders"]
        pages += 1
        nxt = acme._get_links(resp, "next")
        url = nxt[0] if nxt else None
    expect(pages == 2, f"{pages} pages, want 2 (100 per page)")
    expect(len(seen) == len(set(seen)) == 103 and set(seen) == made, "orders list differs")


def t_deactivate():
    acme = account()
    loc, _ = order_ok(acme, ["deact." + SUFFIX])
    regr = acme.deactivate_registration(acme.net.account)
    expect(str(regr.body.status) == "deactivated", f"status {regr.body.status}")
    resp = raw_post(acme, acme.directory["newOrder"],
                    Raw({"identifiers": [{"type": "dns", "value": "deact." + SUFFIX}]}))
    problem(resp, "unauthorized", 401)
    problem(raw_post(acme, loc, None), "unauthorized", 401)
    problem(raw_post(acme, acme.net.account.uri, None), "unauthorized", 401)
    acme.net.account = None
    problem(raw_post(acme, acme.directory["newAccount"], Raw({"onlyReturnExisting": True})),
            "unauthorized", 401)
    order_id = loc.rsplit("/", 1)[1]
    line = next(l for l in admin("list", "orders", "--limit", "1000").stdout.splitlines()
                if l.split("\t")[0] == order_id)
    expect(line.split("\t")[2] == "invalid", f"pending order after deactivation: {line!r}")


def t_new_authz():
    acme = account()
    name = "pre." + SUFFIX
    resp = raw_post(acme, acme.directory["newAuthz"],
                    Raw({"identifier": {"type": "dns", "value": name}}))
    expect(resp.status_code == 201, f"newAuthz: HTTP {resp.status_code}: {resp.text[:200]}")
    authz_url = resp.headers["Location"]
    j = resp.json()
    expect(j["status"] == "pending" and j["identifier"]["value"] == name, f"authz {j}")
    expect({c["type"] for c in j["challenges"]} >= {"http-01", "dns-01"}, "challenge types")
    solve_http01(acme, authz_url)
    wait_status(acme, authz_url, ("valid",))
    loc, order = order_ok(acme, [name])
    expect(order["status"] == "ready", f"order status {order['status']}, want ready")
    expect(order["authorizations"] == [authz_url], "the order does not reuse the pre-authorization")


def t_new_authz_errors():
    acme = account()
    url = acme.directory["newAuthz"]
    problem(raw_post(acme, url, Raw({"identifier": {"type": "dns", "value": "*.w." + SUFFIX}})),
            "rejectedIdentifier", 400)
    problem(raw_post(acme, url, Raw({"identifiers": []})), "malformed", 400)
    problem(raw_post(acme, url, Raw({"identifier": {"type": "email", "value": "a@b.example"}})),
            "unsupportedIdentifier", 400)


def t_authz_deactivate():
    acme = account()
    resp = raw_post(acme, acme.directory["newAuthz"],
                    Raw({"identifier": {"type": "dns", "value": "deauthz." + SUFFIX}}))
    url = resp.headers["Location"]
    authzr = messages.AuthorizationResource(body=messages.Authorization.from_json(resp.json()),
                                            uri=url)
    out = acme.deactivate_authorization(authzr)
    expect(out.body.status == messages.STATUS_DEACTIVATED, f"status {out.body.status}")
    ch = out.body.challenges[0]
    problem(raw_post(acme, ch.uri, Raw({})), "malformed", 400)


def t_challenge_retry():
    acme = account()
    name = "retry." + SUFFIX
    loc, order = order_ok(acme, [name])
    authz_url = order["authorizations"][0]
    authz = messages.Authorization.from_json(get(acme, authz_url).json())
    ch = next(c for c in authz.challenges if c.chall.typ == "http-01")
    resp, validation = ch.response_and_validation(acme.net.key)
    token = ch.chall.encode("token")
    Http01.tokens[token] = validation
    Http01.refuse[token] = 1                    # the first attempt sees 404
    acme.answer_challenge(ch, resp)
    end = time.time() + 30
    while time.time() < end:
        r = get(acme, ch.uri)
        cj = r.json()
        if cj["status"] == "pending" and "error" in cj:
            break
        time.sleep(0.2)
    expect(cj["status"] == "pending", f"challenge after a failed attempt: {cj['status']}")
    expect(cj["error"]["type"] == ERR + "unauthorized", f"error kept: {cj.get('error')}")
    expect(int(r.headers.get("Retry-After", "0")) >= 1, "no Retry-After")
    expect(get(acme, authz_url).json()["status"] == "pending", "authz not pending")
    expect(get(acme, loc).json()["status"] == "pending", "order not pending")
    # a retry asked for at once is queued until the retry time, then passes
    r = raw_post(acme, ch.uri, Raw({}))
    expect(r.json()["status"] == "processing", f"retry: {r.json()['status']}")
    expect(int(r.headers.get("Retry-After", "0")) >= 1, "retry without Retry-After")
    wait_status(acme, ch.uri, ("valid",))
    wait_status(acme, loc, ("ready",))


def t_challenge_retry_limit():
    acme = account()
    loc, order = order_ok(acme, ["limit." + SUFFIX])
    authz_url = order["authorizations"][0]
    authz = messages.Authorization.from_json(get(acme, authz_url).json())
    ch = next(c for c in authz.challenges if c.chall.typ == "http-01")
    resp, _ = ch.response_and_validation(acme.net.key)   # never served: 404 each time
    for attempt in range(3):
        # each POST makes the challenge "processing" before it answers, so
        # the wait ends only when that attempt is over
        if attempt == 0:
            acme.answer_challenge(ch, resp)
        else:
            expect(raw_post(acme, ch.uri, Raw({})).json()["status"] == "processing",
                   f"attempt {attempt + 1} did not start")
        j = wait_status(acme, ch.uri, ("pending", "invalid"), timeout=30)
        want = "pending" if attempt < 2 else "invalid"
        expect(j["status"] == want, f"after attempt {attempt + 1}: {j['status']}, want {want}")
    expect(get(acme, authz_url).json()["status"] == "invalid", "authz not invalid")
    expect(get(acme, loc).json()["status"] == "invalid", "order not invalid")


def cert_cn(cert):
    return [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def lifetime(cert):
    return (cert.not_valid_after - cert.not_valid_before).total_seconds() + 1


def t_profile_default_classic():
    acme = account()
    names = ["classic." + SUFFIX, "www.classic." + SUFFIX]
    orderr, order, _ = issue(acme, names)
    expect(order.get("profile") == "classic", f"order profile {order.get('profile')}")
    leaf = leaf_of(orderr.fullchain_pem)
    expect(cert_cn(leaf) == [names[0]], f"CN {cert_cn(leaf)}")
    expect(lifetime(leaf) == 90 * 86400, f"lifetime {lifetime(leaf)}")


def t_profile_tlsserver():
    acme = account()
    orderr, order, _ = issue(acme, ["tls." + SUFFIX], profile="tlsserver")
    expect(order["profile"] == "tlsserver", f"order profile {order.get('profile')}")
    leaf = leaf_of(orderr.fullchain_pem)
    expect(cert_cn(leaf) == [], f"CN {cert_cn(leaf)}, want none")
    expect(lifetime(leaf) == 45 * 86400, f"lifetime {lifetime(leaf)}")
    san = leaf.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    expect(san.critical, "SAN not critical with an empty subject")


def t_profile_shortlived_ip():
    acme = account()
    orderr, order, _ = issue(acme, [], ips=["127.0.0.1"], profile="shortlived")
    leaf = leaf_of(orderr.fullchain_pem)
    san = leaf.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    expect(san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")],
           f"SAN {san}")
    expect(lifetime(leaf) == 160 * 3600, f"lifetime {lifetime(leaf)}")
    expect(cert_cn(leaf) == [], "shortlived has a CN")


def t_profile_errors():
    acme = account()
    problem(new_order(acme, ["p1." + SUFFIX], profile="gold"), "invalidProfile", 400)
    problem(new_order(acme, [], ips=["127.0.0.1"], profile="classic"), "invalidProfile", 400)
    problem(new_order(acme, [], ips=["127.0.0.1"], profile="tlsserver"), "invalidProfile", 400)
    # without a profile the server selects one that fits: shortlived for an IP
    _, order = order_ok(acme, [], ips=["127.0.0.1"])
    expect(order["profile"] == "shortlived", f"IP without a profile got {order.get('profile')}")
    many = [f"10.0.0.{i}" for i in range(1, 27)]        # 26 IPs: no profile fits
    problem(new_order(acme, [], ips=many), "rejectedIdentifier", 400)
    problem(new_order(acme, ["p2." + SUFFIX], profile=5), "malformed", 400)
    names = [f"n{i}.{SUFFIX}" for i in range(26)]       # shortlived allows 25
    problem(new_order(acme, names, profile="shortlived"), "invalidProfile", 400)
    soon = datetime.datetime.now(datetime.timezone.utc)
    too_late = (soon + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    problem(new_order(acme, ["p3." + SUFFIX], profile="shortlived", notAfter=too_late),
            "malformed", 400)
    ok = (soon + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    loc, order = order_ok(acme, ["p4." + SUFFIX], profile="shortlived", notAfter=ok)
    expect(order["notAfter"] == ok and order["profile"] == "shortlived", f"order {order}")


def t_ari_and_replaces(state):
    acme = account()
    names = ["ari." + SUFFIX]
    orderr, _, _ = issue(acme, names)
    leaf = leaf_of(orderr.fullchain_pem)
    cid = cert_id(leaf)
    state.update(acme=acme, leaf=leaf, cid=cid, names=names)
    r = renewal_info(cid)
    expect(r.status_code == 200, f"renewalInfo: HTTP {r.status_code}: {r.text[:200]}")
    j = r.json()
    start, end = rfc3339(j["suggestedWindow"]["start"]), rfc3339(j["suggestedWindow"]["end"])
    nb = leaf.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    na = leaf.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    expect(nb < start < end < na, f"window {start}..{end} not inside {nb}..{na}")
    expect(start > datetime.datetime.now(datetime.timezone.utc), "a fresh window starts now")
    want = os.environ.get("ARI_RETRY_AFTER", "21600")
    expect(r.headers.get("Retry-After") == want, f"Retry-After {r.headers.get('Retry-After')}, want {want}")
    expect(j.get("explanationURL") == ARI_URL, f"explanationURL {j.get('explanationURL')}")


def t_renewal_info_errors(state):
    aki, ser = state["cid"].split(".")
    expect(renewal_info(aki + "." + b64u(os.urandom(16))).status_code == 404, "unknown serial")
    expect(renewal_info(b64u(os.urandom(20)) + "." + ser).status_code == 404, "other issuer")
    r = renewal_info("not-an-id")
    expect(r.status_code == 400 and r.json()["type"] == ERR + "malformed", f"bad id {r.status_code}")
    r = renewal_info(aki + "=." + ser)
    expect(r.status_code == 400, f"padded id: HTTP {r.status_code}")


def t_replaces(state):
    acme, cid, names = state["acme"], state["cid"], state["names"]
    loc, order = order_ok(acme, names, replaces=cid)
    expect(order.get("replaces") == cid, f"newOrder replaces {order.get('replaces')}")
    expect(get(acme, loc).json().get("replaces") == cid, "the order does not show replaces")
    state["replacing_order"] = loc
    problem(new_order(acme, names, replaces=cid), "alreadyReplaced", 409)


def t_replaces_errors(state):
    acme, cid, names = state["acme"], state["cid"], state["names"]
    other = account()
    problem(new_order(other, names, replaces=cid), "unauthorized", 403)
    problem(new_order(acme, ["elsewhere." + SUFFIX], replaces=cid), "malformed", 400)
    aki = cid.split(".")[0]
    problem(new_order(acme, names, replaces=aki + "." + b64u(os.urandom(16))), "malformed", 400)
    problem(new_order(acme, names, replaces="garbage"), "malformed", 400)


def t_replaces_then_issue(state):
    """The replacing order completes (authorization reused) and is valid."""
    acme, loc = state["acme"], state["replacing_order"]
    order = wait_status(acme, loc, ("ready",))
    key, csr = csr_for(state["names"])
    orderr = messages.OrderResource(body=messages.Order.from_json(order), uri=loc, csr_pem=csr,
                                    authorizations=[])
    acme.finalize_order(orderr, datetime.datetime.now() + datetime.timedelta(seconds=60))
    expect(get(acme, loc).json()["replaces"] == state["cid"], "replaces lost after finalize")


def window(cid):
    j = renewal_info(cid).json()
    return rfc3339(j["suggestedWindow"]["start"]), rfc3339(j["suggestedWindow"]["end"]), j


def t_ari_mark(state):
    now = datetime.datetime.now(datetime.timezone.utc)
    serial = format(state["leaf"].serial_number, "x")
    out = admin("ari", "mark", "--serial", serial, "--explanation", "https://ca.example.test/inc1")
    expect(out.stdout.strip() == "marked 1", f"ari mark: {out.stdout!r}")
    start, end, j = window(state["cid"])
    expect(start < end < now, f"marked window {start}..{end} is not in the past")
    expect(j["explanationURL"] == "https://ca.example.test/inc1", f"explanationURL {j}")
    # by account, by issuer, all: other certificates move too
    acme = account()
    orderr, _, _ = issue(acme, ["ari2." + SUFFIX])
    cid2 = cert_id(leaf_of(orderr.fullchain_pem))
    expect(window(cid2)[0] > now, "a new certificate's window is in the past")
    acct_id = acme.net.account.uri.rsplit("/", 1)[1]
    out = admin("ari", "mark", "--account", acct_id)
    expect(out.stdout.strip() == "marked 1", f"ari mark --account: {out.stdout!r}")
    expect(window(cid2)[1] < datetime.datetime.now(datetime.timezone.utc), "--account: not moved")
    orderr, _, _ = issue(acme, ["ari3." + SUFFIX])
    cid3 = cert_id(leaf_of(orderr.fullchain_pem))
    expect(window(cid3)[0] > now, "issued after the mark, yet in the past")
    out = admin("ari", "mark", "--issuer")
    expect(out.stdout.startswith("marked ") and int(out.stdout.split()[1]) >= 3,
           f"ari mark --issuer: {out.stdout!r}")
    expect(window(cid3)[1] < datetime.datetime.now(datetime.timezone.utc), "--issuer: not moved")
    out = admin("ari", "mark", "--all")
    expect(out.stdout.startswith("marked "), f"ari mark --all: {out.stdout!r}")
    expect(admin("ari", "mark", "--serial", "00ff", check=False).returncode != 0,
           "marking an unknown serial succeeded")
    expect(admin("ari", "mark", check=False).returncode == 2, "ari mark without selector")


def t_alt_chain():
    acme = account()
    orderr, _, _ = issue(acme, ["alt." + SUFFIX], alt=True)
    expect(len(orderr.alternative_fullchains_pem) == 1,
           f"{len(orderr.alternative_fullchains_pem or [])} alternate chains")
    main, alt = chain_of(orderr.fullchain_pem), chain_of(orderr.alternative_fullchains_pem[0])
    expect(main[0] == alt[0], "the alternate chain starts with another leaf")
    root2 = x509.load_pem_x509_certificate(open(CAIRND_DATA + "/root-x2.pem", "rb").read())
    expect(alt[1].issuer == root2.subject, f"alternate intermediate issued by {alt[1].issuer}")
    expect(alt[1].subject == main[1].subject, "cross-certificate subject differs")
    expect(main[1].issuer != alt[1].issuer, "both chains end at the same root")
    for chain, root in ((orderr.fullchain_pem, "root.pem"),
                        (orderr.alternative_fullchains_pem[0], "root-x2.pem")):
        d = CAIRND_DATA
        with open("/tmp/probe-chain-%d.pem" % os.getpid(), "w") as f:
            f.write(chain)
        p = subprocess.run(["openssl", "verify", "-CAfile", f"{d}/{root}", "-untrusted",
                            f.name, f.name], capture_output=True, text=True)
        os.unlink(f.name)
        expect(p.returncode == 0, f"chain to {root} does not verify: {p.stdout} {p.stderr}")


def t_dns_account_01():
    acme = account()
    name = "acct01." + SUFFIX
    loc, order = order_ok(acme, [name])
    authz = get(acme, order["authorizations"][0]).json()
    ch = next(c for c in authz["challenges"] if c["type"] == "dns-account-01")
    thumb = b64u(acme.net.key.thumbprint())
    ka = ch["token"] + "." + thumb
    label = "_" + base64.b32encode(hashlib.sha256(acme.net.account.uri.encode()).digest()[:10]) \
        .decode().lower()
    fqdn = f"{label}._acme-challenge.{name}"
    dns_set_txt(fqdn, b64u(hashlib.sha256(ka.encode()).digest()))
    raw_post(acme, ch["url"], Raw({}))
    wait_status(acme, ch["url"], ("valid",))
    wait_status(acme, loc, ("ready",))
    dns_clear_txt(fqdn)


def t_dns_persist_01():
    acme = account()
    name = "persist." + SUFFIX
    loc, order = order_ok(acme, [name, "*." + name])
    by_value = {}
    for a in order["authorizations"]:
        j = get(acme, a).json()
        by_value[("*." if j.get("wildcard") else "") + j["identifier"]["value"]] = j
    plain = next(c for c in by_value[name]["challenges"] if c["type"] == "dns-persist-01")
    wild = next(c for c in by_value["*." + name]["challenges"] if c["type"] == "dns-persist-01")
    expect(plain["issuer-domain-names"] == [ISSUER], f"issuer-domain-names {plain}")
    expect("token" not in plain, "dns-persist-01 has a token")
    fqdn = "_validation-persist." + name
    dns_clear_txt(fqdn)
    dns_set_txt(fqdn, f"{ISSUER}; accounturi={acme.net.account.uri}")
    dns_set_txt(fqdn, f"other-ca.example; accounturi={acme.net.account.uri}; policy=wildcard")
    raw_post(acme, plain["url"], Raw({}))
    wait_status(acme, plain["url"], ("valid",))
    # the wildcard needs policy=wildcard: the first attempt fails, a retry passes
    raw_post(acme, wild["url"], Raw({}))
    j = wait_status(acme, wild["url"], ("pending", "invalid"))
    end = time.time() + 20
    while "error" not in j and time.time() < end:
        time.sleep(0.2)
        j = get(acme, wild["url"]).json()
    expect(j["status"] == "pending" and "policy=wildcard" in j["error"]["detail"],
           f"wildcard without policy: {j}")
    dns_set_txt(fqdn, f"{ISSUER}; accounturi={acme.net.account.uri}; policy=wildcard")
    raw_post(acme, wild["url"], Raw({}))
    wait_status(acme, wild["url"], ("valid",))
    wait_status(acme, loc, ("ready",))
    dns_clear_txt(fqdn)


# ------------------------------------------- dns-persist-01 (draft sections 4-7)
def persist_value(acme, extra=""):
    return f"{ISSUER}; accounturi={acme.net.account.uri}{extra}"


def persist_set(name, value):
    """The only record at _validation-persist.NAME (challtestsrv adds values)."""
    fqdn = "_validation-persist." + name
    dns_clear_txt(fqdn)
    dns_set_txt(fqdn, value)


def authzs_by_name(acme, order):
    out = {}
    for a in order["authorizations"]:
        j = get(acme, a).json()
        out[("*." if j.get("wildcard") else "") + j["identifier"]["value"]] = (a, j)
    return out


def persist_chall(authz_json):
    return next(c for c in authz_json["challenges"] if c["type"] == "dns-persist-01")


def persist_attempt(acme, authz_json):
    """Responds to the dns-persist-01 challenge; its state once decided: valid,
    or (--challenge-attempts 3) pending/invalid with the error of the attempt."""
    ch = persist_chall(authz_json)
    raw_post(acme, ch["url"], Raw({}))
    end = time.time() + 20
    while time.time() < end:
        j = get(acme, ch["url"]).json()
        if j["status"] == "valid" or j["status"] == "invalid" or "error" in j:
            return j
        time.sleep(0.2)
    raise Fail(f"dns-persist-01 {ch['url']} undecided: {j}")


def finalize(acme, loc, order, names):
    """Finalizes a ready order through python3-acme; the leaf's DNS names."""
    _, csr = csr_for(names)
    orderr = messages.OrderResource(body=messages.Order.from_json(order), uri=loc, csr_pem=csr,
                                    authorizations=[])
    orderr = acme.finalize_order(orderr, datetime.datetime.now() + datetime.timedelta(seconds=60))
    leaf = leaf_of(orderr.fullchain_pem)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return sorted(san.get_values_for_type(x509.DNSName))


def t_dns_persist_subdomains():
    """Sections 5, 6: one policy=wildcard record at the parent validates a name
    below it, a deeper one and the wildcard; with --dns-persist-01-jit off the
    authorizations start pending although the record is there already."""
    acme = account()
    base = "psub." + SUFFIX
    names = ["www." + base, "a.b." + base, "*." + base]
    persist_set(base, persist_value(acme, "; policy=wildcard"))
    loc, order = order_ok(acme, names)
    expect(order["status"] == "pending", f"order {order['status']} with the option off")
    for name, (url, j) in authzs_by_name(acme, order).items():
        expect(j["status"] == "pending", f"{name}: authz {j['status']} with the option off")
        ch = persist_attempt(acme, j)
        expect(ch["status"] == "valid", f"{name}: {ch}")
    wait_status(acme, loc, ("ready",))
    got = finalize(acme, loc, get(acme, loc).json(), names)
    expect(got == sorted(names), f"certificate for {got}, want {sorted(names)}")


def t_dns_persist_ttl0_not_reused():
    """Section 7.8: challtestsrv gives every record TTL 0, so a dns-persist-01
    validation is not reused for the account's next order (an http-01 one is:
    new-authz-reused-by-order); the order in hand was finalized above."""
    acme = account()
    name = "pttl." + SUFFIX
    persist_set(name, persist_value(acme))
    loc, order = order_ok(acme, [name])
    url, j = next(iter(authzs_by_name(acme, order).values()))
    expect(persist_attempt(acme, j)["status"] == "valid", "not validated")
    wait_status(acme, loc, ("ready",))
    _, again = order_ok(acme, [name])
    expect(again["status"] == "pending" and again["authorizations"] != [url],
           f"the TTL 0 validation was reused: {again}")
    # still valid for the order that holds it
    expect(get(acme, url).json()["status"] == "valid", "the authorization itself expired")
    expect(finalize(acme, loc, get(acme, loc).json(), [name]) == [name], "certificate")


def t_dns_persist_wildcard_refused():
    """Without policy=wildcard: the name only; its subdomain and its wildcard
    are refused with a problem naming policy=wildcard."""
    acme = account()
    base = "pnop." + SUFFIX
    persist_set(base, persist_value(acme))
    loc, order = order_ok(acme, [base, "www." + base, "*." + base])
    by = authzs_by_name(acme, order)
    expect(persist_attempt(acme, by[base][1])["status"] == "valid", "the name itself")
    for name in ("www." + base, "*." + base):
        ch = persist_attempt(acme, by[name][1])
        expect(ch["status"] != "valid" and "policy=wildcard" in ch["error"]["detail"],
               f"{name}: {ch}")
    expect(get(acme, loc).json()["status"] == "pending", "order not pending")


def t_dns_persist_until_expired():
    """Sections 4 item 5 and 7.9: no validation completes after persistUntil;
    a record whose persistUntil lies ahead does."""
    acme = account()
    name = "puntil." + SUFFIX
    persist_set(name, persist_value(acme, f"; persistUntil={int(time.time()) - 60}"))
    loc, order = order_ok(acme, [name])
    _, j = next(iter(authzs_by_name(acme, order).values()))
    ch = persist_attempt(acme, j)
    expect(ch["status"] != "valid" and "persistUntil" in ch["error"]["detail"], f"{ch}")
    persist_set(name, persist_value(acme, f"; persistUntil={int(time.time()) + 3600}"))
    expect(ch["status"] == "pending", f"no second attempt left: {ch}")  # --challenge-attempts 3
    raw_post(acme, ch["url"], Raw({}))  # runs after --challenge-retry-after
    wait_status(acme, ch["url"], ("valid",))
    wait_status(acme, loc, ("ready",))


# ---------------- just-in-time dns-persist-01 (section 4.2; --dns-persist-01-jit)
def t_jit_order_valid():
    """newOrder answers with the authorizations valid (the record at the parent,
    policy=wildcard) and the order ready; finalize works at once."""
    acme = account()
    base = "jit." + SUFFIX
    names = [base, "www." + base, "*." + base]
    persist_set(base, persist_value(acme, "; policy=wildcard"))
    loc, order = order_ok(acme, names)
    expect(order["status"] == "ready", f"order {order['status']}, want ready")
    for name, (url, j) in authzs_by_name(acme, order).items():
        expect(j["status"] == "valid", f"{name}: authz {j['status']}")
        expect([c["type"] for c in j["challenges"]] == ["dns-persist-01"], f"{name}: {j}")
        ch = j["challenges"][0]
        expect(ch["status"] == "valid" and ch.get("validated"), f"{name}: challenge {ch}")
    got = finalize(acme, loc, order, names)
    expect(got == sorted(names), f"certificate for {got}")
    # TTL 0 (section 7.8): the next order validates again, just in time
    _, again = order_ok(acme, names[:1])
    expect(again["status"] == "ready", f"second order {again['status']}")
    expect(again["authorizations"][0] not in order["authorizations"], "TTL 0 validation reused")


def t_jit_pending():
    """No qualifying record: the usual pending flow (no record; another
    account's; persistUntil passed), and it still completes."""
    acme, other = account(), account()
    name = "jitno." + SUFFIX
    dns_clear_txt("_validation-persist." + name)
    loc, order = order_ok(acme, [name])
    expect(order["status"] == "pending", f"no record: order {order['status']}")
    persist_set(name, persist_value(other))
    _, o2 = order_ok(acme, [name])
    expect(o2["status"] == "pending", f"another account's record: {o2['status']}")
    persist_set(name, persist_value(acme, f"; persistUntil={int(time.time()) - 60}"))
    _, o3 = order_ok(acme, [name])
    expect(o3["status"] == "pending", f"persistUntil passed: {o3['status']}")
    _, j = next(iter(authzs_by_name(acme, order).values()))
    expect(j["status"] == "pending" and persist_chall(j)["status"] == "pending", f"authz {j}")
    persist_set(name, persist_value(acme))
    expect(persist_attempt(acme, j)["status"] == "valid", "the pending flow after all")
    wait_status(acme, loc, ("ready",))


def t_jit_new_authz():
    """newAuthz (RFC 8555 7.4.1) too: created valid."""
    acme = account()
    base = "jitpre." + SUFFIX
    persist_set(base, persist_value(acme, "; policy=wildcard"))
    resp = raw_post(acme, acme.directory["newAuthz"],
                    Raw({"identifier": {"type": "dns", "value": "host." + base}}))
    expect(resp.status_code == 201, f"newAuthz: HTTP {resp.status_code}: {resp.text[:200]}")
    j = resp.json()
    expect(j["status"] == "valid" and persist_chall(j)["status"] == "valid", f"authz {j}")


def t_block_key():
    acme = account()
    key = ec.generate_private_key(ec.SECP256R1())
    orderr, _, _ = issue(acme, ["blocked." + SUFFIX], key=key)
    leaf = leaf_of(orderr.fullchain_pem)
    serial = format(leaf.serial_number, "x")
    path = "/tmp/probe-key-%d.pem" % os.getpid()
    with open(path, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    out = admin("block-key", "--key", path).stdout
    os.unlink(path)
    expect("revoked 1 certificate" in out, f"block-key: {out!r}")
    st = admin("cert-status", serial).stdout.strip()
    expect(st == "revoked 1", f"cert-status {st!r}, want 'revoked 1' (keyCompromise)")
    # refused in a CSR ...
    loc, order = order_ok(acme, ["blocked." + SUFFIX])
    for a in order["authorizations"]:
        solve_http01(acme, a)
    wait_status(acme, loc, ("ready",))
    _, csr = csr_for(["blocked." + SUFFIX], key)
    der = x509.load_pem_x509_csr(csr).public_bytes(serialization.Encoding.DER)
    problem(raw_post(acme, order["finalize"], Raw({"csr": b64u(der)})), "badPublicKey", 400)
    # ... and as an account key
    kid, hmac = eab_create()
    blocked = new_client(jose.JWKEC(key=key))
    expect_error(lambda: register(blocked, kid, hmac), "badPublicKey")


def t_admin_lists():
    accts = admin("list", "accounts").stdout.splitlines()
    expect(len(accts) >= 10 and all(len(l.split("\t")) == 5 for l in accts),
           f"{len(accts)} account lines")
    certs = admin("list", "certs", "--limit", "3").stdout.splitlines()
    expect(len(certs) == 3 and len(certs[0].split("\t")) == 7, f"certs: {certs}")
    orders = admin("list", "orders", "--limit", "1000").stdout.splitlines()
    expect(any("\ttlsserver\t" in l for l in orders), "no tlsserver order listed")
    first_acct = accts[-1].split("\t")[0]
    mine = admin("list", "orders", "--account", first_acct).stdout.splitlines()
    expect(all(l.split("\t")[1] == first_acct for l in mine), "--account filter")
    expect(admin("list", "things", check=False).returncode == 2, "list things accepted")


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", HTTP01_PORT), Http01)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    if os.environ.get("PROBE_PHASE") == "jit":  # cairnd with --dns-persist-01-jit
        case("dns-persist-01-jit-order-valid", t_jit_order_valid)
        case("dns-persist-01-jit-pending", t_jit_pending)
        case("dns-persist-01-jit-new-authz", t_jit_new_authz)
        srv.shutdown()
        print(f"DONE passed={PASSED} failed={FAILED}", flush=True)
        return 0 if FAILED == 0 else 1
    state = {}
    case("directory", t_directory)
    case("eab-required-externalAccountRequired", t_eab_required)
    case("eab-unknown-kid-unauthorized", t_eab_unknown_kid)
    case("eab-bad-mac-unauthorized", t_eab_bad_mac)
    case("eab-one-key-one-account", t_eab_one_account)
    case("eab-revoked-unauthorized", t_eab_revoked)
    case("key-change", t_key_change)
    case("orders-list-paginated", t_orders_list)
    case("account-deactivate-401", t_deactivate)
    case("new-authz-reused-by-order", t_new_authz)
    case("new-authz-errors", t_new_authz_errors)
    case("authz-deactivate", t_authz_deactivate)
    case("challenge-retry", t_challenge_retry)
    case("challenge-retry-limit-invalid", t_challenge_retry_limit)
    case("profile-default-classic", t_profile_default_classic)
    case("profile-tlsserver", t_profile_tlsserver)
    case("profile-shortlived-ip", t_profile_shortlived_ip)
    case("profile-errors-invalidProfile", t_profile_errors)
    case("ari-renewal-info", t_ari_and_replaces, state)
    if "cid" in state:
        case("ari-renewal-info-errors", t_renewal_info_errors, state)
        case("ari-replaces-alreadyReplaced", t_replaces, state)
        case("ari-replaces-errors", t_replaces_errors, state)
        if "replacing_order" in state:
            case("ari-replaces-issue", t_replaces_then_issue, state)
        case("ari-admin-mark", t_ari_mark, state)
    case("alternate-chain", t_alt_chain)
    case("dns-account-01", t_dns_account_01)
    case("dns-persist-01", t_dns_persist_01)
    case("dns-persist-01-subdomains", t_dns_persist_subdomains)
    case("dns-persist-01-ttl0-not-reused", t_dns_persist_ttl0_not_reused)
    case("dns-persist-01-wildcard-refused", t_dns_persist_wildcard_refused)
    case("dns-persist-01-persistUntil-expired", t_dns_persist_until_expired)
    case("block-key", t_block_key)
    case("admin-lists", t_admin_lists)
    srv.shutdown()
    print(f"DONE passed={PASSED} failed={FAILED}", flush=True)
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
