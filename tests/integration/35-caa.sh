#!/usr/bin/env bash
# 35-caa.sh — CAA (RFC 8659, RFC 8657, CA/B BR 3.2.2.8) as cairnd enforces it,
# with the records served by pebble-challtestsrv (its /add-caa and
# /set-servfail management calls).
#
# One cairnd with --caa-identities cairn.test,ca2.cairn.test and
# --caa-recheck-age 3s. validation_probe.py (an independent ACME client)
# checks each case's outcome and exact problem type: no CAA; issue for this
# CA; issue for another CA (caa); issue ";" (caa); two issuers; the closest
# RRset found by climbing the tree; accounturi for this account, and for
# another account only (caa for us, issued for that one); validationmethods
# (caa after http-01, issued after dns-01); issuewild for wildcards; a
# malformed issue value; SERVFAIL on the CAA lookup (caa); CAA checked again
# at finalization for an authorization older than the recheck age, not for a
# fresh one; no CAA for IP identifiers. Then lego, a real client, is refused
# with a caa problem and issued once the record allows cairnd.
# Prints "PASS|FAIL case".
#
# Environment: CAIRND (build/asan/cairnd when it exists, else build/cairnd),
# plus those of lib.sh (PORT_RANGE, CAIRND_START_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=validation-probe.bash
source "$(dirname "$0")/validation-probe.bash"

probe_start caa
export CAIRND_ARGS="--caa-identities cairn.test,ca2.cairn.test --caa-recheck-age 3s"
start_cairnd || { t_fail caa-cairnd-start "could not start cairnd (log in $T_TMP)"; exit 1; }
echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"

CAA_IDENTITY=cairn.test CAA_RECHECK_AGE=3 run_probe caa

# A real client sees the refusal and its problem type.
caa_set() { # HOST VALUE
  curl -fsS -m 5 -o /dev/null -X POST -d "{\"host\":\"$1.\"}" "http://127.0.0.1:$CHALL_MGMT_PORT/clear-caa" &&
  curl -fsS -m 5 -o /dev/null -X POST \
    -d "{\"host\":\"$1.\",\"policies\":[{\"tag\":\"issue\",\"value\":\"$2\"}]}" \
    "http://127.0.0.1:$CHALL_MGMT_PORT/add-caa"
}
name=lego.caa.example.test wd=$T_TMP/lego-caa
t_case_start
if ! caa_set "$name" "other-ca.example"; then
  t_fail caa-lego-refused "cannot set CAA through challtestsrv"
elif client_issue lego http-01 "$wd" "$name" >/dev/null 2>&1; then
  t_fail caa-lego-refused "lego got a certificate although CAA names another CA"
elif grep -q 'urn:ietf:params:acme:error:caa' "$wd"/logs/lego-issue-*.log; then
  t_pass caa-lego-refused
else
  t_fail caa-lego-refused "lego failed without a caa problem: $(tail -n 3 "$wd"/logs/lego-issue-*.log)"
fi
t_case_start
if caa_set "$name" "ca2.cairn.test" && client_issue lego http-01 "$wd" "$name" >/dev/null; then
  t_pass caa-lego-allowed
else
  t_fail caa-lego-allowed "lego was refused although CAA names cairnd"
fi
kill -0 "$CAIRND_PID" 2>/dev/null || { t_fail caa-cairnd-alive "cairnd died"; exit 1; }
