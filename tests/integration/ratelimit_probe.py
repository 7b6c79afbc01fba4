#!/usr/bin/python3
"""ratelimit_probe.py - cairnd's rate limits (RFC 8555 section 6.6).

Run by 39-ratelimits.sh with Debian's /usr/bin/python3. The ACME side is
acme_probe.py's (its own JWS signing, http-01 responder and CSRs, nothing
of cairn's C code). Each case prints "PASS name" or "FAIL name: why"; the
last line is "DONE passed=N failed=N". Progress goes to stderr.

Phase "limits" (one cairnd started with --rate-orders-per-account 3
--rate-orders-window 1h --rate-certs-per-domain 3 --rate-duplicate-certs 2
--rate-failed-validations 2 --rate-pending-authz 5, see 39-ratelimits.sh):
every limit lets the request at limit - 1 through and refuses the next with
a rateLimited problem (HTTP 429, Replay-Nonce, Link rel="index") whose
detail names the option, the value and the window, and a Retry-After that
counts down to the moment the oldest counted event leaves the window;
renewals (the same identifiers as an unexpired certificate of the account,
or RFC 9773 "replaces") pass the two certificate limits and are issued.

Phase "accounts" (a second cairnd on the same store, ACME_DIRECTORY, with
--rate-accounts-per-ip RL_ACCOUNTS_LIMIT = the accounts made so far + 2;
the first one, ACME_DIRECTORY_1, allows 1000): two new accounts pass, the
third is refused (the count includes the accounts made through the other
instance), an existing key still finds its account, the other instance
still creates accounts, after which the second refuses again.

Names: every name resolves to 127.0.0.1 (pebble-challtestsrv); under .test (no
ICANN rule: an implicit "*"), a.b.test's registered domain is b.test.
"""

import os
import re
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID

from acme_probe import (Acme, Fail, Http, Key, Responder, Runner, b64u, expect, log, make_csr,
                        ok_json, poll, problem)

HOUR, DAY = 3600, 86400


class Account:
    def __init__(self, acme):
        self.acme, self.key = acme, Key("ES256")
        r, self.kid = acme.new_account(self.key)
        ok_json(r, 201, "newAccount:")
        expect(self.kid, "newAccount without Location")

    def post(self, url, payload):
        return self.acme.post(url, self.key, payload, kid=self.kid)

    def order(self, names, **extra):
        payload = {"identifiers": [{"type": "dns", "value": n} for n in names]}
        payload.update(extra)
        return self.post(self.acme.d["newOrder"], payload)


def order_ok(acct, names, **extra):
    r = acct.order(names, **extra)
    j = ok_json(r, 201, f"newOrder {names}:")
    return r.header("Location"), j


def limited(acme, r, option, want_detail, window_s, slack_s=120):
    """r is the 429 rateLimited problem of option, with a detail holding
    each string of want_detail and a Retry-After within the last slack_s
    seconds before window_s."""
    j = problem(acme, r, 429, "rateLimited")
    d = j["detail"]
    for w in [f"rate limit {option}"] + list(want_detail):
        expect(w in d, f"detail {d!r} lacks {w!r}")
    ra = r.header("Retry-After") or ""
    expect(ra.isdigit(), f"429 without a Retry-After in seconds ({ra!r})")
    expect(window_s - slack_s <= int(ra) <= window_s,
           f"Retry-After {ra}, want about {window_s} s (the oldest event leaves then)")
    m = re.search(r"retry after (\d+) seconds", d)
    expect(m and abs(int(m.group(1)) - int(ra)) <= 1, f"detail {d!r} disagrees with Retry-After {ra}")
    return int(ra)


def solve_and_issue(acct, loc, j, responder, names):
    """Answers the http-01 challenges of order loc, finalizes, returns the certificate."""
    for az in j["authorizations"]:
        a = ok_json(acct.post(az, None), 200, f"authz {az}:")
        if a["status"] == "valid":
            continue
        ch = [c for c in a["challenges"] if c["type"] == "http-01"][0]
        responder.answers[ch["token"]] = f"{ch['token']}.{acct.key.thumbprint()}"
        ok_json(acct.post(ch["url"], {}), 200, "respond to http-01:")
        poll(acct.acme, az, acct.key, acct.kid, ("valid",))
    poll(acct.acme, loc, acct.key, acct.kid, ("ready",))
    csr = make_csr(ec.generate_private_key(ec.SECP256R1()), names)
    ok_json(acct.post(j["finalize"], {"csr": b64u(csr)}), 200, "finalize:")
    _, o = poll(acct.acme, loc, acct.key, acct.kid, ("valid",))
    r = acct.post(o["certificate"], None)
    expect(r.status == 200, f"certificate download: {r}")
    # the leaf: the first PEM block of the chain
    return x509.load_pem_x509_certificate(r.body)


