#!/usr/bin/python3
"""validation_probe.py - domain validation cases against cairnd: CAA, identifier
policy, IP identifiers and the SSRF guard, each checked for its outcome and
exact problem type.

Run by 35-caa.sh, 37-policy.sh and 38-ssrf.sh with Debian's /usr/bin/python3
(python3-cryptography). The ACME client (JWS, accounts, orders, CSRs) is the
independent one of acme_probe.py, imported from beside this file; responders
and DNS records (through pebble-challtestsrv's management API) are set here.

Usage: validation_probe.py caa|policy|ssrf
Output: one "PASS name" or "FAIL name: why" line per case, then
"DONE passed=N failed=N"; progress on stderr.

Environment (lib.sh's start_cairnd): ACME_DIRECTORY, ACME_CA_BUNDLE,
ACME_ISSUER_ROOT, HTTP01_PORT, CHALL_MGMT_PORT; for "caa" also
CAA_IDENTITY (an identity cairnd is configured with) and CAA_RECHECK_AGE
(its --caa-recheck-age in seconds); for "policy" BLOCKED (a name on its
blocklist); for "ssrf" PUBLIC_IP and PUBLIC_IP2 (addresses outside every
special-purpose range that the script put on the loopback interface of its
network namespace).
"""

import hashlib
import http.server
import ipaddress
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acme_probe import (ERR, Acme, Fail, Http, Key, Runner, b64u, expect, log,  # noqa: E402
                        ok_json, problem)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

SUFFIX = "example.test"


# ------------------------------------------------------------ mock DNS ---
def mgmt(path, body):
    """POST to pebble-challtestsrv's management API."""
    url = f"http://127.0.0.1:{os.environ['CHALL_MGMT_PORT']}{path}"
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=10) as r:
        expect(r.status == 200, f"challtestsrv {path}: HTTP {r.status}")


def set_caa(host, *policies):
    """Replaces host's CAA records by (tag, value) pairs."""
    mgmt("/clear-caa", {"host": host + "."})
    if policies:
        mgmt("/add-caa", {"host": host + ".", "policies": [{"tag": t, "value": v} for t, v in policies]})


def set_a(host, addr):
    mgmt("/add-a", {"host": host + ".", "addresses": [addr]})


