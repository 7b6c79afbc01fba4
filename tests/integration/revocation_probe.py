#!/usr/bin/python3
"""revocation_probe.py - the ACME side of 40-revocation.sh's key compromise
cases (CA/B Forum BR 4.9.1.1 item 3, RFC 8555 section 7.6), using the
independent ACME client code of acme_probe.py.

    revocation_probe.py OUTDIR

One account issues two certificates for one name with the same key K
(OUTDIR/kc1.pem and kc2.pem, leaf only); K revokes the first with reason
keyCompromise (1), signing with K itself (jwk). Then: a second revocation
for keyCompromise is alreadyRevoked; a new account with K as its account
key gets badPublicKey; a CSR with K gets badPublicKey at finalize. The shell
script checks with openssl ocsp that both certificates are now revoked for
keyCompromise.

Prints "PASS name" / "FAIL name: why" per case and "DONE passed=N
failed=N" last. Environment: as acme_probe.py (ACME_DIRECTORY,
ACME_CA_BUNDLE, HTTP01_PORT) plus KC_DOMAIN (default kc.example.test).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from acme_probe import (Acme, Fail, Http, Key, Responder, Runner, b64u,  # noqa: E402
                        expect, make_csr, ok_json, poll, problem)
from cryptography.hazmat.primitives import serialization  # noqa: E402

S = {}


def issue(acme, responder, key, kid, names, cert_key):
    """newOrder, http-01 for every pending authorization, finalize with
    cert_key; returns the leaf PEM."""
    r = acme.post(acme.d["newOrder"], key, {"identifiers": [{"type": "dns", "value": n} for n in names]},
                  kid=kid)
    j = ok_json(r, 201, "newOrder:")
    order_url = r.header("Location")
    for az in j["authorizations"]:
        ja = ok_json(acme.post(az, key, None, kid=kid), 200, f"authz {az}:")
        if ja.get("status") == "valid":
            continue
        ch = [c for c in ja["challenges"] if c["type"] == "http-01"][0]
        responder.answers[ch["token"]] = f"{ch['token']}.{key.thumbprint()}"
        ok_json(acme.post(ch["url"], key, {}, kid=kid), 200, "challenge:")
        poll(acme, az, key, kid, ("valid",))
    poll(acme, order_url, key, kid, ("ready",))
    csr = make_csr(cert_key, names)
    ok_json(acme.post(j["finalize"], key, {"csr": b64u(csr)}, kid=kid), 200, "finalize:")
    _, jo = poll(acme, order_url, key, kid, ("valid",))
    r = acme.post(jo["certificate"], key, None, kid=kid)
    expect(r.status == 200, f"certificate download: {r}")
    return r.body.split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n"


def leaf_b64(pem):
    from cryptography import x509
    return b64u(x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER))


def c_account(acme):
    key = Key("ES256")
    r, kid = acme.new_account(key)
    ok_json(r, 201, "newAccount:")
    S["acct"] = (key, kid)


def c_issue_two(acme, responder, outdir):
    expect("acct" in S, "not run: no account")
    key, kid = S["acct"]
    # The certificate key, also usable as a JWS key (ES256) for revocation.
    ck = Key("ES256")
    names = [os.environ.get("KC_DOMAIN", "kc.example.test")]
    for i in (1, 2):
        pem = issue(acme, responder, key, kid, names, ck.priv)
        with open(os.path.join(outdir, f"kc{i}.pem"), "wb") as f:
            f.write(pem)
        S[f"kc{i}"] = pem
    S["ck"], S["names"] = ck, names


def c_revoke_key_compromise(acme):
    expect("kc1" in S, "not run: no certificates")
    r = acme.post(acme.d["revokeCert"], S["ck"], {"certificate": leaf_b64(S["kc1"]), "reason": 1})
    expect(r.status == 200, f"revokeCert with keyCompromise signed by the certificate key: {r}")
    S["revoked"] = True


def c_revoke_again(acme):
    expect("revoked" in S, "not run: nothing revoked")
    # The second certificate was revoked with the first (same key).
    r = acme.post(acme.d["revokeCert"], S["ck"], {"certificate": leaf_b64(S["kc2"]), "reason": 1})
    problem(acme, r, 400, "alreadyRevoked")


def c_account_blocked_key(acme):
    expect("revoked" in S, "not run: nothing revoked")
    r, _ = acme.new_account(S["ck"])
    problem(acme, r, 400, "badPublicKey")


def c_finalize_blocked_key(acme, responder):
    expect("revoked" in S, "not run: nothing revoked")
    key, kid = S["acct"]
    try:
        issue(acme, responder, key, kid, S["names"], S["ck"].priv)
    except Fail as e:
        expect("badPublicKey" in str(e), f"finalize with a blocked key: {e}")
        return
    raise Fail("a certificate was issued for a blocked key")


def main():
    outdir = sys.argv[1]
    acme = Acme(Http(os.environ["ACME_CA_BUNDLE"]), os.environ["ACME_DIRECTORY"])
    acme.load()
    R = Runner()
    responder = Responder(int(os.environ["HTTP01_PORT"]))
    try:
        R.case("kc-account", c_account, acme)
        R.case("kc-issue-two-same-key", c_issue_two, acme, responder, outdir)
        R.case("kc-revoke-keycompromise-by-cert-key", c_revoke_key_compromise, acme)
        R.case("kc-second-cert-already-revoked", c_revoke_again, acme)
        R.case("kc-new-account-blocked-key-badpublickey", c_account_blocked_key, acme)
        R.case("kc-finalize-blocked-key-badpublickey", c_finalize_blocked_key, acme, responder)
    finally:
        responder.stop()
    print(f"DONE passed={R.passed} failed={R.failed}", flush=True)
    return 0 if R.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