def issue(acme, responder, names, acct=None, **extra):
    acct = acct or Account(acme)
    loc, j = order_ok(acct, names, **extra)
    return acct, solve_and_issue(acct, loc, j, responder, names)


def cert_id(cert):
    """RFC 9773 section 4.1: base64url(AKI keyIdentifier) "." base64url(serial)."""
    aki = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
    n = cert.serial_number
    ser = n.to_bytes((n.bit_length() + 8) // 8, "big")
    if len(ser) > 1 and ser[0] == 0 and ser[1] < 0x80:
        ser = ser[1:]
    return b64u(aki.key_identifier) + "." + b64u(ser)


# ------------------------------------------------------- phase "limits" ---
def t_orders(acme, S):
    a, b = Account(acme), Account(acme)
    S["accounts"] += 2
    for i in range(3):
        order_ok(a, [f"o{i}.orders.test"])
    r = a.order(["o3.orders.test"])
    limited(acme, r, "rate-orders-per-account", ["new orders", "at most 3 per 1h"], HOUR)
    # another account has a count of its own
    order_ok(b, ["o3.orders.test"])


def t_certs_per_domain(acme, responder, S):
    for n in ("a", "b", "c"):
        S[n], S[n + "_cert"] = issue(acme, responder, [f"{n}.dom.test"])
        S["accounts"] += 1
    d = Account(acme)
    S["accounts"] += 1
    S["d"] = d
    r = d.order(["d.dom.test"])
    limited(acme, r, "rate-certs-per-domain",
            ["registered domain dom.test", "at most 3 per 7d"], 7 * DAY)
    # in a set with names elsewhere: still refused
    r = d.order(["x.elsewhere.test", "www.d.dom.test"])
    limited(acme, r, "rate-certs-per-domain", ["registered domain dom.test"], 7 * DAY)
    order_ok(d, ["x.elsewhere.test"])


def t_renewal_same_set(acme, responder, S):
    """a holds an unexpired certificate for exactly a.dom.test."""
    _, cert = issue(acme, responder, ["a.dom.test"], acct=S["a"])
    expect(cert.serial_number != S["a_cert"].serial_number, "the renewal is the same certificate")


def t_renewal_replaces(acme, responder, S):
    """b's new set is another one, but replaces b's certificate (RFC 9773)."""
    names = ["b.dom.test", "e.dom.test"]
    r = S["d"].order(names)
    limited(acme, r, "rate-certs-per-domain", ["registered domain dom.test"], 7 * DAY)
    _, cert = issue(acme, responder, names, acct=S["b"], replaces=cert_id(S["b_cert"]))
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    expect(sorted(san.get_values_for_type(x509.DNSName)) == names, f"SANs {san}")


def t_duplicates(acme, responder, S):
    x, _ = issue(acme, responder, ["x.dup.test"])
    issue(acme, responder, ["x.dup.test"])
    S["accounts"] += 2
    y = Account(acme)
    S["accounts"] += 1
    r = y.order(["x.dup.test"])
    limited(acme, r, "rate-duplicate-certs", ["exactly this set", "at most 2 per 7d"], 7 * DAY)
    # another set passes (2 certificates under dup.test, 3 allowed)
    order_ok(y, ["x.dup.test", "y.dup.test"])
    # the renewal of x's certificate passes
    issue(acme, responder, ["x.dup.test"], acct=x)


def fail_validation(acct, name):
    """An order for name whose http-01 challenge fails (nobody answers the token)."""
    loc, j = order_ok(acct, [name])
    az = j["authorizations"][0]
    a = ok_json(acct.post(az, None), 200, "authz:")
    ch = [c for c in a["challenges"] if c["type"] == "http-01"][0]
    ok_json(acct.post(ch["url"], {}), 200, "respond to http-01:")
    end = time.monotonic() + 30
    while True:
        a = ok_json(acct.post(az, None), 200, "authz:")
        if a["status"] == "invalid":
            return
        expect(a["status"] == "pending" and time.monotonic() < end, f"authz is {a['status']}")
        time.sleep(0.2)


def t_failed_validations(acme, S):
    f = Account(acme)
    S["accounts"] += 1
    fail_validation(f, "bad1.fail.test")
    fail_validation(f, "bad1.fail.test")
    r = f.order(["bad1.fail.test"])
    limited(acme, r, "rate-failed-validations",
            ["failed validations of dns bad1.fail.test", "at most 2 per 1h"], HOUR)
    r = f.post(acme.d["newAuthz"], {"identifier": {"type": "dns", "value": "bad1.fail.test"}})
    limited(acme, r, "rate-failed-validations", ["dns bad1.fail.test"], HOUR)
    order_ok(f, ["bad2.fail.test"])
    # another account is not concerned
    g = Account(acme)
    S["accounts"] += 1
    order_ok(g, ["bad1.fail.test"])


def t_pending_authz(acme, S):
    p = Account(acme)
    S["accounts"] += 1
    order_ok(p, [f"p{i}.pend.test" for i in range(5)])
    r = p.order(["p5.pend.test"])
    ra = limited(acme, r, "rate-pending-authz", ["pending authorizations", "at most 5 "], 7 * DAY)
    r = p.post(acme.d["newAuthz"], {"identifier": {"type": "dns", "value": "p6.pend.test"}})
    expect(abs(limited(acme, r, "rate-pending-authz", [], 7 * DAY) - ra) <= 2,
           "newAuthz and newOrder name different times")


# ----------------------------------------------------- phase "accounts" ---
def t_accounts_per_ip(acme, acme1, limit):
    Account(acme)
    first = Account(acme)
    key = Key("ES256")
    r, _ = acme.new_account(key)
    limited(acme, r, "rate-accounts-per-ip", ["new accounts from 127.0.0.1",
                                              f"at most {limit} per 3h"], 3 * HOUR, 600)
    # an existing key finds its account: not a new account
    r, kid = acme.new_account(first.key)
    ok_json(r, 200, "newAccount with a known key:")
    expect(kid == first.kid, f"another account for a known key: {kid} != {first.kid}")
    # the first instance allows 1000; the count it adds to is the same
    Account(acme1)
    r, _ = acme.new_account(Key("ES256"))
    limited(acme, r, "rate-accounts-per-ip", [f"at most {limit} per 3h"], 3 * HOUR, 600)


def main():
    phase = sys.argv[1] if len(sys.argv) > 1 else ""
    http = Http(os.environ["ACME_CA_BUNDLE"])
    acme = Acme(http, os.environ["ACME_DIRECTORY"])
    acme.load()
    R = Runner()
    if phase == "limits":
        S = {"accounts": 0}
        responder = Responder(int(os.environ["HTTP01_PORT"]))
        try:
            R.case("orders-per-account", t_orders, acme, S)
            if R.case("certs-per-domain", t_certs_per_domain, acme, responder, S):
                R.case("renewal-same-set-exempt", t_renewal_same_set, acme, responder, S)
                R.case("renewal-replaces-exempt", t_renewal_replaces, acme, responder, S)
            R.case("duplicate-certs", t_duplicates, acme, responder, S)
            R.case("failed-validations", t_failed_validations, acme, S)
            R.case("pending-authz", t_pending_authz, acme, S)
        finally:
            responder.stop()
        log(f"accounts made: {S['accounts']}")
    elif phase == "accounts":
        acme1 = Acme(http, os.environ["ACME_DIRECTORY_1"])
        acme1.load()
        R.case("accounts-per-ip", t_accounts_per_ip, acme, acme1,
               int(os.environ["RL_ACCOUNTS_LIMIT"]))
    else:
        print(f"FAIL probe-setup: unknown phase {phase!r}", flush=True)
        return 2
    print(f"DONE passed={R.passed} failed={R.failed}", flush=True)
    return 0 if R.failed == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        print(f"FAIL probe-setup: {e}", flush=True)
        sys.exit(1)
