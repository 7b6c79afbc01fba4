#!/usr/bin/python3
"""tos_probe.py - changed terms of service, RFC 8555 section 7.3.3.

Run by 32-tos.sh with Debian's /usr/bin/python3, against two cairnd
instances on one store: ACME_DIRECTORY_OLD with --tos-version v1 and
ACME_DIRECTORY with --tos-version v2 (the terms changed). The ACME side is
acme_probe.py's. Prints "PASS name" / "FAIL name: why", then "DONE ...".

An account that agreed to v1 keeps working where v1 is current; where v2
is, every request but those to its own account URL gets 403
userActionRequired with Link rel="terms-of-service" and an "instance"
naming the terms; POST-as-GET of the account still works; agreeing with
{"termsOfServiceAgreed": true} lets it order again; a new account agrees
to the current version at once.
"""

import os
import sys

from acme_probe import Acme, Fail, Http, Key, Runner, expect, ok_json, problem


def order(acme, key, kid, name):
    return acme.post(acme.d["newOrder"], key,
                     {"identifiers": [{"type": "dns", "value": name}]}, kid=kid)


def main():
    http = Http(os.environ["ACME_CA_BUNDLE"])
    old = Acme(http, os.environ["ACME_DIRECTORY_OLD"])
    new = Acme(http, os.environ["ACME_DIRECTORY"])
    old.load()
    new.load()
    R = Runner()
    key = Key("ES256")
    r, kid_old = old.new_account(key)
    ok_json(r, 201, "newAccount (v1):")
    # The account URL on the v2 instance: same store, same path.
    kid = new.dir_url.rsplit("/directory", 1)[0] + kid_old[kid_old.index("/acme/acct/"):]
    tos = new.d["meta"]["termsOfService"]

    def t_old_terms_still_current():
        ok_json(order(old, key, kid_old, "tos-a.example.test"), 201, "newOrder on v1:")

    def t_user_action_required():
        r = order(new, key, kid, "tos-b.example.test")
        j = problem(new, r, 403, "userActionRequired")
        expect(j.get("instance") == tos, f"instance {j.get('instance')!r}, want {tos!r}")
        expect(tos in r.links("terms-of-service"),
               f"no Link rel=\"terms-of-service\": {r.headers.get_all('Link')}")

    def t_account_readable():
        ok_json(new.post(kid, key, None, kid=kid), 200, "account POST-as-GET:")

    def t_agree_again():
        j = ok_json(new.post(kid, key, {"termsOfServiceAgreed": True}, kid=kid), 200,
                    "agreeing again:")
        expect(j.get("status") == "valid", f"account {j}")
        ok_json(order(new, key, kid, "tos-c.example.test"), 201, "newOrder after agreeing:")

    def t_old_instance_now_asks():
        # The account agreed to v2: where v1 is current it must agree to v1.
        problem(old, order(old, key, kid_old, "tos-d.example.test"), 403, "userActionRequired")

    def t_new_account_current():
        k2 = Key("ES256")
        r, kid2 = new.new_account(k2)
        ok_json(r, 201, "newAccount (v2):")
        ok_json(order(new, k2, kid2, "tos-e.example.test"), 201, "newOrder of a new account:")

    R.case("tos-old-version-still-current", t_old_terms_still_current)
    R.case("tos-user-action-required", t_user_action_required)
    R.case("tos-account-readable", t_account_readable)
    R.case("tos-agree-again", t_agree_again)
    R.case("tos-other-version-asks", t_old_instance_now_asks)
    R.case("tos-new-account-agrees-current", t_new_account_current)
    print(f"DONE passed={R.passed} failed={R.failed}", flush=True)
    return 0 if R.failed == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        print(f"FAIL probe-setup: {e}", flush=True)
        sys.exit(1)