# ------------------------------------------------------------ responders ---
class Web:
    """An http-01 responder on host:port (IPv4 or IPv6) whose paths answer
    a body (200) or a redirect; every request path is recorded in hits."""

    def __init__(self, host, port):
        self.routes, self.hits = {}, []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append(self.path)
                kind, val = outer.routes.get(self.path, ("body", None))
                if kind == "redirect":
                    self.send_response(302)
                    self.send_header("Location", val)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = (val or "not found").encode()
                self.send_response(200 if val else 404)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt, *args):
                log(f"web {host}: " + fmt % args)

        class S(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

        self.srv = S((host, port), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def answer(self, token, ka):
        self.routes[f"/.well-known/acme-challenge/{token}"] = ("body", ka)

    def redirect(self, token, location):
        self.routes[f"/.well-known/acme-challenge/{token}"] = ("redirect", location)

    def hit(self, token):
        return f"/.well-known/acme-challenge/{token}" in self.hits

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


# ----------------------------------------------------------------- flows ---
class Client:
    """One ACME account and the steps of an order."""

    def __init__(self, acme):
        self.acme = acme
        self.key = Key("ES256")
        r, self.kid = acme.new_account(self.key, {"termsOfServiceAgreed": True})
        ok_json(r, 201, "newAccount:")
        expect(self.kid and "/acme/acct/" in self.kid, f"account Location {self.kid!r}")

    def post(self, url, payload):
        return self.acme.post(url, self.key, payload, kid=self.kid)

    def get(self, url):
        r = self.post(url, None)
        return ok_json(r, 200, f"POST-as-GET {url}:")

    def order(self, idents):
        """newOrder; returns (response, json, url)."""
        ids = [{"type": t, "value": v} for t, v in idents]
        r = self.post(self.acme.d["newOrder"], {"identifiers": ids})
        return r, (r.json() if r.ctype() and "json" in r.ctype() else None), r.header("Location")

    def new_order(self, idents):
        r, j, url = self.order(idents)
        ok_json(r, 201, "newOrder:")
        return j, url

    def ka(self, token):
        return f"{token}.{self.key.thumbprint()}"

    def challenge(self, authz_url, ctype):
        az = self.get(authz_url)
        cs = [c for c in az["challenges"] if c["type"] == ctype]
        expect(cs, f"authorization {az['identifier']} offers no {ctype}: {[c['type'] for c in az['challenges']]}")
        return az, cs[0]

    def wait(self, url, done=("valid", "invalid"), deadline_s=30):
        end = time.monotonic() + deadline_s
        while True:
            j = self.get(url)
            if j.get("status") in done:
                return j
            expect(time.monotonic() < end, f"{url} still {j.get('status')} after {deadline_s} s")
            time.sleep(0.1)

    def solve(self, authz_url, ctype, web=None):
        """Prepares and triggers ctype for the authorization; returns the final
        authorization and challenge objects."""
        az, ch = self.challenge(authz_url, ctype)
        ka = self.ka(ch["token"])
        name = az["identifier"]["value"]
        if ctype == "http-01":
            expect(web is not None, "no http-01 responder")
            web.answer(ch["token"], ka)
        elif ctype == "dns-01":
            txt = b64u(hashlib.sha256(ka.encode()).digest())
            mgmt("/set-txt", {"host": f"_acme-challenge.{name}.", "value": txt})
        r = self.post(ch["url"], {})
        ok_json(r, 200, f"respond to {ctype}:")
        az = self.wait(authz_url)
        ch = [c for c in az["challenges"] if c["url"] == ch["url"]][0]
        return az, ch

    def finalize(self, order_url, names, ips=()):
        o = self.get(order_url)
        key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
        b = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
        if names:
            b = x509.CertificateSigningRequestBuilder().subject_name(
                x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        csr = b.add_extension(x509.SubjectAlternativeName(sans), critical=False).sign(key, hashes.SHA256())
        r = self.post(o["finalize"], {"csr": b64u(csr.public_bytes(serialization.Encoding.DER))})
        ok_json(r, 200, "finalize:")
        return self.wait(order_url)

    def certificate(self, order):
        expect(order.get("status") == "valid", f"order is {order.get('status')}: {json.dumps(order)[:500]}")
        r = self.post(order["certificate"], None)
        expect(r.status == 200, f"certificate download: {r}")
        return r.body


def problem_of(obj, ptype, *details):
    """obj["error"] must be a problem of type ptype whose detail holds each of details."""
    e = obj.get("error")
    expect(isinstance(e, dict), f"no error in {json.dumps(obj)[:500]}")
    expect(e.get("type") == ERR + ptype, f"error type {e.get('type')!r}, want {ERR}{ptype}: {e.get('detail')!r}")
    for d in details:
        expect(d in (e.get("detail") or ""), f"error detail {e.get('detail')!r} lacks {d!r}")
    return e


def verify_cert(pem, dns=(), ips=()):
    """The leaf verifies to cairnd's root with openssl and has exactly these SANs."""
    with tempfile.TemporaryDirectory() as d:
        parts = pem.split(b"-----END CERTIFICATE-----")
        leaf = parts[0] + b"-----END CERTIFICATE-----\n"
        chain = b"-----END CERTIFICATE-----".join(parts[1:])
        open(f"{d}/leaf.pem", "wb").write(leaf)
        open(f"{d}/chain.pem", "wb").write(chain)
        p = subprocess.run(["openssl", "verify", "-purpose", "sslserver", "-CAfile", os.environ["ACME_ISSUER_ROOT"],
                            "-untrusted", f"{d}/chain.pem", f"{d}/leaf.pem"], capture_output=True, text=True)
        expect(p.returncode == 0, f"openssl verify: {p.stdout} {p.stderr}")
    cert = x509.load_pem_x509_certificate(leaf)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    got_dns = sorted(san.get_values_for_type(x509.DNSName))
    got_ips = sorted(str(a) for a in san.get_values_for_type(x509.IPAddress))
    expect(got_dns == sorted(dns), f"DNS SANs {got_dns}, want {sorted(dns)}")
    expect(got_ips == sorted(ips), f"IP SANs {got_ips}, want {sorted(ips)}")
    return cert


def issue(cl, name, ctype="http-01", web=None, wildcard=False):
    """A whole issuance for one name that must succeed."""
    ident = ("*." + name) if wildcard else name
    o, url = cl.new_order([("dns", ident)])
    az, ch = cl.solve(o["authorizations"][0], ctype, web)
    expect(ch["status"] == "valid", f"{ctype} for {ident}: {json.dumps(ch)[:500]}")
    verify_cert(cl.certificate(cl.finalize(url, [ident])), dns=[ident])


def refused(cl, name, ctype, ptype, *details, web=None, wildcard=False):
    """The challenge for name must fail with ptype; the order too."""
    ident = ("*." + name) if wildcard else name
    o, url = cl.new_order([("dns", ident)])
    az, ch = cl.solve(o["authorizations"][0], ctype, web)
    expect(ch["status"] == "invalid" and az["status"] == "invalid", f"{ctype} for {ident}: {json.dumps(az)[:600]}")
    e = problem_of(ch, ptype, *details)
    o = cl.get(url)
    expect(o["status"] == "invalid", f"order is {o['status']} after a failed authorization")
    log(f"{ident}: {e['type']}: {e['detail']}")
    return e


# ------------------------------------------------------------------- CAA ---
def caa_cases(R, acme):
    ident = os.environ.get("CAA_IDENTITY", "cairn.test")
    age = int(os.environ.get("CAA_RECHECK_AGE", "3"))
    web = Web("127.0.0.1", int(os.environ["HTTP01_PORT"]))
    cl = Client(acme)
    other = Client(acme)

    def n(label):
        return f"{label}.caa.{SUFFIX}"

    R.case("caa-none-issues", issue, cl, n("none"), "http-01", web)

    def allow():
        set_caa(n("allow"), ("issue", ident))
        issue(cl, n("allow"), "http-01", web)
    R.case("caa-issue-this-ca", allow)

    def forbid_other():
        set_caa(n("other"), ("issue", "other-ca.example"))
        refused(cl, n("other"), "http-01", "caa", f"(at {n('other')})", '0 issue "other-ca.example"', web=web)
    R.case("caa-issue-another-ca-caa", forbid_other)

    def forbid_all():
        set_caa(n("nobody"), ("issue", ";"))
        refused(cl, n("nobody"), "dns-01", "caa", "no issuer")
    R.case("caa-issue-nobody-caa", forbid_all)

    def additive():
        set_caa(n("both"), ("issue", "other-ca.example"), ("issue", ident), ("iodef", "mailto:sec@example.test"))
        issue(cl, n("both"), "http-01", web)
    R.case("caa-issue-two-cas-issues", additive)

    def parent():
        set_caa(n("parent"), ("issue", "other-ca.example"))
        refused(cl, "www." + n("parent"), "http-01", "caa", f"(at {n('parent')})", web=web)
        set_caa("ok." + n("parent"), ("issue", ident))
        issue(cl, "x.ok." + n("parent"), "http-01", web)
    R.case("caa-closest-rrset-climbing", parent)

    def account_ours():
        set_caa(n("acct"), ("issue", f"{ident}; accounturi={cl.kid}"))
        issue(cl, n("acct"), "http-01", web)
    R.case("caa-accounturi-this-account-issues", account_ours)

    def account_other():
        set_caa(n("acct2"), ("issue", f"{ident}; accounturi={other.kid}"))
        refused(cl, n("acct2"), "http-01", "caa", "accounturi names another account", web=web)
        # ... while the account it names gets its certificate
        issue(other, n("acct2"), "http-01", web)
    R.case("caa-accounturi-other-account-caa", account_other)

    def methods():
        set_caa(n("vm"), ("issue", f"{ident}; validationmethods=dns-01"))
        refused(cl, n("vm"), "http-01", "caa", "validationmethods does not list", "after http-01", web=web)
        issue(cl, n("vm"), "dns-01")
    R.case("caa-validationmethods", methods)

    def wildcard():
        set_caa(n("wild"), ("issue", ident), ("issuewild", "other-ca.example"))
        refused(cl, n("wild"), "dns-01", "caa", f"*.{n('wild')}", "issuewild", wildcard=True)
        issue(cl, n("wild"), "dns-01")
        set_caa(n("wild2"), ("issue", ";"), ("issuewild", ident))
        issue(cl, n("wild2"), "dns-01", wildcard=True)
        refused(cl, n("wild2"), "dns-01", "caa", "no issuer")
    R.case("caa-issuewild", wildcard)

    def malformed():
        set_caa(n("bad"), ("issue", "%%%%%"))
        refused(cl, n("bad"), "http-01", "caa", "malformed", web=web)
    R.case("caa-malformed-forbids", malformed)

    def servfail():
        mgmt("/set-servfail", {"host": n("sf") + "."})
        # dns-01 reads _acme-challenge.NAME, which answers; CAA for NAME does not
        refused(cl, n("sf"), "dns-01", "caa", "SERVFAIL", "does not issue without a CAA answer")
    R.case("caa-servfail-refuses", servfail)

    def recheck():
        name = n("recheck")
        set_caa(name, ("issue", ident))
        o, url = cl.new_order([("dns", name)])
        az, ch = cl.solve(o["authorizations"][0], "http-01", web)
        expect(ch["status"] == "valid", f"http-01: {ch}")
        t_valid = time.monotonic()
        # CAA now forbids us; a fresh authorization is not checked again ...
        set_caa(name, ("issue", "other-ca.example"))
        o = cl.finalize(url, [name])
        expect(time.monotonic() - t_valid < age, "too slow to test a fresh authorization")
        expect(o["status"] == "valid", f"finalize right after validation: {json.dumps(o)[:500]}")
        # ... an older one is, at finalization (the order reuses the valid authorization)
        o2, url2 = cl.new_order([("dns", name)])
        expect(o2["status"] == "ready", f"second order is {o2['status']}, want ready (authorization reused)")
        time.sleep(max(0, age + 1 - (time.monotonic() - t_valid)))
        o2 = cl.finalize(url2, [name])
        expect(o2["status"] == "invalid", f"finalize {age} s later: {json.dumps(o2)[:500]}")
        problem_of(o2, "caa", 'issue "other-ca.example"')
        # and once CAA allows us again, a new order for it is issued
        set_caa(name, ("issue", ident))
        o3, url3 = cl.new_order([("dns", name)])
        verify_cert(cl.certificate(cl.finalize(url3, [name])), dns=[name])
    R.case("caa-recheck-at-finalize", recheck)

    def ip_no_caa():
        # CAA is for DNS names (BR 3.2.2.8): an IP identifier ignores it
        o, url = cl.new_order([("ip", "127.0.0.1")])
        az, ch = cl.solve(o["authorizations"][0], "http-01", web)
        expect(ch["status"] == "valid", f"http-01 for 127.0.0.1: {ch}")
    R.case("caa-not-for-ip", ip_no_caa)
    web.stop()


# ---------------------------------------------------------------- policy ---
def policy_cases(R, acme):
    blocked = os.environ.get("BLOCKED", "blocked.example.test")
    web = Web("127.0.0.1", int(os.environ["HTTP01_PORT"]))
    try:
        web6 = Web("::1", int(os.environ["HTTP01_PORT"]))
    except OSError as e:
        web6 = None
        log(f"no IPv6 responder: {e}")
    cl = Client(acme)

    def rejected(values, good=()):
        idents = [{"type": t, "value": v} for t, v in values]
        r, _, _ = cl.order(list(values) + list(good))
        j = problem(acme, r, 400, "rejectedIdentifier")
        sub = j.get("subproblems")
        expect(isinstance(sub, list), f"no subproblems: {j}")
        expect([s.get("identifier") for s in sub] == idents,
               f"subproblem identifiers {[s.get('identifier') for s in sub]}, want {idents}")
        for s in sub:
            expect(s.get("type") == ERR + "rejectedIdentifier", f"subproblem type {s.get('type')}")
        return sub

    def one(value, detail, typ="dns"):
        sub = rejected([(typ, value)])
        expect(detail in sub[0].get("detail", ""), f"detail {sub[0].get('detail')!r} lacks {detail!r}")

    for value, detail in [
            ("co.uk", "is a public suffix"), ("*.co.uk", "directly below the public suffix"),
            ("com.au", "public suffix"), ("com", "two labels"), ("test", "two labels"),
            ("xn--abc.example.test", "not a valid A-label"), ("xn--bcher-kva9.example.test", "not a valid A-label"),
            ("www.xn----bga.example.test", "hyphen"),
            (blocked, "blocklist"), ("www." + blocked, "blocklist"), ("*." + blocked, "blocklist"),
            ("*." + blocked.split(".", 1)[1], "would cover"),
            ("a_b.example.test", "outside letters"), ("ab--c.example.test", "reserved LDH"),
            ("4.3.2.1.in-addr.arpa", "reverse zone")]:
        R.case(f"policy-rejects-{value}", one, value, detail)
    R.case("policy-rejects-ip-1.2.3", one, "1.2.3", "not an IP address", "ip")
    R.case("policy-rejects-ip-cidr", one, "::1/128", "not an IP address", "ip")
    R.case("policy-rejects-unsupported-type", lambda: problem(acme, cl.order([("email", "a@example.test")])[0], 400,
                                                               "unsupportedIdentifier"))
    R.case("policy-one-subproblem-per-identifier", rejected,
           [("dns", "co.uk"), ("dns", "xn--abc.example.test"), ("dns", blocked)],
           [("dns", "fine.example.test")])

    def accepted():
        for v in ("a.example.test", "xn--bcher-kva.example.test", "*.example.test", "example.co.uk",
                  "not" + blocked, "www.github.io"):
            r, j, _ = cl.order([("dns", v)])
            expect(r.status == 201, f"{v}: {r}")
    R.case("policy-accepts-test-names-idn-private-suffix", accepted)

    def idn_issue():
        issue(cl, "xn--bcher-kva.example.test", "http-01", web)
    R.case("policy-idn-issues", idn_issue)

    # RFC 8738: IP identifiers end to end
    def ip(addr, w):
        expect(w is not None, "no responder")
        o, url = cl.new_order([("ip", addr)])
        az = cl.get(o["authorizations"][0])
        types = sorted(c["type"] for c in az["challenges"])
        expect(types == ["http-01", "tls-alpn-01"], f"challenges for an IP: {types} (RFC 8738 section 7: no dns-01)")
        expect(az["identifier"] == {"type": "ip", "value": addr}, f"identifier {az['identifier']}")
        az, ch = cl.solve(o["authorizations"][0], "http-01", w)
        expect(ch["status"] == "valid", f"http-01 for {addr}: {json.dumps(ch)[:400]}")
        expect(w.hit(ch["token"]), f"the responder on {addr} was not asked")
        verify_cert(cl.certificate(cl.finalize(url, [], [addr])), ips=[addr])
    R.case("ip-identifier-ipv4-http01", ip, "127.0.0.1", web)
    R.case("ip-identifier-ipv6-http01", ip, "::1", web6)

    def ip_normalized():
        o, url = cl.new_order([("ip", "0:0:0:0:0:0:0:1")])
        expect(o["identifiers"] == [{"type": "ip", "value": "::1"}], f"identifiers {o['identifiers']}")
    R.case("ip-identifier-normalized-rfc5952", ip_normalized)

    def mixed():
        name = "mixed.example.test"
        o, url = cl.new_order([("dns", name), ("ip", "127.0.0.1")])
        for a in o["authorizations"]:
            az, ch = cl.solve(a, "http-01", web)
            expect(ch["status"] == "valid", f"http-01: {ch}")
        verify_cert(cl.certificate(cl.finalize(url, [name], ["127.0.0.1"])), dns=[name], ips=["127.0.0.1"])
    R.case("ip-and-dns-identifiers-one-certificate", mixed)
    web.stop()
    if web6:
        web6.stop()


# ------------------------------------------------------------------ SSRF ---
def ssrf_cases(R, acme):
    port = int(os.environ["HTTP01_PORT"])
    pub, pub2 = os.environ["PUBLIC_IP"], os.environ["PUBLIC_IP2"]
    web_pub = Web(pub, port)
    web_pub2 = Web(pub2, port)
    web_lo = Web("127.0.0.1", port)
    web_lo6 = Web("::1", port)
    cl = Client(acme)

    def n(label):
        return f"{label}.ssrf.{SUFFIX}"

    set_a(n("pub"), pub)
    set_a(n("pub2"), pub2)
    set_a(n("private"), "10.1.2.3")
    set_a(n("cgnat"), "100.64.0.1")
    set_a(n("linklocal"), "169.254.169.254")

    R.case("ssrf-public-address-valid", issue, cl, n("pub"), "http-01", web_pub)

    def refused_name(label, *details):
        refused(cl, n(label), "http-01", "connection", *details, web=web_lo)
    R.case("ssrf-loopback-name-connection", refused_name, "lo", "127.0.0.0/8", "loopback")
    R.case("ssrf-private-name-connection", refused_name, "private", "10.0.0.0/8", "private-use")
    R.case("ssrf-cgnat-name-connection", refused_name, "cgnat", "100.64.0.0/10")
    R.case("ssrf-link-local-metadata-connection", refused_name, "linklocal", "169.254.0.0/16")

    def ip_ident(addr, detail):
        o, url = cl.new_order([("ip", addr)])
        az, ch = cl.solve(o["authorizations"][0], "http-01", web_lo if addr == "127.0.0.1" else web_lo6)
        expect(ch["status"] == "invalid", f"http-01 for {addr}: {ch}")
        problem_of(ch, "connection", detail)
    R.case("ssrf-ip-identifier-loopback-connection", ip_ident, "127.0.0.1", "loopback")
    R.case("ssrf-ip-identifier-ipv6-loopback-connection", ip_ident, "::1", "::1/128")

    def ip_public():
        o, url = cl.new_order([("ip", pub)])
        az, ch = cl.solve(o["authorizations"][0], "http-01", web_pub)
        expect(ch["status"] == "valid", f"http-01 for {pub}: {ch}")
        verify_cert(cl.certificate(cl.finalize(url, [], [pub])), ips=[pub])
    R.case("ssrf-ip-identifier-public-valid", ip_public)

    counter = [0]

    def redirect(target_of, *details):
        """A name on pub redirects the challenge to target_of(token); that hop
        must be refused when details are given, else followed."""
        counter[0] += 1
        name = n(f"redir{counter[0]}")
        set_a(name, pub)
        o, url = cl.new_order([("dns", name)])
        az, ch = cl.challenge(o["authorizations"][0], "http-01")
        tok, ka = ch["token"], cl.ka(ch["token"])
        web_pub.redirect(tok, target_of(tok))
        for w in (web_lo, web_lo6, web_pub2):  # would answer right, if ever asked
            w.answer(tok, ka)
        ok_json(cl.post(ch["url"], {}), 200, "respond to http-01:")
        az = cl.wait(o["authorizations"][0])
        ch = [c for c in az["challenges"] if c["url"] == ch["url"]][0]
        expect(web_pub.hit(tok), "the first hop was not fetched")
        if details:
            expect(ch["status"] == "invalid", f"redirect followed: {json.dumps(ch)[:400]}")
            problem_of(ch, "connection", *details)
            expect(not web_lo.hit(tok) and not web_lo6.hit(tok), "a loopback responder was contacted")
        else:
            expect(ch["status"] == "valid", f"redirect to an allowed target: {json.dumps(ch)[:400]}")
            expect(web_pub2.hit(tok), "the second hop was not fetched")
    wk = "/.well-known/acme-challenge/"
    R.case("ssrf-redirect-to-loopback-ip-connection", redirect,
           lambda t: f"http://127.0.0.1:{port}{wk}{t}", "127.0.0.0/8")
    R.case("ssrf-redirect-to-ipv6-loopback-connection", redirect,
           lambda t: f"http://[::1]:{port}{wk}{t}", "::1/128")
    R.case("ssrf-redirect-to-loopback-name-connection", redirect,
           lambda t: f"http://{n('lo2')}:{port}{wk}{t}", "127.0.0.0/8")
    R.case("ssrf-redirect-to-private-name-connection", redirect,
           lambda t: f"http://{n('private')}:{port}{wk}{t}", "10.0.0.0/8")
    R.case("ssrf-redirect-to-public-name-valid", redirect,
           lambda t: f"http://{n('pub2')}:{port}{wk}{t}")
    for w in (web_pub, web_pub2, web_lo, web_lo6):
        w.stop()


def main():
    which = sys.argv[1] if len(sys.argv) == 2 else ""
    cases = {"caa": caa_cases, "policy": policy_cases, "ssrf": ssrf_cases}
    if which not in cases:
        print(f"usage: {sys.argv[0]} {'|'.join(cases)}", file=sys.stderr)
        return 2
    for v in ("ACME_DIRECTORY", "ACME_CA_BUNDLE", "ACME_ISSUER_ROOT", "HTTP01_PORT", "CHALL_MGMT_PORT"):
        if not os.environ.get(v):
            print(f"FAIL probe-setup: {v} is not set", flush=True)
            return 1
    acme = Acme(Http(os.environ["ACME_CA_BUNDLE"]), os.environ["ACME_DIRECTORY"])
    R = Runner()
    t0 = time.monotonic()
    if R.case(f"{which}-directory", acme.load):
        try:
            cases[which](R, acme)
        except (Fail, OSError) as e:
            R.failed += 1
            print(f"FAIL {which}-setup: {' '.join(str(e).split())}", flush=True)
    log(f"{R.passed + R.failed} cases in {time.monotonic() - t0:.1f} s")
    print(f"DONE passed={R.passed} failed={R.failed}", flush=True)
    return 0 if R.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
